"""Client-ready reports end to end: summary first, labels not ids, no internal references,
every export written; the tracking notebook on waves given as files."""
from __future__ import annotations

import json
import re

import pytest

from crm_analysis.cli import main
from tests.helpers.scan import internal_references

pytestmark = pytest.mark.slow


def test_scanner_finds_what_it_must():
    assert internal_references("read /home/ana/x.csv and ../shared/data, see 资料001 and source 000")
    assert not internal_references("Bootstrap with seed 1; file ecsi_synthetic.csv; 1/2 of the items")
    assert internal_references("as quoted in seed 003") and internal_references("不在种子文档中；见文档 000")
    assert not internal_references("seed 20250606, seed 1")


MODEL = """
model: |
  Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  Expectation =~ CUEX1 + CUEX2 + CUEX3
  Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Loyalty =~ CUSL1 + CUSL2 + CUSL3
  Expectation ~ Image
  Quality ~ Expectation
  Value ~ Expectation + Quality
  Satisfaction ~ Image + Expectation + Quality + Value
  Loyalty ~ Image + Satisfaction
labels:
  Satisfaction: {en: Satisfaction with the network, zh: 对网络的满意度}
  CUSA1: {en: Overall satisfaction, zh: 总体满意度}
  CUSA2: {en: Fulfilment of expectations, zh: 满足预期}
  CUSA3: {en: Compared with the ideal operator, zh: 与理想运营商相比}
"""


@pytest.fixture(scope="module")
def csi_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csi")
    model = tmp / "network.yaml"
    model.write_text(MODEL, "utf-8")
    code = main(["run", "csi", "-p", "bootstrap", "100", "-p", "estimator", "pls", "-p", "model", str(model),
                 "-p", "client", "华东移动", "-p", "wave", "2026 Q3", "-p", "author", "Analyst A",
                 "-p", "title", "网络满意度报告", "--lang", "zh", "--name", "c", "--reports-dir", str(tmp / "r"),
                 "--format", "html,pdf,xlsx,pptx"])
    assert code == 0
    return tmp / "r" / "csi-c"


def test_csi_report_opens_with_the_summary(csi_run):
    html = (csi_run / "report.html").read_text("utf-8")
    body = html[html.index("<main>"):]
    assert body.index("摘要") < body.index("数据校验")  # the summary comes before the methods
    assert "网络满意度报告" in html[:html.index("<main>")] and "华东移动" in html and "2026 Q3" in html
    summary = body[:body.index("数据校验")]
    assert "对网络的满意度指数" in summary and "优先行动" in summary and "模型质量" in summary
    assert summary.count("<li>") >= 3  # the top three actions
    results = json.loads((csi_run / "results.json").read_text("utf-8"))
    prov = json.loads((csi_run / "provenance.json").read_text("utf-8"))
    appendix = html[html.index("附录：输入文件"):]  # the input files by name, with their SHA-256
    assert "ecsi_synthetic.csv" in appendix and prov["inputs"]["data"]["sha256"] in appendix
    assert "network.yaml" in appendix
    assert len(results["summary"]["actions"]) == 3 and results["summary"]["verdict"]
    assert results["summary"]["client"] == "华东移动"


def test_csi_report_shows_labels_not_ids(csi_run):
    html = (csi_run / "report.html").read_text("utf-8")
    for item, label in (("CUSA1", "总体满意度"), ("CUSA2", "满足预期"), ("CUSA3", "与理想运营商相比")):
        assert label in html
        assert not re.search(rf">\s*{item}\s*<", html), f"{item} shown as an id"
    assert not re.search(r">\s*Satisfaction\s*<", html)
    results = json.loads((csi_run / "results.json").read_text("utf-8"))
    assert "对网络的满意度" in results["headline"]


