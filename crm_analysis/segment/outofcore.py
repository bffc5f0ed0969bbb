"""Transactions larger than memory: Parquet files, folders, globs or a DuckDB database.

:func:`open_transactions` (also reached through :func:`~crm_analysis.segment.read_transactions`
when it is given such a source) returns a :class:`Transactions` handle: nothing is loaded. The
per-customer aggregation behind RFM, the CLV summaries and the calibration / holdout evaluation
is one SQL query (:func:`customer_totals_sql`) run by DuckDB, embedded, which streams the files
and spills to disk when needed; only one row per customer reaches pandas. From there the
segmentations are those of the in-memory path (the same functions), so on the same data the
segments are the same.

Examples
--------
>>> from crm_analysis import segment
>>> path = segment.simulate_parquet("/tmp/tx_doc", 1_000, 20_000, seed=1)   # doctest: +SKIP
>>> tx = segment.read_transactions(path)                                     # doctest: +SKIP
>>> segment.rfm(tx)["segment_quintile"].value_counts().head(3)              # doctest: +SKIP
"""
from __future__ import annotations

import glob as _glob
import importlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.segment.money import ORDER, decimals_from_sql, magnitude_sql, total_sql, units_sql, whole_units_sql
from crm_analysis.segment.reader import MISSING, RETURNS, ReadReport, _choice

__all__ = ["Transactions", "open_transactions", "is_out_of_core_source", "customer_totals_sql",
           "simulate_parquet"]

_DB_SUFFIXES = (".duckdb", ".ddb", ".db")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%Y/%m/%d")


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ParameterError("reading Parquet or DuckDB sources needs duckdb (pip install duckdb)") from exc
    return duckdb


def is_out_of_core_source(source: Any) -> bool:
    """True for a DuckDB connection, a ``.parquet`` file, a folder, a glob or a DuckDB database file.

    Examples
    --------
    >>> is_out_of_core_source("data/cdnow_master.txt"), is_out_of_core_source("tx/*.parquet")
    (False, True)
    """
    if type(source).__name__ == "DuckDBPyConnection":
        return True
    if not isinstance(source, (str, Path)):
        return False
    text = str(source)
    if "://" in text or any(ch in text for ch in "*?["):
        return True
    p = Path(text)
    return p.is_dir() or p.suffix.lower() in _PARQUET_SUFFIXES + _DB_SUFFIXES


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class _Source:
    """Where the rows come from: a FROM clause and a label for messages."""

    from_sql: str
    label: str


def _resolve(source: Any, con: Any, table: str | None) -> _Source:
    if type(source).__name__ == "DuckDBPyConnection":
        return _table_in(con, table, "<DuckDB connection>")
    text = str(source)
    p = Path(text)
    if "://" in text:  # s3://, https://, ...: DuckDB reads it (httpfs), we cannot list it here
        return _Source(f"read_parquet({_literal(text)})", text)
    if any(ch in text for ch in "*?["):
        files = sorted(_glob.glob(text, recursive=True))
        if not files:
            raise InputError(f"{text}: no file matches this pattern")
        return _Source(f"read_parquet({_literal(text)})", text)
    if p.is_dir():
        files = sorted(f for suf in _PARQUET_SUFFIXES for f in p.rglob(f"*{suf}"))
        if not files:
            raise InputError(f"{p}: the folder holds no Parquet files (*.parquet)")
        pattern = str(p / "**" / "*.parquet") if all(f.suffix == ".parquet" for f in files) else None
        listing = pattern and _literal(pattern) or "[" + ", ".join(_literal(str(f)) for f in files) + "]"
        return _Source(f"read_parquet({listing})", str(p))
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.suffix.lower() in _PARQUET_SUFFIXES:
        return _Source(f"read_parquet({_literal(str(p))})", str(p))
    con.execute(f"ATTACH {_literal(str(p))} AS txdb (READ_ONLY)")
    return _table_in(con, table, str(p), schema="txdb")


