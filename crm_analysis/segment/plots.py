"""Figures of a holdout evaluation: Lorenz curves, segment value, agreement between schemes."""
from __future__ import annotations

from typing import Any

import numpy as np

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t
from crm_analysis.plotting.style import place_legend
from crm_analysis.segment.evaluate import EvaluationResult
from crm_analysis.segment.names import SCHEME_TITLES


def _title(scheme: str, lang: str) -> str:
    return SCHEME_TITLES[scheme][1 if lang == "zh" else 0] if scheme in SCHEME_TITLES else scheme


def plot_lorenz(ev: EvaluationResult, lang: str = "en", ax: Any = None) -> Any:
    """Lorenz (cumulative gains) curves of holdout revenue, one per scheme, with the oracle and random.

    Examples
    --------
    >>> ax = plot_lorenz(ev, "zh")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    for scheme, curve in ev.lorenz.groupby("scheme", sort=False):
        if scheme == "oracle":
            ax.plot(curve["customer_share"], curve["value_share"], color="black", lw=1, ls="--",
                    label=t("hindsight (customers ordered by holdout revenue)", "事后最优（按实际保留期收入排序）", lang))
            continue
        gini = ev.table.set_index("scheme").loc[scheme, "gini"]
        ax.plot(curve["customer_share"], curve["value_share"], marker="o", ms=3, lw=1.6,
                label=t(f"{_title(scheme, lang)} (Gini {gini:.2f})", f"{_title(scheme, lang)}（Gini {gini:.2f}）", lang))
    ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls=":", label=t("random", "随机", lang))
    ax.set_xlabel(t("share of customers, most valuable segments first", "客户比例（价值最高的细分在前）", lang))
    ax.set_ylabel(t("share of holdout revenue", "保留期收入比例", lang))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    place_legend(ax, fontsize=8)  # a free corner, else beside the Axes: never over a point
    ax.set_title(t("How much future revenue each scheme's top segments hold", "各方案价值最高的细分占未来收入的比例", lang))
    return ax


def plot_segments(ev: EvaluationResult, scheme: str, lang: str = "en", ax: Any = None) -> Any:
    """Customers and holdout revenue per segment of ``scheme`` (shares, declared order top to bottom)."""
    import matplotlib.pyplot as plt

    check_lang(lang)
    seg = ev.segment_table[ev.segment_table["scheme"] == scheme]
    if seg.empty:
        raise ParameterError(f"scheme={scheme!r}: not in this evaluation (has {', '.join(ev.table['scheme'])})")
    labels = seg["segment_zh"] if lang == "zh" else seg["segment"]
    y = np.arange(len(seg))
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.45 * len(seg) + 1.5))
    ax.barh(y - 0.2, seg["customer_share"], height=0.4, label=t("share of customers", "客户占比", lang), color="#9ecae1")
    ax.barh(y + 0.2, seg["holdout_revenue_share"], height=0.4, label=t("share of holdout revenue", "保留期收入占比", lang),
            color="#1f5a96")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(t("share of all customers / of all holdout revenue", "占全部客户 / 全部保留期收入的比例", lang))
    # outside the axes: inside it would hide the end of a long bar (the largest segment is often last)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.set_title(_title(scheme, lang))
    return ax


def plot_agreement(ev: EvaluationResult, lang: str = "en", ax: Any = None) -> Any:
    """Heatmap of the adjusted Rand index between every two schemes."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    check_lang(lang)
    names = [_title(s, lang) for s in ev.agreement.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    sns.heatmap(ev.agreement, annot=True, fmt=".2f", vmin=-0.1, vmax=1, cmap="Blues", ax=ax,
                xticklabels=names, yticklabels=names, cbar_kws={"label": t("adjusted Rand index", "调整兰德指数", lang)})
    ax.set_xticklabels(ax.get_xticklabels(), rotation=35, ha="right")
    ax.set_ylabel("")
    ax.set_title(t("Agreement between segmentations", "不同细分方案之间的一致性", lang))
    return ax
