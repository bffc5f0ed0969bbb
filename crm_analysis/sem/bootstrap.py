"""Bootstrap resampling plans and confidence intervals (percentile and BCa).

The resampling plan is a matrix of row counts: row ``b`` says how often each respondent
appears in resample ``b``. The PLS engine turns it into one covariance matrix per resample
(see :func:`crm_analysis.sem.pls_batch`), so the same plan can be reused for any statistic.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from crm_analysis.errors import ParameterError

__all__ = [
    "generator",
    "check_indices",
    "resample_counts",
    "indices_to_counts",
    "jackknife_counts",
    "percentile_ci",
    "bca_ci",
    "bootstrap_table",
]


def generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """The random generator of a ``seed=`` parameter: a Generator as it is, else seeded from the int.

    Raises
    ------
    ParameterError
        Neither an int, a Generator nor None.

    Examples
    --------
    >>> g = generator(1)
    >>> generator(g) is g, int(generator(7).integers(100)) == int(generator(7).integers(100))
    (True, True)
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise ParameterError(f"seed: expected an int, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


def check_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """``indices`` as a (resamples, m) integer array of row positions in ``[0, n)``.

    Examples
    --------
    >>> check_indices([[0, 2], [1, 1]], 3).shape
    (2, 2)
    """
    indices = np.asarray(indices)
    if indices.ndim != 2 or not np.issubdtype(indices.dtype, np.integer):
        raise ParameterError("indices: expected a 2-D integer array (resamples x rows)")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ParameterError(f"indices: row positions must lie in [0, {n - 1}]")
    return indices


def indices_to_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """Turn (B, m) arrays of row indices into (B, n) row counts.

    Examples
    --------
    >>> indices_to_counts(np.array([[0, 0, 2], [1, 2, 2]]), 3)
    array([[2., 0., 1.],
           [0., 1., 2.]])
    """
    indices = check_indices(indices, n)
    B = indices.shape[0]
    flat = (indices + n * np.arange(B)[:, None]).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(float)


def resample_counts(n: int, B: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Row counts of ``B`` ordinary bootstrap resamples of ``n`` rows (seeded).

    Examples
    --------
    >>> c = resample_counts(5, 3, seed=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5.0, 5.0, 5.0])
    """
    rng = generator(seed)
    return indices_to_counts(rng.integers(0, n, size=(B, n)), n)


def jackknife_counts(n: int, max_groups: int = 1000,
                     seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Delete-one (or, for ``n > max_groups``, delete-a-group) jackknife as 0/1 row weights."""
    if n <= max_groups:
        return 1.0 - np.eye(n)
    rng = generator(seed)
    groups = np.empty(n, dtype=np.intp)
    groups[rng.permutation(n)] = np.arange(n) % max_groups
    out = np.ones((max_groups, n))
    out[groups, np.arange(n)] = 0.0
    return out


def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0 (NaN draws ignored)."""
    a = (1 - level) / 2
    if np.isfinite(draws).all():
        lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
        return lo, hi
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, on purpose
        lo, hi = np.nanquantile(draws, [a, 1 - a], axis=0)
    return lo, hi


def bca_ci(draws: np.ndarray, estimate: np.ndarray, jack: np.ndarray,
           level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval (Efron 1987) along axis 0.

    Parameters
    ----------
    draws : (B, ...) bootstrap replicates
    estimate : (...) full-sample estimate
    jack : (G, ...) jackknife replicates (delete-one or delete-a-group)
    """
    draws = np.asarray(draws, dtype=float)
    B = np.sum(np.isfinite(draws), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        below = (np.sum(draws < estimate, axis=0) + 0.5 * np.sum(draws == estimate, axis=0)) / B
        z0 = stats.norm.ppf(np.clip(below, 1.0 / (B + 1), 1 - 1.0 / (B + 1)))
        jm = np.nanmean(jack, axis=0)
        dev = jm - jack
        num = np.nansum(dev ** 3, axis=0)
        den = 6.0 * np.nansum(dev ** 2, axis=0) ** 1.5
        acc = np.where(den > 0, num / den, 0.0)
        a = (1 - level) / 2
        out = []
        for q in (a, 1 - a):
            zq = stats.norm.ppf(q)
            adj = stats.norm.cdf(z0 + (z0 + zq) / (1 - acc * (z0 + zq)))
            out.append(adj)
    lo_q, hi_q = out
    flat = draws.reshape(draws.shape[0], -1)
    lo = np.full(flat.shape[1], np.nan)
    hi = np.full(flat.shape[1], np.nan)
    lq, hq = np.ravel(lo_q), np.ravel(hi_q)
    for i in range(flat.shape[1]):
        col = flat[:, i]
        col = col[np.isfinite(col)]
        if col.size and np.isfinite(lq[i]) and np.isfinite(hq[i]):
            lo[i], hi[i] = np.quantile(col, [lq[i], hq[i]])
    return lo.reshape(draws.shape[1:]), hi.reshape(draws.shape[1:])


def bootstrap_table(estimate: np.ndarray, draws: np.ndarray, jack: np.ndarray | None, *,
                    n: int, level: float = 0.95, method: str = "percentile") -> dict[str, np.ndarray]:
    """Columns ``mean, se, t, p, ci_low, ci_high`` for flat estimates (k,) and draws (B, k).

    ``t = estimate / se``; the two-sided ``p`` uses Student's t with ``n - 1`` degrees of freedom
    (SmartPLS' convention). Non-finite draws (failed resamples) are ignored.
    """
    estimate = np.asarray(estimate, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(draws, axis=0)
        se = np.nanstd(draws, axis=0, ddof=1)
        t = estimate / se
    p = 2 * stats.t.sf(np.abs(t), df=max(n - 1, 1))
    if method == "bca":
        if jack is None:
            raise ParameterError("ci='bca' needs jackknife replicates")
        lo, hi = bca_ci(draws, estimate, jack, level)
    else:
        lo, hi = percentile_ci(draws, level)
    return {"mean": mean, "se": se, "t": t, "p": p, "ci_low": lo, "ci_high": hi}
