"""RFM: recency, frequency, monetary per customer; the seed's mean split and quintile scores.

The aggregation runs on integer codes with ``numpy.bincount`` (see ``benchmarks/README_segment.md``
for why this engine and not a pandas groupby, polars or DuckDB).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.segment.money import decimals_of, total_by
from crm_analysis.segment.names import MEAN_SPLIT, QUINTILE, assign_segments
from crm_analysis.segment.reader import RETURNS, Problem, _choice, _rows, describe, inspect

DAY = np.timedelta64(1, "D")
_DAY_MONTH = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")


@dataclass
class Prepared:
    """Transactions reduced to what the segmentations need: integer codes and day numbers."""

    codes: np.ndarray  # int64 customer code per row, 0..n_customers-1 (sorted ids)
    customers: pd.Index  # customer id per code
    day: np.ndarray  # int64 days since 1970-01-01
    amount: np.ndarray  # float64
    decimals: int | None = None  # amounts are whole units of 10**-decimals: added exactly (see money)
    _day_keys: Any = field(default=None, repr=False)  # cache: sorted distinct (customer, day) keys

    @property
    def n_customers(self) -> int:
        return len(self.customers)


def to_day(value: Any, name: str) -> int:
    """A date-like parameter as a day number (days since 1970-01-01)."""
    if value is None:
        raise ParameterError(f"{name}: expected a date such as '1997-09-30', got None")
    if isinstance(value, str) and _DAY_MONTH.fullmatch(value.strip()):
        # pandas reads 03/04/1998 month-first but 30/09/1997 day-first: never guess
        a, b, y = re.split(r"[/.-]", value.strip())
        if int(a) > 12 or int(b) > 12:
            d, m = (a, b) if int(a) > 12 else (b, a)
            raise ParameterError(f"{name}={value!r}: expected year-month-day, e.g. '{y}-{m.zfill(2)}-{d.zfill(2)}' "
                                 "(day/month layouts are refused: 03/04/1998 would be ambiguous)")
        raise ParameterError(f"{name}={value!r}: ambiguous date layout (day/month or month/day?); write it as "
                             f"year-month-day, e.g. '{y}-{b.zfill(2)}-{a.zfill(2)}' (day first) or "
                             f"'{y}-{a.zfill(2)}-{b.zfill(2)}' (month first)")
    if isinstance(value, (bool, int, float)) and not isinstance(value, bool) and 10_000_000 <= value <= 99_999_999:
        value = str(int(value))  # 19970930 from YAML
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ParameterError(f"{name}={value!r}: not a date; expected e.g. '1997-09-30' ({exc})") from None
    if ts is pd.NaT:
        raise ParameterError(f"{name}={value!r}: not a date; expected e.g. '1997-09-30'")
    return int(np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D").astype(np.int64))


def from_day(day: int | np.ndarray) -> pd.Timestamp | pd.DatetimeIndex:
    """Inverse of :func:`to_day`."""
    if np.ndim(day) == 0:
        return pd.Timestamp(np.datetime64(int(day), "D"))
    return pd.DatetimeIndex(np.asarray(day, dtype="int64").astype("datetime64[D]"))


def prepare(tx: pd.DataFrame, customer: str, date: str, amount: str, *, returns: str = "keep") -> Prepared:
    """Check ``tx`` (same checks as the reader) and reduce it to codes, day numbers and amounts.

    Typed columns (integer or text ids, ``datetime64`` dates, float amounts) take a fast path;
    anything else is parsed as the reader parses a file.
    """
    if not isinstance(tx, pd.DataFrame):
        raise ParameterError(f"tx: expected a pandas DataFrame of transactions, got {type(tx).__name__} "
                             f"(read a file with segment.read_transactions)")
    _choice("returns", returns, RETURNS)
    for name, value in (("customer", customer), ("date", date), ("amount", amount)):
        if not isinstance(value, str):
            raise ParameterError(f"{name}={value!r}: expected a column name (str)")
    if tx.empty:
        raise InputError("tx: no transactions (the DataFrame has no rows)")
    ins = inspect(tx[[customer, date, amount]] if {customer, date, amount} <= set(tx.columns) else tx,
                  customer, date, amount)
    errors = ins.errors
    if ins.missing_amount.any():
        errors.append(Problem("error", f"{int(ins.missing_amount.sum())} missing amount(s) on "
                              f"{_rows(np.flatnonzero(ins.missing_amount), tx.index)}; fill or drop them first "
                              f"(segment.read_transactions(..., missing='drop'|'zero'))", amount))
    if returns == "error" and ins.negative.any():
        errors.append(Problem("error", f"{int(ins.negative.sum())} negative amount(s) on "
                              f"{_rows(np.flatnonzero(ins.negative), tx.index)}; pass returns='drop' or 'keep'", amount))
    if errors:
        raise InputError("tx: " + describe(errors))
    keep = ~ins.negative if returns == "drop" else slice(None)
    cust = ins.customer.to_numpy()[keep] if returns == "drop" else ins.customer.to_numpy()
    codes, uniques = pd.factorize(cust, sort=True)
    day = ins.date.to_numpy().astype("datetime64[D]").astype(np.int64)
    amt = ins.amount.to_numpy(dtype=np.float64)
    if returns == "drop":
        day, amt = day[keep], amt[keep]
        if len(day) == 0:
            raise InputError("tx: no transactions left after dropping negative amounts (returns='drop')")
    return Prepared(codes.astype(np.int64, copy=False), pd.Index(uniques, name=customer), day, amt,
                    decimals_of(amt))


def check_asof(prep: Prepared, asof: Any, date: str, index: pd.Index | None = None, name: str = "asof") -> int:
    """``asof`` as a day number; the default is the day after the last transaction.

    Raises a :class:`ParameterError` naming the date column and rows when transactions fall after it.
    """
    last = int(prep.day.max())
    if asof is None:
        return last + 1
    day = to_day(asof, name)
    if day < last:
        after = np.flatnonzero(prep.day > day)
        first = int(prep.day.min())
        where = f"{len(after)} transaction(s) in column {date!r} are later (" + (
            _rows(after, index) if index is not None else f"e.g. {from_day(int(prep.day[after[0]])).date()}") + ")"
        if day < first:
            raise ParameterError(f"{name}={from_day(day).date()} is before the data: the first transaction in column "
                                 f"{date!r} is on {from_day(first).date()}; {where}. Pass a later {name} "
                                 f"(default: the day after the last transaction, {from_day(last + 1).date()})")
        raise ParameterError(f"{name}={from_day(day).date()} is before the end of the data: {where}. Keep only the "
                             f"transactions up to {name} (e.g. tx[tx[{date!r}] <= '{from_day(day).date()}']) or pass a later {name}")
    return day


def aggregate(codes: np.ndarray, n: int, day: np.ndarray, amount: np.ndarray, asof_day: int,
              decimals: int | None) -> dict[str, np.ndarray]:
    """Per-customer recency, frequency, monetary and tenure (days) from row codes.

    ``decimals``: as :attr:`Prepared.decimals` (exact totals when not None)."""
    frequency = np.bincount(codes, minlength=n)
    monetary = total_by(codes, amount, n, decimals)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, codes, day)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, day)
    return {"recency": asof_day - last, "frequency": frequency, "monetary": monetary,
            "tenure": asof_day - first, "first": first, "last": last}


def mean_split(table: pd.DataFrame) -> pd.DataFrame:
    """The seed's 8-class RFM mean split, added to an RFM table (a copy).

    High on R when ``recency`` is strictly below its mean (bought recently); high on F and M when
    ``frequency`` / ``monetary`` are strictly above their means. A measure on which every customer
    is equal (one customer; everyone bought on the same day) does not split them: all are high
    on it, not "lost".

    Returns
    -------
    DataFrame
        ``table`` plus ``r_high``, ``f_high``, ``m_high`` (bool), ``mean_split_code`` (e.g.
        ``"R↑F↓M↑"``), ``segment_mean_split`` (English) and ``segment_mean_split_zh`` (e.g.
        ``重要发展客户``), as ordered categoricals (most valuable class first).

    Examples
    --------
    >>> t = pd.DataFrame({"recency": [1, 50], "frequency": [5, 1], "monetary": [100.0, 10.0]})
    >>> mean_split(t)["segment_mean_split_zh"].tolist()
    ['重要价值客户', '一般挽留客户']
    """
    _need(table, ("recency", "frequency", "monetary"))
    out = table.copy()
    def high(col: str, above: bool) -> np.ndarray:
        x = out[col].to_numpy(dtype=float)
        if np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max())):
            return np.ones(len(x), dtype=bool)
        return x > x.mean() if above else x < x.mean()

    r_high, f_high, m_high = high("recency", False), high("frequency", True), high("monetary", True)
    out["r_high"], out["f_high"], out["m_high"] = r_high, f_high, m_high
    # position in MEAN_SPLIT: M first, then R, then F (the customary order of the 8 classes)
    position = (~m_high) * 4 + (~r_high) * 2 + (~f_high) * 1
    order = {(s.key[1] == "↑", s.key[3] == "↑", s.key[5] == "↑"): i for i, s in enumerate(MEAN_SPLIT)}
    lookup = np.empty(8, dtype=np.int64)
    for k in range(8):
        m, r, f = not (k & 4), not (k & 2), not (k & 1)
        lookup[k] = order[(r, f, m)]
    idx = lookup[position]
    out["mean_split_code"] = pd.Categorical.from_codes(idx, categories=[s.key for s in MEAN_SPLIT], ordered=True)
    assign_segments(out, "mean_split", idx)
    return out


def score(values: pd.Series | np.ndarray, higher_is_better: bool = True, bins: int = 5) -> np.ndarray:
    """Scores 1..``bins`` from the share of customers a value beats; tied values share a score.

    ``score = 1 + floor(bins * share of customers strictly worse)``: the worst value always scores
    1, and a block of ties is not split at an arbitrary row (heavily tied frequencies then leave
    some scores empty rather than give identical customers different scores).

    Examples
    --------
    >>> score([1, 1, 1, 2, 5]).tolist()
    [1, 1, 1, 4, 5]
    >>> score([3, 10, 30, 60, 90], higher_is_better=False).tolist()
    [5, 4, 3, 2, 1]
    """
    v = np.asarray(values, dtype=np.float64)
    if np.isnan(v).any():
        raise InputError("score: values contain NaN")
    n = len(v)
    level, _ = pd.factorize(v if higher_is_better else -v, sort=True)
    counts = np.bincount(level)
    worse = (np.cumsum(counts) - counts)[level]  # customers strictly worse
    return np.minimum(1 + (bins * worse) // n, bins).astype(np.int64)


def quintile_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Quintile R, F, M scores (1-5) and the named segment of each customer (a copy of ``table``).

    Adds ``r_score`` (5 = most recent), ``f_score``, ``m_score``, ``rfm_cell`` (e.g. ``"545"``),
    ``rfm_score`` (R + F + M, 3-15), ``fm_score`` (``ceil((F + M) / 2)``), and
    ``segment_quintile`` / ``segment_quintile_zh`` from the grid below (rows R score, columns FM):

    ====  ==============  ==============  ===================  =========  =========
    R     FM 1            FM 2            FM 3                 FM 4       FM 5
    ====  ==============  ==============  ===================  =========  =========
    5     new             promising       potential loyalists  champions  champions
    4     promising       promising       potential loyalists  loyal      champions
    3     about to sleep  need attention  need attention       loyal      loyal
    2     hibernating     hibernating     at risk              at risk    can't lose
    1     lost            lost            at risk              can't lose can't lose
    ====  ==============  ==============  ===================  =========  =========

    Examples
    --------
    >>> t = pd.DataFrame({"recency": [3, 10, 30, 60, 90], "frequency": [9, 1, 1, 2, 9],
    ...                   "monetary": [900.0, 10, 20, 30, 800]})
    >>> quintile_scores(t)["segment_quintile"].tolist()
    ['Champions', 'Promising', 'Need attention', 'At risk', "Can't lose them"]
    """
    _need(table, ("recency", "frequency", "monetary"))
    out = table.copy()
    r = score(out["recency"].to_numpy(), higher_is_better=False)
    f = score(out["frequency"].to_numpy())
    m = score(out["monetary"].to_numpy())
    fm = (f + m + 1) // 2
    out["r_score"], out["f_score"], out["m_score"] = r, f, m
    # a categorical over the 125 cells: converting 10^6 numbers to text would cost more than the scores
    cells = [f"{i}{j}{k}" for i in range(1, 6) for j in range(1, 6) for k in range(1, 6)]
    out["rfm_cell"] = pd.Categorical.from_codes((r - 1) * 25 + (f - 1) * 5 + (m - 1), categories=cells)
    out["rfm_score"] = r + f + m
    out["fm_score"] = fm
    keys = [s.key for s in QUINTILE]
    grid = {5: ["new", "promising", "potential_loyalists", "champions", "champions"],
            4: ["promising", "promising", "potential_loyalists", "loyal", "champions"],
            3: ["about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"],
            2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
            1: ["lost", "lost", "at_risk", "cant_lose", "cant_lose"]}
    lookup = np.zeros((6, 6), dtype=np.int64)
    for rs, row in grid.items():
        for j, key in enumerate(row):
            lookup[rs, j + 1] = keys.index(key)
    idx = lookup[r, fm]
    assign_segments(out, "quintile", idx)
    return out


