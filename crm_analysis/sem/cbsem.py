"""Covariance-based SEM (maximum likelihood) on semopy, with lavaan's conventions.

:func:`estimate_cbsem` fits a :class:`~crm_analysis.sem.Model` by maximum likelihood with semopy
and reports what semopy leaves out or computes differently from lavaan:

- the fit measures of lavaan's ``fitMeasures()``: chi-square test, CFI, TLI, RMSEA with its 90 %
  confidence interval and close-fit p-value, SRMR (Bentler's, lavaan's default), and AIC / BIC
  from the log-likelihood (semopy's AIC/BIC come from the ML discrepancy and are not comparable
  with lavaan's or with other software);
- the completely standardised solution (lavaan's ``std.all``; residual covariances scaled by the
  residual variances, lavaan's ``cov.std = TRUE``);
- the detection of **improper solutions** (negative or boundary variances, standardised
  estimates beyond ±1, a latent covariance matrix that is not positive definite), which semopy
  passes over in silence and lavaan reports with a warning.

Conventions (those of lavaan's ``sem()`` with its defaults):

- the first indicator of each construct has its loading fixed to 1 (marker variable);
- exogenous constructs covary freely, endogenous disturbances are uncorrelated unless the model
  says ``a ~~ b``;
- a construct measured by one indicator gets that indicator's residual variance fixed to 0
  (lavaan's ``auto.fix.single``);
- variances are not bounded below (lavaan's default), so that a Heywood case shows as a negative
  estimate rather than hiding at a bound; ``bounded=True`` gives semopy's bounds instead, and a
  variance sitting on its bound is reported as a boundary solution;
- the sample covariance matrix uses divisor N and the chi-square statistic is N times the ML
  discrepancy (lavaan's ``likelihood = "normal"``); standard errors come from the expected
  information matrix.

Each call builds a fresh semopy model and fits it with ``clean_slate=True``, so that one fit never
starts from the estimates of another (semopy otherwise reuses them).

Composite (``<~``) blocks are refused: in CB-SEM a composite is not a latent variable with
measurement error but an exact weighted sum, which needs a different specification (the
"H-O" or Henseler-Ogasawara specification); estimate such models with
:func:`crm_analysis.sem.estimate_pls`, or declare the block reflective (``=~``).

:func:`estimate_cbsem_multigroup` fits one model to several groups at once with equality
constraints across groups (lavaan's ``group.equal``): the basis of the configural / metric /
scalar measurement-invariance sequence in :func:`crm_analysis.csi.compare_groups`. semopy cannot
constrain parameters across groups, so the multigroup fit uses this module's own maximum
likelihood in RAM notation (analytic gradient, L-BFGS-B); its configural fit reproduces
semopy's per-group fits (tested).
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem.model import Model, as_model

__all__ = [
    "CBSEMResult",
    "ImproperSolutionWarning",
    "MultigroupResult",
    "estimate_cbsem",
    "estimate_cbsem_multigroup",
    "chi2_difference",
    "fit_measures",
]


class ImproperSolutionWarning(UserWarning):
    """The estimates are an improper solution (Heywood case, non-positive-definite matrix...)."""


class CBSEMConvergenceWarning(UserWarning):
    """The optimiser did not report convergence."""


_MISSING = ("listwise",)
_GROUP_EQUAL = ("loadings", "intercepts", "residuals", "regressions", "lv.variances", "means")


# --------------------------------------------------------------------------------------------
# input checks shared by the single- and multigroup estimators
# --------------------------------------------------------------------------------------------
def _refuse_composites(model: Model) -> None:
    composites = [c for c, mode in model.modes.items() if mode == "B"]
    if composites:
        raise ParameterError(
            f"CB-SEM cannot estimate the composite (formative, '<~') block(s) {composites}: "
            "covariance-based SEM treats a construct as a common factor with measurement error, "
            "whereas a PLS composite is an exact weighted sum of its indicators. Estimate this "
            "model with crm_analysis.sem.estimate_pls, or declare the block(s) reflective "
            "('=~') to estimate them as common factors."
        )


def _prepare_data(
    data: Any, model: Model, missing: str, *, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, int, list[str]]:
    """Indicator columns (plus ``extra``) as floats, listwise complete; (frame, n_dropped, notes)."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if missing not in _MISSING:
        raise ParameterError(
            f"missing={missing!r}: expected 'listwise' (the CB-SEM estimator deletes incomplete "
            "rows; impute beforehand for another treatment)"
        )
    model.check_data(data)
    cols = model.all_indicators
    frame = data.loc[:, list(cols) + [c for c in extra if c not in cols]].copy()
    frame[cols] = frame[cols].astype(float)
    notes: list[str] = []
    incomplete = frame[cols].isna().any(axis=1)
    n_dropped = int(incomplete.sum())
    if n_dropped:
        counts = frame[cols].isna().sum()
        counts = counts[counts > 0]
        listed = ", ".join(f"{k}: {v}" for k, v in counts.items())
        notes.append(
            f"missing values: {n_dropped} of {len(frame)} rows have missing indicator values "
            f"({listed} cells); handled by listwise deletion, {len(frame) - n_dropped} rows used"
        )
        frame = frame.loc[~incomplete]
    if len(frame) == 0:
        raise InputError("data: no complete rows left after listwise deletion of missing values")
    return frame, n_dropped, notes


def _check_sample(frame: pd.DataFrame, cols: Sequence[str], npar: int, where: str = "data") -> None:
    sd = frame[list(cols)].std(ddof=0)
    constant = [c for c in cols if not sd[c] > 0]
    if constant:
        values = ", ".join(f"{c} = {frame[c].iloc[0]:g}" for c in constant)
        raise InputError(
            f"{where}: indicator(s) with no variance ({values} in every row): a constant item "
            "carries no information and makes the covariance matrix singular; drop it from the model"
        )
    n, p = len(frame), len(cols)
    if n < npar:
        raise InputError(
            f"{where}: {n} complete rows but the model has {npar} free parameters: the model "
            "cannot be estimated from fewer observations than parameters"
        )
    if n <= p:
        raise InputError(
            f"{where}: {n} complete rows for {p} indicators: the sample covariance matrix is "
            f"singular (at least {p + 1} rows are needed, and many more for stable estimates)"
        )


# --------------------------------------------------------------------------------------------
# RAM algebra: v = A v + u, Cov(u) = S, E(u) = m  ->  Cov(v) = B S B', E(v) = B m, B = (I-A)^-1
# --------------------------------------------------------------------------------------------
def _implied(A: np.ndarray, S: np.ndarray, m: np.ndarray | None = None):
    B = np.linalg.inv(np.eye(A.shape[0]) - A)
    C = B @ S @ B.T
    return B, C, (None if m is None else B @ m)


