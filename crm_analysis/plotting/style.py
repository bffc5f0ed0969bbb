"""One place for the look of figures: seaborn theme, palette, and a CJK-capable font.

Chinese labels need a CJK font. A system one is used when installed (the families below);
otherwise the font shipped with the package (``fonts/``: a subset of Noto Sans SC under the
SIL Open Font License, rebuilt by ``tools/make_cjk_font.py``), so nothing depends on the machine.
``CRM_ANALYSIS_SYSTEM_FONTS=0`` ignores system CJK fonts (the shipped font is always used).
"""
from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

# Preferred CJK sans-serif families, most common first on Debian/Ubuntu, macOS and Windows.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
    "Arial Unicode MS",
)
# File-name fragments of the same fonts, for fonts installed after matplotlib built its cache.
_CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "wqy", "sourcehansans", "pingfang", "msyh", "simhei")

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
BUNDLED_FONT = FONTS_DIR / "NotoSansSC-crm-subset.ttf"
BUNDLED_FAMILY = "Noto Sans SC CRM Subset"
SYSTEM_FONTS_ENV = "CRM_ANALYSIS_SYSTEM_FONTS"

PALETTE = ["#1f5a96", "#d9822b", "#3a9a5b", "#b8404a", "#7b5ea7", "#8c6d31", "#4aa3b5", "#7f7f7f"]

NO_CJK_WARNING = (
    f"No CJK font found, and the font shipped with crm-analysis ({BUNDLED_FONT.name}) could not be "
    "loaded, so Chinese labels will show as empty boxes; reinstall crm-analysis and restart the kernel."
)


NO_CJK_WARNING_ZH = (
    f"未找到中文字体，crm-analysis 自带的字体（{BUNDLED_FONT.name}）也无法加载，图中的中文将显示为方框；"
    "请重新安装 crm-analysis 并重启内核。"
)


