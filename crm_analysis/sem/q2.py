"""Stone-Geisser Q² by blindfolding (cross-validated redundancy; Chin 1998, Hair et al. 2022).

For each endogenous construct the data points of its indicator block are numbered down the
columns (item 1 of cases 1..n, then item 2, ...); round ``d`` of ``D`` (the omission distance)
omits every point whose number is ``d`` modulo ``D`` and replaces it by the mean of its
indicator's remaining values (SmartPLS; hence its rule that ``n`` must not be a multiple of
``D``: each column then gets a shifted omission pattern). The model is estimated on the round's data and each
omitted point is predicted by the redundancy approach, ``mean + sd · λ_k · Σ β_i ξ_i`` (the
loading times the construct predicted from its direct antecedents' scores, back on the raw
scale). ``Q² = 1 − SSE / SSO`` over the block, with SSO the squared deviations of the omitted
points from the round's indicator mean.

Examples
--------
>>> from crm_analysis import sem
>>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
>>> data = sem.simulate(text, n=300, paths={("X", "Y"): 0.6}, seed=1)
>>> q2 = sem.blindfolding(data, text)
>>> list(q2.columns), bool(q2.loc[0, "q2"] > 0)
(['construct', 'sso', 'sse', 'q2'], True)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem.model import Model
from crm_analysis.sem.pls import _check_options, _setup

__all__ = ["blindfolding"]


def blindfolding(
    data: pd.DataFrame,
    model: Model | str,
    *,
    omission_distance: int = 7,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Q² (cross-validated redundancy) of every endogenous construct by blindfolding.

    Parameters
    ----------
    data : DataFrame
    model : Model or str
    omission_distance : int
        ``D`` (5 to 12 as usual; default 7). The number of rows must not be a multiple of it,
        else whole cases would be omitted together.
    scheme, max_iter, tol, missing
        As :func:`estimate_pls`.

    Returns
    -------
    DataFrame
        ``construct, sso, sse, q2`` (raw indicator units; Q² > 0: predictive relevance).
    """
    _check_options(scheme, True, max_iter, tol, missing, "seminr")
    D = omission_distance
    if isinstance(D, bool) or not isinstance(D, (int, np.integer)) or D < 2:
        raise ParameterError(f"omission_distance: expected an integer >= 2, got {D!r}")
    setup = _setup(data, model, what="blindfolding", missing=missing)
    X, st = setup.prep.X, setup.st
    n = len(X)
    if n % D == 0:
        raise ParameterError(f"omission_distance: {D} divides the number of rows ({n}); choose another "
                             f"(SmartPLS' rule), else every round omits whole cases")
    opts = dict(scheme=scheme, scaled=True, max_iter=int(max_iter), tol=float(tol), convergence="seminr",
                extras=False)
    rows = []
    for j in st.endo:
        idx = st.blocks[j]
        K = len(idx)
        omit_all = np.arange(n * K).reshape(K, n).T % D  # numbered down each indicator column
        rounds, masks = [], []
        for d in range(D):
            omit = omit_all == d
            Xd = X.copy()
            for k, col in enumerate(idx):
                Xd[omit[:, k], col] = X[~omit[:, k], col].mean()
            rounds.append(Xd)
            masks.append(omit)
        stack = np.stack(rounds)
        means = stack.mean(axis=1)
        centred = stack - means[:, None, :]
        S = np.einsum("bni,bnj->bij", centred, centred) / n
        fit = core.fit_batch(S, np.full(D, float(n)), st, **opts)
        sd = fit["indicator_sd"]
        sse = sso = 0.0
        for d in range(D):
            Z = centred[d] / sd[d]
            scores = Z @ (fit["std_weights"][d][:, None] * st.mask)
            eta = scores @ fit["path_matrix"][d][:, j]
            pred = means[d, idx] + sd[d, idx] * fit["loadings"][d, idx] * eta[:, None]
            omit = masks[d]
            actual = X[:, idx]
            sse += float(((actual - pred) ** 2)[omit].sum())
            sso += float(((actual - means[d, idx]) ** 2)[omit].sum())
        rows.append((st.constructs[j], sso, sse, 1 - sse / sso))
    return pd.DataFrame(rows, columns=["construct", "sso", "sse", "q2"])
