"""How much grades depend on the thresholds, and how stable they are under resampling."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from .assessments import _min_needed, _is_responses, read_assessments, reverse_coded
from .grading import (
    _check_rule,
    _check_scheme,
    _five_level,
    _scores_from,
    _three_level,
    check_thresholds,
    level_table,
)
from .instrument import Instrument, load_instrument


def _default_grid(scheme: str, base: tuple[float, ...], inst: Instrument) -> list[tuple[float, ...]]:
    if scheme == "three_level":
        lo, hi = inst.scale
        steps = np.round(np.arange(-0.5, 0.5001, 0.1), 10)
        grid = []
        for d1 in steps:
            for d2 in steps:
                t1, t2 = round(base[0] + d1, 10), round(base[1] + d2, 10)
                if lo < t1 < t2 <= hi:
                    grid.append((t1, t2))
        return grid
    # five-level: every share achievable with the rungs' numbers of criteria, same for all rungs
    counts = {len(r.criteria) for r in inst.ladder}
    # exact shares (2/3, not 0.6666666667: a rounded-up share would not count 2 of 3 criteria as met),
    # de-duplicated on their rounded value (2/4 and 1/2)
    shares = sorted({round(j / c, 10): j / c for c in counts for j in range(1, c + 1)}.values())
    return [tuple(s for _ in inst.ladder) for s in shares]


def threshold_sensitivity(data: pd.DataFrame | str | Path, scheme: str = "three_level", grid: Sequence[Any] | None = None,
                          *, thresholds: Any = None, instrument: Instrument | str | Path | None = None,
                          rule: str = "all", criterion_share: float = 0.5) -> pd.DataFrame:
    """How many firms change grade when the thresholds move over a grid.

    Parameters
    ----------
    data : assessments (or, three-level only, dimension scores).
    scheme : ``"three_level"`` or ``"five_level"``.
    grid : threshold sets to try, each valid for :func:`check_thresholds`. Default:
        three-level, every increasing pair within +-0.5 of the base thresholds in steps of
        0.1; five-level, every share of a rung's criteria (1/3, 2/3, 1 for three criteria;
        with rungs of 3, 4 and 6 criteria, the union of j/3, j/4 and j/6), the same for all rungs.
    thresholds : the base thresholds that changes are counted against (default: the defaults).

    Returns
    -------
    DataFrame, one row per grid point: the thresholds (``t_intermediate``, ``t_advanced`` or
    ``share_rung_1`` ...), ``n_changed``, ``share_changed``, ``n_graded``, ``n_up``,
    ``n_down`` and the number of firms at each level (``n_level_<k>``); ``is_base`` marks
    the base thresholds.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> sens = maturity.threshold_sensitivity(maturity.simulate(30, seed=1))
    >>> int(sens.loc[sens["is_base"], "n_changed"].iloc[0])
    0
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    _check_rule(rule)
    base = check_thresholds(thresholds, scheme, inst)
    if grid is None:
        grid_t = _default_grid(scheme, base, inst)
    else:
        grid_t = []
        for k, g in enumerate(grid):
            try:
                grid_t.append(check_thresholds(g, scheme, inst))
            except ParameterError as exc:
                raise ParameterError(f"grid[{k}]: {exc}") from None
    if scheme == "three_level":
        scores = _scores_from(data, inst, 0.5)
        x = scores[inst.dimension_ids].to_numpy(float)
        def levels_for(t: tuple[float, ...]) -> np.ndarray:
            return _three_level(x, t, rule)
        names = ["t_intermediate", "t_advanced"]
    else:
        from .grading import rung_shares

        if not _is_responses(data, inst):
            raise InputError("the five-level sensitivity needs raw assessments with the ladder criteria")
        x = rung_shares(data, inst, criterion_share=criterion_share).to_numpy(float)
        def levels_for(t: tuple[float, ...]) -> np.ndarray:
            return _five_level(x, t)
        names = [f"share_rung_{r.level}" for r in inst.ladder]
    base_levels = levels_for(base)
    all_levels = level_table(scheme, inst)["level"].tolist()
    rows = []
    for t in grid_t:
        lv = levels_for(t)
        ok = ~np.isnan(lv) & ~np.isnan(base_levels)
        changed = ok & (lv != base_levels)
        rec: dict[str, Any] = dict(zip(names, t))
        rec.update(n_changed=int(changed.sum()), share_changed=float(changed.sum() / max(ok.sum(), 1)),
                   n_graded=int(ok.sum()), n_up=int((ok & (lv > base_levels)).sum()),
                   n_down=int((ok & (lv < base_levels)).sum()), is_base=bool(np.allclose(t, base)))
        rec.update({f"n_level_{k}": int((lv == k).sum()) for k in all_levels})
        rows.append(rec)
    out = pd.DataFrame(rows)
    out.attrs.update({"scheme": scheme, "base": base})
    return out


