"""Read and check transaction data: one implementation for the reader, ``rfm`` and ``validate``.

Every problem names the column and the rows. Rows of a file are quoted as file lines (line 1 is
the header, as in ``crm-analysis validate``); rows of a DataFrame are quoted by index label.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.validation import Problem  # one finding type for the reader and `validate`

MAX_LISTED = 5  # rows quoted per problem; counts are always complete
BLANKS = ("", "NA", "NaN", "nan", "N/A", "n/a", "null", "NULL", "None", ".")
RETURNS = ("drop", "keep", "error")
MISSING = ("drop", "zero", "error")
BAD_DATES = ("error", "drop")
MIXED_IDS = ("error", "text")

_COMPACT = re.compile(r"^\d{8}$")
_YEAR_FIRST = re.compile(r"^\d{4}[/.]\d{1,2}[/.]\d{1,2}")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"^([+-]?)[$€£¥]\s*")
_INT_LIKE = re.compile(r"^[+-]?\d+(\.0*)?$")


class TransactionWarning(UserWarning):
    """Rows were dropped or kept with a caveat while reading transactions."""


@dataclass
class ReadReport:
    """What :func:`read_transactions` found and did; kept in ``frame.attrs["read_report"]``.

    Attributes
    ----------
    source : str
        File path or ``"<DataFrame>"``.
    rows_read, rows_kept : int
        Data rows before and after dropping.
    dropped : dict
        Rows dropped per reason (``"negative amount"``, ``"missing amount"``, ``"unparseable date"``).
    problems : list of Problem
        Every warning (errors raise instead).
    """

    source: str
    rows_read: int = 0
    rows_kept: int = 0
    customers: int = 0
    first_date: pd.Timestamp | None = None
    last_date: pd.Timestamp | None = None
    negative: int = 0
    missing: int = 0
    zero: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Tidy table: one row per quantity (``item``, ``value``)."""
        # a report names the file, never its path (provenance.json keeps the path and its hash)
        source = self.source if self.source.startswith("<") else Path(self.source).name
        rows = [("source", source), ("rows read", self.rows_read), ("rows kept", self.rows_kept),
                ("customers", self.customers), ("first date", self.first_date), ("last date", self.last_date),
                ("negative amounts", self.negative), ("missing amounts", self.missing),
                ("zero amounts", self.zero)]
        rows += [(f"dropped: {k}", v) for k, v in self.dropped.items()]
        rows += [(f"kept: {k}", v) for k, v in self.kept.items()]
        return pd.DataFrame(rows, columns=["item", "value"])

    def messages(self, lang: str = "en") -> list[str]:
        """The warnings as sentences for a report, in English or Chinese."""
        from crm_analysis.i18n import t

        out = []
        for reason, n in self.dropped.items():
            out.append(t(f"{n} row(s) dropped: {reason}.", f"已删除 {n} 行：{_ZH_REASON.get(reason, reason)}。", lang))
        for reason, n in self.kept.items():
            out.append(t(f"{n} row(s) kept although they have a {reason}.",
                         f"保留了 {n} 行{_ZH_REASON.get(reason, reason)}的记录。", lang))
        # the row-level details exist in English only; a Chinese report still shows them
        out += [str(p) if lang == "en" else f"详情（英文）：{p}" for p in self.problems]
        return out


_ZH_REASON = {"negative amount": "金额为负（退货）", "missing amount": "金额缺失",
              "unparseable date": "日期无法解析", "missing amount (counted as 0)": "金额缺失（按 0 计）"}


def _rows(positions: np.ndarray, labels: pd.Index | None) -> str:
    """``"lines 3, 9 and 4 more"`` (file) or ``"rows with index 2, 8"`` (DataFrame)."""
    positions = np.asarray(positions)
    n = len(positions)
    if labels is None or labels.name == "line":  # file lines (header = line 1)
        shown = ", ".join(str(int(p) + 2 if labels is None else labels[int(p)]) for p in positions[:MAX_LISTED])
        head = f"line{'s' if n > 1 else ''} {shown}"
    else:
        shown = ", ".join(repr(labels[int(p)]) if isinstance(labels[int(p)], str) else str(labels[int(p)])
                          for p in positions[:MAX_LISTED])
        head = f"row{'s' if n > 1 else ''} with index {shown}"
    more = f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
    return head + more


