"""Assessment files: checking, reading and scoring them.

See the package docstring (:mod:`crm_analysis.maturity`) for the file format.
"""
from __future__ import annotations

import difflib
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from .instrument import Instrument, load_instrument

ID_COLUMNS = ("firm", "rater")
FIRM_PREFIXES = ("expert_", "outcome_", "true_")
EXPERT_COLUMNS = {"expert_level": "three_level", "expert_rung": "five_level"}
_MAX_LISTED = 12  # problems of one kind listed one by one before they are summarised


def _is_firm_column(col: str) -> bool:
    return col.startswith(FIRM_PREFIXES)


def _load_frame(data: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, str, bool]:
    """Return (frame, name for messages, from_file)."""
    if isinstance(data, pd.DataFrame):
        return data.copy(), "assessments", False
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise InputError(f"assessment file {str(path)!r} not found")
        # the project's reader (CSV in any common encoding and separator, decimal commas, Excel,
        # SPSS, Stata: crm_analysis.readers), then pandas' usual typing of the text cells
        import io

        from crm_analysis.validation import read_table

        text_frame, problems = read_table(path)
        errors = [p.message for p in problems if p.severity == "error"]
        if text_frame is None or errors:
            raise InputError("; ".join(errors) or f"{path}: cannot be read")
        buffer = io.StringIO()
        text_frame.to_csv(buffer, index=False)
        buffer.seek(0)
        frame = pd.read_csv(buffer, dtype={"firm": str, "rater": str}, skipinitialspace=True, index_col=False)
        return frame, str(path), True
    raise ParameterError(f"assessments: expected a DataFrame or a CSV path, got {type(data).__name__}")


def _row_label(frame: pd.DataFrame, pos: int, from_file: bool) -> str:
    line = frame.index[pos] if frame.index.name == "line" else pos + 2  # real line numbers after blank lines
    where = f"line {line}" if from_file else f"row {frame.index[pos]!r}"
    firm = _as_id(frame["firm"].iloc[pos]) if "firm" in frame.columns else None
    rater = _as_id(frame["rater"].iloc[pos]) if "rater" in frame.columns else None
    bits = []
    if isinstance(firm, str) and firm:
        bits.append(f"firm {firm}")
    if isinstance(rater, str) and rater:
        bits.append(f"rater {rater}")
    return f"{where} ({', '.join(bits)})" if bits else where


def _limited(problems: list[str], header: str | None = None) -> list[str]:
    if len(problems) <= _MAX_LISTED:
        return problems
    return problems[:_MAX_LISTED] + [f"... and {len(problems) - _MAX_LISTED} more {header or 'problems of this kind'}"]


