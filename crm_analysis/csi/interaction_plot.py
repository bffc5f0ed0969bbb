"""Simple-slopes figure of a moderation (interaction) term, seaborn style.

It draws only the table of :func:`crm_analysis.sem.simple_slopes` (nothing is recomputed here):
one line of the predicted target per moderator level.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.csi.plots import _need
from crm_analysis.i18n import check_lang, t

__all__ = ["plot_interaction"]


def plot_interaction(
    data: pd.DataFrame,
    *,
    iv: str = "X",
    moderator: str = "M",
    target: str = "Y",
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    ax: Any = None,
) -> Any:
    """Simple slopes: the predicted ``target`` against ``iv`` at each moderator level.

    Parameters
    ----------
    data : DataFrame
        The table of :func:`crm_analysis.sem.simple_slopes` (``moderator_sd, slope, x, y_hat``).
    iv, moderator, target : str
        Construct names, for the axis titles and the legend.
    labels : mapping, optional
        Display names of the constructs (e.g. ``csi.labels(model, lang)``).
    lang : {"en", "zh"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ss = sem.simple_slopes(fit, "Image", "Expectation", "Satisfaction")   # doctest: +SKIP
    >>> csi.plot_interaction(data=ss, iv="Image", moderator="Expectation",
    ...                      target="Satisfaction", lang="zh")                  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    _need(data, ["moderator_sd", "slope", "x", "y_hat"], "plot_interaction")
    name = {c: (labels or {}).get(c, c) for c in (iv, moderator, target)}
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    levels = sorted(pd.unique(data["moderator_sd"]))
    styles = ["--", "-", ":", "-.", (0, (5, 1))]
    for i, level in enumerate(levels):
        part = data[data["moderator_sd"] == level].sort_values("x")
        sd = f"{level:+g} SD" if level else t("mean", "均值", lang)
        slope = float(part["slope"].iloc[0])
        ax.plot(part["x"].to_numpy(float), part["y_hat"].to_numpy(float), linestyle=styles[i % len(styles)],
                marker="o", label=f"{name[moderator]} {sd} ({t('slope', '斜率', lang)} {slope:.2f})")
    ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel(t(f"{name[iv]} (SD)", f"{name[iv]}（标准差）", lang))
    ax.set_ylabel(t(f"{name[target]} (predicted, SD)", f"{name[target]}（预测值，标准差）", lang))
    ax.set_title(t(f"Simple slopes: {name[moderator]} moderates {name[iv]} → {name[target]}",
                   f"简单斜率：{name[moderator]} 调节 {name[iv]} → {name[target]}", lang))
    ax.legend(frameon=False, fontsize=9)
    ax.set_xticks(np.unique(data["x"].to_numpy(float)))
    return ax