def _table_in(con: Any, table: str | None, label: str, schema: str | None = None) -> _Source:
    where = f"table_catalog = {_literal(schema)}" if schema else "table_catalog = current_database()"
    names = [r[0] for r in con.execute(
        f"SELECT table_name FROM information_schema.tables WHERE {where} ORDER BY table_name").fetchall()]
    if table is None:
        if "transactions" in names:
            table = "transactions"
        elif len(names) == 1:
            table = names[0]
        else:
            raise ParameterError(f"table: {label} holds {len(names)} tables ({', '.join(names) or 'none'}); "
                                 f"name the one with the transactions")
    elif table not in names:
        raise ParameterError(f"table={table!r}: no such table in {label}; it has {', '.join(names) or 'none'}")
    qualified = f"{schema}.{_quote(table)}" if schema else _quote(table)
    return _Source(qualified, f"{label} table {table}")


class Transactions:
    """Transactions kept where they are (Parquet, DuckDB); aggregated per customer by DuckDB.

    Made by :func:`open_transactions` (or :func:`~crm_analysis.segment.read_transactions` given a
    Parquet file, folder, glob or DuckDB database). :func:`~crm_analysis.segment.rfm`,
    :func:`~crm_analysis.segment.clv_summary` and :func:`~crm_analysis.segment.evaluate` accept it
    in place of a DataFrame.

    Attributes
    ----------
    report : ReadReport
        Rows read and kept, customers, first and last date, negative / missing / zero amounts.
    customer, date, amount : str
        The column names.
    sql : str
        The cleaned rows as a SQL query: ``customer``, ``day`` (days since 1970-01-01) and
        ``amount`` (double).
    """

    _crm_out_of_core = True  # what rfm / clv_summary / evaluate look for

    def __init__(self, con: Any, source: _Source, customer: str, date: str, amount: str, sql: str,
                 report: ReadReport, threads: int | None = None, decimals: tuple[int | None, int | None] = (None, None)):
        self.con, self.source, self.customer, self.date, self.amount = con, source, customer, date, amount
        self.sql, self.report, self.threads = sql, report, threads
        self._decimals = decimals  # all rows, purchases only (money.decimals_of of each)

    @property
    def decimals(self) -> int | None:
        """Amounts are whole units of ``10**-decimals`` (e.g. 2: cents) and are added exactly; None:
        floating-point sums in file order, on one thread (see :mod:`~crm_analysis.segment.money`)."""
        return self._decimals[0]

    def __len__(self) -> int:
        return int(self.report.rows_kept)

    def __repr__(self) -> str:
        r = self.report
        return (f"Transactions({r.source!r}: {r.rows_kept:,} rows, {r.customers:,} customers, "
                f"{r.first_date.date()} to {r.last_date.date()}; aggregated by DuckDB)")

    def to_pandas(self) -> pd.DataFrame:
        """All cleaned rows as a DataFrame (``customer, date, amount`` columns): only when they fit."""
        df = self.con.execute(f"SELECT customer, day, amount FROM ({self.sql})").df()
        return pd.DataFrame({self.customer: df["customer"].to_numpy(),
                             self.date: (df["day"].to_numpy().astype("datetime64[D]")).astype("datetime64[ns]"),
                             self.amount: df["amount"].to_numpy(dtype=float)})

    def _rows(self, returns: str) -> str:
        _choice("returns", returns, RETURNS)
        if returns == "error":
            neg = self.con.execute(f"SELECT count(*) FROM ({self.sql}) WHERE amount < 0").fetchone()[0]
            if neg:
                raise InputError(f"{self.source.label}: {neg} negative amount(s) in column {self.amount!r}; "
                                 f"pass returns='drop' or 'keep'")
        return self.sql if returns != "drop" else f"SELECT * FROM ({self.sql}) WHERE amount >= 0"

    def days(self) -> tuple[int, int]:
        """First and last day (days since 1970-01-01)."""
        lo, hi = self.con.execute(f"SELECT min(day), max(day) FROM ({self.sql})").fetchone()
        return int(lo), int(hi)

    def customer_totals(self, cutoffs: Sequence[int], *, returns: str = "keep", clv: bool = True) -> pd.DataFrame:
        """Per customer (sorted ids), for each cut-off day ``k``: ``n_k`` rows, ``sum_k``, ``last_k``
        and (``clv``) ``days_k`` distinct purchase days up to day ``cutoffs[k]``; ``first`` day,
        ``first_value`` (amount on the first day) and, with two cut-offs, ``window_n`` and
        ``window_sum`` between them (``cutoffs[0] < day <= cutoffs[1]``)."""
        decimals = self._decimals[1] if returns == "drop" else self._decimals[0]
        query = customer_totals_sql(self._rows(returns), cutoffs, clv=clv, decimals=decimals)
        # exact sums do not depend on how the rows are shared out: every thread may work
        threads = self.threads if self.threads is not None else (None if decimals is not None else 1)
        before = self.con.execute("SELECT current_setting('threads')").fetchone()[0]
        if threads is not None:
            self.con.execute(f"SET threads = {threads}")
        try:
            df = self.con.execute(query).df()
        finally:
            self.con.execute(f"SET threads = {int(before)}")
        df = df.set_index("customer")
        df.index.name = self.customer
        return df

    def rfm(self, asof: Any = None, *, returns: str = "keep") -> pd.DataFrame:
        """:func:`~crm_analysis.segment.rfm` of these transactions (aggregated by DuckDB)."""
        from crm_analysis.segment.rfm import from_day, to_day

        lo, hi = self.days()
        asof_day = hi + 1 if asof is None else to_day(asof, "asof")
        if asof_day < hi:
            raise ParameterError(f"asof={from_day(asof_day).date()} is before the end of the data (last transaction "
                                 f"in column {self.date!r} on {from_day(hi).date()}); pass a later asof")
        tot = self.customer_totals([hi], returns=returns, clv=False)
        return _rfm_table(tot, 0, asof_day)

    def clv_summary(self, calibration_end: Any = None, unit_days: float = 7.0) -> pd.DataFrame:
        """:func:`~crm_analysis.segment.clv_summary` of these transactions (aggregated by DuckDB)."""
        from crm_analysis.segment.clv_models import _check_unit_days
        from crm_analysis.segment.rfm import from_day, to_day

        _check_unit_days(unit_days)
        lo, hi = self.days()
        end = hi if calibration_end is None else to_day(calibration_end, "calibration_end")
        if end < lo:
            raise ParameterError(f"calibration_end={from_day(end).date()} is before the data (first transaction "
                                 f"{from_day(lo).date()})")
        return _clv_summary(self.customer_totals([end]), 0, end, unit_days)

    def evaluate(self, calibration_end: Any = "1997-09-30", holdout_end: Any = None,
                 schemes: Sequence[str] | str = ("mean_split", "quintile", "pareto", "idic", "clv"), *,
                 pareto_share: float = 0.8, idic_quantiles: tuple[float, float] = (0.8, 0.8),
                 returns: str = "keep") -> Any:
        """:func:`~crm_analysis.segment.evaluate` of these transactions (aggregated by DuckDB)."""
        from crm_analysis.segment.rfm import to_day

        ev = importlib.import_module("crm_analysis.segment.evaluate")  # the module, not the function

        schemes = ev._check_schemes(schemes)
        if not isinstance(idic_quantiles, (tuple, list)) or len(idic_quantiles) != 2:
            raise ParameterError(f"idic_quantiles={idic_quantiles!r}: expected (value_quantile, potential_quantile)")
        rows = self._rows(returns)
        lo, hi = (int(v) for v in self.con.execute(f"SELECT min(day), max(day) FROM ({rows})").fetchone())
        periods, notes = ev._periods(lo, hi, calibration_end, holdout_end, self.date)
        cal_end = to_day(periods["calibration_end"], "calibration_end")
        hold_end = to_day(periods["holdout_end"], "holdout_end")
        horizon_units = (hold_end - cal_end) / 7.0
        tot = self.customer_totals([cal_end, hold_end], returns=returns, clv="clv" in schemes)
        cal_present = tot["n_0"].to_numpy() > 0
        newcomers = int(((tot["window_n"].to_numpy() > 0) & ~cal_present).sum())
        if newcomers:
            notes.append(f"{newcomers} customer(s) first bought in the holdout; they are not part of the evaluation.")
        table = _rfm_table(tot, 0, cal_end + 1)
        hold_value = tot["window_sum"].to_numpy(dtype=float)[cal_present]
        hold_count = tot["window_n"].to_numpy(dtype=np.int64)[cal_present]
        table = table.assign(holdout_revenue=hold_value, holdout_transactions=hold_count)
        clv_on = "clv" in schemes
        seg_cal, fit = ev._schemes_for(table, None, cal_end, horizon_units, schemes, pareto_share,
                                       tuple(idic_quantiles),
                                       summary=_clv_summary(tot, 0, cal_end, 7.0) if clv_on else None)
        later = _rfm_table(tot, 1, hold_end + 1)
        seg_all, _ = ev._schemes_for(later, None, hold_end, horizon_units, schemes, pareto_share,
                                     tuple(idic_quantiles), warm=fit,
                                     summary=_clv_summary(tot, 1, hold_end, 7.0) if clv_on else None)
        return ev._judge(schemes, table, later, hold_value, hold_count, seg_cal, seg_all, fit, periods, notes)


