"""Transactions out of core: Parquet / DuckDB sources aggregated per customer by DuckDB."""
import duckdb
import numpy as np
import pandas as pd
import pytest

from crm_analysis import segment
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.segment import outofcore


@pytest.fixture(scope="module")
def cdnow(repo_root):
    tx = segment.read_transactions(repo_root / "data" / "cdnow_master.txt")
    tx.attrs = {}
    return tx


@pytest.fixture(scope="module")
def cdnow_parquet(cdnow, tmp_path_factory):
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.parquet"
    cdnow.to_parquet(path)
    return path


@pytest.fixture()
def no_rows_to_pandas(monkeypatch):
    """Fail if any row-level table is pulled into pandas: only per-customer totals may be."""
    def refuse(self):
        raise AssertionError("rows were loaded into pandas")
    monkeypatch.setattr(outofcore.Transactions, "to_pandas", refuse)


def test_read_transactions_opens_parquet_without_loading(cdnow_parquet, cdnow):
    tx = segment.read_transactions(cdnow_parquet)
    assert isinstance(tx, segment.Transactions)
    r = tx.report
    assert (r.rows_kept, r.customers) == (len(cdnow), cdnow["customer_id"].nunique())
    assert (r.first_date, r.last_date) == (cdnow["date"].min(), cdnow["date"].max())


def test_same_rfm_clv_summary_and_evaluation_as_pandas_on_cdnow(cdnow, cdnow_parquet, no_rows_to_pandas):
    tx = segment.read_transactions(cdnow_parquet)
    pd.testing.assert_frame_equal(segment.rfm(cdnow), segment.rfm(tx), check_index_type=False)
    pd.testing.assert_frame_equal(segment.clv_summary(cdnow, calibration_end="1997-09-30"),
                                  segment.clv_summary(tx, calibration_end="1997-09-30"), check_dtype=False)
    a, b = segment.evaluate(cdnow), segment.evaluate(tx)
    pd.testing.assert_frame_equal(a.segments, b.segments)  # every customer, every scheme
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.segment_table, b.segment_table)
    pd.testing.assert_frame_equal(a.rfm, b.rfm)
    assert a.periods == b.periods and a.notes == b.notes
    np.testing.assert_array_equal(a.clv.bgnbd.params, b.clv.bgnbd.params)


def test_one_row_per_customer_reaches_pandas(cdnow_parquet, cdnow):
    tx = segment.read_transactions(cdnow_parquet)
    tot = tx.customer_totals([tx.days()[1]])
    assert len(tot) == cdnow["customer_id"].nunique()
    assert tot.index.is_unique and tot["n_0"].sum() == len(cdnow)


def test_folders_globs_and_duckdb_sources_agree(cdnow, tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    half = len(cdnow) // 2
    cdnow.iloc[:half].to_parquet(parts / "a.parquet")
    cdnow.iloc[half:].to_parquet(parts / "b.parquet")
    db = tmp_path / "tx.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", cdnow)
    con.execute("CREATE TABLE transactions AS SELECT * FROM frame")
    con.close()
    mem = duckdb.connect()
    mem.register("frame", cdnow)
    mem.execute("CREATE TABLE sales AS SELECT * FROM frame")
    view = duckdb.connect()  # a view over files, as over remote ones (s3:// with httpfs)
    view.execute(f"CREATE VIEW transactions AS SELECT * FROM read_parquet('{parts}/*.parquet')")
    expected = segment.rfm(cdnow)
    threads_before = mem.execute("SELECT current_setting('threads')").fetchone()[0]
    for source in (parts, str(parts / "*.parquet"), db, mem, view):
        got = segment.rfm(segment.read_transactions(source))
        pd.testing.assert_frame_equal(expected, got, check_index_type=False)
    # the aggregation leaves the caller's connection as it was
    assert mem.execute("SELECT current_setting('threads')").fetchone()[0] == threads_before
    # CDNOW's amounts are whole cents: exact sums, equal to the last bit whatever the threads
    for threads in (1, 3):
        fast = segment.open_transactions(parts, threads=threads)
        assert fast.decimals == 2
        pd.testing.assert_frame_equal(expected, segment.rfm(fast), check_index_type=False)


