"""Rebuild the Chinese font shipped in ``crm_analysis/plotting/fonts/`` (a subset of Noto Sans SC).

Figures label axes in Chinese; a machine without a CJK font would draw empty boxes, so the
package ships one. Source: the npm package ``@fontsource/noto-sans-sc`` (Noto Sans SC, regular
weight, SIL Open Font License 1.1), which carries the font cut into ~100 WOFF slices. This script
joins the slices' glyphs into one TrueType font and keeps only what reports need:

* the 6,763 hanzi of GB 2312 (every simplified character in common use),
* CJK symbols and punctuation (U+3000-303F), full-width forms (U+FF00-FFEF), general
  punctuation, Latin-1, digits, arrows, math operators and the box-drawing glyphs a table uses,
* every non-ASCII character that appears in ``crm_analysis/**/*.py|yaml`` and
  ``notebooks/*.ipynb`` (tests/test_cjk_font.py checks that the subset still covers them: when it
  fails after new text was written, run this script again and commit the font).

Usage (from the repository root; needs npm for the source, fontTools comes with matplotlib)::

    python tools/make_cjk_font.py                      # downloads the npm package with `npm pack`
    python tools/make_cjk_font.py --source DIR_OR_TGZ  # an unpacked or packed @fontsource/noto-sans-sc

The output is deterministic for a given source (fixed timestamps, sorted glyph order).
"""
from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "crm_analysis" / "plotting" / "fonts"
FONT_FILE = "NotoSansSC-crm-subset.ttf"
FAMILY = "Noto Sans SC CRM Subset"  # its own name: never mistaken for a full system Noto Sans SC
NPM_PACKAGE = "@fontsource/noto-sans-sc@5.3.0"
WEIGHT = "400-normal"

# Code point ranges always kept (besides GB 2312 and the characters the package uses).
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (×, ·, °, ±, …)
    (0x2000, 0x206F),  # general punctuation (— – ‘ ’ “ ” … ‰ ‧)
    (0x2100, 0x214F),  # letterlike symbols (№, ℃)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ≤ ≥ ≈ ≠ ∑)
    (0x2460, 0x24FF),  # enclosed numbers ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ▲ ●)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。「」《》【】〈〉)
    (0xFF00, 0xFFEF),  # full-width forms (，：；（）！？％)
]


