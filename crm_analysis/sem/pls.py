"""PLS path modelling (PLS-SEM): estimation, bootstrap and the tidy results object.

The numerical core (:mod:`crm_analysis.sem._pls_core`) works on covariance matrices, so one
estimation and 5000 bootstrap resamples run through the same batched code.

Examples
--------
>>> from crm_analysis import sem
>>> data = sem.simulate("X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X", n=300,
...                     paths={("X", "Y"): 0.5}, seed=1)
>>> fit = sem.estimate_pls(data, "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X")
>>> round(float(fit.paths.loc[0, "estimate"]), 2)
0.42
"""
from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem import bootstrap as bs
from crm_analysis.sem.model import Model, as_model

__all__ = ["estimate_pls", "PLSResult", "PLSSummary", "pls_batch", "PLSBatch", "ConvergenceWarning"]

_SCHEMES = ("path", "centroid", "factorial")
_MISSING = ("listwise", "mean")
_CI = ("percentile", "bca")
_CONVERGENCE = ("seminr", "plspm")


class ConvergenceWarning(RuntimeWarning):
    """The PLS iterations stopped at ``max_iter`` before meeting the tolerance."""


# ----------------------------------------------------------------------------------------------
# parameter and data checks
# ----------------------------------------------------------------------------------------------
def _check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ParameterError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value


