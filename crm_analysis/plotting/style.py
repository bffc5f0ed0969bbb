"""One place for the look of figures: seaborn theme, palette, and a CJK-capable font."""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

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

PALETTE = ["#1f5a96", "#d9822b", "#3a9a5b", "#b8404a", "#7b5ea7", "#8c6d31", "#4aa3b5", "#7f7f7f"]

NO_CJK_WARNING = (
    "No CJK font found, so Chinese labels will show as empty boxes; install one "
    "(Debian/Ubuntu: `sudo apt-get install fonts-wqy-microhei`; conda: `conda install -c conda-forge "
    "font-ttf-noto-cjk`) and restart the kernel."
)


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Return the family name of an installed CJK font, or ``None`` if there is none.

    Fonts installed after matplotlib built its font cache are found on disk and registered.
    """
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

    Warns once, in one line naming the fix, when no CJK font is installed.
    """
    import matplotlib as mpl
    import pandas as pd
    import seaborn as sns

    pd.set_option("display.max_colwidth", None)  # reports show whole sentences (agendas, actions)

    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    family = find_cjk_font()
    fallback = ["DejaVu Sans", "Arial", "Liberation Sans"]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = ([family] if family else []) + fallback
    mpl.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    mpl.rcParams["figure.dpi"] = 100
    mpl.rcParams["savefig.dpi"] = 150
    mpl.rcParams["svg.fonttype"] = "none"  # keep text as text in SVG
    mpl.rcParams["svg.hashsalt"] = "crm-analysis"  # stable element ids: same inputs, same SVG
    if family is None:
        warnings.warn(NO_CJK_WARNING, stacklevel=2)
    return family
