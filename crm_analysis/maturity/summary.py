"""The maturity report's first screen: whether the data are simulated (said first), the grade
distribution with intervals, reliability, grade stability, the threshold caveat, the top actions
from the grading (the weakest dimension first) and a one-line verdict."""
from __future__ import annotations

import math
from collections.abc import Mapping
import pandas as pd
from scipy import stats

from crm_analysis.i18n import check_lang, t
from crm_analysis.maturity.disclosure import headline_prefix
from crm_analysis.reporting.summary import Summary

__all__ = ["wilson_interval", "grade_distribution", "maturity_figures", "maturity_actions", "maturity_verdict",
           "maturity_summary"]


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``.

    Examples
    --------
    >>> [round(v, 3) for v in wilson_interval(12, 40)]
    [0.181, 0.454]
    """
    if n <= 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def grade_distribution(grades: pd.DataFrame, levels: pd.DataFrame, lang: str = "en",
                       level: float = 0.95) -> pd.DataFrame:
    """Per grade: ``level``, ``name``, ``firms``, ``share`` with its Wilson interval (``ci_low``,
    ``ci_high``) over the graded firms; grades no firm has are kept (share 0)."""
    check_lang(lang)
    graded = grades["level"].dropna().astype(int)
    n = len(graded)
    rows = []
    for _, lv in levels.iterrows():
        k = int((graded == int(lv["level"])).sum())
        lo, hi = wilson_interval(k, n, level)
        rows.append({"level": int(lv["level"]), "name": lv[f"name_{lang}"], "firms": k,
                     "share": k / n if n else math.nan, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def _weakest(grades: pd.DataFrame) -> pd.Series:
    if "weakest" not in grades.columns:
        return pd.Series(dtype=int)
    return grades["weakest"].dropna().value_counts()


def maturity_figures(data_kind: str, grades: pd.DataFrame, levels: pd.DataFrame, lang: str = "en", *,
                     reliability: pd.DataFrame | None = None, dim_names: Mapping[str, str] | None = None,
                     stability: Mapping[str, float] | None = None, near: tuple[float, float] | None = None,
                     expert_kappa: Mapping[str, float] | None = None) -> list[tuple[str, str]]:
    """Headline figures: the kind of data first when simulated, each grade's share of firms with its
    Wilson interval, the least reliable dimension's omega with its interval, the grades' bootstrap
    stability, the share of grades a 0.1 shift of a threshold changes and the agreement with experts."""
    check_lang(lang)
    dim_names = dim_names or {}
    out: list[tuple[str, str]] = []
    if data_kind == "simulated":
        out.append((t("Data", "数据", lang),
                    t("SIMULATED: a check of the software, not evidence about real firms",
                      "模拟数据：仅用于检验软件，不是关于真实企业的证据", lang)))
    dist = grade_distribution(grades, levels, lang)
    n = int(dist["firms"].sum())
    for r in dist.itertuples():
        out.append((t(f"Firms graded {r.name} (of {n})", f"评为{r.name}的企业（共 {n} 家）", lang),
                    f"{r.firms} · {r.share:.0%} [{r.ci_low:.0%}, {r.ci_high:.0%}]"))
    if reliability is not None and reliability["omega"].notna().any():
        rel = reliability.dropna(subset=["omega"]).sort_values("omega", kind="stable")
        low = rel.iloc[0]
        ci = "" if pd.isna(low.get("omega_low")) else f" [{low['omega_low']:.2f}, {low['omega_high']:.2f}]"
        out.append((t("Reliability: the least reliable dimension (McDonald's ω)", "信度：信度最低的维度（McDonald's ω）", lang),
                    t(f"{dim_names.get(low['dimension'], low['dimension'])} {low['omega']:.2f}{ci}; all dimensions "
                      f"{rel['omega'].min():.2f}–{rel['omega'].max():.2f}",
                      f"{dim_names.get(low['dimension'], low['dimension'])} {low['omega']:.2f}{ci}；全部维度 "
                      f"{rel['omega'].min():.2f}–{rel['omega'].max():.2f}", lang)))
    if stability is not None:
        out.append((t("Grade stability (bootstrap)", "评级稳定性（自助法）", lang),
                    t(f"median firm keeps its grade in {stability['median']:.0%} of resamples; {stability['below']} of "
                      f"{stability['firms']} firms below 80 %",
                      f"企业保持原评级的比例中位数为 {stability['median']:.0%}；{stability['firms']} 家中有 "
                      f"{stability['below']} 家低于 80%", lang)))
    if near is not None and not any(pd.isna(v) for v in near):
        out.append((t("Grades changed by moving a threshold 0.1", "阈值移动 0.1 时评级改变的企业", lang),
                    f"{near[0]:.0%}–{near[1]:.0%}"))
    if expert_kappa is not None:
        k = expert_kappa
        ci = "" if pd.isna(k.get("ci_low")) else f" [{k['ci_low']:.2f}, {k['ci_high']:.2f}]"
        out.append((t("Agreement with the experts' grades (linear weighted kappa)", "与专家评级的一致性（线性加权 kappa）", lang),
                    f"{k['kappa']:.2f}{ci}"))
    return out


def maturity_actions(grades: pd.DataFrame, levels: pd.DataFrame, lang: str = "en", *, scheme: str = "three_level",
                     dim_names: Mapping[str, str] | None = None, agenda: pd.DataFrame | None = None,
                     stability: Mapping[str, float] | None = None, reliability: pd.DataFrame | None = None,
                     n: int = 3) -> list[str]:
    """The ``n`` first of: strengthen the dimension that is weakest in most firms (with the source's
    first action for it), the agenda of the most common grade (three-level) or of the rung above
    the most common rung (ladder), re-assess the firms whose grade is unstable, revise the items
    of a dimension whose omega is below 0.70."""
    check_lang(lang)
    dim_names = dim_names or {}
    agenda = agenda if agenda is not None else pd.DataFrame(columns=["kind", "target", "action"])

    def first(kind: str, target: str) -> str | None:
        hit = agenda[(agenda["kind"] == kind) & (agenda["target"] == target)]["action"]
        return str(hit.iloc[0]).rstrip("。.") if len(hit) else None

    out: list[str] = []
    n_firms = int(grades["level"].notna().sum())
    weak = _weakest(grades)
    if len(weak):
        d = str(weak.index[0])
        name = dim_names.get(d, d)
        mean = f" {grades[d].mean():.2f}" if d in grades.columns else ""
        step = first("dimension", d)
        out.append(t(f"Strengthen {name}: it is the weakest dimension of {int(weak.iloc[0])} of {n_firms} firms "
                     f"(mean score{mean} on 1-5)" + (f"; first step: {step}" if step else "") + ".",
                     f"加强{name}：它是 {n_firms} 家企业中 {int(weak.iloc[0])} 家的最弱维度（平均得分{mean}，1-5 分）"
                     + (f"；第一步：{step}" if step else "") + "。", lang))
    counts = grades["level"].dropna().astype(int).value_counts()
    if len(counts):
        common = int(counts.index[0])
        names = levels.set_index("level")
        grade_name = names.loc[common, f"name_{lang}"]
        if scheme == "three_level":
            step = first("level", names.loc[common, "level_id"])
            if step:
                out.append(t(f"For the {int(counts.iloc[0])} firms graded {grade_name}, the largest group: {step}.",
                             f"对于人数最多的{grade_name}企业（{int(counts.iloc[0])} 家）：{step}。", lang))
        elif common + 1 in names.index:
            step = first("rung", names.loc[common + 1, "level_id"])
            nxt = names.loc[common + 1, f"name_{lang}"]
            if step:
                out.append(t(f"For the {int(counts.iloc[0])} firms at {grade_name}, the largest group, the next rung is "
                             f"{nxt}: {step}.",
                             f"人数最多的一组企业（{int(counts.iloc[0])} 家）处于{grade_name}，下一级是{nxt}：{step}。", lang))
    if stability is not None and stability.get("below", 0) > 0:
        out.append(t(f"Re-assess the {stability['below']} firm(s) whose grade holds in fewer than 80 % of bootstrap "
                     "resamples (add raters) before reporting their grade.",
                     f"对评级在自助重抽样中保持比例低于 80% 的 {stability['below']} 家企业，先增加评估者重新评估，"
                     "再报告其评级。", lang))
    if reliability is not None:
        for r in reliability.dropna(subset=["omega"]).sort_values("omega").itertuples():
            if r.omega < 0.70:
                name = dim_names.get(r.dimension, r.dimension)
                out.append(t(f"Revise the items of {name} before the next assessment: their reliability is below 0.70 "
                             f"(ω = {r.omega:.2f}).",
                             f"在下一轮评估前修订{name}的题项：其信度低于 0.70（ω = {r.omega:.2f}）。", lang))
    if len(out) < n and len(weak) > 1:
        d = str(weak.index[1])
        out.append(t(f"Then {dim_names.get(d, d)}, the weakest dimension of {int(weak.iloc[1])} more firms.",
                     f"其次是{dim_names.get(d, d)}：另有 {int(weak.iloc[1])} 家企业以它为最弱维度。", lang))
    return out[:n]


def maturity_verdict(data_kind: str, lang: str = "en", *, reliability: pd.DataFrame | None = None,
                     near: tuple[float, float] | None = None, graded_down: float | None = None,
                     scheme: str = "three_level") -> str:
    """One line, starting with the kind of data when simulated: reliability against 0.70, the
    thresholds as a convention (the share of grades a 0.1 shift changes) and the weakest-dimension
    rule's downward bias under measurement error."""
    check_lang(lang)
    parts = []
    if data_kind == "simulated":
        parts.append(t("Simulated data: these checks verify the software, not the grading",
                       "模拟数据：这些检验只验证软件，不能证明评级有效", lang))
    if reliability is not None and reliability["omega"].notna().any():
        low = reliability["omega"].dropna()
        bad = int((low < 0.70).sum())
        parts.append(t("every dimension is reliable (ω ≥ 0.70)" if not bad else f"{bad} dimension(s) below ω = 0.70",
                       "所有维度信度达标（ω ≥ 0.70）" if not bad else f"{bad} 个维度的 ω 低于 0.70", lang))
    if near is not None and not any(pd.isna(v) for v in near):
        parts.append(t(f"the thresholds are a convention, and moving one by 0.1 changes {near[0]:.0%}–{near[1]:.0%} "
                       "of the grades",
                       f"阈值只是一种约定，移动 0.1 就会改变 {near[0]:.0%}–{near[1]:.0%} 的评级", lang))
    elif scheme == "five_level":
        parts.append(t("the share of criteria a rung requires is a convention", "每级所需达标标准的比例只是一种约定", lang))
    if graded_down is not None and not pd.isna(graded_down):
        parts.append(t(f"the weakest-dimension rule grades {graded_down:.0%} of firms too low under measurement error",
                       f"在测量误差下，最弱维度规则把 {graded_down:.0%} 的企业评得偏低", lang))
    text = t("; ", "；", lang).join(parts)
    return (text[:1].upper() + text[1:] + t(".", "。", lang)) if text else ""


