"""Survey reading and checks: every bad input named by column and row."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi
from crm_analysis.errors import InputError, ParameterError


def test_mobi_file_reads_with_its_unnamed_index_column(shared_dir) -> None:
    s = csi.read_survey(shared_dir / "data" / "ecsi_mobi.csv", scale=(1, 10), model="ecsi")
    assert s.n == 250 and s.n_complete == 250 and len(s.items) == 24
    assert s.items == csi.preset("ecsi").all_indicators
    assert list(s.data.index[:3]) == [1, 2, 3]  # the file's row numbers
    assert s.data.dtypes.eq(float).all() and not s.warnings
    d = s.describe()
    assert d.loc["CUEX1", "n"] == 250 and d["min"].min() >= 1 and d["max"].max() <= 10
    assert "250 rows" in s.summary()


def test_satisfaction_file_with_group_column(shared_dir) -> None:
    s = csi.read_survey(shared_dir / "data" / "ecsi_satisfaction.csv", scale=(0, 10), group="gender")
    assert len(s.items) == 27 and "gender" not in s.items
    assert s.data["gender"].value_counts().to_dict() == {"female": 148, "male": 102}
    # the plspm satisfaction answers use 0-10: a 1-10 declaration is refused, with the lines
    with pytest.raises(InputError, match=r"imag5.*9 answer\(s\) outside the declared scale 1-10 on lines 20, 54"):
        csi.read_survey(shared_dir / "data" / "ecsi_satisfaction.csv", scale=(1, 10), group="gender")


def _write(tmp_path, text: str, name: str = "survey.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_bad_input_is_named(tmp_path) -> None:
    path = _write(tmp_path, "\n".join([
        ",q1,q2,q3,q4,gender",
        "1,5,3,4,4,male",
        "2,7,seven,4,2,female",
        "3,12,4,4,5,female",
        "4,,,,,",
        "5,3,2,4,,male",
    ]) + "\n")
    problems = csi.check_survey(path, scale=(1, 10), group="gender")
    by_col = {p.column: p for p in problems if p.column}
    text_cell = by_col["q2"]
    assert text_cell.severity == "error" and "text in a numeric column" in text_cell and "line 3" in text_cell
    assert "'seven'" in text_cell
    assert "outside the declared scale 1-10 on line 4" in by_col["q1"] and "12" in by_col["q1"]
    assert "constant item" in by_col["q3"] and by_col["q3"].severity == "error"
    general = [p for p in problems if not p.column]
    assert any(p.severity == "warning" and "no answer at all on line 5" in p for p in general)
    missing = [p for p in general if "missing answer" in p]
    assert len(missing) == 1 and missing[0].severity == "warning"
    # q2 on line 3 ('seven' is not counted as missing) and q4 on line 6
    assert "1 missing answer(s) in 1 of 4 rows (q4: 1)" in missing[0] and "listwise deletion" in missing[0]
    with pytest.raises(InputError) as err:
        csi.read_survey(path, scale=(1, 10), group="gender")
    msg = str(err.value)
    assert "3 problem(s)" in msg and "'q1'" in msg and "'q2'" in msg and "'q3'" in msg


def test_missing_cells_warn_with_the_handling(tmp_path, mobi) -> None:
    df = mobi.copy()
    df.iloc[[3, 8, 8, 20], [0, 0, 4, 10]] = np.nan
    s = csi.read_survey(df, scale=(1, 10), model="ecsi")
    (w,) = s.warnings
    assert "in 3 of 250 rows" in w and "listwise deletion" in w and "247 complete rows used" in w
    s2 = csi.read_survey(df, scale=(1, 10), model="ecsi", missing="mean")
    assert "item-mean imputation" in s2.warnings[0] and "all 250 rows" in s2.warnings[0]
    assert mobi.notna().all().all()  # the caller's frame is untouched


def test_fewer_rows_than_parameters(mobi) -> None:
    # 40 rows: enough for the 36 PLS parameters (24 weights, 12 paths), not for CB-SEM's 59
    assert not any("free parameters" in p for p in csi.check_survey(mobi.iloc[:40], scale=(1, 10), model="ecsi"))
    problems = csi.check_survey(mobi.iloc[:40], scale=(1, 10), model="ecsi", estimator="cbsem")
    assert any(p.severity == "error" and "40 usable rows" in p and "59 free parameters" in p for p in problems)
    problems = csi.check_survey(mobi.iloc[:20], scale=(1, 10), model="ecsi")
    assert any("20 usable rows but the PLS model has 36 free parameters" in p for p in problems)


def test_unknown_preset_and_prefix_matching_nothing(mobi, satisfaction) -> None:
    (p,) = csi.check_survey(mobi, scale=(1, 10), model="ecsy")
    assert "unknown preset" in p and "did you mean 'ecsi'" in p
    # the ECSI default prefixes do not match the satisfaction file's short names (IMAG does, case aside)
    (p,) = csi.check_survey(satisfaction, scale=(0, 10), model="ecsi")
    assert "no column matches" in p and "(prefix 'CUEX')" in p and "expe1" in p and "'IMAG'" not in p
    with pytest.raises(InputError, match=r"no column matches.*\(prefix 'CUEX'\)"):
        csi.read_survey(satisfaction, scale=(0, 10), model="ecsi")


def test_model_text_with_an_absent_column(mobi) -> None:
    (p,) = csi.check_survey(mobi, model="Image =~ IMAG1 + IMG2\nValue =~ PERV1 + PERV2\nValue ~ Image")
    assert "'IMG2' (Image)" in p


def test_group_problems(mobi) -> None:
    df = mobi.assign(segment="a")
    problems = csi.check_survey(df, scale=(1, 10), group="segment")
    assert any(p.column == "segment" and "at least two groups" in p for p in problems)
    problems = csi.check_survey(mobi, scale=(1, 10), group="sex")
    assert any("group column 'sex' is not in the file" in p for p in problems)
    df = mobi.assign(segment=["a", "b"] * 125)
    df.loc[df.index[:3], "segment"] = ""
    s = csi.read_survey(df, scale=(1, 10), group="segment")
    assert any("3 row(s) without a group" in w for w in s.warnings)
    assert s.data["segment"].isna().sum() == 3 and "segment" not in s.items


def test_reading_problems(tmp_path) -> None:
    (p,) = csi.check_survey(tmp_path / "nope.csv")
    assert "file not found" in p
    (p,) = csi.check_survey(_write(tmp_path, "", "empty.csv"))
    assert "empty" in p
    (p,) = csi.check_survey(_write(tmp_path, "a,a,b\n1,2,3\n", "dup.csv"))
    assert "duplicated column" in p and "'a'" in p
    # semicolon-separated, GB18030-encoded file with a Chinese group label
    path = tmp_path / "cn.csv"
    path.write_bytes("q1;q2;性别\n1;2;男\n3;4;女\n2;2;男\n".encode("gb18030"))
    s = csi.read_survey(path, scale=(1, 5), group="性别")
    assert s.items == ["q1", "q2"] and set(s.data["性别"]) == {"男", "女"}
    with pytest.raises(ParameterError, match="scale"):
        csi.check_survey(path, scale=(5, 1))
    with pytest.raises(ParameterError, match="missing"):
        csi.check_survey(path, missing="drop")


def test_problems_are_strings_with_severity_and_column() -> None:
    df = pd.DataFrame({"q1": [1, 2, 11], "q2": [2, 3, 4]})
    (p,) = csi.check_survey(df, scale=(1, 10))
    assert isinstance(p, str) and p.severity == "error" and p.column == "q1"
    assert str(p).startswith("column 'q1': ") and "row 2" in p


def test_dataframe_read_without_index_col(shared_dir) -> None:
    # read like pd.read_csv(path) without index_col: the unnamed row-number column is no item
    raw = pd.read_csv(shared_dir / "data" / "ecsi_mobi.csv")
    assert raw.columns[0] == "Unnamed: 0"
    assert csi.check_survey(raw, scale=(1, 10)) == []
    s = csi.read_survey(raw, scale=(1, 10))
    assert len(s.items) == 24 and "Unnamed: 0" not in s.items
    assert csi.survey_columns(raw)[0] == "CUEX1"


LABELLED_MODEL = """model: |
  Quality =~ q1 + q2 + q3
  Satisfaction =~ s1 + s2 + s3
  Satisfaction ~ Quality