def describe(problems: list[Problem]) -> str:
    """Problems joined into one error message, without the severity word."""
    return "; ".join(f"column {p.column!r}: {p.message}" if p.column else p.message for p in problems)


def _examples(values: pd.Series, mask: np.ndarray, k: int = 3) -> str:
    return ", ".join(repr(v) for v in values[mask].head(k).tolist())


@dataclass
class _Inspection:
    """Parsed key columns plus row masks; nothing dropped yet."""

    customer: pd.Series
    date: pd.Series  # datetime64[ns], NaT where missing or unparseable
    amount: pd.Series  # float64, NaN where missing
    bad_id: np.ndarray
    bad_date: np.ndarray
    missing_amount: np.ndarray
    negative: np.ndarray
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _text(col: pd.Series) -> pd.Series:
    """A column as stripped text with blanks as missing (works for typed and text columns)."""
    text = col.astype("string").str.strip()
    return text.mask(text.isin(BLANKS))


def _parse_customer(col: pd.Series, name: str, labels: pd.Index | None, mixed_ids: str,
                    problems: list[Problem]) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return col, np.zeros(len(col), dtype=bool)
    if pd.api.types.is_float_dtype(col.dtype):
        bad = col.isna().to_numpy()
        if bad.any():
            problems.append(Problem("error", f"{int(bad.sum())} missing customer id(s) on {_rows(np.flatnonzero(bad), labels)}", name))
        frac = (col.dropna() % 1 != 0)
        if frac.any():
            pos = np.flatnonzero(((col % 1) != 0).fillna(False).to_numpy())
            problems.append(Problem("error", f"{len(pos)} customer id(s) with decimals on {_rows(pos, labels)} "
                                             f"(e.g. {col.iloc[pos[0]]!r}); expected whole numbers or text ids", name))
        return col, bad
    text = _text(col)
    bad = text.isna().to_numpy()
    if bad.any():
        problems.append(Problem("error", f"{int(bad.sum())} empty customer id(s) on {_rows(np.flatnonzero(bad), labels)}", name))
    kinds = pd.api.types.infer_dtype(col, skipna=True)
    numeric_like = text.str.fullmatch(r"[+-]?\d+(\.\d+)?").fillna(False).to_numpy()
    is_text = ~numeric_like & ~bad
    n_num, n_text = int(numeric_like.sum()), int(is_text.sum())
    python_mix = kinds in ("mixed", "mixed-integer", "mixed-integer-float")
    if mixed_ids == "error" and ((n_num and n_text) or python_mix):
        if n_num and n_text:
            minority = is_text if n_text <= n_num else numeric_like
            what = "text" if n_text <= n_num else "numeric"
            other = "numbers" if what == "text" else "text"
            problems.append(Problem(
                "error", f"mixed types: mostly {other} but {int(minority.sum())} {what} id(s) on "
                         f"{_rows(np.flatnonzero(minority), labels)} (e.g. {_examples(text, minority)}); expected one "
                         f"kind of id (check the column, or pass mixed_ids='text' to treat every id as text)", name))
        else:
            types = col.dropna().map(type)
            odd = (types != types.mode().iloc[0]).to_numpy() & ~bad
            problems.append(Problem(
                "error", f"mixed types: {int(odd.sum())} value(s) of another Python type than the rest on "
                         f"{_rows(np.flatnonzero(odd), labels)} (e.g. {_examples(col.astype(object), odd)}); 12 and '12' "
                         f"would be two customers (convert the column, or pass mixed_ids='text')", name))
    elif mixed_ids == "error" and n_num and not n_text:
        # '012', '12' and '12.0' are different strings for the same number: ambiguous
        ints = text.where(text.str.fullmatch(_INT_LIKE.pattern).fillna(False))
        canon = pd.to_numeric(ints, errors="coerce")
        pairs = pd.DataFrame({"t": text, "n": canon}).dropna().drop_duplicates()
        clash = pairs[pairs.duplicated("n", keep=False)]
        if len(clash):
            rows = np.flatnonzero(text.isin(clash["t"]).to_numpy())
            problems.append(Problem(
                "error", f"{clash['n'].nunique()} id(s) written in more than one way (e.g. "
                         f"{', '.join(map(repr, clash['t'].head(2)))}) on {_rows(rows, labels)}; are they one customer? "
                         f"Clean the ids, or pass mixed_ids='text' to keep them apart", name))
    return text, bad