def sensitivity_near(sensitivity: pd.DataFrame, within: float = 0.1) -> tuple[float, float]:
    """Smallest and largest share of firms changing grade when the thresholds move by at most ``within``.

    Every threshold of a grid point must lie within ``within`` of the base thresholds (the base
    point itself excluded), as in "moving either threshold by up to 0.1 changes the grade of
    3%-14% of the firms".

    Parameters
    ----------
    sensitivity : the table of :func:`threshold_sensitivity` (its ``attrs["base"]`` names the base).
    within : the largest move of a threshold.

    Returns
    -------
    (min, max) of ``share_changed``; ``(nan, nan)`` when no grid point is that close.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> sens = maturity.threshold_sensitivity(maturity.simulate(30, seed=1))
    >>> lo, hi = sensitivity_near(sens, 0.1)
    >>> 0 <= lo <= hi <= 1
    True
    """
    if not isinstance(sensitivity, pd.DataFrame) or "share_changed" not in sensitivity.columns \
            or "base" not in sensitivity.attrs:
        raise ParameterError("sensitivity: expected the table of maturity.threshold_sensitivity")
    if isinstance(within, bool) or not isinstance(within, (int, float)) or not within >= 0:
        raise ParameterError(f"within={within!r}: expected a non-negative number")
    base = np.asarray(sensitivity.attrs["base"], dtype=float)
    cols = [c for c in sensitivity.columns if c.startswith("t_") or c.startswith("share_rung_")][: len(base)]
    moved = np.abs(sensitivity[cols].to_numpy(float) - base)
    near = sensitivity[(moved <= within + 1e-9).all(axis=1) & ~sensitivity["is_base"].to_numpy(bool)]
    if near.empty:
        return float("nan"), float("nan")
    return float(near["share_changed"].min()), float(near["share_changed"].max())


@dataclass
class Stability:
    """Bootstrap distribution of each firm's grade.

    Attributes
    ----------
    probabilities : firm x level, the share of resamples giving each level.
    table : per firm: ``level`` (the grade on the full data), ``p_level`` (its bootstrap
        probability, the grade's confidence), ``modal_level``, ``p_modal``, ``resampled``
        (False when a firm has a single rater and the unit is raters: it cannot be resampled).
    unit : ``"raters"`` or ``"items"``; ``n_boot`` resamples.
    """

    probabilities: pd.DataFrame
    table: pd.DataFrame
    unit: str
    n_boot: int
    scheme: str

    def confidence(self, below: float = 0.8) -> dict[str, float]:
        """Median probability that a firm keeps its grade, and how many firms keep it less than ``below``.

        Examples
        --------
        >>> stab.confidence()  # doctest: +SKIP
        {'median': 1.0, 'below': 31, 'firms': 120}
        """
        p = self.table["p_level"]
        return {"median": float(p.median()), "below": int((p < below).sum()), "firms": int(len(p))}

    def summary(self) -> str:
        c = self.confidence(0.8)
        return (f"Bootstrap stability ({self.scheme}, {self.n_boot} resamples of {self.unit}): median confidence of "
                f"the grade {c['median']:.2f}; {c['below']} of {c['firms']} firms below 0.80")


def _weighted_nanmean(x: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    ok = ~np.isnan(x)
    num = np.where(ok, x, 0) * w
    den = ok * w
    s = den.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, num.sum(axis=axis) / np.where(s > 0, s, 1), np.nan)