def customer_totals_sql(rows_sql: str, cutoffs: Sequence[int], *, clv: bool = True,
                        decimals: int | None = None) -> str:
    """The one aggregation query: per customer, totals up to each cut-off day.

    ``rows_sql`` yields ``customer, day, amount``. Every total is a ``FILTER`` of one grouping by
    customer, ordered by the customer id. With ``decimals`` (every amount a whole number of
    ``10**-decimals`` units, :func:`~crm_analysis.segment.money.decimals_of`) the money totals
    are exact integer sums divided once, as the in-memory path computes them, whatever the number
    of threads; and the CLV columns (distinct purchase days, the first day's value) come from
    the customer's purchase days, grouped first. Without, the amounts are added as doubles (in
    file order on one thread), and the first day's value takes a join to each customer's first day.

    Examples
    --------
    >>> "GROUP BY" in customer_totals_sql("SELECT 1 AS customer, 0 AS day, 1.0 AS amount", [10])
    True
    """
    cuts = [int(c) for c in cutoffs]
    if not cuts or len(cuts) > 2:
        raise ParameterError(f"cutoffs: expected one or two days, got {list(cutoffs)!r}")
    if decimals is not None and clv:
        return _totals_by_day_sql(rows_sql, cuts, decimals)
    money = "r.amount" if decimals is None else units_sql("r.amount", decimals)
    # refunds kept (negative amounts) reduce the sums but are not purchases: the RFM columns count
    # and date purchases only (buys_k, lastbuy_k, first_buy), as rfm_from_prepared does
    cols = ["min(r.day) AS first", "min(r.day) FILTER (WHERE r.amount >= 0) AS first_buy"]
    for k, c in enumerate(cuts):
        f = f"FILTER (WHERE r.day <= {c})"
        fb = f"FILTER (WHERE r.day <= {c} AND r.amount >= 0)"
        cols += [f"count(*) {f} AS n_{k}", f"{total_sql(f'sum({money}) {f}', decimals)} AS sum_{k}",
                 f"max(r.day) {f} AS last_{k}", f"count(*) {fb} AS buys_{k}", f"max(r.day) {fb} AS lastbuy_{k}"]
        if clv:
            cols.append(f"count(DISTINCT r.day) {f} AS days_{k}")
    if len(cuts) == 2:
        f = f"FILTER (WHERE r.day > {cuts[0]} AND r.day <= {cuts[1]})"
        cols += [f"count(*) {f} AS window_n", f"{total_sql(f'sum({money}) {f}', decimals)} AS window_sum"]
    if clv:
        cols.append(f"{total_sql('sum(r.amount) FILTER (WHERE r.day = f.first_day)', None)} AS first_value")
        joined = ("rows_ r JOIN (SELECT customer, min(day) AS first_day FROM rows_ GROUP BY customer) f "
                  "ON r.customer = f.customer")
    else:
        joined = "rows_ r"
    return (f"WITH rows_ AS ({rows_sql}) SELECT r.customer AS customer, {', '.join(cols)} "
            f"FROM {joined} GROUP BY r.customer ORDER BY r.customer")