def _parse_dates(col: pd.Series, name: str, labels: pd.Index | None, date_format: str | None,
                 problems: list[Problem]) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        parsed = col.dt.tz_localize(None) if getattr(col.dt, "tz", None) is not None else col
        missing = parsed.isna().to_numpy()
        if missing.any():
            problems.append(Problem("error", f"{int(missing.sum())} missing date(s) on {_rows(np.flatnonzero(missing), labels)}", name))
        return parsed.astype("datetime64[ns]")
    text = _text(col)
    if pd.api.types.is_float_dtype(col.dtype):  # 19970101.0 read as float
        text = _text(col.map(lambda v: f"{v:.0f}" if pd.notna(v) else v))
    missing = text.isna().to_numpy()
    text, unusable = _date_range_and_zones(text, name, labels, problems)
    if date_format:
        parsed = _to_datetime(text, format=date_format)
        expected = f"dates in the format {date_format!r}"
    else:
        compact = text.str.fullmatch(r"\d{8}").fillna(False)
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if compact.any():
            parsed[compact] = _to_datetime(text[compact], format="%Y%m%d")
        rest = ~compact & text.notna()
        if rest.any():
            iso = text[rest].str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
            parsed[rest] = _to_datetime(iso, format="ISO8601")
        expected = "YYYYMMDD or YYYY-MM-DD (pass date_format= for other layouts, e.g. '%d/%m/%Y')"
    parsed = parsed.astype("datetime64[ns]")
    if missing.any():
        problems.append(Problem("error", f"{int(missing.sum())} missing date(s) on {_rows(np.flatnonzero(missing), labels)}", name))
    bad = (parsed.isna().to_numpy() & ~missing & ~unusable)
    if bad.any():
        problems.append(Problem("error", f"{int(bad.sum())} unparseable date(s) on {_rows(np.flatnonzero(bad), labels)} "
                                         f"(e.g. {_examples(text, bad)}); expected {expected}", name))
    return parsed


def _to_datetime(text: pd.Series, format: str) -> pd.Series:
    """``pd.to_datetime(errors="coerce")`` as naive ``datetime64[ns]``; values pandas rejects
    with an exception rather than NaT (years like -1, odd units, zones) become NaT one by one."""
    try:
        out = pd.to_datetime(text, format=format, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    except (ValueError, TypeError, OverflowError):
        def one(value: Any) -> Any:
            try:
                ts = pd.to_datetime(value, format=format, errors="coerce")
                return pd.NaT if ts is pd.NaT else pd.Timestamp(ts).tz_localize(None).as_unit("ns")
            except (ValueError, TypeError, OverflowError):
                return pd.NaT
        return pd.Series([one(v) if isinstance(v, str) else pd.NaT for v in text], index=text.index,
                         dtype="datetime64[ns]")


_ZONE = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)$", re.I)


def _date_range_and_zones(text: pd.Series, name: str, labels: pd.Index | None,
                          problems: list[Problem]) -> tuple[pd.Series, np.ndarray]:
    """Dates pandas cannot hold (years before 1678 or after 2261, e.g. 9999 'open end'
    placeholders) and time zones that differ between rows are errors naming the rows; one time
    zone on every row is dropped (the local day of each transaction is kept).

    Returns the text with those cells blanked, and the mask of the cells blanked.
    """
    year = pd.to_numeric(text.str.extract(r"^(\d{4})", expand=False), errors="coerce")
    far = ((year < 1678) | (year > 2261)).fillna(False).to_numpy()
    if far.any():
        problems.append(Problem("error", f"{int(far.sum())} date(s) outside the years 1678-2261 on "
                                         f"{_rows(np.flatnonzero(far), labels)} (e.g. {_examples(text, far)}); a "
                                         "placeholder such as 9999-12-31 is not a transaction date: remove those rows", name))
    zone = text.str.extract(_ZONE, expand=False).str.upper().str.replace(":", "", regex=False)
    unusable = far.copy()
    if zone.notna().any():
        kinds = zone.fillna("none")[text.notna() & ~far]
        if kinds.nunique() > 1:
            minority = kinds.value_counts().index[-1]
            odd = (zone.fillna("none") == minority).to_numpy() & text.notna().to_numpy() & ~far
            problems.append(Problem(
                "error", f"dates in different time zones ({', '.join(sorted(map(str, kinds.unique())))}); e.g. "
                         f"{_rows(np.flatnonzero(odd), labels)} ({_examples(text, odd)}); the day of a transaction "
                         "depends on the zone: convert every date to one time zone (or to local dates) first", name))
            unusable |= text.notna().to_numpy()
        else:
            text = text.str.replace(r"\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)$", "", regex=True, case=False)
    return text.mask(unusable), unusable


