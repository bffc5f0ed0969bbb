"""Client deliverables beside ``report.html``: ``report.pdf``, ``tables.xlsx``, ``slides.pptx``.

Everything is read back from a finished run folder — the executed notebook, ``results.json``,
``provenance.json`` and ``figures/`` — so the exports work for every notebook without knowing
its content:

- the PDF (A4, cover, table of contents, page numbers) is typeset by Typst from its PyPI wheel
  (``typst``; no browser, no TeX, no system library), with the shipped CJK font
  (``plotting/fonts``) so Chinese text renders on any machine; prose, tables and figures appear
  in the notebook's order, code never;
- the workbook holds every table of the report, one sheet each, numbers stored as numbers with
  the number format they were shown with; its first sheet is the summary and the provenance;
- the slides: title, summary, then one slide per saved figure; all text is editable.

The prose of a notebook is Markdown; LaTeX in it is drawn with matplotlib's mathtext (a formula
mathtext cannot draw is kept as text).
"""
from __future__ import annotations

import base64
import datetime as _dt
import html as _html
import json
import re
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import ParameterError

FORMATS = ("html", "pdf", "xlsx", "pptx")
FILES = {"pdf": "report.pdf", "xlsx": "tables.xlsx", "pptx": "slides.pptx"}
FONT_DIR = Path(__file__).resolve().parent.parent / "plotting" / "fonts"
# the shipped CJK subset first (Latin and Chinese); Typst's embedded fonts cover the rest (Greek, math)
FONTS = ("Noto Sans SC CRM Subset", "Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")

__all__ = ["FORMATS", "FILES", "parse_formats", "write_exports", "read_document", "Document", "Table"]


def parse_formats(value: Any) -> tuple[str, ...]:
    """``"html,pdf"`` or ``["html", "pdf"]`` → ``("html", "pdf")``; html is always written."""
    if value is None:
        return ("html",)
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in items:
        name = str(item).strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise ParameterError(f"--format {name!r}: expected a comma-separated list of {', '.join(FORMATS)}")
        out.append(name)
    return tuple(dict.fromkeys(["html", *out]))


# ----------------------------------------------------------------------------------------------
# reading the run folder
# ----------------------------------------------------------------------------------------------

@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Document:
    """A report as a flat list of blocks, in reading order."""

    title: str
    lang: str
    subtitle: str = ""
    summary_blocks: int = 0  # the first blocks come from the summary cell (shown before the contents)
    blocks: list[tuple] = field(default_factory=list)  # ("heading", level, text) | ("md", text) | ("table", Table) | ("image", bytes)
    results: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [b[1] for b in self.blocks if b[0] == "table"]

    def meta(self, key: str) -> str:
        """A common parameter (title, client, wave, author) of the run, '' when not set."""
        value = (self.provenance.get("parameters") or {}).get(key)
        return "" if value in (None, "") else str(value)


