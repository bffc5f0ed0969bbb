"""Scanners of client output: internal references, and half-width punctuation in Chinese prose.

Used by tests/test_client_reports.py and tests/test_report_layout.py (every report of
``make report``).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# ----------------------------------------------------------------------------------------------
# internal references
# ----------------------------------------------------------------------------------------------

# what must never reach a client: paths of this machine, the project's internal sources
INTERNAL = [
    re.compile(r"(?<![\w.])/(?:home|tmp|work|root|usr|var|Users|mnt)/"),  # absolute POSIX paths
    re.compile(r"\b[A-Z]:\\\\"),  # Windows paths
    re.compile(r"\.\./shared"),
    re.compile(r"seed document|seeds/", re.I),
    re.compile(r"资料\s*0\d"),
    re.compile(r"source 0\d\d", re.I),
    re.compile(r"\bseeds? 0\d\d\b", re.I),  # the catalog's internal numbering of the Chinese articles
    re.compile(r"种子文档|文档 ?0\d\d"),
]

# embedded images and fonts: base64 is not text a reader sees (and may spell anything)
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def internal_references(text: str) -> list[str]:
    """Every internal reference in ``text`` (HTML, or text extracted from a PDF, workbook, slides)."""
    text = _DATA_URI.sub("data:", text)
    return [m.group(0) for rx in INTERNAL for m in rx.finditer(text)]


# ----------------------------------------------------------------------------------------------
# half-width punctuation in Chinese prose
# ----------------------------------------------------------------------------------------------

# a Chinese character: CJK ideographs (with extension A and the compatibility block), CJK
# symbols and punctuation (、。《》「」…) and the full-width forms (，；：（）！？)
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_IS_CJK = re.compile(f"[{CJK}]")
_PUNCT = re.compile(rf"(?<=[{CJK}])[,;:?!]|[,;:?!](?=[{CJK}])")
_PAIR = re.compile(r"\(([^()\n]*)\)")
_LATIN = re.compile(r"[A-Za-z]")


def _cjk(ch: str) -> bool:
    return bool(ch) and bool(_IS_CJK.match(ch))


def _chinese_pair(text: str, m: re.Match) -> bool:
    """Whether the ASCII brackets ``m`` (an innermost pair on one line) sit in Chinese text."""
    before = text[:m.start()].rstrip(" ")[-1:]
    after = text[m.end():].lstrip(" ")[:1]
    content = m.group(1).strip()
    return (_cjk(before)                                                   # 合成变量(composite)
            or (_cjk(after) and bool(_IS_CJK.search(content)))              # (价值 × 潜力)的
            or (_cjk(content[:1]) and not _LATIN.match(before or " ")))     # 0.604(其 …), (识别、区分)


#: elements whose text is not prose: code, formulas, embedded scripts and styles, the run's
#: parameter box (the user's own values, shown as given)
SKIP_TAGS = {"code", "pre", "kbd", "samp", "math", "script", "style", "svg", "textarea"}
_SKIP_CLASSES = {"params", "tex", "jp-InputArea", "input_area"}
_BLOCK_TAGS = {"p", "li", "ul", "ol", "td", "th", "tr", "table", "div", "section", "aside", "header", "footer",
               "main", "h1", "h2", "h3", "h4", "h5", "h6", "br", "blockquote", "summary", "details", "figure",
               "figcaption", "caption", "dt", "dd", "title", "hr", "img"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "source", "wbr", "area", "base", "embed", "param",
         "track"}


class _ProseParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append((tag, tag in SKIP_TAGS or bool(classes & _SKIP_CLASSES)))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed inline tags
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def prose_text(html: str) -> str:
    """The prose of an HTML page: its text without code, formulas, scripts, styles or the
    parameter box; block elements (paragraphs, list items, table cells ...) on lines of their own.
    Inline markup (``<strong>数据</strong>：``) does not split the text."""
    parser = _ProseParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def halfwidth_punctuation(text: str, context: int = 12) -> list[str]:
    """Half-width punctuation in Chinese prose, each with some context.

    The rule:

    - an ASCII ``,`` ``;`` ``:`` ``?`` or ``!`` with a Chinese character (ideograph, CJK
      punctuation or full-width form) directly on either side;
    - a pair of ASCII brackets ``( )`` (innermost, on one line) preceded by a Chinese character
      (spaces skipped), or followed by one while holding Chinese text, or opening on Chinese text
      when no Latin letter precedes it; an unpaired ``(`` or ``)`` directly beside a Chinese character.

    Chinese prose uses ``，；：？！（）`` there. Not flagged: the same marks in English text, even
    around Chinese words (``Zhao Ping (赵平) et al. (2007)``, an English citation), notation such
    as ``ICC(1)`` or ``Gamma(r, α) 分布``, numbers (``1,234``, ``p < 0.05``, ``(0.41, 0.54]``), and
    anything in code or formulas (see :func:`prose_text`).
    """
    spans = [m.span() for m in _PUNCT.finditer(text)]
    paired = set()
    for m in _PAIR.finditer(text):
        paired.update((m.start(), m.end() - 1))
        if _chinese_pair(text, m):
            spans.append(m.span())
    for i, ch in enumerate(text):
        if ch in "()" and i not in paired and (_cjk(text[i - 1:i]) or _cjk(text[i + 1:i + 2])):
            spans.append((i, i + 1))
    found = []
    for a, b in sorted(spans):
        a, b = max(0, a - context), min(len(text), b + context)
        found.append(" ".join(text[a:b].split()))
    return found
