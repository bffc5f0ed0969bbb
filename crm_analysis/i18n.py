"""Bilingual text for reports: every user-facing label exists in English and Chinese."""
from __future__ import annotations

from .errors import ParameterError

LANGS = ("en", "zh")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported report language, else raise a clear error."""
    if lang not in LANGS:
        raise ParameterError(f"lang={lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def t(en: str, zh: str, lang: str) -> str:
    """Pick the English or Chinese text for ``lang`` (``"en"`` or ``"zh"``)."""
    return zh if check_lang(lang) == "zh" else en


def p_text(p: float) -> str:
    """A p-value as read in a sentence: ``"p < 0.001"`` or ``"p = 0.042"`` (the same in both languages)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