class _TableParser(HTMLParser):
    """Every ``<table>`` of an HTML fragment as header row + body rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[str]], list[list[str]]]] = []
        self._in_head = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0  # inside <style>/<script>

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            head, body = self.tables[-1]
            (head if self._in_head else body).append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def html_tables(fragment: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every table in an HTML fragment; multi-row headers are joined per column."""
    parser = _TableParser()
    parser.feed(fragment)
    out = []
    for head, body in parser.tables:
        width = max([len(r) for r in head + body] or [0])
        if not width:
            continue
        if head:
            columns = [" ".join(dict.fromkeys(x for x in (r[i] if i < len(r) else "" for r in head) if x)) for i in range(width)]
        else:
            columns, body = (body[0], body[1:]) if body else ([], [])
        columns = [*columns, *[""] * (width - len(columns))]
        rows = [[*r, *[""] * (width - len(r))] for r in body]
        out.append((columns, rows))
    return out


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _markdown_blocks(text: str) -> list[tuple]:
    """Split Markdown into headings, display formulas and the other paragraphs."""
    blocks: list[tuple] = []
    para: list[str] = []

    def flush() -> None:
        if any(line.strip() for line in para):
            blocks.append(("md", "\n".join(para).strip("\n")))
        para.clear()

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _HEADING.match(line)
        if m:
            flush()
            blocks.append(("heading", len(m.group(1)), m.group(2)))
        elif line.strip().startswith("|"):  # a pipe table
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                    rows.append([_plain(c) for c in cells])
                i += 1
            if rows:
                blocks.append(("table", Table(caption="", header=rows[0], rows=rows[1:])))
            continue
        elif line.strip().startswith("$$"):
            flush()
            formula = [line.strip()[2:]]
            while not formula[-1].rstrip().endswith("$$") and i + 1 < len(lines):
                i += 1
                formula.append(lines[i])
            body = "\n".join(formula).rstrip()
            blocks.append(("math", body[:-2] if body.endswith("$$") else body))
        elif not line.strip():
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def read_document(run_dir: str | Path, *, title: str | None = None, subtitle: str | None = None,
                  lang: str | None = None) -> Document:
    """The content of a finished run folder as a :class:`Document` (no code, client view)."""
    import nbformat

    from .html import _client_copy

    run_dir = Path(run_dir)
    notebooks = sorted(run_dir.glob("*.ipynb"))
    if not notebooks:
        raise ParameterError(f"{run_dir}: no executed notebook in this run folder")
    nb = _client_copy(nbformat.read(str(notebooks[0]), as_version=4), with_code=False)
    results = _read_json(run_dir / "results.json")
    provenance = _read_json(run_dir / "provenance.json")
    params = provenance.get("parameters") or {}
    lang = lang or str(params.get("lang") or "en")
    doc = Document(title=str(params.get("title") or title or run_dir.name), lang=lang,
                   results=results, provenance=provenance, subtitle=subtitle or "")
    last_heading = ""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
            continue  # exercises' solutions: not part of a client document
        if cell.cell_type == "markdown":
            for block in _markdown_blocks(cell.source):
                last_heading = _add(doc, block, last_heading)
            continue
        if cell.cell_type != "code":
            continue
        is_summary = "summary" in cell.get("metadata", {}).get("tags", []) and len(doc.blocks) == doc.summary_blocks
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if "text/html" in data and "<table" in str(data["text/html"]):
                for n, (columns, rows) in enumerate(html_tables(str(data["text/html"]))):
                    doc.blocks.append(("table", Table(caption=last_heading, header=columns, rows=rows)))
            elif "image/png" in data:
                doc.blocks.append(("image", base64.b64decode(data["image/png"])))
            elif "text/markdown" in data:
                for block in _markdown_blocks(str(data["text/markdown"])):
                    last_heading = _add(doc, block, last_heading)
        if is_summary:
            doc.summary_blocks = len(doc.blocks)
    return doc


def _add(doc: Document, block: tuple, last_heading: str) -> str:
    """Append a Markdown block; a table takes the heading above it as caption. Returns the heading."""
    if block[0] == "heading":
        last_heading = block[2]
    elif block[0] == "md" and (m := re.match(r"^\*\*(.{2,80}?)\*\*", block[1])):
        last_heading = m.group(1)  # a bold lead-in names the table under it
    elif block[0] == "table" and not block[1].caption:
        block[1].caption = last_heading
    doc.blocks.append(block)
    return last_heading


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


# ----------------------------------------------------------------------------------------------
# numbers as shown → numbers with a format
# ----------------------------------------------------------------------------------------------

_NUM = re.compile(r"^\s*([-+−]?)(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?\s*(%?)\s*$")


def parse_number(text: str) -> tuple[float, str] | None:
    """``"1,234.50"`` → ``(1234.5, "#,##0.00")``; ``"12%"`` → ``(0.12, "0%")``; else ``None``."""
    m = _NUM.match(text or "")
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    sign, whole, frac, pct = m.groups()
    value = float((whole or "0").replace(",", "") + ("." + frac if frac else ""))
    if sign in ("-", "−"):
        value = -value
    decimals = len(frac or "")
    fmt = ("#,##0" if whole and "," in whole else "0") + ("." + "0" * decimals if decimals else "")
    if pct:
        return value / 100, fmt.replace("#,##", "") + "%"
    return value, fmt


