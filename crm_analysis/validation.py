"""Check a user's data file and list every problem found (``crm-analysis validate``).

Reading problems (missing or empty file, wrong encoding, duplicated header, ragged rows) are
found here for every kind; what the columns must hold is checked per kind. Problems name the
file, the column and the file's line numbers (line 1 is the header), and say what was expected.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import InputError

KINDS = ("survey", "transactions", "assessment")
MAX_LISTED = 5  # rows quoted per problem; the count is always complete


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is ``"error"`` (the file cannot be used as is) or ``"warning"``."""

    severity: str
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"column {self.column!r}: " if self.column else ""
        return f"{self.severity}: {where}{self.message}"


def lines_of(rows: Any) -> str:
    """``"lines 3, 9, 12 and 4 more"`` for positional data rows (0-based) of a file with a header."""
    rows = list(rows)
    shown = ", ".join(str(r + 2) for r in rows[:MAX_LISTED])
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return f"line{'s' if len(rows) > 1 else ''} {shown}{more}"


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str | None, list[Problem]]:
    if encoding:
        try:
            return raw.decode(encoding), []
        except (UnicodeDecodeError, LookupError) as exc:
            return None, [Problem("error", f"{path}: cannot be read as {encoding}: {exc}")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        for guess in ("gb18030", "cp1252"):
            try:
                raw.decode(guess)
                hint = f"; it reads as {guess} — re-save it as UTF-8 or pass --encoding {guess}"
                break
            except UnicodeDecodeError:
                continue
        return None, [Problem("error", f"{path}: not valid UTF-8 (first bad byte on line {line}){hint}")]


def _separator(sample: str) -> str | None:
    """``None`` means runs of whitespace (as in the CDNOW file)."""
    first = next((ln for ln in sample.splitlines() if ln.strip()), "")
    for sep in (",", ";", "\t", "|"):
        if sep in first:
            return sep
    return None


def read_table(path: str | Path, *, encoding: str | None = None) -> tuple[Any, list[Problem]]:
    """Read a delimited text file into a DataFrame of strings, collecting reading problems.

    Returns ``(frame_or_None, problems)``; the frame is ``None`` when the file cannot be read.
    All cells are kept as text so that the per-kind checks can say which cells are not numbers.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        return None, [Problem("error", f"{path}: file not found")]
    if path.is_dir():
        return None, [Problem("error", f"{path}: is a folder; expected a data file")]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem("error", f"{path}: file is empty; expected a header line and data rows")]
    text, problems = _decode(raw, path, encoding)
    if text is None:
        return None, problems
    sep = _separator(text[:20000])
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
    try:
        frame = pd.read_csv(io.StringIO(text), sep=r"\s+" if sep is None else sep, dtype=str,
                            keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        return None, problems + [Problem("error", f"{path}: cannot be parsed as a table: {exc}")]
    if frame.empty:
        problems.append(Problem("error", f"{path}: has a header but no data rows"))
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, problems


def numeric_problems(frame: Any, columns: list[str], *, what: str = "a number") -> tuple[dict[str, Any], list[Problem]]:
    """Convert ``columns`` to numbers; report non-numeric cells with their lines and values.

    Empty cells become missing values (reported by the caller if they matter).
    """
    import pandas as pd

    converted, problems = {}, []
    for col in columns:
        text = frame[col].astype(str).str.strip()
        blank = text.isin(["", "NA", "NaN", "nan", "N/A", "null", "."])
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        bad = values.isna() & ~blank
        if bad.any():
            positions = [i for i, b in enumerate(bad.to_numpy()) if b]
            sample = ", ".join(repr(v) for v in text[bad].head(3))
            problems.append(Problem("error", f"{bad.sum()} non-numeric cell(s) on {lines_of(positions)} "
                                             f"(e.g. {sample}); expected {what}", col))
        converted[col] = values
    return converted, problems


def _is_index_column(name: str) -> bool:
    return name == "" or name.lower().startswith("unnamed") or name.lower() in {"id", "index", "row"}


def check_survey(frame: Any, *, scale: tuple[float, float] | None = None,
                 text_columns: tuple[str, ...] = ("gender", "group", "segment", "wave")) -> list[Problem]:
    """Survey answers: numbers on the declared scale, no constant item, no empty row."""
    items = [c for c in frame.columns if not _is_index_column(c) and c.lower() not in text_columns]
    if not items:
        return [Problem("error", "no item columns found; expected one numeric column per questionnaire item")]
    values, problems = numeric_problems(frame, items, what="a numeric answer")
    for col, v in values.items():
        if scale is not None:
            out = (v < scale[0]) | (v > scale[1])
            if out.any():
                positions = [i for i, b in enumerate(out.to_numpy()) if b]
                problems.append(Problem("error", f"{int(out.sum())} answer(s) outside the scale {scale[0]:g}-{scale[1]:g} "
                                                 f"on {lines_of(positions)} (e.g. {v[out].iloc[0]:g})", col))
        if v.notna().sum() > 1 and v.nunique() == 1:
            problems.append(Problem("error", f"constant: every answer is {v.dropna().iloc[0]:g}; an item that does "
                                             f"not vary carries no information (drop it)", col))
    import pandas as pd

    missing = pd.DataFrame(values).isna()
    all_missing = missing.all(axis=1)
    if all_missing.any():
        positions = [i for i, b in enumerate(all_missing.to_numpy()) if b]
        problems.append(Problem("error", f"{int(all_missing.sum())} row(s) with no answer at all on {lines_of(positions)}"))
    partial = missing.any(axis=1) & ~all_missing
    if partial.any():
        problems.append(Problem("warning", f"{int(partial.sum())} row(s) with some missing answers "
                                           f"({int(missing.to_numpy().sum())} cells); estimation drops them "
                                           f"(missing='listwise') or fills item means (missing='mean')"))
    return problems


def check_transactions(frame: Any, *, customer: str = "customer_id", date: str = "date",
                       amount: str = "dollar_value") -> list[Problem]:
    """Transactions: a customer id, a parseable date and a numeric amount on every row.

    One implementation with ``segment.read_transactions`` (``crm_analysis.segment.reader``): empty
    or mixed-type ids, unparseable dates, non-numeric amounts (errors), missing and negative
    amounts (warnings: the reader lets the user drop or keep them).
    """
    from .segment.reader import transaction_problems  # imported here: segment imports this module

    return transaction_problems(frame, customer=customer, date=date, amount=amount, from_file=True)


def check_assessment(frame: Any, *, firm: str = "firm", instrument: Any = None) -> list[Problem]:
    """Maturity assessments, checked against the instrument by :func:`crm_analysis.maturity.check_assessments`."""
    from .maturity import check_assessments

    if firm != "firm":
        if firm not in frame.columns:
            return [Problem("error", f"missing column {firm!r}; the file has {', '.join(map(repr, frame.columns))}")]
        frame = frame.rename(columns={firm: "firm"})
    return [Problem("error", m) for m in check_assessments(frame, instrument, source="")]


CHECKS: dict[str, Callable[..., list[Problem]]] = {
    "survey": check_survey,
    "transactions": check_transactions,
    "assessment": check_assessment,
}


def validate_file(path: str | Path, kind: str, *, encoding: str | None = None, **options: Any) -> list[Problem]:
    """Every problem found in ``path`` read as ``kind`` (``survey``, ``transactions``, ``assessment``).

    Examples
    --------
    >>> problems = validate_file("data/cdnow_master.txt", "transactions")  # doctest: +SKIP
    >>> [str(p) for p in problems if p.severity == "error"]  # doctest: +SKIP
    []
    """
    if kind not in CHECKS:
        raise InputError(f"kind={kind!r}: expected one of {', '.join(KINDS)}")
    frame, problems = read_table(path, encoding=encoding)
    if frame is None or frame.empty:
        return problems
    return problems + CHECKS[kind](frame, **options)
