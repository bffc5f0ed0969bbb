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