# ----------------------------------------------------------------------------------------------
# labels of the fixed parts
# ----------------------------------------------------------------------------------------------

_WORDS = {
    "contents": ("Contents", "目录"), "summary": ("Summary", "摘要"), "client": ("Client", "客户"),
    "wave": ("Wave", "调查期"), "author": ("Author", "作者"), "date": ("Date", "日期"),
    "provenance": ("Provenance", "数据来源与可重复性"), "file": ("file", "文件"), "inputs": ("Input files", "输入文件"),
    "parameters": ("Parameters", "参数"), "packages": ("Software", "软件"), "notebook": ("Analysis", "分析"),
    "headline": ("Headline", "要点"), "actions": ("Top actions", "优先行动"), "verdict": ("Model quality", "模型质量"),
    "tables": ("Tables", "表格"), "table": ("table", "表"), "page": ("page", "页"), "figure": ("Figure", "图"),
    "generated": ("Generated", "生成时间"), "version": ("version", "版本"), "value": ("value", "取值"),
}


def _w(key: str, lang: str) -> str:
    en, zh = _WORDS[key]
    return zh if lang == "zh" else en


def summary_lines(doc: Document) -> list[tuple[str, str]]:
    """(label, text) lines of the run's summary: ``results['summary']`` when the notebook wrote
    one (headline figures, actions, verdict), else its headline."""
    s = doc.results.get("summary") or {}
    lines: list[tuple[str, str]] = []
    for fig in s.get("figures") or []:
        lines.append((str(fig.get("label", "")), str(fig.get("text", ""))))
    for i, action in enumerate(s.get("actions") or [], 1):
        lines.append((f"{_w('actions', doc.lang)} {i}", str(action)))
    if s.get("verdict"):
        lines.append((_w("verdict", doc.lang), str(s["verdict"])))
    if not lines and doc.results.get("headline"):
        lines.append((_w("headline", doc.lang), str(doc.results["headline"])))
    return lines


def cover_fields(doc: Document) -> list[tuple[str, str]]:
    started = str(doc.provenance.get("started") or "")[:10]
    fields = [(_w(k, doc.lang), doc.meta(k)) for k in ("client", "wave", "author")]
    fields.append((_w("date", doc.lang), started or _dt.date.today().isoformat()))
    return [(k, v) for k, v in fields if v]


def provenance_rows(doc: Document) -> list[tuple[str, str]]:
    """What the appendix and the first sheet say about the inputs: file names (never paths)
    and their SHA-256, the parameters (file parameters by name only), software versions."""
    p = doc.provenance
    rows: list[tuple[str, str]] = []
    nb = p.get("notebook")
    if nb:
        rows.append((_w("notebook", doc.lang), f"{nb} (SHA-256 {p.get('notebook_sha256', '')})"))
    for name, info in (p.get("inputs") or {}).items():
        rows.append((f"{_w('file', doc.lang)}: {name}", f"{Path(str(info.get('path', ''))).name} "
                     f"(SHA-256 {info.get('sha256', '')}, {info.get('bytes', '')} bytes)"))
    for entry in doc.results.get("input_files") or []:  # files a notebook read beyond its input parameters
        rows.append((f"{_w('file', doc.lang)}: {entry.get('role', '')}".rstrip(": "),
                     f"{Path(str(entry.get('name', ''))).name} (SHA-256 {entry.get('sha256', '')})"))
    inputs = set((p.get("inputs") or {}))
    for name, value in (p.get("parameters") or {}).items():
        if name in inputs or (isinstance(value, str) and ("/" in value or "\\" in value)):
            value = Path(str(value)).name
        rows.append((f"{_w('parameters', doc.lang)}: {name}", "" if value is None else str(value)))
    git = p.get("git") or {}
    if git.get("commit"):
        rows.append(("git", str(git["commit"])[:12] + (" (modified)" if git.get("dirty") else "")))
    for name, version in (p.get("packages") or {}).items():
        if version:
            rows.append((f"{_w('packages', doc.lang)}: {name}", str(version)))
    for key in ("started", "finished"):
        if p.get(key):
            rows.append((key, str(p[key])))
    return rows


