"""Figures of the CSI report, seaborn style: each takes ``data=`` and returns the Axes.

They draw only statistics computed by the tested functions of :mod:`crm_analysis.csi` and
:mod:`crm_analysis.sem` (the tables are passed in, nothing is recomputed here).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t

__all__ = ["plot_index", "plot_paths"]


def _need(data: Any, cols: list[str], who: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"{who}: data= must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ParameterError(f"{who}: column(s) {missing} not in data (columns: {list(data.columns)})")


def plot_index(
    data: pd.DataFrame,
    *,
    x: str = "index",
    y: str = "construct",
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    ax: Any = None,
) -> Any:
    """Horizontal bars of the 0-100 index of each construct, with its bootstrap interval.

    Parameters
    ----------
    data : DataFrame
        The table of :func:`crm_analysis.csi.index`.
    x, y : str
        Value and label columns.
    labels : mapping, optional
        Display names of the constructs.
    lang : {"en", "zh"}
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> ax = plot_index(data=csi.index(fit, scale=(1, 10), data=df))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    _need(data, [x, y], "plot_index")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.45 * len(data) + 1.2))
    names = [labels.get(c, c) if labels else c for c in data[y]]
    pos = np.arange(len(data))[::-1]
    vals = data[x].to_numpy(float)
    ax.barh(pos, vals, height=0.6)
    if {"ci_low", "ci_high"} <= set(data.columns):
        err = np.vstack([vals - data["ci_low"].to_numpy(float), data["ci_high"].to_numpy(float) - vals])
        ax.errorbar(vals, pos, xerr=np.clip(err, 0, None), fmt="none", ecolor="0.25", capsize=3, elinewidth=1)
    for p, v in zip(pos, vals):
        ax.text(1, p, f"{v:.1f}", va="center", ha="left", color="white", fontsize=9)
    ax.set_yticks(pos)
    ax.set_yticklabels(names)
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("Index (0-100)", "指数（0-100）", lang))
    ax.set_title(t("Customer satisfaction index scores", "顾客满意度指数得分", lang))
    return ax


def plot_paths(
    data: pd.DataFrame,
    *,
    estimate: str = "estimate",
    hue: str | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Path coefficients as a dot plot with their confidence intervals.

    Parameters
    ----------
    data : DataFrame
        A table with ``from``, ``to``, the ``estimate`` column and optionally ``ci_low`` /
        ``ci_high`` (the ``paths`` of a PLS or CB-SEM result), or a long table with a ``hue``
        column (e.g. one row per path and estimator) to compare estimates side by side.
    estimate : str
        Column with the coefficient.
    hue : str, optional
        Column whose values get their own colour and offset.
    labels : mapping, optional
        Display names of the constructs.
    lang : {"en", "zh"}
    title : str, optional
        Title of the figure (default "Structural model" in ``lang``).
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> ax = plot_paths(data=fit.paths)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from crm_analysis.plotting import PALETTE
    from crm_analysis.plotting.style import place_legend

    check_lang(lang)
    _need(data, ["from", "to", estimate] + ([hue] if hue else []), "plot_paths")
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    keys = list(dict.fromkeys(zip(data["from"], data["to"])))
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.42 * len(keys) + 1.2))
    pos = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    groups = [None] if hue is None else list(dict.fromkeys(data[hue]))
    width = 0.5
    for gi, g in enumerate(groups):
        part = data if g is None else data[data[hue] == g]
        off = 0.0 if len(groups) == 1 else (gi - (len(groups) - 1) / 2) * width / max(len(groups) - 1, 1)
        ys = np.array([pos[(f, tt)] for f, tt in zip(part["from"], part["to"])]) + off
        xs = part[estimate].to_numpy(float)
        colour = PALETTE[gi % len(PALETTE)]
        if {"ci_low", "ci_high"} <= set(part.columns) and part["ci_low"].notna().any():
            err = np.vstack([xs - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - xs])
            ax.errorbar(xs, ys, xerr=np.clip(np.nan_to_num(err), 0, None), fmt="none", ecolor=colour,
                        elinewidth=1, capsize=2)
        ax.scatter(xs, ys, color=colour, zorder=3, label=None if g is None else str(g))
    ax.axvline(0, color="0.5", linewidth=0.8)
    ax.margins(x=0.06)  # dots at the extremes stay whole inside the frame
    ax.set_yticks(list(pos.values()))
    ax.set_yticklabels([f"{name(f)} → {name(tt)}" for f, tt in pos])
    ax.set_xlabel(t("Standardised path coefficient", "标准化路径系数", lang))
    ax.set_title(t("Structural model", "结构模型", lang) if title is None else title)
    if hue is not None:
        place_legend(ax, fontsize=8)  # a free corner, else beside the Axes: never over a point
    return ax
