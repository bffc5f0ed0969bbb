"""The files consultants receive: Excel, SPSS, Stata, CSV in the encodings and layouts clients
use. Every file here is made by the test (no client data)."""
import json

import pandas as pd
import pytest

from crm_analysis import csi
from crm_analysis.cli import main
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.readers import ReadOptions, decode, detect_separator
from crm_analysis.segment.reader import read_transactions
from crm_analysis.validation import read_table, validate_file

ROWS = [(1, 7, 6, "男"), (2, 5, 4, "女"), (3, 6, 7, "男"), (4, 3, 5, "女")]
CSV = "id,q1,q2,性别\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in ROWS)


def errors(problems):
    return [str(p) for p in problems if p.severity == "error"]


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""),
                                          ("gbk", b""), ("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b"")])
def test_csv_encodings_are_detected(tmp_path, encoding, bom):
    path = tmp_path / "s.csv"
    path.write_bytes(bom + CSV.encode(encoding))  # "utf-16" writes its own BOM; -le/-be none
    frame, problems = read_table(path)
    assert problems == [] and list(frame.columns) == ["id", "q1", "q2", "性别"]
    assert frame["性别"].tolist() == ["男", "女", "男", "女"] and frame["q1"].tolist() == ["7", "5", "6", "3"]
    survey = csi.read_survey(path, scale=(1, 7), group="性别")
    assert survey.items == ["q1", "q2"] and survey.n == 4


def test_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("customer_id;date;dollar_value\n1;1997-01-01;3,50\n2;1997-01-02;1.234,75\n1;1997-02-01;12\n",
                    "utf-8")
    frame, problems = read_table(path)
    assert problems == [] and frame["dollar_value"].tolist() == ["3.50", "1234.75", "12"]
    tx = read_transactions(path)
    assert tx["dollar_value"].tolist() == [3.5, 1234.75, 12.0]
    # declared: the same result; and decimal="." keeps the commas (then the amounts are not numbers)
    assert read_transactions(path, sep=";", decimal=",")["dollar_value"].sum() == pytest.approx(1250.25)
    with pytest.raises(InputError, match="dollar_value"):
        read_transactions(path, decimal=".")
    # a comma-separated file with dotted decimals is left alone
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1.5,2\n", "utf-8")
    assert read_table(plain)[0]["a"].tolist() == ["1.5"]
    assert detect_separator("q1;q2;q3,x\n") == ";" and detect_separator("a b c\n") is None


def test_declared_options_are_checked_with_clear_errors(tmp_path):
    with pytest.raises(ParameterError, match="encoding='klingon'"):
        ReadOptions(encoding="klingon")
    with pytest.raises(ParameterError, match="sep='/'"):
        ReadOptions(sep="/")
    with pytest.raises(ParameterError, match="header_row=0"):
        ReadOptions(header_row=0)
    text, used, error = decode("é".encode("utf-8"), tmp_path / "x.csv", "ascii")
    assert text is None and "x.csv" in error and "cannot be read as ascii" in error


def _workbook(path):
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["This workbook holds the 2026 wave"])
    data = book.create_sheet("wave 2026")
    data.append(["Customer survey, wave 2026 (exported)"])  # a title row above the header
    data.append(["id", "q1", "q2", "gender"])
    for a, b, c, d in ROWS:
        data.append([a, b, c, "m" if d == "男" else "f"])
    data.append([5, 4.5, None, "f"])
    book.save(path)
    return path