def gb2312_hanzi() -> set[int]:
    """The hanzi of GB 2312 (rows 16-87)."""
    chars = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                ch = bytes([lead, trail]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            chars.add(ord(ch))
    return chars


def used_characters(root: Path = ROOT) -> set[int]:
    """Every non-ASCII character in the package's code and data files and in the notebooks."""
    files = [*root.glob("crm_analysis/**/*.py"), *root.glob("crm_analysis/**/*.yaml"), *root.glob("notebooks/*.ipynb")]
    chars: set[int] = set()
    for path in files:
        text = path.read_text("utf-8")
        if path.suffix == ".ipynb":  # the JSON escapes non-ASCII text; read the cells' sources
            text = "\n".join("".join(c.get("source", "")) for c in json.loads(text).get("cells", []))
        chars.update(ord(c) for c in text if ord(c) > 0x7E and not c.isspace())
    return chars


def is_cjk(code: int) -> bool:
    """Hanzi, CJK punctuation and full-width forms: what only a CJK font draws."""
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFFEF


def wanted_codepoints(root: Path = ROOT) -> set[int]:
    wanted = gb2312_hanzi() | used_characters(root)
    for lo, hi in RANGES:
        wanted.update(range(lo, hi + 1))
    return wanted


def _slices(source: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of each regular-weight WOFF slice in an npm package folder or .tgz."""
    pattern = re.compile(rf"files/noto-sans-sc-[a-z0-9-]+-{WEIGHT}\.woff$")
    if source.is_dir():
        return [(p.name, p.read_bytes()) for p in sorted(source.rglob(f"*-{WEIGHT}.woff"))
                if pattern.search(p.as_posix())]
    with tarfile.open(source) as tar:
        members = sorted((m for m in tar.getmembers() if pattern.search(m.name)), key=lambda m: m.name)
        return [(Path(m.name).name, tar.extractfile(m).read()) for m in members]


def merge_slices(slices: list[tuple[str, bytes]]):
    """One TrueType font holding the glyphs, metrics and character map of every slice."""
    from fontTools.ttLib import TTFont

    if not slices:
        raise SystemExit("no Noto Sans SC slices found in the source")
    fonts = [TTFont(io.BytesIO(data)) for _, data in slices]
    base = fonts[0]
    base.flavor = None
    for tag in ("GSUB", "GPOS", "STAT"):  # layout tables of one slice would not cover the others
        if tag in base:
            del base[tag]
    glyf, hmtx = base["glyf"], base["hmtx"]
    vmtx = base["vmtx"] if "vmtx" in base else None
    cmap: dict[int, str] = dict(base.getBestCmap())
    order = list(base.getGlyphOrder())
    seen = set(order)
    for font in fonts[1:]:
        other_glyf = font["glyf"]
        for name in font.getGlyphOrder():
            if name in seen:
                continue
            glyph = other_glyf[name]
            glyph.expand(other_glyf)
            glyf.glyphs[name] = glyph
            hmtx.metrics[name] = font["hmtx"].metrics[name]
            if vmtx is not None and "vmtx" in font:
                vmtx.metrics[name] = font["vmtx"].metrics[name]
            order.append(name)
            seen.add(name)
        for code, name in font.getBestCmap().items():
            cmap.setdefault(code, name)
    glyf.glyphOrder = order
    base.setGlyphOrder(order)
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    tables = []
    for platform, encoding, fmt in ((0, 3, 4), (3, 1, 4), (0, 4, 12), (3, 10, 12)):
        sub = CmapSubtable.newSubtable(fmt)
        sub.platformID, sub.platEncID, sub.language = platform, encoding, 0
        sub.cmap = {c: n for c, n in cmap.items() if fmt == 12 or c <= 0xFFFF}
        tables.append(sub)
    base["cmap"].tables = tables
    # round-trip through bytes so that maxp, loca and the post names are rebuilt consistently
    buffer = io.BytesIO()
    base.save(buffer)
    buffer.seek(0)
    return TTFont(buffer)


def subset(font, codepoints: set[int]):
    from fontTools import subset as ft_subset

    options = ft_subset.Options()
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.glyph_names = False
    options.drop_tables += ["DSIG", "STAT"]
    available = set(font.getBestCmap())
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints & available))
    subsetter.subset(font)
    return font, sorted(codepoints - available)


def rename(font) -> None:
    """A family name of its own (OFL: a modified version is best not sold as the original)."""
    name = font["name"]
    postscript = FAMILY.replace(" ", "")
    for record in list(name.names):
        if record.nameID in (1, 4, 16):
            record.string = FAMILY if record.nameID in (1, 16) else f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = f"{postscript}-Regular"
        elif record.nameID == 3:
            record.string = f"{postscript}-Regular;crm-analysis subset of Noto Sans SC"
    name.names = [r for r in name.names if r.nameID != 16 and r.nameID != 17]
    font["head"].created = font["head"].modified = 3629318400  # fixed (2019-01-01): same source, same bytes
    font.recalcTimestamp = False


def build(source: Path, out: Path) -> tuple[Path, int, list[int]]:
    font = merge_slices(_slices(source))
    wanted = wanted_codepoints()
    font, absent = subset(font, wanted)
    rename(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out, len(font.getBestCmap()), absent


def _npm_pack(folder: Path) -> Path:
    subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return next(folder.glob("*.tgz"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, help=f"unpacked or packed {NPM_PACKAGE} (default: npm pack it)")
    parser.add_argument("--out", type=Path, default=OUT_DIR / FONT_FILE)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or _npm_pack(Path(tmp))
        out, n, absent = build(source, args.out)
    print(f"{out}: {n} characters, {out.stat().st_size / 1e6:.2f} MB")
    rare = [c for c in absent if 0x3400 <= c <= 0x9FFF]
    if rare:  # a few rare GB 2312 hanzi are missing from the npm slices
        print(f"not in the source (left out): {''.join(map(chr, rare))}")
    used = sorted(set(absent) & used_characters())
    others = [c for c in used if not is_cjk(c)]  # Greek, check marks: DejaVu Sans draws them
    if others:
        print(f"used, not in the font, drawn by the fallback font: {''.join(map(chr, others))}")
    used = [c for c in used if is_cjk(c)]
    if used:
        print(f"error: CJK characters used by the package but not in the font: {''.join(map(chr, used))}",
              file=sys.stderr)
    return 1 if used else 0


if __name__ == "__main__":
    sys.exit(main())
