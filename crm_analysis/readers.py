"""The files consultants receive: delimited text in any common encoding, Excel, SPSS, Stata.

One place decides how a data file becomes a table of text cells (the per-kind checks then say
which cells are not numbers, dates, ids):

* CSV/TSV/TXT: UTF-8 with or without a byte-order mark, UTF-16 (with a BOM, or without one
  when every other byte is NUL), GB18030 (a superset of GBK and GB 2312: what Chinese Excel and
  WPS save) detected when the file is not UTF-8; ``,`` ``;`` tab ``|`` or whitespace separated;
  decimal commas (``3,5``, also ``1.234,5``) detected in ``;``/tab separated files or declared.
* ``.xlsx``/``.xlsm`` (openpyxl): a sheet by name or number, a header on any row.
* ``.sav``/``.zsav`` (SPSS) and ``.dta`` (Stata), read with pyreadstat: the variable labels (the
  questions' wording) are kept in ``frame.attrs["labels"]`` and the value labels
  (``{1: "very dissatisfied", …}``) in ``frame.attrs["value_labels"]``; cells stay the codes.

Everything may be declared instead of detected (:class:`ReadOptions`; on the command line
``--encoding --sep --decimal --sheet --header-row``; a pipeline run passes the command's options
to the notebook's readers through ``CRM_ANALYSIS_READ_OPTIONS``).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import ParameterError

READ_OPTIONS_ENV = "CRM_ANALYSIS_READ_OPTIONS"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")
STATA_SUFFIXES = (".dta",)
SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|", "space": None, "whitespace": None}
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?\s*$")
_HAS_COMMA_DECIMAL = re.compile(r"^\s*[+-]?\d[\d.]*,\d+\s*$")
_DOT_DECIMAL = re.compile(r"^\s*[+-]?\d+\.\d+\s*$")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a data file; ``None`` means detect.

    encoding : a Python codec name (``utf-8``, ``gb18030``, ``gbk``, ``utf-16``, ``cp1252``…).
    sep : ``,`` ``;`` ``tab`` ``|`` or ``space`` (runs of whitespace).
    decimal : ``.`` or ``,``.
    sheet : an Excel sheet's name, or its number counted from 1.
    header_row : the row holding the column names, counted from 1 as Excel and editors show it.
    """

    encoding: str | None = None
    sep: str | None = None
    decimal: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None

    def __post_init__(self) -> None:
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ParameterError(f"encoding={self.encoding!r}: unknown encoding; expected e.g. utf-8, "
                                     "gb18030, gbk, utf-16, cp1252") from None
        if self.sep is not None and self.sep not in SEPARATORS:
            raise ParameterError(f"sep={self.sep!r}: expected one of , ; tab | space")
        if self.decimal not in (None, ".", ","):
            raise ParameterError(f"decimal={self.decimal!r}: expected '.' or ','")
        if self.header_row is not None and (isinstance(self.header_row, bool) or not isinstance(self.header_row, int)
                                            or self.header_row < 1):
            raise ParameterError(f"header_row={self.header_row!r}: expected the header's row number, counted from 1")
        if isinstance(self.sheet, int) and (isinstance(self.sheet, bool) or self.sheet < 1):
            raise ParameterError(f"sheet={self.sheet!r}: expected a sheet name or its number counted from 1")

    @property
    def separator(self) -> str | None:
        """The separator character (``None``: whitespace); only meaningful when ``sep`` is set."""
        return SEPARATORS[self.sep] if self.sep is not None else None

    def merged(self, **given: Any) -> "ReadOptions":
        """These options with every non-``None`` value of ``given`` taking precedence."""
        values = asdict(self)
        values.update({k: v for k, v in given.items() if v is not None})
        return ReadOptions(**values)

    def to_dict(self) -> dict[str, Any]:
        """The declared options only."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def options_from_env() -> ReadOptions:
    """The reading options a pipeline run passed to the kernel (empty outside a run)."""
    text = os.environ.get(READ_OPTIONS_ENV)
    if not text:
        return ReadOptions()
    try:
        return ReadOptions(**json.loads(text))
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{READ_OPTIONS_ENV}={text!r}: not valid reading options ({exc})") from None


def resolve_options(encoding: str | None = None, sep: str | None = None, decimal: str | None = None,
                    sheet: str | int | None = None, header_row: int | None = None) -> ReadOptions:
    """Explicit arguments, else what the pipeline run declared, else detect."""
    return options_from_env().merged(encoding=encoding, sep=sep, decimal=decimal, sheet=sheet, header_row=header_row)


def parse_sheet(value: str | int | None) -> str | int | None:
    """``--sheet 2`` is the second sheet; any other text is a sheet name."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value.strip().isdigit() else value