def _totals_by_day_sql(rows_sql: str, cuts: list[int], decimals: int) -> str:
    """:func:`customer_totals_sql` in two steps: per customer and day, then per customer.

    The second step runs over purchase days, not rows: a count of them is the number of distinct
    days, and the first day's value is the units of the earliest (``arg_min``); no join, and the
    integer units add exactly in any grouping."""
    count = "CAST(coalesce(sum(d.n) {f}, 0) AS BIGINT)"
    cols = ["min(d.day) AS first", "min(d.day) FILTER (WHERE d.b > 0) AS first_buy"]
    for k, c in enumerate(cuts):
        f = f"FILTER (WHERE d.day <= {c})"
        fb = f"FILTER (WHERE d.day <= {c} AND d.b > 0)"
        cols += [f"{count.format(f=f)} AS n_{k}", f"{total_sql(f'sum(d.u) {f}', decimals)} AS sum_{k}",
                 f"max(d.day) {f} AS last_{k}", f"CAST(coalesce(sum(d.b) {f}, 0) AS BIGINT) AS buys_{k}",
                 f"max(d.day) {fb} AS lastbuy_{k}", f"count(*) {f} AS days_{k}"]
    if len(cuts) == 2:
        f = f"FILTER (WHERE d.day > {cuts[0]} AND d.day <= {cuts[1]})"
        cols += [f"{count.format(f=f)} AS window_n", f"{total_sql(f'sum(d.u) {f}', decimals)} AS window_sum"]
    cols.append(f"{total_sql('arg_min(d.u, d.day)', decimals)} AS first_value")
    days = (f"SELECT customer, day, count(*) AS n, count(*) FILTER (WHERE amount >= 0) AS b, "
            f"sum({units_sql('amount', decimals)}) AS u FROM ({rows_sql}) GROUP BY customer, day")
    return (f"WITH days_ AS ({days}) SELECT d.customer AS customer, {', '.join(cols)} "
            f"FROM days_ d GROUP BY d.customer ORDER BY d.customer")


