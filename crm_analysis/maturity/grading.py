"""Grading firms: the three-level scheme (source 000) and the five-level ladder (source 002)."""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from ..i18n import check_lang
from .assessments import _is_responses, read_assessments, score
from .instrument import Instrument, Text, load_instrument

SCHEMES = ("three_level", "five_level")
RULES = ("all", "mean")
# Default three-level thresholds as shares of the scale range: on a 1-5 scale 3.4 and 4.2, the
# conventional equal-interval reading of a five-point scale (intervals of 0.8: 3.41-4.20 "high",
# 4.21-5.00 "very high"), i.e. the sources' "fairly high" and "very high".
THREE_LEVEL_SHARES = (0.6, 0.8)
# Default five-level threshold: share of a rung's criteria that must be in place.
FIVE_LEVEL_SHARE = 2 / 3
BELOW_LADDER = Text("Below rung 1 (basic management not in place)", "未达基础级管理")
BAND_NAMES = {0: Text("low", "较低"), 1: Text("fairly high", "较高"), 2: Text("very high", "很高")}


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme={scheme!r}: expected 'three_level' or 'five_level'")
    return scheme


def _check_rule(rule: str) -> str:
    if rule not in RULES:
        raise ParameterError(f"rule={rule!r}: expected 'all' (the sources: all five dimensions) or 'mean'")
    return rule


def default_thresholds(scheme: str = "three_level", instrument: Instrument | str | Path | None = None
                       ) -> tuple[float, ...]:
    """The default thresholds of a scheme.

    Three-level: ``(intermediate, advanced)`` on the Likert scale, 60 % and 80 % of the way
    from its minimum to its maximum (3.4 and 4.2 on 1-5). Five-level: for each rung, the share
    of its criteria that must be in place (2/3: two of three criteria, three of four, four of six).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.default_thresholds("three_level")
    (3.4, 4.2)
    """
    inst = load_instrument(instrument)
    if _check_scheme(scheme) == "three_level":
        lo, hi = inst.scale
        return tuple(round(lo + s * (hi - lo), 10) for s in THREE_LEVEL_SHARES)
    return tuple(FIVE_LEVEL_SHARE for _ in inst.ladder)


