"""Turn an executed notebook into a self-contained HTML report (no network needed to view it)."""
from __future__ import annotations

import copy
import html
import re
from typing import Any

from .folding import fold_hidden_cells
from .math import render_math

# A table cell holding just a number (1,234.5 / -0.12 / 3e-05 / 12% / < 0.001): right-aligned.
_NUMERIC_CELL = re.compile(r"<td>(\s*(?:(?:[<>≤≥]|&lt;|&gt;)\s*)?[-+−]?(?:\d[\d,]*\.?\d*|\.\d+)(?:e[-+]?\d+)?%?\s*)</td>")

# Every table cell: its tag, attributes and content (cells do not nest in a report's tables).
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
SHORT_CELL = 10  # characters: a cell this short without a space never wraps
LONG_CELL = 20  # characters: a Chinese header up to this long breaks at its spaces only


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _cell_class(text: str, tag: str = "td") -> str | None:
    """How a table cell may wrap (see the CSS): ``"nw"`` a short cell without spaces (a label, a
    number, a header such as 基准) never wraps; ``"kw"`` a short header with Chinese text and
    spaces wraps at its spaces only; ``"cjk"`` any other cell with Chinese text wraps anywhere
    but keeps a minimum width; ``None`` Latin text (it wraps at its spaces as it should)."""
    text = " ".join(text.split())
    if text and " " not in text and len(text) <= SHORT_CELL:
        return "nw"
    if not _CJK.search(text):
        return None
    if tag == "th" and len(text) <= LONG_CELL:
        return "kw"
    return "cjk"


def _mark_cells(body: str) -> str:
    """Give every table cell the class that decides how it wraps (see the CSS)."""

    def mark(m: re.Match) -> str:
        tag, attrs, content = m.groups()
        cls = _cell_class(html.unescape(_TAGS.sub("", content)), tag)
        if cls is None:
            return m.group(0)
        found = re.search(r"""\bclass\s*=\s*(["'])(.*?)\1""", attrs)
        if found:
            attrs = attrs[:found.start(2)] + f"{found.group(2)} {cls}".strip() + attrs[found.end(2):]
        else:
            attrs = f'{attrs.rstrip()} class="{cls}"'
        return f"<{tag}{attrs}>{content}</{tag}>"

    return _CELL.sub(mark, body)


_CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#d9dee5; --accent:#1f5a96; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
       -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; color:var(--ink); line-height:1.55; }
