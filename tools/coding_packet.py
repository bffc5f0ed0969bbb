"""Write the packet a second, independent coder works from (issue 16).

The packet holds the codebook (capability definitions and what scores 0, 1 and 2) and, per
framework, only what identifies the source: id, name, authors, year, citation, evidence level and,
where the framework appears in one of the Chinese source articles, that article's file. It holds
none of the first coding: no levels, no reasons, no quotes, and not the catalog's stage lists or
lifecycle mapping (both were written by the first coder and carry its reading).

    python tools/coding_packet.py OUT_DIR [--seeds ../shared/seeds]

The second coder reads only OUT_DIR (and the cited publications) and writes OUT_DIR/coding_b.csv
with columns framework, capability, level, reason, quote, quote_source.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from crm_analysis import frameworks


def write_packet(out: Path, seeds: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = frameworks.load()
    book = frameworks.codebook("en")
    lines = ["# Codebook", "", "Score every framework on every capability: 0, 1 or 2.", ""]
    for lv, (en, _zh) in frameworks.CODEBOOK_LEVELS.items():
        lines.append(f"- **{lv}**: {en}")
    lines += ["", "| capability | name | definition |", "|---|---|---|"]
    for cap, row in book.iterrows():
        lines.append(f"| `{cap}` | {row['name']} | {row['definition']} |")
    (out / "codebook.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["# Frameworks to code", ""]
    for fw in data["frameworks"]:
        seed = fw.get("seed") or {}
        doc = seed.get("doc") if isinstance(seed, dict) else None
        lines += [f"## `{fw['id']}` — {fw['name_en']}", "",
                  f"- name (zh): {fw['name_zh']}",
                  f"- authors: {', '.join(fw.get('authors_en') or []) or 'unknown'}",
                  f"- year: {fw.get('year') or 'undated'}",
                  f"- source: {fw['source_en']}",
                  f"- evidence level: {fw.get('evidence_level')}"]
        if doc:
            lines.append(f"- appears in source article: seeds/{data['seed_documents'][doc]['file']}")
        lines.append("")
    (out / "frameworks.md").write_text("\n".join(lines), encoding="utf-8")

    (out / "seeds").mkdir(exist_ok=True)
    for meta in data["seed_documents"].values():
        shutil.copyfile(seeds / meta["file"], out / "seeds" / meta["file"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "seeds")
    args = ap.parse_args()
    write_packet(args.out, args.seeds)


if __name__ == "__main__":
    main()