def check_thresholds(thresholds: Any, scheme: str = "three_level",
                     instrument: Instrument | str | Path | None = None) -> tuple[float, ...]:
    """Validate thresholds and return them as a tuple of floats (``None`` gives the defaults).

    Three-level: two numbers ``(intermediate, advanced)`` inside the Likert scale and strictly
    increasing; also accepted as ``"3.4,4.2"`` or ``{"intermediate": 3.4, "advanced": 4.2}``.
    Five-level: one share in (0, 1] for every rung, or a single share used for all rungs.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.check_thresholds("3.2, 4.0")
    (3.2, 4.0)
    >>> maturity.check_thresholds([4.0, 3.2])
    Traceback (most recent call last):
    ...
    crm_analysis.errors.ParameterError: thresholds: not increasing: advanced (3.2) must be greater than intermediate (4)
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    if thresholds is None or (isinstance(thresholds, str) and not thresholds.strip()):
        return default_thresholds(scheme, inst)
    names = [lv.id for lv in inst.levels[1:]] if scheme == "three_level" else [f"rung {r.level}" for r in inst.ladder]
    if isinstance(thresholds, dict):
        if scheme == "five_level":
            keys = {str(k): v for k, v in thresholds.items()}
            names_plain = [str(r.level) for r in inst.ladder]
            unknown = [k for k in keys if k not in names_plain]
            if unknown:
                raise ParameterError(f"thresholds: unknown rung(s) {', '.join(unknown)}; rungs: {', '.join(names_plain)}")
            values: list[Any] = [keys.get(k, FIVE_LEVEL_SHARE) for k in names_plain]
        else:
            unknown = [k for k in thresholds if k not in names]
            missing = [k for k in names if k not in thresholds]
            if unknown or missing:
                raise ParameterError(f"thresholds: expected the keys {', '.join(names)}; "
                                     + (f"unknown {', '.join(map(str, unknown))}; " if unknown else "")
                                     + (f"missing {', '.join(missing)}" if missing else ""))
            values = [thresholds[k] for k in names]
    elif isinstance(thresholds, str):
        values = [v for v in thresholds.replace(";", ",").split(",") if v.strip()]
    elif isinstance(thresholds, (int, float)) and not isinstance(thresholds, bool):
        values = [thresholds]
    elif isinstance(thresholds, (list, tuple, np.ndarray, pd.Series)):
        values = list(thresholds)
    else:
        raise ParameterError(f"thresholds: expected a list of numbers, got {type(thresholds).__name__} {thresholds!r}")
    out = []
    for k, v in enumerate(values):
        try:
            number = float(str(v).strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            raise ParameterError(f"thresholds[{k}]: {v!r} is not a number") from None
        if isinstance(v, bool) or not math.isfinite(number):
            raise ParameterError(f"thresholds[{k}]: {v!r} is not a finite number")
        out.append(number)
    if scheme == "five_level":
        if len(out) == 1:
            out = out * len(inst.ladder)
        if len(out) != len(inst.ladder):
            raise ParameterError(f"thresholds: the five-level scheme needs one share per rung ({len(inst.ladder)}) "
                                 f"or a single share for all rungs; got {len(out)}")
        for name, v in zip(names, out):
            if not 0 < v <= 1:
                raise ParameterError(f"thresholds: {name}: {v:g} is not a share in (0, 1] of the rung's criteria "
                                     "that must be in place")
        return tuple(out)
    if len(out) != 2:
        raise ParameterError(f"thresholds: the three-level scheme needs two thresholds (intermediate, advanced) "
                             f"on the {inst.scale[0]}-{inst.scale[1]} scale; got {len(out)}: {out}")
    lo, hi = inst.scale
    for name, v in zip(names, out):
        if not lo < v <= hi:
            raise ParameterError(f"thresholds: {name} ({v:g}) is outside the scale; expected a value in "
                                 f"({lo}, {hi}]")
    if not out[0] < out[1]:
        raise ParameterError(f"thresholds: not increasing: {names[1]} ({out[1]:g}) must be greater than "
                             f"{names[0]} ({out[0]:g})")
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Vectorised cores (also used by the bootstrap and the sensitivity grid)

def _bands(scores: np.ndarray, t: Sequence[float]) -> np.ndarray:
    """0 = low (< t1), 1 = fairly high (t1 <= s < t2), 2 = very high (>= t2); NaN stays NaN."""
    bands = (scores >= t[0]).astype(float) + (scores >= t[1]).astype(float)
    return np.where(np.isnan(scores), np.nan, bands)


def _three_level(scores: np.ndarray, t: Sequence[float], rule: str = "all") -> np.ndarray:
    """Levels 1-3 (float, NaN when a dimension score is missing) for a firms x dimensions array."""
    if rule == "all":
        bands = _bands(scores, t)
        # the sources: advanced = all five very high, intermediate = all five at least fairly
        # high; any low dimension keeps the firm primary (the weakest dimension decides).
        worst = np.min(np.where(np.isnan(bands), -1, bands), axis=-1)
        return np.where(worst < 0, np.nan, worst + 1)
    mean = np.mean(scores, axis=-1)  # NaN propagates: no grade without all dimensions
    return _bands(mean, t) + 1


def _five_level(rung_share: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """Cumulative rung (0..K) for a firms x rungs array of criteria shares in place."""
    met = rung_share >= np.asarray(shares) - 1e-12
    return np.cumprod(met, axis=-1).sum(axis=-1).astype(float)


def _criteria_in_place(data: pd.DataFrame, inst: Instrument, criterion_share: float) -> pd.DataFrame:
    """Firm x criterion 0/1: in place when at least ``criterion_share`` of the firm's raters say so."""
    crit = list(inst.criteria)
    share = data.groupby("firm", sort=False)[crit].mean()
    unanswered = share.isna()
    if unanswered.to_numpy().any():
        gaps = [f"firm {f}: {c}" for f, row in unanswered.iterrows() for c in row.index[row]]
        warnings.warn(f"{len(gaps)} ladder criterion/criteria not answered by any rater, counted as not in place: "
                      + "; ".join(gaps[:8]) + (" ..." if len(gaps) > 8 else ""), stacklevel=3)
    return (share >= criterion_share - 1e-12).astype(float)