def _as_id(value: Any) -> str | None:
    """Firm and rater ids are text; numbers read from a DataFrame are converted, 3.0 -> '3'."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _problems(frame: pd.DataFrame, name: str, from_file: bool, inst: Instrument) -> list[str]:
    problems: list[str] = []
    cols = [str(c) for c in frame.columns]
    frame.columns = cols
    if frame.empty:
        return [f"{name}: no rows"]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        problems.append(f"{name}: duplicate column(s) {', '.join(dup)}")
    if "firm" not in cols:
        problems.append(f"{name}: no 'firm' column (one row per firm and rater; columns firm, rater, item ids)")
        return problems

    known = set(inst.items) | set(inst.criteria)
    unknown = [c for c in cols if c not in known and c not in ID_COLUMNS and not _is_firm_column(c)]
    splits = inst.splits
    for c in [c for c in unknown if c in splits]:
        new = splits[c]
        problems.append(f"{name}: column {c!r} is an item of an earlier version of the instrument that asked "
                        f"{ {2: 'two', 3: 'three'}.get(len(new), len(new))} things at once; it was split into "
                        f"{', '.join(new)} (one question each). Its answers cannot be carried over to the new items "
                        f"(a rater who agreed with one part only had no right answer): collect answers to "
                        f"{', '.join(new)} instead of {c}, or analyse the file with the instrument it was made "
                        f"with (version 1.0 ships with the package: instrument=\"1.0\", in a report -p instrument 1.0)")
    for c in [c for c in unknown if c not in splits]:
        close = difflib.get_close_matches(c, sorted(known), n=1)
        problems.append(f"{name}: column {c!r} is not an item id of the instrument"
                        + (f" (did you mean {close[0]!r}?)" if close else "")
                        + "; firm-level columns must start with expert_, outcome_ or true_")
    missing_items = [i for i in inst.items if i not in cols]
    if missing_items:
        problems.append(f"{name}: missing Likert item column(s) {', '.join(missing_items)} (every item of the "
                        "instrument needs a column; leave cells empty for missing answers)")
    present_crit = [c for c in inst.criteria if c in cols]
    if present_crit and len(present_crit) < len(inst.criteria):
        problems.append(f"{name}: ladder criteria columns are incomplete; missing "
                        f"{', '.join(c for c in inst.criteria if c not in cols)} (give all of them or none)")

    ids = frame["firm"].map(_as_id)
    bad_firm = [_row_label(frame, k, from_file) for k in np.flatnonzero(ids.isna().to_numpy())]
    problems += _limited([f"{name}: {r}: empty firm id" for r in bad_firm], "rows with an empty firm id")
    if "rater" in cols:
        rid = frame["rater"].map(_as_id)
        bad = [_row_label(frame, k, from_file) for k in np.flatnonzero((rid.isna() & ids.notna()).to_numpy())]
        problems += _limited([f"{name}: {r}: empty rater id" for r in bad], "rows with an empty rater id")
        pairs = pd.DataFrame({"firm": ids, "rater": rid}).dropna()
        dups = pairs[pairs.duplicated(keep=False)].drop_duplicates()
        problems += _limited([f"{name}: firm {f}, rater {r} appears on more than one row"
                              for f, r in dups.itertuples(index=False)], "duplicated firm/rater pairs")

    # Answers: numbers on the item's scale (Likert: integers min..max; criteria: 0 or 1).
    value_problems: list[str] = []
    answered = pd.DataFrame(index=frame.index)
    for col in [c for c in cols if c in known]:
        item = inst.items.get(col) or inst.criteria[col]
        raw = frame[col]
        num = pd.to_numeric(raw, errors="coerce")
        blank = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "NaN", "NA"])
        not_number = num.isna() & ~blank
        lo, hi = item.scale
        out = num.notna() & ((num < lo) | (num > hi) | (num != np.round(num)))
        for k in np.flatnonzero(not_number.to_numpy()):
            value_problems.append(f"{name}: {_row_label(frame, k, from_file)}, item {col}: {raw.iloc[k]!r} is not a "
                                  f"number (expected an integer {lo}..{hi} or an empty cell)")
        for k in np.flatnonzero(out.to_numpy()):
            v = num.iloc[k]
            what = f"is not a whole number on the scale {lo}..{hi}" if lo <= v <= hi else f"is outside the scale {lo}..{hi}"
            value_problems.append(f"{name}: {_row_label(frame, k, from_file)}, item {col}: answer {v:g} {what}")
        answered[col] = num.notna() & ~out
    problems += _limited(value_problems, "answers off the scale")

    # Firms with no answers at all, or none to the Likert items.
    if len(answered.columns):
        firm_any = answered.groupby(ids.to_numpy()).any()
        likert_cols = [c for c in inst.items if c in answered.columns]
        for firm, row in firm_any.iterrows():
            if not row.any():
                problems.append(f"{name}: firm {firm} has no answers (every item is empty on its "
                                f"{int((ids == firm).sum())} row(s))")
            elif likert_cols and not row[likert_cols].any():
                problems.append(f"{name}: firm {firm} has no answers to the Likert items (only ladder criteria)")

    # Firm-level columns must hold one value per firm.
    for col in [c for c in cols if _is_firm_column(c)]:
        values = frame[col]
        if col in EXPERT_COLUMNS:
            n_levels = 3 if col == "expert_level" else len(inst.ladder)
            lowest = 1 if col == "expert_level" else 0
            num = pd.to_numeric(values, errors="coerce")
            bad = (values.notna() & (num.isna() | (num < lowest) | (num > n_levels) | (num != np.round(num))))
            problems += _limited([f"{name}: {_row_label(frame, k, from_file)}, {col}: {values.iloc[k]!r} is not a "
                                  f"grade (expected an integer {lowest}..{n_levels})"
                                  for k in np.flatnonzero(bad.to_numpy())], f"bad {col} values")
        per_firm = pd.DataFrame({"firm": ids, "v": values}).dropna().groupby("firm")["v"].nunique()
        for firm in per_firm.index[per_firm > 1]:
            problems.append(f"{name}: column {col} has different values on the rows of firm {firm}; a firm-level "
                            "column needs one value per firm")
    return problems


def check_assessments(data: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None, *,
                      source: str | None = None) -> list[str]:
    """List every problem in an assessment file or DataFrame (an empty list means it is usable).

    Each message names the file, line (or DataFrame row), firm, rater and item concerned:
    answers outside the item's scale or not numbers, columns that are not item ids of the
    instrument, missing item columns, empty firm ids, duplicated firm/rater rows, firms with no
    answers, expert grades off the scale, firm-level columns that vary within a firm.

    Parameters
    ----------
    data : DataFrame or path of a CSV file in the assessment format (see :mod:`crm_analysis.maturity`).
    instrument : the instrument (default: the packaged one).
    source : when ``data`` is a DataFrame read from a file (e.g. all cells as text, as
        ``crm-analysis validate`` reads them), the file name to quote; rows are then named by
        their line in the file (line 1 = header) instead of their index label. ``""`` drops
        the name prefix.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_analysis import maturity
    >>> df = maturity.simulate(3, n_raters=1, seed=1)
    >>> df.loc[0, "SAT1"] = 7
    >>> maturity.check_assessments(df)[0]
    'assessments: row 0 (firm F001, rater R1), item SAT1: answer 7 is outside the scale 1..5'
    """
    inst = load_instrument(instrument)
    try:
        frame, name, from_file = _load_frame(data)
    except InputError as exc:
        return [str(exc)]
    if source is not None and isinstance(data, pd.DataFrame):
        if frame.index.name != "line":
            frame = frame.reset_index(drop=True)
        problems = _problems(frame, source or "\x00", True, inst)
        return [p.removeprefix("\x00: ") for p in problems]
    return _problems(frame, name, from_file, inst)


def read_assessments(data: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None
                     ) -> pd.DataFrame:
    """Read and check assessments; return a clean copy (ids as text, answers as floats).

    Raises :class:`~crm_analysis.errors.InputError` listing every problem found by
    :func:`check_assessments`. Without a ``rater`` column each row of a firm is a separate
    rater (``R1``, ``R2``, ... in file order).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> df = maturity.read_assessments(maturity.simulate(4, n_raters=2, seed=3))
    >>> df[["firm", "rater"]].head(3).values.tolist()
    [['F001', 'R1'], ['F001', 'R2'], ['F002', 'R1']]
    """
    inst = load_instrument(instrument)
    frame, name, from_file = _load_frame(data)
    problems = _problems(frame, name, from_file, inst)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the assessments:\n  - " + "\n  - ".join(problems))
    out = frame.copy()
    out["firm"] = out["firm"].map(_as_id)
    if "rater" in out.columns:
        out["rater"] = out["rater"].map(_as_id)
    else:
        out["rater"] = "R" + (out.groupby("firm").cumcount() + 1).astype(str)
    for col in [c for c in out.columns if c in inst.items or c in inst.criteria or c in EXPERT_COLUMNS]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    first = ["firm", "rater"]
    order = first + [c for c in out.columns if c not in first]
    return out[order].reset_index(drop=True)


def _is_responses(data: Any, inst: Instrument) -> bool:
    return isinstance(data, (str, Path)) or (isinstance(data, pd.DataFrame) and any(
        str(c) in inst.items or str(c) in inst.criteria for c in data.columns))


def reverse_coded(responses: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Likert answers with reverse-coded items flipped (``x -> min + max - x``); a copy.

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_analysis import maturity
    >>> maturity.reverse_coded(pd.DataFrame({"SAT1": [2], "SAT4": [2]})).iloc[0].tolist()
    [2, 4]
    """
    inst = load_instrument(instrument)
    out = responses.copy()
    lo, hi = inst.scale
    for item in inst.items.values():
        if item.reverse and item.id in out.columns:
            out[item.id] = lo + hi - out[item.id]
    return out


