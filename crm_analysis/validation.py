"""Check a user's data file and list every problem found (``crm-analysis validate``).

Reading problems (missing or empty file, wrong encoding, duplicated header, ragged rows) are
found here, by the one reader of delimited text the package has (:func:`read_table`); what the
columns must hold is checked by the module that uses the data — surveys by ``csi``, transactions
by ``segment``, assessments by ``maturity`` — so that ``crm-analysis validate`` and the readers
agree. Problems name the file, the column and the file's line numbers (line 1 is the header),
and say what was expected.
"""
from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import InputError

KINDS = ("survey", "transactions", "assessment")


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is ``"error"`` (the file cannot be used as is) or ``"warning"``."""

    severity: str
    message: str
    column: str | None = None
    zh: str | None = None  # the message in Chinese, for a Chinese report (warnings that reach one)

    def __str__(self) -> str:
        where = f"column {self.column!r}: " if self.column else ""
        return f"{self.severity}: {where}{self.message}"


def _lines(numbers: list[int], k: int = 5) -> str:
    shown = ", ".join(map(str, numbers[:k]))
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (f" and {len(numbers) - k} more" if len(numbers) > k else "")


def _lines_zh(numbers: list[int], k: int = 5) -> str:
    return f"第 {'、'.join(map(str, numbers[:k]))} 行" + (f"等 {len(numbers)} 行" if len(numbers) > k else "")


def long_rows(text: str, sep: str | None, n_header: int, path: Any) -> list[Problem]:
    """Data lines with more fields than the header (pandas would silently shift every column).

    Extra fields that are all empty (a trailing separator, as some exports write) are a warning:
    they are ignored. Extra fields with values are an error: a value without a column name.
    """
    trailing, valued, header_seen = [], [], False
    if sep is None:
        rows: Any = ((i, ln.split()) for i, ln in enumerate(text.splitlines(), 1))
    else:
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        rows = ((reader.line_num, r) for r in reader)
    try:
        for line, row in rows:
            if not any(f.strip() for f in row):
                continue
            if not header_seen:
                header_seen = True
                continue
            if len(row) > n_header:
                (valued if any(f.strip() for f in row[n_header:]) else trailing).append(line)
    except csv.Error:  # a broken quote: pandas reports it below
        return []
    problems = []
    if valued:
        problems.append(Problem("error", f"{path}: {len(valued)} data line(s) have more fields than the header's "
                                         f"{n_header} columns ({_lines(valued)}); a value without a column name — "
                                         "check the separator, quoting, or add the missing column name"))
    if trailing:
        name = Path(str(path)).name  # a report names the file, never its path
        problems.append(Problem("warning", f"{name}: {len(trailing)} data line(s) end with an extra separator "
                                           f"({_lines(trailing)}); the empty last field is ignored (the header has "
                                           f"{n_header} columns)",
                                zh=f"{name}：{len(trailing)} 行数据以多余的分隔符结尾（{_lines_zh(trailing)}）；"
                                   f"空的最后一个字段被忽略（表头有 {n_header} 列）"))
    return problems


def data_lines(text: str, sep: str | None) -> list[int]:
    """File line numbers (header = 1 after leading blank lines are counted) of the data records,
    blank lines skipped as pandas skips them; used to quote the right line after a blank one."""
    lines: list[int] = []
    header_seen = False
    if sep is None:
        records: Any = ((i, ln.split()) for i, ln in enumerate(text.splitlines(), 1))
    else:
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        records = ((reader.line_num, r) for r in reader)
    previous_end = 0
    try:
        for end, row in records:
            start, previous_end = previous_end + 1, end
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if header_seen:
                lines.append(start if sep is not None else end)
            header_seen = True
    except csv.Error:
        return []
    return lines


def read_table(path: str | Path, *, encoding: str | None = None, sep: str | None = None,
               decimal: str | None = None, sheet: str | int | None = None,
               header_row: int | None = None) -> tuple[Any, list[Problem]]:
    """Read a data file into a DataFrame of strings, collecting reading problems.

    Delimited text (encoding, separator and decimal comma detected unless declared), Excel,
    SPSS and Stata files: see :mod:`crm_analysis.readers`. Options not given here are taken
    from the pipeline run (``crm-analysis run --encoding …``), else detected.

    Returns ``(frame_or_None, problems)``; the frame is ``None`` when the file cannot be read.
    All cells are kept as text so that the per-kind checks can say which cells are not numbers.
    ``frame.attrs`` may hold ``encoding``, ``labels`` (variable labels: the questions' wording)
    and ``value_labels`` (SPSS/Stata).
    """
    import pandas as pd

    from .readers import (EXCEL_SUFFIXES, convert_decimal_commas, decode, detect_separator, is_binary_table,
                          read_excel, read_labelled, resolve_options)

    options = resolve_options(encoding, sep, decimal, sheet, header_row)
    path = Path(path)
    if not path.exists():
        return None, [Problem("error", f"{path}: file not found")]
    if path.is_dir():
        return None, [Problem("error", f"{path}: is a folder; expected a data file")]
    if is_binary_table(path):
        try:
            frame, errors = (read_excel if path.suffix.lower() in EXCEL_SUFFIXES else read_labelled)(path, options)
        except ImportError as exc:
            return None, [Problem("error", str(exc))]
        if frame is None:
            return None, [Problem("error", e) for e in errors]
        return frame, [Problem("error", f"{path}: has a header but no data rows")] if frame.empty else []
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem("error", f"{path}: file is empty; expected a header line and data rows")]
    from .filetypes import sniff

    # an Excel, SPSS or Stata file under a text name: say what it is rather than a decoding error
    # (UTF-16 text, and NUL bytes that may be UTF-16 without a byte-order mark, are for decode)
    what = sniff(raw)
    if what and not what.startswith(("is UTF-16", "is a binary file")) and not options.encoding:
        return None, [Problem("error", f"{path}: {what}")]
    text, used, error = decode(raw, path, options.encoding)
    if text is None:
        return None, [Problem("error", f"{path}: {what}" if what else error)]
    problems: list[Problem] = []
    if not text.strip():  # e.g. only a byte-order mark
        return None, [Problem("error", f"{path}: file is empty; expected a header line and data rows")]
    if options.header_row and options.header_row > 1:  # title lines above the header
        text = "\n".join(text.splitlines()[options.header_row - 1:])
        if not text.strip():
            return None, [Problem("error", f"{path}: header_row={options.header_row} is past the end of the file")]
    sep = options.separator if options.sep is not None else detect_separator(text[:20000])
    header_line = next(ln for ln in text.splitlines() if ln.strip())
    header = header_line.split() if sep is None else next(csv.reader([header_line], delimiter=sep))
    header = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for h in header:
        seen[h] = seen.get(h, 0) + 1
    dupes = [h for h, n in seen.items() if n > 1 and h]
    if dupes:
        problems.append(Problem("error", f"{path}: duplicated column name(s) in the header: "
                                         f"{', '.join(map(repr, dupes))}; every column needs its own name"))
    long = long_rows(text, sep, len(header), path)
    problems += long
    if any(p.severity == "error" for p in long):
        return None, problems
    try:
        # index_col=False: a trailing separator must not turn the first column into the index
        with warnings.catch_warnings():  # extra fields were reported above
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=r"\s+" if sep is None else sep, dtype=str,
                                keep_default_na=False, skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, ValueError) as exc:
        return None, problems + [Problem("error", f"{path}: cannot be parsed as a table: {exc}")]
    if frame.empty:
        problems.append(Problem("error", f"{path}: has a header but no data rows"))
    lines = data_lines(text, sep)
    if len(lines) == len(frame) and lines != list(range(2, 2 + len(frame))):
        # blank lines (or lines before the header): rows are quoted by their real line number
        frame.index = pd.Index(lines, name="line")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame, _ = convert_decimal_commas(frame, options.decimal, sep)
    frame.attrs["encoding"] = used
    return frame, problems


def check_transactions(frame: Any, *, customer: str = "customer_id", date: str = "date",
                       amount: str = "dollar_value") -> list[Problem]:
    """Transactions, checked by :func:`crm_analysis.segment.reader.transaction_problems` (a customer
    id of one kind, a parseable date and an amount on every row; returns counted)."""
    from .segment.reader import transaction_problems

    return transaction_problems(frame, customer=customer, date=date, amount=amount)


def check_assessment(frame: Any, *, firm: str = "firm", instrument: Any = None) -> list[Problem]:
    """Maturity assessments, checked against the instrument by :func:`crm_analysis.maturity.check_assessments`."""
    from .maturity import check_assessments

    if firm != "firm":
        if firm not in frame.columns:
            return [Problem("error", f"missing column {firm!r}; the file has {', '.join(map(repr, frame.columns))}")]
        frame = frame.rename(columns={firm: "firm"})
    problems = [Problem("error", m) for m in check_assessments(frame, instrument, source="")]
    if not problems:  # what the maturity report needs besides (enough firms, items that vary, ...)
        from .maturity.requirements import report_problems

        problems = report_problems(frame, instrument)
    return problems


def check_survey_file(path: str | Path, *, scale: tuple[float, float] | None = None, model: Any = None,
                      group: str | None = None, reading: dict[str, Any] | None = None) -> list[Problem]:
    """Survey answers, checked by :func:`crm_analysis.csi.check_survey` (numbers on the declared
    scale, no constant item, no empty row; with ``model``, its indicators and enough rows)."""
    from .csi import check_survey

    return [Problem(p.severity, p.message, p.column)
            for p in check_survey(path, scale, model=model, group=group, **(reading or {}))]


CHECKS: dict[str, Callable[..., list[Problem]]] = {
    "transactions": check_transactions,
    "assessment": check_assessment,
}


def validate_file(path: str | Path, kind: str, *, encoding: str | None = None, sep: str | None = None,
                  decimal: str | None = None, sheet: str | int | None = None, header_row: int | None = None,
                  **options: Any) -> list[Problem]:
    """Every problem found in ``path`` read as ``kind`` (``survey``, ``transactions``, ``assessment``).

    ``encoding``, ``sep``, ``decimal``, ``sheet``, ``header_row``: how to read the file
    (:class:`crm_analysis.readers.ReadOptions`); detected when not given.

    Examples
    --------
    >>> problems = validate_file("data/cdnow_master.txt", "transactions")  # doctest: +SKIP
    >>> [str(p) for p in problems if p.severity == "error"]  # doctest: +SKIP
    []
    """
    if kind not in KINDS:
        raise InputError(f"kind={kind!r}: expected one of {', '.join(KINDS)}")
    reading = dict(encoding=encoding, sep=sep, decimal=decimal, sheet=sheet, header_row=header_row)
    if kind == "survey":
        return check_survey_file(path, reading=reading, **options)
    frame, problems = read_table(path, **reading)
    if frame is None or frame.empty:
        return problems
    return problems + CHECKS[kind](frame, **options)
