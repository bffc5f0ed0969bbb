"""The simulation study's first screen: the classic result (PLS overstates loadings and understates
paths under a common-factor population; PLSc and CB-SEM do not) with Monte-Carlo standard errors,
interval coverage, the top actions and a verdict on non-convergence.

Monte-Carlo standard errors (MCSE; Morris, White & Crowther 2019): for one parameter the bias has
MCSE ``sd / sqrt(used)`` and the coverage ``sqrt(c (1 - c) / used)``. The figures average over the
parameters of a kind (loadings, paths), and the MCSE given for such an average is the mean of the
parameters' MCSEs, an upper bound of the true one whatever the correlation between the
parameters' estimates (the standard deviation of a mean is at most the mean of the standard
deviations).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t
from crm_analysis.reporting.summary import Summary

__all__ = ["ESTIMATOR_NAMES", "mc_overview", "study_figures", "study_actions", "study_verdict", "study_summary"]

ESTIMATOR_NAMES = {"PLS": "PLS", "PLSc": "PLSc", "ML": "CB-SEM (ML)", "MLR": "CB-SEM (MLR)"}
CONSISTENT = ("PLSc", "ML", "MLR")


def mc_overview(table: pd.DataFrame, by: Sequence[str] = ("n",)) -> pd.DataFrame:
    """Per ``by`` × estimator × kind: ``bias`` and ``coverage`` averaged over the parameters, their
    Monte-Carlo standard errors ``bias_mcse`` and ``coverage_mcse`` (upper bounds, see the module),
    ``nonconvergence``, ``improper``, ``replications`` and ``used`` (the fewest of a parameter).

    Examples
    --------
    >>> tab = pd.DataFrame({"n": [100, 100], "estimator": ["PLS", "PLS"], "kind": ["path", "path"],
    ...     "replications": [25, 25], "used": [25, 25], "sd": [0.05, 0.10], "bias": [-0.04, -0.06],
    ...     "coverage": [0.8, 0.9], "nonconvergence": [0.0, 0.0], "improper": [0.0, 0.0]})
    >>> row = mc_overview(tab).iloc[0]
    >>> round(float(row["bias"]), 3), round(float(row["bias_mcse"]), 3)
    (-0.05, 0.015)
    """
    need = {*by, "estimator", "kind", "used", "sd", "bias", "coverage", "nonconvergence", "improper", "replications"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise ParameterError(f"table: expected the study table (missing columns {missing})")
    d = table.copy()
    used = d["used"].where(d["used"] > 0)
    d["bias_mcse"] = d["sd"] / np.sqrt(used)
    d["coverage_mcse"] = np.sqrt(d["coverage"] * (1 - d["coverage"]) / used)
    g = d.groupby([*by, "estimator", "kind"], observed=True, sort=True)
    out = g.agg(bias=("bias", "mean"), bias_mcse=("bias_mcse", "mean"), coverage=("coverage", "mean"),
                coverage_mcse=("coverage_mcse", "mean"), nonconvergence=("nonconvergence", "mean"),
                improper=("improper", "mean"), replications=("replications", "max"), used=("used", "min"))
    return out.reset_index()


def _est(e: str, lang: str = "en") -> str:
    name = ESTIMATOR_NAMES.get(str(e), str(e))
    return name.replace(" (", "（").replace(")", "）") if lang == "zh" else name


def _then(name: str) -> str:
    """The space after ``name`` before Chinese text: none after a full-width bracket."""
    return "" if name.endswith("）") else " "


def _b(v: float, se: float, lang: str) -> str:
    if pd.isna(v):
        return "—"
    return f"{v:+.3f}" + ("" if pd.isna(se) else t(f" (MCSE {se:.3f})", f"（蒙特卡罗标准误 {se:.3f}）", lang))


def _c(v: float, se: float, lang: str) -> str:
    if pd.isna(v):
        return t("no intervals", "无区间", lang)
    return f"{v:.0%}" + ("" if pd.isna(se) else t(f" (MCSE {se:.0%})", f"（蒙特卡罗标准误 {se:.0%}）", lang))


def _cell(ov: pd.DataFrame, n: int, est: str, kind: str) -> pd.Series | None:
    hit = ov[(ov["n"] == n) & (ov["estimator"] == est) & (ov["kind"] == kind)]
    return None if hit.empty else hit.iloc[0]


def study_figures(table: pd.DataFrame, lang: str = "en", *, level: float = 0.95) -> list[tuple[str, str]]:
    """Headline figures at the largest sample size: each estimator's bias on loadings and on paths
    with its MCSE, the coverage of the paths' intervals, and PLS's path bias at the smallest and the
    largest sample size (it does not shrink with n)."""
    check_lang(lang)
    ov = mc_overview(table)
    ns = sorted(ov["n"].unique())
    big = ns[-1]
    out: list[tuple[str, str]] = []
    for est in ov["estimator"].drop_duplicates():
        lo, pa = _cell(ov, big, est, "loading"), _cell(ov, big, est, "path")
        bits = []
        if lo is not None:
            bits.append(t("loadings ", "载荷 ", lang) + _b(lo["bias"], lo["bias_mcse"], lang))
        if pa is not None:
            bits.append(t("paths ", "路径 ", lang) + _b(pa["bias"], pa["bias_mcse"], lang))
        out.append((t(f"{_est(est, lang)}: bias at n = {big}", f"{_est(est, lang)}：n = {big} 时的偏差", lang),
                    t("; ", "；", lang).join(bits)))
    cov = [(est, _cell(ov, big, est, "path")) for est in ov["estimator"].drop_duplicates()]
    cov = [(e, r) for e, r in cov if r is not None and not pd.isna(r["coverage"])]
    if cov:
        out.append((t(f"Coverage of the {level:.0%} intervals of the paths, n = {big}",
                      f"n = {big} 时路径 {level:.0%} 区间的覆盖率", lang),
                    t("; ", "；", lang).join(f"{_est(e, lang)}{t(' ', '：', lang)}{_c(r['coverage'], r['coverage_mcse'], lang)}"
                                             for e, r in cov)))
    if len(ns) > 1 and "PLS" in set(ov["estimator"]):
        small, large = _cell(ov, ns[0], "PLS", "path"), _cell(ov, big, "PLS", "path")
        if small is not None and large is not None:
            out.append((t(f"PLS path bias, n = {ns[0]} → n = {big}", f"PLS 路径偏差：n = {ns[0]} → n = {big}", lang),
                        f"{small['bias']:+.3f} → {large['bias']:+.3f}"))
    return out


def study_actions(table: pd.DataFrame, lang: str = "en", *, level: float = 0.95, n: int = 3) -> list[str]:
    """The ``n`` first of: prefer the consistent estimator with the smallest path bias to PLS when
    PLS's path bias exceeds two MCSEs; do not read intervals whose coverage falls short of the
    nominal level by more than two MCSEs as such; plan for non-convergence above 5 %; add
    replications when the largest MCSE of a bias exceeds 0.01; else report the intervals of the
    consistent estimator whose path coverage is closest to the nominal level."""
    check_lang(lang)
    ov = mc_overview(table)
    big = max(ov["n"])
    out: list[str] = []
    pls = _cell(ov, big, "PLS", "path")
    consistent = [r for e in CONSISTENT if (r := _cell(ov, big, e, "path")) is not None and not pd.isna(r["bias"])]
    if pls is not None and abs(pls["bias"]) > 2 * pls["bias_mcse"] and consistent:
        best = min(consistent, key=lambda r: abs(r["bias"]))
        zh = _est(best["estimator"], "zh")
        out.append(t(f"Estimate the paths between constructs measured with error by {_est(best['estimator'], lang)} rather "
                     f"than PLS: at n = {big} PLS's path bias is {pls['bias']:+.3f}, "
                     f"{_est(best['estimator'], lang)}'s {best['bias']:+.3f}.",
                     f"对带测量误差的构念之间的路径，用 {zh}{_then(zh)}而不是 PLS 估计：n = {big} 时 PLS 的路径偏差为 "
                     f"{pls['bias']:+.3f}，{zh}{_then(zh)}为 {best['bias']:+.3f}。", lang))
    low = ov[(ov["n"] == big) & (ov["kind"] == "path") & (ov["coverage"] + 2 * ov["coverage_mcse"] < level)]
    if len(low):
        names = t(", ", "、", lang).join(f"{_est(r.estimator, lang)} ({r.coverage:.0%})" if lang == "en"
                                          else f"{_est(r.estimator, lang)}（{r.coverage:.0%}）" for r in low.itertuples())
        out.append(t(f"Do not read these intervals of the paths as {level:.0%} intervals: {names} at n = {big}.",
                     f"不要把以下估计方法的路径区间当作 {level:.0%} 区间来解读（括号内为 n = {big} 时的实际覆盖率）：{names}。",
                     lang))
    worst = ov.sort_values("nonconvergence", ascending=False, kind="stable").iloc[0]
    if worst["nonconvergence"] > 0.05:
        out.append(t(f"Plan for failed fits: {_est(worst['estimator'], lang)} did not converge in {worst['nonconvergence']:.0%} "
                     f"of the data sets at n = {worst['n']}; use a larger sample or a PLS-based estimator there.",
                     f"为估计失败做好准备：n = {worst['n']} 时，{_est(worst['estimator'], lang)}在 {worst['nonconvergence']:.0%} "
                     "的数据集上未收敛；此时应增大样本量，或改用基于 PLS 的估计方法。", lang))
    mc = ov["bias_mcse"].max()
    if mc > 0.01:
        reps = int(ov["replications"].max())
        need = int(np.ceil(reps * (mc / 0.01) ** 2))
        out.append(t(f"Run more replications before publishing: the largest MCSE of a bias is {mc:.3f} with {reps}; "
                     f"about {need} would bring it to 0.01.",
                     f"发表前增加重复次数：目前 {reps} 次重复下偏差的最大蒙特卡罗标准误为 {mc:.3f}；约 {need} 次可降至 0.01。",
                     lang))
    ok = [r for e in CONSISTENT if (r := _cell(ov, big, e, "path")) is not None and not pd.isna(r["coverage"])]
    if len(out) < n and ok:
        best = min(ok, key=lambda r: abs(r["coverage"] - level))
        out.append(t(f"Report the paths' intervals from {_est(best['estimator'], lang)}: they cover the truth in "
                     f"{best['coverage']:.0%} of the data sets at n = {big} (nominal {level:.0%}).",
                     f"报告路径区间时采用 {_est(best['estimator'], lang)}：n = {big} 时其区间在 {best['coverage']:.0%} 的数据集中"
                     f"包含真值（名义水平 {level:.0%}）。", lang))
    return out[:n]


def study_verdict(table: pd.DataFrame, lang: str = "en") -> str:
    """One line on the fits: the highest non-convergence and improper-solution rates (estimator and
    sample size), or that every fit converged and was proper."""
    check_lang(lang)
    ov = mc_overview(table)
    nc = ov.sort_values("nonconvergence", ascending=False, kind="stable").iloc[0]
    im = ov.sort_values("improper", ascending=False, kind="stable").iloc[0]
    reps = int(ov["replications"].max())
    if nc["nonconvergence"] == 0 and not im["improper"] > 0:
        return t(f"Every fit converged to a proper solution ({reps} replications per condition); Monte-Carlo standard "
                 "errors are given beside each figure.",
                 f"所有估计都收敛且为正常解（每个条件 {reps} 次重复）；每个数字旁都给出了蒙特卡罗标准误。", lang)
    if nc["nonconvergence"] == 0:
        parts = [t("every fit converged", "所有估计都收敛", lang)]
    else:
        parts = [t(f"highest non-convergence {nc['nonconvergence']:.0%} ({_est(nc['estimator'], lang)}, n = {nc['n']})",
                   f"不收敛率最高为 {nc['nonconvergence']:.0%}（{_est(nc['estimator'], lang)}，n = {nc['n']}）", lang)]
    if im["improper"] > 0:
        parts.append(t(f"improper solutions up to {im['improper']:.0%} ({_est(im['estimator'], lang)}, n = {im['n']})",
                       f"不当解比率最高为 {im['improper']:.0%}（{_est(im['estimator'], lang)}，n = {im['n']}）", lang))
    judged = t("the figures include the improper solutions" if nc["nonconvergence"] == 0 else
               "the figures use the converged fits only" if nc["nonconvergence"] <= 0.05 else
               "above 5 %, so the figures of that estimator rest on the data sets where it worked",
               "数字包括不当解" if nc["nonconvergence"] == 0 else
               "数字只使用收敛的估计" if nc["nonconvergence"] <= 0.05 else "超过 5%，该估计方法的数字只基于它成功的数据集", lang)
    text = t("; ", "；", lang).join(parts) + t("; ", "；", lang) + judged
    return text[:1].upper() + text[1:] + t(f" ({reps} replications per condition).", f"（每个条件 {reps} 次重复）。", lang)


def study_summary(table: pd.DataFrame, lang: str = "en", *, title_text: str | None = None, client: str | None = None,
                  wave: str | None = None, author: str | None = None, level: float = 0.95) -> Summary:
    """The simulation study's :class:`~crm_analysis.reporting.summary.Summary`."""
    check_lang(lang)
    return Summary(title=title_text or t("Simulation study: PLS, PLSc and CB-SEM", "模拟研究：PLS、PLSc 与 CB-SEM", lang),
                   lang=lang, client=client, wave=wave, author=author,
                   figures=study_figures(table, lang, level=level), actions=study_actions(table, lang, level=level),
                   verdict=study_verdict(table, lang))