def bootstrap_stability(responses: pd.DataFrame | str | Path, scheme: str = "three_level", thresholds: Any = None, *,
                        unit: str = "raters", n_boot: int = 500, seed: int | None = 0,
                        instrument: Instrument | str | Path | None = None, rule: str = "all",
                        min_answered: float = 0.5, criterion_share: float = 0.5) -> Stability:
    """For each firm, the probability of each grade when raters or items are resampled.

    ``unit="raters"`` resamples each firm's raters with replacement (firms with one rater
    keep their grade and are flagged ``resampled=False``); ``unit="items"`` resamples, in
    each replicate, the items of every dimension (three-level) or the criteria of every rung
    (five-level) with replacement, the same draw for all firms. The grade is then recomputed
    with the same thresholds and rules as :func:`grade`.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> st = maturity.bootstrap_stability(maturity.simulate(20, seed=1), n_boot=50)
    >>> st.probabilities.shape
    (20, 3)
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    if unit not in {"raters", "items"}:
        raise ParameterError(f"unit={unit!r}: expected 'raters' or 'items'")
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 10:
        raise ParameterError(f"n_boot={n_boot!r}: expected an integer of at least 10")
    _check_rule(rule)
    t = check_thresholds(thresholds, scheme, inst)
    data = reverse_coded(read_assessments(responses, inst), inst)
    rng = np.random.default_rng(seed)
    firms = pd.unique(data["firm"])
    code = pd.Index(firms).get_indexer(data["firm"])
    n_f = len(firms)
    counts = np.bincount(code, minlength=n_f)
    max_r = counts.max()
    pos = data.groupby("firm", sort=False).cumcount().to_numpy()

    if scheme == "three_level":
        groups = [list(d.items) for d in inst.dimensions]
        needed = [_min_needed(len(g), min_answered) for g in groups]
        cols = [c for g in groups for c in g]
    else:
        if not all(c in data.columns for c in inst.criteria):
            raise InputError("the five-level ladder needs the ladder criteria columns")
        groups = [list(r.criteria) for r in inst.ladder]
        cols = [c for g in groups for c in g]
    # firms x raters x columns, NaN where a firm has fewer raters
    cube = np.full((n_f, max_r, len(cols)), np.nan)
    cube[code, pos] = data[cols].to_numpy(float)
    present = np.arange(max_r)[None, :] < counts[:, None]

    def grade_from(rater_w: np.ndarray, col_w: np.ndarray) -> np.ndarray:
        """rater_w: firms x raters weights; col_w: weight of each column (item resampling)."""
        start = 0
        parts = []
        for g_index, g in enumerate(groups):
            block = cube[:, :, start:start + len(g)]
            w = col_w[start:start + len(g)]
            start += len(g)
            if scheme == "three_level":
                # rater's dimension score: weighted mean of answered items, with the answered-items rule
                rater_score = _weighted_nanmean(block, w[None, None, :], axis=2)
                answered = ((~np.isnan(block)) * (w > 0)[None, None, :]).sum(axis=2)
                need = min(needed[g_index], int((w > 0).sum()))
                rater_score = np.where(answered >= need, rater_score, np.nan)
                parts.append(_weighted_nanmean(rater_score, rater_w, axis=1))
            else:
                share = _weighted_nanmean(block, rater_w[:, :, None], axis=1)  # firms x criteria
                in_place = np.where(np.isnan(share), 0.0, share >= criterion_share - 1e-12)
                parts.append((in_place * w[None, :]).sum(axis=1) / w.sum())
        x = np.column_stack(parts)
        return _three_level(x, t, rule) if scheme == "three_level" else _five_level(x, t)

    ones_r = present.astype(float)
    ones_c = np.ones(len(cols))
    point = grade_from(ones_r, ones_c)
    levels = level_table(scheme, inst)["level"].tolist()
    tallies = np.zeros((n_f, len(levels)))
    for _ in range(n_boot):
        if unit == "raters":
            rw = np.zeros((n_f, max_r))
            draw = np.floor(rng.random((n_f, max_r)) * counts[:, None]).astype(int)
            for j in range(max_r):
                ok = present[:, j]
                np.add.at(rw, (np.flatnonzero(ok), draw[ok, j]), 1)
            cw = ones_c
        else:
            rw = ones_r
            cw = np.zeros(len(cols))
            start = 0
            for g in groups:
                np.add.at(cw, start + rng.integers(0, len(g), len(g)), 1)
                start += len(g)
        lv = grade_from(rw, cw)
        for k, level in enumerate(levels):
            tallies[:, k] += lv == level
    graded = tallies.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = np.where(graded > 0, tallies / np.where(graded > 0, graded, 1), np.nan)
    prob = pd.DataFrame(probs, index=pd.Index(firms, name="firm"), columns=levels)
    prob.columns.name = "level"
    table = pd.DataFrame(index=prob.index)
    table["level"] = pd.array(point, dtype="Float64").astype("Int64")
    table["p_level"] = [prob.loc[f, int(lv)] if pd.notna(lv) else np.nan for f, lv in zip(prob.index, table["level"])]
    table["modal_level"] = prob.idxmax(axis=1).where(prob.notna().any(axis=1))
    table["p_modal"] = prob.max(axis=1)
    table["resampled"] = counts > 1 if unit == "raters" else True
    table["n_raters"] = counts
    if unit == "raters" and (counts == 1).any():
        warnings.warn(f"{int((counts == 1).sum())} firm(s) have a single rater: their grade cannot be resampled "
                      "by raters (probability 1 by construction); use unit='items' for them", stacklevel=2)
    return Stability(prob, table, unit, n_boot, scheme)