def test_excel_sheet_and_header_row(tmp_path, capsys):
    path = _workbook(tmp_path / "wave.xlsx")
    frame, problems = read_table(path, sheet="wave 2026", header_row=2)
    assert problems == [] and list(frame.columns) == ["id", "q1", "q2", "gender"]
    assert frame["q1"].tolist() == ["7", "5", "6", "3", "4.5"] and frame["q2"].tolist()[-1] == ""
    assert read_table(path, sheet=2, header_row=2)[0].equals(frame)
    survey = csi.read_survey(path, scale=(1, 7), sheet="wave 2026", header_row=2, group="gender")
    assert survey.items == ["q1", "q2"] and survey.n == 5 and survey.data["q1"].iloc[-1] == 4.5
    # errors name the file and what the workbook has
    [msg] = errors(validate_file(path, "survey", sheet="wave 2025"))
    assert "wave.xlsx" in msg and "no sheet named 'wave 2025'" in msg and "'wave 2026'" in msg
    [msg] = errors(validate_file(path, "survey", sheet=3))
    assert "sheet 3" in msg and "2 sheet(s)" in msg
    # the command line: --sheet / --header-row
    assert main(["validate", str(path), "--kind", "survey", "--sheet", "2", "--header-row", "2",
                 "--scale", "1", "7"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert main(["validate", str(path), "--kind", "survey", "--header-row", "0"]) == 2
    assert "header_row=0" in capsys.readouterr().err


def _labelled(path, writer):
    df = pd.DataFrame({"q1": [7.0, 5.0, 6.0, 3.0], "q2": [6.0, 4.0, 7.0, 5.0], "gender": [1.0, 2.0, 1.0, 2.0]})
    writer(df, str(path), column_labels=["满意度：总体而言，您对本公司满意吗？", "Would you recommend us?", "性别"],
           variable_value_labels={"q1": {1.0: "非常不满意", 7.0: "非常满意"}, "gender": {1.0: "男", 2.0: "女"}})
    return path


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_keep_variable_and_value_labels(tmp_path, suffix):
    import pyreadstat

    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    path = _labelled(tmp_path / f"wave{suffix}", writer)
    frame, problems = read_table(path)
    assert problems == [] and frame["q1"].tolist() == ["7", "5", "6", "3"]  # the codes
    survey = csi.read_survey(path, scale=(1, 7), group="gender")
    assert survey.items == ["q1", "q2"]
    assert survey.wording("q1") == "满意度：总体而言，您对本公司满意吗？" and survey.wording("q2") == "Would you recommend us?"
    assert survey.labels["gender"] == "性别"
    assert survey.value_labels["q1"] == {1: "非常不满意", 7: "非常满意"}
    assert survey.value_labels["gender"] == {1: "男", 2: "女"}
    assert survey.data["q1"].tolist() == [7.0, 5.0, 6.0, 3.0]
    # the wording reaches the report's item table (the CSI notebook shows survey.describe())
    from crm_analysis.reporting.tables import show_table

    table = survey.describe()
    assert table.columns[0] == "wording" and table.loc["q2", "wording"] == "Would you recommend us?"
    html = show_table(table, "zh", digits=2, counts=["min", "max"]).to_html()
    assert "题目" in html and "您对本公司满意吗" in html
    assert "wording" not in csi.read_survey(pd.DataFrame({"a": [1, 2], "b": [2, 1]}), scale=(1, 5)).describe()


def test_broken_binary_files_are_named(tmp_path):
    for name in ("bad.sav", "bad.dta", "bad.xlsx"):
        path = tmp_path / name
        path.write_bytes(b"not really a data file at all")
        [msg] = errors(validate_file(path, "survey"))
        assert name in msg and "cannot be read as" in msg


@pytest.mark.slow
def test_run_passes_reading_options_to_the_notebook(tmp_path, repo_root, capsys):
    """`run --header-row` reaches the notebook's reader (a title line above the header)."""
    src = (repo_root / "data" / "cdnow_master.txt").read_text().splitlines()[:400]
    path = tmp_path / "tx.csv"
    rows = [";".join(line.split()) for line in src]
    path.write_text("Export from the shop, 2026\n" + "\n".join(rows) + "\n", "gb18030")
    args = ["run", "tour", "-p", "transactions", str(path), "--reports-dir", str(tmp_path / "r"), "-p", "freq", "M"]
    # without it the title line is taken for the header: refused before a kernel starts (the preflight
    # reads the file as validate does)
    assert main([*args, "--name", "no"]) == 2
    capsys.readouterr()
    assert main([*args, "--name", "yes", "--header-row", "2", "--sep", ";"]) == 0
    prov = json.loads((tmp_path / "r" / "tour-yes" / "provenance.json").read_text())
    assert prov["read_options"] == {"sep": ";", "header_row": 2}
    assert json.loads((tmp_path / "r" / "tour-yes" / "results.json").read_text())["rows_read"] == 399