# ----------------------------------------------------------------------------------------------
# PDF (Typst)
# ----------------------------------------------------------------------------------------------

def _q(text: str) -> str:
    """A Typst string literal (text inserted verbatim: no markup character is interpreted)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


# Markdown inline markup, as CommonMark reads it: emphasis with * may sit inside a word (即*合成变量*，
# Chinese has no spaces), emphasis with _ may not (snake_case_names); a * or _ next to a space
# is a literal character (2 * 3). Backslash escapes (\*) are taken out first (see _escape).
_STAR_EM = r"(?<!\*)\*[^*\s](?:[^*]*?[^*\s])?\*(?!\*)"
_UNDER_EM = r"(?<![\w_])_[^_\s](?:[^_]*?[^_\s])?_(?![\w_])"
_INLINE = re.compile(rf"(\*\*[^*\s](?:.*?[^*\s])?\*\*|__[^_\s](?:.*?[^_\s])?__|`[^`]+`|\$[^$]+\$|\[[^\]]+\]\([^)]+\)|{_STAR_EM}|{_UNDER_EM})")
# a backslash escape of Markdown: \ before an ASCII punctuation character
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ESCAPED = re.compile("[\ue000-\ue07f]")


def _escape(md: str) -> str:
    """Markdown's backslash escapes as private-use characters, so that no rule takes ``\\*`` for
    markup; :func:`_unescape` turns them into the literal character (prose) or back (code, math)."""
    return _ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), md)


def _unescape(text: str, keep: bool = False) -> str:
    """The escaped characters as themselves (``keep``: with their backslash, as in code and formulas)."""
    return _ESCAPED.sub(lambda m: ("\\" if keep else "") + chr(ord(m.group(0)) - 0xE000), text)
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_CJK_TAIL = re.compile(r"[，。；：、,.;:\s]+$")


class _Math:
    """Formulas drawn by matplotlib's mathtext as SVG files of the Typst project."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.n = folder, 0

    def image(self, latex: str, size: float) -> str | None:
        from matplotlib import mathtext
        from matplotlib.font_manager import FontProperties

        latex = latex.strip()
        if _CJK.search(latex):  # mathtext has no CJK font: such a formula stays as text
            return None
        # mathtext lacks a few LaTeX sizing commands; they only change bracket sizes
        latex = re.sub(r"\\(?:[Bb]igg?[lr]?|left|right)(?=[()\[\]|.\\])", "", latex)
        latex = latex.replace("\\,", "\\ ").replace("\\;", "\\ ").replace("\\qquad", "\\quad")
        self.n += 1
        path = self.folder / f"math{self.n}.svg"
        try:
            mathtext.math_to_image(f"${latex}$", str(path), prop=FontProperties(size=size), format="svg")
        except Exception:  # a command mathtext does not know: the formula stays as text
            return None
        return path.name


def _inline_typst(text: str, math: _Math) -> str:
    text = _escape(text)
    out = []
    pos = 0

    def prose(part: str) -> str:
        return "#" + _q(_unescape(part))

    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(prose(text[pos:m.start()]))
        tok = m.group(0)
        if tok.startswith(("**", "__")):
            out.append(f"#strong({_q(_plain(_unescape(tok[2:-2], keep=True)))})")
        elif tok.startswith("`"):
            out.append(f"#raw({_q(_unescape(tok[1:-1], keep=True))})")
        elif tok.startswith("$"):
            latex = _unescape(tok[1:-1], keep=True)
            name = math.image(latex, 10)
            out.append(f'#box(baseline: 25%, image("{name}"))' if name else f"#emph({_q(latex)})")
        elif tok.startswith("["):
            out.append(prose(tok[1:tok.index("]")]))
        else:
            out.append(f"#emph({_q(_plain(_unescape(tok[1:-1], keep=True)))})")
        pos = m.end()
    if pos < len(text):
        out.append(prose(text[pos:]))
    return "".join(out)


