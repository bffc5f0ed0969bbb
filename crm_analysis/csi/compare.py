"""Two model specifications (or two estimators) on the same data, side by side.

:func:`compare_models` takes two results of :func:`crm_analysis.sem.estimate_pls` or
:func:`crm_analysis.sem.cbsem.estimate_cbsem` estimated on the same data and lines up:

- the structural paths (standardised: the PLS estimate, CB-SEM's ``std_all``);
- R² and adjusted R² of every endogenous construct;
- the overall measures: GoF for PLS; chi-square, CFI, TLI, RMSEA, SRMR, AIC and BIC for CB-SEM;
- for two CB-SEM results on the same indicators whose free parameters are nested, the
  chi-square difference (likelihood-ratio) test.

A PLS result next to a CB-SEM result of the same model is the "PLS vs CB-SEM" comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.i18n import check_lang, t
from crm_analysis.sem.cbsem import chi2_difference

__all__ = ["ModelComparison", "compare_models"]

_PLS_MEASURES = ("gof",)
_CB_MEASURES = ("chi2", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr",
                "aic", "bic", "npar")


def _kind(result: Any, name: str) -> str:
    kind = type(result).__name__
    if kind == "PLSResult" or (hasattr(result, "gof") and hasattr(result, "raw_weights")):
        return "pls"
    if kind == "CBSEMResult" or (hasattr(result, "fit") and hasattr(result, "estimates")):
        return "cbsem"
    raise ParameterError(f"{name}: expected a result of estimate_pls or estimate_cbsem, got {kind}")


def _std_paths(result: Any, kind: str) -> pd.Series:
    p = result.paths
    col = "estimate" if kind == "pls" else "std_all"
    return pd.Series(p[col].to_numpy(), index=pd.MultiIndex.from_frame(p[["from", "to"]]))


@dataclass
class ModelComparison:
    """Result of :func:`compare_models`.

    Attributes
    ----------
    names : (str, str)
    kinds : (str, str)
        ``"pls"`` or ``"cbsem"``.
    paths : DataFrame
        ``from, to`` and one column of standardised estimates per model (NaN where the model
        has no such path), plus ``difference`` (second minus first).
    r_squared : DataFrame
        index = construct; ``r2_<name>`` and ``r2_adj_<name>`` per model.
    measures : DataFrame
        index = measure; one column per model (GoF for PLS; CB-SEM fit indices).
    chi2_test : Series or None
        ``restricted, general, delta_chi2, delta_df, p`` for nested CB-SEM models.
    notes : list of str
    """

    names: tuple[str, str]
    kinds: tuple[str, str]
    paths: pd.DataFrame
    r_squared: pd.DataFrame
    measures: pd.DataFrame
    chi2_test: pd.Series | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        fmt = lambda v: f"{v:.3f}"  # noqa: E731
        lines = [f"Model comparison: {self.names[0]} ({self.kinds[0]}) vs {self.names[1]} ({self.kinds[1]})",
                 "", "Standardised paths", self.paths.to_string(index=False, float_format=fmt, na_rep="-"),
                 "", "R-squared", self.r_squared.to_string(float_format=fmt, na_rep="-"),
                 "", "Measures", self.measures.to_string(float_format=fmt, na_rep="-")]
        if self.chi2_test is not None:
            c = self.chi2_test
            lines += ["", f"Chi-square difference test: {c['restricted']} (restricted) vs {c['general']}: "
                          f"delta chi2 = {c['delta_chi2']:.3f}, delta df = {int(c['delta_df'])}, p = {c['p']:.4f}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _free_set(result: Any) -> set[tuple[str, str, str]]:
    est = result.estimates
    out = set()
    for r in est[est["free"]].itertuples():
        a, b = (r.lhs, r.rhs) if r.op != "~~" else tuple(sorted((r.lhs, r.rhs)))
        out.add((a, r.op, b))
    return out


def compare_models(first: Any, second: Any, *, names: tuple[str, str] = ("A", "B"),
                   lang: str = "en") -> ModelComparison:
    """Two results on the same data, side by side (paths, R², fit; nested chi-square test).

    Parameters
    ----------
    first, second : PLSResult or CBSEMResult
        Estimated on the same respondents (the number of observations must agree).
    names : (str, str)
        Column labels of the two models.
    lang : {"en", "zh"}
        Language of the ``notes``.

    Returns
    -------
    ModelComparison

    Raises
    ------
    ParameterError
        Not estimation results; names not two distinct strings.
    InputError
        The two results were estimated on different numbers of rows.

    Examples
    --------
    >>> full = estimate_cbsem(df, csi.preset("ecsi"))                     # doctest: +SKIP
    >>> reduced = estimate_cbsem(df, "...the same without Image -> Loyalty")  # doctest: +SKIP
    >>> compare_models(full, reduced, names=("ECSI", "no Image->Loyalty")).chi2_test  # doctest: +SKIP
    """
    if not (isinstance(names, (tuple, list)) and len(names) == 2 and all(isinstance(n, str) for n in names)
            and names[0] != names[1]):
        raise ParameterError(f"names={names!r}: expected two distinct labels, e.g. ('ECSI', 'ACSI')")
    check_lang(lang)
    k1, k2 = _kind(first, "first"), _kind(second, "second")
    n1, n2 = int(first.n), int(second.n)
    if n1 != n2:
        raise InputError(f"the two results use different numbers of rows ({n1} and {n2}): compare "
                         "models estimated on the same data (same rows, same missing-value treatment)")
    a, b = names
    pa, pb = _std_paths(first, k1), _std_paths(second, k2)
    idx = pa.index.append(pb.index[~pb.index.isin(pa.index)])
    paths = pd.DataFrame({a: pa.reindex(idx).to_numpy(), b: pb.reindex(idx).to_numpy()},
                         index=idx).reset_index()
    paths["difference"] = paths[b] - paths[a]
    r2 = pd.DataFrame({
        f"r2_{a}": first.r_squared, f"r2_{b}": second.r_squared,
        f"r2_adj_{a}": first.r_squared_adj, f"r2_adj_{b}": second.r_squared_adj,
    })
    order = list(first.r_squared.index) + [c for c in second.r_squared.index if c not in first.r_squared.index]
    r2 = r2.reindex(order)
    r2.index.name = "construct"
    rows: dict[str, dict[str, float]] = {}
    for res, kind, nm in ((first, k1, a), (second, k2, b)):
        col: dict[str, float] = {"n": float(res.n)}
        if kind == "pls":
            col["gof"] = float(res.gof)
        else:
            col.update({m: float(res.fit[m]) for m in _CB_MEASURES})
        col["mean_r2"] = float(res.r_squared.mean()) if len(res.r_squared) else np.nan
        rows[nm] = col
    measures = pd.DataFrame(rows)
    order = ["n", "mean_r2", *_PLS_MEASURES, *_CB_MEASURES]
    measures = measures.reindex([m for m in order if m in measures.index])
    notes: list[str] = []
    chi2_test = None
    if k1 == k2 == "cbsem":
        same_vars = set(first.sample_cov.index) == set(second.sample_cov.index)
        if not same_vars:
            notes.append(t("no chi-square difference test: the models use different indicators, so "
                           "their likelihoods are not comparable (use AIC/BIC with care)",
                           "不做卡方差异检验：两个模型使用的指标不同，似然值不可比（AIC/BIC 也需谨慎使用）", lang))
        elif not np.allclose(first.sample_cov.loc[second.sample_cov.index, second.sample_cov.index],
                             second.sample_cov, rtol=1e-10, atol=1e-12):
            notes.append(t("no chi-square difference test: the sample covariance matrices differ (not the same data)",
                           "不做卡方差异检验：样本协方差矩阵不同（不是同一份数据）", lang))
        else:
            fa, fb = _free_set(first), _free_set(second)
            if fa == fb:
                notes.append(t("the two models have the same free parameters: not a nested comparison",
                               "两个模型的自由参数相同：不构成嵌套比较", lang))
            elif fa < fb or fb < fa:
                restricted, general = (first, second) if fa < fb else (second, first)
                rn, gn = (a, b) if fa < fb else (b, a)
                dchi, ddf, p = chi2_difference(restricted.fit, general.fit)
                failed = [nm for nm, r in ((rn, restricted), (gn, general)) if not r.converged]
                if failed:
                    notes.append(t(f"no chi-square difference test: the fit of {' and '.join(failed)} did not "
                                   "converge, so its chi-square is not a minimum",
                                   f"不做卡方差异检验：{'和'.join(failed)} 的拟合未收敛，其卡方值不是最小值", lang))
                elif dchi < -1e-6:
                    notes.append(t(f"no chi-square difference test: the restricted model {rn} fits better than the "
                                   f"general model {gn} it is nested in (delta chi2 = {dchi:.3f}), which cannot "
                                   "happen at the ML optima: one of the two fits is not at its optimum",
                                   f"不做卡方差异检验：受限模型 {rn} 的拟合优于包含它的一般模型 {gn}"
                                   f"（Δχ² = {dchi:.3f}），这在最大似然最优解处不可能出现：两个拟合中至少有一个"
                                   "未达到最优", lang))
                else:
                    chi2_test = pd.Series({"restricted": rn, "general": gn, "delta_chi2": dchi,
                                           "delta_df": int(ddf), "p": p}, name="chi2_difference")
            else:
                notes.append(t("the models are not nested (neither's free parameters contain the other's): "
                               "compare them by AIC/BIC.", "两个模型不嵌套（任一模型的自由参数都不包含另一个的）：请用 AIC/BIC 比较。", lang))
    elif k1 != k2:
        notes.append(t("PLS and CB-SEM side by side: PLS paths are between composites (weighted sums of "
                       "the indicators), CB-SEM paths between common factors corrected for measurement "
                       "error, so CB-SEM paths are typically larger in absolute value.",
                       "PLS 与 CB-SEM 对照：PLS 路径连接的是合成变量（指标的加权和），CB-SEM 路径连接的是校正了"
                       "测量误差的公因子，因此 CB-SEM 路径的绝对值通常更大。", lang))
    return ModelComparison(names=(a, b), kinds=(k1, k2), paths=paths, r_squared=r2, measures=measures,
                           chi2_test=chi2_test, notes=notes)
