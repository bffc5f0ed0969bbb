"""How well a segmentation (or any score) tells valuable customers apart, on holdout outcomes.

Scores are "higher = more valuable"; customers tied on a score (same segment) are treated as in
random order, so curves are linear within a segment and AUC counts ties as one half.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError


def _arrays(score: Any, value: Any, value_name: str = "value") -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(score, dtype=np.float64)
    v = np.asarray(value, dtype=np.float64)
    if s.ndim != 1 or v.ndim != 1 or len(s) != len(v):
        raise InputError(f"score and {value_name}: expected two 1-d arrays of the same length, got {s.shape} and {v.shape}")
    if len(s) == 0:
        raise InputError("score: no customers")
    if np.isnan(s).any() or np.isnan(v).any():
        raise InputError(f"score/{value_name}: missing values")
    return s, v


def _groups(score: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customers and value per distinct score, best score first."""
    inverse, uniq = pd.factorize(-score, sort=True)  # much faster than np.unique on 10^6 values
    n = np.bincount(inverse, minlength=len(uniq)).astype(np.float64)
    v = np.bincount(inverse, weights=value, minlength=len(uniq))
    return n, v


def lorenz_curve(score: Any, value: Any) -> pd.DataFrame:
    """Cumulative share of ``value`` against cumulative share of customers, best scores first.

    One point per distinct score (segment boundary) plus the origin; the curve is linear within a
    segment. A scheme that puts all value in its top segments bends towards the top-left corner.

    Examples
    --------
    >>> lorenz_curve([2, 2, 1, 0], [10.0, 4.0, 5.0, 1.0])
       customer_share  value_share
    0            0.00         0.00
    1            0.50         0.70
    2            0.75         0.95
    3            1.00         1.00
    """
    s, v = _arrays(score, value)
    n, val = _groups(s, v)
    total = v.sum()
    if total == 0:
        raise InputError("value: sums to zero; a Lorenz curve needs some value")
    x = np.concatenate([[0.0], np.cumsum(n) / n.sum()])
    y = np.concatenate([[0.0], np.cumsum(val) / total])
    return pd.DataFrame({"customer_share": x, "value_share": y})


def gini(score: Any, value: Any, normalize: bool = False) -> float:
    """Gini of a ranking: 2 × (area under its Lorenz curve) − 1; 0 for a random order.

    With ``normalize=True`` it is divided by the Gini of the perfect ranking (customers ordered
    by ``value`` itself), so 1 means the scheme orders customers as well as hindsight can.

    Examples
    --------
    >>> round(gini([2, 2, 1, 0], [10.0, 4.0, 5.0, 1.0]), 6)
    0.25
    """
    curve = lorenz_curve(score, value)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    g = 2 * float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)) - 1
    if normalize:
        best = gini(value, value)
        return g / best if best != 0 else float("nan")
    return g


def auc(score: Any, outcome: Any) -> float:
    """Area under the ROC curve of ``score`` for a 0/1 ``outcome`` (ties count one half).

    Equals the probability that a random customer with the outcome scores higher than a random
    one without (Mann-Whitney).

    Examples
    --------
    >>> auc([2, 2, 1, 0], [1, 0, 1, 0])
    0.625
    """
    s, y = _arrays(score, outcome, "outcome")
    if not np.isin(y, (0.0, 1.0)).all():
        raise InputError("outcome: expected 0/1 (or False/True) per customer")
    n1 = y.sum()
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    # count, per distinct score, customers with and without the outcome: O(n) after hashing
    level, _ = pd.factorize(s, sort=True)
    k = int(level.max()) + 1
    pos = np.bincount(level, weights=y, minlength=k)
    neg = np.bincount(level, minlength=k) - pos
    below = np.cumsum(neg) - neg  # negatives with a strictly lower score
    return float(((pos * below).sum() + 0.5 * (pos * neg).sum()) / (n1 * n0))


def captured_share(in_top: Any, value: Any) -> float:
    """Share of total ``value`` held by customers with ``in_top`` true.

    Examples
    --------
    >>> captured_share([True, False, False, False], [6.0, 2.0, 2.0, 0.0])
    0.6
    """
    t = np.asarray(in_top, dtype=bool)
    _, v = _arrays(t.astype(float), value)
    total = v.sum()
    return float(v[t].sum() / total) if total != 0 else float("nan")


def lift(in_top: Any, value: Any) -> float:
    """Captured share of value divided by the share of customers in the top group (1 = no better than random).

    Examples
    --------
    >>> lift([True, False, False, False], [6.0, 2.0, 2.0, 0.0])
    2.4
    """
    t = np.asarray(in_top, dtype=bool)
    if t.sum() == 0:
        return float("nan")
    return captured_share(t, value) / float(t.mean())


def _labels(a: Any) -> np.ndarray:
    """Integer codes of a labeling (-1 for missing); integer arrays are factorized without object conversion."""
    if isinstance(a, pd.Categorical):
        return np.asarray(a.codes, dtype=np.int64)
    arr = a.to_numpy() if isinstance(a, pd.Series) else np.asarray(a)
    if arr.dtype.kind in "iu" and len(arr) and arr.min() >= 0 and arr.max() < 4 * len(arr) + 64:
        return arr.astype(np.int64, copy=False)  # already small non-negative codes: empty ones count zero pairs
    if arr.dtype.kind not in "iub":
        arr = arr.astype(object)
    return pd.factorize(arr)[0]


def adjusted_rand(a: Any, b: Any) -> float:
    """Adjusted Rand index of two labelings of the same customers (1 identical, ~0 unrelated).

    Examples
    --------
    >>> adjusted_rand(["x", "x", "y", "y"], [1, 1, 2, 2])
    1.0
    >>> round(adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    -0.5
    """
    ca, cb = _labels(a), _labels(b)
    if len(ca) != len(cb):
        raise InputError(f"adjusted_rand: labelings of different lengths ({len(ca)} and {len(cb)})")
    if (ca < 0).any() or (cb < 0).any():
        raise InputError("adjusted_rand: missing labels")
    n = len(ca)
    if n < 2:
        return float("nan")
    kb = cb.max() + 1
    cells = np.bincount(ca.astype(np.int64) * kb + cb, minlength=(ca.max() + 1) * kb).astype(np.float64)

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    index = pairs(cells)
    sa = pairs(np.bincount(ca).astype(np.float64))
    sb = pairs(np.bincount(cb).astype(np.float64))
    expected = sa * sb / (n * (n - 1) / 2)
    maximum = (sa + sb) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def stability(before: Any, after: Any) -> dict[str, float]:
    """Share of customers in the same segment at two dates, and the adjusted Rand index of the two.

    Examples
    --------
    >>> stability(["a", "a", "b", "b"], ["a", "b", "b", "b"])["same"]
    0.75
    """
    x, y = np.asarray(before), np.asarray(after)
    if x.dtype.kind not in "iub" or y.dtype.kind not in "iub":
        x = pd.Series(before).astype(str).to_numpy()
        y = pd.Series(after).astype(str).to_numpy()
    if len(x) != len(y):
        raise InputError(f"stability: {len(x)} and {len(y)} customers; expected the same customers twice")
    return {"same": float((x == y).mean()), "ari": adjusted_rand(x, y)}