def _plain(md: str) -> str:
    """Markdown inline text without its markup (for the workbook and the slides)."""
    parts = re.split(r"(`[^`]+`)", _escape(md))  # code spans keep every character
    for i, text in enumerate(parts):
        if i % 2:
            parts[i] = _unescape(text[1:-1], keep=True)
            continue
        text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
        text = re.sub(r"(\*\*|__)([^*_\s](?:.*?[^*_\s])?)\1", r"\2", text)
        text = re.sub(_STAR_EM, lambda m: m.group(0)[1:-1], text)
        text = re.sub(_UNDER_EM, lambda m: m.group(0)[1:-1], text)
        parts[i] = _unescape(text)
    return "".join(parts)


_LIST = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")


def _md_typst(md: str, math: _Math) -> str:
    """A Markdown paragraph (prose, lists, quotes) as Typst markup."""
    items: list[tuple[str, str]] = []  # (kind, text): kind "p", "-", "1", ">"
    for line in md.splitlines():
        m = _LIST.match(line)
        stripped = line.strip()
        if m:
            items.append(("-" if m.group(2) in "-*+" else "1", m.group(3)))
        elif stripped.startswith(">"):
            items.append((">", stripped.lstrip(">").strip()))
        elif items and stripped:
            items[-1] = (items[-1][0], items[-1][1] + " " + stripped)
        elif stripped:
            items.append(("p", stripped))
    out = []
    for kind, text in items:
        body = _inline_typst(text, math)
        if kind == "-":
            out.append(f"- {body}")
        elif kind == "1":
            out.append(f"+ {body}")
        elif kind == ">":
            out.append(f"#block(fill: rgb(\"#fdf7e8\"), stroke: rgb(\"#e3c27a\"), inset: 6pt, radius: 3pt, width: 100%)[{body}]")
        else:
            out.append(body + "\n")
    return "\n".join(out) + "\n"


_UNBREAKABLE = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def _text_width(text: str) -> float:
    """Width of ``text`` in Latin characters (a Chinese character is about two)."""
    return sum(2.0 if _CJK.match(ch) else 1.0 for ch in text)


def column_weights(table: Table) -> list[float]:
    """Relative widths of a table's columns (Typst ``fr``): every column at least as wide as its
    longest unbreakable run (a word, a number; Chinese text breaks between any two characters),
    the rest shared by how long its cells are. Equal widths would let a long word of a narrow
    column (``converged``) run into its neighbour."""
    n = len(table.header)
    weights = []
    for i in range(n):
        texts = [table.header[i]] + [row[i] for row in table.rows if i < len(row)]
        longest_run = max((_text_width(m.group(0)) for t in texts for m in _UNBREAKABLE.finditer(t)), default=1.0)
        # a short Chinese label (自由度, 基准) stays on one line; longer Chinese text keeps three characters
        longest_run = max([longest_run] + [_text_width(t) if len(t) <= 6 else min(_text_width(t), 6.0)
                                           for t in texts if _CJK.search(t)])
        full = max((_text_width(t) for t in texts), default=1.0)
        weights.append(max(longest_run * 1.15, min(full, 36.0) * 0.6, 3.0))
    return weights


def _table_typst(table: Table) -> str:
    n = len(table.header)
    size = 9 if n <= 5 else 8 if n <= 8 else 6.5 if n <= 12 else 5.5
    widths = "(" + ", ".join(f"{w:.2f}fr" for w in column_weights(table)) + ",)"

    def cell(text: str, head: bool = False) -> str:
        align = "right" if (not head and parse_number(text) is not None) else "left"
        content = f"#strong({_q(text)})" if head else f"#{_q(text)}"
        return f"table.cell(align: {align})[{content}]"

    cells = ", ".join(cell(c, True) for c in table.header)
    body = ",\n  ".join(", ".join(cell(c) for c in row) for row in table.rows)
    return (f"#block(breakable: true)[#set text(size: {size}pt)\n#table(columns: {widths}, stroke: 0.4pt + luma(200), "
            f"fill: (x, y) => if y == 0 {{ luma(240) }}, inset: 3pt,\n  table.header({cells}),\n  {body})]\n")


