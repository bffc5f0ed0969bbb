"""Is the five-level ladder cumulative? Guttman scalogram statistics and Loevinger's H."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError


def _binary(binary: Any) -> tuple[np.ndarray, list[str]]:
    if isinstance(binary, pd.DataFrame):
        names = [str(c) for c in binary.columns]
        x = binary.to_numpy()
    else:
        x = np.asarray(binary)
        if x.ndim != 2:
            raise InputError(f"binary: expected a units x rungs 0/1 table, got an array of shape {x.shape}")
        names = [f"rung_{k + 1}" for k in range(x.shape[1])]
    try:
        x = x.astype(float)
    except (TypeError, ValueError):
        raise InputError("binary: expected 0/1 values") from None
    if np.isnan(x).any():
        rows = np.flatnonzero(np.isnan(x).any(axis=1))
        raise InputError(f"binary: missing values on row(s) {rows[:5].tolist()}; Guttman statistics need complete "
                         "0/1 patterns")
    bad = ~np.isin(x, (0, 1))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(f"binary: row {r}, column {names[c]}: {x[r, c]:g} is not 0 or 1")
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise InputError(f"binary: need at least two units and two rungs, got shape {x.shape}")
    return x.astype(int), names


def guttman_errors(binary: Any) -> np.ndarray:
    """Goodenough-Edwards errors of each row: cells differing from the ideal pattern of the same total.

    The ideal pattern of a row with total ``s`` has ones on the first ``s`` columns, in the
    given column order (rung 1 first): a cumulative ladder.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.guttman_errors([[1, 1, 0], [1, 0, 1], [0, 1, 0]]).tolist()
    [0, 2, 2]
    """
    x, _ = _binary(binary)
    totals = x.sum(axis=1)
    ideal = (np.arange(x.shape[1])[None, :] < totals[:, None]).astype(int)
    return (x != ideal).sum(axis=1)


def guttman(binary: pd.DataFrame | np.ndarray) -> pd.Series:
    """Guttman scalogram statistics of a units x rungs 0/1 table, in the given rung order.

    * ``reproducibility`` (coefficient of reproducibility, CR): ``1 - E / (N K)``, with ``E``
      the Goodenough-Edwards errors: for each unit, the cells that differ from the ideal
      cumulative pattern with the same total (ones on the first ``s`` rungs).
    * ``mmr`` (minimal marginal reproducibility): ``mean_k max(p_k, 1 - p_k)``, the
      reproducibility the marginals alone guarantee.
    * ``scalability`` (Menzel's coefficient of scalability): ``(CR - MMR) / (1 - MMR)``.
    * ``loevinger_h``: ``1 - F / E0`` summed over rung pairs, where for a pair with
      popularities ``p_i >= p_j`` a Guttman error is passing the less popular ``j`` while
      failing ``i``, ``F`` counts them and ``E0 = N p_j (1 - p_i)`` is their number under
      independence (Mokken scaling; the pair order here comes from the popularities, as in
      Mokken, not from the given order).

    Conventional benchmarks: CR >= 0.90 and scalability >= 0.60 for a Guttman scale;
    H >= 0.3 weak, >= 0.4 medium, >= 0.5 strong Mokken scale.

    Parameters
    ----------
    binary : units x rungs table of 0/1 (e.g. :func:`~crm_analysis.maturity.rung_matrix`),
        columns in the order of the ladder (lowest rung first).

    Returns
    -------
    Series with ``reproducibility``, ``scalability``, ``loevinger_h``, ``mmr``, ``errors``,
    ``n``, ``k``, ``order_consistent`` (popularities decrease along the given order).
    Undefined statistics (MMR = 1, no expected errors) are NaN with a warning saying why.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> x = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0]]
    >>> maturity.guttman(x)[["reproducibility", "scalability", "loevinger_h"]].round(4).tolist()
    [0.7333, 0.2, -0.1111]
    """
    x, names = _binary(binary)
    n, k = x.shape
    errors = int(guttman_errors(x).sum())
    cr = 1 - errors / (n * k)
    p = x.mean(axis=0)
    mmr = float(np.mean(np.maximum(p, 1 - p)))
    if np.isclose(mmr, 1):
        warnings.warn("scalability undefined: every rung is passed by all units or by none (MMR = 1)", stacklevel=2)
        scal = float("nan")
    else:
        scal = (cr - mmr) / (1 - mmr)
    observed = expected = 0.0
    for i in range(k):
        for j in range(i + 1, k):
            easy, hard = (i, j) if p[i] >= p[j] else (j, i)
            observed += float(np.sum((x[:, hard] == 1) & (x[:, easy] == 0)))
            expected += n * p[hard] * (1 - p[easy])
    if expected <= 0:
        warnings.warn("Loevinger's H undefined: no Guttman errors are possible (a rung is passed by all units or "
                      "by none)", stacklevel=2)
        h = float("nan")
    else:
        h = 1 - observed / expected
    return pd.Series({"reproducibility": float(cr), "scalability": float(scal), "loevinger_h": float(h), "mmr": mmr,
                      "errors": errors, "n": n, "k": k,
                      "order_consistent": bool(np.all(np.diff(p) <= 1e-12))}, name="guttman")


def rung_pass_rates(binary: pd.DataFrame | np.ndarray) -> pd.Series:
    """Share of units passing each rung, in the given order (a cumulative ladder decreases).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.rung_pass_rates([[1, 1], [1, 0]]).tolist()
    [1.0, 0.5]
    """
    x, names = _binary(binary)
    return pd.Series(x.mean(axis=0), index=names, name="pass_rate")
