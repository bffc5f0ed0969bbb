"""The first screen of the learning-path notebooks: what the reader will learn, the key figures the
notebook finds, and the one-line takeaway (issue 12, point 1, for teaching notebooks).

:class:`LearningSummary` is a :class:`~crm_analysis.reporting.summary.Summary` whose list reads
"What you will learn" and whose last line reads "Takeaway"; ``to_results`` is the same, so the
exports show it like any other summary.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from crm_analysis.i18n import check_lang, t
from crm_analysis.reporting.summary import Summary

__all__ = ["LearningSummary", "csi_models_summary", "measurement_summary", "segments_summary",
           "maturity_learning_summary"]


@dataclass
class LearningSummary(Summary):
    """A :class:`Summary` for a teaching notebook: ``actions`` hold what the reader will learn."""

    def markdown(self) -> str:
        lang = self.lang
        lines = [t("## Summary", "## 摘要", lang), "", f"**{self.title}**", ""]
        meta = self.meta_line()
        if meta:
            lines += [meta, ""]
        if self.actions:
            lines += [t("**What you will learn**", "**你将学到**", lang), ""]
            lines += [f"{i}. {a}" for i, a in enumerate(self.actions, 1)]
            lines.append("")
        if self.figures:
            lines += [f"| {t('Key figure', '关键数字', lang)} | {t('Value', '数值', lang)} |", "|---|---|"]
            lines += [f"| {label} | **{value}** |" for label, value in self.figures]
            lines.append("")
        if self.verdict:
            lines += [f"{t('**Takeaway:**', '**要点：**', lang)} {self.verdict}", ""]
        return "\n".join(lines)


def _meta(kw: Mapping[str, str | None]) -> dict[str, str | None]:
    return {k: kw.get(k) for k in ("client", "wave", "author")}


def csi_models_summary(recovery: pd.DataFrame, loading_pls: float, loading_cb: float, bootstrap: Mapping[str, float],
                       index: float, lang: str = "en", *, true_loading: float = 0.7, title: str | None = None,
                       **meta: str | None) -> LearningSummary:
    """Learning path 1: the mean path bias of PLS and CB-SEM (``recovery`` from
    :func:`crm_analysis.teaching.recovery`, columns ``bias_PLS`` and ``bias_CBSEM``), their mean
    loadings against the true one, the bootstrap by hand (``estimate``, ``se``, ``ci_low``,
    ``ci_high``) and the satisfaction index."""
    check_lang(lang)
    b_pls, b_cb = float(recovery["bias_PLS"].mean()), float(recovery["bias_CBSEM"].mean())
    figures = [
        (t("Mean bias of the paths", "路径系数的平均偏差", lang), f"PLS {b_pls:+.3f} · CB-SEM {b_cb:+.3f}"),
        (t(f"Mean loading (true {true_loading:.2f})", f"平均载荷（真值 {true_loading:.2f}）", lang),
         f"PLS {loading_pls:.3f} · CB-SEM {loading_cb:.3f}"),
        (t("Image → Satisfaction, bootstrap by hand (95% interval)", "形象 → 满意度，手工自助法（95% 区间）", lang),
         t(f"{bootstrap['estimate']:.3f} [{bootstrap['ci_low']:.3f}, {bootstrap['ci_high']:.3f}], SE {bootstrap['se']:.3f}",
           f"{bootstrap['estimate']:.3f} [{bootstrap['ci_low']:.3f}, {bootstrap['ci_high']:.3f}]，标准误 {bootstrap['se']:.3f}",
           lang)),
        (t("Satisfaction index (0-100)", "满意度指数（0-100）", lang), f"{index:.1f}"),
    ]
    learn = [t("Where the national satisfaction indices (SCSB, ACSI, ECSI, CCSI) come from and how their models differ.",
               "各国满意度指数（SCSB、ACSI、ECSI、CCSI）从何而来，它们的模型有何不同。", lang),
             t("Why PLS and CB-SEM give different paths and loadings on the same data (composite or common factor).",
               "为什么在同一份数据上，PLS 与 CB-SEM 给出的路径系数和载荷不同（合成变量还是公因子）。", lang),
             t("How a bootstrap interval and the published 0-100 index are computed, step by step.",
               "自助法区间和公开发布的 0-100 指数是怎样一步步算出来的。", lang)]
    under = b_pls < 0 and abs(b_cb) < abs(b_pls)
    verdict = (t(f"PLS understates the paths by {abs(b_pls):.3f} on average and overstates the loadings "
                 f"({loading_pls:.2f} for a true {true_loading:.2f}); CB-SEM, which models the items' measurement error, is "
                 f"off by {b_cb:+.3f} on the paths and estimates the loadings at {loading_cb:.2f}.",
                 f"PLS 平均低估路径系数 {abs(b_pls):.3f}，并高估载荷（真值 {true_loading:.2f}，估计 {loading_pls:.2f}）；"
                 f"CB-SEM 对测量误差建模，路径平均偏差为 {b_cb:+.3f}，载荷估计为 {loading_cb:.2f}。", lang) if under else
               t(f"On these data the two estimators differ little (mean path bias PLS {b_pls:+.3f}, CB-SEM {b_cb:+.3f}).",
                 f"在这份数据上，两种估计方法差别不大（路径平均偏差：PLS {b_pls:+.3f}，CB-SEM {b_cb:+.3f}）。", lang))
    return LearningSummary(title=title or t("Learning path 1: CSI models from the ground up",
                                            "学习路径 1：从零开始理解顾客满意度指数模型", lang),
                           lang=lang, figures=figures, actions=learn, verdict=verdict, **_meta(meta))


def measurement_summary(q4_loading: float, quality_good: Mapping[str, float], quality_bad: Mapping[str, float],
                        htmt_merged: float, fornell_larcker_passes: bool, lang: str = "en", *,
                        title: str | None = None, **meta: str | None) -> LearningSummary:
    """Learning path 2: the bad item's loading, Quality's alpha, rho_A and AVE with and without it,
    and what HTMT and Fornell-Larcker say of two constructs that are one."""
    check_lang(lang)
    g, b = quality_good, quality_bad
    figures = [
        (t("Loading of the bad item (keep ≥ 0.708, remove < 0.40)", "坏题项的载荷（≥ 0.708 保留，< 0.40 删除）", lang),
         f"{q4_loading:.2f}"),
        (t("Quality: alpha, healthy → with the bad item", "质量：α，健康模型 → 含坏题项", lang), f"{g['alpha']:.3f} → {b['alpha']:.3f}"),
        (t("Quality: rho_A, healthy → with the bad item", "质量：rho_A，健康模型 → 含坏题项", lang), f"{g['rho_a']:.3f} → {b['rho_a']:.3f}"),
        (t("Quality: AVE, healthy → with the bad item", "质量：AVE，健康模型 → 含坏题项", lang), f"{g['ave']:.3f} → {b['ave']:.3f}"),
        (t("HTMT of two constructs that are one (threshold 0.85)", "实为同一构念的两个构念的 HTMT（阈值 0.85）", lang),
         f"{htmt_merged:.3f}"),
        (t("Fornell-Larcker on the same two", "同一对构念的 Fornell-Larcker 准则", lang),
         t("passes", "通过", lang) if fornell_larcker_passes else t("fails", "不通过", lang)),
    ]
    learn = [t("What loadings, alpha, rho_A, rho_C and AVE measure, and the thresholds they are read against.",
               "载荷、α、rho_A、rho_C 与 AVE 各衡量什么，以及判读它们的标准。", lang),
             t("Which statistics notice one badly written item, and which barely move.",
               "哪些指标能察觉一道写得很差的题项，哪些几乎不变。", lang),
             t("Why HTMT, not Fornell-Larcker, is the check of discriminant validity.",
               "为什么检验区分效度要看 HTMT，而不是 Fornell-Larcker 准则。", lang)]
    flagged = htmt_merged > 0.85
    verdict = t(f"A bad item shows in its own loading ({q4_loading:.2f}) and in alpha ({g['alpha']:.2f} → {b['alpha']:.2f}) "
                + (f"far more than in rho_A ({g['rho_a']:.2f} → {b['rho_a']:.2f}); " if g["alpha"] - b["alpha"] > g["rho_a"] - b["rho_a"]
                   else f"and in rho_A ({g['rho_a']:.2f} → {b['rho_a']:.2f}); ")
                + (f"two constructs that are one are caught by HTMT ({htmt_merged:.2f} > 0.85)" if flagged
                   else f"HTMT ({htmt_merged:.2f}) stays below 0.85 here")
                + ("" if not fornell_larcker_passes else ", while Fornell-Larcker lets them pass") + ".",
                f"坏题项体现在它自身的载荷（{q4_loading:.2f}）和 α（{g['alpha']:.2f} → {b['alpha']:.2f}）上"
                + (f"，远比 rho_A（{g['rho_a']:.2f} → {b['rho_a']:.2f}）明显；" if g["alpha"] - b["alpha"] > g["rho_a"] - b["rho_a"]
                   else f"，也体现在 rho_A（{g['rho_a']:.2f} → {b['rho_a']:.2f}）上；")
                + (f"实为同一构念的两个构念会被 HTMT 识别（{htmt_merged:.2f} > 0.85）" if flagged
                   else f"这里 HTMT（{htmt_merged:.2f}）仍低于 0.85")
                + ("" if not fornell_larcker_passes else "，而 Fornell-Larcker 准则却让它们通过") + "。", lang)
    return LearningSummary(title=title or t("Learning path 2: Reading a measurement model", "学习路径 2：读懂测量模型", lang),
                           lang=lang, figures=figures, actions=learn, verdict=verdict, **_meta(meta))


def segments_summary(pareto_share: float, bgnbd: Mapping[str, float], alive: float, evaluation: pd.DataFrame,
                     lang: str = "en", *, scheme_titles: Mapping[str, Sequence[str]] | None = None,
                     title: str | None = None, **meta: str | None) -> LearningSummary:
    """Learning path 3: the share of customers bringing 80 % of revenue, the BG/NBD mean purchase
    rate and drop-out probability, the share expected alive, and the scheme with the highest holdout
    AUC (``evaluation``: ``scheme``, ``auc``)."""
    check_lang(lang)
    tab = evaluation.set_index("scheme")
    best = str(tab["auc"].idxmax())
    name = best
    if scheme_titles and best in scheme_titles:
        name = scheme_titles[best][1 if lang == "zh" else 0]
        name = name.replace("(", "（").replace(")", "）") if lang == "zh" else name
    rate, drop = bgnbd["r"] / bgnbd["alpha"], bgnbd["a"] / (bgnbd["a"] + bgnbd["b"])
    figures = [
        (t("Customers bringing 80% of the revenue (Pareto)", "贡献 80% 收入的客户（帕累托）", lang), f"{pareto_share:.0%}"),
        (t("BG/NBD mean purchase rate r/α", "BG/NBD 平均购买速率 r/α", lang),
         t(f"{rate:.3f} per week", f"每周 {rate:.3f} 次", lang)),
        (t("Probability of leaving after a purchase a/(a+b)", "每次购买后离开的概率 a/(a+b)", lang), f"{drop:.2f}"),
        (t("Customers expected alive at the end of calibration", "校准期结束时预计仍存活的客户", lang), f"{alive:.0%}"),
        (t("Highest holdout AUC (buying again)", "保留期最高 AUC（再次购买）", lang), f"{name}{t(': ', '：', lang)}{tab.loc[best, 'auc']:.3f}"),
    ]
    learn = [t("How recency, frequency and monetary value are computed by hand, and the eight-class mean split of the sources.",
               "如何手工计算最近一次消费、消费频率和消费金额，以及来源文章中的八类均值划分。", lang),
             t("What quintile scores, the Pareto rule, IDIC and the BG/NBD model each add.",
               "五分位评分、帕累托法则、IDIC 和 BG/NBD 模型各自增加了什么。", lang),
             t("Why a segmentation is judged on a later period (calibration and holdout), not on the months it was built from.",
               "为什么要在之后的时期上评价客户细分（校准期与保留期），而不是在构建它的那几个月上。", lang)]
    verdict = t(f"{pareto_share:.0%} of the customers bring 80% of the revenue; judged on what customers did next, {name} "
                f"tells repeat buyers apart best (AUC {tab.loc[best, 'auc']:.3f}).",
                f"{pareto_share:.0%} 的客户贡献了 80% 的收入；以客户之后的行为来评价，{name}最能区分回头客"
                f"（AUC {tab.loc[best, 'auc']:.3f}）。", lang)
    return LearningSummary(title=title or t("Learning path 3: From transactions to segments", "学习路径 3：从交易记录到客户细分", lang),
                           lang=lang, figures=figures, actions=learn, verdict=verdict, **_meta(meta))


def maturity_learning_summary(grades: pd.DataFrame, kappa_linear: float, guttman: Mapping[str, float],
                              reliability: pd.DataFrame, lang: str = "en", *, title: str | None = None,
                              **meta: str | None) -> LearningSummary:
    """Learning path 4 (simulated data, said first): the grade counts, the rule's agreement with the
    experts (linear weighted kappa), the lowest omega and the ladder's Guttman coefficients."""
    check_lang(lang)
    counts = grades[f"name_{lang}"].value_counts()
    n = int(counts.sum())
    rel = reliability.dropna(subset=["omega"]).sort_values("omega")
    figures = [(t("Data", "数据", lang), t("simulated (the truth is known)", "模拟数据（真值已知）", lang)),
               (t(f"Grades of the {n} firms", f"{n} 家企业的评级", lang),
                t(", ", "、", lang).join(f"{k} {v}" for k, v in counts.items())),
               (t("Rule against the experts: linear weighted kappa", "规则与专家：线性加权 kappa", lang), f"{kappa_linear:.2f}")]
    if len(rel):
        low = rel.iloc[0]
        figures.append((t("Lowest reliability (McDonald's ω, 95% interval)", "最低信度（McDonald's ω，95% 区间）", lang),
                        f"{low['omega']:.2f} [{low['omega_low']:.2f}, {low['omega_high']:.2f}]"))
    figures.append((t("Ladder: reproducibility, scalability, Loevinger's H", "阶梯：再现系数、可量表化系数、Loevinger's H", lang),
                    f"{guttman['reproducibility']:.2f} · {guttman['scalability']:.2f} · {guttman['loevinger_h']:.2f}"))
    learn = [t("How the sources' three-level grading and five-level ladder grade a firm, applied by hand to one assessment.",
               "来源文章中的三级评级和五级阶梯如何给企业评级，并在一份评估上手工应用。", lang),
             t("How reliable the dimensions are (alpha and omega) and how far the rule agrees with experts (weighted kappa).",
               "各维度的信度如何（α 与 ω），规则评级与专家评级的一致程度如何（加权 kappa）。", lang),
             t("Whether the ladder is really cumulative (Guttman scalability).", "阶梯是否真的具有累积性（Guttman 量表分析）。", lang)]
    scale = guttman["reproducibility"] >= 0.9 and guttman["scalability"] >= 0.6
    verdict = t(f"On simulated data the rule agrees with the experts at kappa {kappa_linear:.2f} and the ladder "
                + ("scales" if scale else "does not scale")
                + f" (reproducibility {guttman['reproducibility']:.2f}); such data check the method, not real firms.",
                f"在模拟数据上，规则与专家的 kappa 为 {kappa_linear:.2f}，阶梯"
                + ("满足" if scale else "不满足") + f"累积性要求（再现系数 {guttman['reproducibility']:.2f}）；"
                "这类数据只能检验方法，不能说明真实企业。", lang)
    return LearningSummary(title=title or t("Learning path 4: Grading CRM maturity", "学习路径 4：CRM 成熟度评级", lang),
                           lang=lang, figures=figures, actions=learn, verdict=verdict, **_meta(meta))
