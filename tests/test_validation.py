"""`crm-analysis validate` on good and broken files."""
import pytest

from crm_analysis.cli import main
from crm_analysis.validation import validate_file


def errors(problems):
    return [str(p) for p in problems if p.severity == "error"]


@pytest.fixture()
def survey(tmp_path):
    def write(text, name="s.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path
    return write


def test_good_transactions_file_passes(repo_root):
    assert errors(validate_file(repo_root / "data" / "cdnow_master.txt", "transactions")) == []


def test_real_survey_passes(shared_dir):
    assert errors(validate_file(shared_dir / "data" / "ecsi_mobi.csv", "survey", scale=(1, 10))) == []
    # plspm's satisfaction data are on a 0-10 scale
    assert errors(validate_file(shared_dir / "data" / "ecsi_satisfaction.csv", "survey", scale=(0, 10))) == []
    assert errors(validate_file(shared_dir / "data" / "ecsi_satisfaction.csv", "survey", scale=(1, 10)))


def test_missing_column_named(survey):
    path = survey("customer_id,date\n1,19970101\n")
    [msg] = errors(validate_file(path, "transactions"))
    assert "'dollar_value'" in msg and "missing column" in msg


def test_non_numeric_cell_names_column_line_and_value(survey):
    path = survey("q1,q2\n1,2\n3,abc\n5,6\n")
    [msg] = errors(validate_file(path, "survey"))
    assert "'q2'" in msg and "line 3" in msg and "'abc'" in msg and "text in a numeric column" in msg


def test_empty_file(survey):
    [msg] = errors(validate_file(survey(""), "survey"))
    assert "empty" in msg


def test_header_only(survey):
    [msg] = errors(validate_file(survey("a,b\n"), "survey"))
    assert "no data rows" in msg


def test_gbk_is_detected_and_other_encodings_get_a_hint(survey):
    path = survey("customer_id,date,dollar_value,备注\n1,19970101,3.5,张三\n", encoding="gbk")
    assert errors(validate_file(path, "transactions")) == []  # GBK/GB18030: detected
    assert errors(validate_file(path, "transactions", encoding="gb18030")) == []
    # Western European text that is not UTF-8: an error naming the encoding that reads it
    path = survey("customer_id,date,dollar_value,note\n1,19970101,3.5,caf\xe9 cr\xe8me\n", encoding="cp1252")
    [msg] = errors(validate_file(path, "transactions"))
    assert "not valid UTF-8" in msg and "line 2" in msg and "--encoding cp1252" in msg
    assert errors(validate_file(path, "transactions", encoding="cp1252")) == []
    # a declared encoding that does not fit is named
    [msg] = errors(validate_file(survey("a,b\n1,\xff\n".replace("\xff", "é"), "u.csv"), "survey", encoding="ascii"))
    assert "cannot be read as ascii" in msg and "line 2" in msg


def test_chinese_survey_exports_in_gb18030_are_read(survey):
    path = survey("q1,q2\n1,2\n3,4\n5,不知道\n", encoding="gbk")
    [msg] = errors(validate_file(path, "survey"))
    assert "'q2'" in msg and "'不知道'" in msg and "line 4" in msg


def test_duplicated_header(survey):
    msgs = errors(validate_file(survey("q1,q2,q1\n1,2,3\n4,5,6\n"), "survey"))
    assert any("duplicated column" in m and "'q1'" in m for m in msgs)


def test_survey_scale_and_constant_and_empty_rows(survey):
    path = survey("q1,q2,q3\n1,5,3\n11,5,4\n,,\n2,5,1\n")
    msgs = errors(validate_file(path, "survey", scale=(1, 10)))
    assert any("'q1'" in m and "outside the declared scale" in m and "line 3" in m for m in msgs)
    assert any("'q2'" in m and "constant" in m for m in msgs)
    # an empty row is dropped (estimation can go on): a warning naming the line
    assert any("no answer at all" in str(p) and "line 4" in str(p) for p in validate_file(path, "survey", scale=(1, 10))
               if p.severity == "warning")


def test_transactions_dates_amounts_mixed_ids(survey):
    path = survey("customer_id date dollar_value\n1 19970101 10\nabc 19970102 -5\n3 1997-13-45 7\n4 19970105 x\n")
    problems = validate_file(path, "transactions")
    msgs = [str(p) for p in problems]
    assert any("mixed types" in m and "line 3" in m for m in msgs)
    assert any("unparseable date" in m and "line 4" in m for m in msgs)
    assert any("non-numeric" in m and "line 5" in m and "'dollar_value'" in m for m in msgs)
    assert any(m.startswith("warning") and "negative" in m for m in msgs)


def test_cli_exit_status_and_output(survey, capsys):
    bad = survey("q1,q2\n1,2\n3,abc\n")
    assert main(["validate", str(bad), "--kind", "survey"]) == 1
    out = capsys.readouterr().out
    assert "text in a numeric column" in out and "1 error(s)" in out
    good = survey("q1,q2\n1,2\n3,4\n", name="good.csv")
    assert main(["validate", str(good), "--kind", "survey"]) == 0
    assert "OK" in capsys.readouterr().out


def test_cli_missing_file(capsys, tmp_path):
    assert main(["validate", str(tmp_path / "nope.csv"), "--kind", "survey"]) == 1
    assert "file not found" in capsys.readouterr().out


def test_assessment_kind_uses_the_instrument(repo_root, survey, capsys):
    assert errors(validate_file(repo_root / "data" / "maturity_sample.csv", "assessment")) == []
    bad = survey("firm,rater,SAT1,XYZ9\nF1,R1,7,3\n", name="a.csv")
    msgs = errors(validate_file(bad, "assessment"))
    assert any("'XYZ9'" in m and "not an item id" in m for m in msgs)
    assert any("line 2" in m and "SAT1" in m and "outside the scale" in m for m in msgs)
    assert main(["validate", str(bad), "--kind", "assessment"]) == 1


def test_trailing_separator_warning_has_chinese_and_names_the_file_not_its_path(tmp_path):
    from crm_analysis.csi import check_survey

    path = tmp_path / "deep" / "wave.csv"
    path.parent.mkdir()
    path.write_text("q1,q2\n1,2,\n3,4,\n2,5,\n", "utf-8")
    [en] = [p for p in validate_file(path, "survey", scale=(1, 10)) if "separator" in p.message]
    assert en.severity == "warning" and en.message.startswith("wave.csv:") and str(tmp_path) not in en.message
    from crm_analysis.validation import read_table

    [read] = read_table(path)[1]
    assert read.zh.startswith("wave.csv：") and "多余的分隔符" in read.zh
    [zh] = [p for p in check_survey(path, (1, 10), lang="zh") if "分隔符" in p]
    assert zh.severity == "warning" and "第 2、3、4 行" in zh
