"""RFM, mean split, quintile scores, Pareto and IDIC on hand-computed examples; the reader's bad-input handling."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_analysis import segment
from crm_analysis.errors import InputError, ParameterError


def tx_small() -> pd.DataFrame:
    """Four customers in January 1997 (hand-computed values below)."""
    rows = [("A", "1997-01-01", 10.0), ("A", "1997-01-20", 30.0), ("B", "1997-01-05", 5.0),
            ("C", "1997-01-10", 100.0), ("C", "1997-01-25", 50.0), ("C", "1997-01-30", 20.0),
            ("D", "1997-01-02", 8.0), ("D", "1997-01-03", 2.0)]
    return pd.DataFrame(rows, columns=["customer_id", "date", "dollar_value"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


# ----------------------------------------------------------------------------- RFM
def test_rfm_by_hand():
    tx = tx_small()
    before = tx.copy()
    r = segment.rfm(tx)
    assert tx.equals(before)  # the caller's frame is untouched
    # asof defaults to the day after the last transaction: 1997-01-31
    assert r.attrs["asof"] == pd.Timestamp("1997-01-31")
    assert r["recency"].to_dict() == {"A": 11, "B": 26, "C": 1, "D": 28}
    assert r["frequency"].to_dict() == {"A": 2, "B": 1, "C": 3, "D": 2}
    assert r["monetary"].to_dict() == {"A": 40.0, "B": 5.0, "C": 170.0, "D": 10.0}
    assert r["tenure"].to_dict() == {"A": 30, "B": 26, "C": 21, "D": 29}
    # means: R 16.5, F 2, M 56.25; D's F = 2 equals the mean, so it is not high
    assert r["segment_mean_split_zh"].astype(str).to_dict() == {
        "A": "一般发展客户", "B": "一般挽留客户", "C": "重要价值客户", "D": "一般挽留客户"}
    assert r["segment_mean_split"].astype(str)["C"] == "Key value customers"
    assert r["mean_split_code"].astype(str)["A"] == "R↑F↓M↓"


def test_rfm_explicit_asof_and_column_names():
    tx = tx_small().rename(columns={"customer_id": "cid", "date": "day", "dollar_value": "amt"})
    r = segment.rfm(tx, customer="cid", date="day", amount="amt", asof="1997-02-10")
    assert r["recency"].to_dict() == {"A": 21, "B": 36, "C": 11, "D": 38}
    assert r.index.name == "cid"


def test_mean_split_all_eight_classes_and_strict_inequalities():
    t = pd.DataFrame({"recency": [1, 1, 1, 1, 9, 9, 9, 9], "frequency": [5, 1, 5, 1, 5, 1, 5, 1],
                      "monetary": [10.0, 10, 1, 1, 10, 10, 1, 1]})
    out = segment.mean_split(t)
    assert out["segment_mean_split_zh"].astype(str).tolist() == [
        "重要价值客户", "重要发展客户", "一般价值客户", "一般发展客户",
        "重要保持客户", "重要挽留客户", "一般保持客户", "一般挽留客户"]
    assert list(out["segment_mean_split_zh"].cat.categories) == [
        "重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
        "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"]
    assert "segment_mean_split" not in t.columns  # a copy
    tie = segment.mean_split(pd.DataFrame({"recency": [2, 4, 6], "frequency": [1, 2, 3], "monetary": [1.0, 2, 3]}))
    # the middle customer sits exactly on every mean: low on R, F and M
    assert tie["r_high"].tolist() == [True, False, False]
    assert tie["f_high"].tolist() == [False, False, True]
    assert tie["segment_mean_split_zh"].astype(str)[1] == "一般挽留客户"


def test_scores_by_hand():
    assert segment.score(np.arange(1, 11)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert segment.score([1, 1, 1, 2, 5]).tolist() == [1, 1, 1, 4, 5]  # ties share a score
    assert segment.score([3, 10, 30, 60, 90], higher_is_better=False).tolist() == [5, 4, 3, 2, 1]


def test_quintile_named_segments_by_hand():
    base = {"recency": [10, 20, 30, 40, 50], "frequency": [5, 4, 3, 2, 1], "monetary": [50.0, 40, 30, 20, 10]}
    q = segment.quintile_scores(pd.DataFrame(base))
    assert q["r_score"].tolist() == [5, 4, 3, 2, 1] and q["fm_score"].tolist() == [5, 4, 3, 2, 1]
    assert q["rfm_cell"].tolist() == ["555", "444", "333", "222", "111"]
    assert q["segment_quintile"].astype(str).tolist() == [
        "Champions", "Loyal customers", "Need attention", "Hibernating", "Lost"]
    rev = segment.quintile_scores(pd.DataFrame({**base, "recency": [50, 40, 30, 20, 10]}))
    assert rev["segment_quintile"].astype(str).tolist() == [
        "Can't lose them", "At risk", "Need attention", "Promising", "New customers"]
    # R 5 / FM 3 -> potential loyalists; R 3 / FM 1 -> about to sleep
    mixed = segment.quintile_scores(pd.DataFrame({"recency": [1, 2, 3, 4, 5], "frequency": [3, 1, 1, 1, 5],
                                                  "monetary": [2.0, 5, 1, 3, 4]}))
    assert mixed[["r_score", "f_score", "m_score"]].values.tolist() == [[5, 4, 2], [4, 1, 5], [3, 1, 1], [2, 1, 3], [1, 5, 4]]
    assert mixed["segment_quintile"].astype(str).tolist()[0] == "Potential loyalists"
    assert mixed["segment_quintile"].astype(str).tolist()[2] == "About to sleep"
    assert mixed["segment_quintile_zh"].astype(str).tolist()[0] == "潜在忠诚客户"


# ----------------------------------------------------------------------------- Pareto and IDIC
def test_pareto_by_hand():
    t = pd.DataFrame({"monetary": [50.0, 30, 10, 5, 5]}, index=list("abcde"))
    out = segment.pareto(t)
    assert out["segment_pareto"].astype(str).tolist()[:3] == [
        "Strategically significant", "Strategically significant", "Other customers"]
    assert out.attrs["pareto"] == {"customer_share": 0.4, "value_share": 0.8, "target": 0.8}
    assert out["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 1.0, 1.0])
    # a customer tied with the one that reaches 80% is significant too
    tie = segment.pareto(pd.DataFrame({"monetary": [60.0, 20, 20]}))
    assert (tie["segment_pareto"] == "Strategically significant").all()
    # zero and negative values are never significant; share is a parameter
    neg = segment.pareto(pd.DataFrame({"monetary": [70.0, 30, 0, -5]}), share=0.5)
    assert neg["segment_pareto_zh"].astype(str).tolist() == ["具有战略意义的客户", "其他客户", "其他客户", "其他客户"]
    with pytest.raises(ParameterError, match="share"):
        segment.pareto(t, share=80)
    with pytest.raises(InputError, match="positive value"):
        segment.pareto(pd.DataFrame({"monetary": [0.0, -1]}))


def test_idic_by_hand():
    t = pd.DataFrame({"monetary": [100.0, 90, 10, 5, 1], "frequency": [10, 1, 8, 1, 1], "tenure": [100] * 5},
                     index=list("abcde"))
    out = segment.idic(t, value_quantile=0.6, potential_quantile=0.6)
    # value quantile 0.6 = 42 -> a, b high; rates per 30 days: 3, 0.3, 2.4, 0.3, 0.3, quantile 1.14 -> a, c high
    assert out["potential"].tolist() == pytest.approx([3.0, 0.3, 2.4, 0.3, 0.3])
    assert out["segment_idic"].astype(str).tolist() == [
        "Most valuable, growable", "Most valuable customers", "Most growable customers",
        "Low-maintenance customers", "Low-maintenance customers"]
    pot = pd.Series([0.0, 5.0, 0.0, 0.0, 9.0], index=list("abcde"))
    out2 = segment.idic(t, potential=pot, value_quantile=0.6, potential_quantile=0.6)
    assert out2["segment_idic"].astype(str)["b"] == "Most valuable, growable"
    assert out2["segment_idic_zh"].astype(str)["e"] == "最具增长潜力客户"
    with pytest.raises(InputError, match="no value for 1 customer"):
        segment.idic(t, potential=pot.drop("e"))
    with pytest.raises(ParameterError, match="potential"):
        segment.idic(t, potential="magic")


def test_names_and_actions_bilingual():
    for scheme in segment.SCHEMES:
        names = segment.segment_names(scheme)
        assert names[["name_en", "name_zh", "action_en", "action_zh"]].map(len).min().min() > 1
        assert names["rank"].tolist() == list(range(1, len(names) + 1))
    zh = segment.recommended_actions("mean_split", "zh")
    assert zh["segment"].tolist()[0] == "重要价值客户" and "VIP" in zh["action"].tolist()[0]
    lab = segment.translate(pd.Series(["Lost", "Champions"]), "quintile", "zh")
    assert lab.astype(str).tolist() == ["已流失客户", "冠军客户"]


# ----------------------------------------------------------------------------- reader and bad input
@pytest.fixture()
def write(tmp_path):
    def _write(text: str, name: str = "tx.csv") -> str:
        path = tmp_path / name
        path.write_text(text, "utf-8")
        return str(path)
    return _write


def test_reads_cdnow(repo_root):
    tx = segment.read_transactions(repo_root / "data" / "cdnow_master.txt")
    rep = tx.attrs["read_report"]
    assert (rep.rows_read, rep.rows_kept, rep.customers) == (69659, 69659, 23570)
    assert rep.first_date == pd.Timestamp("1997-01-01") and rep.last_date == pd.Timestamp("1998-06-30")
    assert rep.zero == 80 and rep.negative == 0
    assert tx["customer_id"].iloc[0] == "00001"  # leading zeros kept
    assert str(tx["date"].dtype).startswith("datetime64") and tx["number_of_cds"].dtype.kind == "i"


def test_unparseable_dates_name_column_and_lines(write):
    path = write("customer_id,date,dollar_value\n1,1997-01-01,10\n2,1997-13-01,5\n3,soon,7\n")
    with pytest.raises(InputError, match=r"column 'date': 2 unparseable date\(s\) on lines 3, 4 \(e.g. '1997-13-01', 'soon'\)"):
        segment.read_transactions(path)
    out = segment.read_transactions(path, bad_dates="drop")
    assert len(out) == 1 and out.attrs["read_report"].dropped == {"unparseable date": 2}
    dmy = write("customer_id,date,dollar_value\n1,31/01/1997,10\n", "dmy.csv")
    assert segment.read_transactions(dmy, date_format="%d/%m/%Y")["date"].iloc[0] == pd.Timestamp("1997-01-31")


def test_negative_and_missing_amounts_counted_and_chosen(write):
    path = write("c;d;a\n1;19970101;10\n2;19970102;-5\n3;19970103;\n3;19970104;7\n4;19970105;-1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped = segment.read_transactions(path, customer="c", date="d", amount="a")
    messages = [str(w.message) for w in caught if issubclass(w.category, segment.TransactionWarning)]
    assert any(re.search(r"2 negative amount\(s\).*lines 3, 6.*dropped", m) for m in messages)
    assert any(re.search(r"1 missing amount\(s\) on line 4.*dropped", m) for m in messages)
    rep = dropped.attrs["read_report"]
    assert len(dropped) == 2 and rep.negative == 2 and rep.missing == 1
    assert rep.dropped == {"missing amount": 1, "negative amount": 2}
    with pytest.warns(segment.TransactionWarning, match="kept"):
        kept = segment.read_transactions(path, customer="c", date="d", amount="a", returns="keep", missing="zero")
    assert len(kept) == 5 and kept["a"].tolist() == [10.0, -5.0, 0.0, 7.0, -1.0]
    assert kept.attrs["read_report"].kept == {"missing amount (counted as 0)": 1, "negative amount": 2}
    assert "保留了 2 行金额为负（退货）的记录。" in kept.attrs["read_report"].messages("zh")
    with pytest.raises(InputError, match=r"column 'a': 2 negative amount\(s\) on lines 3, 6"):
        segment.read_transactions(path, customer="c", date="d", amount="a", returns="error")
    with pytest.raises(ParameterError, match="returns='toss'"):
        segment.read_transactions(path, customer="c", date="d", amount="a", returns="toss")
    # rfm nets kept returns against purchases; a refund is not a purchase (frequency, recency)
    r = segment.rfm(kept, "c", "d", "a")
    assert r.loc["3", "frequency"] == 2 and r.loc["1", "frequency"] == 1
    assert "2" not in r.index and r.attrs["refund_only"] == 2  # customers 2 and 4 only returned goods


def test_mixed_type_customer_column(write):
    path = write("customer_id date dollar_value\n1 19970101 10\nabc 19970102 5\n3 19970103 7\n4 19970105 2\n")
    with pytest.raises(InputError, match=r"column 'customer_id': mixed types: mostly numbers but 1 text id\(s\) on line 3 \(e.g. 'abc'\)"):
        segment.read_transactions(path)
    assert segment.read_transactions(path, mixed_ids="text")["customer_id"].tolist() == ["1", "abc", "3", "4"]
    amb = write("customer_id,date,dollar_value\n012,19970101,10\n12,19970102,5\n", "amb.csv")
    with pytest.raises(InputError, match=r"written in more than one way \(e.g. '012', '12'\) on lines 2, 3"):
        segment.read_transactions(amb)
    frame = pd.DataFrame({"c": [1, "1", 2], "d": pd.to_datetime(["1997-01-01"] * 3), "a": [1.0, 2, 3]})
    with pytest.raises(InputError, match=r"column 'c': mixed types"):
        segment.rfm(frame, "c", "d", "a")


def test_empty_file_header_only_and_missing_columns(write):
    with pytest.raises(InputError, match="empty"):
        segment.read_transactions(write("", "empty.csv"))
    with pytest.raises(InputError, match="no data rows"):
        segment.read_transactions(write("customer_id,date,dollar_value\n", "header.csv"))
    with pytest.raises(InputError, match=r"missing column\(s\) 'dollar_value'"):
        segment.read_transactions(write("customer_id,date\n1,19970101\n", "cols.csv"))
    with pytest.raises(InputError, match="no rows"):
        segment.rfm(tx_small().iloc[:0])


def test_asof_before_the_data_names_the_date_column():
    with pytest.raises(ParameterError, match=r"asof=1996-12-01 is before the data: the first transaction in column 'date' is on 1997-01-01; 8 transaction"):
        segment.rfm(tx_small(), asof="1996-12-01")
    with pytest.raises(ParameterError, match=r"asof=1997-01-25 is before the end of the data: 1 transaction\(s\) in column 'date' are later \(row with index 5\)"):
        segment.rfm(tx_small(), asof="1997-01-25")
    with pytest.raises(ParameterError, match="not a date"):
        segment.rfm(tx_small(), asof="next tuesday")


def test_check_transactions_lists_problems_for_frames_and_files(write):
    frame = pd.DataFrame({"id": ["a", "b", None], "day": ["1997-01-01", "x", "1997-01-02"], "v": [1.0, -2.0, np.nan]})
    problems = segment.check_transactions(frame, customer="id", date="day", amount="v")
    assert any(p.startswith("error: column 'id': 1 empty customer id") for p in problems)
    assert any("unparseable date" in p and "row with index 1" in p for p in problems)
    assert any(p.startswith("warning") and "missing amount" in p for p in problems)
    assert any(p.startswith("warning") and "negative amount" in p for p in problems)
    assert segment.check_transactions(write("customer_id,date,dollar_value\n1,19970101,3.5\n")) == []
    text = segment.check_transactions(write("customer_id,date,dollar_value\n1,1997-01-01,\"$1,234.50\"\n", "cur.csv"))
    assert text == []


def test_validate_cli_uses_the_same_checker(write):
    from crm_analysis.validation import validate_file

    path = write("customer_id,date,dollar_value\n1,19970101,10\n2,19971301,5\n")
    msgs = [str(p) for p in validate_file(path, "transactions")]
    direct = segment.check_transactions(path)
    assert msgs == direct and any("unparseable date" in m and "line 3" in m for m in msgs)


def test_simulated_transactions_are_seeded_and_exact():
    a = segment.simulate_transactions(300, 2000, seed=5)
    b = segment.simulate_transactions(300, 2000, seed=5)
    assert a.equals(b) and len(a) == 2000 and a["customer_id"].nunique() == 300
    assert a["date"].is_monotonic_increasing and (a["dollar_value"] > 0).all()
    c = segment.simulate_transactions(300, 2000, seed=6, returns_share=0.1)
    assert (c["dollar_value"] < 0).mean() == pytest.approx(0.1, abs=0.03)
    with pytest.raises(ParameterError, match="n_transactions"):
        segment.simulate_transactions(10, 5)