def _need(table: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"expected an RFM table (DataFrame from segment.rfm), got {type(table).__name__}")
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise InputError(f"RFM table lacks column(s) {', '.join(map(repr, absent))}; build it with segment.rfm")
    if table.empty:
        raise InputError("RFM table has no customers")


def rfm_from_prepared(prep: Prepared, asof_day: int) -> pd.DataFrame:
    """RFM table with segments from already prepared transactions (used by the evaluation)."""
    agg = aggregate(prep.codes, prep.n_customers, prep.day, prep.amount, asof_day, prep.decimals)
    refund = prep.amount < 0
    if refund.any():  # returns='keep': refunds reduce the monetary value, they are not purchases
        buys = aggregate(prep.codes[~refund], prep.n_customers, prep.day[~refund], prep.amount[~refund], asof_day,
                         prep.decimals)
        agg.update({k: buys[k] for k in ("recency", "frequency", "tenure", "first", "last")})
    present = agg["frequency"] > 0  # customers without a purchase here are not part of the table
    table = pd.DataFrame({k: agg[k][present] for k in ("recency", "frequency", "monetary", "tenure")},
                         index=prep.customers[present])
    table = quintile_scores(mean_split(table))
    table.attrs["asof"] = from_day(asof_day)
    table.attrs["refund_only"] = int((~present & (np.bincount(prep.codes, minlength=prep.n_customers) > 0)).sum())
    return table


