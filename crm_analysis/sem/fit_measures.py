"""Overall model fit of a PLS path model: SRMR, d_ULS, d_G and the bootstrap test of exact fit.

The model-implied indicator correlation matrix follows SmartPLS and cSEM's ``fit()``:

- a composite block (mode B, and mode A without PLSc) keeps its observed within-block
  correlations; a common-factor block (a construct corrected by PLSc) has ``λ_i λ_j`` within;
- between blocks ``Σ_ij = λ_i φ_kl λ_j`` with composite loadings (correlations of the items
  with their composite) or PLSc loadings;
- ``φ``: the "saturated" model uses the construct correlations as estimated (composite or
  PLSc-corrected), the "estimated" model those implied by the structural model (exogenous
  correlations free, disturbance variances ``1 - R²``, cSEM's convention).

Discrepancies (Dijkstra & Henseler 2015): ``SRMR = sqrt(mean (r_ij - σ_ij)²)`` over the lower
triangle with the diagonal, ``d_ULS = ½ Σ_ij (r_ij - σ_ij)²`` over the whole matrix,
``d_G = ½ Σ_k (ln φ_k)²`` with ``φ_k`` the eigenvalues of ``R⁻¹ Σ`` (natural logarithm).
The test of exact fit bootstraps data transformed to have the implied correlations exactly
(Beran & Srivastava 1985: ``X Σ^½ R^-½``); HI95 and HI99 are the 95% and 99% quantiles of the
bootstrap discrepancies, and the model is rejected at 5% when the discrepancy exceeds HI95.

Examples
--------
>>> from crm_analysis import sem
>>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
>>> data = sem.simulate(text, n=300, paths={("X", "Y"): 0.5}, seed=1)
>>> fit = sem.model_fit(data, text, consistent=True, bootstrap=200, seed=1)
>>> list(fit.table.columns)
['statistic', 'model', 'value', 'hi95', 'hi99', 'p']
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem import bootstrap as bs
from crm_analysis.sem.model import Model
from crm_analysis.sem.pls import _check_options, _chunks, _setup

__all__ = ["model_fit", "ModelFit", "implied_correlation", "discrepancies"]

STATISTICS = ("srmr", "d_uls", "d_g")
MODELS = ("saturated", "estimated")


def implied_correlation(fit: dict[str, np.ndarray], R: np.ndarray, st: core.Structure,
                        consistent: np.ndarray | None, saturated: bool) -> np.ndarray:
    """Model-implied indicator correlations (B, p, p) of a batch of PLS fits (see module doc)."""
    B, p, _ = R.shape
    mask = st.mask
    lam = fit["loadings"][:, :, None] * mask  # (B, p, J)
    phi = fit["lv_cor"] if saturated else _structural_phi(fit, st)
    sigma = lam @ phi @ np.swapaxes(lam, 1, 2)
    factor = np.zeros(st.J, dtype=bool) if consistent is None else np.asarray(consistent, bool)
    for j in range(st.J):
        if not factor[j]:
            idx = st.blocks[j]
            sigma[:, idx[:, None], idx] = R[:, idx[:, None], idx]
    diag = np.arange(p)
    sigma[:, diag, diag] = 1.0
    return sigma


def _structural_phi(fit: dict[str, np.ndarray], st: core.Structure) -> np.ndarray:
    """Construct correlations implied by the structural model (cSEM ``fit(.saturated=FALSE)``)."""
    phi_all = fit["lv_cor"]
    P = fit["path_matrix"]  # [from, to]
    endo = np.array(st.endo, dtype=np.intp)
    exo = np.array([j for j in range(st.J) if j not in st.endo], dtype=np.intp)
    Bn = np.swapaxes(P[:, endo[:, None], endo], 1, 2)  # (B, endo_to, endo_from)
    G = np.swapaxes(P[:, exo[:, None], endo], 1, 2)  # (B, endo, exo)
    Phi = phi_all[:, exo[:, None], exo]
    zeta = 1.0 - fit["r_squared"][:, endo]
    inv = np.linalg.inv(np.eye(len(endo)) - Bn)
    exo_endo = Phi @ np.swapaxes(G, 1, 2) @ np.swapaxes(inv, 1, 2)
    psi = np.zeros(Bn.shape)
    k = np.arange(len(endo))
    psi[:, k, k] = zeta
    endo_endo = inv @ (G @ Phi @ np.swapaxes(G, 1, 2) + psi) @ np.swapaxes(inv, 1, 2)
    endo_endo[:, k, k] = 1.0
    out = np.empty_like(phi_all)
    out[:, exo[:, None], exo] = Phi
    out[:, exo[:, None], endo] = exo_endo
    out[:, endo[:, None], exo] = np.swapaxes(exo_endo, 1, 2)
    out[:, endo[:, None], endo] = endo_endo
    return out


def discrepancies(R: np.ndarray, sigma: np.ndarray) -> dict[str, np.ndarray]:
    """SRMR, d_ULS and d_G (each (B,)) between correlation matrices ``R`` and ``sigma`` (B, p, p).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[[1.0, 0.5], [0.5, 1.0]]]); S = np.array([[[1.0, 0.3], [0.3, 1.0]]])
    >>> {k: round(float(v[0]), 4) for k, v in discrepancies(R, S).items()}
    {'srmr': 0.1155, 'd_uls': 0.04, 'd_g': 0.0668}
    """
    p = R.shape[-1]
    il, jl = np.tril_indices(p)
    diff = R - sigma
    srmr = np.sqrt((diff[:, il, jl] ** 2).mean(axis=1))
    duls = 0.5 * (diff ** 2).sum(axis=(1, 2))
    return {"srmr": srmr, "d_uls": duls, "d_g": _geodesic(R, sigma)}


def _geodesic(R: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``½ Σ (ln φ)²`` with φ the eigenvalues of ``R⁻¹ Σ``; NaN where ``R`` is singular or
    ``Σ`` not positive definite."""
    ok = np.isfinite(R).all(axis=(1, 2)) & np.isfinite(sigma).all(axis=(1, 2))
    out = np.full(len(R), np.nan)
    idx = np.flatnonzero(ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            L = np.linalg.cholesky(R[idx])
        except np.linalg.LinAlgError:  # a singular resample: one at a time
            for i in idx:
                out[i] = _geodesic(R[i:i + 1] + 0.0, sigma[i:i + 1])[0] if _pd(R[i]) else np.nan
            return out
        Li = np.linalg.inv(L)
        ev = np.linalg.eigvalsh(Li @ sigma[idx] @ np.swapaxes(Li, 1, 2))
        out[idx] = np.where(ev.min(axis=1) > 0, 0.5 * (np.log(ev) ** 2).sum(axis=1), np.nan)
    return out


def _pd(A: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(A)
        return True
    except np.linalg.LinAlgError:
        return False


@dataclass
class ModelFit:
    """Results of :func:`model_fit`.

    Attributes
    ----------
    table : DataFrame
        ``statistic`` (srmr, d_uls, d_g), ``model`` (saturated, estimated), ``value``, and with
        a bootstrap ``hi95``, ``hi99`` (quantiles of the discrepancy under exact fit) and ``p``
        (share of bootstrap discrepancies at least as large).
    implied : dict of str to DataFrame
        The model-implied indicator correlation matrices, ``saturated`` and ``estimated``.
    observed : DataFrame
        The indicator correlation matrix.
    bootstrap_draws : dict of str to ndarray
        ``"saturated"`` / ``"estimated"`` -> (B, 3) discrepancies (srmr, d_uls, d_g) per resample.
    """

    model: Model
    table: pd.DataFrame
    implied: dict[str, pd.DataFrame]
    observed: pd.DataFrame
    settings: dict[str, Any]
    bootstrap_draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        with pd.option_context("display.float_format", "{:.4f}".format):
            return "ModelFit\n" + self.table.to_string(index=False)


def model_fit(
    data: pd.DataFrame,
    model: Model | str,
    *,
    consistent: bool | Sequence[str] = False,
    bootstrap: int = 0,
    seed: int | np.random.Generator | None = None,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: str = "listwise",
) -> ModelFit:
    """SRMR, d_ULS and d_G of a PLS (or PLSc) model, with the bootstrap test of exact fit.

    Parameters
    ----------
    data : DataFrame
    model : Model or str
    consistent : bool or list of str
        PLSc (as :func:`estimate_pls`): the corrected constructs are common factors in the
        implied matrix; the others composites.
    bootstrap : int
        Resamples of the Beran-Srivastava transformed data (0 = no test; else at least 50;
        SmartPLS and cSEM use 499 to 5000).
    seed : int, Generator or None
    scheme, max_iter, tol, missing
        As :func:`estimate_pls`.

    Returns
    -------
    ModelFit

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
    >>> data = sem.simulate(text, n=300, seed=1)
    >>> sem.model_fit(data, text).table["model"].unique().tolist()
    ['saturated', 'estimated']
    """
    _check_options(scheme, True, max_iter, tol, missing, "seminr")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0 \
            or 0 < bootstrap < 50:
        raise ParameterError(f"bootstrap: expected 0 (no test) or a number of resamples >= 50, got {bootstrap!r}")
    setup = _setup(data, model, what="model_fit", missing=missing, consistent=consistent)
    m, cmask, prep, mu, R, st = setup.model, setup.consistent, setup.prep, setup.mu, setup.R, setup.st
    X = prep.X
    n = len(X)
    opts = dict(scheme=scheme, scaled=True, max_iter=int(max_iter), tol=float(tol), convergence="seminr",
                extras=False, consistent=cmask)
    fit = core.fit_batch(R[None], np.array([float(n)]), st, **opts)
    notes = list(prep.notes)
    if not fit["converged"][0]:
        notes.append(f"the PLS algorithm did not converge in max_iter={max_iter} iterations")
    names = list(st.indicators)
    rows, implied, draws = [], {}, {}
    rng = bs.generator(seed)
    Z = (X - mu) / X.std(axis=0)
    for label in MODELS:
        sigma = implied_correlation(fit, R[None], st, cmask, saturated=label == "saturated")
        implied[label] = pd.DataFrame(sigma[0], index=names, columns=names)
        obs = discrepancies(R[None], sigma)
        boot = None
        if bootstrap:
            boot = _bootstrap(Z, R, sigma[0], st, cmask, opts, int(bootstrap), rng, label == "saturated")
            if boot is None:
                notes.append(f"{label} model: the implied correlation matrix is not positive definite; "
                             f"no bootstrap test")
            else:
                draws[label] = boot
                ok = np.isfinite(boot).all(axis=1)
                if (~ok).any():
                    notes.append(f"{label} model: {int((~ok).sum())} of {bootstrap} resamples failed "
                                 f"and are left out of the test")
        for s, stat in enumerate(STATISTICS):
            value = float(obs[stat][0])
            col = boot[:, s][np.isfinite(boot[:, s])] if boot is not None else np.empty(0)
            if col.size:
                hi95, hi99 = np.quantile(col, [0.95, 0.99])
                pval = float((col >= value).mean())
            else:
                hi95 = hi99 = pval = np.nan
            rows.append((stat, label, value, hi95, hi99, pval))
    table = pd.DataFrame(rows, columns=["statistic", "model", "value", "hi95", "hi99", "p"])
    if not bootstrap:
        table = table.drop(columns=["hi95", "hi99", "p"])
    settings = dict(opts, consistent=[] if cmask is None else [c for c, k in zip(m.constructs, cmask) if k],
                    bootstrap=int(bootstrap), seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
                    missing=missing)
    settings.pop("extras")
    return ModelFit(model=m, table=table, implied=implied,
                    observed=pd.DataFrame(R, index=names, columns=names), settings=settings,
                    bootstrap_draws=draws, warnings=notes)


def _sqrtm(A: np.ndarray, inverse: bool = False) -> np.ndarray | None:
    ev, vec = np.linalg.eigh(A)
    if ev.min() <= 1e-12:
        return None
    return (vec * (ev ** (-0.5 if inverse else 0.5))) @ vec.T


def _bootstrap(Z: np.ndarray, R: np.ndarray, sigma: np.ndarray, st: core.Structure, cmask, opts: dict,
               B: int, rng: np.random.Generator, saturated: bool) -> np.ndarray | None:
    """Discrepancies (B, 3) of the model refitted on resamples of the transformed data."""
    root, inv_root = _sqrtm(sigma), _sqrtm(R, inverse=True)
    if root is None or inv_root is None:
        return None
    Xt = Z @ inv_root @ root  # covariance (n divisor) exactly sigma
    n, p = Xt.shape
    out = np.empty((B, len(STATISTICS)))
    step = _chunks(B, n, p)
    for s in range(0, B, step):
        counts = bs.resample_counts(n, min(step, B - s), rng)
        Sb, _, nobs = core.covariance_stack(Xt, counts)
        fit = core.fit_batch(Sb, nobs, st, **opts)
        sd = np.sqrt(np.einsum("bii->bi", Sb))
        with np.errstate(invalid="ignore", divide="ignore"):
            Rb = Sb / (sd[:, :, None] * sd[:, None, :])
        sig = implied_correlation(fit, Rb, st, cmask, saturated)
        d = discrepancies(Rb, sig)
        block = np.column_stack([d[k] for k in STATISTICS])
        block[~fit["converged"]] = np.nan
        out[s:s + len(block)] = block
    return out