def test_csi_appendix_has_vif_f2_cross_loadings_fornell_larcker(csi_run):
    html = (csi_run / "report.html").read_text("utf-8")
    appendix = html[html.index("附录"):]
    for heading in ("VIF", "f² 效应量", "交叉载荷", "Fornell-Larcker 准则"):
        assert heading in appendix
    results = json.loads((csi_run / "results.json").read_text("utf-8"))
    assert results["vif"] and results["f_squared"] and results["cross_loadings"] and results["fornell_larcker"]


def test_csi_exports_and_no_internal_references(csi_run):
    import pypdf
    from openpyxl import load_workbook
    from pptx import Presentation

    pages = [p.extract_text() for p in pypdf.PdfReader(str(csi_run / "report.pdf")).pages]
    pdf_text = "\n".join(pages)
    assert "摘要" in pages[1] and "优先行动" in pages[1] and "目录" in pages[2]  # cover, summary, contents
    assert "网络满意度报告" in pdf_text and "对网络的满意度" in pdf_text and "华东移动" in pdf_text
    assert "ecsi_synthetic.csv" in pdf_text and "network.yaml" in pdf_text  # the appendix names the files
    wb = load_workbook(str(csi_run / "tables.xlsx"))
    assert len(wb.sheetnames) > 15
    sheet_text = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    slides = Presentation(str(csi_run / "slides.pptx"))
    slide_text = "\n".join(sh.text_frame.text for s in slides.slides for sh in s.shapes if sh.has_text_frame)
    assert len(slides.slides) == 2 + len(list((csi_run / "figures").glob("*.png")))
    html = (csi_run / "report.html").read_text("utf-8")
    for name, text in (("report.html", html), ("report.pdf", pdf_text), ("tables.xlsx", sheet_text),
                       ("slides.pptx", slide_text)):
        assert not internal_references(text), (name, internal_references(text)[:5])


def test_tracking_on_wave_files(tmp_path):
    import pandas as pd

    from crm_analysis import csi

    a = csi.ecsi_synthetic(seed=1).drop(columns="gender")
    b = csi.ecsi_synthetic(seed=2).drop(columns="gender")
    b[["CUSA1", "CUSA2", "CUSA3"]] = (b[["CUSA1", "CUSA2", "CUSA3"]] + 1).clip(1, 10)
    (tmp_path / "waves").mkdir()
    a.to_csv(tmp_path / "waves" / "2025.csv", index=False)
    b.to_csv(tmp_path / "waves" / "2026.csv", index=False)
    (tmp_path / "params.yaml").write_text(
        "waves:\n  - {name: '2025', data: waves/2025.csv}\n  - {name: '2026', data: waves/2026.csv}\n"
        "bootstrap: 100\nclient: ACME\n", "utf-8")
    code = main(["run", "tracking", "-f", str(tmp_path / "params.yaml"), "--name", "t", "--reports-dir",
                 str(tmp_path / "r"), "--format", "html,xlsx"])
    assert code == 0
    out = tmp_path / "r" / "tracking-t"
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert [w["name"] if "name" in w else w["wave"] for w in results["waves"]] == ["2025", "2026"]
    assert set(results["waves"][0]) >= {"n", "index", "ci_low", "ci_high"}
    [change] = results["changes"]
    assert set(change) >= {"from", "to", "difference", "ci_low", "ci_high", "p"}
    assert change["difference"] > 5 and change["ci_low"] > 0 and change["p"] < 0.05
    assert {f["name"] for f in results["input_files"]} == {"2025.csv", "2026.csv"}
    html = (out / "report.html").read_text("utf-8")
    assert "ACME" in html and html.index("Summary") < html.index("The waves")
    appendix = html[html.index("Appendix: input files"):]
    assert "2025.csv" in appendix and "2026.csv" in appendix
    assert not internal_references(html)
    # a missing wave file is refused before any kernel starts, naming the entry
    (tmp_path / "bad.yaml").write_text("waves:\n  - {name: a, data: nope.csv}\n", "utf-8")
    assert main(["run", "tracking", "-f", str(tmp_path / "bad.yaml"), "--reports-dir", str(tmp_path / "r")]) == 2