header.report { background:#f4f6f9; border-bottom:1px solid var(--line); padding:1.2rem 2rem; }
header.report h1 { margin:0 0 .3rem 0; font-size:1.6rem; color:var(--accent); }
header.report .meta { color:var(--muted); font-size:.9rem; }
main { max-width:1100px; margin:0 auto; padding:1rem 2rem 3rem 2rem; }
details.params { margin-top:.5rem; font-size:.85rem; }
details.params table { margin-top:.3rem; }
table { border-collapse:collapse; margin:.6rem 0; font-size:.88rem; }
/* A wide table scrolls inside its own box: never clipped, never wider than the page. */
table { display:block; max-width:100%; overflow-x:auto; }
th, td { border-bottom:1px solid var(--line); padding:.25rem .6rem; text-align:left; vertical-align:top; }
/* Chinese text may break between any two characters, so a squeezed column shows one character
   per line. Classes set by _mark_cells: a short cell without spaces (a label, a number, a header
   such as 基准) does not wrap; a short Chinese header wraps at its spaces only; other Chinese
   cells wrap anywhere but keep a readable width. */
th.nw, td.nw { white-space:nowrap; }
th.kw { word-break:keep-all; }
td.cjk { min-width:7em; } th.cjk { min-width:4.5em; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
th { background:#f4f6f9; font-weight:600; }
td:first-child, th:first-child { text-align:left; }
main p, main li { overflow-wrap:break-word; }
math[display="block"] { max-width:100%; overflow-x:auto; }
section.inputs td code { overflow-wrap:anywhere; }  /* a SHA-256 wraps on a narrow screen */
img { max-width:100%; height:auto; }
pre { background:#f7f7f9; padding:.6rem; overflow-x:auto; font-size:.82rem; }
.jp-InputArea, .input_area { background:#f7f7f9; }
.jp-OutputArea-output pre { background:none; padding:0; }
details.solution, main details { margin:.4rem 0; }
main details > summary { cursor:pointer; color:var(--accent); font-weight:600; }
aside.notes { border:1px solid #e3c27a; background:#fdf7e8; border-radius:4px; padding:.5rem 1rem; margin:1rem 0; }
aside.notes h2 { font-size:1rem; margin:.2rem 0 .4rem 0; color:#7a5a12; }
aside.notes ul { margin:0; padding-left:1.2rem; font-size:.88rem; }
aside.notes code { color:var(--muted); font-size:.8rem; }
footer { color:var(--muted); font-size:.8rem; border-top:1px solid var(--line); padding:1rem 2rem; }
"""


def _client_copy(nb: Any, with_code: bool) -> Any:
    """A copy of the notebook fit for a client: no stderr, no injected-parameters cell."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if not with_code and ("injected-parameters" in tags or "parameters" in tags):
            continue
        if cell.cell_type == "code" and not with_code:
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    # the one-screen summary (a cell tagged "summary", computed last) opens the client report
    nb.cells = ([c for c in cells if "summary" in c.get("metadata", {}).get("tags", [])]
                + [c for c in cells if "summary" not in c.get("metadata", {}).get("tags", [])])
    return nb


def shown_value(value: Any) -> str:
    """A parameter's value as a client may see it: a file by its name, never its path."""
    import os

    if isinstance(value, str) and (os.sep in value or "/" in value) and (os.path.isabs(value) or os.path.exists(value)):
        return os.path.basename(value)
    if isinstance(value, list):
        return "[" + ", ".join(shown_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def input_files(provenance: dict[str, Any], results: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(file name, SHA-256) of every input of a run: its input parameters (provenance.json) and the
    files a notebook read on its own (``results["input_files"]``, e.g. survey waves)."""
    import os

    files = [(os.path.basename(str(v.get("path", ""))), str(v.get("sha256", "")))
             for v in (provenance.get("inputs") or {}).values()]
    files += [(os.path.basename(str(e.get("name", ""))), str(e.get("sha256", "")))
              for e in (results or {}).get("input_files") or []]
    return list(dict.fromkeys(files))


def inputs_appendix(inputs: list[tuple[str, str]] | None, lang: str = "en") -> str:
    """The appendix naming the input files (never their paths) with their SHA-256."""
    if not inputs:
        return ""
    heading = "附录：输入文件" if lang == "zh" else "Appendix: input files"
    head = ("<tr><th>文件</th><th>SHA-256</th></tr>" if lang == "zh" else "<tr><th>file</th><th>SHA-256</th></tr>")
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td><code>{html.escape(h)}</code></td></tr>" for n, h in inputs)
    return f'<section class="inputs" style="max-width:1100px;margin:0 auto;padding:0 2rem 2rem 2rem"><h2>{heading}</h2><table>{head}{rows}</table></section>'


def notes_box(notes: list[dict[str, Any]] | None, lang: str = "en") -> str:
    """The warnings and notes of a run as a box for the top of the report ('' when none)."""
    if not notes:
        return ""
    heading = (f"运行中的提示（{len(notes)} 条）" if lang == "zh"
               else f"Notes from the run ({len(notes)})")
    items = "".join(
        f"<li>{html.escape(str(n.get('message', '')))}"
        + (f" ({'共' if lang == 'zh' else ''}{n['count']}{' 次' if lang == 'zh' else ' times'})"
           if int(n.get("count", 1)) > 1 else "")
        + f" <code>{html.escape(str(n.get('code', '')))}</code></li>" for n in notes)
    return f'<aside class="notes"><h2>{html.escape(heading)}</h2><ul>{items}</ul></aside>'


def notebook_to_html(nb: Any, *, title: str, meta_line: str, parameters: dict[str, Any],
                     with_code: bool = False, lang: str = "en", notes: list[dict[str, Any]] | None = None,
                     inputs: list[tuple[str, str]] | None = None) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Without ``with_code`` the code cells (inputs) are left out: the client version. ``notes``
    (the run's warnings, see :mod:`.notes`) are shown in a box above the content.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""
    body, _ = exporter.from_notebook_node(fold_hidden_cells(_client_copy(nb, with_code), lang))
    body = _mark_cells(_NUMERIC_CELL.sub(r'<td class="num">\1</td>', body))
    body = render_math(body)  # LaTeX of the prose → MathML (no MathJax, no network)
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(shown_value(v))}</td></tr>"
                   for k, v in parameters.items())
    # the common parameters: the client's title, and client / wave / author under it
    title = str(parameters.get("title") or title)
    people = [(("客户", "Client"), parameters.get("client")), (("调查期", "Wave"), parameters.get("wave")),
              (("作者", "Author"), parameters.get("author"))]
    shown = [f"{zh if lang == 'zh' else en}{'：' if lang == 'zh' else ': '}{v}" for (zh, en), v in people if v]
    if shown:
        meta_line = " · ".join(shown) + " · " + meta_line
    label = "参数" if lang == "zh" else "Parameters"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="report"><h1>{html.escape(title)}</h1><div class="meta">{html.escape(meta_line)}</div>'
        f'<details class="params"><summary>{label}</summary><table>{_mark_cells(rows)}</table></details></header>'
        f"<main>{notes_box(notes, lang)}{body}</main>"
        f"{_mark_cells(inputs_appendix(inputs, lang))}"
        f"<footer>crm-analysis · {html.escape(meta_line)} · provenance.json</footer></body></html>\n"
    )
