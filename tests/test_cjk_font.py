"""The Chinese font shipped with the package: licence beside it, coverage of what reports write."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_analysis.plotting import style

FONT = style.BUNDLED_FONT


def _cmap() -> set[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT)) as font:
        return set(font.getBestCmap())


def _is_cjk(ch: str) -> bool:
    c = ord(ch)
    return 0x2E80 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF or 0xFE30 <= c <= 0xFE4F or 0xFF00 <= c <= 0xFFEF


def _package_text(root: Path) -> dict[Path, str]:
    files = [*root.glob("crm_analysis/**/*.py"), *root.glob("crm_analysis/**/*.yaml"), *root.glob("notebooks/*.ipynb")]
    out = {}
    for path in files:
        text = path.read_text("utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c.get("source", "")) for c in json.loads(text)["cells"])
        out[path] = text
    return out


def test_font_ships_with_its_licence_and_own_name():
    from fontTools.ttLib import TTFont

    assert FONT.is_file() and FONT.parent == Path(style.__file__).parent / "fonts"
    licence = (FONT.parent / "OFL.txt").read_text("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Google" in licence
    with TTFont(str(FONT)) as font:
        assert font["name"].getDebugName(1) == style.BUNDLED_FAMILY != "Noto Sans SC"
    assert FONT.stat().st_size < 4_000_000  # a subset, not the 10+ MB original


def test_every_cjk_character_of_the_package_and_notebooks_is_in_the_font(repo_root):
    cmap = _cmap()
    texts = _package_text(repo_root)
    assert any("客户" in t for t in texts.values())  # the scan sees the Chinese strings
    missing = {}
    for path, text in texts.items():
        absent = sorted({ch for ch in text if _is_cjk(ch) and ord(ch) not in cmap})
        if absent:
            missing[str(path.relative_to(repo_root))] = "".join(absent)
    assert not missing, f"characters not in {FONT.name}: {missing}; run `python tools/make_cjk_font.py` and commit the font"


def test_font_covers_gb2312_punctuation_latin_and_digits():
    cmap = _cmap()
    gb2312 = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                gb2312.add(ord(bytes([lead, trail]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    assert len(gb2312) == 6763
    assert len(gb2312 - cmap) <= 33  # rare hanzi absent from the source (README.md in fonts/)
    for text in ("，。、：；！？（）《》【】「」—…·％", "ABCxyz0123456789$%.,-+", "①②③≤≥±×→"):
        assert {ord(c) for c in text} <= cmap, [c for c in text if ord(c) not in cmap]


_RENDER = r"""
import warnings, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager as fm
warnings.simplefilter("error")
from crm_analysis.plotting import style
family = style.use_style()
assert style.find_system_cjk_font() is None or not style.system_fonts_allowed()
fig, ax = plt.subplots()
text = ax.set_title("客户满意度指数（重要价值客户）：忠诚度")
fig.savefig(r"{out}")
used = fm.findfont(fm.FontProperties(family=matplotlib.rcParams["font.sans-serif"][0]), fallback_to_default=False)
print(family, "|", used)
"""


def test_chinese_renders_with_the_shipped_font_when_system_fonts_are_ignored(tmp_path):
    """In a fresh process with an empty matplotlib cache and system CJK fonts ignored."""
    out = tmp_path / "zh.png"
    env = dict(os.environ, CRM_ANALYSIS_SYSTEM_FONTS="0", MPLCONFIGDIR=str(tmp_path / "mpl"))
    proc = subprocess.run([sys.executable, "-c", _RENDER.format(out=out)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr  # warnings are errors there: a missing glyph fails
    family, used = proc.stdout.strip().split(" | ")
    assert family == style.BUNDLED_FAMILY and Path(used) == FONT
    assert out.stat().st_size > 5000


def test_a_system_cjk_font_is_preferred_when_allowed(monkeypatch):
    style.find_cjk_font.cache_clear()
    monkeypatch.setattr(style, "find_system_cjk_font", lambda: "WenQuanYi Micro Hei")
    try:
        monkeypatch.setenv(style.SYSTEM_FONTS_ENV, "1")
        assert style.find_cjk_font() == "WenQuanYi Micro Hei"
        style.find_cjk_font.cache_clear()
        monkeypatch.setenv(style.SYSTEM_FONTS_ENV, "0")
        assert style.find_cjk_font() == style.BUNDLED_FAMILY
    finally:
        style.find_cjk_font.cache_clear()


@pytest.mark.slow
def test_chinese_tour_report_without_any_system_cjk_font(tmp_path):
    """The Chinese tour through the CLI, in a process whose font lookup ignores system CJK fonts
    and starts from an empty matplotlib font cache: no missing glyph, the Chinese text of the
    figure set in the shipped font, which has every one of its characters."""
    import re
    import xml.etree.ElementTree as ET

    env = dict(os.environ, CRM_ANALYSIS_SYSTEM_FONTS="0", MPLCONFIGDIR=str(tmp_path / "mpl"))
    proc = subprocess.run([sys.executable, "-m", "crm_analysis.cli", "run", "tour", "--lang", "zh", "-p", "freq", "M",
                           "--reports-dir", str(tmp_path / "reports"), "--name", "zh"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "reports" / "tour-zh"
    found = json.loads((out / "results.json").read_text("utf-8"))["warnings"]
    assert not [w for w in found if "missing from font" in w["message"] or "Glyph" in w["message"]], found
    assert "missing from font" not in (out / "tour.ipynb").read_text("utf-8")
    svg = ET.parse(out / "figures" / "purchases_over_time.svg")
    chinese = [(el.text, el.get("style", "")) for el in svg.iter("{http://www.w3.org/2000/svg}text")
               if el.text and any(_is_cjk(c) for c in el.text)]
    assert chinese, "the zh figure has no Chinese text"
    cmap = _cmap()
    for text, css in chinese:
        first = re.search(r"font-family:\s*'([^']+)'", css).group(1)
        assert first == style.BUNDLED_FAMILY, (text, css)
        assert all(ord(c) in cmap or c.isspace() for c in text), text
