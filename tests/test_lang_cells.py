"""Language-tagged cells: JupyterLab shows both languages, a report keeps the reader's."""
import json

import nbformat
import pytest

from crm_analysis.reporting.lang_cells import cell_lang, keep_language, source_for, zh_punctuation_problems
from crm_analysis.reporting.runner import run_notebook
from tests.helpers.notebooks import make_notebook


def _bilingual(folder):
    path = make_notebook(folder, "demo")
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[1:1] = [
        nbformat.v4.new_markdown_cell("## Points in a line\n\nEnglish prose.", metadata={"tags": ["lang-en"]}),
        nbformat.v4.new_markdown_cell("## 一条直线上的点\n\n中文说明。", metadata={"tags": ["lang-zh"]}),
    ]
    nbformat.write(nb, str(path))
    return path


def test_keep_language_drops_the_other_language():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("en", metadata={"tags": ["lang-en"]}),
        nbformat.v4.new_markdown_cell("zh", metadata={"tags": ["lang-zh"]}),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
    ])
    assert [c.source for c in keep_language(nb, "zh").cells] == ["zh", "x = 1"]
    assert [c.source for c in keep_language(nb, "en").cells] == ["en", "x = 1"]
    assert len(nb.cells) == 3  # the original is untouched
    assert cell_lang(nb.cells[2]) is None
    with pytest.raises(ValueError):
        cell_lang(nbformat.v4.new_markdown_cell("x", metadata={"tags": ["lang-en", "lang-zh"]}))


def test_source_for_leaves_a_notebook_without_language_cells_as_a_path(tmp_path):
    plain = make_notebook(tmp_path / "a", "plain")
    assert source_for(plain, "zh") == str(plain)
    bilingual = _bilingual(tmp_path / "b")
    assert [cell_lang(c) for c in source_for(bilingual, "zh").cells].count("en") == 0


def test_zh_punctuation_problems():
    assert zh_punctuation_problems("载荷 ≥ 0.708 时保留（此时构念解释一半方差）。") == []
    assert zh_punctuation_problems("公式 $a, b$ 与代码 `f(x, y)`，均不检查。") == []
    assert zh_punctuation_problems("载荷较高,说明信度好")
    assert zh_punctuation_problems("见下表(第 2 节)")
    assert zh_punctuation_problems("这是一句话. 下一句")


@pytest.mark.parametrize("lang,other", [("zh", "en"), ("en", "zh")])
def test_a_report_keeps_the_readers_language(tmp_path, monkeypatch, lang, other):
    folder = tmp_path / "notebooks"
    _bilingual(folder)
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    outcome = run_notebook("demo", {}, lang=lang, reports_dir=tmp_path / "r")
    assert outcome.ok, outcome.error
    executed = json.loads((outcome.output_dir / "demo.ipynb").read_text("utf-8"))
    tags = [t for c in executed["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert f"lang-{lang}" in tags and f"lang-{other}" not in tags
    page = (outcome.output_dir / "report.html").read_text("utf-8")
    mine, theirs = ("一条直线上的点", "Points in a line") if lang == "zh" else ("Points in a line", "一条直线上的点")
    assert mine in page and theirs not in page
