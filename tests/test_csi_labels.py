"""Model files in YAML with bilingual labels; item wording from SPSS; labels in the report tables."""
from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import csi
from crm_analysis.errors import InputError
from crm_analysis.reporting.tables import show_table

YAML = """
model: |
  Quality =~ q1 + q2
  Sat =~ s1 + s2
  Sat ~ Quality
labels:
  Quality: {en: Service quality, zh: 服务质量}
  Sat: {en: Satisfaction with the bank, zh: 对银行的满意度}
  q1: {en: Staff were helpful, zh: 员工乐于助人}
  s1: Overall satisfaction
"""


def test_yaml_model_file_carries_construct_and_item_labels(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(YAML, "utf-8")
    model = csi.resolve_model(str(path))
    assert model.constructs == ["Quality", "Sat"]
    assert csi.labels(model, "zh") == {"Quality": "服务质量", "Sat": "对银行的满意度"}
    assert csi.item_labels(model, "zh") == {"q1": "员工乐于助人", "s1": "Overall satisfaction"}
    # SPSS wording fills the items without a label; the model file's label wins
    wording = {"q1": "Q1 text from SPSS", "q2": "The branch was clean", "s2": "s2"}
    shown = csi.report_labels(model, "en", wording)
    assert shown == {"q1": "Staff were helpful", "q2": "The branch was clean", "s1": "Overall satisfaction",
                     "Quality": "Service quality", "Sat": "Satisfaction with the bank"}


@pytest.mark.parametrize("text, message", [
    ("labels: {}\n", "model:"),
    ("model: 'A =~ a1 + a2'\nlabels: {B: {en: b}}\n", "'B' is neither a construct nor an item"),
    ("model: 'A =~ a1 + a2'\nlabels: {A: {fr: x}}\n", "label of 'A'"),
    ("model: 'A =~ a1 + a2'\nextra: 1\n", "unknown key"),
    ("model: [unclosed\n", "not valid YAML"),
])
def test_bad_yaml_model_names_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "m.yml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError, match="m.yml") as info:
        csi.resolve_model(str(path))
    assert message in str(info.value)


def test_read_survey_keeps_the_yaml_labels(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(YAML, "utf-8")
    data = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "s1": [1, 3, 3, 4, 5], "s2": [1, 2, 4, 4, 5]})
    survey = csi.read_survey(data, (1, 5), model=str(path))
    assert csi.report_labels(survey.model, "zh")["q1"] == "员工乐于助人"


def test_tables_show_item_and_construct_labels_not_ids():
    frame = pd.DataFrame({"construct": ["Sat"], "indicator": ["q1"], "estimate": [0.8]})
    html = show_table(frame, "zh", labels={"Sat": "满意度", "q1": "员工乐于助人"}).to_html()
    assert "员工乐于助人" in html and "满意度" in html and ">q1<" not in html and ">Sat<" not in html
    described = pd.DataFrame({"mean": [3.0]}, index=pd.Index(["q1"], name="item"))
    assert "员工乐于助人" in show_table(described, "zh", labels={"q1": "员工乐于助人"}).to_html()


def test_verdict_tables_show_item_labels():
    loadings = pd.DataFrame({"construct": ["Sat"], "indicator": ["q1"], "loading": [0.8], "verdict": ["ok"],
                             "reason": [""]})
    html = csi.style_verdicts(loadings, lang="en", labels={"Sat": "Satisfaction", "q1": "Staff were helpful"}).to_html()
    assert "Staff were helpful" in html and ">q1<" not in html


def test_readme_lists_every_preset_and_its_labels(repo_root):
    readme = (repo_root / "README.md").read_text("utf-8")
    for name in csi.presets()["name"]:
        model = csi.preset(name)
        assert f"`{name}`" in readme
        for construct in model.constructs:
            assert f"`{construct}`" in readme and csi.label(construct, "en", model) in readme
            assert csi.label(construct, "zh", model) in readme
