"""Seeded data from a known structural model (tests, power checks, CSI survey examples)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.sem.bootstrap import generator
from crm_analysis.sem.model import Model, as_model

__all__ = ["simulate", "implied_covariance"]


def _default_and_given(value: Any, default: float, name: str, mapping: str) -> tuple[float, Mapping]:
    """``paths=`` / ``loadings=``: None (the default for all), one number for all, or a mapping."""
    if value is None:
        return default, {}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), {}
    if isinstance(value, Mapping):
        return default, value
    raise ParameterError(f"{name}: expected a mapping {mapping}, a number, or None")


def _path_values(m: Model, paths: Any) -> dict[tuple[str, str], float]:
    default, given = _default_and_given(paths, 0.3, "paths", "{(from, to): coefficient}")
    known = set(m.structural_paths)
    unknown = [k for k in given if tuple(k) not in known] if given else []
    if unknown:
        raise ParameterError(f"paths: {unknown} are not structural paths of the model ({sorted(known)})")
    out = {}
    for pair in m.structural_paths:
        v = given.get(pair, default)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v):
            raise ParameterError(f"paths[{pair!r}]: expected a number, got {v!r}")
        out[pair] = float(v)
    return out


def _loading_values(m: Model, loadings: Any) -> dict[str, float]:
    default, given = _default_and_given(loadings, 0.8, "loadings", "{indicator or construct: loading}")
    cons, inds = set(m.constructs), set(m.all_indicators)
    unknown = [k for k in given if k not in cons and k not in inds]
    if unknown:
        raise ParameterError(f"loadings: {unknown} are neither constructs nor indicators of the model")
    out = {}
    for c in m.constructs:
        for x in m.indicators[c]:
            v = given.get(x, given.get(c, default))
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (-1 <= v <= 1) or v == 0:
                raise ParameterError(f"loadings[{x!r}]: expected a non-zero number in [-1, 1], got {v!r}")
            out[x] = float(v)
    return out


def _lv_covariance(m: Model, beta: dict[tuple[str, str], float], exogenous_cor: float
                   ) -> tuple[np.ndarray, list[tuple[int, list[int], np.ndarray, float]]]:
    """Latent correlation matrix, and the structural equations in causal order: per endogenous
    construct its index, its predecessors' indices, their paths and the variance they explain."""
    cs = m.constructs
    J = len(cs)
    phi = np.zeros((J, J))
    exo = [cs.index(c) for c in m.exogenous]
    for a in exo:
        for b in exo:
            phi[a, b] = 1.0 if a == b else exogenous_cor
    if len(exo) > 1 and np.linalg.eigvalsh(phi[np.ix_(exo, exo)]).min() <= 0:
        raise ParameterError(f"exogenous_cor: {exogenous_cor} does not give a valid correlation matrix")
    done = list(exo)
    equations = []
    for c in m.order():
        j = cs.index(c)
        if j in exo:
            continue
        preds = [cs.index(f) for f, t in m.structural_paths if t == c]
        b = np.array([beta[(cs[i], c)] for i in preds])
        explained = float(b @ phi[np.ix_(preds, preds)] @ b)
        if explained >= 1:
            raise ParameterError(
                f"paths into {c!r} explain {explained:.3f} of its variance (must be < 1 for "
                f"standardised latent variables); use smaller coefficients"
            )
        cov_row = b @ phi[preds, :]
        for k in done:
            phi[j, k] = phi[k, j] = cov_row[k]
        phi[j, j] = 1.0
        done.append(j)
        equations.append((j, preds, b, explained))
    return phi, equations


def implied_covariance(model: Model | str, *, paths: Any = None, loadings: Any = None,
                       exogenous_cor: float = 0.0) -> pd.DataFrame:
    """Indicator covariance (= correlation) matrix implied by the model :func:`simulate` uses.

    Examples
    --------
    >>> S = implied_covariance("X =~ a + b\\nY =~ c\\nY ~ X", paths={("X", "Y"): 0.5}, loadings=0.8)
    >>> round(float(S.loc["a", "c"]), 3)  # 0.8 * 0.5 * 0.8
    0.32
    """
    m = as_model(model)
    beta = _path_values(m, paths)
    lam = _loading_values(m, loadings)
    phi, _ = _lv_covariance(m, beta, exogenous_cor)
    cs = m.constructs
    owner = m.construct_of
    L = np.zeros((len(m.all_indicators), len(cs)))
    for i, x in enumerate(m.all_indicators):
        L[i, cs.index(owner[x])] = lam[x]
    S = L @ phi @ L.T
    np.fill_diagonal(S, 1.0)
    return pd.DataFrame(S, index=m.all_indicators, columns=m.all_indicators)