def _parse_amounts(col: pd.Series, name: str, labels: pd.Index | None,
                   problems: list[Problem]) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        values = col.astype("float64")
        _implausible(values, name, labels, problems)
        return values, values.isna().to_numpy()
    text = _text(col)
    missing = text.isna().to_numpy()
    cleaned = text.str.replace(_CURRENCY, r"\1", regex=True)
    thousands = cleaned.str.fullmatch(_THOUSANDS.pattern).fillna(False)
    cleaned = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    bad = values.isna().to_numpy() & ~missing
    if bad.any():
        hint = ""
        if cleaned[bad].str.fullmatch(r"\(\s*[\d.,]+\s*\)").fillna(False).any():
            hint = "; '(12.50)' is an accounting negative: write it as -12.50"
        elif cleaned[bad].str.fullmatch(r"[+-]?\d+,\d{1,2}").fillna(False).any():
            hint = "; '7,50' has a decimal comma: write it as 7.50"
        problems.append(Problem("error", f"{int(bad.sum())} non-numeric amount(s) on {_rows(np.flatnonzero(bad), labels)} "
                                         f"(e.g. {_examples(text, bad)}); expected an amount of money such as 12.50{hint}", name))
    _implausible(values, name, labels, problems)
    return values, missing


MAX_AMOUNT = 1e12  # larger is a placeholder, an overflow or a unit error, not one transaction


def _implausible(values: pd.Series, name: str, labels: pd.Index | None, problems: list[Problem]) -> None:
    x = values.to_numpy(dtype=float)
    odd = ~np.isnan(x) & ~(np.abs(x) < MAX_AMOUNT)
    if odd.any():
        problems.append(Problem("error", f"{int(odd.sum())} infinite or implausibly large amount(s) on "
                                         f"{_rows(np.flatnonzero(odd), labels)} (e.g. {x[odd][0]:g}); expected an "
                                         f"amount of money below {MAX_AMOUNT:g}", name))


def inspect(frame: pd.DataFrame, customer: str, date: str, amount: str, *, date_format: str | None = None,
            mixed_ids: str = "error", from_file: bool = False) -> _Inspection:
    """Parse the three key columns of ``frame`` and collect every problem (nothing is raised)."""
    absent = [c for c in (customer, date, amount) if c not in frame.columns]
    if absent:
        raise InputError(f"missing column(s) {', '.join(map(repr, absent))}; the data has "
                         f"{', '.join(map(repr, map(str, frame.columns)))} (name the columns with customer=, date=, amount=)")
    labels = None if from_file and frame.index.name != "line" else frame.index
    problems: list[Problem] = []
    cust, bad_id = _parse_customer(frame[customer], customer, labels, mixed_ids, problems)
    dates = _parse_dates(frame[date], date, labels, date_format, problems)
    values, missing = _parse_amounts(frame[amount], amount, labels, problems)
    negative = (values < 0).to_numpy()
    today = pd.Timestamp.now().normalize()
    future = (dates > today + pd.Timedelta(days=1)).to_numpy()
    if future.any():
        problems.append(Problem("warning", f"{int(future.sum())} date(s) in the future (after {today.date()}) on "
                                           f"{_rows(np.flatnonzero(future), labels)} (e.g. {dates[future].iloc[0].date()}); "
                                           "a typo in the year? They are kept", date))
    if missing.any():
        problems.append(Problem("warning", f"{int(missing.sum())} missing amount(s) on "
                                           f"{_rows(np.flatnonzero(missing), labels)}; choose missing='drop', 'zero' or 'error'", amount))
    if negative.any():
        problems.append(Problem("warning", f"{int(negative.sum())} negative amount(s) (returns?) on "
                                           f"{_rows(np.flatnonzero(negative), labels)}; choose returns='drop' or 'keep'", amount))
    return _Inspection(cust, dates, values, bad_id, dates.isna().to_numpy(), missing, negative, problems)


