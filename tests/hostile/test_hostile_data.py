"""Hostile corpus: data files through `crm-analysis validate` and the readers (table-driven).

Each row: the input file (generated here from the committed sample data), the command, and the
expected outcome (exit code, words the output must contain, checks on the result).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, maturity, segment
from crm_analysis.errors import InputError, ParameterError
from tests.hostile.corpus import Case, run_case

ROOT = Path(__file__).resolve().parents[2]
SURVEY = (ROOT / "data" / "ecsi_synthetic.csv").read_text("utf-8")
S_HEAD, *S_ROWS = SURVEY.strip().splitlines()
ASSESS = (ROOT / "data" / "maturity_sample.csv").read_text("utf-8")
A_HEAD, *A_ROWS = ASSESS.strip().splitlines()
TX_HEAD = "customer_id,date,dollar_value"


def survey(rows=None, head=S_HEAD, sep=",", end="\n"):
    rows = S_ROWS[:60] if rows is None else rows
    return "\n".join([head.replace(",", sep)] + [r.replace(",", sep) for r in rows]) + end


def tx(*rows):
    return "\n".join([TX_HEAD, *rows]) + "\n"


TX_OK = ["a,1997-01-01,10.5", "b,1997-01-02,3", "a,1997-02-01,4", "c,1997-03-01,8"]


def _trailing_comma_survey_reads_right(folder, text):
    s = csi.read_survey(folder / "s.csv", scale=(1, 10), model="ecsi")
    first = S_ROWS[0].split(",")
    assert s.data.iloc[0]["IMAG1"] == float(first[0]) and s.data.iloc[0]["CUSL3"] == float(first[23])


def _thousands_read(folder, text):
    out = segment.read_transactions(folder / "t.csv")
    assert out["dollar_value"].tolist() == [1234.5, 3.0]


def _decimal_comma_read(folder, text):
    out = segment.read_transactions(folder / "t.csv")
    assert out["dollar_value"].tolist() == [7.5, 3.0]  # read as decimals, never as text or as 750


def _utf16_read(folder, text):
    out = segment.read_transactions(folder / "t.csv")
    assert len(out) == len(TX_OK) and list(out.columns)[:3] == ["customer_id", "date", "dollar_value"]


def _decimal_survey_read(folder, text):
    from crm_analysis.validation import read_table

    frame, _ = read_table(folder / "s.csv")
    assert [float(v) for v in frame["q1"]] == [7.5, 6.5, 8.0, 5.5]


def _bom_read(folder, text):
    assert list(segment.read_transactions(folder / "t.csv").columns)[:3] == ["customer_id", "date", "dollar_value"]


XLSX = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200
UTF16 = ("\ufeff" + tx(*TX_OK)).encode("utf-16-le")

CASES = [
    # reading: separators, trailing commas, encodings, file kinds
    Case("survey-trailing-comma", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10", "--model", "ecsi"], 0,
         files={"s.csv": "\n".join([S_HEAD] + [r + "," for r in S_ROWS[:60]]) + "\n"},
         says=("extra separator", "OK"), check=_trailing_comma_survey_reads_right),
    Case("survey-extra-valued-field", ["validate", "s.csv", "--kind", "survey"], 1,
         files={"s.csv": survey(rows=[S_ROWS[0] + ",7"] + S_ROWS[1:30])},
         says=("more fields than the header", "line 2")),
    Case("tx-trailing-comma", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": TX_HEAD + "\n" + "\n".join(r + "," for r in TX_OK) + "\n"}, says=("extra separator",)),
    Case("assessment-trailing-comma", ["validate", "a.csv", "--kind", "assessment"], 0,
         files={"a.csv": "\n".join([A_HEAD] + [r + "," for r in A_ROWS[:40]]) + "\n"}, says=("extra separator",)),
    Case("tx-bom", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": "\ufeff" + tx(*TX_OK)}, check=_bom_read),
    Case("tx-thousands-separators", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": "customer_id;date;dollar_value\na;1997-01-01;1,234.50\nb;1997-01-02;3\n"},
         check=_thousands_read),
    Case("tx-parenthesised-negative", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,1997-01-01,(12.50)", "b,1997-01-02,3")}, says=("line 2", "write it as -12.50")),
    # decimal commas with ';' separators (European exports) are detected and read (crm_analysis.readers)
    Case("tx-decimal-comma", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": "customer_id;date;dollar_value\na;1997-01-01;7,50\nb;1997-01-02;3\n"},
         check=_decimal_comma_read),
    # amounts and dates
    Case("tx-infinite-amount", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,1997-01-01,inf", "b,1997-01-02,1e308", "c,1997-01-03,5")},
         says=("2 infinite or implausibly large amount(s) on lines 2, 3",)),
    Case("tx-future-date", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": tx("a,1997-01-01,5", "b,2200-01-02,5")}, says=("in the future", "line 3")),
    Case("tx-mixed-time-zones", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,2020-01-01T10:00+01:00,5", "b,2020-01-02T10:00+05:00,5")},
         says=("different time zones", "column 'date'")),
    Case("tx-one-time-zone", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": tx("a,2020-01-01T10:00+01:00,5", "b,2020-01-02T23:30+01:00,5")}),
    Case("tx-year-9999-placeholder", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,9999-12-31,5", "b,1997-01-02,5")}, says=("outside the years 1678-2261", "line 2")),
    Case("tx-compact-year-2262", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,22620101,5", "b,19970102,5")}, says=("outside the years", "'22620101'")),
    # duplicates
    Case("survey-repeated-ids", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 1,
         files={"s.csv": "id," + S_HEAD + "\n" + "\n".join(f"{i % 50},{r}" for i, r in enumerate(S_ROWS[:60])) + "\n"},
         says=("respondent id(s) appear on more than one row", "column 'id'")),
    Case("survey-rows-pasted-twice", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 1,
         files={"s.csv": survey(rows=S_ROWS[:60] + S_ROWS[10:20])},
         says=("10 row(s) repeat an earlier row", "lines 62, 63")),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_data(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)


def test_survey_pasted_rows_stop_read_survey(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(survey(rows=S_ROWS[:60] + S_ROWS[:5]))
    with pytest.raises(InputError, match="repeat an earlier row"):
        csi.read_survey(path, scale=(1, 10), model="ecsi")


def test_ambiguous_date_parameter_is_refused():
    from crm_analysis.segment.rfm import to_day

    with pytest.raises(ParameterError, match="ambiguous.*'1998-04-03' \\(day first\\).*'1998-03-04' \\(month first\\)"):
        to_day("03/04/1998", "calibration_end")
    with pytest.raises(ParameterError, match="expected year-month-day, e.g. '1997-09-30'"):
        to_day("30/09/1997", "calibration_end")
    assert to_day("1997-09-30", "x") == to_day(19970930, "x") == to_day("19970930", "x")


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "dollar_value"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def test_kept_refunds_are_not_purchases():
    t = _tx([("a", "1997-01-01", 10.0), ("a", "1997-03-01", -10.0), ("b", "1997-02-01", 5.0)])
    r = segment.rfm(t, asof="1997-03-02", returns="keep")
    assert r.loc["a", "frequency"] == 1 and r.loc["a", "recency"] == 60  # the refund is neither
    assert r.loc["a", "monetary"] == 0.0  # but it nets the value


@pytest.mark.parametrize("rows", [
    [("a", "1997-01-01", 10.0)],
    [("a", "1997-01-01", 10.0), ("b", "1997-01-01", 10.0), ("c", "1997-01-01", 10.0)],
], ids=["one-customer", "all-on-one-day"])
def test_no_lost_label_without_a_split(rows):
    r = segment.rfm(_tx(rows), asof="1997-01-02")
    assert r["r_high"].all() and r["f_high"].all() and r["m_high"].all()
    assert (r["segment_mean_split_zh"] == "重要价值客户").all()


DECIMAL_COMMA = "q1;q2;q3\n7,5;8;6\n6,5;7;5\n8,0;9;7\n5,5;4;6\n"

ENCODING_CASES = [
    Case("xlsx-renamed-csv", ["validate", "t.csv", "--kind", "transactions"], 1, files={"t.csv": XLSX},
         says=("t.csv: is an Excel workbook (.xlsx)", "CSV UTF-8"), never=("Traceback", "gb18030", "--encoding")),
    # UTF-16 (Excel's "Unicode Text") is detected by its byte-order mark and read (crm_analysis.readers)
    Case("utf16-renamed-csv", ["validate", "t.csv", "--kind", "transactions"], 0, files={"t.csv": UTF16},
         never=("Traceback", "gb18030"), check=_utf16_read),
    Case("utf16-survey", ["validate", "s.csv", "--kind", "survey"], 0,
         files={"s.csv": ("\ufeff" + survey()).encode("utf-16-le")}, never=("Traceback", "gb18030")),
    Case("xls-survey", ["validate", "s.csv", "--kind", "survey"], 1,
         files={"s.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 300}, says=("old Excel workbook (.xls)",)),
    Case("sav-renamed-csv", ["validate", "a.csv", "--kind", "assessment"], 1,
         files={"a.csv": b"$FL2@(#) IBM SPSS STATISTICS" + b"\x00" * 300}, says=("SPSS data file",)),
    # decimal commas in a ';' file are read as decimals (crm_analysis.readers), never "no answers at all"
    Case("survey-decimal-commas", ["validate", "s.csv", "--kind", "survey"], 0, files={"s.csv": DECIMAL_COMMA},
         never=("Traceback", "no answers at all"), check=_decimal_survey_read),
    # the hint names an option the command has (run, report and validate all take --encoding)
    Case("cp1252-hint-names-an-existing-option", ["run", "tour", "-p", "transactions", "t.csv"], 2,
         files={"t.csv": "customer_id,date,dollar_value\nJos\xe9,1997-01-01,5\n".encode("cp1252")},
         says=("not valid UTF-8", "re-save it as UTF-8 or pass --encoding cp1252"), never=("Traceback",)),
    Case("blank-and-whitespace-only-file", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": "\n\n   \n"}, says=("file is empty",)),
    Case("header-only", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": TX_HEAD + "\n"}, says=("no data rows",)),
    Case("survey-all-empty-column-with-model", ["validate", "s.csv", "--kind", "survey", "--model",
                                                "A =~ q1 + q2; B =~ q3 + q4; B ~ A"], 1,
         files={"s.csv": "q1,q2,q3,q4\n" + "".join(f"{i % 5 + 1},{(i * 3) % 5 + 1},{(i * 7) % 5 + 1},\n"
                                                     for i in range(40))},
         says=("column 'q4': no answers at all",)),
    Case("tx-semicolon-excel-export", ["validate", "t.csv", "--kind", "transactions"], 0,
         files={"t.csv": "\ufeffcustomer_id;date;dollar_value\r\na;1997/01/31;$12.50\r\nb;1997/02/01;€3\r\n"}),
]


@pytest.mark.parametrize("case", [c.param() for c in ENCODING_CASES])
def test_hostile_encodings_and_layouts(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)


def test_infinite_answer_is_not_an_answer(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("q1,q2\n1,2\ninf,3\n4,5\n")
    problems = csi.check_survey(path)
    assert any(p.severity == "error" and p.column == "q1" and "line 3" in p for p in problems), problems


BLANK_LINE_CASES = [
    Case("tx-blank-lines-keep-line-numbers", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": "\n" + TX_HEAD + "\na,1997-01-01,5\n\n\nb,1997-01-02,x\n"},
         says=("non-numeric amount(s) on line 6",)),
    Case("tx-whitespace-file-blank-lines", ["validate", "t.txt", "--kind", "transactions"], 1,
         files={"t.txt": " customer_id date dollar_value\n 1 19970101 5\n\n 2 1997013x 4\n"},
         says=("unparseable date(s) on line 4",)),
    Case("survey-blank-lines-keep-line-numbers", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 1,
         files={"s.csv": S_HEAD + "\n" + "\n".join(S_ROWS[:5]) + "\n\n" + S_ROWS[5].replace("7", "77", 1) + "\n"
                + "\n".join(S_ROWS[6:40]) + "\n"},
         says=("on line 8",)),
    Case("assessment-blank-lines-keep-line-numbers", ["validate", "a.csv", "--kind", "assessment"], 1,
         files={"a.csv": A_HEAD + "\n" + "\n".join(A_ROWS[:3]) + "\n\n" + A_ROWS[3].replace(",4,", ",9,", 1) + "\n"
                + "\n".join(A_ROWS[4:]) + "\n"},
         says=("line 6",)),
]


@pytest.mark.parametrize("case", [c.param() for c in BLANK_LINE_CASES])
def test_hostile_blank_lines(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)


MORE_CASES = [
    Case("tx-unbalanced-quote", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx('a,"1997-01-01,5', "b,1997-01-02,3")}),
    Case("tx-duplicated-header", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": "customer_id,date,date,dollar_value\na,1997-01-01,1997-01-01,5\n"},
         says=("duplicated column name(s) in the header: 'date'",)),
    Case("survey-excel-error-cells", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 1,
         files={"s.csv": survey(rows=[S_ROWS[0].replace("7", "#DIV/0!", 1)] + S_ROWS[1:40])},
         says=("text in a numeric column", "'#DIV/0!'", "line 2")),
    Case("survey-full-width-digits", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 1,
         files={"s.csv": survey(rows=[S_ROWS[0].replace("7", "７", 1)] + S_ROWS[1:40])},
         says=("text in a numeric column", "line 2")),
    Case("survey-header-trailing-comma-only", ["validate", "s.csv", "--kind", "survey", "--scale", "1", "10"], 0,
         files={"s.csv": S_HEAD + ",\n" + "\n".join(S_ROWS[:40]) + "\n"}),
    Case("tx-leading-zero-ids-kept", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("012,1997-01-01,5", "12,1997-01-02,3")}, says=("written in more than one way",)),
    Case("tx-all-amounts-missing", ["validate", "t.csv", "--kind", "transactions"], 1,
         files={"t.csv": tx("a,1997-01-01,", "b,1997-01-02,")}, says=("2 missing amount(s)", "no transaction would be left")),
    Case("assessment-is-a-folder", ["validate", "d", "--kind", "assessment"], 1, files={"d/x.txt": "x"},
         says=("is a folder",)),
]


@pytest.mark.parametrize("case", [c.param() for c in MORE_CASES])
def test_hostile_more(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)