def _rfm_table(tot: pd.DataFrame, k: int, asof_day: int) -> pd.DataFrame:
    """The RFM table with segments from the totals up to cut-off ``k`` (as ``rfm_from_prepared``)."""
    from crm_analysis.segment.rfm import from_day, mean_split, quintile_scores

    n = tot[f"buys_{k}"].to_numpy()
    present = n > 0  # customers with refunds only up to here are not part of the table
    t = tot.loc[present]
    table = pd.DataFrame({"recency": asof_day - t[f"lastbuy_{k}"].to_numpy(dtype=np.int64),
                          "frequency": n[present].astype(np.int64),
                          "monetary": t[f"sum_{k}"].to_numpy(dtype=float),
                          "tenure": asof_day - t["first_buy"].to_numpy(dtype=np.int64)}, index=t.index)
    table = quintile_scores(mean_split(table))
    table.attrs["asof"] = from_day(asof_day)
    table.attrs["refund_only"] = int(((tot[f"n_{k}"].to_numpy() > 0) & ~present).sum())
    return table


def _clv_summary(tot: pd.DataFrame, k: int, end_day: int, unit_days: float) -> pd.DataFrame:
    """BG/NBD inputs up to cut-off ``k`` (as ``summary_from_prepared``)."""
    present = tot[f"n_{k}"].to_numpy() > 0
    t = tot.loc[present]
    first = t["first"].to_numpy(dtype=np.int64)
    last = t[f"last_{k}"].to_numpy(dtype=np.int64)
    x = np.maximum(t[f"days_{k}"].to_numpy(dtype=np.int64) - 1, 0)
    total = t[f"sum_{k}"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mvalue = np.where(x > 0, (total - t["first_value"].to_numpy(dtype=float)) / np.maximum(x, 1), 0.0)
    return pd.DataFrame({"frequency": x, "recency": (last - first) / unit_days, "T": (end_day - first) / unit_days,
                         "monetary_value": mvalue}, index=t.index)


def _decimals(con: Any, sql: str, whole: dict[int, Any], magnitude: Any) -> tuple[int | None, int | None]:
    """:func:`~crm_analysis.segment.money.decimals_of` of the kept rows and of their purchases only.

    ``whole`` holds the cents check of every row read (kept or not) and ``magnitude`` their
    ``sum(abs(amount))``: when they pass, so do the kept rows and the purchases among them.
    Otherwise the kept rows take another pass, checked for every number of decimals."""
    if whole.get(2):
        d = decimals_from_sql(whole, magnitude)
        return d, d
    buys = "CASE WHEN amount >= 0 THEN amount END"
    values = con.execute(f"SELECT {', '.join(whole_units_sql('amount') + whole_units_sql(buys))}, "
                         f"{magnitude_sql('amount')}, {magnitude_sql(buys)} FROM ({sql})").fetchone()
    k = len(ORDER)
    return (decimals_from_sql(dict(zip(ORDER, values[:k])), values[-2]),
            decimals_from_sql(dict(zip(ORDER, values[k:2 * k])), values[-1]))


def _day_expression(con: Any, src: _Source, date: str) -> str:
    """SQL turning the date column into days since 1970-01-01, whatever its stored type."""
    kind = con.execute(f"SELECT typeof({_quote(date)}) FROM {src.from_sql} LIMIT 1").fetchone()
    kind = (kind[0] if kind else "DATE").upper()
    col = _quote(date)
    if kind.startswith(("DATE", "TIMESTAMP")):
        parsed = f"CAST({col} AS DATE)"
    elif kind in ("VARCHAR", "BIGINT", "INTEGER", "UBIGINT", "UINTEGER", "HUGEINT"):
        fmts = "[" + ", ".join(_literal(f) for f in _DATE_FORMATS) + "]"
        parsed = f"CAST(try_strptime(trim(CAST({col} AS VARCHAR)), {fmts}) AS DATE)"
    else:
        raise InputError(f"{src.label}: column {date!r} holds {kind}; expected dates (DATE, TIMESTAMP, or text / "
                         f"numbers such as 19970101 or 1997-01-01)")
    return f"date_diff('day', DATE '1970-01-01', {parsed})"


def open_transactions(source: str | Path | Any, *, customer: str = "customer_id", date: str = "date",
                      amount: str = "dollar_value", returns: str = "drop", missing: str = "drop",
                      bad_dates: str = "error", table: str | None = None, threads: int | None = None,
                      memory_limit: str | None = None) -> Transactions:
    """Open transactions stored as Parquet or in DuckDB without loading them.

    Parameters
    ----------
    source : str, Path or duckdb connection
        A Parquet file, a folder of Parquet files (searched recursively, e.g. a Hive-partitioned
        data set), a glob (``"tx/2024-*.parquet"``), a URL DuckDB reads (``"s3://bucket/tx/*.parquet"``,
        with its httpfs extension), a DuckDB database file (``.duckdb``, opened read-only) or an
        open ``duckdb`` connection (a table or a view of it).
    customer, date, amount : str
        Column names. Dates may be stored as DATE, TIMESTAMP, or as text / numbers in the
        YYYYMMDD or ISO layouts.
    returns, missing, bad_dates : str
        As :func:`~crm_analysis.segment.read_transactions`: rows with a negative amount are
        dropped (default), kept or an error; rows without an amount dropped, counted as 0 or an
        error; rows whose date cannot be read an error or dropped.
    table : str, optional
        The table of a DuckDB database / connection (default: ``transactions``, or the only table).
    threads : int, optional
        DuckDB threads of the per-customer aggregation (checks and counts use the connection's
        setting). By default: all of them when every amount is a whole number of cents (or of
        another decimal unit up to 0.0001, :attr:`Transactions.decimals`), since the totals are
        then exact integer sums, the same whatever the threads and equal to the in-memory path's;
        else one, which adds the amounts in file order as the in-memory path does. More threads
        on such amounts are faster, but the last bits of a total then depend on how the rows were
        shared out, which can move a customer tied with others at a quantile boundary.
    memory_limit : str, optional
        DuckDB's memory limit (e.g. ``"2GB"``); beyond it DuckDB spills to a temporary folder.

    Returns
    -------
    Transactions

    Raises
    ------
    InputError
        A missing file or column, unreadable dates or amounts, no rows left.
    ParameterError
        Unknown options, several tables and none named.

    Examples
    --------
    >>> import duckdb, pandas as pd
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE transactions AS SELECT * FROM (VALUES ('a', DATE '1997-01-01', 10.0),"
    ...                 " ('a', DATE '1997-01-10', 30.0), ('b', DATE '1997-01-05', 5.0)) t(customer_id, date, dollar_value)")
    >>> tx = open_transactions(con)
    >>> tx.rfm()[["recency", "frequency", "monetary"]].to_dict("index")["a"]
    {'recency': 1, 'frequency': 2, 'monetary': 40.0}
    """
    _choice("returns", returns, RETURNS)
    _choice("missing", missing, MISSING)
    _choice("bad_dates", bad_dates, ("error", "drop"))
    for name, value in (("customer", customer), ("date", date), ("amount", amount)):
        if not isinstance(value, str) or not value:
            raise ParameterError(f"{name}={value!r}: expected a column name (str)")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ParameterError(f"threads={threads!r}: expected a positive whole number (or None: see the docs)")
    duckdb = _duckdb()
    if type(source).__name__ == "DuckDBPyConnection":
        con = source
    else:  # our own connection: no progress bar in a report's output (a user's connection keeps its own)
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    if memory_limit is not None:
        con.execute(f"SET memory_limit = {_literal(str(memory_limit))}")
    src = _resolve(source, con, table)
    try:
        columns = [d[0] for d in con.execute(f"SELECT * FROM {src.from_sql} LIMIT 0").description]
    except duckdb.Error as exc:
        raise InputError(f"{src.label}: cannot be read by DuckDB: {exc}") from exc
    absent = [c for c in (customer, date, amount) if c not in columns]
    if absent:
        raise InputError(f"{src.label}: no column(s) {', '.join(map(repr, absent))}; it has "
                         f"{', '.join(map(repr, columns))}")
    day = _day_expression(con, src, date)
    raw = (f"SELECT {_quote(customer)} AS customer, {day} AS day, "
           f"TRY_CAST({_quote(amount)} AS DOUBLE) AS amount, {_quote(amount)} IS NULL AS amount_null "
           f"FROM {src.from_sql}")
    stats_q = (f"SELECT count(*), count(*) FILTER (WHERE customer IS NULL), "
               f"count(*) FILTER (WHERE day IS NULL), count(*) FILTER (WHERE amount IS NULL AND NOT amount_null), "
               f"count(*) FILTER (WHERE amount_null), count(*) FILTER (WHERE amount < 0), "
               f"count(*) FILTER (WHERE amount = 0), "
               f"count(*) FILTER (WHERE amount IS NOT NULL AND NOT isfinite(amount)), "
               # whether the amounts are whole cents (money.decimals_of); a DISTINCT in the same
               # query would slow DuckDB's plan down several times
               f"{whole_units_sql('amount', (2,))[0]}, {magnitude_sql('amount')} FROM ({raw})")
    try:
        n, null_cust, bad_day, bad_amt, miss, neg, zero, inf, cents, magnitude = con.execute(stats_q).fetchone()
    except duckdb.Error as exc:
        raise InputError(f"{src.label}: cannot be read by DuckDB: {exc}") from exc
    errors = []
    if n == 0:
        errors.append("no transactions (no rows)")
    if null_cust:
        errors.append(f"{null_cust} row(s) without a customer id in column {customer!r}")
    if bad_day and bad_dates == "error":
        errors.append(f"{bad_day} row(s) with a missing or unreadable date in column {date!r}; pass "
                      f"bad_dates='drop' to drop them")
    if bad_amt or inf:
        errors.append(f"{bad_amt + inf} row(s) with a non-numeric or infinite amount in column {amount!r}")
    if miss and missing == "error":
        errors.append(f"{miss} missing amount(s) in column {amount!r}; pass missing='drop' or 'zero'")
    if neg and returns == "error":
        errors.append(f"{neg} negative amount(s) in column {amount!r}; pass returns='drop' or 'keep'")
    if errors:
        raise InputError(f"{src.label}: " + "; ".join(errors))
    report = ReadReport(source=src.label, rows_read=int(n), negative=int(neg), missing=int(miss), zero=int(zero))
    keep = ["day IS NOT NULL"]
    if bad_day:
        report.dropped["unparseable date"] = int(bad_day)
    amount_sql = "amount"
    if miss:
        if missing == "drop":
            keep.append("NOT amount_null")
            report.dropped["missing amount"] = int(miss)
        else:
            amount_sql = "coalesce(amount, 0.0)"
            report.kept["missing amount (counted as 0)"] = int(miss)
    if neg:
        if returns == "drop":
            keep.append("(amount >= 0 OR amount_null)")
            report.dropped["negative amount"] = int(neg)
        else:
            report.kept["negative amount"] = int(neg)
    sql = f"SELECT customer, day, {amount_sql} AS amount FROM ({raw}) WHERE {' AND '.join(keep)}"
    kept, customers, lo, hi = con.execute(
        f"SELECT count(*), count(DISTINCT customer), min(day), max(day) FROM ({sql})").fetchone()
    if kept == 0:
        raise InputError(f"{src.label}: no transactions left after dropping "
                         f"{', '.join(f'{v} with {k}' for k, v in report.dropped.items())}")
    report.rows_kept, report.customers = int(kept), int(customers)
    report.first_date = pd.Timestamp(np.datetime64(int(lo), "D"))
    report.last_date = pd.Timestamp(np.datetime64(int(hi), "D"))
    decimals = _decimals(con, sql, {2: cents}, magnitude)
    return Transactions(con, src, customer, date, amount, sql, report, threads, decimals)


def simulate_parquet(path: str | Path, n_customers: int = 1_000_000, n_transactions: int = 10_000_000, *,
                     chunk_customers: int = 500_000, chunk_rows: int = 5_000_000, seed: int = 0, start: str = "1997-01-01", days: int = 546,
                     acquisition_days: int = 90, returns_share: float = 0.0) -> Path:
    """Write synthetic transactions to a folder of Parquet files, one chunk of customers at a time.

    Each chunk is :func:`~crm_analysis.segment.simulate_transactions` of ``chunk_customers``
    customers (ids continuing from the previous chunk) with its share of the transactions and its
    own seed (a ``SeedSequence(seed)`` child), so memory stays at one chunk whatever the total.

    Parameters
    ----------
    path : str or Path
        The folder to create (``part-00000.parquet``, ...); it must not hold Parquet files yet.
    n_customers, n_transactions : int
        Totals (``n_transactions >= n_customers``).
    chunk_customers, chunk_rows : int
        Customers per file at most, and transactions per file at most (about: whichever gives
        the smaller files).
    seed, start, days, acquisition_days, returns_share
        As :func:`~crm_analysis.segment.simulate_transactions`.

    Returns
    -------
    Path
        The folder, ready for :func:`~crm_analysis.segment.read_transactions`.

    Examples
    --------
    >>> import tempfile
    >>> folder = simulate_parquet(tempfile.mkdtemp() + "/tx", 300, 3000, chunk_customers=100, seed=1)
    >>> sorted(p.name for p in folder.iterdir())
    ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crm_analysis.segment.simulate import _positive_int, simulate_transactions

    n = _positive_int("n_customers", n_customers)
    total = _positive_int("n_transactions", n_transactions)
    chunk = _positive_int("chunk_customers", chunk_customers)
    rows_cap = _positive_int("chunk_rows", chunk_rows)
    if total < n:
        raise ParameterError(f"n_transactions={total}: must be at least n_customers={n} (one purchase each)")
    chunk = max(1, min(chunk, (rows_cap * n) // total))
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.glob("*.parquet"))):
        raise ParameterError(f"path={str(folder)!r}: exists and is not an empty folder; choose a new one")
    folder.mkdir(parents=True, exist_ok=True)
    parts = math.ceil(n / chunk)
    seeds = np.random.SeedSequence(seed).spawn(parts)
    done_c, done_t = 0, 0
    for i in range(parts):
        nc = min(chunk, n - done_c)
        # transactions in proportion to customers, the remainder to the last chunk
        nt = total - done_t if i == parts - 1 else max(nc, round(total * (done_c + nc) / n) - done_t)
        tx = simulate_transactions(nc, nt, start=start, days=days, acquisition_days=acquisition_days,
                                   seed=int(seeds[i].generate_state(1)[0]), returns_share=returns_share)
        tx["customer_id"] += done_c
        tx["date"] = tx["date"].dt.date
        pq.write_table(pa.Table.from_pandas(tx, preserve_index=False), folder / f"part-{i:05d}.parquet")
        done_c += nc
        done_t += nt
    return folder
