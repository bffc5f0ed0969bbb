"""Information criteria of the structural equations of a PLS model (Sharma et al. 2019).

For each endogenous construct, the OLS regression of its composite scores on its predictors'
scores gives ``SSE = (1 − R²)(n − 1)`` (scores with unit variance, ``n − 1`` divisor, as seminr)
and, with ``p_k`` = number of predictors + 1,

- ``AIC = n ln(SSE / n) + 2 p_k``
- ``BIC = n ln(SSE / n) + p_k ln(n)``

(R seminr's ``it_criteria``). The R² is that of the composites (also after PLSc, as seminr).
Compare models on the same data and target construct: the smallest value wins;
:func:`ic_weights` turns the values of competing models into Akaike / BIC weights.

Examples
--------
>>> from crm_analysis import sem
>>> text = "X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X"
>>> fit = sem.estimate_pls(sem.simulate(text, n=200, seed=1), text)
>>> list(sem.information_criteria(fit).columns)
['construct', 'n', 'k', 'r_squared', 'aic', 'bic']
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError

__all__ = ["information_criteria", "ic_weights"]


def information_criteria(fit) -> pd.DataFrame:
    """AIC and BIC of every endogenous construct's structural equation (see the module doc).

    Parameters
    ----------
    fit : PLSResult

    Returns
    -------
    DataFrame
        ``construct, n, k`` (predictors + 1), ``r_squared`` (of the composites), ``aic, bic``.
    """
    from crm_analysis.sem.pls import PLSResult  # noqa: PLC0415

    if not isinstance(fit, PLSResult):
        raise ParameterError(f"fit: expected a PLSResult from estimate_pls, got {type(fit).__name__}")
    scores = fit.scores
    n = len(scores)
    C = np.corrcoef(scores.to_numpy(), rowvar=False)
    cs = list(scores.columns)
    rows = []
    for target in fit.r_squared.index:
        preds = [f for f, t in zip(fit.paths["from"], fit.paths["to"]) if t == target]
        idx = [cs.index(c) for c in preds]
        j = cs.index(target)
        r2 = float(C[j, idx] @ np.linalg.solve(C[np.ix_(idx, idx)], C[idx, j]))
        k = len(preds) + 1
        log_mse = n * np.log((1 - r2) * (n - 1) / n)
        rows.append((target, n, k, r2, log_mse + 2 * k, log_mse + k * np.log(n)))
    return pd.DataFrame(rows, columns=["construct", "n", "k", "r_squared", "aic", "bic"])


def ic_weights(values: Sequence[float]) -> np.ndarray:
    """Akaike (or BIC) weights of competing models from their criterion values (NaN skipped).

    Examples
    --------
    >>> ic_weights([100.0, 102.0]).round(3).tolist()
    [0.731, 0.269]
    """
    v = np.asarray(values, dtype=float)
    rel = np.exp(-0.5 * (v - np.nanmin(v)))
    return rel / np.nansum(rel)