def rfm(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date", amount: str = "dollar_value",
        asof: Any = None, *, returns: str = "keep") -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, with the mean split and quintile segments.

    Parameters
    ----------
    tx : DataFrame
        Transactions, one row each (e.g. from :func:`read_transactions`).
    customer, date, amount : str
        Column names (default: the CDNOW file's).
    asof : date-like, optional
        Reference day for recency; default the day after the last transaction. Transactions after
        ``asof`` are an error (filter them first), so the table never looks into the future.
    returns : {"keep", "drop", "error"}
        Negative amounts: net them against purchases (default), drop those rows, or stop.

    Returns
    -------
    DataFrame
        One row per customer (index: the customer ids, sorted):

        - ``recency``: days from the last purchase to ``asof``; ``frequency``: number of
          purchases (rows with an amount >= 0: refunds kept by ``returns="keep"`` reduce
          ``monetary`` only, and a customer with refunds only is left out); ``monetary``: sum of
          amounts; ``tenure``: days from the first purchase to ``asof``;
        - the seed's mean split (see :func:`mean_split`): ``segment_mean_split_zh`` with the
          customary Chinese names (重要价值客户 ... 一般挽留客户) and ``segment_mean_split``;
        - quintile scores and named segments (see :func:`quintile_scores`).

        ``attrs["asof"]`` holds the reference day.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["1997-01-01", "1997-01-10", "1997-01-05"]),
    ...                    "dollar_value": [10.0, 30.0, 5.0]})
    >>> rfm(tx)[["recency", "frequency", "monetary"]]  # doctest: +NORMALIZE_WHITESPACE
                 recency  frequency  monetary
    customer_id
    a                  1          2      40.0
    b                  6          1       5.0
    """
    if getattr(tx, "_crm_out_of_core", False):  # Parquet / DuckDB: aggregated by DuckDB (segment.outofcore)
        return tx.rfm(asof, returns=returns)
    prep = prepare(tx, customer, date, amount, returns=returns)
    # rows are quoted by index label only while they line up with tx (returns='drop' removes some)
    asof_day = check_asof(prep, asof, date, tx.index if len(prep.day) == len(tx) else None)
    return rfm_from_prepared(prep, asof_day)
