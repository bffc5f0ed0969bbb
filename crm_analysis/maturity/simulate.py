"""Simulated assessments with known true levels, so that every evaluation can be checked."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .grading import THREE_LEVEL_SHARES, _three_level
from .instrument import Instrument, load_instrument

# Probability of the true rung given the true three-level grade (rows: primary, intermediate,
# advanced; columns: rungs 1..5): the two schemes describe related but different things.
RUNG_GIVEN_LEVEL = np.array([
    [0.45, 0.45, 0.10, 0.00, 0.00],
    [0.00, 0.30, 0.50, 0.20, 0.00],
    [0.00, 0.00, 0.15, 0.45, 0.40],
])


def _true_profiles(levels: np.ndarray, n_dims: int, rng: np.random.Generator) -> np.ndarray:
    """True dimension scores as fractions of the scale range (0 = scale minimum, 1 = maximum).

    Kept at least 0.015 (0.06 points on a 1-5 scale) away from the default thresholds so that
    the true level is unambiguous; measurement error, not the truth, puts firms near them.
    """
    t1, t2 = THREE_LEVEL_SHARES
    out = np.empty((len(levels), n_dims))
    for f, lv in enumerate(levels):
        if lv == 1:
            if rng.random() < 0.65:  # all five low (the sources' primary)
                out[f] = np.clip(rng.uniform(0.2, 0.5) + rng.normal(0, 0.06, n_dims), 0.03, t1 - 0.025)
            else:  # mixed profile: one or two low dimensions, the others fairly or very high
                out[f] = rng.uniform(t1 + 0.02, 0.86, n_dims)
                low = rng.choice(n_dims, size=rng.integers(1, 3), replace=False)
                out[f, low] = rng.uniform(0.3, t1 - 0.04, len(low))
        elif lv == 2:
            out[f] = np.clip(rng.uniform(0.64, 0.76) + rng.normal(0, 0.04, n_dims), t1 + 0.015, t2 - 0.015)
        else:
            out[f] = np.clip(rng.uniform(0.84, 0.93) + rng.normal(0, 0.03, n_dims), t2 + 0.015, 0.975)
    return out


def simulate(n_firms: int = 120, n_raters: int | Sequence[int] = 3, seed: int | None = None, *,
             instrument: Instrument | str | Path | None = None, level_probs: Sequence[float] = (0.4, 0.4, 0.2),
             rater_sd: float = 0.25, item_sd: float = 0.45, missing_rate: float = 0.01, expert_accuracy: float = 0.8,
             ladder_gap: float = 0.15) -> pd.DataFrame:
    """Simulate assessments of firms with known true levels and dimension profiles.

    Generating model (documented so that every evaluation can be checked against it):

    1. Each firm draws a true three-level grade (``level_probs``) and a true dimension profile
       consistent with it under the default thresholds: primary firms are all-low (65 %) or
       mixed (one or two low dimensions); intermediate firms lie between the thresholds;
       advanced firms above the upper one. ``true_<dimension>`` holds the true score.
    2. Each rater has a halo effect (normal, sd ``rater_sd`` scale points) shared by all
       dimensions, plus a small rater-by-dimension deviation.
    3. An item answer is the rater's perceived score, tilted by the item's discrimination and
       offset (mean 1 and 0 within a dimension), plus normal noise (sd ``item_sd``), kept on
       the scale and rounded stochastically (3.3 becomes 4 with probability 0.3), so that
       the expected dimension score of an unbiased rater equals the true score (except within
       about ``item_sd`` of the scale ends, where the scale truncates it). Reverse-coded items
       are stored reversed.
    4. The highest rung a firm practises depends on its true grade (``RUNG_GIVEN_LEVEL``);
       the rungs below it are in place too, except that with probability ``ladder_gap`` one
       of them is skipped (not in place), a departure from a cumulative ladder.
       ``true_rung`` is the cumulative truth: the highest k with rungs 1..k all in place. A
       rater reports a criterion in place with probability 0.85-0.95 when its rung is in
       place, 0.15 on a skipped rung, 0.25 one rung above the highest and 0.07 further up.
       The criteria of a rung (the parts of a split criterion included, e.g. ``L3_1a``-``L3_1c``)
       are answered independently given the rung, so the ladder stays cumulative whatever the
       number of criteria per rung; likewise the items of a dimension, however many (step 3).
    5. ``expert_level`` / ``expert_rung`` equal the truth with probability ``expert_accuracy``,
       else an adjacent grade; ``outcome_retention`` (customer retention rate) rises with the
       true grade and rung plus noise. ``missing_rate`` of the answers are left empty.

    Parameters
    ----------
    n_firms : number of firms (ids ``F001``, ``F002``, ...).
    n_raters : raters per firm, or ``(low, high)`` for a number drawn per firm.
    seed : seed of the random generator (record it to reproduce a data set).
    instrument : the instrument (default: the packaged one).
    level_probs : probabilities of the true grades primary, intermediate, advanced.
    rater_sd : standard deviation of the rater halo effect, in scale points.
    item_sd : standard deviation of the answer noise of an item, in scale points.
    missing_rate : share of answers left empty, in [0, 0.5).
    expert_accuracy : probability that the expert grade equals the true grade.
    ladder_gap : probability that a firm has skipped one rung below its highest.

    Returns
    -------
    DataFrame in the assessment format: ``firm``, ``rater``, the Likert items, the ladder
    criteria, ``expert_level``, ``expert_rung``, ``outcome_retention``, ``true_level``,
    ``true_rung`` and ``true_<dimension>``.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> df = maturity.simulate(10, n_raters=2, seed=7)
    >>> df.shape[0], df["firm"].nunique()
    (20, 10)
    """
    inst = load_instrument(instrument)
    if not isinstance(n_firms, int) or isinstance(n_firms, bool) or n_firms < 1:
        raise ParameterError(f"n_firms={n_firms!r}: expected a positive integer")
    if isinstance(n_raters, int) and not isinstance(n_raters, bool):
        if n_raters < 1:
            raise ParameterError(f"n_raters={n_raters!r}: expected a positive integer or (low, high)")
        low_r, high_r = n_raters, n_raters
    elif isinstance(n_raters, (tuple, list)) and len(n_raters) == 2 and all(isinstance(v, int) for v in n_raters) \
            and 1 <= n_raters[0] <= n_raters[1]:
        low_r, high_r = n_raters
    else:
        raise ParameterError(f"n_raters={n_raters!r}: expected a positive integer or (low, high) with 1 <= low <= high")
    probs = np.asarray(level_probs, float)
    if probs.shape != (3,) or (probs < 0).any() or not np.isclose(probs.sum(), 1):
        raise ParameterError(f"level_probs={tuple(level_probs)!r}: expected three probabilities summing to 1")
    if not 0 <= rater_sd <= 2:
        raise ParameterError(f"rater_sd={rater_sd!r}: expected a standard deviation in scale points, 0..2")
    if not 0 <= item_sd <= 3:
        raise ParameterError(f"item_sd={item_sd!r}: expected a standard deviation in scale points, 0..3")
    if not 0 <= missing_rate < 0.5:
        raise ParameterError(f"missing_rate={missing_rate!r}: expected a share in [0, 0.5)")
    if not 0 <= expert_accuracy <= 1:
        raise ParameterError(f"expert_accuracy={expert_accuracy!r}: expected a probability")
    if not 0 <= ladder_gap <= 1:
        raise ParameterError(f"ladder_gap={ladder_gap!r}: expected a probability")
    if len(inst.ladder) != RUNG_GIVEN_LEVEL.shape[1]:
        raise ParameterError(f"simulate: the instrument's ladder has {len(inst.ladder)} rungs; the simulator is "
                             f"written for {RUNG_GIVEN_LEVEL.shape[1]}")

    rng = np.random.default_rng(seed)
    lo, hi = inst.scale
    span = hi - lo
    dims = inst.dimension_ids
    n_dims = len(dims)
    levels = rng.choice([1, 2, 3], size=n_firms, p=probs)
    truth = _true_profiles(levels, n_dims, rng)
    true_scores = lo + span * truth
    assert np.array_equal(_three_level(true_scores, [lo + s * span for s in THREE_LEVEL_SHARES]), levels)
    top = np.array([rng.choice(5, p=RUNG_GIVEN_LEVEL[lv - 1]) + 1 for lv in levels])
    # rungs in place: all up to the top one, except for firms with a gap (a rung skipped)
    in_place = np.arange(1, 6)[None, :] <= top[:, None]
    for f in np.flatnonzero((rng.random(n_firms) < ladder_gap) & (top >= 2)):
        in_place[f, rng.integers(0, top[f] - 1)] = False
    rungs = np.cumprod(in_place, axis=1).sum(axis=1)  # the cumulative (true) rung

    # item parameters: discrimination a (mean 1) and offset c (mean 0) within each dimension
    a_item, c_item = {}, {}
    for d in dims:
        ids = inst.items_of(d)
        a = rng.uniform(0.75, 1.25, len(ids))
        c = rng.normal(0, 0.04, len(ids))
        a_item.update(zip(ids, a - a.mean() + 1))
        c_item.update(zip(ids, c - c.mean()))
    crit_ease = {c: rng.uniform(0.85, 0.95) for c in inst.criteria}

    width = max(3, len(str(n_firms)))
    rows = []
    for f in range(n_firms):
        firm = f"F{f + 1:0{width}d}"
        for r in range(int(rng.integers(low_r, high_r + 1))):
            halo = rng.normal(0, rater_sd / span)
            row: dict[str, object] = {"firm": firm, "rater": f"R{r + 1}"}
            for j, d in enumerate(dims):
                perceived = truth[f, j] + halo + rng.normal(0, 0.03)
                for item in inst.items_of(d):
                    x = lo + span * (0.5 + a_item[item] * (perceived - 0.5) + c_item[item])
                    x = np.clip(x + rng.normal(0, item_sd), lo, hi)
                    # stochastic rounding: the expected answer is x itself, not a rounded x
                    answer = int(np.floor(x) + (rng.random() < x - np.floor(x)))
                    row[item] = lo + hi - answer if inst.items[item].reverse else answer
            for c, crit in inst.criteria.items():
                above = crit.rung - top[f]
                p_in = (crit_ease[c] if in_place[f, crit.rung - 1] else 0.15) if above <= 0 else \
                    (0.25 if above == 1 else 0.07)
                row[c] = int(rng.random() < p_in)
            rows.append(row)
    df = pd.DataFrame(rows)
    answer_cols = list(inst.items) + list(inst.criteria)
    if missing_rate > 0:
        mask = rng.random((len(df), len(answer_cols))) < missing_rate
        values = df[answer_cols].to_numpy(float, copy=True)
        values[mask] = np.nan
        df[answer_cols] = values
    for c in answer_cols:
        df[c] = pd.array(np.round(df[c].to_numpy(float)), dtype="Float64").astype("Int64")

    def adjacent(true: np.ndarray, top: int, bottom: int) -> np.ndarray:
        wrong = rng.random(len(true)) >= expert_accuracy
        step = np.where(rng.random(len(true)) < 0.5, -1, 1)
        moved = true + step
        moved = np.where(moved < bottom, true + 1, np.where(moved > top, true - 1, moved))
        return np.where(wrong, moved, true)

    firm_ids = [f"F{f + 1:0{width}d}" for f in range(n_firms)]
    firm_table = pd.DataFrame({
        "firm": firm_ids,
        "expert_level": adjacent(levels, 3, 1),
        "expert_rung": adjacent(rungs, len(inst.ladder), 0),
        "outcome_retention": np.round(np.clip(0.55 + 0.08 * (levels - 1) + 0.03 * (rungs - 3)
                                              + rng.normal(0, 0.06, n_firms), 0.05, 0.99), 3),
        "true_level": levels,
        "true_rung": rungs,
        **{f"true_{d}": np.round(true_scores[:, j], 3) for j, d in enumerate(dims)},
    })
    return df.merge(firm_table, on="firm", how="left")
