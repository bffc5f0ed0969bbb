"""Validity: the five-factor structure (CFA) and the grades' prediction of outcomes."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, ParameterError
from .assessments import read_assessments, reverse_coded
from .instrument import Instrument, load_instrument

FIT_COLUMNS = ["chi2", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "aic", "bic", "n"]


@dataclass
class CFAResult:
    """A confirmatory factor analysis of the instrument.

    Attributes
    ----------
    fit : DataFrame, one row per model (``five_factor`` and, if fitted, ``one_factor``) with
        chi2, df, p, CFI, TLI, RMSEA (90 % CI), SRMR, AIC, BIC, n.
    loadings : standardised and unstandardised loadings of the five-factor model.
    factor_correlations : correlations of the five factors.
    comparison : chi-square difference test of one factor against five (nested models).
    warnings : what the reader must know (dropped rows, improper solution, non-convergence,
        nesting of raters in firms).
    model : the lavaan-style model text that was fitted.
    result : the full :class:`crm_analysis.sem.cbsem.CBSEMResult` of the five-factor model.
    """

    fit: pd.DataFrame
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    comparison: pd.Series | None
    warnings: list[str]
    model: str
    result: Any = field(repr=False, default=None)

    def summary(self) -> str:
        f = self.fit.loc["five_factor"]
        lines = [f"Five-factor CFA (ML, n = {int(f['n'])}): chi2 = {f['chi2']:.2f}, df = {int(f['df'])}, "
                 f"p = {f['p']:.3f}; CFI = {f['cfi']:.3f}, TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f} "
                 f"[{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}], SRMR = {f['srmr']:.3f}"]
        if self.comparison is not None:
            c = self.comparison
            lines.append(f"One factor instead of five: delta chi2 = {c['delta_chi2']:.2f}, delta df = "
                         f"{int(c['delta_df'])}, p = {c['p']:.3g}")
        lines += [f"  note: {w}" for w in self.warnings]
        return "\n".join(lines)


def _model_text(inst: Instrument) -> str:
    return "\n".join(f"{d.id} =~ " + " + ".join(d.items) for d in inst.dimensions)


def _estimate(frame: pd.DataFrame, model: str) -> Any:
    """The CB-SEM estimator of the package (ML under lavaan's conventions)."""
    from ..sem.cbsem import estimate_cbsem

    return estimate_cbsem(frame, model)


def cfa(responses: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None, *,
        one_factor: bool = True) -> CFAResult:
    """Five-factor confirmatory factor analysis of the Likert items (ML, via ``sem.estimate_cbsem``).

    Each dimension is a factor measured by its items (first loading fixed to 1, factors
    correlated), fitted to the rater-level answers with reverse-coded items flipped and
    listwise deletion. With ``one_factor=True`` a single general factor is also fitted and
    compared by a chi-square difference test: if five factors do not fit clearly better, the
    dimensions are not distinguished by the raters.

    Raters are nested in firms, so rows are not independent; chi-square and standard errors
    are then somewhat optimistic (the warning list says so).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> res = maturity.cfa(maturity.simulate(80, seed=1))          # doctest: +SKIP
    >>> res.fit.loc["five_factor", ["cfi", "rmsea", "srmr"]]       # doctest: +SKIP
    """
    inst = load_instrument(instrument)
    small = [d.id for d in inst.dimensions if len(d.items) < 2]
    if small:
        raise InputError(f"CFA: dimension(s) {', '.join(small)} have a single item; a factor needs at least two "
                         "(three for a dimension to be identified on its own)")
    data = reverse_coded(read_assessments(responses, inst), inst)
    items = list(inst.items)
    model = _model_text(inst)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the estimator's warnings are kept in its result's list
        five = _estimate(data[items], model)
        one = _estimate(data[items], "general =~ " + " + ".join(items)) if one_factor else None
    notes = list(five.warnings)
    if one is not None:
        notes += [f"one-factor model: {w}" for w in one.warnings if w not in five.warnings]
    if data.groupby("firm").size().max() > 1:
        notes.append("raters are nested in firms: rows are not independent, so chi-square and standard errors are "
                     "somewhat optimistic")
    fits = {"five_factor": five.fit}
    if one is not None:
        fits["one_factor"] = one.fit
    fit = pd.DataFrame(fits).T[FIT_COLUMNS]
    fit.index.name = "model"
    load = five.loadings.rename(columns={"construct": "dimension", "indicator": "item"})
    load = load[["dimension", "item", "estimate", "se", "z", "p", "std_all"]]
    lc = five.latent_cov
    sd = np.sqrt(np.clip(np.diag(lc.to_numpy()), 1e-300, None))
    corr = pd.DataFrame(lc.to_numpy() / np.outer(sd, sd), index=lc.index, columns=lc.columns)
    comparison = None
    if one is not None:
        from ..sem.cbsem import chi2_difference

        d_chi2, d_df, p = chi2_difference(one.fit, five.fit)
        if not (one.converged and five.converged) or d_chi2 < -1e-6:
            # no test from fits that failed their checks (a nested model cannot fit better)
            notes.append("no chi-square difference test of one against five factors: "
                         + ("a fit did not converge" if not (one.converged and five.converged) else
                            f"the one-factor model fits better than the five-factor model it is nested in "
                            f"(delta chi2 = {d_chi2:.3f}), so one of the fits is not at its optimum"))
            p = float("nan")
        comparison = pd.Series({"delta_chi2": d_chi2, "delta_df": d_df, "p": p})
    return CFAResult(fit, load, corr, comparison, notes, model, five)


@dataclass
class PredictiveValidity:
    """Ordinal logit of an outcome on the grade.

    Attributes
    ----------
    coefficients : ``term``, ``coef``, ``se``, ``z``, ``p``, ``ci_low``, ``ci_high``,
        ``odds_ratio``, ``or_low``, ``or_high`` (the grade terms; positive = higher outcome
        categories more likely at higher grades).
    thresholds : the cut points of the latent scale.
    lr_test : likelihood-ratio test against the thresholds-only model: ``lr``, ``df``, ``p``,
        plus McFadden's pseudo R-squared and Spearman's rank correlation of grade and outcome.
    categories : outcome categories (after binning a continuous outcome) and their counts.
    """

    coefficients: pd.DataFrame
    thresholds: pd.Series
    lr_test: pd.Series
    categories: pd.DataFrame
    outcome: str
    coding: str
    notes: list[str]

    def summary(self) -> str:
        t = self.lr_test
        lines = [f"Ordinal logit of {self.outcome} on the grade ({self.coding} coding), n = {int(t['n'])}: "
                 f"LR chi2 = {t['lr']:.2f} (df {int(t['df'])}), p = {t['p']:.3g}, McFadden R2 = "
                 f"{t['pseudo_r2']:.3f}; Spearman rho = {t['spearman']:.3f}"]
        for r in self.coefficients.itertuples():
            lines.append(f"  {r.term}: coef {r.coef:.3f} (SE {r.se:.3f}), odds ratio {r.odds_ratio:.2f} "
                         f"[{r.or_low:.2f}, {r.or_high:.2f}], p = {r.p:.3g}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def predictive_validity(grades: pd.DataFrame | pd.Series, outcome: pd.Series, *, coding: str = "linear",
                        n_bins: int = 3, max_categories: int = 7, ci: float = 0.95) -> PredictiveValidity:
    """Does the grade predict an outcome? An ordinal logit (statsmodels ``OrderedModel``).

    The outcome is used as ordered categories; a numeric outcome with more than
    ``max_categories`` distinct values (a retention rate, a CSI score) is cut into
    ``n_bins`` quantile bins first (a note says so). The grade enters linearly (one
    coefficient per grade step, ``coding="linear"``) or as dummies against the lowest grade
    (``coding="dummy"``).

    Parameters
    ----------
    grades : output of :func:`grade` (its ``level``) or a Series of levels, indexed by firm.
    outcome : Series indexed by firm.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> df = maturity.simulate(80, seed=2)
    >>> g = maturity.grade(df)
    >>> y = df.groupby("firm")["outcome_retention"].first()
    >>> res = maturity.predictive_validity(g, y)
    >>> bool(res.coefficients.loc[0, "coef"] > 0)
    True
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    if coding not in {"linear", "dummy"}:
        raise ParameterError(f"coding={coding!r}: expected 'linear' or 'dummy'")
    if not isinstance(n_bins, int) or n_bins < 2:
        raise ParameterError(f"n_bins={n_bins!r}: expected an integer of at least 2")
    if not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r}: expected a confidence level in (0, 1)")
    level = grades["level"] if isinstance(grades, pd.DataFrame) else grades
    if not isinstance(level, pd.Series) or not isinstance(outcome, pd.Series):
        raise ParameterError("grades and outcome: expected pandas objects indexed by firm")
    name = str(outcome.name or "outcome")
    y_raw = outcome.copy()
    y_raw.index = y_raw.index.map(str)
    lv = level.copy()
    lv.index = lv.index.map(str)
    missing = sorted(set(lv.index) - set(y_raw.index))
    if len(missing) == len(lv):
        raise InputError(f"outcome {name!r}: no firm of the grades has an outcome (index labels differ?)")
    frame = pd.DataFrame({"level": pd.to_numeric(lv.astype("Float64"), errors="coerce"),
                          "y": y_raw.reindex(lv.index)}).dropna()
    notes = []
    if len(frame) < len(lv):
        notes.append(f"{len(lv) - len(frame)} firm(s) without grade or outcome left out")
    numeric = pd.to_numeric(frame["y"], errors="coerce")
    if numeric.notna().all() and numeric.nunique() > max_categories:
        binned = pd.qcut(numeric, n_bins, duplicates="drop")
        notes.append(f"{name} is continuous ({numeric.nunique()} distinct values): cut into {binned.cat.categories.size} "
                     "quantile bins " + ", ".join(str(c) for c in binned.cat.categories))
        frame["y"] = binned.cat.codes
        categories = [str(c) for c in binned.cat.categories]
    else:
        values = sorted(frame["y"].unique(), key=lambda v: (float(v) if isinstance(v, (int, float, np.number)) else v))
        categories = [str(v) for v in values]
        frame["y"] = frame["y"].map({v: k for k, v in enumerate(values)})
    if len(categories) < 2:
        raise InputError(f"outcome {name!r}: needs at least two categories, got {categories}")
    if frame["level"].nunique() < 2:
        raise InputError("grades: every firm has the same grade; the outcome cannot be related to it")
    y = pd.Series(pd.Categorical(frame["y"], categories=range(len(categories)), ordered=True), index=frame.index)
    if coding == "linear":
        x = frame[["level"]].rename(columns={"level": "grade (per level)"})
    else:
        x = pd.get_dummies(frame["level"].astype(int), prefix="grade", drop_first=True, dtype=float)
    model = OrderedModel(y, x, distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked below and reported as a note
        res = model.fit(method="bfgs", disp=False, maxiter=1000)
    if not res.mle_retvals.get("converged", True):
        notes.append("the ordinal logit did not converge: estimates are unreliable")
    k = x.shape[1]
    z = stats.norm.ppf(0.5 + ci / 2)
    coef = res.params.iloc[:k]
    se = res.bse.iloc[:k]
    table = pd.DataFrame({"term": coef.index, "coef": coef.to_numpy(), "se": se.to_numpy()})
    table["z"] = table["coef"] / table["se"]
    table["p"] = 2 * stats.norm.sf(table["z"].abs())
    table["ci_low"] = table["coef"] - z * table["se"]
    table["ci_high"] = table["coef"] + z * table["se"]
    with np.errstate(over="ignore"):  # a separated term has a huge coefficient; flagged below
        table["odds_ratio"] = np.exp(table["coef"])
        table["or_low"] = np.exp(table["ci_low"])
        table["or_high"] = np.exp(table["ci_high"])
    # (quasi-)complete separation: every firm of a grade in the lowest or highest outcome category
    top = len(categories) - 1
    for lv_value, ys in frame.groupby("level")["y"]:
        if len(ys) and ((ys == top).all() or (ys == 0).all()) and frame["level"].nunique() > 1:
            where = "highest" if (ys == top).all() else "lowest"
            notes.append(f"every firm at grade {int(lv_value)} ({len(ys)}) is in the {where} outcome category "
                         "(separation): " + ("its odds ratio is not identified (infinite)" if coding == "dummy"
                                             else "the linear coefficient may be inflated"))
    huge = table[(table["se"] > 50) | (table["coef"].abs() > 15)]
    for term in huge["term"]:
        notes.append(f"{term}: coefficient not identified (separation); ignore its estimate and p-value")
    # cut points: the first is a level, the later ones are log increments in statsmodels
    cuts = model.transform_threshold_params(res.params.to_numpy())[1:-1]
    thresholds = pd.Series(cuts, index=[f"{categories[i]}|{categories[i + 1]}" for i in range(len(categories) - 1)],
                           name="threshold")
    llnull = float(res.llnull)
    lr = 2 * (float(res.llf) - llnull)
    rho = stats.spearmanr(frame["level"], frame["y"]).statistic
    lr_test = pd.Series({"lr": lr, "df": k, "p": float(stats.chi2.sf(lr, k)), "pseudo_r2": 1 - float(res.llf) / llnull,
                         "spearman": float(rho), "n": len(frame)})
    counts = pd.Series(frame["y"]).value_counts().reindex(range(len(categories)), fill_value=0)
    cats = pd.DataFrame({"category": categories, "n": counts.to_numpy()})
    return PredictiveValidity(table, thresholds, lr_test, cats, name, coding, notes)