def _in_place(responses: Any, inst: Instrument, criterion_share: float) -> pd.DataFrame:
    if not isinstance(criterion_share, (int, float)) or not 0 < criterion_share <= 1:
        raise ParameterError(f"criterion_share={criterion_share!r}: expected a share in (0, 1]")
    data = read_assessments(responses, inst)
    if not all(c in data.columns for c in inst.criteria):
        raise InputError("the five-level ladder needs the ladder criteria columns "
                         f"({', '.join(inst.criteria)}); the assessments have none")
    return _criteria_in_place(data, inst, criterion_share)


def _shares_of(in_place: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    out = pd.DataFrame({f"rung_{r.level}": in_place[list(r.criteria)].mean(axis=1) for r in inst.ladder})
    out.index.name = "firm"
    return out


def rung_shares(responses: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None, *,
                criterion_share: float = 0.5) -> pd.DataFrame:
    """Share of each rung's criteria in place, per firm (columns ``rung_1`` ... ``rung_K``).

    A criterion is in place at a firm when at least ``criterion_share`` of the raters who
    answered it say so (default: half; a criterion nobody answered counts as not in place).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.rung_shares(maturity.simulate(3, seed=2)).shape
    (3, 5)
    """
    inst = load_instrument(instrument)
    return _shares_of(_in_place(responses, inst, criterion_share), inst)


def rung_matrix(responses: pd.DataFrame | str | Path, thresholds: Any = None,
                instrument: Instrument | str | Path | None = None, *, criterion_share: float = 0.5) -> pd.DataFrame:
    """Firm x rung 0/1 matrix: is each rung's criterion met, taken alone (not cumulatively)?

    This is the input of :func:`~crm_analysis.maturity.guttman` to test whether the ladder is
    cumulative.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> m = maturity.rung_matrix(maturity.simulate(20, seed=2))
    >>> list(m.columns)
    ['rung_1', 'rung_2', 'rung_3', 'rung_4', 'rung_5']
    """
    inst = load_instrument(instrument)
    shares = check_thresholds(thresholds, "five_level", inst)
    rs = rung_shares(responses, inst, criterion_share=criterion_share)
    return (rs >= np.asarray(shares) - 1e-12).astype(int)


def level_table(scheme: str = "three_level", instrument: Instrument | str | Path | None = None) -> pd.DataFrame:
    """The levels of a scheme: ``level``, ``level_id``, ``name_en``, ``name_zh`` (rung 0 included for the ladder).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.level_table()["name_zh"].tolist()
    ['初级', '中级', '高级']
    """
    inst = load_instrument(instrument)
    levels = inst.scheme_levels(_check_scheme(scheme))
    rows = [{"level": lv.level, "level_id": lv.id, "name_en": lv.name.en, "name_zh": lv.name.zh} for lv in levels]
    if scheme == "five_level":
        rows.insert(0, {"level": 0, "level_id": "below_ladder", "name_en": BELOW_LADDER.en, "name_zh": BELOW_LADDER.zh})
    return pd.DataFrame(rows)


def level_name(level: Any, scheme: str = "three_level", lang: str = "en",
               instrument: Instrument | str | Path | None = None) -> str:
    """The name of a level in ``lang`` (an unknown or missing level gives 'not graded').

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.level_name(2, "five_level", "zh")
    '满意度管理'
    """
    check_lang(lang)
    table = level_table(scheme, instrument).set_index("level")
    if level is None or level is pd.NA or (isinstance(level, float) and math.isnan(level)) or int(level) not in table.index:
        return "not graded" if lang == "en" else "未评级"
    return str(table.loc[int(level), f"name_{lang}"])


def _attach_names(out: pd.DataFrame, scheme: str, inst: Instrument) -> pd.DataFrame:
    table = level_table(scheme, inst).set_index("level")
    lvl = out["level"]
    out["level_id"] = lvl.map(lambda v: table.loc[int(v), "level_id"] if pd.notna(v) else None)
    out["name_en"] = lvl.map(lambda v: table.loc[int(v), "name_en"] if pd.notna(v) else None)
    out["name_zh"] = lvl.map(lambda v: table.loc[int(v), "name_zh"] if pd.notna(v) else None)
    return out


def _scores_from(data: Any, inst: Instrument, min_answered: float) -> pd.DataFrame:
    if _is_responses(data, inst):
        return score(data, inst, min_answered=min_answered)
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data: expected assessments (DataFrame or CSV path) or dimension scores, got "
                             f"{type(data).__name__}")
    frame = data.copy()
    if "firm" in frame.columns:
        frame = frame.set_index("firm")
    dup = frame.index[frame.index.duplicated()].unique()
    if len(dup):
        raise InputError(f"data: firm(s) {', '.join(map(str, dup[:5]))} appear on more than one row of the dimension "
                         "scores; expected one row per firm (scores of several raters: pass the assessments instead)")
    missing = [d for d in inst.dimension_ids if d not in frame.columns]
    if missing:
        raise InputError(f"data: neither assessments (no item columns) nor dimension scores (missing dimension "
                         f"column(s) {', '.join(missing)})")
    lo, hi = inst.scale
    for d in inst.dimension_ids:
        values = pd.to_numeric(frame[d], errors="coerce")
        bad = frame.index[(values.isna() & frame[d].notna()) | (values < lo) | (values > hi)]
        if len(bad):
            raise InputError(f"data: dimension score {d} of firm {bad[0]} is {str(frame.loc[bad[0], d])!r}; expected a "
                             f"number on the {lo}-{hi} scale")
        frame[d] = values.astype(float)
    frame.index = frame.index.map(str)
    frame.index.name = "firm"
    return frame