def transaction_problems(frame: pd.DataFrame, *, customer: str = "customer_id", date: str = "date",
                         amount: str = "dollar_value", date_format: str | None = None,
                         mixed_ids: str = "error", from_file: bool = True, returns: str = "drop",
                         missing: str = "drop") -> list[Problem]:
    """Every problem in a table of transactions (used by ``crm-analysis validate``).

    ``frame`` is typically the all-text table read from a file (``from_file=True`` quotes file
    lines); a missing key column is reported as a problem rather than raised. ``returns`` and
    ``missing`` are the reader's choices (defaults as in :func:`read_transactions`): with them,
    a file whose every row would be dropped is an error here too.
    """
    if frame.empty:
        return [Problem("error", "no transactions: the table has a header but no data rows")]
    try:
        ins = inspect(frame, customer, date, amount, date_format=date_format, mixed_ids=mixed_ids,
                      from_file=from_file)
    except InputError as exc:
        return [Problem("error", str(exc))]
    gone = np.zeros(len(frame), dtype=bool)
    if missing == "drop":
        gone |= ins.missing_amount
    if returns == "drop":
        gone |= ins.negative
    if gone.all() and not ins.errors:
        why = " or ".join(w for w, on in (("missing", missing == "drop"), ("negative", returns == "drop")) if on)
        return ins.problems + [Problem("error", f"every row has a {why} amount: no transaction would be left after "
                                                f"dropping them (missing='{missing}', returns='{returns}')", amount)]
    return ins.problems


def check_transactions(data: pd.DataFrame | str | Path, *, customer: str = "customer_id", date: str = "date",
                       amount: str = "dollar_value", date_format: str | None = None,
                       mixed_ids: str = "error") -> list[str]:
    """List every problem of a transactions file or DataFrame, as sentences; empty when clean.

    Parameters
    ----------
    data : DataFrame or path
        Transactions, one row each.
    customer, date, amount : str
        Names of the customer-id, date and amount columns.
    date_format : str, optional
        ``strptime`` layout of the dates; default accepts YYYYMMDD and ISO dates.
    mixed_ids : {"error", "text"}
        Whether a customer column mixing numeric and text ids is a problem.

    Returns
    -------
    list of str
        ``"error: column 'date': 2 unparseable date(s) on lines 3, 7 (e.g. '1997-13-01')..."``;
        errors stop :func:`read_transactions`, warnings ask for a choice (``returns=``, ``missing=``).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"id": ["a", "b"], "day": ["1997-01-01", "x"], "value": [10.0, -2.0]})
    >>> for p in check_transactions(tx, customer="id", date="day", amount="value"):
    ...     print(p)
    error: column 'day': 1 unparseable date(s) on row with index 1 (e.g. 'x'); expected YYYYMMDD or YYYY-MM-DD (pass date_format= for other layouts, e.g. '%d/%m/%Y')
    warning: column 'value': 1 negative amount(s) (returns?) on row with index 1; choose returns='drop' or 'keep'
    """
    _choice("mixed_ids", mixed_ids, MIXED_IDS)
    if isinstance(data, pd.DataFrame):
        if data.empty:
            return ["error: no transactions: the DataFrame has no rows"]
        try:
            return [str(p) for p in inspect(data, customer, date, amount, date_format=date_format,
                                            mixed_ids=mixed_ids).problems]
        except InputError as exc:
            return [f"error: {exc}"]
    frame, problems = _read_text_table(Path(data))
    if frame is None:
        return [str(p) for p in problems]
    return [str(p) for p in problems + transaction_problems(frame, customer=customer, date=date, amount=amount,
                                                            date_format=date_format, mixed_ids=mixed_ids)]