def _check_options(scheme, scaled, max_iter, tol, missing, convergence) -> None:
    _check_choice(scheme, "scheme", _SCHEMES)
    _check_choice(missing, "missing", _MISSING)
    _check_choice(convergence, "convergence", _CONVERGENCE)
    if not isinstance(scaled, (bool, np.bool_)):
        raise ParameterError(f"scaled: expected True or False, got {scaled!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ParameterError(f"max_iter: expected a positive integer, got {max_iter!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (0 < tol < 1):
        raise ParameterError(f"tol: expected a number in (0, 1), got {tol!r}")


def _consistent_mask(consistent: Any, m: Model) -> np.ndarray | None:
    """``consistent=`` as a (J,) bool array over ``m.constructs`` (None: plain PLS)."""
    if consistent is None or consistent is False:
        return None
    if consistent is True:
        mask = np.array([m.modes[c] == "A" and ":" not in c for c in m.constructs])
        return mask if mask.any() else None
    if isinstance(consistent, str) or not isinstance(consistent, Sequence):
        raise ParameterError(
            f"consistent: expected True, False or a list of construct names, got {consistent!r}"
        )
    unknown = [c for c in consistent if c not in m.constructs]
    if unknown:
        raise ParameterError(f"consistent: {unknown} are not constructs of the model ({m.constructs})")
    formative = [c for c in consistent if m.modes[c] == "B" or ":" in c]
    if formative:
        raise ParameterError(
            f"consistent: {formative} are composites (mode B, '<~'); PLSc corrects only common-factor "
            f"(reflective, '=~') constructs"
        )
    mask = np.array([c in set(consistent) for c in m.constructs])
    return mask if mask.any() else None


@dataclass
class _Setup:
    """What a post-estimation procedure needs: the checked model, its PLSc mask, the rows used."""

    model: Model
    consistent: np.ndarray | None
    prep: "_Prepared"
    mu: np.ndarray  # column means of the rows used
    R: np.ndarray  # indicator correlations (constant and collinear blocks refused)
    st: core.Structure


def _setup(data: pd.DataFrame, model: Model | str, *, what: str, missing: str,
           consistent: bool | Sequence[str] = False) -> _Setup:
    """Checks shared by predict_pls, model_fit, micom, blindfolding (in that order: model,
    ``consistent``, data type, rows, moments)."""
    m = _pls_model(model, what=what)
    cmask = _consistent_mask(consistent, m)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    prep = _prepare(data, m, missing)
    X = prep.X
    mu = X.mean(axis=0)
    R = _check_moments(mu, (X - mu).T @ (X - mu) / len(X), m, len(X))
    return _Setup(m, cmask, prep, mu, R, core.structure_from_model(m))


def _pls_model(model: Model | str, *, allow_interactions: bool = False, what: str = "this function") -> Model:
    """The model, refused when PLS cannot estimate it (a construct without a structural path)."""
    m = as_model(model)
    if m.interactions and not allow_interactions:
        raise InputError(
            f"the model has interaction terms ({', '.join(f'{a}:{b}' for a, b, _ in m.interactions)}); "
            f"{what} does not handle them yet: use sem.estimate_pls(..., interactions=...)"
        )
    if m.higher_order and not allow_interactions:
        raise InputError(
            f"the model has higher-order constructs ({', '.join(m.higher_order)}); {what} does not "
            f"handle them (PLSpredict has no published solution for them either): use "
            f"sem.estimate_pls(..., hoc=...)"
        )
    if m.higher_order and m.interactions:
        raise InputError("a model with both interaction terms and higher-order constructs is not supported")
    if len(m.constructs) < 2 or not m.structural_paths:
        raise InputError(
            "PLS path modelling needs at least two constructs joined by a structural path "
            "(e.g. 'Y ~ X'): the inner proxies are built from neighbouring constructs"
        )
    linked = ({c for pair in m.structural_paths for c in pair} | {c for t in m.interactions for c in t}
              | {d for v in m.higher_order.values() for d in v})
    lonely = [c for c in m.constructs if c not in linked]
    if lonely:
        raise InputError(
            f"construct(s) {lonely} have no structural path: PLS estimates each construct from "
            f"its neighbours in the path model, so every construct needs at least one path"
        )
    return m


@dataclass
class _Prepared:
    X: np.ndarray  # (n, p) raw values of the rows used, indicator order
    index: pd.Index  # row labels of the rows used
    keep: np.ndarray  # (n_input,) bool, rows used
    notes: list[str]


def _prepare(data: pd.DataFrame, model: Model, missing: str) -> _Prepared:
    model.check_data(data)
    cols = model.all_indicators
    X = data.loc[:, cols].to_numpy(dtype=float, na_value=np.nan, copy=True)
    notes: list[str] = []
    inf = ~np.isfinite(X) & ~np.isnan(X)
    if inf.any():
        bad = [cols[j] for j in np.flatnonzero(inf.any(axis=0))]
        raise InputError(f"data: infinite values in column(s) {bad}")
    na = np.isnan(X)
    keep = np.ones(len(X), dtype=bool)
    if na.any():
        empty = [cols[j] for j in np.flatnonzero(na.all(axis=0))]
        if empty:
            raise InputError(f"data: column(s) {empty} have no values at all")
        if missing == "listwise":
            keep = ~na.any(axis=1)
            dropped = np.flatnonzero(~keep)
            labels = [str(x) for x in data.index[dropped][:10]]
            notes.append(
                f"{len(dropped)} of {len(X)} rows dropped for missing indicator values "
                f"(missing='listwise'; rows {', '.join(labels)}{', ...' if len(dropped) > 10 else ''})"
            )
            X = X[keep]
        else:
            col_mean = np.nanmean(X, axis=0)
            r, c = np.nonzero(na)
            X[r, c] = col_mean[c]
            per_col = na.sum(axis=0)
            worst = ", ".join(f"{cols[j]} {per_col[j]}" for j in np.argsort(-per_col)[:5] if per_col[j])
            notes.append(
                f"{int(na.sum())} missing indicator value(s) replaced by the column mean "
                f"(missing='mean'; most in: {worst})"
            )
    n = len(X)
    st_sizes = {c: len(v) for c, v in model.indicators.items()}
    need = max(3, max((st_sizes[c] for c in model.constructs if model.modes[c] == "B"), default=0) + 2)
    if n < need:
        raise InputError(f"data: {n} usable rows; the model needs at least {need}")
    return _Prepared(X, data.index[keep], keep, notes)


def _check_moments(mu: np.ndarray, S: np.ndarray, model: Model, n_rows: int = 0) -> np.ndarray:
    """Refuse constant indicators and collinear mode B blocks; return the correlation matrix."""
    cols = model.all_indicators
    sd = np.sqrt(np.diag(S))
    const = [cols[j] for j in np.flatnonzero(~(sd > 1e-12 * np.maximum(1.0, np.abs(mu))))]
    if const:
        raise InputError(f"data: indicator column(s) {const} are constant in the rows used; drop them from the model")
    R = S / np.outer(sd, sd)
    for c in model.constructs:
        if model.modes[c] != "B" or len(model.indicators[c]) < 2:
            continue
        idx = [cols.index(x) for x in model.indicators[c]]
        if np.linalg.cond(R[np.ix_(idx, idx)]) > 1e12:
            raise InputError(
                f"construct {c!r} (mode B): its indicators {model.indicators[c]} are collinear; "
                f"mode B regresses on them, so drop one or use mode A ('=~')"
            )
    from crm_analysis.sem.datacheck import block_problems  # identical indicators, too few rows

    problems = block_problems(R, cols, {c: list(v) for c, v in model.indicators.items()}, n_rows)
    if problems:
        raise InputError("data: " + "; ".join(problems))
    return R


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------
_BOOT_COLS = ["mean", "se", "t", "p", "ci_low", "ci_high"]


@dataclass
class PLSResult:
    """Results of :func:`estimate_pls`: tidy pandas tables plus the bootstrap draws.

    Attributes
    ----------
    paths : DataFrame
        ``from, to, estimate`` (+ ``mean, se, t, p, ci_low, ci_high`` after bootstrapping).
    weights, loadings : DataFrame
        ``construct, indicator, estimate`` (+ bootstrap columns). Weights are in the metric the
        model was fitted in (standardised indicators when ``scaled=True``, centred raw
        indicators otherwise); :attr:`raw_weights` gives weights per raw indicator unit.
    cross_loadings : DataFrame
        index = indicator; ``construct`` then one column per construct (correlations).
    scores : DataFrame
        LV scores of the rows used, unit variance (``n`` divisor, as R plspm), mean 0.
    r_squared, r_squared_adj : Series
        Endogenous constructs.
    effects : DataFrame
        ``from, to, direct, indirect, total`` for every pair joined by a directed path.
    gof : float
        Goodness of fit (Tenenhaus et al. 2004): ``sqrt(mean communality * mean R²)``.
    outer : DataFrame
        plspm's outer model: ``indicator, construct, weight, loading, communality, redundancy``.
    inner_summary : DataFrame
        plspm's inner summary: ``type, r_squared, block_communality, mean_redundancy, ave``.
    inner_model : DataFrame
        OLS of each endogenous score on its predictors: ``to, from, estimate, std_error, t, p``.
    reliability : DataFrame
        index = construct; ``alpha, rho_a, rho_c, ave``.
    unidim : DataFrame
        plspm's unidimensionality table (alpha, Dillon-Goldstein rho, eigenvalues).
    htmt : DataFrame
        ``construct_1, construct_2, estimate`` (+ bootstrap columns); see :meth:`htmt_matrix`.
    fornell_larcker : DataFrame
        sqrt(AVE) on the diagonal, LV correlations below it.
    vif : DataFrame
        ``kind`` ("inner"/"outer"), ``construct``, ``variable``, ``vif``.
    f_squared : DataFrame
        ``from, to, estimate`` (+ bootstrap columns).
    lv_correlations : DataFrame
    n_iter : int
    converged : bool
    warnings : list of str
        Non-convergence, dropped rows, imputed values, failed resamples.
    bootstrap_draws : dict of str to ndarray
        One row per resample, columns labelled by ``bootstrap_labels`` (empty without bootstrap).
    bootstrap_counts : ndarray or None
        (B, n) how often each used row appears in each resample; column ``i`` is the row
        ``scores.index[i]`` (after listwise deletion, the rows kept). Reuse it for derived
        statistics (e.g. CSI indices) on the same resamples, e.g. with
        ``pls_batch(data.loc[fit.scores.index], model, counts=fit.bootstrap_counts)``.
    indicator_means, indicator_sds : Series
        Raw indicator means and standard deviations (``ddof=1``) of the rows used.
    """

    model: Model
    n: int
    settings: dict[str, Any]
    paths: pd.DataFrame
    weights: pd.DataFrame
    loadings: pd.DataFrame
    cross_loadings: pd.DataFrame
    scores: pd.DataFrame
    r_squared: pd.Series
    r_squared_adj: pd.Series
    effects: pd.DataFrame
    gof: float
    outer: pd.DataFrame
    inner_summary: pd.DataFrame
    inner_model: pd.DataFrame
    reliability: pd.DataFrame
    unidim: pd.DataFrame
    htmt: pd.DataFrame
    fornell_larcker: pd.DataFrame
    vif: pd.DataFrame
    f_squared: pd.DataFrame
    lv_correlations: pd.DataFrame
    n_iter: int
    converged: bool
    indicator_means: pd.Series
    indicator_sds: pd.Series
    raw_weights: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    bootstrap_draws: dict[str, np.ndarray] = field(default_factory=dict)
    bootstrap_labels: dict[str, list] = field(default_factory=dict)
    bootstrap_counts: np.ndarray | None = None
    _estimates: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _jackknife: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _pairs: list = field(default_factory=list, repr=False)  # effect pairs (construct indices)
    _hp: list = field(default_factory=list, repr=False)  # HTMT pairs (construct indices)

    # -- bootstrap access --------------------------------------------------------------------
    @property
    def n_bootstrap(self) -> int:
        """Number of bootstrap resamples that converged and enter the intervals."""
        if not self.bootstrap_draws:
            return 0
        return int(np.isfinite(self.bootstrap_draws["paths"]).all(axis=1).sum())

    def bootstrap_summary(self, statistic: str = "paths", *, ci: str | None = None,
                          ci_level: float | None = None) -> pd.DataFrame:
        """Tidy bootstrap table of one statistic.

        Parameters
        ----------
        statistic : str
            A key of :attr:`bootstrap_draws`: ``paths``, ``weights``, ``std_weights``,
            ``loadings``, ``cross_loadings``, ``r_squared``, ``r_squared_adj``,
            ``total_effects``, ``indirect_effects``, ``htmt``, ``alpha``, ``rho_a``, ``rho_c``,
            ``ave``, ``f_squared``, ``gof``.
        ci : {"percentile", "bca"}, optional
            Interval method; default the one given to :func:`estimate_pls`.
        ci_level : float, optional
            Default the one given to :func:`estimate_pls`.

        Examples
        --------
        >>> fit.bootstrap_summary("r_squared", ci="bca")  # doctest: +SKIP
        """
        if not self.bootstrap_draws:
            raise ParameterError("bootstrap_summary: the model was estimated without bootstrap (bootstrap=0)")
        if statistic not in self.bootstrap_draws:
            raise ParameterError(
                f"bootstrap_summary(statistic): expected one of {sorted(self.bootstrap_draws)}, got {statistic!r}"
            )
        method = _check_choice(ci or self.settings["ci"], "ci", _CI)
        level = self.settings["ci_level"] if ci_level is None else _check_level(ci_level)
        draws = self.bootstrap_draws[statistic]
        B = draws.shape[0]
        flat = draws.reshape(B, -1)
        est = self._estimates[statistic].reshape(-1)
        jack = self._jackknife.get(statistic)
        jack = None if jack is None else jack.reshape(jack.shape[0], -1)
        cols = bs.bootstrap_table(est, flat, jack, n=self.n, level=level, method=method)
        labels = self.bootstrap_labels[statistic]
        names = _LABEL_NAMES[statistic]
        frame = pd.DataFrame(labels, columns=names) if names else pd.DataFrame(index=range(1))
        frame["estimate"] = est
        for k in _BOOT_COLS:
            frame[k] = cols[k]
        return frame

    def htmt_matrix(self) -> pd.DataFrame:
        """HTMT as a symmetric construct x construct table (NaN diagonal)."""
        cs = self.model.constructs
        m = pd.DataFrame(np.nan, index=cs, columns=cs)
        for a, b, v in self.htmt[["construct_1", "construct_2", "estimate"]].itertuples(index=False):
            m.loc[a, b] = m.loc[b, a] = v
        return m

    def summary(self) -> "PLSSummary":
        """A readable summary (text via ``print``, HTML in notebooks)."""
        return PLSSummary(self)

    def __repr__(self) -> str:
        conv = "converged" if self.converged else "NOT CONVERGED"
        boot = f", bootstrap={self.n_bootstrap}" if self.bootstrap_draws else ""
        return (
            f"<PLSResult: {len(self.model.constructs)} constructs, {self.n} observations, "
            f"scheme={self.settings['scheme']}, {conv} in {self.n_iter} iterations{boot}>"
        )


_LABEL_NAMES = {
    "paths": ["from", "to"],
    "f_squared": ["from", "to"],
    "weights": ["construct", "indicator"],
    "std_weights": ["construct", "indicator"],
    "loadings": ["construct", "indicator"],
    "cross_loadings": ["indicator", "construct"],
    "r_squared": ["construct"],
    "r_squared_adj": ["construct"],
    "total_effects": ["from", "to"],
    "indirect_effects": ["from", "to"],
    "htmt": ["construct_1", "construct_2"],
    "alpha": ["construct"],
    "rho_a": ["construct"],
    "rho_c": ["construct"],
    "ave": ["construct"],
    "gof": [],
}


def _check_level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not (0 < level < 1):
        raise ParameterError(f"ci_level: expected a number in (0, 1), got {level!r}")
    return float(level)


class PLSSummary:
    """Text and HTML summary of a :class:`PLSResult` (``print(fit.summary())``)."""

    def __init__(self, result: PLSResult):
        self.result = result

    def _sections(self) -> list[tuple[str, pd.DataFrame | str]]:
        r = self.result
        s = r.settings
        head = pd.DataFrame(
            {
                "value": [
                    len(r.model.constructs), len(r.model.all_indicators), len(r.model.structural_paths),
                    r.n, s["scheme"], "standardised" if s["scaled"] else "centred (unscaled)",
                    f"{r.n_iter} ({'converged' if r.converged else 'NOT converged'}; "
                    f"{s['convergence']} criterion, tol={s['tol']:g}, max_iter={s['max_iter']})",
                    s["missing"],
                    (f"{r.n_bootstrap} resamples, {s['ci']} {100 * s['ci_level']:g}% CI, seed={s['seed']}"
                     if r.bootstrap_draws else "none"),
                    f"{r.gof:.4f}",
                    (("PLSc (consistent) for " + ", ".join(s["consistent"])) if s.get("consistent") else "PLS")
                    + (f"; interactions: {s['interactions']}" if s.get("interactions") else "")
                    + (f"; higher-order constructs: {s['hoc']}" if s.get("hoc") else ""),
                ]
            },
            index=["constructs", "indicators", "structural paths", "observations", "inner scheme",
                   "indicators used", "iterations", "missing values", "bootstrap", "GoF", "estimator"],
        )
        out: list[tuple[str, pd.DataFrame | str]] = [("PLS path model", head)]
        if r.warnings:
            out.append(("Warnings", "\n".join(f"- {w}" for w in r.warnings)))
        out.append(("Path coefficients", r.paths))
        r2 = pd.DataFrame({"r_squared": r.r_squared, "r_squared_adj": r.r_squared_adj})
        out.append(("R²", r2))
        out.append(("Reliability", r.reliability))
        out.append(("Outer model", r.outer.set_index("indicator")))
        if r.bootstrap_draws:
            out.append(("Outer loadings (bootstrap)", r.loadings))
            out.append(("Outer weights (bootstrap)", r.weights))
        out.append(("Effects", r.effects))
        out.append(("HTMT", r.htmt_matrix()))
        out.append(("Fornell-Larcker", r.fornell_larcker))
        out.append(("f²", r.f_squared))
        out.append(("VIF", r.vif))
        return out

    def __str__(self) -> str:
        parts = []
        with pd.option_context("display.width", 120, "display.max_columns", 20,
                               "display.float_format", "{:.4f}".format):
            for title, body in self._sections():
                parts.append(title)
                parts.append("=" * len(title))
                parts.append(body if isinstance(body, str) else body.to_string())
                parts.append("")
        return "\n".join(parts)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = []
        for title, body in self._sections():
            parts.append(f"<h4>{html.escape(title)}</h4>")
            if isinstance(body, str):
                items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in body.splitlines())
                parts.append(f'<ul style="color:#a33">{items}</ul>')
            else:
                parts.append(body.to_html(float_format=lambda v: f"{v:.4f}", na_rep=""))
        return "<div>" + "\n".join(parts) + "</div>"


# ----------------------------------------------------------------------------------------------
# estimation
# ----------------------------------------------------------------------------------------------
#: the most bootstrap resamples :func:`estimate_pls` accepts (the command line allows 100,000)
MAX_BOOTSTRAP = 1_000_000


def estimate_pls(
    data: pd.DataFrame,
    model: Model | str,
    *,
    scheme: str = "path",
    scaled: bool = True,
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: str = "listwise",
    bootstrap: int = 0,
    seed: int | np.random.Generator | None = None,
    ci: str = "percentile",
    ci_level: float = 0.95,
    convergence: str = "seminr",
    consistent: bool | Sequence[str] = False,
    interactions: str = "two_stage",
    hoc: str = "two_stage",
) -> PLSResult:
    """Estimate a PLS path model (Wold's algorithm, Lohmoeller's formulation).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must contain every indicator of ``model`` as a numeric column
        (other columns are ignored; the frame is not modified).
    model : Model or str
        The model, or its lavaan-style syntax (``=~`` mode A, ``<~`` mode B, ``~`` paths).
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme.
    scaled : bool
        Standardise the indicators (True) or only centre them (False; the weights are then
        per raw indicator unit, as R plspm's ``scaled=FALSE``).
    max_iter : int
        Maximum number of outer-weight updates; reaching it is reported as non-convergence.
    tol : float
        Convergence tolerance, see ``convergence``.
    missing : {"listwise", "mean"}
        Drop rows with a missing indicator, or replace missing values by the column mean (as
        R seminr's default). Either way the result's ``warnings`` say what was done.
    bootstrap : int
        Number of bootstrap resamples (0 = none; otherwise at least 10).
    seed : int, Generator or None
        Seed of the resampling (reproducible for a given int).
    ci : {"percentile", "bca"}
        Interval shown in the tidy tables; both are available via
        :meth:`PLSResult.bootstrap_summary`.
    ci_level : float
        Confidence level of the intervals.
    convergence : {"seminr", "plspm"}
        Stopping rule. "seminr": sum of absolute changes of the (unit-variance) weights below
        ``tol`` (R seminr, SmartPLS). "plspm": R plspm's rule, sum of squared changes of the
        absolute unnormalised weights below ``tol`` (use it, with plspm's ``tol``, to reproduce
        plspm digit for digit).
    consistent : bool or list of str
        Consistent PLS (PLSc, Dijkstra & Henseler 2015). ``True`` corrects every reflective
        (``=~``) construct, a list only the constructs named. The weights and scores stay the
        PLS composites; each corrected construct's correlations are divided by ``sqrt(rho_A)``
        (``lv_correlations``), its loadings become ``w sqrt(rho_A) / (w'w)``, and paths, R²,
        effects, f² and the inner OLS table are computed from the corrected correlations
        (seminr's ``reflective()`` constructs; SmartPLS' PLSc). Correlations beyond ±1 or
        rho_A > 1 (an inadmissible solution) are reported in ``warnings``.
    interactions : {"two_stage", "product_indicator", "orthogonal"}
        How interaction terms of the model (``Y ~ X + M + X:M``) are built, see
        :mod:`crm_analysis.sem.interaction`; the interaction construct is named ``"X:M"``.
        The bootstrap regenerates the interaction columns in every resample.
    hoc : {"two_stage", "repeated_indicators"}
        How higher-order constructs (``H =~ A + B`` over constructs ``A``, ``B``) are estimated,
        see :mod:`crm_analysis.sem.hoc`. Two-stage: the bootstrap re-runs stage 1 in every
        resample; the lower-order constructs' weights and loadings (stage 1) are appended to
        ``weights`` and ``loadings`` without bootstrap columns.

    Returns
    -------
    PLSResult

    Raises
    ------
    InputError
        Missing or non-numeric indicator columns, constant indicators, too few rows, collinear
        mode B blocks, constructs without a structural path.
    ParameterError
        An option outside its allowed values.

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2 + x3\\nY <~ y1 + y2 + y3\\nY ~ X"
    >>> data = sem.simulate(text, n=500, paths={("X", "Y"): 0.4}, seed=3)
    >>> fit = sem.estimate_pls(data, text, bootstrap=200, seed=1)
    >>> list(fit.paths.columns)
    ['from', 'to', 'estimate', 'mean', 'se', 't', 'p', 'ci_low', 'ci_high']
    """
    _check_options(scheme, scaled, max_iter, tol, missing, convergence)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0 \
            or 0 < bootstrap < 10:
        raise ParameterError(f"bootstrap: expected 0 (none) or a number of resamples >= 10, got {bootstrap!r}")
    if bootstrap > MAX_BOOTSTRAP:  # every resample's estimates are kept: memory, not precision, is what grows
        raise ParameterError(f"bootstrap: {bootstrap:,} resamples is more than the {MAX_BOOTSTRAP:,} allowed; every "
                             "resample's estimates are kept in memory, and 5,000 to 10,000 give stable 95% intervals")
    _check_choice(ci, "ci", _CI)
    ci_level = _check_level(ci_level)
    rng = bs.generator(seed)
    m = _pls_model(model, allow_interactions=True)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    m0 = m
    ints = None  # generated columns: interaction terms or higher-order constructs
    stage_opts = dict(scheme=scheme, scaled=True, max_iter=int(max_iter), tol=float(tol), convergence=convergence)
    if m.interactions:
        from crm_analysis.sem import interaction

        _check_choice(interactions, "interactions", interaction.METHODS)
        ints = interaction.prepare(m, interactions, stage_opts)
    elif m.higher_order:
        from crm_analysis.sem import hoc as hoc_mod

        _check_choice(hoc, "hoc", hoc_mod.METHODS)
        ints = hoc_mod.prepare(m, hoc, stage_opts)
    if ints is not None:
        prep = _prepare(data, ints.base, missing)
        X_base = prep.X.copy()
        prep.X = _generated(ints, X_base)
        m = ints.model
    else:
        prep = _prepare(data, m, missing)
    cmask = _consistent_mask(consistent, m)
    notes = list(prep.notes)
    if m.covariances:
        notes.append(f"{len(m.covariances)} covariance statement(s) (~~) ignored: PLS does not estimate them")
    st = core.structure_from_model(m)
    Xc = prep.X  # our own copy: centred in place (large n: no extra copies)
    n = len(Xc)
    mu = Xc.mean(axis=0)
    Xc -= mu
    S = (Xc.T @ Xc) / n
    R = _check_moments(mu, S, m, n)
    opts = dict(scheme=scheme, scaled=bool(scaled), max_iter=int(max_iter), tol=float(tol),
                convergence=convergence, consistent=cmask)
    S = S[None]
    nobs = np.array([float(n)])
    fit = core.fit_batch(S, nobs, st, **opts)
    if ints is not None:
        fit["nobs_"] = nobs
        ints.adjust(fit, st, cmask is not None)
    converged = bool(fit["converged"][0])
    n_iter = int(fit["n_iter"][0])
    if not converged:
        msg = (f"the PLS algorithm did not converge in max_iter={max_iter} iterations "
               f"(last change {fit['delta'][0]:.3g} >= tol={tol:g}); estimates are not reliable: "
               f"raise max_iter, try scheme='path', or check the model")
        notes.insert(0, msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    if cmask is not None:
        notes += _inadmissible(fit, cmask, st)
    settings = dict(opts, consistent=[] if cmask is None else [c for c, k in zip(m.constructs, cmask) if k],
                    missing=missing, bootstrap=int(bootstrap), seed=seed if not
                    isinstance(seed, np.random.Generator) else "Generator", ci=ci, ci_level=ci_level,
                    interactions=interactions if m0.interactions else None, hoc=hoc if m0.higher_order else None)
    result = _build_result(m, st, prep, mu, S[0], R, fit, settings, notes, n_iter, converged)
    if bootstrap:
        # repeated indicators are copies: nothing to rebuild per resample, the batched path applies
        regenerate = ints is not None and getattr(ints, "method", "") != "repeated_indicators"
        _run_bootstrap(result, st, Xc, opts, int(bootstrap), rng, (ints, X_base, mu) if regenerate else None)
    if m0.higher_order and hoc == "two_stage":
        _append_first_stage(result, ints, X_base, consistent)
    return result


def _generated(spec, X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """The columns of ``spec.model`` (interaction / higher-order stage) from the base items ``X``."""
    names = list(spec.base.all_indicators) + list(spec.columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        A = np.hstack([X, spec.generate(X, w)])
    return A[:, [names.index(x) for x in spec.model.all_indicators]]


def _append_first_stage(res: PLSResult, spec, X: np.ndarray, consistent) -> None:
    """Two-stage higher-order model: the lower-order constructs' stage-1 weights and loadings."""
    base = spec.base
    fit = spec.first_stage(X, _consistent_mask(consistent, base))
    locs = {d for v in spec.dimensions.values() for d in v}
    owner = [base.constructs[j] for j in core.structure_from_model(base).block]
    keep = [i for i, c in enumerate(owner) if c in locs]
    for table, key in ((res.weights, "weights"), (res.loadings, "loadings")):
        extra = pd.DataFrame({"construct": [owner[i] for i in keep],
                              "indicator": [base.all_indicators[i] for i in keep],
                              "estimate": fit[key][0][keep]})
        merged = pd.concat([table, extra], ignore_index=True)
        if key == "weights":
            res.weights = merged
        else:
            res.loadings = merged


def _interaction_moments(spec, counts: np.ndarray, piece: int = 250):
    """Covariance stack of the data with the generated columns (interaction terms, higher-order
    stage-1 scores) rebuilt in each resample (``spec = (generator, base item values, full-sample
    means of all columns)``), batched over resamples in pieces of ``piece``."""
    ints, Xb, mu = spec
    names = list(ints.base.all_indicators) + list(ints.columns)
    idx = np.array([names.index(x) for x in ints.model.all_indicators])
    base_mean = Xb.mean(axis=0)
    Xc = Xb - base_mean
    parts_S, parts_m = [], []
    with np.errstate(invalid="ignore", divide="ignore"):
        for s in range(0, len(counts), piece):
            C = np.asarray(counts[s:s + piece], dtype=float)
            nb = C.sum(axis=1)
            G = ints.generate_batch(Xb, C)
            Sxx, mx, _ = core.covariance_stack(Xc, C)
            CG = C[:, :, None] * G
            mg = CG.sum(axis=1) / nb[:, None]
            Sxg = (Xc.T @ CG) / nb[:, None, None] - mx[:, :, None] * mg[:, None, :]
            Sgg = (np.swapaxes(CG, 1, 2) @ G) / nb[:, None, None] - mg[:, :, None] * mg[:, None, :]
            full = np.concatenate([np.concatenate([Sxx, Sxg], axis=2),
                                   np.concatenate([np.swapaxes(Sxg, 1, 2), Sgg], axis=2)], axis=1)
            parts_S.append(full[:, idx[:, None], idx])
            parts_m.append(np.concatenate([mx + base_mean, mg], axis=1)[:, idx] - mu)
    return np.concatenate(parts_S), np.concatenate(parts_m), counts.sum(axis=1)


def _inadmissible(fit: dict, cmask: np.ndarray, st: core.Structure) -> list[str]:
    """PLSc notes: rho_A above 1 or corrected construct correlations beyond ±1."""
    cs = st.constructs
    out = []
    rho = fit["rho_a"][0]
    big = [f"{cs[j]} ({rho[j]:.3f})" for j in np.flatnonzero(cmask & (rho > 1))]
    if big:
        out.append(f"PLSc: rho_A above 1 for {', '.join(big)}: the consistent loadings exceed the "
                   f"PLS ones by more than the reliability allows; check the block")
    Rc = fit["lv_cor"][0]
    bad = [f"{cs[a]}-{cs[b]} ({Rc[a, b]:.3f})" for a in range(st.J) for b in range(a + 1, st.J)
           if abs(Rc[a, b]) >= 1]
    if bad:
        out.append(f"PLSc: corrected construct correlation(s) beyond ±1: {', '.join(bad)} "
                   f"(an inadmissible solution; the constructs are not empirically distinct)")
    return out


def _fmt_index(constructs, pairs):
    return [(constructs[a], constructs[b]) for a, b in pairs]


def _build_result(m: Model, st: core.Structure, prep: _Prepared, mu: np.ndarray, S: np.ndarray,
                  R: np.ndarray, fit: dict, settings: dict, notes: list[str], n_iter: int,
                  converged: bool) -> PLSResult:
    cs = list(st.constructs)
    ind = list(st.indicators)
    owner = [cs[j] for j in st.block]
    Xc = prep.X  # centred
    n = len(Xc)
    J = st.J
    first = {k: v[0] for k, v in fit.items()}
    sd_pop = np.sqrt(np.diag(S))
    sd1 = sd_pop * np.sqrt(n / (n - 1))
    # scores of the rows used: weights per centred raw unit applied to the centred data
    W = (first["std_weights"] / sd_pop)[:, None] * st.mask
    scores = pd.DataFrame(Xc @ W, index=prep.index, columns=cs)
    # tables
    paths = pd.DataFrame({"from": [f for f, _ in m.structural_paths],
                          "to": [t for _, t in m.structural_paths],
                          "estimate": first["paths"]})
    weights = pd.DataFrame({"construct": owner, "indicator": ind, "estimate": first["weights"]})
    raw = first["std_weights"] / sd_pop
    raw_weights = pd.DataFrame({"construct": owner, "indicator": ind, "weight": raw,
                                "std_weight": first["std_weights"]})
    loadings = pd.DataFrame({"construct": owner, "indicator": ind, "estimate": first["loadings"]})
    cross = pd.DataFrame(first["cross_loadings"], index=pd.Index(ind, name="indicator"), columns=cs)
    cross.insert(0, "construct", owner)
    endo = [cs[j] for j in st.endo]
    r2_all = first["r_squared"]
    r_squared = pd.Series(r2_all[list(st.endo)], index=endo, name="r_squared")
    r_squared_adj = pd.Series(first["r_squared_adj"][list(st.endo)], index=endo, name="r_squared_adj")
    # effects: every pair joined by a directed path, in topological order
    order = [cs.index(c) for c in m.order()]
    reach = core.reachability(st.P)
    pairs = [(a, b) for a in order for b in order if reach[a, b]]
    T = first["total_effects"]
    D = first["path_matrix"]
    effects = pd.DataFrame({
        "from": [cs[a] for a, _ in pairs], "to": [cs[b] for _, b in pairs],
        "direct": [D[a, b] for a, b in pairs], "indirect": [T[a, b] - D[a, b] for a, b in pairs],
        "total": [T[a, b] for a, b in pairs],
    })
    # outer model and inner summary (plspm)
    r2_ind = np.where(np.isnan(r2_all), 0.0, r2_all)[st.block]
    comm = first["loadings"] ** 2
    outer = pd.DataFrame({"indicator": ind, "construct": owner, "weight": first["weights"],
                          "loading": first["loadings"], "communality": comm,
                          "redundancy": comm * r2_ind})
    block_comm = np.array([comm[st.blocks[j]].mean() for j in range(J)])
    red = comm * r2_ind
    inner_summary = pd.DataFrame({
        "type": ["Endogenous" if len(st.preds[j]) else "Exogenous" for j in range(J)],
        "r_squared": np.where(np.isnan(r2_all), 0.0, r2_all),
        "block_communality": block_comm,
        "mean_redundancy": [red[st.blocks[j]].mean() for j in range(J)],
        "ave": [block_comm[j] if not st.mode_b[j] else 0.0 for j in range(J)],
    }, index=pd.Index(cs, name="construct"))
    RL = first["lv_cor"]
    inner_model = _inner_ols(st, RL, r2_all, n)
    reliability = pd.DataFrame({"alpha": first["alpha"], "rho_a": first["rho_a"],
                                "rho_c": first["rho_c"], "ave": first["ave"]},
                               index=pd.Index(cs, name="construct"))
    unidim = _unidim(st, m, R)
    hp = [(a, b) for a in range(J) for b in range(a + 1, J)]
    htmt = pd.DataFrame({"construct_1": [cs[a] for a, _ in hp], "construct_2": [cs[b] for _, b in hp],
                         "estimate": [first["htmt"][a, b] for a, b in hp]})
    fl = pd.DataFrame(np.where(np.tril(np.ones((J, J)), -1) > 0, RL, np.nan), index=cs, columns=cs)
    for j in range(J):
        fl.iloc[j, j] = np.sqrt(first["ave"][j])
    vif = _vif(st, RL, R)
    f_squared = pd.DataFrame({"from": paths["from"], "to": paths["to"], "estimate": first["f_squared"]})
    lv_cor = pd.DataFrame(RL, index=cs, columns=cs)
    res = PLSResult(
        model=m, n=n, settings=settings, paths=paths, weights=weights, loadings=loadings,
        cross_loadings=cross, scores=scores, r_squared=r_squared, r_squared_adj=r_squared_adj,
        effects=effects, gof=float(first["gof"]), outer=outer, inner_summary=inner_summary,
        inner_model=inner_model, reliability=reliability, unidim=unidim, htmt=htmt,
        fornell_larcker=fl, vif=vif, f_squared=f_squared, lv_correlations=lv_cor,
        n_iter=n_iter, converged=converged,
        indicator_means=pd.Series(mu, index=ind, name="mean"),
        indicator_sds=pd.Series(sd1, index=ind, name="sd"),
        raw_weights=raw_weights, warnings=notes,
    )
    # flat estimates, in the same layout as the bootstrap draws
    res._estimates = _flatten(fit, st, pairs, hp, index=0)
    res._pairs = pairs
    res._hp = hp
    return res


def _flatten(fit: dict, st: core.Structure, pairs, hp, index=None) -> dict[str, np.ndarray]:
    """Statistics as (B, k) arrays (or (k,) when ``index`` is given) in label order."""
    sl = slice(None) if index is None else index
    endo = list(st.endo)
    a = np.array([x for x, _ in pairs], dtype=np.intp)
    b = np.array([y for _, y in pairs], dtype=np.intp)
    ha = np.array([x for x, _ in hp], dtype=np.intp)
    hb = np.array([y for _, y in hp], dtype=np.intp)
    T = fit["total_effects"]
    D = fit["path_matrix"]
    out = {
        "paths": fit["paths"],
        "weights": fit["weights"],
        "std_weights": fit["std_weights"],
        "loadings": fit["loadings"],
        "cross_loadings": fit["cross_loadings"].reshape(len(fit["weights"]), -1),
        "r_squared": fit["r_squared"][:, endo],
        "r_squared_adj": fit["r_squared_adj"][:, endo],
        "total_effects": T[:, a, b],
        "indirect_effects": T[:, a, b] - D[:, a, b],
        "htmt": fit["htmt"][:, ha, hb],
        "alpha": fit["alpha"],
        "rho_a": fit["rho_a"],
        "rho_c": fit["rho_c"],
        "ave": fit["ave"],
        "f_squared": fit["f_squared"],
        "gof": fit["gof"][:, None],
    }
    return {k: v[sl] for k, v in out.items()}


def _labels(st: core.Structure, m: Model, pairs, hp) -> dict[str, list]:
    cs = list(st.constructs)
    owner = [cs[j] for j in st.block]
    iw = list(zip(owner, st.indicators))
    return {
        "paths": list(m.structural_paths),
        "f_squared": list(m.structural_paths),
        "weights": iw, "std_weights": iw, "loadings": iw,
        "cross_loadings": [(i, c) for i in st.indicators for c in cs],
        "r_squared": [(cs[j],) for j in st.endo],
        "r_squared_adj": [(cs[j],) for j in st.endo],
        "total_effects": _fmt_index(cs, pairs),
        "indirect_effects": _fmt_index(cs, pairs),
        "htmt": _fmt_index(cs, hp),
        "alpha": [(c,) for c in cs], "rho_a": [(c,) for c in cs],
        "rho_c": [(c,) for c in cs], "ave": [(c,) for c in cs],
        "gof": [()],
    }


def _inner_ols(st: core.Structure, RL: np.ndarray, r2: np.ndarray, n: int) -> pd.DataFrame:
    from scipy import stats

    rows = []
    cs = st.constructs
    for j in st.endo:
        idx = st.preds[j]
        Rpp = RL[np.ix_(idx, idx)]
        beta = np.linalg.solve(Rpp, RL[idx, j])
        k = len(idx)
        df = n - k - 1
        # scores have unit variance: SSR = n (1 - R²), X'X = n Rpp
        with np.errstate(invalid="ignore"):  # PLSc: an inadmissible R² above 1 gives NaN
            se = np.sqrt((1 - r2[j]) / df * np.diag(np.linalg.inv(Rpp)))
        t = beta / se
        p = 2 * stats.t.sf(np.abs(t), df)
        for i, b_, s_, t_, p_ in zip(idx, beta, se, t, p):
            rows.append((cs[j], cs[i], b_, s_, t_, p_))
    return pd.DataFrame(rows, columns=["to", "from", "estimate", "std_error", "t", "p"])


def _unidim(st: core.Structure, m: Model, R: np.ndarray) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(st.constructs):
        idx = st.blocks[j]
        k = len(idx)
        mode = m.modes[c]
        if k == 1:
            rows.append((mode, 1, 1.0, 1.0, 1.0, 0.0))
            continue
        Rj = R[np.ix_(idx, idx)]
        ev, vec = np.linalg.eigh(Rj)
        ev, vec = ev[::-1], vec[:, ::-1]
        if mode == "A":
            alpha = max(0.0, k / (k - 1) * (1 - k / Rj.sum()))
            pc = vec[:, 0] * np.sqrt(ev[0])  # correlations of the items with the first PC
            rho = pc.sum() ** 2 / (pc.sum() ** 2 + k - (pc ** 2).sum())
        else:
            alpha = rho = 0.0  # plspm reports 0 for formative blocks
        rows.append((mode, k, alpha, rho, ev[0], ev[1]))
    return pd.DataFrame(rows, columns=["mode", "mvs", "cronbach_alpha", "dillon_goldstein_rho",
                                       "eig_1st", "eig_2nd"],
                        index=pd.Index(st.constructs, name="construct"))


def _vif(st: core.Structure, RL: np.ndarray, R: np.ndarray) -> pd.DataFrame:
    rows = []
    cs = st.constructs
    for j in st.endo:
        idx = st.preds[j]
        v = np.diag(np.linalg.inv(RL[np.ix_(idx, idx)])) if len(idx) > 1 else np.ones(1)
        rows += [("inner", cs[j], cs[i], float(x)) for i, x in zip(idx, v)]
    for j, c in enumerate(cs):
        idx = st.blocks[j]
        v = np.diag(np.linalg.inv(R[np.ix_(idx, idx)])) if len(idx) > 1 else np.ones(1)
        rows += [("outer", c, st.indicators[i], float(x)) for i, x in zip(idx, v)]
    return pd.DataFrame(rows, columns=["kind", "construct", "variable", "vif"])


def _chunks(B: int, n: int, p: int) -> int:
    """Resamples per batch: bounded memory for the (chunk, p, p, ...) work arrays."""
    return int(max(1, min(B, 2000, 20_000_000 // max(n, 1), 2_000_000 // (p * p))))


def _run_bootstrap(res: PLSResult, st: core.Structure, Xc: np.ndarray, opts: dict, B: int,
                   rng: np.random.Generator, ints=None) -> None:
    n, p = Xc.shape
    counts = np.empty((B, n), dtype=np.int32)
    draws: dict[str, list[np.ndarray]] = {}
    conv, degen, lv_cors = [], [], []
    moments: dict[str, list[np.ndarray]] = {}
    raw_means = res.indicator_means.to_numpy(dtype=float)  # Xc is centred on these
    step = _chunks(B, n, p)
    for s in range(0, B, step):
        c = bs.resample_counts(n, min(step, B - s), rng)
        counts[s:s + len(c)] = c
        S, means, nobs = core.covariance_stack(Xc, c) if ints is None else _interaction_moments(ints, c)
        fit = core.fit_batch(S, nobs, st, **opts)
        if ints is not None:
            fit["nobs_"] = nobs
            ints[0].adjust(fit, st, opts["consistent"] is not None)
        flat = _flatten(fit, st, res._pairs, res._hp)
        ok = fit["converged"]
        conv.append(ok)
        degen.append(fit["degenerate"])
        lv_cors.append(fit["lv_cor"])
        for k, v in flat.items():
            v = v.astype(float, copy=True)
            v[~ok] = np.nan  # non-converged resamples do not enter the intervals
            draws.setdefault(k, []).append(v)
        # raw indicator moments per resample (population SDs, as raw_weights), for the ACSI index
        moments.setdefault("indicator_means", []).append(means + raw_means)
        moments.setdefault("indicator_sds", []).append(fit["indicator_sd"])
    res.bootstrap_draws = {k: np.concatenate(v) for k, v in draws.items()}
    res.bootstrap_draws["cross_loadings"] = res.bootstrap_draws["cross_loadings"].reshape(B, p, st.J)
    res.bootstrap_draws.update({k: np.concatenate(v) for k, v in moments.items()})
    res.bootstrap_counts = counts
    res.bootstrap_labels = _labels(st, res.model, res._pairs, res._hp)
    ok = np.concatenate(conv)
    bad = np.concatenate(degen)
    if bad.any():
        res.warnings.append(
            f"{int(bad.sum())} of {B} bootstrap resamples have a constant indicator (too few "
            f"distinct answers in the resample) and were left out of the standard errors and intervals"
        )
    if opts.get("consistent") is not None:
        J = st.J
        off = ~np.eye(J, dtype=bool)
        rc = np.concatenate(lv_cors)
        wild = (np.abs(rc[:, off]) >= 1).any(axis=1) & ok
        if wild.any():
            res.warnings.append(
                f"PLSc: {int(wild.sum())} of {B} bootstrap resamples have a corrected construct "
                f"correlation beyond ±1 (inadmissible); they are kept, as SmartPLS and seminr do, "
                f"and widen the intervals"
            )
    slow = ~ok & ~bad
    if slow.any():
        res.warnings.append(
            f"{int(slow.sum())} of {B} bootstrap resamples did not converge in max_iter="
            f"{opts['max_iter']} iterations and were left out of the standard errors and intervals"
        )
    # jackknife for the BCa acceleration (delete-one up to 1000 rows, else delete-a-group)
    jc = bs.jackknife_counts(n, seed=rng)
    jack: dict[str, list[np.ndarray]] = {}
    for s in range(0, len(jc), step):
        S, _, nobs = (core.covariance_stack(Xc, jc[s:s + step]) if ints is None
                      else _interaction_moments(ints, jc[s:s + step]))
        fit = core.fit_batch(S, nobs, st, **opts)
        if ints is not None:
            fit["nobs_"] = nobs
            ints[0].adjust(fit, st, opts["consistent"] is not None)
        for k, v in _flatten(fit, st, res._pairs, res._hp).items():
            jack.setdefault(k, []).append(v)
    res._jackknife = {k: np.concatenate(v) for k, v in jack.items()}
    res._estimates["cross_loadings"] = res._estimates["cross_loadings"].reshape(p, st.J)
    res._jackknife["cross_loadings"] = res._jackknife["cross_loadings"].reshape(-1, p, st.J)
    # bootstrap columns in the tidy tables
    method, level = res.settings["ci"], res.settings["ci_level"]
    for name, table in (("paths", res.paths), ("weights", res.weights), ("loadings", res.loadings),
                        ("htmt", res.htmt), ("f_squared", res.f_squared)):
        summ = res.bootstrap_summary(name, ci=method, ci_level=level)
        for k in _BOOT_COLS:
            table[k] = summ[k].to_numpy()
    for name, prefix in (("total_effects", "total"), ("indirect_effects", "indirect")):
        summ = res.bootstrap_summary(name, ci=method, ci_level=level)
        for k in ("se", "ci_low", "ci_high"):
            res.effects[f"{prefix}_{k}"] = summ[k].to_numpy()


# ----------------------------------------------------------------------------------------------
# low-level batched API
# ----------------------------------------------------------------------------------------------
@dataclass
class PLSBatch:
    """Estimates of one model on many resamples of the same data (see :func:`pls_batch`).

    Every array has the resample axis first. Index labels: ``constructs``, ``indicators``
    (block after block, as ``model.all_indicators``) and ``paths`` (``model.structural_paths``).

    Attributes
    ----------
    weights : (B, p)
        Outer weights in the fitted metric (standardised indicators if ``scaled``).
    std_weights : (B, p)
        Outer weights for standardised indicators (``score = sum w * z``).
    loadings : (B, p)
    cross_loadings : (B, p, J)
    paths : (B, n_paths)
    path_matrix : (B, J, J)
        ``[from, to]`` direct effects.
    total_effects : (B, J, J)
    r_squared : (B, J)
        NaN for exogenous constructs.
    lv_cor : (B, J, J)
    means, sds : (B, p)
        Raw indicator means and standard deviations (``n`` divisor) within each resample:
        an unstandardised weight is ``std_weights / sds``.
    nobs : (B,)
    n_iter, converged : (B,)
    extras : dict
        With ``extras=True``: ``r_squared_adj``, ``htmt`` (B, J, J), ``alpha``, ``rho_a``,
        ``rho_c``, ``ave`` (B, J), ``f_squared`` (B, n_paths), ``gof`` (B,).
    """

    constructs: list[str]
    indicators: list[str]
    path_labels: list[tuple[str, str]]
    weights: np.ndarray
    std_weights: np.ndarray
    loadings: np.ndarray
    cross_loadings: np.ndarray
    paths: np.ndarray
    path_matrix: np.ndarray
    total_effects: np.ndarray
    r_squared: np.ndarray
    lv_cor: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    nobs: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.nobs)


def pls_batch(
    data: pd.DataFrame,
    model: Model | str,
    *,
    indices: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    scheme: str = "path",
    scaled: bool = True,
    max_iter: int = 300,
    tol: float = 1e-7,
    convergence: str = "seminr",
    missing: str = "listwise",
    extras: bool = False,
    consistent: bool | Sequence[str] = False,
) -> PLSBatch:
    """Estimate ``model`` on many resamples of ``data`` at once (bootstrap, permutation, groups).

    Each resample is given either as a row of ``indices`` (positions of the rows of ``data``
    to use, repeats allowed: a bootstrap draw or a group) or as a row of ``counts`` (how many
    times each row of ``data`` enters; 0/1 for a subgroup). The data are reduced to one
    covariance matrix per resample by a matrix product and all resamples are iterated together,
    so thousands of resamples cost about as much as a few plain fits.

    Parameters
    ----------
    data : DataFrame
        The full data; row positions refer to it.
    model : Model or str
    indices : (B, m) int array, optional
        Row positions (0-based) of each resample.
    counts : (B, n_rows) array, optional
        Row frequencies of each resample (exclusive with ``indices``).
    scheme, scaled, max_iter, tol, convergence
        As :func:`estimate_pls`.
    missing : {"listwise", "mean"}
        "listwise": rows with a missing indicator get weight 0 in every resample (each
        resample's ``nobs`` tells how many rows it really used). "mean": missing values are
        replaced by the column means of the full data first.
    extras : bool
        Also compute HTMT, reliability, f², adjusted R², GoF (a little slower).
    consistent : bool or list of str
        PLSc, as :func:`estimate_pls`.

    Returns
    -------
    PLSBatch

    Examples
    --------
    Permutation test of a group difference (two groups of 100 and 150 rows):

    >>> import numpy as np
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
    >>> data = sem.simulate(text, n=250, paths={("X", "Y"): 0.5}, seed=2)
    >>> rng = np.random.default_rng(0)
    >>> perm = np.array([rng.permutation(250) for _ in range(500)])
    >>> g1 = sem.pls_batch(data, text, indices=perm[:, :100])
    >>> g2 = sem.pls_batch(data, text, indices=perm[:, 100:])
    >>> null = g1.paths[:, 0] - g2.paths[:, 0]      # 500 permutation differences
    >>> null.shape
    (500,)
    """
    _check_options(scheme, scaled, max_iter, tol, missing, convergence)
    m = _pls_model(model, what="pls_batch")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if (indices is None) == (counts is None):
        raise ParameterError("pls_batch: give exactly one of indices= or counts=")
    n_rows = len(data)
    m.check_data(data)
    X = data.loc[:, m.all_indicators].to_numpy(dtype=float, na_value=np.nan, copy=True)
    na = np.isnan(X)
    valid = np.ones(n_rows, dtype=bool)
    if na.any():
        if missing == "listwise":
            valid = ~na.any(axis=1)
            X[~valid] = 0.0
        else:
            mean = np.nanmean(X, axis=0)
            r, c = np.nonzero(na)
            X[r, c] = mean[c]
    if not np.isfinite(X).all():
        raise InputError("data: infinite values in indicator columns")
    if counts is not None:
        counts = np.asarray(counts, dtype=float)
        if counts.ndim != 2 or counts.shape[1] != n_rows:
            raise ParameterError(f"counts: expected an array of shape (resamples, {n_rows})")
        if (counts < 0).any() or not np.isfinite(counts).all():
            raise ParameterError("counts: expected non-negative finite row frequencies")
        B = counts.shape[0]
    else:
        indices = bs.check_indices(indices, n_rows)
        B = indices.shape[0]
    st = core.structure_from_model(m)
    mu = X[valid].mean(axis=0)
    Xc = X - mu
    Xc[~valid] = 0.0
    opts = dict(scheme=scheme, scaled=bool(scaled), max_iter=int(max_iter), tol=float(tol),
                convergence=convergence, consistent=_consistent_mask(consistent, m))
    step = _chunks(B, n_rows, len(st.indicators))
    parts: dict[str, list[np.ndarray]] = {}
    for s in range(0, B, step):
        if counts is not None:
            c = counts[s:s + step]
        else:
            c = bs.indices_to_counts(indices[s:s + step], n_rows)
        c = c * valid
        if (c.sum(axis=1) < 3).any():
            raise ParameterError("pls_batch: a resample has fewer than 3 usable rows")
        S, means, nobs = core.covariance_stack(Xc, c)
        fit = core.fit_batch(S, nobs, st, extras=extras, **opts)
        fit["means"] = means + mu
        fit["nobs"] = nobs
        for k, v in fit.items():
            parts.setdefault(k, []).append(v)
    a = {k: np.concatenate(v) for k, v in parts.items()}
    extra_keys = ("r_squared_adj", "htmt", "alpha", "rho_a", "rho_c", "ave", "f_squared", "gof")
    return PLSBatch(
        constructs=list(st.constructs), indicators=list(st.indicators),
        path_labels=list(m.structural_paths), weights=a["weights"], std_weights=a["std_weights"],
        loadings=a["loadings"], cross_loadings=a["cross_loadings"], paths=a["paths"],
        path_matrix=a["path_matrix"], total_effects=a["total_effects"], r_squared=a["r_squared"],
        lv_cor=a["lv_cor"], means=a["means"], sds=a["indicator_sd"], nobs=a["nobs"],
        n_iter=a["n_iter"], converged=a["converged"],
        extras={k: a[k] for k in extra_keys if k in a},
    )