def _free_parameter_count(model: Model) -> int:
    """Free parameters of lavaan's ``sem()`` for ``model`` (no mean structure)."""
    ind = model.indicators
    n_load = sum(len(v) - 1 for v in ind.values())
    singles = {v[0] for v in ind.values() if len(v) == 1}
    n_theta = len(model.all_indicators) - len(singles)
    exo = model.exogenous
    n_exo_cov = len(exo) * (len(exo) - 1) // 2
    covs = {frozenset(p) for p in model.covariances}
    explicit = [p for p in covs if len(p) == 2]
    # explicit covariances among exogenous constructs are already counted
    explicit = [p for p in explicit if not p <= set(exo)]
    return n_load + len(model.structural_paths) + n_theta + len(model.constructs) + n_exo_cov + len(explicit)


# --------------------------------------------------------------------------------------------
# fit measures (lavaan's definitions)
# --------------------------------------------------------------------------------------------
def fit_measures(
    sample_cov: Sequence[np.ndarray],
    implied_cov: Sequence[np.ndarray],
    n_obs: Sequence[int],
    npar: int,
    *,
    sample_mean: Sequence[np.ndarray] | None = None,
    implied_mean: Sequence[np.ndarray] | None = None,
    rmsea_ci_level: float = 0.90,
    close_h0: float = 0.05,
) -> pd.Series:
    """lavaan's maximum-likelihood fit measures from sample and model-implied moments.

    Parameters
    ----------
    sample_cov, implied_cov : sequence of (p, p) arrays
        Per group: sample covariance matrix (divisor N) and model-implied covariance matrix.
    n_obs : sequence of int
        Observations per group.
    npar : int
        Number of free parameters.
    sample_mean, implied_mean : sequence of (p,) arrays, optional
        Given for a model with a mean structure (then the means count as data moments).
    rmsea_ci_level : float
        Level of the RMSEA confidence interval (lavaan: 0.90).
    close_h0 : float
        RMSEA value of the close-fit test (lavaan: 0.05).

    Returns
    -------
    pandas.Series
        ``chi2, df, p, chi2_baseline, df_baseline, p_baseline, cfi, tli, rmsea, rmsea_ci_low,
        rmsea_ci_high, rmsea_p_close, srmr, logl, logl_unrestricted, aic, bic, bic_adjusted,
        npar, n``. Definitions: chi2 = sum of N_g times the ML discrepancy; baseline = the
        independence model; RMSEA = sqrt(max(chi2/N/df - 1/N, 0) * G) with the Browne-Cudeck
        interval; SRMR = Bentler's (residual covariances divided by the observed standard
        deviations, diagonal included, and mean residuals when there is a mean structure),
        averaged over groups with weights N_g/N; AIC = -2 logL + 2 npar, BIC = -2 logL +
        npar log N, sample-size adjusted BIC with (N + 2) / 24.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> fm = fit_measures([S], [S], [100], npar=3)
    >>> float(fm["chi2"]), float(fm["df"]), float(fm["cfi"])
    (0.0, 0.0, 1.0)
    """
    G = len(sample_cov)
    meanstructure = sample_mean is not None
    N = float(sum(n_obs))
    chi2 = 0.0
    chi2_b = 0.0
    logl = 0.0
    logl_h1 = 0.0
    moments = 0
    srmr_w = 0.0
    for g in range(G):
        S = np.asarray(sample_cov[g], dtype=float)
        Sig = np.asarray(implied_cov[g], dtype=float)
        p = S.shape[0]
        ng = float(n_obs[g])
        sign, ld_sig = np.linalg.slogdet(Sig)
        if sign <= 0:
            ld_sig = np.nan
        ld_s = np.linalg.slogdet(S)[1]
        inv = np.linalg.inv(Sig)
        trace = float(np.sum(S * inv))
        mean_term = 0.0
        mres = np.zeros(0)
        if meanstructure:
            d = np.asarray(sample_mean[g], float) - np.asarray(implied_mean[g], float)
            mean_term = float(d @ inv @ d)
            mres = d / np.sqrt(np.diag(S))
        F = ld_sig + trace - ld_s - p + mean_term
        chi2 += ng * F
        chi2_b += ng * (np.sum(np.log(np.diag(S))) - ld_s)
        logl += -ng / 2 * (p * math.log(2 * math.pi) + ld_sig + trace + mean_term)
        logl_h1 += -ng / 2 * (p * math.log(2 * math.pi) + ld_s + p)
        moments += p * (p + 1) // 2 + (p if meanstructure else 0)
        sd = np.sqrt(np.diag(S))
        R = (S - Sig) / np.outer(sd, sd)
        vech = R[np.tril_indices(p)]
        srmr_g = math.sqrt((np.sum(vech**2) + np.sum(mres**2)) / (len(vech) + len(mres)))
        srmr_w += ng / N * srmr_g
    df = moments - npar
    p_base = sample_cov[0].shape[0]
    df_b = G * p_base * (p_base - 1) // 2
    chi2 = max(chi2, 0.0)  # rounding below zero at a saturated fit
    pval = float(stats.chi2.sf(chi2, df)) if df > 0 else np.nan
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1 - t1 / t2
    if df > 0 and df_b > 0 and chi2_b / df_b != 1:
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1)
    else:
        tli = 1.0
    rmsea = math.sqrt(max(chi2 / N / df - 1 / N, 0.0) * G) if df > 0 else 0.0
    lo, hi = _rmsea_ci(chi2, df, N, G, rmsea_ci_level)
    p_close = float(stats.ncx2.sf(chi2, df, N * df * close_h0**2 / G)) if df > 0 else np.nan
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * math.log(N)
    bic_adj = -2 * logl + npar * math.log((N + 2) / 24)
    return pd.Series(
        {
            "chi2": chi2, "df": float(df), "p": pval,
            "chi2_baseline": chi2_b, "df_baseline": float(df_b),
            "p_baseline": float(stats.chi2.sf(chi2_b, df_b)) if df_b > 0 else np.nan,
            "cfi": cfi, "tli": tli,
            "rmsea": rmsea, "rmsea_ci_low": lo, "rmsea_ci_high": hi, "rmsea_p_close": p_close,
            "srmr": srmr_w,
            "logl": logl, "logl_unrestricted": logl_h1,
            "aic": aic, "bic": bic, "bic_adjusted": bic_adj,
            "npar": float(npar), "n": N,
        },
        name="fit",
    )


def chi2_difference(restricted: pd.Series, general: pd.Series) -> tuple[float, float, float]:
    """Likelihood-ratio (chi-square difference) test of two nested models' :func:`fit_measures`.

    Returns ``(delta_chi2, delta_df, p)``: restricted minus general, and the upper tail of the
    chi-square distribution with ``delta_df`` degrees of freedom (NaN unless ``delta_df > 0``).

    Examples
    --------
    >>> chi2_difference(pd.Series({"chi2": 12.0, "df": 5.0}), pd.Series({"chi2": 8.0, "df": 4.0}))[:2]
    (4.0, 1.0)
    """
    dchi = float(restricted["chi2"] - general["chi2"])
    ddf = float(restricted["df"] - general["df"])
    return dchi, ddf, float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan


def _pchisq_nc(x: float, df: float, ncp: float) -> float:
    return float(stats.chi2.cdf(x, df)) if ncp <= 0 else float(stats.ncx2.cdf(x, df, ncp))