def _min_needed(n_items: int, min_answered: float) -> int:
    return max(1, math.ceil(min_answered * n_items - 1e-9))


def score(responses: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None, *,
          level: str = "firm", min_answered: float = 0.5) -> pd.DataFrame:
    """Dimension scores per firm (or per firm and rater) on the instrument's scale.

    Missing-answer rule: reverse-coded items are flipped first; a rater's score on a
    dimension is the mean of the items they answered, provided they answered at least
    ``ceil(min_answered * n_items)`` of that dimension's items (at least one), else it is
    missing for that rater. A firm's score is the mean of its raters' scores (raters without a
    score on that dimension are left out). A firm left with no score on a dimension gets a
    missing value and a warning naming firm and dimension.

    Parameters
    ----------
    responses : assessments (DataFrame or CSV path) in the assessment format.
    instrument : the instrument (default: the packaged one).
    level : ``"firm"`` (index ``firm``, plus ``n_raters``) or ``"rater"`` (index ``firm, rater``).
    min_answered : share of a dimension's items a rater must answer, in (0, 1].

    Returns
    -------
    DataFrame with one column per dimension.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> s = maturity.score(maturity.simulate(5, n_raters=2, seed=0))
    >>> list(s.columns)
    ['satisfaction', 'loyalty', 'engagement', 'service', 'image', 'n_raters']
    """
    if level not in {"firm", "rater"}:
        raise ParameterError(f"level={level!r}: expected 'firm' or 'rater'")
    if not isinstance(min_answered, (int, float)) or not 0 < min_answered <= 1:
        raise ParameterError(f"min_answered={min_answered!r}: expected a share in (0, 1]")
    inst = load_instrument(instrument)
    data = read_assessments(responses, inst)
    rev = reverse_coded(data, inst)
    per_rater = pd.DataFrame({"firm": data["firm"], "rater": data["rater"]})
    short: list[str] = []
    for dim in inst.dimensions:
        block = rev[list(dim.items)]
        n_ans = block.notna().sum(axis=1)
        need = _min_needed(len(dim.items), min_answered)
        per_rater[dim.id] = block.mean(axis=1).where(n_ans >= need)
        for k in np.flatnonzero(((n_ans < need) & (n_ans > 0)).to_numpy()):
            short.append(f"firm {data['firm'].iloc[k]}, rater {data['rater'].iloc[k]}, {dim.id} "
                         f"({int(n_ans.iloc[k])} of {len(dim.items)} items answered, {need} needed)")
    if short:
        warnings.warn(f"{len(short)} rater score(s) left missing for too few answers: " + "; ".join(short[:8])
                      + (" ..." if len(short) > 8 else ""), stacklevel=2)
    per_rater = per_rater.set_index(["firm", "rater"])
    if level == "rater":
        return per_rater
    firm = per_rater.groupby(level="firm", sort=False).mean()
    firm["n_raters"] = per_rater.groupby(level="firm", sort=False).size()
    empty = firm[inst.dimension_ids].isna()
    gaps = [f"firm {f}: {d}" for f, row in empty.iterrows() for d in row.index[row]]
    if gaps:
        warnings.warn("no score (no rater answered enough items) for " + "; ".join(gaps[:10])
                      + (" ..." if len(gaps) > 10 else "") + "; these firms cannot be graded on the three-level scheme",
                      stacklevel=2)
    firm.index.name = "firm"
    return firm
