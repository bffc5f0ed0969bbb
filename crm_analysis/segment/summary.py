"""The frameworks report's first screen: headline figures with their intervals, the top actions and a
one-line verdict, built from the like-with-like comparison of the segmentations
(:class:`~crm_analysis.segment.fair.FairComparison`) and the capability analysis of the catalog.

The capability inputs are plain tables (the most similar pairs over resamples of the capability
list, how many frameworks cover each capability), so this module does not depend on the catalog
module: the notebook passes what ``crm_analysis.frameworks`` computed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crm_analysis.i18n import check_lang, t
from crm_analysis.reporting.summary import Summary
from crm_analysis.segment.fair import BASELINES, FairComparison
from crm_analysis.segment.fair import title as _fair_title

__all__ = ["best_rows", "main_gap", "frameworks_figures", "frameworks_actions", "frameworks_verdict", "frameworks_summary"]

STAT = "captured_at_20pct"


def _full_width(text: str, lang: str) -> str:
    """Chinese text takes full-width brackets (some scheme and framework names carry half-width ones)."""
    return text.replace("(", "（").replace(")", "）") if lang == "zh" else text


def title(row: str, lang: str = "en") -> str:
    """Display name of a scheme or baseline, with full-width brackets in Chinese."""
    return _full_width(_fair_title(row, lang), lang)


def _pct(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1%}"


def _with_ci(row: pd.Series, stat: str, fmt=_pct) -> str:
    lo, hi = row.get(f"{stat}_ci_low"), row.get(f"{stat}_ci_high")
    ci = "" if lo is None or pd.isna(lo) or pd.isna(hi) else f" [{fmt(lo)}, {fmt(hi)}]"
    return f"{fmt(row[stat])}{ci}"


def _points(v: float) -> str:
    return f"{v * 100:+.1f}"


def best_rows(fc: FairComparison, stat: str = STAT) -> tuple[str | None, str | None]:
    """The framework scheme and the naive baseline with the highest ``stat`` (None when there is none).

    Examples
    --------
    >>> tab = pd.DataFrame({"row": ["pareto", "clv", "recency_only"], "kind": ["scheme", "scheme", "baseline"],
    ...                     "captured_at_20pct": [0.5, 0.6, 0.55]})
    >>> best_rows(FairComparison(tab, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), (0.2,), 0, 0.95))
    ('clv', 'recency_only')
    """
    tab = fc.table.set_index("row")
    schemes = tab[tab["kind"] == "scheme"][stat].dropna()
    bases = tab[tab["kind"] == "baseline"][stat].dropna()
    return (str(schemes.idxmax()) if len(schemes) else None, str(bases.idxmax()) if len(bases) else None)


def main_gap(coverage: pd.DataFrame | None) -> pd.Series | None:
    """The capability covered least: fewest frameworks covering it fully, then fewest partly.

    Examples
    --------
    >>> cov = pd.DataFrame({"name": ["Data", "Prediction"], "full": [7, 1], "partial": [2, 3]}, index=["d", "p"])
    >>> main_gap(cov)["name"]
    'Prediction'
    """
    if coverage is None or not len(coverage):
        return None
    return coverage.sort_values(["full", "partial"], kind="stable").iloc[0]


def _names(ids: Any, names: Mapping[str, str], lang: str) -> str:
    items = [s.strip() for s in str(ids or "").split(",") if s.strip()]
    return t(", ", "、", lang).join(_full_width(names.get(i, i), lang) for i in items)


def frameworks_figures(fc: FairComparison, lang: str = "en", *, top_pairs: pd.DataFrame | None = None,
                       n_resamples: int | None = None, names: Mapping[str, str] | None = None,
                       coverage: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """Headline figures: the best framework scheme at equal depth (top 20 % of customers) with its
    bootstrap interval, the best naive baseline beside it and their difference, the highest AUC,
    the most similar pair of frameworks with the share of capability resamples in which it is the
    most similar, and the main capability gap."""
    check_lang(lang)
    names = names or {}
    tab = fc.table.set_index("row")
    scheme, base = best_rows(fc)
    out: list[tuple[str, str]] = []
    if scheme is not None:
        out.append((t("Best framework segmentation: share of next-period revenue bought by its top 20 % of customers",
                      "最佳框架细分：其前 20% 客户贡献的下一期（保留期）收入占比", lang),
                    f"{title(scheme, lang)}{t(': ', '：', lang)}{_with_ci(tab.loc[scheme], STAT)}"))
    if base is not None:
        out.append((t("Best naive baseline, same measure", "最佳朴素基准（同一指标）", lang),
                    f"{title(base, lang)}{t(': ', '：', lang)}{_with_ci(tab.loc[base], STAT)}"))
    if scheme is not None and base is not None:
        d = fc.difference(scheme, base, STAT)
        ci = "" if pd.isna(d["ci_low"]) else f" [{_points(d['ci_low'])}, {_points(d['ci_high'])}]"
        out.append((t("Framework minus baseline (percentage points)", "框架减基准（百分点）", lang),
                    f"{_points(d['difference'])}{ci}"))
    best_auc = str(tab["auc"].idxmax())
    out.append((t("Highest AUC for buying again", "预测再次购买的最高 AUC", lang),
                f"{title(best_auc, lang)}{t(': ', '：', lang)}{_with_ci(tab.loc[best_auc], 'auc', lambda v: f'{v:.3f}')}"))
    if top_pairs is not None and len(top_pairs):
        a, b, share = top_pairs.iloc[0][["framework_a", "framework_b", "share"]]
        resamples = t(f" of {n_resamples}", f"（共 {n_resamples} 次）", lang) if n_resamples else ""
        out.append((t("Most similar pair of frameworks", "最相似的一对框架", lang),
                    t(f"{_full_width(names.get(a, a), lang)} / {_full_width(names.get(b, b), lang)}: the most similar in {share:.0%}{resamples} "
                      "resamples of the capability list",
                      f"{_full_width(names.get(a, a), lang)} / {_full_width(names.get(b, b), lang)}：在能力清单的重抽样中{resamples}有 {share:.0%} 最相似",
                      lang)))
    gap = main_gap(coverage)
    if gap is not None:
        full = _names(gap.get("frameworks_full"), names, lang)
        if gap["full"] == 0:
            text = t(f"{gap['name']}: no framework covers it fully ({int(gap['partial'])} partly)",
                     f"{gap['name']}：没有框架完整覆盖（{int(gap['partial'])} 个部分覆盖）", lang)
        else:
            text = t(f"{gap['name']}: covered fully by only {int(gap['full'])} framework{'s' if gap['full'] > 1 else ''} ({full}), partly by "
                     f"{int(gap['partial'])}",
                     f"{gap['name']}：只有 {int(gap['full'])} 个框架完整覆盖（{full}），{int(gap['partial'])} 个部分覆盖", lang)
        out.append((t("Main capability gap (the capability covered least)", "主要能力空白（覆盖最少的能力）", lang), text))
    return out


def frameworks_actions(fc: FairComparison, lang: str = "en", *, names: Mapping[str, str] | None = None,
                       coverage: pd.DataFrame | None = None, second_coding: bool = False, n: int = 3) -> list[str]:
    """The ``n`` first of: which ranking to target customers by (a framework scheme only when its
    advantage over the best naive baseline at the top 20 % is supported by the interval), re-ordering
    the segments whose learned order differs from the declared one, filling the main capability gap,
    and a second, independent coding of the catalog when there is none."""
    check_lang(lang)
    names = names or {}
    tab = fc.table.set_index("row")
    scheme, base = best_rows(fc)
    out: list[str] = []
    if scheme is not None and base is not None:
        d = fc.difference(scheme, base, STAT)
        s, b = title(scheme, lang), title(base, lang)
        xs, xb = _pct(tab.loc[scheme, STAT]), _pct(tab.loc[base, STAT])
        if d["supported"] and d["difference"] > 0:
            out.append(t(f"Target retention and offers at the top 20 % of customers as ranked by {s}: they bought {xs} "
                         f"of the next period's revenue, {abs(d['difference']) * 100:.1f} points more than {b}; the interval of "
                         "the difference excludes zero.",
                         f"按{s}排序，把保留和营销资源集中在前 20% 的客户上：他们贡献了下一期 {xs} 的收入，比{b}多 "
                         f"{abs(d['difference']) * 100:.1f} 个百分点（区间不含 0）。", lang))
        elif d["supported"]:
            out.append(t(f"Rank customers by {b} for targeting: its top 20 % bought {xb} of the next period's revenue, "
                         f"{abs(d['difference']) * 100:.1f} points more than the best framework segmentation ({s}, {xs}).",
                         f"用{b}给客户排序来确定目标客户：其前 20% 客户贡献了下一期 {xb} 的收入，比最佳框架细分（{s}，{xs}）多 "
                         f"{abs(d['difference']) * 100:.1f} 个百分点。", lang))
        else:
            out.append(t(f"Target customers by the simpler {b} unless the segments serve another purpose: at the top "
                         f"20 % it ({xb}) and the best framework segmentation, {s} ({xs}), cannot be told apart.",
                         f"除非细分另有用途，可用更简单的{b}来确定目标客户：在前 20% 的客户上，它（{xb}）与最佳框架细分"
                         f"{s}（{xs}）无法区分。", lang))
    changed = [r for r in tab.index if r not in BASELINES and bool(tab.loc[r].get("order_changed", False))]
    if changed:
        out.append(t(f"Re-order the segments of {', '.join(title(r, lang) for r in changed)} by what their customers "
                     "actually spent: the order the sources declare is not the order in which these customers buy.",
                     f"按客户的实际消费重新排列{'、'.join(title(r, lang) for r in changed)}的细分：来源声明的顺序并不是"
                     "这些客户的购买顺序。", lang))
    gap = main_gap(coverage)
    if gap is not None:
        partly = _names(gap.get("frameworks_partial"), names, lang)
        full = _names(gap.get("frameworks_full"), names, lang)
        if gap["full"] == 0:
            out.append(t(f"Cover {gap['name']} by combining frameworks: none covers it fully"
                         + (f"; {partly} cover(s) it partly." if partly else ", and none even partly."),
                         f"组合多个框架来弥补“{gap['name']}”：没有框架完整覆盖它"
                         + (f"；{partly}部分覆盖。" if partly else "，也没有框架部分覆盖。"), lang))
        else:
            out.append(t(f"Plan {gap['name']} explicitly: only {full} cover{'s' if gap['full'] == 1 else ''} it fully, so a firm that adopts another "
                         "framework has to add it.",
                         f"明确规划“{gap['name']}”：只有{full}完整覆盖这项能力，采用其他框架的企业需要自行补上。", lang))
    if not second_coding:
        out.append(t("Have a second, independent coder score the catalog from the codebook before acting on the "
                     "similarities between frameworks.",
                     "在依据框架之间的相似度采取行动之前，请第二位独立编码者依据编码手册为目录重新打分。", lang))
    return out[:n]


def frameworks_verdict(fc: FairComparison, lang: str = "en", *, agreement_alpha: float | None = None,
                       top_pair_share: float | None = None, unreliable: Sequence[str] = ()) -> str:
    """One line: whether the bootstrap intervals separate the best row at the top 20 % from the
    others, and what the capability scores rest on (one coder, or two with Krippendorff's alpha, naming
    the capabilities whose alpha is below 0.667)."""
    check_lang(lang)
    best, tied = fc.tied_with_best(STAT)
    if not fc.n_boot:
        seg = t("no bootstrap intervals were computed, so no scheme can be called better than another",
                "未计算自助法区间，因此不能说哪个方案更好", lang)
    elif tied:
        seg = t(f"at the top 20 % the intervals do not separate {title(best, lang)} from "
                + ", ".join(title(r, lang) for r in tied),
                f"在前 20% 的客户上，区间无法把{title(best, lang)}与" + "、".join(title(r, lang) for r in tied) + "区分开", lang)
    else:
        seg = t(f"the intervals separate {title(best, lang)} from every other row at the top 20 %",
                f"在前 20% 的客户上，区间把{title(best, lang)}与其他所有方案和基准区分开", lang)
    if agreement_alpha is None or pd.isna(agreement_alpha):
        cap = t("the capability scores rest on one coder's content analysis (no agreement statistic yet)",
                "能力打分只依赖一位编码者的内容分析（尚无一致性统计量）", lang)
    else:
        ok = agreement_alpha >= 0.667
        cap = t(f"the capability scores rest on a content analysis with Krippendorff's α = {agreement_alpha:.2f} "
                + ("(two coders)" if ok else "(below 0.667: too low for conclusions)"),
                f"能力打分来自内容分析，Krippendorff's α = {agreement_alpha:.2f}"
                + ("（两位编码者）" if ok else "（低于 0.667，不足以得出结论）"), lang)
        if unreliable:
            cap += t(f", unreliable for {', '.join(unreliable)}", f"，其中{'、'.join(unreliable)}的分数不可靠", lang)
    robust = ""
    if top_pair_share is not None and top_pair_share < 0.5:
        robust = t("; the most similar pair changes with the choice of capabilities",
                   "；最相似的一对随能力清单的选择而变", lang)
    text = seg + t("; ", "；", lang) + cap + robust
    return text[0].upper() + text[1:] + t(".", "。", lang)


def frameworks_summary(fc: FairComparison, lang: str = "en", *, title_text: str | None = None,
                       client: str | None = None, wave: str | None = None, author: str | None = None,
                       top_pairs: pd.DataFrame | None = None, n_resamples: int | None = None,
                       names: Mapping[str, str] | None = None, coverage: pd.DataFrame | None = None,
                       agreement_alpha: float | None = None, unreliable: Sequence[str] = ()) -> Summary:
    """The frameworks report's :class:`~crm_analysis.reporting.summary.Summary`."""
    check_lang(lang)
    share = float(top_pairs["share"].iloc[0]) if top_pairs is not None and len(top_pairs) else None
    second = agreement_alpha is not None and not pd.isna(agreement_alpha)
    return Summary(
        title=title_text or t("Comparing CRM frameworks", "CRM 框架比较", lang), lang=lang, client=client, wave=wave,
        author=author,
        figures=frameworks_figures(fc, lang, top_pairs=top_pairs, n_resamples=n_resamples, names=names, coverage=coverage),
        actions=frameworks_actions(fc, lang, names=names, coverage=coverage, second_coding=second),
        verdict=frameworks_verdict(fc, lang, agreement_alpha=agreement_alpha, top_pair_share=share,
                                   unreliable=unreliable))