def _read_text_table(path: Path, encoding: str | None = None, **reading: Any) -> tuple[pd.DataFrame | None, list[Any]]:
    """Read a data file as text with the project's reader (encoding, separator, decimal comma,
    Excel sheet, header row: :func:`crm_analysis.validation.read_table`)."""
    from crm_analysis.validation import read_table

    frame, problems = read_table(path, encoding=encoding, **reading)
    if frame is not None and frame.empty:
        return None, problems
    return frame, problems


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(f"{name}={value!r}: expected one of {', '.join(map(repr, allowed))}")
    return value


def clean(frame: pd.DataFrame, customer: str, date: str, amount: str, *, returns: str = "drop",
          missing: str = "drop", bad_dates: str = "error", date_format: str | None = None,
          mixed_ids: str = "error", from_file: bool = False, source: str = "<DataFrame>",
          warn: bool = True) -> tuple[pd.DataFrame, ReadReport]:
    """Parse, check and apply the user's choices; raise :class:`InputError` listing every error."""
    _choice("returns", returns, RETURNS)
    _choice("missing", missing, MISSING)
    _choice("bad_dates", bad_dates, BAD_DATES)
    _choice("mixed_ids", mixed_ids, MIXED_IDS)
    report = ReadReport(source=source, rows_read=len(frame))
    if frame.empty:
        raise InputError(f"{source}: no transactions (the table has no data rows); expected one row per "
                         f"transaction with columns {customer!r}, {date!r}, {amount!r}")
    ins = inspect(frame, customer, date, amount, date_format=date_format, mixed_ids=mixed_ids, from_file=from_file)
    labels = None if from_file and frame.index.name != "line" else frame.index
    errors = ins.errors
    if bad_dates == "drop":
        errors = [p for p in errors if not (p.column == date and "unparseable" in p.message)]
    if returns == "error" and ins.negative.any():
        errors.append(Problem("error", f"{int(ins.negative.sum())} negative amount(s) on "
                                       f"{_rows(np.flatnonzero(ins.negative), labels)}; pass returns='drop' or 'keep'", amount))
    if missing == "error" and ins.missing_amount.any():
        errors.append(Problem("error", f"{int(ins.missing_amount.sum())} missing amount(s) on "
                                       f"{_rows(np.flatnonzero(ins.missing_amount), labels)}; pass missing='drop' or 'zero'", amount))
    if errors:
        raise InputError(f"{source}: " + describe(errors))
    keep = np.ones(len(frame), dtype=bool)
    report.negative = int(ins.negative.sum())
    report.missing = int(ins.missing_amount.sum())
    report.zero = int((ins.amount == 0).sum())
    amounts = ins.amount
    if bad_dates == "drop" and ins.bad_date.any():
        report.dropped["unparseable date"] = int(ins.bad_date.sum())
        keep &= ~ins.bad_date
    if report.missing:
        if missing == "drop":
            report.dropped["missing amount"] = report.missing
            keep &= ~ins.missing_amount
        else:
            report.kept["missing amount (counted as 0)"] = report.missing
            amounts = amounts.fillna(0.0)
    if report.negative:
        if returns == "drop":
            report.dropped["negative amount"] = report.negative
            keep &= ~ins.negative
        else:
            report.kept["negative amount"] = report.negative
    report.problems = [p for p in ins.problems if p.severity == "warning"]
    out = frame.copy()
    out[customer] = ins.customer
    out[date] = ins.date
    out[amount] = amounts
    if not keep.all():
        out = out.loc[keep]
    if out.empty:
        raise InputError(f"{source}: no transactions left after dropping "
                         f"{', '.join(f'{n} with {k}' for k, n in report.dropped.items())}")
    report.rows_kept = len(out)
    report.customers = int(out[customer].nunique())
    report.first_date, report.last_date = out[date].min(), out[date].max()
    if warn:
        for p in report.problems:
            action = "dropped" if (("negative" in p.message and returns == "drop")
                                   or ("missing" in p.message and missing == "drop")) else "kept"
            warnings.warn(f"{source}: {p} -> {action}", TransactionWarning, stacklevel=3)
    return out, report


