"""The path diagram every SEM reader expects: constructs with R², arrows with β and significance.

:func:`plot_model` draws a fitted model (PLS or CB-SEM) with matplotlib only (no graphviz
binary): exogenous constructs on the left, outcomes on the right, one column per step of the
longest path leading to a construct; each arrow carries its standardised coefficient with
significance stars, dashed when not significant; each endogenous construct shows its R².
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t

__all__ = ["plot_model", "model_layout", "significance_stars"]


def significance_stars(p: float, alpha: float = 0.05) -> str:
    """``***`` p < .001, ``**`` p < .01, ``*`` p < alpha, ``""`` otherwise (or without a p-value).

    Examples
    --------
    >>> [significance_stars(p) for p in (0.0001, 0.004, 0.03, 0.2, float("nan"))]
    ['***', '**', '*', '', '']
    """
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    return "*" if p < alpha else ""


def model_layout(model: Any) -> pd.DataFrame:
    """Node positions: ``construct, layer, x, y`` (layer = longest path from an exogenous construct).

    Within a column constructs are ordered by the mean height of their predecessors, which keeps
    arrows from crossing in the usual CSI chains.

    Examples
    --------
    >>> from crm_analysis.csi import preset
    >>> lay = model_layout(preset("ecsi")).set_index("construct")
    >>> int(lay.loc["Image", "layer"]), int(lay.loc["Loyalty", "layer"])  # Image -> ... -> Complaints -> Loyalty
    (0, 6)
    """
    order = model.order()
    layer: dict[str, int] = {}
    for c in order:
        preds = model.predecessors(c)
        layer[c] = 1 + max(layer[p] for p in preds) if preds else 0
    n_layers = max(layer.values()) + 1 if layer else 1
    y: dict[str, float] = {}
    rows = []
    for k in range(n_layers):
        members = [c for c in order if layer[c] == k]
        if k > 0:
            members.sort(key=lambda c: np.mean([y[p] for p in model.predecessors(c)]))
        m = len(members)
        # a lone construct zigzags up and down, so that an arrow skipping a column does not run
        # through the construct in between
        shift = (0.45 if k % 2 else -0.45) if m == 1 and n_layers > 2 else 0.0
        for i, c in enumerate(members):
            y[c] = (m - 1) / 2 - i + shift  # top to bottom, centred on 0
            rows.append((c, k, float(k), y[c]))
    return pd.DataFrame(rows, columns=["construct", "layer", "x", "y"])


def _paths_of(fit: Any) -> tuple[pd.DataFrame, pd.Series, str]:
    kind = type(fit).__name__
    paths = getattr(fit, "paths", None)
    if not isinstance(paths, pd.DataFrame) or not {"from", "to"} <= set(paths.columns):
        raise ParameterError(f"plot_model: expected a result of estimate_pls or estimate_cbsem, got {kind}")
    beta = paths["std_all"] if "std_all" in paths.columns else paths["estimate"]
    p = paths["p"] if "p" in paths.columns else pd.Series(np.nan, index=paths.index)
    out = pd.DataFrame({"from": paths["from"], "to": paths["to"], "beta": beta.to_numpy(float),
                        "p": p.to_numpy(float)})
    return out, fit.r_squared, "CB-SEM" if "std_all" in paths.columns else "PLS"


def plot_model(
    fit: Any,
    *,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    indicators: bool = False,
    alpha: float = 0.05,
    ax: Any = None,
) -> Any:
    """Draw the structural model of ``fit`` (PLS or CB-SEM) as a path diagram; return the Axes.

    Parameters
    ----------
    fit : PLSResult or CBSEMResult
        Standardised paths are drawn: PLS ``estimate``, CB-SEM ``std_all``; significance from
        the ``p`` column (bootstrap for PLS, Wald for CB-SEM). A PLS fit without bootstrap has
        no p-values: no stars, no dashes.
    labels : mapping, optional
        Display name of each construct (e.g. ``csi.labels(model, lang)``).
    lang : {"en", "zh"}
    indicators : bool
        Also list each construct's indicators with their standardised loadings under its node.
    alpha : float
        Level below which a path counts as significant (one star).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_model(fit, labels=csi.labels(fit.model, "zh"), lang="zh")  # doctest: +SKIP
    >>> save_figure(ax, "path_diagram")                                      # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    check_lang(lang)
    if not (isinstance(alpha, float) and 0 < alpha < 1):
        raise ParameterError(f"alpha={alpha!r}: expected a number strictly between 0 and 1")
    paths, r2, engine = _paths_of(fit)
    model = fit.model
    names = dict(labels or {})
    lay = model_layout(model).set_index("construct")
    n_layers = int(lay["layer"].max()) + 1
    tallest = int(lay.groupby("layer").size().max())
    if ax is None:
        _, ax = plt.subplots(figsize=(max(7.0, 2.0 * n_layers), max(3.6, 1.6 * tallest + 2.4)))
    xs = lay["x"] * 2.4
    ys = lay["y"] * 1.6
    w, h = 2.0, 0.8
    boxes = {}
    label_y: list[float] = []
    for c in lay.index:
        x, y = xs[c], ys[c]
        endo = c in r2.index
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.3",
                             facecolor="#dbe8f5" if endo else "#eef3f8", edgecolor="#2b5d8a", lw=1.2, zorder=3)
        ax.add_patch(box)
        boxes[c] = box
        name = names.get(c, c)
        text = name if not endo else f"{name}\nR² = {r2[c]:.2f}"
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5, zorder=4)
        if indicators:
            load = fit.loadings[fit.loadings["construct"] == c]
            col = "std_all" if "std_all" in load.columns else "estimate"
            items = "\n".join(f"{r.indicator} {getattr(r, col):.2f}" for r in load.itertuples())
            ax.text(x, y - h / 2 - 0.06, items, ha="center", va="top", fontsize=6, color="#555555", zorder=4)
    for r in paths.itertuples(index=False):
        src, dst = r._0, r.to
        (x0, y0), (x1, y1) = (xs[src], ys[src]), (xs[dst], ys[dst])
        stars = significance_stars(r.p, alpha)
        tested = np.isfinite(r.p)
        solid = stars != "" or not tested
        skip = int(lay.loc[dst, "layer"] - lay.loc[src, "layer"])
        # an arrow skipping columns bows away from the constructs it passes
        dist = float(np.hypot(x1 - x0, y1 - y0))
        bow = 0.0 if skip <= 1 else 0.55 + 0.2 * (skip - 2)  # height of the arc's middle
        rad = 2 * bow / dist * (1 if y1 >= y0 else -1)
        arrow = FancyArrowPatch((x0, y0), (x1, y1), patchA=boxes[src], patchB=boxes[dst], arrowstyle="-|>",
                                mutation_scale=11, lw=1.0 + 2.0 * min(abs(r.beta), 1),
                                color="#2b5d8a" if solid else "#9aa7b4", linestyle="-" if solid else "--",
                                connectionstyle=f"arc3,rad={rad}", zorder=2)
        ax.add_patch(arrow)
        # label at the middle of the (quadratic Bezier) arc
        mx = (x0 + x1) / 2 + 0.5 * rad * (y1 - y0)
        my = (y0 + y1) / 2 - 0.5 * rad * (x1 - x0)
        ax.text(mx, my, f"{r.beta:.2f}{stars}", ha="center", va="center", fontsize=9, zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
        label_y.append(my)
    ax.set_xlim(xs.min() - w / 2 - 0.3, xs.max() + w / 2 + 0.3)
    low = min(ys.min() - h / 2 - (1.3 if indicators else 0.3), min(label_y, default=0) - 0.3)
    high = max(ys.max() + h / 2 + 0.3, max(label_y, default=0) + 0.3)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.axis("off")
    note = t(f"{engine}: standardised paths; * p < {alpha:g}, ** p < 0.01, *** p < 0.001; dashed: not significant",
             f"{engine}：标准化路径系数；* p < {alpha:g}，** p < 0.01，*** p < 0.001；虚线：不显著", lang)
    if not paths["p"].notna().any():
        note = t(f"{engine}: standardised paths (no p-values: estimate with a bootstrap for significance)",
                 f"{engine}：标准化路径系数（无 p 值：需自助法估计才能检验显著性）", lang)
    ax.set_title(note, fontsize=8, loc="left", color="#444444")
    return ax