def _computed_prices(n: int, seed: int) -> pd.DataFrame:
    """Transactions whose amounts are not whole cents (e.g. prices after a computed discount)."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, n // 5, n)
    spend = rng.gamma(3.0, 10.0, n // 5)  # each customer's typical spend
    return pd.DataFrame({"customer_id": customer,
                         "date": pd.Timestamp("1997-01-01") + pd.to_timedelta(rng.integers(0, 540, n), unit="D"),
                         "dollar_value": spend[customer] * rng.gamma(20.0, 1 / 20.0, n)})


def test_amounts_beyond_cents_are_added_in_file_order_on_one_thread(tmp_path, no_rows_to_pandas):
    tx = _computed_prices(20_000, 1)
    tx.to_parquet(tmp_path / "thirds.parquet")
    opened = segment.read_transactions(tmp_path / "thirds.parquet")
    assert opened.decimals is None
    pd.testing.assert_frame_equal(segment.rfm(tx), segment.rfm(opened), check_index_type=False)
    a, b = segment.evaluate(tx), segment.evaluate(opened)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_decimals_are_read_from_the_rows_kept(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE transactions AS SELECT * FROM (VALUES ('a', DATE '1997-01-01', 10.125), "
                "('a', DATE '1997-01-02', -1.00001), ('b', DATE '1997-01-03', 5.5)) t(customer_id, date, dollar_value)")
    kept = segment.open_transactions(con, returns="keep")
    assert kept.decimals is None  # -1.00001 has five decimals
    assert segment.open_transactions(con, returns="drop").decimals == 3
    # kept at first, dropped later: the purchases alone are whole thousandths
    frame = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["1997-01-01", "1997-01-03"]),
                          "dollar_value": [10.125, 5.5]})
    pd.testing.assert_frame_equal(segment.rfm(frame, asof="1997-01-04"),
                                  segment.rfm(kept, asof="1997-01-04", returns="drop"), check_index_type=False)


@pytest.mark.parametrize("layout", ["text", "number", "timestamp"])
def test_dates_stored_as_text_numbers_or_timestamps(cdnow, tmp_path, layout):
    df = cdnow[["customer_id", "date", "dollar_value"]].copy()
    if layout == "text":
        df["date"] = df["date"].dt.strftime("%Y%m%d")
    elif layout == "number":
        df["date"] = df["date"].dt.strftime("%Y%m%d").astype("int64")
    else:
        df["date"] = df["date"] + pd.Timedelta(hours=15)  # a time of day does not move the day
    df.to_parquet(tmp_path / "t.parquet")
    got = segment.rfm(segment.read_transactions(tmp_path / "t.parquet"))
    pd.testing.assert_frame_equal(segment.rfm(cdnow), got, check_index_type=False)


def _frame():
    return pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
                         "date": pd.to_datetime(["1997-01-01", "1997-01-10", "1997-01-05", "1997-01-20",
                                                 "1997-01-07"]),
                         "dollar_value": [10.0, -4.0, 5.0, None, 8.0]})


def test_returns_and_missing_amounts_as_the_reader(tmp_path):
    path = tmp_path / "t.parquet"
    _frame().to_parquet(path)
    tx = segment.read_transactions(path)  # defaults: drop returns, drop missing
    assert tx.report.dropped == {"missing amount": 1, "negative amount": 1}
    assert segment.rfm(tx)["monetary"].to_dict() == {"a": 10.0, "b": 5.0, "c": 8.0}
    kept = segment.read_transactions(path, returns="keep", missing="zero")
    table = segment.rfm(kept)
    assert table.loc["a", "monetary"] == 6.0 and table.loc["b", "frequency"] == 2
    full = _frame().fillna({"dollar_value": 0.0})
    pd.testing.assert_frame_equal(segment.rfm(full), table, check_index_type=False)
    with pytest.raises(InputError, match="negative"):
        segment.rfm(kept, returns="error")
    with pytest.raises(InputError, match="dollar_value"):
        segment.read_transactions(path, returns="error")
    with pytest.raises(InputError, match="missing amount"):
        segment.read_transactions(path, missing="error")


def test_bad_sources_are_named(tmp_path):
    _frame().to_parquet(tmp_path / "t.parquet")
    with pytest.raises(InputError, match="'amount_usd'"):
        segment.read_transactions(tmp_path / "t.parquet", amount="amount_usd")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Parquet files"):
        segment.read_transactions(tmp_path / "empty")
    with pytest.raises(InputError, match="no file matches"):
        segment.read_transactions(str(tmp_path / "nothing-*.parquet"))
    with pytest.raises(InputError, match="no such file"):
        segment.read_transactions(tmp_path / "absent.parquet")
    con = duckdb.connect()
    con.execute("CREATE TABLE a (x INT)")
    con.execute("CREATE TABLE b (x INT)")
    with pytest.raises(ParameterError, match="table"):
        segment.open_transactions(con)
    with pytest.raises(ParameterError, match="table='c'"):
        segment.open_transactions(con, table="c")
    bad = _frame().assign(date=["19970101", "not a date", "19970105", "19970120", "19970107"])
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="unreadable date in column 'date'"):
        segment.read_transactions(tmp_path / "bad.parquet")
    dropped = segment.read_transactions(tmp_path / "bad.parquet", bad_dates="drop")
    assert dropped.report.dropped["unparseable date"] == 1
    with pytest.raises(ParameterError, match="threads"):
        segment.open_transactions(tmp_path / "t.parquet", threads=0)
    with pytest.raises(ParameterError, match="asof"):
        segment.rfm(segment.read_transactions(tmp_path / "t.parquet"), asof="1997-01-02")


def test_simulate_parquet_writes_chunks_with_exact_totals(tmp_path):
    folder = segment.simulate_parquet(tmp_path / "sim", 250, 4000, chunk_customers=100, seed=4)
    assert sorted(p.name for p in folder.iterdir()) == [f"part-0000{i}.parquet" for i in range(3)]
    tx = segment.read_transactions(folder)
    assert (tx.report.rows_kept, tx.report.customers) == (4000, 250)
    again = segment.simulate_parquet(tmp_path / "sim2", 250, 4000, chunk_customers=100, seed=4)
    a = pd.read_parquet(folder).sort_values(["customer_id", "date", "dollar_value"], ignore_index=True)
    b = pd.read_parquet(again).sort_values(["customer_id", "date", "dollar_value"], ignore_index=True)
    pd.testing.assert_frame_equal(a, b)
    # DuckDB and pandas agree on the simulated data too
    pd.testing.assert_frame_equal(segment.rfm(pd.read_parquet(folder)), segment.rfm(tx), check_index_type=False)
    rows_capped = segment.simulate_parquet(tmp_path / "sim4", 100, 4000, chunk_rows=1000, seed=4)
    assert len(list(rows_capped.glob("*.parquet"))) == 4  # 25 customers, about 1000 rows, per file
    assert len(pd.read_parquet(rows_capped)) == 4000
    with pytest.raises(ParameterError, match="path"):
        segment.simulate_parquet(folder, 250, 4000)
    with pytest.raises(ParameterError, match="chunk_rows"):
        segment.simulate_parquet(tmp_path / "sim5", 250, 4000, chunk_rows=0)
    with pytest.raises(ParameterError, match="n_transactions"):
        segment.simulate_parquet(tmp_path / "sim3", 250, 100)


@pytest.mark.parametrize("returns", ["keep", "drop"])
def test_refunds_kept_or_dropped_give_the_pandas_evaluation(tmp_path, returns, no_rows_to_pandas):
    """The exact two-step aggregation (purchase days first) with refunds, against the in-memory path."""
    tx = segment.simulate_transactions(3_000, 40_000, seed=5, returns_share=0.05)
    assert (tx["dollar_value"] < 0).any()
    tx.to_parquet(tmp_path / "r.parquet")
    opened = segment.read_transactions(tmp_path / "r.parquet", returns="keep")
    assert opened.decimals is not None
    frame = tx if returns == "keep" else tx[tx["dollar_value"] >= 0]
    a = segment.evaluate(frame, calibration_end="1997-09-30", returns="keep")
    b = segment.evaluate(opened, calibration_end="1997-09-30", returns=returns)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.rfm, b.rfm)
    pd.testing.assert_frame_equal(segment.clv_summary(frame, calibration_end="1997-09-30"),
                                  segment.clv_summary(opened if returns == "keep" else
                                                      segment.read_transactions(tmp_path / "r.parquet"),
                                                      calibration_end="1997-09-30"), check_dtype=False)