def typst_source(doc: Document, folder: Path) -> str:
    """The whole report as a Typst document; images and formulas are written into ``folder``."""
    lang = doc.lang
    math = _Math(folder)
    fonts = "(" + ", ".join(_q(f) for f in FONTS) + ")"
    src = [
        f'#set document(title: {_q(doc.title)}, author: {_q(doc.meta("author") or "crm-analysis")})',
        f'#set text(font: {fonts}, size: 10pt, lang: "{"zh" if lang == "zh" else "en"}")',
        '#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm))',
        "#set par(justify: false, leading: 0.75em)",
        "#set heading(numbering: none)",
        '#show heading.where(level: 1): set text(size: 15pt, fill: rgb("#1f5a96"))',
        '#show heading.where(level: 2): set text(size: 12.5pt, fill: rgb("#1f5a96"))',
        '#show heading.where(level: 3): set text(size: 11pt, fill: rgb("#1f5a96"))',
        # the shipped CJK font has one weight: bold is drawn with a thin outline
        '#show strong: it => text(stroke: 0.02em + black, it.body)',
        '#show heading: it => text(stroke: 0.03em + rgb("#1f5a96"), it)',
        # cover
        "#v(5cm)",
        f'#text(size: 24pt, weight: "bold", fill: rgb("#1f5a96"))[#{_q(doc.title)}]',
        "#v(0.6cm)",
    ]
    if doc.subtitle and doc.subtitle != doc.title:
        src.append(f"#text(size: 13pt)[#{_q(doc.subtitle)}]\n#v(0.6cm)")
    for label, value in cover_fields(doc):
        src.append(f"#text(size: 12pt)[#strong({_q(label)}): #{_q(value)}] \\")
    src += ["#pagebreak()",
            '#set page(numbering: "1 / 1", number-align: center)',
            "#counter(page).update(1)"]
    images = [0]

    def emit(block: tuple) -> None:
        kind = block[0]
        if kind == "heading":
            level = min(block[1], 3)
            src.append("=" * level + " " + _inline_typst(_plain(block[2]), math))
        elif kind == "md":
            src.append(_md_typst(block[1], math))
        elif kind == "math":
            latex = block[1].strip()
            tail = _CJK_TAIL.search(latex)
            if tail:
                latex = latex[:tail.start()]
            name = math.image(latex, 13)
            src.append(f'#align(center)[#image("{name}", height: auto)]' if name
                       else f"#align(center)[#raw({_q(latex)})]")
        elif kind == "table":
            src.append(_table_typst(block[1]))
        elif kind == "image":
            images[0] += 1
            name = f"figure{images[0]}.png"
            (folder / name).write_bytes(block[1])
            src.append(f'#align(center)[#image("{name}", width: 85%)]')

    # the one-screen summary first, then the table of contents, then the report
    for block in doc.blocks[:doc.summary_blocks]:
        emit(block)
    if doc.summary_blocks:
        src.append("#pagebreak()")
    src += [f"#outline(title: {_q(_w('contents', lang))}, depth: 2)", "#pagebreak()"]
    for block in doc.blocks[doc.summary_blocks:]:
        emit(block)
    prov = provenance_rows(doc)
    if prov:
        src.append(f"= {_inline_typst(_w('provenance', lang), math)}")
        src.append(_table_typst(Table("", [_w("parameters", lang), _w("value", lang)], [list(r) for r in prov])))
    return "\n".join(src) + "\n"


def write_pdf(doc: Document, path: Path) -> Path:
    import typst

    with tempfile.TemporaryDirectory(prefix="crm-pdf-") as tmp:
        folder = Path(tmp)
        (folder / "report.typ").write_text(typst_source(doc, folder), "utf-8")
        pdf = typst.compile(str(folder / "report.typ"), root=str(folder), font_paths=[str(FONT_DIR)],
                            ignore_system_fonts=True)
    path.write_bytes(pdf)
    return path