labels:
  s1: {en: Overall satisfaction, zh: 总体满意度}
  q2: {en: Reliability of the network, zh: 网络的可靠性}
"""


def _labelled_survey(tmp_path):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.integers(1, 11, size=(40, 6)).astype(float), columns=["q1", "q2", "q3", "s1", "s2", "s3"])
    df["region"] = ["north", "south"] * 20
    df.loc[[0, 1], "s1"] = np.nan
    df.loc[2, "q2"] = np.nan
    df.loc[3, ["q1", "q2", "q3", "s1", "s2", "s3"]] = np.nan  # a row with no answer
    df.loc[4, "region"] = ""
    path = tmp_path / "wave.csv"
    df.to_csv(path, index=False)
    model = tmp_path / "model.yaml"
    model.write_text(LABELLED_MODEL, "utf-8")
    return path, model


def test_warnings_in_chinese_name_items_by_their_labels(tmp_path) -> None:
    path, model = _labelled_survey(tmp_path)
    s = csi.read_survey(path, scale=(1, 10), model=str(model), group="region", lang="zh")
    text = "\n".join(s.warnings)
    assert "总体满意度 2 个" in text and "网络的可靠性 1 个" in text  # labels, not s1 / q2
    assert "按成列删除处理" in text and "没有任何回答" in text and "不参与组间比较" in text
    assert "s1" not in text and "q2" not in text
    assert not re.search(r"[A-Za-z]{4,}", text.replace("region", "")), text  # no English words left
    # a column without a label keeps its id, in the Chinese form
    [group] = [p for p in csi.check_survey(path, (1, 10), model=str(model), group="region", lang="zh")
               if p.column == "region"]
    assert str(group).startswith("“region”列：") and group.severity == "warning"


def test_warnings_follow_the_report_language_of_the_run(tmp_path, monkeypatch) -> None:
    path, model = _labelled_survey(tmp_path)
    monkeypatch.setenv("CRM_ANALYSIS_LANG", "zh")  # what the runner sets for a Chinese report's kernel
    assert any("缺失回答" in w for w in csi.read_survey(path, scale=(1, 10), model=str(model)).warnings)
    monkeypatch.setenv("CRM_ANALYSIS_LANG", "en")
    warnings = csi.read_survey(path, scale=(1, 10), model=str(model)).warnings
    assert any("Overall satisfaction: 2" in w for w in warnings) and not any("s1" in w for w in warnings)


def test_an_error_names_the_labelled_column(tmp_path) -> None:
    path, model = _labelled_survey(tmp_path)
    df = pd.read_csv(path)
    df.loc[5, "s1"] = 12
    df.to_csv(path, index=False)
    [err] = [p for p in csi.check_survey(path, (1, 10), model=str(model), lang="zh") if p.severity == "error"]
    assert str(err).startswith("总体满意度（s1 列）：") and "超出声明的量表 1-10" in str(err) and "第 7 行" in str(err)
    [err] = [p for p in csi.check_survey(path, (1, 10), model=str(model), lang="en") if p.severity == "error"]
    assert str(err).startswith("Overall satisfaction (column s1): ") and err.column == "s1"
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert again == err and again.column == "s1" and again.lang == "en"
