"""Batched PLS path modelling on covariance matrices (numpy only; no pandas in here).

Every quantity of the PLS algorithm (Wold / Lohmoeller) can be computed from the indicator
covariance matrix ``S`` and the number of observations: the latent variable (LV) proxies are
linear combinations ``Y = X W``, so ``cov(X, Y) = S W`` and ``cor(Y) = W' S W``. Working on a
stack of ``B`` covariance matrices lets one call estimate ``B`` bootstrap resamples (or
permutation groups) at once with batched matrix products, without touching the raw data again.

Conventions (see ``docs/pls.md``):

- LV scores have unit variance with the ``n`` divisor (as R plspm).
- Mode A update ``w_j = cov(X_j, Z_j)``, mode B ``w_j = S_jj^-1 cov(X_j, Z_j)``, where
  ``Z_j = sum_i e_ij Y_i`` is the inner proxy.
- Inner schemes: centroid ``e_ij = sign(r_ij)``; factorial ``e_ij = r_ij``; path: a predecessor
  ``i`` of ``j`` gets its coefficient in the regression of ``Y_j`` on all predecessors of ``j``,
  a follower gets ``r_ij`` (R plspm ``get_path_scheme`` and R seminr ``path_weighting``).
- Sign: a construct whose indicators mostly load negatively is flipped (weights, scores,
  loadings together).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Structure", "structure_from_model", "covariance_stack", "fit_batch", "block_statistics", "reachability",
           "rho_a", "consistent_correction", "STATISTICS"]


@dataclass(frozen=True)
class Structure:
    """Index arrays describing a model, in the order of ``model.all_indicators``."""

    constructs: tuple[str, ...]
    indicators: tuple[str, ...]
    block: np.ndarray  # (p,) construct index of each indicator
    mask: np.ndarray  # (p, J) 0/1 block membership
    mode_b: np.ndarray  # (J,) bool
    P: np.ndarray  # (J, J) 1 where a path from row -> column
    preds: tuple[np.ndarray, ...]  # predecessors of each construct
    endo: tuple[int, ...]  # constructs with predecessors (construct order)
    path_idx: tuple[tuple[int, int], ...]  # (from, to) in model order
    blocks: tuple[np.ndarray, ...]  # indicator indices of each block

    @property
    def p(self) -> int:
        return len(self.indicators)

    @property
    def J(self) -> int:  # noqa: N802
        return len(self.constructs)


def structure_from_model(model) -> Structure:
    constructs = tuple(model.constructs)
    ind = model.indicators
    indicators = tuple(model.all_indicators)
    J, p = len(constructs), len(indicators)
    block = np.empty(p, dtype=np.intp)
    blocks = []
    pos = 0
    for j, c in enumerate(constructs):
        k = len(ind[c])
        block[pos:pos + k] = j
        blocks.append(np.arange(pos, pos + k))
        pos += k
    mask = np.zeros((p, J))
    mask[np.arange(p), block] = 1.0
    P = np.zeros((J, J))
    path_idx = []
    for f, t in model.structural_paths:
        fi, ti = constructs.index(f), constructs.index(t)
        P[fi, ti] = 1.0
        path_idx.append((fi, ti))
    preds = tuple(np.flatnonzero(P[:, j]) for j in range(J))
    endo = tuple(j for j in range(J) if len(preds[j]))
    mode_b = np.array([model.modes[c] == "B" for c in constructs])
    return Structure(constructs, indicators, block, mask, mode_b, P, preds, endo,
                     tuple(path_idx), tuple(blocks))


def reachability(P: np.ndarray) -> np.ndarray:
    """``reach[a, b]``: a directed path leads from construct ``a`` to ``b`` (``P[from, to]`` > 0)."""
    reach = P > 0
    for _ in range(len(P)):
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    return reach


# ----------------------------------------------------------------------------------------------
# covariance matrices of resamples
# ----------------------------------------------------------------------------------------------
def covariance_stack(X: np.ndarray, freq: np.ndarray | None = None,
                     chunk_elements: int = 30_000_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance matrices (``n`` divisor) of ``X`` under row frequency weights.

    Parameters
    ----------
    X : (n, p) array, ideally centred (better rounding).
    freq : (B, n) non-negative weights (bootstrap counts, 0/1 group membership) or None for
        the data as they are.

    Returns
    -------
    S : (B, p, p), means : (B, p), nobs : (B,)
    """
    n, p = X.shape
    if freq is None:
        m = X.mean(axis=0)
        Xc = X - m
        S = (Xc.T @ Xc) / n
        return S[None], m[None], np.array([float(n)])
    freq = np.asarray(freq, dtype=float)
    B = freq.shape[0]
    nobs = freq.sum(axis=1)
    means = (freq @ X) / nobs[:, None]
    S = np.empty((B, p, p))
    iu, ju = np.triu_indices(p)
    if n * len(iu) <= chunk_elements:
        # one GEMM: per-row products x_i x_j (upper triangle), weighted by the frequencies
        O = X[:, iu] * X[:, ju]
        step = max(1, chunk_elements // len(iu))
        for s in range(0, B, step):
            T = freq[s:s + step] @ O
            S[s:s + step, iu, ju] = T
            S[s:s + step, ju, iu] = T
    else:
        # large n: one weighted cross-product per resample (numpy only)
        for b in range(B):
            S[b] = (X.T * freq[b]) @ X
    S /= nobs[:, None, None]
    S -= means[:, :, None] * means[:, None, :]
    return S, means, nobs


# ----------------------------------------------------------------------------------------------
# the PLS iteration
# ----------------------------------------------------------------------------------------------
def _normalise(W: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Scale each column so that the composite has unit variance under ``C``."""
    var = np.einsum("bpj,bpj->bj", W, C @ W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return W / np.sqrt(var)[:, None, :]


def _lv_cor(W: np.ndarray, CW: np.ndarray) -> np.ndarray:
    R = np.swapaxes(W, 1, 2) @ CW
    d = np.sqrt(np.einsum("bjj->bj", R))
    with np.errstate(invalid="ignore", divide="ignore"):
        return R / (d[:, :, None] * d[:, None, :])


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``A x = b`` for (B, k, k) and (B, k); NaN where A is singular."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(A.shape[0]):  # rare: only when a resample is degenerate
            try:
                out[i] = np.linalg.solve(A[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out


def _inner_weights(RL: np.ndarray, st: Structure, scheme: str) -> np.ndarray:
    A = st.P + st.P.T
    if scheme == "centroid":
        return np.sign(RL) * A
    if scheme == "factorial":
        return RL * A
    E = RL * st.P.T  # followers: correlation
    for j, beta in _regressions(RL, st, [(j, st.preds[j]) for j in st.endo]):
        E[:, st.preds[j], j] = beta
    return E


def _regressions(RL: np.ndarray, st: Structure, jobs: list[tuple[int, np.ndarray]]):
    """Standardised OLS coefficients of construct ``j`` on constructs ``idx`` for each job.

    Returns ``[(j, beta (B, len(idx))), ...]`` in job order. Jobs with the same number of
    predictors share one batched solve; a single predictor's coefficient is its correlation
    (the scores have unit variance).
    """
    out: list = [None] * len(jobs)
    by_size: dict[int, list[int]] = {}
    for pos, (_, idx) in enumerate(jobs):
        by_size.setdefault(len(idx), []).append(pos)
    for k, positions in by_size.items():
        group = [(jobs[q][0], np.asarray(jobs[q][1], dtype=np.intp)) for q in positions]
        if k == 0:
            betas = [np.zeros((RL.shape[0], 0)) for _ in group]
        elif k == 1:
            betas = [RL[:, idx, j] for j, idx in group]
        else:
            A = np.stack([RL[:, idx[:, None], idx] for _, idx in group], axis=1)
            b = np.stack([RL[:, idx, j] for j, idx in group], axis=1)
            sol = _solve(A.reshape(-1, k, k), b.reshape(-1, k)).reshape(b.shape)
            betas = [sol[:, g] for g in range(len(group))]
        for q, (j, _), beta in zip(positions, group, betas):
            out[q] = (j, beta)
    return out


def _iterate(C: np.ndarray, nobs: np.ndarray, st: Structure, scheme: str, max_iter: int,
             tol: float, convergence: str, Cinv_b: dict[int, np.ndarray]):
    B = C.shape[0]
    mask = st.mask
    W = _normalise(np.broadcast_to(mask, (B,) + mask.shape).copy(), C)
    out_W = np.empty_like(W)
    n_iter = np.full(B, max_iter, dtype=int)
    converged = np.zeros(B, dtype=bool)
    delta = np.full(B, np.nan)
    if convergence == "plspm":
        old = W.sum(axis=2)  # plspm compares row sums of the raw weight matrix
    else:
        old = np.broadcast_to(mask, W.shape).copy()  # seminr starts from the 0/1 weights
    factor = ((nobs - 1.0) / nobs)[:, None, None]  # plspm's proxies have variance ((n-1)/n)^2
    act = np.arange(B)
    for it in range(1, max_iter + 1):
        CW = C @ W
        RL = _lv_cor(W, CW)
        E = _inner_weights(RL, st, scheme)
        U = CW @ E
        Wn = U * mask
        for j, Cinv in Cinv_b.items():
            idx = st.blocks[j]
            Wn[:, idx, j] = (Cinv @ U[:, idx, j, None])[..., 0]
        Wt = _normalise(Wn, C)
        if convergence == "plspm":
            raw = (Wn * factor).sum(axis=2)
            d = ((np.abs(old) - np.abs(raw)) ** 2).sum(axis=1)
            old = raw
        else:
            d = np.abs(Wt - old).sum(axis=(1, 2))
            old = Wt
        W = Wt
        done = d < tol
        bad = ~np.isfinite(d)
        stop = done | bad
        if stop.any() or it == max_iter:
            fin = stop if it < max_iter else np.ones_like(stop)
            ids = act[fin]
            out_W[ids] = W[fin]
            n_iter[ids] = it
            converged[ids] = done[fin]
            delta[ids] = d[fin]
            keep = ~fin
            if not keep.any():
                break
            act = act[keep]
            W, C, old, factor = W[keep], C[keep], old[keep], factor[keep]
            Cinv_b = {j: v[keep] for j, v in Cinv_b.items()}
    return out_W, n_iter, converged, delta


STATISTICS = (
    "weights", "std_weights", "loadings", "cross_loadings", "paths", "r_squared",
    "r_squared_adj", "total_effects", "lv_cor", "htmt", "alpha", "rho_a", "rho_c", "ave",
    "f_squared", "gof",
)


def fit_batch(S: np.ndarray, nobs: np.ndarray, st: Structure, *, scheme: str = "path",
              scaled: bool = True, max_iter: int = 300, tol: float = 1e-7,
              convergence: str = "seminr", extras: bool = True,
              consistent: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Estimate the model on each covariance matrix of the stack ``S`` (B, p, p).

    ``consistent`` (J,) bool marks the constructs corrected by PLSc (Dijkstra & Henseler 2015):
    their loadings become ``w sqrt(rho_A) / w'w`` and their correlations are divided by
    ``sqrt(rho_A)``; paths and R² are then the OLS solutions on the corrected correlations
    (``lv_cor`` is the corrected matrix, ``composite_cor`` the one of the PLS composites).

    Returns a dict of arrays with a leading resample axis: ``weights`` (B, p) in the metric of
    the data used (standardised when ``scaled``), ``std_weights`` (B, p) for standardised
    indicators, ``loadings`` (B, p), ``cross_loadings`` (B, p, J), ``paths`` (B, n_paths) in
    model order, ``path_matrix`` (B, J, J) ``[from, to]``, ``r_squared`` (B, J) (NaN for
    exogenous constructs), ``total_effects`` (B, J, J), ``lv_cor`` (B, J, J), ``n_iter`` (B,),
    ``converged`` (B,), and with ``extras`` ``r_squared_adj``, ``htmt`` (B, J, J), ``alpha``,
    ``rho_a``, ``rho_c``, ``ave`` (B, J), ``f_squared`` (B, n_paths), ``gof`` (B,).
    """
    # degenerate resamples (a constant indicator) propagate NaN quietly; they are flagged below
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _fit_batch(S, nobs, st, scheme, scaled, max_iter, tol, convergence, extras, consistent)


def rho_a(std_weights: np.ndarray, st: Structure) -> np.ndarray:
    """Dijkstra-Henseler rho_A (B, J) from weights for standardised items (``w'Rw = 1``).

    ``rho_A = (w'w)² w'(R - I)w / w'(ww' - diag(ww'))w``; with ``w'Rw = 1`` the numerator's
    quadratic form is ``1 - w'w``. 1 for single-item and mode B blocks (as seminr).
    """
    mask = st.mask
    k = mask.sum(axis=0)
    w2 = (std_weights ** 2) @ mask
    w4 = (std_weights ** 4) @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = w2 ** 2 * (1 - w2) / (w2 ** 2 - w4)
    return np.where((k > 1) & ~st.mode_b, rho, 1.0)


def consistent_correction(RL: np.ndarray, std_weights: np.ndarray, loadings: np.ndarray,
                          rho: np.ndarray, consistent: np.ndarray, st: Structure
                          ) -> tuple[np.ndarray, np.ndarray]:
    """PLSc: construct correlations disattenuated by rho_A and consistent loadings.

    Returns ``(R_corrected (B, J, J), loadings (B, p))``; constructs not marked in
    ``consistent`` keep their composite correlations (rho = 1) and PLS loadings.
    """
    rc = np.where(consistent, rho, 1.0)
    q = np.sqrt(rc)
    with np.errstate(invalid="ignore", divide="ignore"):
        Rc = RL / (q[:, :, None] * q[:, None, :])
        w2 = (std_weights ** 2) @ st.mask
        lam = std_weights * (q / w2)[:, st.block]
    diag = np.arange(st.J)
    Rc[:, diag, diag] = 1.0
    return Rc, np.where(consistent[st.block], lam, loadings)


def _fit_batch(S, nobs, st: Structure, scheme, scaled, max_iter, tol, convergence, extras,
               consistent=None):
    B, p, _ = S.shape
    J = st.J
    mask = st.mask
    nobs = np.broadcast_to(np.asarray(nobs, dtype=float), (B,))
    sd = np.sqrt(np.einsum("bii->bi", S))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = S / (sd[:, :, None] * sd[:, None, :])
    C = R if scaled else S
    Cinv_b = {}
    for j in np.flatnonzero(st.mode_b):
        idx = st.blocks[j]
        sub = C[:, idx[:, None], idx]
        try:
            Cinv_b[int(j)] = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            Cinv_b[int(j)] = np.linalg.pinv(sub)
    W, n_iter, converged, delta = _iterate(C, nobs, st, scheme, max_iter, tol, convergence, Cinv_b)

    CW = C @ W
    csd = np.sqrt(np.einsum("bii->bi", C))
    with np.errstate(invalid="ignore", divide="ignore"):
        CL = CW / csd[:, :, None]  # cor(x_i, Y_j): Y has unit variance
    # sign: flip a construct whose own loadings are mostly negative
    own = CL * mask
    votes = np.sign(own).sum(axis=1)
    tie = np.sign(own.sum(axis=1))
    s = np.where(votes != 0, np.sign(votes), np.where(tie != 0, tie, 1.0))
    W = W * s[:, None, :]
    CW = CW * s[:, None, :]
    CL = CL * s[:, None, :]
    RL = _lv_cor(W, CW)

    weights = (W * mask).sum(axis=2)
    std_weights = weights if scaled else weights * sd
    loadings = (CL * mask).sum(axis=2)
    rho = rho_a(std_weights, st)
    composite_cor = RL
    if consistent is not None and np.any(consistent):
        RL, loadings = consistent_correction(RL, std_weights, loadings, rho, np.asarray(consistent, bool), st)

    Bm = np.zeros((B, J, J))
    r2 = np.full((B, J), np.nan)
    for j, beta in _regressions(RL, st, [(j, st.preds[j]) for j in st.endo]):
        idx = st.preds[j]
        Bm[:, idx, j] = beta
        r2[:, j] = (beta * RL[:, idx, j]).sum(axis=1)
    eye = np.eye(J)
    try:
        T = Bm @ np.linalg.inv(eye - Bm)
    except np.linalg.LinAlgError:  # cannot happen for an acyclic model; guard NaN resamples
        T = np.full_like(Bm, np.nan)
    fi = np.array([f for f, _ in st.path_idx], dtype=np.intp)
    ti = np.array([t for _, t in st.path_idx], dtype=np.intp)
    out = {
        "weights": weights,
        "std_weights": std_weights,
        "loadings": loadings,
        "cross_loadings": CL,
        "path_matrix": Bm,
        "paths": Bm[:, fi, ti] if len(fi) else np.zeros((B, 0)),
        "r_squared": r2,
        "total_effects": T,
        "lv_cor": RL,
        "composite_cor": composite_cor,
        "rho_a": rho,
        "n_iter": n_iter,
        "converged": converged,
        # a constant indicator or a non-finite iteration: not a convergence problem
        "degenerate": ~(sd > 0).all(axis=1) | ~np.isfinite(delta),
        "delta": delta,
        "indicator_sd": sd,
    }
    if extras:
        out.update(_extras(R, RL, loadings, r2, nobs, st))
    return out


def block_statistics(R: np.ndarray, loadings: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """HTMT (B, J, J; NaN diagonal) and Cronbach's alpha, rho_C, AVE (B, J) of every block.

    From indicator correlations ``R`` (B, p, p) and standardised ``loadings`` (B, p): the same
    for the PLS engine and CB-SEM (which passes its standardised factor loadings). A single-item
    block gets 1 throughout.
    """
    k = mask.sum(axis=0)  # block sizes (J,)
    # block sums of indicator correlations: (B, J, J)
    blocksum_abs = mask.T @ np.abs(R) @ mask
    blocksum = mask.T @ R @ mask
    within_abs = np.einsum("bjj->bj", blocksum_abs)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(k > 1, (within_abs - k) / (k * (k - 1)), 1.0)  # single item: 1
        hetero = blocksum_abs / np.outer(k, k)
        htmt = hetero / np.sqrt(mono[:, :, None] * mono[:, None, :])
    diag = np.arange(len(k))
    htmt[:, diag, diag] = np.nan
    # Cronbach's alpha on standardised items
    within = np.einsum("bjj->bj", blocksum)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(k > 1, k / (k - 1) * (1 - k / within), 1.0)
    # composite reliability and AVE from loadings
    ls = loadings @ mask
    l2 = (loadings ** 2) @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_c = np.where(k > 1, ls ** 2 / (ls ** 2 + (k - l2)), 1.0)
        ave = np.where(k > 1, l2 / k, 1.0)
    return {"htmt": htmt, "alpha": alpha, "rho_c": rho_c, "ave": ave}


def _extras(R, RL, loadings, r2, nobs, st: Structure) -> dict[str, np.ndarray]:
    B = R.shape[0]
    J = st.J
    mask = st.mask
    k = mask.sum(axis=0)  # block sizes (J,)
    # adjusted R²
    npred = np.array([len(st.preds[j]) for j in range(J)], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2_adj = 1 - (1 - r2) * (nobs[:, None] - 1) / (nobs[:, None] - npred - 1)
    blocks = block_statistics(R, loadings, mask)
    # f² = (R²_incl - R²_excl) / (1 - R²_incl)
    f2 = np.full((B, len(st.path_idx)), np.nan)
    jobs = [(t, np.array([i for i in st.preds[t] if i != f], dtype=np.intp)) for f, t in st.path_idx]
    for n_path, ((t, others), (_, beta)) in enumerate(zip(jobs, _regressions(RL, st, jobs))):
        r2_ex = (beta * RL[:, others, t]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            f2[:, n_path] = (r2[:, t] - r2_ex) / (1 - r2[:, t])
    # GoF (Tenenhaus et al. 2004, plspm): mean communality of multi-item blocks, mean R²
    multi = k[st.block] > 1
    comm = loadings[:, multi] ** 2
    mean_comm = comm.mean(axis=1) if multi.any() else np.full(B, np.nan)
    endo = list(st.endo)
    mean_r2 = r2[:, endo].mean(axis=1) if endo else np.full(B, np.nan)
    gof = np.sqrt(mean_comm * mean_r2)
    return {
        "r_squared_adj": r2_adj,
        "htmt": blocks["htmt"],
        "alpha": blocks["alpha"],
        "rho_c": blocks["rho_c"],
        "ave": blocks["ave"],
        "f_squared": f2,
        "gof": gof,
    }
