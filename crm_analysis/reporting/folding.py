"""Cells collapsed in JupyterLab (``metadata.jupyter.source_hidden``) stay folded in a report.

The learning notebooks keep their exercises' solutions in collapsed markdown cells; in the HTML
page each becomes a ``<details>`` block the reader opens on purpose.
"""
from __future__ import annotations

from typing import Any


def is_folded(cell: Any) -> bool:
    """Whether a markdown cell is collapsed in JupyterLab."""
    meta = cell.get("metadata", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("jupyter", {}).get("source_hidden"))


def fold_hidden_cells(nb: Any, lang: str = "en") -> Any:
    """``nb`` with each collapsed markdown cell wrapped in ``<details>`` (changed in place, and returned)."""
    label = "点击展开" if lang == "zh" else "Show"
    for cell in nb.cells:
        if is_folded(cell):
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else label
            summary = first.split("**")[1] if first.startswith("**") and first.count("**") >= 2 else label
            cell.source = f"<details><summary>{summary}</summary>\n\n{cell.source}\n\n</details>"
    return nb