def _rmsea_ci(chi2: float, df: float, N: float, G: int, level: float) -> tuple[float, float]:
    """Browne & Cudeck (1993) interval, computed as lavaan's ``lav_fit_rmsea_ci``."""
    if df < 1 or not np.isfinite(chi2):
        return 0.0, 0.0
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2
    f_low = lambda lam: _pchisq_nc(chi2, df, lam) - upper_p  # noqa: E731
    f_up = lambda lam: _pchisq_nc(chi2, df, lam) - lower_p  # noqa: E731
    if f_low(0.0) < 0:
        lo = 0.0
    else:
        try:
            lam = optimize.brentq(f_low, 0.0, max(chi2, 1e-8), xtol=1e-12)
            lo = math.sqrt(lam / (N * df)) * math.sqrt(G)
        except ValueError:
            lo = np.nan
    n_rmsea = max(N, chi2 * 4)
    if f_up(n_rmsea) > 0 or f_up(0.0) < 0:
        hi = 0.0
    else:
        try:
            lam = optimize.brentq(f_up, 0.0, n_rmsea, xtol=1e-12)
            hi = math.sqrt(lam / (N * df)) * math.sqrt(G)
        except ValueError:
            hi = np.nan
    return lo, hi


# --------------------------------------------------------------------------------------------
# the single-group result
# --------------------------------------------------------------------------------------------
@dataclass
class CBSEMResult:
    """Maximum-likelihood CB-SEM estimates in tidy tables (see :func:`estimate_cbsem`).

    Attributes
    ----------
    model : Model
    estimates : DataFrame
        lavaan's parameter table: ``lhs, op, rhs, estimate, se, z, p, ci_low, ci_high, std_all,
        free`` (op is ``=~`` for loadings, ``~`` for regressions, ``~~`` for (co)variances).
    paths : DataFrame
        One row per structural path: ``from, to, estimate, se, z, p, ci_low, ci_high, std_all``.
    loadings : DataFrame
        ``construct, indicator, estimate, se, z, p, ci_low, ci_high, std_all``.
    r_squared, r_squared_adj : Series
        Explained variance of each endogenous construct (adjusted with its number of predictors).
    r_squared_indicators : Series
        Explained variance of each indicator (its squared standardised loading).
    effects : DataFrame
        ``from, to, direct, indirect, total`` (standardised, comparable with PLS) and the same
        unstandardised as ``direct_unstd, indirect_unstd, total_unstd``.
    scores : DataFrame
        Factor scores by the regression method (lavaan's ``lavPredict`` default), rows as in the
        data used.
    fit : Series
        Fit measures, see :func:`fit_measures`.
    improper : DataFrame
        One row per problem of an improper solution: ``parameter, value, problem``; empty when
        the solution is proper.
    warnings : list of str
        Everything the reader must know: improper solution, non-convergence, dropped rows.
    implied_cov, sample_cov, residual_cor : DataFrame
        Model-implied and sample covariance matrices; residual correlations (observed minus
        implied, each scaled to correlations).
    latent_cov : DataFrame
        Model-implied covariance matrix of the constructs.
    reliability : DataFrame
        index = construct; ``alpha`` (Cronbach's, standardised items), ``rho_c`` (composite
        reliability from the standardised loadings, residual covariances ignored), ``ave``
        (mean squared standardised loading) — PLS's ``reliability`` where it applies.
    htmt : DataFrame
        ``construct_1, construct_2, estimate``: heterotrait-monotrait ratio of the sample
        correlations (Henseler et al. 2015; absolute correlations, as the PLS engine), which
        does not depend on the estimator.
    converged : bool
    iterations : int
    n : int
        Rows used; ``n_dropped`` rows were removed by listwise deletion.
    """

    model: Model
    estimates: pd.DataFrame
    paths: pd.DataFrame
    loadings: pd.DataFrame
    r_squared: pd.Series
    r_squared_adj: pd.Series
    r_squared_indicators: pd.Series
    effects: pd.DataFrame
    scores: pd.DataFrame
    fit: pd.Series
    improper: pd.DataFrame
    warnings: list[str]
    implied_cov: pd.DataFrame
    sample_cov: pd.DataFrame
    residual_cor: pd.DataFrame
    latent_cov: pd.DataFrame
    converged: bool
    iterations: int
    n: int
    n_dropped: int = 0
    bounded: bool = False
    ci_level: float = 0.95
    elapsed: float = 0.0
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    htmt: pd.DataFrame = field(default_factory=pd.DataFrame)
    estimator: str = field(default="ML", init=False)

    @property
    def is_proper(self) -> bool:
        """``True`` when no improper-solution problem was found."""
        return self.improper.empty

    @property
    def standardized(self) -> pd.DataFrame:
        """The completely standardised solution (lavaan's ``standardizedSolution()``, std.all)."""
        return self.estimates[["lhs", "op", "rhs", "std_all"]].rename(columns={"std_all": "estimate"})

    def summary(self) -> str:
        """A lavaan-style text summary: fit, estimates, R² and warnings."""
        f = self.fit
        lines = [
            "CB-SEM (maximum likelihood, semopy; lavaan conventions)",
            f"  observations used: {self.n}" + (f" ({self.n_dropped} dropped: listwise)" if self.n_dropped else ""),
            f"  converged: {'yes' if self.converged else 'NO'} after {self.iterations} iterations; "
            f"free parameters: {int(f['npar'])}",
            "",
            "Model test",
            f"  chi2 = {f['chi2']:.3f}, df = {int(f['df'])}, p = {_fmt_p(f['p'])}"
            f"  (baseline chi2 = {f['chi2_baseline']:.3f}, df = {int(f['df_baseline'])})",
            f"  CFI = {f['cfi']:.3f}   TLI = {f['tli']:.3f}   SRMR = {f['srmr']:.3f}",
            f"  RMSEA = {f['rmsea']:.3f}  90% CI [{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}]"
            f"  p(RMSEA <= 0.05) = {_fmt_p(f['rmsea_p_close'])}",
            f"  logL = {f['logl']:.3f}   AIC = {f['aic']:.3f}   BIC = {f['bic']:.3f}",
            "",
        ]
        table = self.estimates.copy()
        table["parameter"] = table["lhs"] + " " + table["op"] + " " + table["rhs"]
        show = table[["parameter", "estimate", "se", "z", "p", "std_all"]]
        for title, op in (("Loadings", "=~"), ("Regressions", "~"), ("(Co)variances", "~~")):
            part = show[table["op"] == op]
            if len(part):
                lines.append(title)
                lines.append(part.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
                lines.append("")
        if len(self.r_squared):
            lines.append("R-squared of the endogenous constructs")
            lines.extend(f"  {k:<20s} {v:.3f}" for k, v in self.r_squared.items())
            lines.append("")
        if self.warnings:
            lines.append("Warnings")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines).rstrip() + "\n"

    def __repr__(self) -> str:
        f = self.fit
        state = "proper" if self.is_proper else "IMPROPER solution"
        return (
            f"<CBSEMResult n={self.n} chi2={f['chi2']:.2f} df={int(f['df'])} CFI={f['cfi']:.3f} "
            f"RMSEA={f['rmsea']:.3f} ({state})>"
        )