def grade(data: pd.DataFrame | str | Path, scheme: str = "three_level", thresholds: Any = None, *,
          instrument: Instrument | str | Path | None = None, rule: str = "all", min_answered: float = 0.5,
          criterion_share: float = 0.5) -> pd.DataFrame:
    """Grade each firm on the three-level scheme or the five-level ladder.

    Three-level (source 000): each dimension score is *low* (below the first threshold),
    *fairly high* (from the first threshold) or *very high* (from the second). With
    ``rule="all"`` (default, the sources' wording) a firm is advanced when all five dimensions
    are very high, intermediate when all five are at least fairly high, and primary
    otherwise. A mixed profile therefore gets the grade of its weakest dimension: one low
    dimension keeps a firm primary whatever the others; the ``profile`` column says
    ``"mixed"`` and ``n_low``, ``n_high``, ``n_very_high`` show the profile.
    ``rule="mean"`` is the compensatory alternative: the mean of the five scores is banded
    with the same thresholds.

    Five-level (source 002): a rung is met when at least the threshold share of its criteria
    is in place (a criterion is in place when at least ``criterion_share`` of the raters say
    so); a firm is at rung k when it meets rungs 1..k (0 when rung 1 is not met). Rungs met
    above the firm's level are listed in ``rungs_met`` and flagged ``cumulative=False``.

    Parameters
    ----------
    data : raw assessments (DataFrame as :func:`simulate` returns, or a CSV path) or, for the
        three-level scheme, dimension scores (one row per firm, a ``firm`` column or index).
    scheme : ``"three_level"`` or ``"five_level"``.
    thresholds : see :func:`check_thresholds`; ``None`` uses :func:`default_thresholds`.
    instrument : the instrument (default: the packaged one).
    rule : three-level aggregation, ``"all"`` or ``"mean"``.
    min_answered : missing-answer rule of :func:`score`.
    criterion_share : share of raters needed for a ladder criterion to be in place.

    Returns
    -------
    DataFrame indexed by ``firm`` with ``level`` (nullable integer), ``level_id``, ``name_en``,
    ``name_zh``, ``scheme``, the dimension scores (when Likert answers are available),
    ``weakest`` (lowest-scoring dimension) and the scheme's detail columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_analysis import maturity
    >>> scores = pd.DataFrame({"firm": ["A", "B", "C"], "satisfaction": [2.0, 3.8, 4.5],
    ...     "loyalty": [2.5, 3.6, 4.4], "engagement": [2.2, 3.5, 4.3], "service": [2.8, 4.5, 4.6],
    ...     "image": [2.4, 3.9, 4.8]})
    >>> maturity.grade(scores)[["level", "name_en", "profile"]].to_dict("list")
    {'level': [1, 2, 3], 'name_en': ['Primary', 'Intermediate', 'Advanced'], 'profile': ['uniform', 'mixed', 'uniform']}
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    _check_rule(rule)
    t = check_thresholds(thresholds, scheme, inst)
    dims = inst.dimension_ids
    if scheme == "three_level":
        scores = _scores_from(data, inst, min_answered)
        s = scores[dims].to_numpy(float)
        out = pd.DataFrame(index=scores.index)
        out["level"] = pd.array(_three_level(s, t, rule), dtype="Float64").astype("Int64")
        bands = _bands(s, t)
        out["profile"] = np.where(np.isnan(bands).any(axis=1), None,
                                  np.where(np.nanmin(bands, axis=1) == np.nanmax(bands, axis=1), "uniform", "mixed"))
        out["n_low"] = (bands == 0).sum(axis=1)
        out["n_high"] = (bands == 1).sum(axis=1)
        out["n_very_high"] = (bands == 2).sum(axis=1)
        detail = scores
        ungraded = out.index[out["level"].isna()]
        if len(ungraded):
            warnings.warn(f"{len(ungraded)} firm(s) not graded (a dimension has no score): "
                          + ", ".join(map(str, ungraded[:10])) + (" ..." if len(ungraded) > 10 else ""), stacklevel=2)
    else:
        if not _is_responses(data, inst):
            raise InputError("the five-level ladder is graded from raw assessments with the ladder criteria columns "
                             f"({', '.join(inst.criteria)}), not from dimension scores")
        in_place = _in_place(data, inst, criterion_share)
        rs = _shares_of(in_place, inst)
        levels = _five_level(rs.to_numpy(float), t)
        out = pd.DataFrame(index=rs.index)
        out["level"] = pd.array(levels.astype(int), dtype="Int64")
        met = rs.to_numpy(float) >= np.asarray(t) - 1e-12
        out["rungs_met"] = [",".join(str(k + 1) for k in np.flatnonzero(row)) for row in met]
        out["cumulative"] = [bool(row.sum() == lv) for row, lv in zip(met, levels)]
        # criteria not in place, kept for the improvement agenda
        out["criteria_missing"] = [",".join(c for c in inst.criteria if not row[c]) for _, row in in_place.iterrows()]
        detail = rs
        data_checked = read_assessments(data, inst)
        if data_checked[list(inst.items)].notna().any().any():
            detail = pd.concat([rs, score(data_checked, inst, min_answered=min_answered)], axis=1)
    out["scheme"] = scheme
    out = _attach_names(out, scheme, inst)
    if all(d in detail.columns for d in dims):
        s = detail[dims]
        out["weakest"] = [row.idxmin() if row.notna().any() else None for _, row in s.iterrows()]
    result = pd.concat([out, detail.loc[out.index]], axis=1)
    first = ["level", "level_id", "name_en", "name_zh", "scheme"]
    result = result[first + [c for c in result.columns if c not in first]]
    result.index.name = "firm"
    result.attrs.update({"scheme": scheme, "thresholds": t, "rule": rule})
    return result


# ---------------------------------------------------------------------------------------------
# Improvement agenda

def agenda_catalog(instrument: Instrument | str | Path | None = None, lang: str = "en") -> pd.DataFrame:
    """Every improvement action of the instrument: per three-level grade, per ladder rung, per dimension.

    Columns ``kind`` (``level``, ``rung``, ``dimension``), ``target`` (its id), ``name``,
    ``action`` and ``source`` (the passage of the source documents it comes from).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> cat = maturity.agenda_catalog(lang="zh")
    >>> sorted(cat["kind"].unique())
    ['dimension', 'level', 'rung']
    """
    inst = load_instrument(instrument)
    check_lang(lang)
    rows = []
    for lv in inst.levels:
        rows += [{"kind": "level", "target": lv.id, "name": lv.name(lang), "action": a.text(lang), "source": a.source}
                 for a in lv.agenda]
    for r in inst.ladder:
        rows += [{"kind": "rung", "target": r.id, "name": r.name(lang), "action": inst.criteria[c].text(lang),
                  "source": r.source} for c in r.criteria]
    for d in inst.dimensions:
        rows += [{"kind": "dimension", "target": d.id, "name": d.name(lang), "action": a.text(lang),
                  "source": a.source} for a in d.agenda]
    return pd.DataFrame(rows)


def improvement_agenda(grades: pd.DataFrame | pd.Series, firm: str | None = None, *, lang: str = "en",
                       instrument: Instrument | str | Path | None = None, n_weakest: int = 1) -> pd.DataFrame:
    """The improvement agenda of one firm, from its grade and its weakest dimension(s).

    Three-level: the actions of the firm's grade (source 000). Five-level: the criteria of the
    next rung still to put in place, and unmet criteria of the rungs already reached
    (source 002). Both schemes add the actions for the ``n_weakest`` lowest-scoring
    dimensions when dimension scores are available.

    Parameters
    ----------
    grades : output of :func:`grade` (then give ``firm``), or one row of it.
    firm : firm id when ``grades`` has several rows.
    lang : ``"en"`` or ``"zh"``.
    n_weakest : number of weakest dimensions whose actions are added (0 for none).

    Returns
    -------
    DataFrame with ``kind``, ``target``, ``name``, ``action``, ``source``.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> g = maturity.grade(maturity.simulate(5, seed=4))
    >>> maturity.improvement_agenda(g, "F001")["kind"].unique().tolist()
    ['level', 'dimension']
    """
    inst = load_instrument(instrument)
    check_lang(lang)
    if not isinstance(n_weakest, int) or isinstance(n_weakest, bool) or not 0 <= n_weakest <= len(inst.dimensions):
        raise ParameterError(f"n_weakest={n_weakest!r}: expected an integer 0..{len(inst.dimensions)}")
    if isinstance(grades, pd.DataFrame):
        if firm is None:
            if len(grades) != 1:
                raise ParameterError("firm: give the firm id when the grades table has several rows")
            row = grades.iloc[0]
        else:
            key = str(firm)
            index = grades.index.map(str)
            if key not in set(index):
                raise ParameterError(f"firm={firm!r}: not in the graded firms (e.g. {', '.join(index[:5])})")
            row = grades.loc[grades.index[index == key][0]]
    elif isinstance(grades, pd.Series):
        row = grades
    else:
        raise ParameterError(f"grades: expected the DataFrame returned by grade() or one row of it, got "
                             f"{type(grades).__name__}")
    if "level" not in row.index or "scheme" not in row.index:
        raise ParameterError("grades: expected the output of maturity.grade() (columns 'level' and 'scheme')")
    scheme = row["scheme"]
    level = row["level"]
    rows: list[dict[str, str]] = []
    if pd.notna(level):
        level = int(level)
        if scheme == "three_level":
            lv = inst.levels[level - 1]
            rows += [{"kind": "level", "target": lv.id, "name": lv.name(lang), "action": a.text(lang),
                      "source": a.source} for a in lv.agenda]
        else:
            missing_raw = row.get("criteria_missing", None)
            if not isinstance(missing_raw, str):
                raise ParameterError("grades: the five-level grades need the 'criteria_missing' column of grade()")
            missing = set(filter(None, missing_raw.split(",")))
            for r in inst.ladder[:level + 1]:
                # unmet criteria of the rungs reached ("consolidate") and of the next rung ("rung")
                kind = "rung" if r.level == level + 1 else "consolidate"
                rows += [{"kind": kind, "target": r.id, "name": r.name(lang), "action": inst.criteria[c].text(lang),
                          "source": r.source} for c in r.criteria if c in missing]
            if level == len(inst.ladder):
                top = inst.ladder[-1]
                rows.append({"kind": "maintain", "target": top.id, "name": top.name(lang),
                             "action": top.description(lang), "source": top.source})
    dims = inst.dimension_ids
    if n_weakest and all(d in row.index for d in dims):
        scores = pd.to_numeric(row[dims], errors="coerce").dropna()
        for d in scores.sort_values(kind="stable").index[:n_weakest]:
            dim = inst.dimension(d)
            rows += [{"kind": "dimension", "target": dim.id, "name": dim.name(lang), "action": a.text(lang),
                      "source": a.source} for a in dim.agenda]
    return pd.DataFrame(rows, columns=["kind", "target", "name", "action", "source"])