# ----------------------------------------------------------------------------------------------
# Excel
# ----------------------------------------------------------------------------------------------

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(doc: Document, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _w("summary", doc.lang)
    bold = Font(bold=True)
    ws.append([doc.title])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in cover_fields(doc):
        ws.append([label, value])
    ws.append([])
    ws.append([_w("summary", doc.lang)])
    ws.cell(ws.max_row, 1).font = bold
    for label, text in summary_lines(doc):
        ws.append([label, _plain(text)])
    ws.append([])
    ws.append([_w("provenance", doc.lang)])
    ws.cell(ws.max_row, 1).font = bold
    for label, text in provenance_rows(doc):
        ws.append([label, text])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows():
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    used: set[str] = {ws.title}
    for i, table in enumerate(doc.tables, 1):
        base = _BAD_SHEET.sub(" ", f"{i:02d} {_plain(table.caption)}".strip())[:31].strip() or f"{i:02d}"
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base[:27]}~{k}"
        used.add(name)
        sh = wb.create_sheet(name)
        sh.append(table.header)
        for c in sh[1]:
            c.font = bold
        for r, row in enumerate(table.rows, start=2):
            for col, text in enumerate(row, start=1):
                parsed = parse_number(text)
                cell = sh.cell(r, col)
                if parsed is None:
                    cell.value = text
                else:
                    cell.value, cell.number_format = parsed
        sh.freeze_panes = "A2"
        for col in range(1, len(table.header) + 1):
            width = max(len(str(sh.cell(r, col).value or "")) for r in range(1, sh.max_row + 1))
            sh.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
    wb.properties.title = doc.title
    wb.properties.creator = doc.meta("author") or "crm-analysis"
    wb.save(str(path))
    return path


# ----------------------------------------------------------------------------------------------
# PowerPoint
# ----------------------------------------------------------------------------------------------

def _figure_titles(run_dir: Path) -> dict[str, str]:
    index = _read_json(run_dir / "figures" / "index.json")
    return {k: str(v) for k, v in index.items()} if isinstance(index, dict) else {}


def write_pptx(doc: Document, path: Path, run_dir: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Emu, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 16:9
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = doc.title
    slide.placeholders[1].text = "\n".join(f"{k}: {v}" for k, v in cover_fields(doc))

    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = _w("summary", doc.lang)
    body = slide.placeholders[1].text_frame
    lines = summary_lines(doc)
    for i, (label, text) in enumerate(lines):
        para = body.paragraphs[0] if i == 0 else body.add_paragraph()
        para.text = f"{label}: {_plain(text)}" if label else _plain(text)
        para.font.size = Pt(18 if len(lines) <= 6 else 14)

    titles = _figure_titles(run_dir)
    figures = sorted((run_dir / "figures").glob("*.png"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    if titles:  # the order the notebook saved them in
        order = list(titles)
        figures.sort(key=lambda p: order.index(p.stem) if p.stem in order else len(order))
    blank = prs.slide_layouts[5]  # title only
    for fig in figures:
        slide = prs.slides.add_slide(blank)
        slide.shapes.title.text = titles.get(fig.stem) or fig.stem.replace("_", " ").capitalize()
        slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(26)
        from PIL import Image

        with Image.open(fig) as im:
            w, h = im.size
        top, max_w, max_h = Emu(1400000), prs.slide_width - Emu(800000), prs.slide_height - Emu(1600000)
        scale = min(max_w / w, max_h / h)
        width, height = int(w * scale), int(h * scale)
        slide.shapes.add_picture(str(fig), int((prs.slide_width - width) / 2), top, width, height)
    prs.core_properties.title = doc.title
    prs.core_properties.author = doc.meta("author") or "crm-analysis"
    prs.save(str(path))
    return path


def write_exports(run_dir: str | Path, formats: tuple[str, ...] | list[str], *, title: str | None = None,
                  lang: str | None = None) -> list[Path]:
    """Write the requested exports (``pdf``, ``xlsx``, ``pptx``; ``html`` is the runner's) into
    ``run_dir`` and return their paths."""
    wanted = [f for f in parse_formats(list(formats)) if f != "html"]
    if not wanted:
        return []
    run_dir = Path(run_dir)
    doc = read_document(run_dir, title=title, subtitle=title, lang=lang)
    written = []
    for fmt in wanted:
        target = run_dir / FILES[fmt]
        if fmt == "pdf":
            written.append(write_pdf(doc, target))
        elif fmt == "xlsx":
            written.append(write_xlsx(doc, target))
        else:
            written.append(write_pptx(doc, target, run_dir))
    return written