def _fmt_p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "-"
    return "< .001" if p < 0.001 else f"{p:.3f}"


# --------------------------------------------------------------------------------------------
# estimate_cbsem
# --------------------------------------------------------------------------------------------
def _semopy_description(model: Model) -> str:
    lines = [f"{c} =~ " + " + ".join(model.indicators[c]) for c in model.constructs]
    by_target: dict[str, list[str]] = {}
    for f, t in model.structural_paths:
        by_target.setdefault(t, []).append(f)
    lines += [f"{t} ~ " + " + ".join(fs) for t, fs in by_target.items()]
    covs = model.covariances
    lines += [f"{a} ~~ {b}" for a, b in covs]
    given = {(a, b) for a, b in covs} | {(b, a) for a, b in covs}
    for c, items in model.indicators.items():
        if len(items) == 1 and (items[0], items[0]) not in given:
            lines.append(f"{items[0]} ~~ 0*{items[0]}")  # lavaan's auto.fix.single
    return "\n".join(lines)


def estimate_cbsem(
    data: pd.DataFrame,
    model: Model | str,
    *,
    missing: str = "listwise",
    bounded: bool = False,
    ci_level: float = 0.95,
    max_iter: int = 10000,
    tol: float = 1e-12,
) -> CBSEMResult:
    """Fit a structural equation model by maximum likelihood (CB-SEM, on semopy).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; the indicator columns must be numeric. Other columns are ignored.
    model : Model or str
        The model (lavaan-style text is parsed with :class:`~crm_analysis.sem.Model`). Every
        block must be reflective (``=~``); ``a ~~ b`` adds a residual covariance.
    missing : {"listwise"}
        Rows with a missing indicator value are deleted; the result's ``warnings`` say how many.
    bounded : bool
        ``False`` (default, like lavaan): variances are unbounded so a Heywood case appears as a
        negative variance. ``True``: variances are bounded below by 0 (semopy's default); an
        estimate on the bound is reported as a boundary solution.
    ci_level : float
        Level of the Wald confidence intervals ``ci_low``/``ci_high``.
    max_iter, tol : int, float
        Iteration limit and function tolerance of the SLSQP optimiser (tight by default so that
        the estimates agree with lavaan's to well below 1e-3).

    Returns
    -------
    CBSEMResult
        Tidy tables (``estimates``, ``paths``, ``loadings``, ``r_squared``, ``effects``,
        ``scores``), ``fit``, ``improper`` and ``warnings``; ``summary()`` prints them.

    Raises
    ------
    ParameterError
        A composite block, an unknown option.
    InputError
        Missing or non-numeric indicator columns, a constant indicator, fewer rows than
        parameters.

    Warns
    -----
    ImproperSolutionWarning
        When the solution is improper (also listed in ``result.warnings``).

    Examples
    --------
    >>> from semopy.examples import political_democracy as pd_
    >>> from crm_analysis.sem.cbsem import estimate_cbsem
    >>> res = estimate_cbsem(pd_.get_data(), pd_.get_model())      # doctest: +SKIP
    >>> res.paths[["from", "to", "estimate", "std_all"]].round(3)  # doctest: +SKIP
    >>> print(res.summary())                                       # doctest: +SKIP
    """
    model = as_model(model)
    _refuse_composites(model)
    if not isinstance(bounded, bool):
        raise ParameterError(f"bounded={bounded!r}: expected True or False")
    if not (isinstance(ci_level, float) and 0 < ci_level < 1):
        raise ParameterError(f"ci_level={ci_level!r}: expected a number strictly between 0 and 1")
    if not (isinstance(max_iter, int) and max_iter > 0):
        raise ParameterError(f"max_iter={max_iter!r}: expected a positive integer")
    frame, n_dropped, notes = _prepare_data(data, model, missing)
    obs = model.all_indicators
    npar_expected = _free_parameter_count(model)
    _check_sample(frame, obs, npar_expected)

    import semopy  # slow to import (about 1.3 s): only when a CB-SEM model is fitted

    t0 = time.perf_counter()
    desc = _semopy_description(model)
    sm = semopy.Model(desc)  # a fresh model: nothing carried over from an earlier fit
    if not bounded:
        for par in sm.parameters.values():
            par.bound = (None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sm.fit(frame[obs], obj="MLW", solver="SLSQP", clean_slate=True,
                     options={"ftol": tol, "maxiter": max_iter})
        if not res.success:
            # SLSQP sometimes stops on a line-search failure at a tight tolerance: polish once
            # from where it stopped (still the same model, no earlier fit involved)
            res2 = sm.fit(obj="MLW", solver="SLSQP", options={"ftol": max(tol, 1e-10), "maxiter": max_iter})
            if res2.success or res2.fun <= res.fun:
                res = res2
        table = sm.inspect(std_est=False)
    elapsed = time.perf_counter() - t0
    iterations = int(getattr(res, "n_it", 0) or 0)
    converged = bool(res.success)

    lat = model.constructs
    names = list(obs) + list(lat)
    idx = {v: i for i, v in enumerate(names)}
    nv = len(names)
    A = np.zeros((nv, nv))
    Smat = np.zeros((nv, nv))
    rows = []
    owner = model.construct_of
    user_covs = set(model.covariances)
    for _, r in table.iterrows():
        lval, op, rval = r["lval"], r["op"], r["rval"]
        est = float(r["Estimate"])
        se = pd.to_numeric(pd.Series([r["Std. Err"]]), errors="coerce").iloc[0]
        free = bool(np.isfinite(se))
        if op == "~":
            A[idx[lval], idx[rval]] = est
            if lval in owner and owner[lval] == rval:
                rows.append((rval, "=~", lval, est, se, free))
            else:
                rows.append((lval, "~", rval, est, se, free))
        elif op == "~~":
            Smat[idx[lval], idx[rval]] = Smat[idx[rval], idx[lval]] = est
            # lavaan's orientation: as the user wrote it, else in declaration order
            if (lval, rval) not in user_covs and ((rval, lval) in user_covs or idx[rval] < idx[lval]):
                lval, rval = rval, lval
            rows.append((lval, "~~", rval, est, se, free))
    est_tab = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "estimate", "se", "free"])
    npar = len(sm.param_vals)
    B, C, _ = _implied(A, Smat)
    var = np.diag(C)
    o_idx = [idx[x] for x in obs]
    l_idx = [idx[c] for c in lat]
    Sigma = C[np.ix_(o_idx, o_idx)]
    Ssample = np.cov(frame[obs].to_numpy(), rowvar=False, bias=True)

    # completely standardised solution (lavaan std.all, cov.std = TRUE)
    def std_of(lhs: str, op: str, rhs: str, est: float) -> float:
        with np.errstate(invalid="ignore", divide="ignore"):
            if op == "=~":
                return est * math.sqrt(var[idx[lhs]]) / math.sqrt(var[idx[rhs]]) if var[idx[lhs]] > 0 and var[idx[rhs]] > 0 else np.nan
            if op == "~":
                return est * math.sqrt(var[idx[rhs]]) / math.sqrt(var[idx[lhs]]) if var[idx[lhs]] > 0 and var[idx[rhs]] > 0 else np.nan
            if lhs == rhs:
                return est / var[idx[lhs]] if var[idx[lhs]] != 0 else np.nan
            d = Smat[idx[lhs], idx[lhs]] * Smat[idx[rhs], idx[rhs]]
            return est / math.sqrt(d) if d > 0 else np.nan

    est_tab["std_all"] = [std_of(a, o, b, e) for a, o, b, e in est_tab[["lhs", "op", "rhs", "estimate"]].itertuples(index=False)]
    zq = stats.norm.ppf(0.5 + ci_level / 2)
    est_tab["z"] = est_tab["estimate"] / est_tab["se"]
    est_tab["p"] = 2 * stats.norm.sf(est_tab["z"].abs())
    est_tab["ci_low"] = est_tab["estimate"] - zq * est_tab["se"]
    est_tab["ci_high"] = est_tab["estimate"] + zq * est_tab["se"]
    order = {"=~": 0, "~": 1, "~~": 2}
    est_tab["_o"] = est_tab["op"].map(order)
    # lavaan's order: loadings by construct, regressions by path order, then (co)variances
    pos = {c: i for i, c in enumerate(lat)}
    path_pos = {p: i for i, p in enumerate(model.structural_paths)}
    ind_pos = {x: i for i, x in enumerate(obs)}
    est_tab["_k"] = [
        (pos[a] * 1000 + ind_pos[b]) if o == "=~" else
        path_pos.get((b, a), 0) if o == "~" else
        (0 if a != b else 1) * 10**6 + idx[a] * 1000 + idx[b]
        for a, o, b in est_tab[["lhs", "op", "rhs"]].itertuples(index=False)
    ]
    est_tab = est_tab.sort_values(["_o", "_k"]).drop(columns=["_o", "_k"]).reset_index(drop=True)
    est_tab = est_tab[["lhs", "op", "rhs", "estimate", "se", "z", "p", "ci_low", "ci_high", "std_all", "free"]]

    cols_out = ["estimate", "se", "z", "p", "ci_low", "ci_high", "std_all"]
    reg = est_tab[est_tab["op"] == "~"]
    paths = pd.DataFrame({"from": reg["rhs"].to_numpy(), "to": reg["lhs"].to_numpy()})
    for c in cols_out:
        paths[c] = reg[c].to_numpy()
    lo = est_tab[est_tab["op"] == "=~"]
    loadings = pd.DataFrame({"construct": lo["lhs"].to_numpy(), "indicator": lo["rhs"].to_numpy()})
    for c in cols_out:
        loadings[c] = lo[c].to_numpy()

    # R²: 1 - residual variance / total variance
    endo = model.endogenous
    r2 = pd.Series({c: 1 - Smat[idx[c], idx[c]] / var[idx[c]] for c in endo}, dtype=float, name="r_squared")
    n = len(frame)
    k = {c: len(model.predecessors(c)) for c in endo}
    r2_adj = pd.Series({c: 1 - (1 - r2[c]) * (n - 1) / (n - k[c] - 1) for c in endo}, dtype=float,
                       name="r_squared_adj")
    r2_ind = pd.Series({x: 1 - Smat[idx[x], idx[x]] / var[idx[x]] for x in obs}, dtype=float,
                       name="r_squared")

    # effects among constructs
    Bl = A[np.ix_(l_idx, l_idx)]
    T = np.linalg.inv(np.eye(len(lat)) - Bl) - np.eye(len(lat))
    sd_l = np.sqrt(np.clip(var[l_idx], 0, None))
    M1, Mall, Mind = _reachability(model)
    eff_rows = []
    order_l = model.order()
    for f in order_l:
        for t in order_l:
            i, j = lat.index(t), lat.index(f)
            if Mall[i, j]:
                scale = sd_l[j] / sd_l[i] if sd_l[i] > 0 else np.nan
                d = Bl[i, j] if M1[i, j] else 0.0
                ind = (T[i, j] - Bl[i, j]) if Mind[i, j] else 0.0
                tot = d + ind
                eff_rows.append((f, t, d * scale, ind * scale, tot * scale, d, ind, tot))
    effects = pd.DataFrame(eff_rows, columns=["from", "to", "direct", "indirect", "total",
                                              "direct_unstd", "indirect_unstd", "total_unstd"])

    # factor scores, regression method: E(eta | x) = Cov(eta, x) Sigma^-1 (x - mean)
    X = frame[obs].to_numpy()
    Xc = X - X.mean(axis=0)
    Cxl = C[np.ix_(o_idx, l_idx)]
    try:
        W = np.linalg.solve(Sigma, Cxl)
        scores = pd.DataFrame(Xc @ W, index=frame.index, columns=lat)
    except np.linalg.LinAlgError:
        scores = pd.DataFrame(np.nan, index=frame.index, columns=lat)

    fit = fit_measures([Ssample], [Sigma], [n], npar)
    latent_cov = pd.DataFrame(C[np.ix_(l_idx, l_idx)], index=lat, columns=lat)
    improper = _improper(est_tab, Smat, idx, obs, lat, latent_cov, bounded)

    msgs = list(notes)
    if not converged:
        msgs.append(
            f"the optimiser did not converge ({getattr(res, 'message', '')!s}); the estimates "
            "and fit measures are not reliable"
        )
        warnings.warn("CB-SEM: " + msgs[-1], CBSEMConvergenceWarning, stacklevel=2)
    if not improper.empty:
        msg = improper_message(improper)
        msgs.append(msg)
        warnings.warn(msg, ImproperSolutionWarning, stacklevel=2)
    if int(fit["df"]) < 0:
        msgs.append(f"the model is not identified: {int(fit['npar'])} free parameters for "
                    f"{int(fit['npar'] + fit['df'])} data moments (df = {int(fit['df'])})")

    sd_s = np.sqrt(np.diag(Ssample))
    sd_m = np.sqrt(np.diag(Sigma))
    R_sample = Ssample / np.outer(sd_s, sd_s)
    resid = R_sample - Sigma / np.outer(sd_m, sd_m)
    reliability, htmt = _reliability_htmt(model, R_sample, loadings)
    return CBSEMResult(
        model=model,
        estimates=est_tab,
        paths=paths,
        loadings=loadings,
        r_squared=r2,
        r_squared_adj=r2_adj,
        r_squared_indicators=r2_ind,
        effects=effects,
        scores=scores,
        fit=fit,
        improper=improper,
        warnings=msgs,
        implied_cov=pd.DataFrame(Sigma, index=obs, columns=obs),
        sample_cov=pd.DataFrame(Ssample, index=obs, columns=obs),
        residual_cor=pd.DataFrame(resid, index=obs, columns=obs),
        latent_cov=latent_cov,
        converged=converged,
        iterations=iterations,
        n=n,
        n_dropped=n_dropped,
        bounded=bounded,
        ci_level=ci_level,
        elapsed=elapsed,
        reliability=reliability,
        htmt=htmt,
    )