# --------------------------------------------------------------------------------------------
# text: encodings
# --------------------------------------------------------------------------------------------
def _looks_utf16(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` for BOM-less UTF-16 of mostly ASCII text (every other byte NUL)."""
    head = raw[:4000]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str | None, str | None, str | None]:
    """``(text, encoding used, error message)``: the declared encoding, else detected."""
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return None, None, f"{path}: cannot be read as {encoding} (first bad byte on line {line}: {exc.reason})"
        return text.removeprefix("\ufeff"), encoding, None
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = _looks_utf16(raw)
    if encoding:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), encoding, None
        except UnicodeDecodeError as exc:
            return None, None, f"{path}: starts like {encoding} but is not valid {encoding} ({exc.reason}); pass --encoding"
    try:
        return raw.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        first_error = exc
    try:  # Chinese Excel/WPS exports: GB18030 (covers GBK and GB 2312)
        text = raw.decode("gb18030")
        if re.search(r"[\u4e00-\u9fff]", text):
            return text, "gb18030", None
    except UnicodeDecodeError:
        pass
    hint = ""
    for guess in ("gb18030", "cp1252"):
        try:
            raw.decode(guess)
            hint = f"; it reads as {guess} — re-save it as UTF-8 or pass --encoding {guess}"
            break
        except UnicodeDecodeError:
            continue
    return None, None, (f"{path}: not valid UTF-8 (first bad byte on line {line}: {first_error.reason}){hint}"
                        + ("" if hint else "; pass --encoding"))


def detect_separator(sample: str) -> str | None:
    """The separator of the first non-empty line (``None``: runs of whitespace)."""
    first = next((ln for ln in sample.splitlines() if ln.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0:
        return None
    # "a;b;c,d": several semicolons beat one comma in a (Chinese or European) header
    if counts[","] and counts[best] == counts[","]:
        return ","
    return best


def convert_decimal_commas(frame: Any, decimal: str | None, sep: str | None) -> tuple[Any, bool]:
    """Cells like ``3,5`` or ``1.234,5`` become ``3.5`` / ``1234.5`` when ``decimal == ","``, or
    when it is not declared, the file is not comma-separated and a column holds such numbers and
    no ``3.5``-style ones. Returns ``(frame, converted?)``."""
    if decimal == "." or (decimal is None and sep == ","):
        return frame, False
    import pandas as pd

    converted = False
    out = frame.copy()
    for col in out.columns:
        cells = out[col].astype("string")
        if decimal is None:
            if not cells.str.fullmatch(_HAS_COMMA_DECIMAL.pattern).fillna(False).any():
                continue
            if cells.str.fullmatch(_DOT_DECIMAL.pattern).fillna(False).any():
                continue
        mask = cells.str.fullmatch(_DECIMAL_COMMA.pattern).fillna(False)
        if decimal is None:
            mask &= cells.str.contains(",", regex=False).fillna(False) | ~cells.str.contains(".", regex=False).fillna(False)
        if mask.any():
            fixed = cells[mask].str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            out[col] = out[col].astype(object).where(~mask.to_numpy(), fixed.reindex(out.index))
            converted = True
    return (out if converted else frame), converted


# --------------------------------------------------------------------------------------------
# binary formats
# --------------------------------------------------------------------------------------------
def _as_text(frame: Any) -> Any:
    """Every cell as text (numbers without a spurious ``.0``), blanks as ``""``."""
    import pandas as pd

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, pd.Timestamp):
            return v.isoformat() if (v.hour or v.minute or v.second) else v.date().isoformat()
        return str(v).strip() if isinstance(v, str) else str(v)

    return frame.apply(lambda col: col.map(cell)).astype(object)


def _need(module: str, package: str, path: Path) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{path}: reading this file needs the '{package}' package "
                          f"(pip install {package}; it is a dependency of crm-analysis)") from None


def read_excel(path: Path, options: ReadOptions) -> tuple[Any, list[str]]:
    """An Excel sheet as text cells; ``(frame, error messages)``."""
    import pandas as pd

    _need("openpyxl", "openpyxl", path)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # a corrupt or password-protected workbook
        return None, [f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"]
    with book:
        names = book.sheet_names
        sheet = options.sheet if options.sheet is not None else names[0]
        if isinstance(sheet, int):
            if sheet > len(names):
                return None, [f"{path}: sheet {sheet} asked for, but the workbook has {len(names)} sheet(s): "
                              f"{', '.join(map(repr, names))}"]
            sheet = names[sheet - 1]
        elif sheet not in names:
            return None, [f"{path}: no sheet named {sheet!r}; the workbook has {', '.join(map(repr, names))}"]
        header = (options.header_row or 1) - 1
        frame = pd.read_excel(book, sheet_name=sheet, header=header, dtype=object)
    frame = frame.dropna(axis=1, how="all").dropna(axis=0, how="all")
    unnamed = [str(c) for c in frame.columns if str(c).startswith("Unnamed:")]
    if len(unnamed) == len(frame.columns) and len(frame.columns):
        return None, [f"{path}: sheet {sheet!r} row {header + 1} holds no column names; pass --header-row"]
    frame = _as_text(frame)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs.update(sheet=sheet, header_row=header + 1)
    return frame.reset_index(drop=True), []


def read_labelled(path: Path, options: ReadOptions) -> tuple[Any, list[str]]:
    """An SPSS or Stata file: codes as text cells, variable and value labels in ``attrs``."""
    pyreadstat = _need("pyreadstat", "pyreadstat", path)
    reader = pyreadstat.read_dta if path.suffix.lower() in STATA_SUFFIXES else pyreadstat.read_sav
    kwargs = {"encoding": options.encoding} if options.encoding else {}
    try:
        frame, meta = reader(str(path), **kwargs)
    except Exception as exc:  # pyreadstat.ReadstatError and friends: name the file
        kind = "Stata" if path.suffix.lower() in STATA_SUFFIXES else "SPSS"
        return None, [f"{path}: cannot be read as a {kind} file ({type(exc).__name__}: {exc})"]
    labels = {str(k): str(v) for k, v in zip(meta.column_names, meta.column_labels or []) if v}
    value_labels: dict[str, dict[Any, str]] = {}
    for column, set_name in (meta.variable_to_label or {}).items():
        value_labels[str(column)] = {(int(k) if isinstance(k, float) and k.is_integer() else k): str(v)
                                     for k, v in meta.value_labels.get(set_name, {}).items()}
    frame = _as_text(frame)
    frame.columns = [str(c) for c in frame.columns]
    frame.attrs.update(labels=labels, value_labels=value_labels)
    return frame, []


def is_binary_table(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES + SPSS_SUFFIXES + STATA_SUFFIXES