def maturity_summary(data_kind: str, grades: pd.DataFrame, levels: pd.DataFrame, lang: str = "en", *,
                     title_text: str | None = None, client: str | None = None, wave: str | None = None,
                     author: str | None = None, scheme: str = "three_level", reliability: pd.DataFrame | None = None,
                     dim_names: Mapping[str, str] | None = None, stability: Mapping[str, float] | None = None,
                     near: tuple[float, float] | None = None, expert_kappa: Mapping[str, float] | None = None,
                     agenda: pd.DataFrame | None = None, graded_down: float | None = None) -> Summary:
    """The maturity report's :class:`~crm_analysis.reporting.summary.Summary`; the title starts with
    the simulated-data label when the data are simulated."""
    check_lang(lang)
    base = title_text or t("CRM maturity grading", "客户关系管理成熟度评级", lang)
    return Summary(
        title=headline_prefix(data_kind, lang) + base, lang=lang, client=client, wave=wave, author=author,
        figures=maturity_figures(data_kind, grades, levels, lang, reliability=reliability, dim_names=dim_names,
                                 stability=stability, near=near, expert_kappa=expert_kappa),
        actions=maturity_actions(grades, levels, lang, scheme=scheme, dim_names=dim_names, agenda=agenda,
                                 stability=stability, reliability=reliability),
        verdict=maturity_verdict(data_kind, lang, reliability=reliability, near=near, graded_down=graded_down,
                                 scheme=scheme))
