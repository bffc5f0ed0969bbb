"""report.pdf, tables.xlsx, slides.pptx of a run folder, read back with pypdf, openpyxl, python-pptx."""
from __future__ import annotations

import base64
import io
import json
import re

import nbformat
import pandas as pd
import pytest

from crm_analysis.errors import ParameterError
from crm_analysis.reporting import exports
from crm_analysis.reporting.tables import show_table

CODE_MARKER = "this_code_must_not_reach_the_client = 1"


def _png(title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    ax.set_title(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def make_run(folder, lang="zh"):
    """A finished run folder as the runner leaves it (executed notebook with outputs)."""
    folder.mkdir(parents=True)
    table = pd.DataFrame({"construct": ["Satisfaction", "Loyalty"], "index": [72.4123, 68.05],
                          "ci_low": [70.1, 65.9], "n": [1234, 1234]})
    styled = show_table(table, lang, digits={"index": 1, "ci_low": 1}, labels={"Satisfaction": "顾客满意度"})
    md = ("## 指数得分\n\n满意度指数为 **72.4**，区间为 [70.1, 74.8]。\n\n- 第一条\n- 第二条 $x_i^2$\n\n"
          "$$I_j = 100 \\times \\frac{\\bar x - x_{\\min}}{x_{\\max} - x_{\\min}}，$$")
    if lang == "en":
        md = ("## Index scores\n\nThe satisfaction index is **72.4**, interval [70.1, 74.8].\n\n- first\n- second $x_i^2$\n\n"
              "$$I_j = 100 \\times \\frac{\\bar x - x_{\\min}}{x_{\\max} - x_{\\min}},$$")
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell(CODE_MARKER)
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": styled.to_html(), "text/plain": "<Styler>"}),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(_png("Index")).decode()}),
        nbformat.v4.new_output("stream", name="stderr", text="a kernel warning the client must not see"),
    ]
    nb.cells = [nbformat.v4.new_code_cell("lang = 'zh'", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_markdown_cell(md), code]
    nbformat.write(nb, str(folder / "csi.ipynb"))
    (folder / "figures").mkdir()
    (folder / "figures" / "index.png").write_bytes(_png("Index"))
    (folder / "figures" / "paths.png").write_bytes(_png("Paths"))
    (folder / "figures" / "index.json").write_text(json.dumps({"paths": "路径系数", "index": "指数"}, ensure_ascii=False))
    (folder / "results.json").write_text(json.dumps({
        "headline": "顾客满意度指数 72.4 [70.1, 74.8]",
        "summary": {"figures": [{"label": "顾客满意度指数", "text": "72.4 [70.1, 74.8]"}],
                    "actions": ["提高感知质量", "改善企业形象", "管理顾客预期"], "verdict": "测量模型可靠"}},
        ensure_ascii=False))
    (folder / "provenance.json").write_text(json.dumps({
        "notebook": "csi", "notebook_sha256": "ab" * 32, "parameters": {
            "data": "/home/someone/secret/wave1.csv", "lang": lang, "client": "ACME 公司", "wave": "2026 Q3",
            "author": "Analyst", "title": "顾客满意度报告"},
        "inputs": {"data": {"path": "/home/someone/secret/wave1.csv", "sha256": "cd" * 32, "bytes": 10}},
        "packages": {"pandas": "2.2"}, "started": "2026-12-01T10:00:00+00:00"}, ensure_ascii=False))
    return folder


def test_parse_formats():
    assert exports.parse_formats("pdf,xlsx") == ("html", "pdf", "xlsx")
    assert exports.parse_formats(None) == ("html",)
    assert exports.parse_formats(["html", "PPTX", "pptx"]) == ("html", "pptx")
    with pytest.raises(ParameterError, match="docx"):
        exports.parse_formats("pdf,docx")


def test_parse_number_keeps_the_shown_format():
    assert exports.parse_number("1,234.50") == (1234.5, "#,##0.00")
    assert exports.parse_number("−0.120") == (-0.12, "0.000")
    assert exports.parse_number("12%") == (0.12, "0%")
    assert exports.parse_number("7") == (7.0, "0")
    for text in ("< 0.001", "ok", "", "0.40-0.708", "IMAG1"):
        assert exports.parse_number(text) is None, text


def test_html_tables_reads_styled_tables():
    styled = show_table(pd.DataFrame({"a": [1.23456, 2.0], "b": ["x", "y"]}), "en", digits=2)
    [(header, rows)] = exports.html_tables(styled.to_html())
    assert header == ["a", "b"]
    assert rows == [["1.23", "x"], ["2.00", "y"]]


@pytest.mark.parametrize("md, typst", [
    # emphasis inside Chinese text: no spaces around the stars (CommonMark allows it)
    ("即*合成变量*，外部权重", '#"即"#emph("合成变量")#"，外部权重"'),
    ("为*高级*，其余为*初级*；", '#"为"#emph("高级")#"，其余为"#emph("初级")#"；"'),
    ("**≥ 0.708** 的题项", '#strong("≥ 0.708")#" 的题项"'),
    # escaped stars are literal stars, without their backslash (significance marks)
    (r"(\* p < 0.05, \*\* p < 0.01)", '#"(* p < 0.05, ** p < 0.01)"'),
    # a star between spaces is a star; an underscore inside a word is a letter
    ("2 * 3 * 4", '#"2 * 3 * 4"'),
    ("snake_case_name 与 _强调_", '#"snake_case_name 与 "#emph("强调")'),
    # code and formulas keep every character, backslashes included
    ("`a*b*c` 与 $x\\,y$", None),
])
def test_markdown_inline_to_typst(md, typst, tmp_path):
    out = exports._inline_typst(md, exports._Math(tmp_path))
    if typst is not None:
        assert out == typst
    else:
        assert '#raw("a*b*c")' in out and ".svg" in out
    assert "\\*" not in out  # no escaped star left for Typst to print with its backslash


def test_plain_text_has_no_markup_left():
    assert exports._plain("即*合成变量*，**粗体**与 `a*b*c`") == "即合成变量，粗体与 a*b*c"
    assert exports._plain(r"\* p < 0.05") == "* p < 0.05"
    assert exports._plain("[来源](https://example.org) _em_") == "来源 em"


def test_no_stray_star_in_the_pdf_text(tmp_path):
    """Emphasis in Chinese prose and escaped stars reach the PDF as italics and stars, never as
    Markdown: no star touching a Chinese character, no backslash before a star."""
    pypdf = pytest.importorskip("pypdf")
    run = make_run(tmp_path / "run")
    nb = nbformat.read(str(run / "csi.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "PLS 路径建模把每个构念估计为其标准化题项的加权和，即*合成变量*。标注显著性（\\* p < 0.05，\\*\\* p < 0.01）。"))
    nbformat.write(nb, str(run / "csi.ipynb"))
    [pdf] = exports.write_exports(run, ["pdf"])
    text = "".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert "合成变量" in text and "p < 0.05" in text
    assert not re.search(r"\*[\u4e00-\u9fff]|[\u4e00-\u9fff]\*", text), text
    assert "\\*" not in text


def test_pdf_table_columns_are_as_wide_as_their_longest_word():
    """Equal column widths let 'converged' run into the next cell and broke 自由度 into one
    character per line; each column is now at least as wide as its longest unbreakable run."""
    t = exports.Table("", ["模型", "χ²", "自由度", "converged", "Δχ²", "理由"],
                      [["度量（载荷）", "31,730.7", "482", "是", "基准", "一段很长的中文理由文字，需要换行显示出来才行"]])
    w = dict(zip(t.header, exports.column_weights(t)))
    assert w["converged"] >= 9 and w["自由度"] >= 6 and w["模型"] >= 12 and w["χ²"] >= 8
    assert w["理由"] == max(w.values())  # the long text takes the room that is left


def test_pdf_has_cover_contents_pages_chinese_and_no_code(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    run = make_run(tmp_path / "run")
    [pdf] = exports.write_exports(run, ["pdf"], title="顾客满意度指数")
    assert pdf.name == "report.pdf"
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    assert "顾客满意度报告" in reader.pages[0].extract_text() and "ACME 公司" in text and "2026 Q3" in text
    assert "目录" in reader.pages[1].extract_text()  # table of contents
    assert "1 / " in reader.pages[1].extract_text()  # page numbers
    assert "满意度指数为" in text and "顾客满意度" in text and "72.4" in text and "1,234" in text
    assert "wave1.csv" in text and "cd" * 32 in text  # the input by name and hash, in the appendix
    assert "/home/someone" not in text and CODE_MARKER not in text and "kernel warning" not in text
    assert len(reader.outline) >= 1  # headings are bookmarks
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 1


def test_pdf_glyphs_render(tmp_path):
    """The Chinese text is drawn with real glyphs: a rendered page has dark pixels where it is."""
    pdfium = pytest.importorskip("pypdfium2")
    run = make_run(tmp_path / "run")
    [pdf] = exports.write_exports(run, ["pdf"])
    import numpy as np

    page = np.asarray(pdfium.PdfDocument(str(pdf))[0].render(scale=1).to_pil().convert("L"))
    dark = int((page < 128).sum())
    assert dark > 500  # the cover's Chinese title and fields; tofu boxes or blanks would not reach this


def test_xlsx_every_table_numbers_as_numbers_and_summary_first(tmp_path):
    from openpyxl import load_workbook

    run = make_run(tmp_path / "run")
    [path] = exports.write_exports(run, ["xlsx"])
    wb = load_workbook(str(path))
    first = wb.worksheets[0]
    cells = [str(c.value) for row in first.iter_rows() for c in row if c.value is not None]
    assert first.title == "摘要" and cells[0] == "顾客满意度报告"
    assert "提高感知质量" in cells and "测量模型可靠" in cells
    assert any("wave1.csv" in c and "cd" * 32 in c for c in cells)
    assert not any("/home/someone" in c for c in cells)
    assert len(wb.worksheets) == 2  # the summary + the one table
    sheet = wb.worksheets[1]
    assert sheet.cell(1, 1).value == "构念"
    assert sheet.cell(2, 1).value == "顾客满意度"
    value = sheet.cell(2, 2)
    assert isinstance(value.value, float) and value.value == pytest.approx(72.4) and value.number_format == "0.0"
    count = sheet.cell(2, 4)
    assert count.value == 1234 and count.number_format == "#,##0"


def test_pptx_title_summary_and_one_slide_per_figure(tmp_path):
    from pptx import Presentation

    run = make_run(tmp_path / "run")
    [path] = exports.write_exports(run, ["pptx"])
    prs = Presentation(str(path))
    slides = list(prs.slides)
    assert len(slides) == 2 + 2
    assert slides[0].shapes.title.text == "顾客满意度报告"
    assert "ACME 公司" in slides[0].placeholders[1].text
    summary = slides[1].placeholders[1].text
    assert "72.4 [70.1, 74.8]" in summary and "提高感知质量" in summary
    assert [s.shapes.title.text for s in slides[2:]] == ["路径系数", "指数"]  # saved order, recorded titles
    assert all(any(sh.shape_type == 13 for sh in s.shapes) for s in slides[2:])  # a picture each


def test_english_run_exports(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    run = make_run(tmp_path / "run", lang="en")
    written = exports.write_exports(run, ["html", "pdf", "xlsx", "pptx"])
    assert sorted(p.name for p in written) == ["report.pdf", "slides.pptx", "tables.xlsx"]
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(run / "report.pdf")).pages)
    assert "Contents" in text and "The satisfaction index is" in text


def test_a_folder_without_notebook_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="no executed notebook"):
        exports.write_exports(tmp_path, ["pdf"])


@pytest.mark.slow
def test_cli_run_writes_every_format(tmp_path, monkeypatch):
    from crm_analysis.cli import main
    from tests.helpers.notebooks import make_notebook

    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    code = main(["run", "demo", "--lang", "zh", "--name", "x", "--reports-dir", str(tmp_path / "r"),
                 "--format", "html,pdf,xlsx,pptx"])
    assert code == 0
    out = tmp_path / "r" / "demo-x"
    for name in ("report.html", "report.pdf", "tables.xlsx", "slides.pptx"):
        assert (out / name).is_file(), name
    assert main(["run", "demo", "--format", "pdf,odt", "--reports-dir", str(tmp_path / "r")]) == 2


def test_index_shows_title_client_wave_author_and_the_exports(tmp_path):
    from crm_analysis.reporting.index import write_index

    run = make_run(tmp_path / "csi-a")
    exports.write_exports(run, ["pdf"])
    page = write_index(tmp_path).read_text("utf-8")
    assert "顾客满意度报告" in page and "<h2>ACME 公司" in page and "2026 Q3 · Analyst" in page
    assert "csi-a/report.pdf" in page
    assert "/home/someone" not in page and "wave1.csv" in page  # parameters by file name


@pytest.mark.slow
def test_cli_report_writes_the_formats_for_every_run(tmp_path, monkeypatch):
    from crm_analysis.cli import main
    from tests.helpers.notebooks import make_notebook

    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    suite = tmp_path / "suite.yaml"
    suite.write_text("runs:\n  - {notebook: demo, name: a}\n  - {notebook: demo, name: b, lang: zh}\n", "utf-8")
    assert main(["report", "-f", str(suite), "--no-progress", "--reports-dir", str(tmp_path / "r"),
                 "--format", "xlsx,pptx"]) == 0
    for name in ("demo-a", "demo-b"):
        assert (tmp_path / "r" / name / "tables.xlsx").is_file() and (tmp_path / "r" / name / "slides.pptx").is_file()
        assert not (tmp_path / "r" / name / "report.pdf").exists()