def system_fonts_allowed() -> bool:
    """False when ``CRM_ANALYSIS_SYSTEM_FONTS`` is 0/false/no: only the shipped CJK font is used."""
    return os.environ.get(SYSTEM_FONTS_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


@lru_cache(maxsize=1)
def bundled_cjk_font() -> str | None:
    """Register the CJK font shipped with the package with matplotlib; its family, or ``None``."""
    from matplotlib import font_manager as fm

    if not BUNDLED_FONT.is_file():
        return None
    try:
        fm.fontManager.addfont(str(BUNDLED_FONT))
    except Exception:  # a damaged installation: the caller warns
        return None
    return BUNDLED_FAMILY if any(f.name == BUNDLED_FAMILY for f in fm.fontManager.ttflist) else None


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of the CJK font figures use, or ``None`` if there is none at all.

    A system CJK font (``CJK_FAMILIES``, in that order) is preferred when installed, unless
    ``CRM_ANALYSIS_SYSTEM_FONTS=0``; otherwise the font shipped with the package. Fonts
    installed after matplotlib built its font cache are found on disk and registered.
    """
    return (find_system_cjk_font() if system_fonts_allowed() else None) or bundled_cjk_font()


def find_system_cjk_font() -> str | None:
    """The family name of an installed (system) CJK font, or ``None``."""
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in fm.findSystemFonts():
        if any(h in Path(path).name.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS):
            try:
                fm.fontManager.addfont(path)
            except Exception:  # an unreadable font file is simply not a candidate
                continue
    known = {f.name for f in fm.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def use_style(context: str = "notebook") -> str | None:
    """Apply the house style (seaborn theme, palette, CJK font; tables shown untruncated).

    Returns the CJK font family used, or ``None``.

    Warns, in one line naming the fix, only when no CJK font can be had (not even the shipped one).
    """
    import matplotlib as mpl
    import pandas as pd
    import seaborn as sns

    pd.set_option("display.max_colwidth", None)  # reports show whole sentences (agendas, actions)

    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    family = find_cjk_font()
    fallback = ["DejaVu Sans", "Arial", "Liberation Sans"]
    mpl.rcParams["font.family"] = "sans-serif"
    # the shipped font also backs a system CJK font up for any character that one lacks
    cjk = list(dict.fromkeys(f for f in (family, bundled_cjk_font()) if f))
    mpl.rcParams["font.sans-serif"] = cjk + fallback
    mpl.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    mpl.rcParams["figure.dpi"] = 100
    mpl.rcParams["savefig.dpi"] = 150
    mpl.rcParams["svg.fonttype"] = "none"  # keep text as text in SVG
    mpl.rcParams["svg.hashsalt"] = "crm-analysis"  # stable element ids: same inputs, same SVG
    if family is None:
        from crm_analysis.reporting.notes import Note

        warnings.warn(Note("no-cjk-font", NO_CJK_WARNING, NO_CJK_WARNING_ZH), stacklevel=2)
    return family


# ----------------------------------------------------------------------------------------------
# legends that hide nothing
# ----------------------------------------------------------------------------------------------

LEGEND_CORNERS = ("upper right", "upper left", "lower right", "lower left", "center right", "center left",
                  "upper center", "lower center")


def _densify(xy: Any, spacing: float = 2.0) -> Any:
    """Points along a polyline (display coordinates) every ``spacing`` pixels, so that a segment
    crossing a box counts even when its ends lie outside it."""
    import numpy as np

    xy = np.asarray(xy, float)
    xy = xy[np.isfinite(xy).all(axis=1)] if xy.ndim == 2 else xy.reshape(0, 2)
    if len(xy) < 2:
        return xy
    parts = []
    for a, b in zip(xy[:-1], xy[1:]):
        n = int(min(2000, max(1, np.ceil(np.hypot(*(b - a)) / spacing))))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        parts.append(a * (1 - t) + b * t)
    return np.vstack(parts + [xy[-1:]])


def drawn_points(ax: Any) -> Any:
    """Display coordinates of what an Axes shows: markers and scatter points, points along lines
    and error bars, the corners and top edge of bars, the corners of text labels. Reference lines
    spanning the whole Axes (``axhline``, ``axvline``) and the legend itself are left out."""
    import numpy as np
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Rectangle

    ax.get_xlim(), ax.get_ylim()  # settle autoscaling before transforming
    pts: list[Any] = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.column_stack([line.get_xdata(orig=False), line.get_ydata(orig=False)])
                                            .astype(float))
        if len(xy) == 2 and line.get_transform().contains_branch_seperately(ax.transAxes) != (False, False):
            continue  # axhline / axvline: a reference, not data
        pts.append(_densify(xy) if line.get_linestyle() not in ("None", "none", "", " ") else xy)
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        offsets = np.asarray(coll.get_offsets(), float)
        if len(offsets) and not isinstance(coll, (LineCollection, PolyCollection)):
            pts.append(coll.get_offset_transform().transform(offsets))
        if isinstance(coll, (LineCollection, PolyCollection)):
            transform = coll.get_transform()
            for path in coll.get_paths():
                pts.append(_densify(transform.transform(path.vertices)))
    for patch in ax.patches:
        if not patch.get_visible() or not isinstance(patch, Rectangle):
            continue
        box = patch.get_window_extent()
        if box.width > 0 or box.height > 0:
            xs, ys = np.linspace(box.x0, box.x1, 8), np.linspace(box.y0, box.y1, 8)
            pts.append(np.column_stack([np.r_[xs, xs, np.full(8, box.x0), np.full(8, box.x1)],
                                        np.r_[np.full(8, box.y0), np.full(8, box.y1), ys, ys]]))
    renderer = ax.figure.canvas.get_renderer()
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip():
            box = text.get_window_extent(renderer)
            pts.append(np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x0, box.y1], [box.x1, box.y1]]))
    pts = [p for p in pts if len(p)]
    return np.vstack(pts) if pts else np.empty((0, 2))


def hidden_points(ax: Any, legend: Any = None, pad: float = 3.0) -> int:
    """How many of :func:`drawn_points` the legend of ``ax`` covers (``pad`` display pixels around it)."""
    import numpy as np

    legend = legend if legend is not None else ax.get_legend()
    if legend is None:
        return 0
    box = legend.get_window_extent(ax.figure.canvas.get_renderer()).padded(pad)
    pts = drawn_points(ax)
    inside = (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
    return int(np.count_nonzero(inside))


def place_legend(ax: Any, *args: Any, corners: tuple[str, ...] = LEGEND_CORNERS, **kwargs: Any) -> Any:
    """Draw the legend of ``ax`` where it hides no data: the first corner of ``corners`` whose box
    covers none of :func:`drawn_points` (markers, lines, error bars, bars, labels), else outside
    the Axes on the right. Arguments are those of ``Axes.legend`` (handles, labels, fontsize ...;
    not ``loc``). Returns the Legend.

    Matplotlib's ``loc="best"`` weighs only some artists (not error bars, for instance) and may
    still cover a point when no place is free; this never does.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.scatter([0, 1, 0], [0, 0, 1], label="firms")
    >>> place_legend(ax)._loc == 1  # upper right: the one free corner
    True
    """
    kwargs.pop("loc", None)
    for corner in corners:
        legend = ax.legend(*args, loc=corner, **kwargs)
        if hidden_points(ax, legend) == 0:
            return legend
    return ax.legend(*args, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, **kwargs)
