"""Every report of ``make report``, as a client sees it (issue 12, points 3 and 7).

One suite run per test session (the ``reports`` fixture: ``crm-analysis report --all --lang en
--lang zh``, as ``make report`` runs it, plus the exports a consultant hands over: PDF, workbook,
slides), then, per report:

(i) layout in headless Chromium at a 900 px wide viewport: the page never scrolls sideways
    (``document.documentElement.scrollWidth <= window.innerWidth``); every ``table`` box lies
    within the page; a table whose content is wider than its box is accepted only if that box
    scrolls (``overflow-x: auto`` or ``scroll``: the reader can scroll it; ``hidden`` or
    ``visible`` would clip it or push the page); no cell holding Chinese text is narrower than
    two characters (the "one character per line" columns). A full-page screenshot of each report
    is saved beside the reports (``<reports>/_screens``) for inspection;
(ii) no internal reference (paths of this machine, seed documents, source numbers) in the HTML,
    the PDF's text, the workbook's cells or the slides' text
    (:func:`tests.helpers.scan.internal_references`); the workbook opens with the summary and the
    slides with the title and the summary;
(iii) Chinese reports: no half-width punctuation in the Chinese prose
    (:func:`tests.helpers.scan.halfwidth_punctuation`; the rule is tested on examples below);
    failures name every offending passage.

``CRM_ANALYSIS_LAYOUT_REPORTS=<folder>`` checks the reports already in that folder (written by
``crm-analysis report --all --lang en --lang zh --format html,pdf,xlsx,pptx --reports-dir <folder>``)
instead of producing them again.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scan import halfwidth_punctuation, internal_references, prose_text

VIEWPORT = {"width": 900, "height": 1200}
LANGS = ("en", "zh")


def _notebooks() -> list[str]:
    from crm_analysis.reporting.notebooks import list_notebooks

    return list(list_notebooks())


RUNS = [(name, lang) for name in _notebooks() for lang in LANGS]
IDS = [f"{name}-{lang}" for name, lang in RUNS]


# ----------------------------------------------------------------------------------------------
# the rules, on examples (fast)
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "满意度指数为 72.4,区间较窄",          # comma after a Chinese character
    "模型拟合良好;但需注意",                # semicolon
    "最有力的杠杆:感知质量",                 # colon
    "合成变量(composite)",                  # ( after a Chinese character
    "见(附录)",                             # brackets inside Chinese
    "Hair 等(2019)",                        # ( after a Chinese character
    "(帕累托 80/20)",                       # brackets around Chinese text
    "IDIC 客户区分(价值 × 潜力)的",
    "（2019）, 显示",                       # comma after a full-width bracket
    "是否显著?",                            # question mark
    "Gini 为 0.604(其 10 个细分为 0.758)",    # brackets after a number in Chinese prose
    "满意度 (见附录)",                        # a space before the bracket
    "(识别、区分、互动、定制)",              # a cell holding only the bracket
])
def test_halfwidth_rule_flags(text):
    assert halfwidth_punctuation(text), text


@pytest.mark.parametrize("text", [
    "满意度指数为 72.4，区间较窄",
    "Hair et al. (2019): loadings above 0.708",  # English prose
    "1,234 位受访者",                           # a thousands separator
    "p < 0.05, 区间 [0.1, 0.3]",                 # between digits and spaces
    "Payne, A. & Frow, P. (2005). A strategic framework for CRM",  # an English title
    "RMSEA（0.05）",
    "Zhao Ping (赵平) et al. (2007). China Standards Press (中国标准出版社); the CCSI model",
    "Zhao et al. (2003). 中国顾客满意度指数",     # an author-year citation before a Chinese title
    "Journal of Marketing, 48(1), 159-206。",
    "ICC(1) 是企业之间差异的比例，Gamma(r, α) 分布",  # notation
    "按分位数分为 3 组 (0.407, 0.536], (0.536, 0.623]",  # intervals
])
def test_halfwidth_rule_passes(text):
    assert not halfwidth_punctuation(text), text


def test_prose_text_leaves_out_code_formulas_and_parameters():
    page = ('<header><details class="params"><table><tr><td>data</td><td>\'a(b)\'</td></tr></table></details>'
            '</header><main><p>指数<code>f(x):</code>很高<math><mi>x</mi></math></p>'
            '<p><strong>数据</strong>：文件</p><table><tr><td>构念</td><td>(n)</td></tr></table></main>')
    text = prose_text(page)
    assert "f(x)" not in text and "a(b)" not in text and "指数很高" in text and "数据：文件" in text
    assert not halfwidth_punctuation(text)  # "构念" and "(n)" sit in two cells
    assert halfwidth_punctuation(prose_text("<p><em>合成变量</em>(composite)</p>"))


def test_internal_reference_scanner_ignores_embedded_images():
    assert internal_references("see /home/ana/x.csv")
    assert not internal_references('<img src="data:image/png;base64,iVBOR//usr/tmp/+/home/AAA=">')


# ----------------------------------------------------------------------------------------------
# every report of `make report`
# ----------------------------------------------------------------------------------------------

def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("crm-analysis")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from crm_analysis.cli import main; "
                                                                    "sys.exit(main(sys.argv[1:]))"]


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(notebook, lang) -> run folder, for every run of ``make report`` (made once per session)."""
    given = os.environ.get("CRM_ANALYSIS_LAYOUT_REPORTS")
    if given:
        folder = Path(given)
    else:
        folder = tmp_path_factory.mktemp("make-report")
        done = subprocess.run([*_cli(), "report", "--all", "--lang", "en", "--lang", "zh", "--format", "html,pdf,xlsx,pptx",
                               "--no-progress", "--reports-dir", str(folder)],
                              capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = {}
    for prov in sorted(folder.glob("*/provenance.json")):
        p = json.loads(prov.read_text("utf-8"))
        found[(p.get("notebook"), (p.get("parameters") or {}).get("lang", "en"))] = prov.parent
    (folder / "_screens").mkdir(exist_ok=True)
    return found


def _run(reports, name, lang) -> Path:
    if (name, lang) not in reports:
        pytest.fail(f"make report wrote no {lang} report of {name} (found: {sorted(reports)})")
    return reports[(name, lang)]




# what the page measures of itself (see the module docstring for the rule)
LAYOUT_JS = r"""() => {
  const vw = window.innerWidth, problems = [];
  const sw = document.documentElement.scrollWidth;
  if (sw > vw) problems.push(`the page is ${sw} px wide in a ${vw} px window`);
  const label = t => (t.querySelector('tr') || t).innerText.replace(/\s+/g, ' ').trim().slice(0, 60);
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // in a closed <details>
    if (r.left < -0.5 || r.right > vw + 0.5)
      problems.push(`table [${label(t)}] spans ${Math.round(r.left)}..${Math.round(r.right)} px, page 0..${vw}`);
    if (t.scrollWidth > t.clientWidth + 1) {
      const ox = getComputedStyle(t).overflowX;
      if (ox !== 'auto' && ox !== 'scroll')
        problems.push(`table [${label(t)}] is ${t.scrollWidth} px wide in a ${t.clientWidth} px box that does not scroll (overflow-x: ${ox})`);
    }
  }
  const cjk = /[\u3400-\u9fff]/g;
  for (const c of document.querySelectorAll('td, th')) {
    const text = c.innerText.trim();
    if ((text.match(cjk) || []).length < 2) continue;
    const s = getComputedStyle(c), size = parseFloat(s.fontSize);
    const inner = c.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (c.getClientRects().length && inner < 1.9 * size)
      problems.push(`cell "${text.slice(0, 20)}" is ${Math.round(inner)} px wide: one Chinese character per line`);
  }
  return problems;
}"""


@pytest.mark.parametrize("name, lang", RUNS, ids=IDS)
@pytest.mark.slow
@pytest.mark.browser
def test_no_table_wider_than_the_page(reports, browser, name, lang):
    run = _run(reports, name, lang)
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto((run / "report.html").as_uri(), wait_until="load")
        problems = page.evaluate(LAYOUT_JS)
        page.screenshot(path=str(run.parent / "_screens" / f"{name}-{lang}.png"), full_page=True)
    finally:
        page.close()
    assert not problems, f"{run.name}:\n" + "\n".join(problems[:30])


@pytest.mark.parametrize("name, lang", RUNS, ids=IDS)
@pytest.mark.slow
def test_no_internal_references(reports, name, lang):
    run = _run(reports, name, lang)
    found = {"report.html": internal_references((run / "report.html").read_text("utf-8"))}
    if (run / "report.pdf").exists():
        import pypdf

        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(run / "report.pdf")).pages)
        found["report.pdf"] = internal_references(text)
    if (run / "tables.xlsx").exists():
        found["tables.xlsx"] = internal_references("\n".join(_workbook_text(run / "tables.xlsx")))
    if (run / "slides.pptx").exists():
        found["slides.pptx"] = internal_references("\n".join(_slides_text(run / "slides.pptx")))
    found = {k: v for k, v in found.items() if v}
    assert not found, f"{run.name}: {found}"


