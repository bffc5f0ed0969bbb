"""Bilingual notebooks: cells tagged ``lang-en`` / ``lang-zh`` hold the prose of one language.

JupyterLab shows both languages; a report keeps the reader's: :func:`keep_language` drops the
other language's cells before the notebook is executed, so neither the executed notebook nor
its HTML holds them. Cells without a language tag (code, shared figures) are kept.
:func:`zh_punctuation_problems` finds half-width punctuation in Chinese prose (the Chinese
text uses full-width ，。：；？！（）).
"""
from __future__ import annotations

import copy
import re
from typing import Any

from ..i18n import LANGS, check_lang

TAG_PREFIX = "lang-"


def cell_lang(cell: Any) -> str | None:
    """The language a cell is tagged with (``"en"``/``"zh"``), or ``None`` for a shared cell."""
    tags = cell.get("metadata", {}).get("tags", []) or []
    found = [t[len(TAG_PREFIX):] for t in tags if isinstance(t, str) and t.startswith(TAG_PREFIX)]
    if len(found) > 1:
        raise ValueError(f"a cell is tagged with several languages: {found}")
    return found[0] if found else None


def keep_language(nb: Any, lang: str) -> Any:
    """A copy of ``nb`` without the cells tagged with another language than ``lang``."""
    check_lang(lang)
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if cell_lang(c) in (None, lang)]
    return out


def has_language_cells(nb: Any) -> bool:
    """Whether any cell of ``nb`` carries a language tag."""
    return any(cell_lang(c) in LANGS for c in nb.cells)


def source_for(path: Any, lang: str) -> Any:
    """What papermill should execute for a report in ``lang``: the notebook at ``path`` without the other
    language's cells (a NotebookNode), or the path itself when the notebook has no language cells."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return keep_language(nb, lang) if has_language_cells(nb) else str(path)


# a CJK character next to half-width punctuation that should be full-width in Chinese prose
_CJK = r"[\u3400-\u9fff]"
_HALF = r"[,;:?!()]"
_HALF_NEAR_CJK = re.compile(rf"{_CJK}{_HALF}|{_HALF}{_CJK}|{_CJK}\.(?:\s|$)")
_CODE_OR_MATH = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\]\([^)]*\)|https?://\S+", re.S)


def zh_punctuation_problems(text: str) -> list[str]:
    """Snippets of ``text`` where half-width punctuation touches a Chinese character.

    Code spans, LaTeX and link targets are skipped. An empty list means the punctuation is full-width.
    """
    prose = _CODE_OR_MATH.sub(" ", text)
    return [prose[max(0, m.start() - 8): m.end() + 8].replace("\n", " ") for m in _HALF_NEAR_CJK.finditer(prose)]
