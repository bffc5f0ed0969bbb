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
