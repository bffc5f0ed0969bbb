"""Figures of the maturity report. Each draws only statistics that the package computes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..i18n import check_lang, t
from ..plotting.style import place_legend
from .grading import check_thresholds, level_table
from .instrument import Instrument, load_instrument


def plot_radar(grades: pd.DataFrame, firm: str, *, lang: str = "en", thresholds: Any = None,
               instrument: Instrument | str | Path | None = None, ax: Any = None) -> Any:
    """Radar chart of one firm's dimension scores against the sample (median and quartiles).

    The three-level thresholds are drawn as dashed circles.

    Parameters
    ----------
    grades : output of :func:`~crm_analysis.maturity.grade` (with dimension scores) for the sample.
    firm : the firm to show.

    Returns
    -------
    matplotlib Axes (polar).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> g = maturity.grade(maturity.simulate(20, seed=1))
    >>> ax = maturity.plot_radar(g, "F003")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    inst = load_instrument(instrument)
    dims = inst.dimension_ids
    if not all(d in grades.columns for d in dims):
        raise ParameterError("grades: expected the output of maturity.grade() with the dimension score columns")
    index = grades.index.map(str)
    if str(firm) not in set(index):
        raise ParameterError(f"firm={firm!r}: not among the graded firms (e.g. {', '.join(index[:5])})")
    row = grades.loc[grades.index[index == str(firm)][0], dims].astype(float)
    sample = grades[dims].astype(float)
    angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    closed = np.r_[angles, angles[:1]]

    def ring(values: Any) -> np.ndarray:
        v = np.asarray(values, float)
        return np.r_[v, v[:1]]

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6), subplot_kw={"polar": True})
    lo, hi = inst.scale
    q1, med, q3 = sample.quantile(0.25), sample.median(), sample.quantile(0.75)
    ax.fill_between(closed, ring(q1), ring(q3), color="#7f7f7f", alpha=0.25,
                    label=t("sample: interquartile range", "样本：四分位区间", lang))
    ax.plot(closed, ring(med), color="#7f7f7f", lw=1.5, label=t("sample median", "样本中位数", lang))
    ax.plot(closed, ring(row), color="#1f5a96", lw=2.5, marker="o", label=t(f"firm {firm}", f"企业 {firm}", lang))
    ax.fill(closed, ring(row), color="#1f5a96", alpha=0.15)
    th = check_thresholds(thresholds, "three_level", inst)
    names = level_table("three_level", inst).set_index("level")[f"name_{lang}"]
    for value, lvl, style in zip(th, (2, 3), ("--", ":")):
        ax.plot(np.linspace(0, 2 * np.pi, 200), np.full(200, value), ls=style, color="#b8404a", lw=1,
                label=t(f"threshold {names[lvl]} ({value:g})", f"{names[lvl]}阈值（{value:g}）", lang))
    ax.set_xticks(angles)
    ax.set_xticklabels([inst.dimension(d).name(lang) for d in dims])
    ax.set_ylim(lo, hi)
    ax.set_yticks(range(lo, hi + 1))
    ax.legend(loc="upper right", bbox_to_anchor=(1.45, 1.12), fontsize="small")
    return ax


def plot_grade_distribution(grades: pd.DataFrame, *, lang: str = "en", truth: pd.Series | None = None,
                            instrument: Instrument | str | Path | None = None, ax: Any = None) -> Any:
    """Bar chart of the number of firms per grade (and per true grade, when given)."""
    import matplotlib.pyplot as plt

    check_lang(lang)
    scheme = str(grades["scheme"].iloc[0])
    table = level_table(scheme, instrument)
    counts = grades["level"].value_counts().reindex(table["level"], fill_value=0)
    frame = pd.DataFrame({t("rule grade", "规则评级", lang): counts.to_numpy()}, index=table[f"name_{lang}"])
    if truth is not None:
        frame[t("true grade", "真实等级", lang)] = truth.value_counts().reindex(table["level"], fill_value=0).to_numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    frame.plot.bar(ax=ax, rot=0 if len(frame) <= 4 else 20, legend=False)
    if len(frame.columns) > 1:
        place_legend(ax)  # a free corner, else beside the Axes: never over a bar
    ax.set_xlabel("")
    ax.set_ylabel(t("firms", "企业数", lang))
    return ax


def plot_sensitivity(sensitivity: pd.DataFrame, *, lang: str = "en", ax: Any = None) -> Any:
    """Share of firms changing grade over the threshold grid (heatmap for the three-level scheme)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    if "t_intermediate" in sensitivity.columns:
        grid = sensitivity.pivot(index="t_advanced", columns="t_intermediate", values="share_changed")
        sns.heatmap(grid.sort_index(ascending=False), ax=ax, cmap="rocket_r", vmin=0, vmax=max(0.5, grid.max().max()),
                    annot=len(grid) <= 12, fmt=".0%", cbar_kws={"label": t("share of firms changing grade",
                                                                              "评级改变的企业比例", lang)})
        ax.set_xlabel(t("threshold: intermediate", "阈值：中级", lang))
        ax.set_ylabel(t("threshold: advanced", "阈值：高级", lang))
        ax.tick_params(axis="y", rotation=0)
        from matplotlib.ticker import PercentFormatter

        ax.collections[0].colorbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))  # as the cells
    else:
        share = sensitivity.filter(like="share_rung_").iloc[:, 0]
        ax.bar([f"{s:.2f}" for s in share], sensitivity["share_changed"], color="#1f5a96")
        ax.set_xlabel(t("share of a rung's criteria required", "每级所需达标标准比例", lang))
        ax.set_ylabel(t("share of firms changing rung", "层级改变的企业比例", lang))
    return ax


def plot_stability(stability: Any, *, lang: str = "en", ax: Any = None) -> Any:
    """Histogram of each firm's bootstrap probability of its grade."""
    import matplotlib.pyplot as plt

    check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    ax.hist(stability.table["p_level"].dropna(), bins=np.linspace(0, 1, 21), color="#1f5a96", edgecolor="white")
    ax.axvline(0.8, color="#b8404a", ls="--", lw=1)
    ax.set_xlabel(t("bootstrap probability of the firm's grade", "企业评级的自助法概率", lang))
    ax.set_ylabel(t("firms", "企业数", lang))
    return ax


def plot_confusion(table: pd.DataFrame, *, lang: str = "en", ax: Any = None, title: str | None = None) -> Any:
    """Heatmap of a cross-table (e.g. rule grade x expert grade)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
    ax.tick_params(axis="y", rotation=0)  # level names read across, not up the side
    if title:
        ax.set_title(title)
    return ax


def plot_rung_pass(binary: pd.DataFrame, *, lang: str = "en", instrument: Instrument | str | Path | None = None,
                   ax: Any = None) -> Any:
    """Share of firms meeting each rung taken alone; a cumulative ladder decreases from rung 1."""
    import matplotlib.pyplot as plt

    check_lang(lang)
    inst = load_instrument(instrument)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    rates = binary.mean(axis=0)
    labels = [f"{r.level}. {r.name(lang)}" for r in inst.ladder][: len(rates)]
    ax.bar(labels, rates.to_numpy(), color="#3a9a5b")
    ax.set_ylim(0, 1)
    ax.set_ylabel(t("share of firms meeting the rung", "达到该层级标准的企业比例", lang))
    ax.tick_params(axis="x", rotation=20)
    return ax