def _reliability_htmt(model: Model, R: np.ndarray, loadings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha, composite reliability, AVE per construct; HTMT per pair (the PLS engine's formulas)."""
    cs = model.constructs
    std = loadings.set_index("indicator").loc[model.all_indicators, "std_all"].to_numpy(float)
    stats_ = core.block_statistics(R[None], std[None], core.structure_from_model(model).mask)
    rel = pd.DataFrame({k: stats_[k][0] for k in ("alpha", "rho_c", "ave")},
                       index=pd.Index(cs, name="construct"))
    pairs = [(a, b, stats_["htmt"][0, i, j]) for i, a in enumerate(cs) for j, b in enumerate(cs) if i < j]
    return rel, pd.DataFrame(pairs, columns=["construct_1", "construct_2", "estimate"])


def _reachability(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean (to, from) matrices over constructs: direct path, any path, path of length >= 2."""
    P = core.structure_from_model(model).P  # [from, to]
    M1 = P.T > 0
    Mall = core.reachability(P).T
    Mind = (M1.astype(int) @ Mall.astype(int)) > 0
    return M1, Mall, Mind


# --------------------------------------------------------------------------------------------
# improper solutions
# --------------------------------------------------------------------------------------------
_BOUNDARY_TOL = 1e-6


def _improper(
    est: pd.DataFrame,
    Smat: np.ndarray,
    idx: dict[str, int],
    obs: Sequence[str],
    lat: Sequence[str],
    latent_cov: pd.DataFrame,
    bounded: bool,
) -> pd.DataFrame:
    """Every symptom of an improper solution, one row each: parameter, value, problem."""
    rows: list[tuple[str, float, str]] = []
    latent = set(lat)
    for r in est.itertuples(index=False):
        name = f"{r.lhs} {r.op} {r.rhs}"
        if r.op == "~~" and r.lhs == r.rhs and r.free:
            kind = "latent" if r.lhs in latent else "indicator"
            what = "residual variance" if (r.lhs not in latent or _is_endogenous(est, r.lhs)) else "variance"
            scale = max(1.0, abs(float(latent_cov.to_numpy().diagonal().max())) if kind == "latent" else 1.0)
            if r.estimate < -_BOUNDARY_TOL * scale:
                rows.append((name, r.estimate, f"negative {kind} {what}"))
            elif abs(r.estimate) <= _BOUNDARY_TOL * scale:
                rows.append((name, r.estimate, f"{kind} {what} on the boundary (zero)"))
    for r in est.itertuples(index=False):
        if r.op in ("=~", "~", "~~") and not (r.op == "~~" and r.lhs == r.rhs):
            if np.isfinite(r.std_all) and abs(r.std_all) > 1 + 1e-8:
                what = {"=~": "standardised loading", "~": "standardised path coefficient",
                        "~~": "correlation"}[r.op]
                rows.append((f"{r.lhs} {r.op} {r.rhs}", r.std_all, f"{what} beyond ±1"))
    lv = latent_cov.to_numpy()
    if lv.size:
        ev = np.linalg.eigvalsh((lv + lv.T) / 2)
        if ev.min() <= 1e-10 * max(1.0, abs(ev.max())):
            rows.append(("covariance matrix of the constructs", float(ev.min()),
                         "latent covariance matrix not positive definite (smallest eigenvalue)"))
    o_idx = [idx[x] for x in obs]
    theta = Smat[np.ix_(o_idx, o_idx)]
    off = theta - np.diag(np.diag(theta))
    if np.any(off != 0):
        # fixed-zero residual variances (single indicators) are excluded from the check
        keep = [i for i in range(len(o_idx)) if theta[i, i] != 0 or np.any(off[i] != 0)]
        sub = theta[np.ix_(keep, keep)]
        ev = np.linalg.eigvalsh((sub + sub.T) / 2)
        if ev.min() <= 0:
            rows.append(("residual covariance matrix of the indicators", float(ev.min()),
                         "indicator residual covariance matrix (theta) not positive definite "
                         "(smallest eigenvalue)"))
    return pd.DataFrame(rows, columns=["parameter", "value", "problem"])


def _is_endogenous(est: pd.DataFrame, name: str) -> bool:
    return bool(((est["op"] == "~") & (est["lhs"] == name)).any())


def improper_message(improper: pd.DataFrame) -> str:
    """One sentence naming every offending parameter, in the manner of lavaan's warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame([("QUAL ~~ QUAL", -0.02, "negative latent residual variance")],
    ...                  columns=["parameter", "value", "problem"])
    >>> improper_message(t)
    'improper solution: negative latent residual variance: QUAL ~~ QUAL = -0.020'
    """
    parts = []
    for problem, grp in improper.groupby("problem", sort=False):
        listed = ", ".join(f"{p} = {v:.3f}" for p, v in zip(grp["parameter"], grp["value"]))
        parts.append(f"{problem}: {listed}")
    return "improper solution: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------
# multigroup ML with equality constraints (own engine, RAM notation)
# --------------------------------------------------------------------------------------------
@dataclass
class _Loc:
    group: int
    matrix: str  # "A", "S", "m"
    i: int
    j: int
    param: int


@dataclass
class MultigroupResult:
    """A multigroup CB-SEM fit with equality constraints (see :func:`estimate_cbsem_multigroup`).

    Attributes
    ----------
    groups : list
        Group labels, in the order of the per-group tables.
    group_equal : tuple of str
        The parameter classes constrained equal across groups.
    estimates : DataFrame
        ``group, lhs, op, rhs, estimate, free, label`` (``~1`` rows are intercepts / means);
        parameters sharing a ``label`` are constrained equal.
    fit : Series
        Fit measures (:func:`fit_measures`, with the mean structure).
    n_obs : Series
        Rows per group.
    converged : bool
    warnings : list of str
    """

    groups: list
    group_equal: tuple
    estimates: pd.DataFrame
    fit: pd.Series
    n_obs: pd.Series
    converged: bool
    iterations: int
    warnings: list[str]

    def summary(self) -> str:
        f = self.fit
        eq = ", ".join(self.group_equal) if self.group_equal else "none (configural)"
        return (
            f"Multigroup CB-SEM: groups {self.groups} (n = {dict(self.n_obs)}), equal across groups: {eq}\n"
            f"  chi2 = {f['chi2']:.3f}, df = {int(f['df'])}, p = {_fmt_p(f['p'])}, CFI = {f['cfi']:.3f}, "
            f"TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f}, SRMR = {f['srmr']:.3f}, "
            f"AIC = {f['aic']:.2f}, BIC = {f['bic']:.2f}\n"
            + ("".join(f"  - {w}\n" for w in self.warnings))
        )


class _MultigroupML:
    """ML fit of one RAM model to G groups, with parameters shared across groups by label."""

    def __init__(self, model: Model, frames: list[pd.DataFrame], group_equal: Sequence[str],
                 start: dict[tuple, float] | None = None):
        self.model = model
        obs = model.all_indicators
        lat = model.constructs
        self.obs, self.lat = obs, lat
        self.names = list(obs) + list(lat)
        self.idx = {v: i for i, v in enumerate(self.names)}
        self.G = len(frames)
        self.nv = len(self.names)
        self.p = len(obs)
        self.N = np.array([len(f) for f in frames], dtype=float)
        self.S = [np.cov(f[obs].to_numpy(), rowvar=False, bias=True) for f in frames]
        self.xbar = [f[obs].to_numpy().mean(axis=0) for f in frames]
        self.F = np.zeros((self.p, self.nv))
        self.F[np.arange(self.p), np.arange(self.p)] = 1.0
        self.locs: list[_Loc] = []
        self.labels: list[str] = []  # one per free parameter
        self.desc: list[tuple] = []  # (group, lhs, op, rhs, label) per location
        self.fixed = {"A": [np.zeros((self.nv, self.nv)) for _ in range(self.G)],
                      "S": [np.zeros((self.nv, self.nv)) for _ in range(self.G)],
                      "m": [np.zeros(self.nv) for _ in range(self.G)]}
        self._build(set(group_equal))
        self.start = start or {}

    def _param(self, label: str) -> int:
        if label in self._label_index:
            return self._label_index[label]
        self._label_index[label] = len(self.labels)
        self.labels.append(label)
        return self._label_index[label]

    def _add(self, g: int, mat: str, a: str, b: str | None, op: str, shared: bool) -> None:
        i = self.idx[a]
        j = self.idx[b] if b is not None else 0
        key = f"{b} =~ {a}" if op == "=~" else f"{a} {op} {b if b is not None else ''}".strip()
        label = key if shared else f"{key} [g{g + 1}]"
        pid = self._param(label)
        self.locs.append(_Loc(g, mat, i, j, pid))
        self.desc.append((g, a, op, b if b is not None else "", label))

    def _build(self, eq: set[str]) -> None:
        self._label_index: dict[str, int] = {}
        m = self.model
        singles = {v[0] for v in m.indicators.values() if len(v) == 1}
        exo = m.exogenous
        covs = [(a, b) for a, b in m.covariances]
        for g in range(self.G):
            for c in m.constructs:
                items = m.indicators[c]
                self.fixed["A"][g][self.idx[items[0]], self.idx[c]] = 1.0
                for x in items[1:]:
                    self._add(g, "A", x, c, "=~", "loadings" in eq)
            for f, t in m.structural_paths:
                self._add(g, "A", t, f, "~", "regressions" in eq)
            for x in self.obs:
                if x in singles:
                    continue
                self._add(g, "S", x, x, "~~", "residuals" in eq)
            for c in m.constructs:
                self._add(g, "S", c, c, "~~", "lv.variances" in eq)
            pairs = [(a, b) for k, a in enumerate(exo) for b in exo[k + 1:]]
            for a, b in covs:
                if (a, b) not in pairs and (b, a) not in pairs:
                    pairs.append((a, b))
            for a, b in pairs:
                both_obs = a in self.obs and b in self.obs
                self._add(g, "S", a, b, "~~", ("residuals" if both_obs else "lv.variances") in eq)
            # mean structure: indicator intercepts; construct means fixed 0 in the first group
            # and, once intercepts are equal, free in the others (lavaan's convention)
            for x in self.obs:
                self._add(g, "m", x, None, "~1", "intercepts" in eq)
            for c in m.constructs:
                if "intercepts" in eq and g > 0 and "means" not in eq:
                    self._add(g, "m", c, None, "~1", False)
        self.n_free = len(self.labels)
        self._arrays()

    def _arrays(self) -> None:
        self.loc_by = {}
        for mat in ("A", "S", "m"):
            for g in range(self.G):
                sel = [l for l in self.locs if l.matrix == mat and l.group == g]
                self.loc_by[(mat, g)] = (
                    np.array([l.i for l in sel], dtype=int),
                    np.array([l.j for l in sel], dtype=int),
                    np.array([l.param for l in sel], dtype=int),
                )

    def matrices(self, theta: np.ndarray, g: int):
        A = self.fixed["A"][g].copy()
        S = self.fixed["S"][g].copy()
        mv = self.fixed["m"][g].copy()
        i, j, k = self.loc_by[("A", g)]
        A[i, j] = theta[k]
        i, j, k = self.loc_by[("S", g)]
        S[i, j] = theta[k]
        S[j, i] = theta[k]
        i, _, k = self.loc_by[("m", g)]
        mv[i] = theta[k]
        return A, S, mv

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Sum over groups of (N_g / N) times the ML discrepancy, and its analytic gradient."""
        total = 0.0
        grad = np.zeros_like(theta)
        Ntot = self.N.sum()
        for g in range(self.G):
            A, S, mv = self.matrices(theta, g)
            try:
                B = np.linalg.inv(np.eye(self.nv) - A)
            except np.linalg.LinAlgError:
                return 1e20, np.zeros_like(theta)
            BF = B[: self.p]  # F B: the observed rows
            Sig = BF @ S @ BF.T
            mu = BF @ mv
            try:
                L = np.linalg.cholesky(Sig)
            except np.linalg.LinAlgError:
                return 1e20, np.zeros_like(theta)
            inv = np.linalg.inv(Sig)
            d = self.xbar[g] - mu
            Sg = self.S[g]
            logdet = 2 * np.sum(np.log(np.diag(L)))
            F = logdet + np.sum(Sg * inv) - self._logdet_S[g] - self.p + d @ inv @ d
            w = self.N[g] / Ntot
            total += w * F
            # dF/dSigma = inv - inv (S + d d') inv ; dF/dmu = -2 inv d
            Gm = inv - inv @ (Sg + np.outer(d, d)) @ inv
            gmu = -2 * inv @ d
            BtH = BF.T @ Gm  # nv x p ; H = F' Gm F so B' H B = BtH @ BF
            BHB = BtH @ BF
            gA = 2 * BHB @ S @ B.T + np.outer(BF.T @ gmu, B @ mv)
            gS = BHB
            gm = BF.T @ gmu
            i, j, k = self.loc_by[("A", g)]
            np.add.at(grad, k, w * gA[i, j])
            i, j, k = self.loc_by[("S", g)]
            np.add.at(grad, k, w * np.where(i == j, gS[i, j], 2 * gS[i, j]))
            i, _, k = self.loc_by[("m", g)]
            np.add.at(grad, k, w * gm[i])
        return total, grad

    def initial(self) -> np.ndarray:
        """Start values: given ones by label (averaged over groups), else simple defaults."""
        theta = np.zeros(self.n_free)
        seen = np.zeros(self.n_free)
        for loc, (g, a, op, b, label) in zip(self.locs, self.desc):
            key = (g, b, op, a) if op == "=~" else (g, a, op, b)  # the estimates-table layout
            if key in self.start:
                theta[loc.param] += self.start[key]
                seen[loc.param] += 1
        theta = np.divide(theta, seen, out=theta, where=seen > 0)
        for loc, (g, a, op, b, label) in zip(self.locs, self.desc):
            if seen[loc.param]:
                continue
            if op == "=~":
                theta[loc.param] = 1.0
            elif op == "~~" and a == b:
                theta[loc.param] = (0.5 * self.S[g][self.idx[a], self.idx[a]]) if a in self.obs else 0.05
            elif op == "~1" and a in self.obs:
                theta[loc.param] = self.xbar[g][self.idx[a]]
            seen[loc.param] = 1
        return theta

    def fit(self, max_iter: int = 5000, tol: float = 1e-10) -> tuple[np.ndarray, Any, bool]:
        """Minimise; returns (estimates, scipy result, converged)."""
        self._logdet_S = [np.linalg.slogdet(S)[1] for S in self.S]
        opts = {"maxiter": max_iter, "ftol": 1e-15, "gtol": tol, "maxcor": 30}

        def attempt(x0: np.ndarray) -> tuple[Any, bool]:
            res = optimize.minimize(self.objective, x0, jac=True, method="L-BFGS-B", options=opts)
            # at a tolerance this tight the line search can give up at the minimum itself
            # ("ABNORMAL_TERMINATION_IN_LNSRCH"): a vanishing gradient is convergence all the same
            grad = self.objective(res.x)[1]
            return res, bool(res.success or np.max(np.abs(grad)) < 1e-5)

        res, ok = attempt(self.initial())
        if not ok and self.start:
            # start values from another model can be a poor start: retry from the defaults
            self.start = {}
            res2, ok2 = attempt(self.initial())
            if ok2 or res2.fun < res.fun:
                res, ok = res2, ok2
        return res.x, res, ok

    def table(self, theta: np.ndarray, groups: Sequence) -> pd.DataFrame:
        rows = []
        for g in range(self.G):
            A, S, mv = self.matrices(theta, g)
            for c in self.model.constructs:
                x0 = self.model.indicators[c][0]
                rows.append((groups[g], c, "=~", x0, 1.0, False, ""))
        for loc, (g, a, op, b, label) in zip(self.locs, self.desc):
            lhs, rhs = (b, a) if op == "=~" else (a, b)
            rows.append((groups[g], lhs, op, rhs, float(theta[loc.param]), True, label))
        out = pd.DataFrame(rows, columns=["group", "lhs", "op", "rhs", "estimate", "free", "label"])
        # a label used once is just a free parameter; keep labels only for shared ones
        counts = out["label"].value_counts()
        out.loc[out["label"].map(counts).fillna(0) < 2, "label"] = ""
        out.loc[out["label"] != "", "label"] = out.loc[out["label"] != "", "label"].str.replace(r" \[g\d+\]$", "", regex=True)
        return out

    def implied(self, theta: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        sig, mus = [], []
        for g in range(self.G):
            A, S, mv = self.matrices(theta, g)
            B = np.linalg.inv(np.eye(self.nv) - A)
            BF = B[: self.p]
            sig.append(BF @ S @ BF.T)
            mus.append(BF @ mv)
        return sig, mus


def estimate_cbsem_multigroup(
    data: pd.DataFrame,
    model: Model | str,
    group: str,
    *,
    group_equal: Sequence[str] = (),
    missing: str = "listwise",
    start: dict[tuple, float] | None = None,
    max_iter: int = 5000,
) -> MultigroupResult:
    """Fit ``model`` to every group of ``data`` at once, with equality constraints across groups.

    The multigroup analogue of lavaan's ``sem(model, data, group = group, group.equal = ...)``
    with a mean structure: indicator intercepts are free in each group, construct means are 0;
    once intercepts are constrained equal the construct means are free in every group but the
    first (lavaan's convention), so that the scalar model can absorb true mean differences.

    Parameters
    ----------
    data : pandas.DataFrame
    model : Model or str
        Reflective blocks only (as :func:`estimate_cbsem`).
    group : str
        Column holding the group of each row (at least two groups).
    group_equal : sequence of str
        Parameter classes held equal across groups, as lavaan's ``group.equal``: any of
        ``"loadings"`` (metric invariance), ``"intercepts"`` (scalar, with loadings),
        ``"residuals"`` (strict), ``"regressions"``, ``"lv.variances"``, ``"means"``.
        Empty: the configural model.
    missing : {"listwise"}
    start : dict, optional
        Start values keyed by ``(group_index, lhs, op, rhs)`` as in the ``estimates`` table of a
        previous fit (``op`` is ``=~`` with ``lhs`` the indicator... see the source); used by
        :func:`crm_analysis.csi.compare_groups` to chain the invariance sequence.
    max_iter : int

    Returns
    -------
    MultigroupResult

    Examples
    --------
    >>> res = estimate_cbsem_multigroup(df, "F =~ a + b + c", "gender",
    ...                                 group_equal=["loadings"])  # doctest: +SKIP
    >>> res.fit[["chi2", "df", "cfi"]]                             # doctest: +SKIP
    """
    model = as_model(model)
    _refuse_composites(model)
    if not isinstance(group, str) or group not in getattr(data, "columns", ()):
        cols = list(getattr(data, "columns", []))
        raise InputError(f"group={group!r}: not a column of the data (columns: {cols})")
    bad = [e for e in group_equal if e not in _GROUP_EQUAL]
    if bad:
        raise ParameterError(f"group_equal: unknown parameter class(es) {bad}; expected some of {list(_GROUP_EQUAL)}")
    eq = set(group_equal)
    if "intercepts" in eq and "loadings" not in eq:
        raise ParameterError("group_equal: equal intercepts need equal loadings too (scalar invariance "
                             "builds on metric invariance): add 'loadings'")
    frame, n_dropped, notes = _prepare_data(data, model, missing, extra=[group])
    if frame[group].isna().any():
        k = int(frame[group].isna().sum())
        notes.append(f"{k} rows without a value in the group column {group!r} were left out")
        frame = frame.loc[frame[group].notna()]
    groups = sorted(frame[group].unique(), key=str)
    if len(groups) < 2:
        raise InputError(f"group={group!r}: the column has {len(groups)} distinct value(s); at least 2 groups are needed")
    frames = [frame.loc[frame[group] == g] for g in groups]
    npar_single = _free_parameter_count(model)
    for g, f in zip(groups, frames):
        _check_sample(f, model.all_indicators, npar_single, where=f"group {group} = {g!r}")
    eng = _MultigroupML(model, frames, tuple(group_equal), start)
    theta, res, converged = eng.fit(max_iter=max_iter)
    sig, mus = eng.implied(theta)
    fit = fit_measures(eng.S, sig, [len(f) for f in frames], eng.n_free,
                       sample_mean=eng.xbar, implied_mean=mus)
    est = eng.table(theta, groups)
    msgs = list(notes)
    if not converged:
        msgs.append(f"the optimiser did not converge ({res.message}); fit measures are not reliable")
        warnings.warn("multigroup CB-SEM: " + msgs[-1], CBSEMConvergenceWarning, stacklevel=2)
    neg = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & (est["estimate"] < 0)]
    if len(neg):
        listed = ", ".join(f"{r.lhs} ~~ {r.rhs} = {r.estimate:.3f} (group {r.group})" for r in neg.itertuples())
        msgs.append(f"improper solution: negative variance: {listed}")
    return MultigroupResult(
        groups=list(groups),
        group_equal=tuple(group_equal),
        estimates=est,
        fit=fit,
        n_obs=pd.Series({g: len(f) for g, f in zip(groups, frames)}, name="n"),
        converged=converged,
        iterations=int(res.nit),
        warnings=msgs,
    )