def _workbook_text(path: Path) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def _slides_text(path: Path) -> list[str]:
    from pptx import Presentation

    return [shape.text_frame.text for slide in Presentation(str(path)).slides for shape in slide.shapes
            if shape.has_text_frame]


@pytest.mark.parametrize("name, lang", RUNS, ids=IDS)
@pytest.mark.slow
def test_every_report_exports_what_a_consultant_hands_over(reports, name, lang):
    """report.pdf, tables.xlsx and slides.pptx of every notebook in either language: the workbook's
    first sheet is the summary (the report's title in it), every table sheet holds numbers as
    numbers, and the slides open with the title and a summary slide (issue 12, point 5)."""
    import openpyxl
    from pptx import Presentation

    run = _run(reports, name, lang)
    for f in ("report.pdf", "tables.xlsx", "slides.pptx"):
        assert (run / f).is_file() and (run / f).stat().st_size > 1000, f"{run.name}: {f} missing"
    results = json.loads((run / "results.json").read_text("utf-8"))
    title = (results.get("summary") or {}).get("title")
    assert title, f"{run.name}: results.json has no summary title"
    book = openpyxl.load_workbook(run / "tables.xlsx", read_only=True)
    first = [str(v) for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v is not None]
    assert any(title in v for v in first), (run.name, first[:5])
    numbers = [v for ws in book.worksheets[1:] for row in ws.iter_rows(values_only=True) for v in row
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert len(book.worksheets) == 1 or numbers, f"{run.name}: the table sheets hold no number"
    slides = Presentation(str(run / "slides.pptx")).slides
    assert len(slides) >= 2
    first_slide = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert title in first_slide, (run.name, first_slide[:200])


@pytest.mark.parametrize("name", [n for n, lang in RUNS if lang == "zh"])
@pytest.mark.slow
def test_no_halfwidth_punctuation_in_chinese_prose(reports, name):
    run = _run(reports, name, "zh")
    found = halfwidth_punctuation(prose_text((run / "report.html").read_text("utf-8")))
    assert not found, f"{run.name}: {len(found)} passage(s) with half-width punctuation:\n" + "\n".join(
        dict.fromkeys(found))


@pytest.mark.slow
def test_no_markdown_left_in_the_chinese_pdf(reports):
    """A star touching a Chinese character, or a backslash before a star, is Markdown the PDF
    export did not convert (e.g. 即*合成变量* or \\* p < 0.05)."""
    import pypdf

    run = _run(reports, "csi", "zh")
    if not (run / "report.pdf").exists():
        pytest.skip("no report.pdf in this folder")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(str(run / "report.pdf")).pages)
    stray = [text[max(0, m.start() - 10):m.end() + 10] for m in
             re.finditer(r"\*[\u3400-\u9fff]|[\u3400-\u9fff]\*|\\\*", text)]
    assert not stray, stray