def simulate(
    model: Model | str,
    n: int,
    *,
    paths: Mapping[tuple[str, str], float] | float | None = None,
    loadings: Mapping[str, float] | float | None = None,
    exogenous_cor: float = 0.0,
    seed: int | np.random.Generator | None = None,
    scale: tuple[int, int] | None = None,
    scale_mean: float | None = None,
    scale_sd: float | None = None,
    return_latent: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Draw ``n`` respondents from a structural model with standardised latent variables.

    Exogenous latent variables are standard normal (pairwise correlation ``exogenous_cor``);
    each endogenous one is ``sum(path * predecessor) + disturbance`` with the disturbance
    variance chosen so that its variance is 1. Each indicator is ``loading * LV + noise`` with
    noise variance ``1 - loading²``, so indicators have unit variance and ``loading`` is their
    correlation with the latent variable (all measurement is simulated as reflective, also for
    ``<~`` blocks).

    Parameters
    ----------
    model : Model or str
    n : int
        Number of respondents.
    paths : mapping {(from, to): coefficient} or float, optional
        Standardised path coefficients; paths not given get 0.3 (or the float given).
    loadings : mapping {indicator or construct: loading} or float, optional
        Indicator loadings; not given: 0.8.
    exogenous_cor : float
        Correlation between exogenous latent variables.
    seed : int or Generator, optional
    scale : (low, high), optional
        Discretise every indicator to the integers ``low..high`` (a Likert / 10-point scale):
        ``round(scale_mean + scale_sd * z)`` clipped to the scale.
    scale_mean, scale_sd : float, optional
        Defaults: the middle of the scale and a sixth of its range.
    return_latent : bool
        Also return the latent variable values.

    Returns
    -------
    DataFrame (indicators in ``model.all_indicators`` order), or (data, latent) with
    ``return_latent``.

    Examples
    --------
    >>> df = simulate("X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X", n=1000, paths={("X", "Y"): 0.6},
    ...               seed=42, scale=(1, 10))
    >>> df.shape, int(df.min().min()) >= 1, int(df.max().max()) <= 10
    ((1000, 4), True, True)
    """
    m = as_model(model)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n: expected a positive integer, got {n!r}")
    if not isinstance(exogenous_cor, (int, float)) or not (-1 < exogenous_cor < 1):
        raise ParameterError(f"exogenous_cor: expected a number in (-1, 1), got {exogenous_cor!r}")
    rng = generator(seed)
    beta = _path_values(m, paths)
    lam = _loading_values(m, loadings)
    cs = m.constructs
    J = len(cs)
    phi, equations = _lv_covariance(m, beta, exogenous_cor)
    eta = np.empty((n, J))
    exo = [cs.index(c) for c in m.exogenous]
    if exo:
        chol = np.linalg.cholesky(phi[np.ix_(exo, exo)])
        eta[:, exo] = rng.standard_normal((n, len(exo))) @ chol.T
    for j, preds, b, explained in equations:
        eta[:, j] = eta[:, preds] @ b + np.sqrt(1.0 - explained) * rng.standard_normal(n)
    cols = m.all_indicators
    construct_of = m.construct_of
    owner = np.array([cs.index(construct_of[x]) for x in cols])
    lam_v = np.array([lam[x] for x in cols])
    X = eta[:, owner] * lam_v + rng.standard_normal((n, len(cols))) * np.sqrt(1.0 - lam_v ** 2)
    if scale is not None:
        if (not isinstance(scale, (tuple, list)) or len(scale) != 2
                or not all(isinstance(v, (int, np.integer)) for v in scale) or scale[0] >= scale[1]):
            raise ParameterError(f"scale: expected (low, high) integers with low < high, got {scale!r}")
        lo, hi = scale
        mean = (lo + hi) / 2 if scale_mean is None else float(scale_mean)
        sd = (hi - lo) / 6 if scale_sd is None else float(scale_sd)
        if sd <= 0:
            raise ParameterError(f"scale_sd: expected a positive number, got {scale_sd!r}")
        X = np.clip(np.rint(mean + sd * X), lo, hi).astype(np.int64)
    data = pd.DataFrame(X, columns=cols)
    if return_latent:
        return data, pd.DataFrame(eta, columns=cs)
    return data