def read_transactions(path: str | Path, *, customer: str = "customer_id", date: str = "date",
                      amount: str = "dollar_value", date_format: str | None = None, returns: str = "drop",
                      missing: str = "drop", bad_dates: str = "error", mixed_ids: str = "error",
                      encoding: str | None = None, sep: str | None = None, decimal: str | None = None,
                      sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    """Read a transactions file (CSV, TSV, semicolon- or whitespace-separated; Excel, SPSS, Stata), checked and typed.

    A Parquet file, a folder of them, a glob or a DuckDB database / connection is not loaded: it
    is opened by :func:`~crm_analysis.segment.outofcore.open_transactions`, which returns a
    :class:`~crm_analysis.segment.outofcore.Transactions` handle that ``rfm``, ``clv_summary`` and
    ``evaluate`` aggregate in DuckDB (one row per customer reaches pandas).

    Parameters
    ----------
    path : str or Path
        The file; the separator and encoding (UTF-8, else a hint) are detected.
    customer, date, amount : str
        Column names of the customer id, the transaction date and the amount of money.
    date_format : str, optional
        ``strptime`` layout; default accepts YYYYMMDD (CDNOW) and ISO dates (also ``1997/01/31``).
    returns : {"drop", "keep", "error"}
        Rows with a negative amount (returns, refunds): drop them, keep them (they then reduce the
        customer's monetary value), or stop. Counted and reported either way.
    missing : {"drop", "zero", "error"}
        Rows with an empty amount: drop them, keep them as transactions worth 0, or stop.
    bad_dates : {"error", "drop"}
        Unparseable dates stop the reading (default) or are dropped and reported.
    mixed_ids : {"error", "text"}
        A customer column mixing numeric and text ids (or ``'012'`` beside ``'12'``) is an error
        unless ``"text"``: every id is then a distinct text.
    encoding, sep, decimal, sheet, header_row : optional
        How to read the file (:class:`crm_analysis.readers.ReadOptions`: e.g. ``encoding="gb18030"``,
        ``sep=";"``, ``decimal=","``, an Excel ``sheet``); detected when not given.

    Returns
    -------
    DataFrame
        All columns of the file; ``customer`` as text (leading zeros kept), ``date`` as
        ``datetime64``, ``amount`` as float. ``frame.attrs["read_report"]`` is a
        :class:`ReadReport` (counts of negative, missing, zero amounts and of dropped rows).

    Raises
    ------
    InputError
        Empty file, missing columns, unparseable dates, non-numeric amounts, empty or mixed-type
        customer ids: the message names the column and the file lines (line 1 is the header).

    Warns
    -----
    TransactionWarning
        When rows are dropped or kept with negative/missing amounts.

    Examples
    --------
    >>> tx = read_transactions("data/cdnow_master.txt")  # doctest: +SKIP
    >>> tx.attrs["read_report"].rows_kept, tx["customer_id"].nunique()  # doctest: +SKIP
    (69659, 23570)
    """
    from crm_analysis.segment import outofcore  # Parquet, folders, globs, DuckDB: aggregated where they lie
    if outofcore.is_out_of_core_source(path):
        return outofcore.open_transactions(path, customer=customer, date=date, amount=amount, returns=returns,
                                           missing=missing, bad_dates=bad_dates)
    path = Path(path)
    frame, problems = _read_text_table(path, encoding, sep=sep, decimal=decimal, sheet=sheet, header_row=header_row)
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    notes = [p for p in problems if getattr(p, "severity", "error") != "error"]
    if frame is None or errors:
        if not errors and path.exists():
            errors = [Problem("error", f"{path}: has a header but no transactions")]
        raise InputError(describe(errors) if errors else f"{path}: cannot be read")
    out, report = clean(frame, customer, date, amount, returns=returns, missing=missing, bad_dates=bad_dates,
                        date_format=date_format, mixed_ids=mixed_ids, from_file=True, source=str(path))
    for col in out.columns:  # the other columns were read as text: give numbers back their type
        if col not in (customer, date, amount):
            converted = pd.to_numeric(out[col], errors="coerce")
            if converted.notna().sum() == out[col].notna().sum():
                out[col] = converted
    out = out.reset_index(drop=True)
    report.problems = notes + report.problems  # e.g. a trailing separator on every line
    out.attrs["read_report"] = report
    return out
