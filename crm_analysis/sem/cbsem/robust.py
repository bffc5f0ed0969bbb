"""Robust ML for rating-scale data: Satorra-Bentler (MLM) and Huber-White / Yuan-Bentler (MLR).

Both keep the ML estimates and correct the standard errors and the test statistic for
non-normal data, as lavaan does with ``estimator = "MLM"`` / ``"MLR"`` (complete data, one
group, no mean structure). Notation, per observation and over the ``p* = p(p+1)/2`` unique
elements of a covariance matrix:

- ``Delta``: the Jacobian of vech(Sigma(theta));
- ``W``: the expected (normal-theory) information of vech(Sigma) at the fitted Sigma,
  ``W_ab = tr(V E_a V E_b) / 2`` with ``V = Sigma^-1`` and ``E_a`` the symmetric unit matrices;
- ``Gamma``: the asymptotic covariance matrix of vech(S) (the fourth-order moments, divisor N);
- MLM: ``vcov = E^-1 Delta' W Gamma W Delta E^-1 / N`` with ``E = Delta' W Delta``, and the
  Satorra-Bentler scaling factor ``c = tr(U Gamma) / df``, ``U = W - W Delta E^-1 Delta' W``;
- MLR: ``vcov = E^-1 B0 E^-1 / N`` with ``E`` the observed information (the Hessian) and ``B0 =
  Delta' B1 Delta`` from the casewise scores ``B1``; the Yuan-Bentler scaling factor in Mplus's
  form, ``c = [tr(A1^-1 B1) - tr(B0 E^-1)] / df`` with ``A1``, ``B1`` the information and
  first-order matrices of the saturated model at the sample moments.
"""
from __future__ import annotations

import numpy as np

from crm_analysis.sem.cbsem import _ml


def _basis(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column of each vech element, and the symmetric unit matrices E_a (p*, p, p)."""
    r, c = np.tril_indices(p)
    E = np.zeros((len(r), p, p))
    E[np.arange(len(r)), r, c] = 1.0
    E[np.arange(len(r)), c, r] = 1.0
    return r, c, E


def _quad(V1: np.ndarray, V2: np.ndarray, E: np.ndarray) -> np.ndarray:
    """M_ab = tr(V1 E_a V2 E_b) for all pairs of unit matrices (BLAS via tensordot)."""
    k = E.shape[0]
    Y = np.tensordot(V1, np.tensordot(E, V2, axes=(2, 0)), axes=(1, 1)).transpose(1, 0, 2)
    return Y.reshape(k, -1) @ E.reshape(k, -1).T  # E_b is symmetric: tr(Y_a E_b) = <Y_a, E_b>


def gamma_adf(X: np.ndarray) -> np.ndarray:
    """Asymptotic covariance matrix of vech(S) from the data (divisor N, lavaan's NACOV)."""
    Z = X - X.mean(axis=0)
    r, c = np.tril_indices(X.shape[1])
    prods = Z[:, r] * Z[:, c]
    prods -= prods.mean(axis=0)
    return prods.T @ prods / len(X)


def _jacobian_vech(obj: _ml.Objective, theta: np.ndarray) -> np.ndarray:
    dS, _ = obj.jacobian(theta, 0)
    r, c = np.tril_indices(obj.spec.p)
    return dS[:, r, c].T  # (p*, q)


def robust_inference(obj: _ml.Objective, theta: np.ndarray, X: np.ndarray, estimator: str,
                     df: float, chi2: float) -> dict:
    """vcov (per the unit-variance parameterisation of ``obj``), scaling factors and traces.

    Returns a dict with ``vcov`` (q x q, already divided by N), ``scaling_factor``,
    ``trace_ugamma``, ``scaling_factor_baseline`` (the independence model's) and ``chi2_scaled``.
    """
    N = len(X)
    p = X.shape[1]
    Sig, _, _ = _ml.implied(obj.spec, theta, 0)
    V = np.linalg.inv(Sig)
    S = np.cov(X, rowvar=False, bias=True)
    r, c, E = _basis(p)
    Delta = _jacobian_vech(obj, theta)
    W = 0.5 * _quad(V, V, E)
    Gamma = gamma_adf(X)
    Sb = np.diag(np.diag(S))  # the independence model's ML estimate
    Vb = np.diag(1.0 / np.diag(S))
    diag_idx = np.flatnonzero(r == c)
    Delta_b = np.zeros((len(r), p))
    Delta_b[diag_idx, np.arange(p)] = 1.0
    Wb = 0.5 * _quad(Vb, Vb, E)
    df_b = p * (p - 1) / 2
    if estimator == "MLM":
        Einfo = Delta.T @ W @ Delta
        Einv = np.linalg.inv(Einfo)
        meat = Delta.T @ W @ Gamma @ W @ Delta
        vcov = Einv @ meat @ Einv / N
        U = W - W @ Delta @ Einv @ Delta.T @ W
        trace = float(np.sum(U * Gamma.T))
        Eb = Delta_b.T @ Wb @ Delta_b
        Ub = Wb - Wb @ Delta_b @ np.linalg.inv(Eb) @ Delta_b.T @ Wb
        trace_b = float(np.sum(Ub * Gamma.T))
    elif estimator == "MLR":
        # lavaan's "yuan.bentler.mplus" test: the saturated model's information and first-order
        # matrix at the sample moments (unstructured), the fitted model's at its own (structured)
        Z = X - X.mean(axis=0)
        Vs = np.linalg.inv(S)
        scores_u = _h1_scores(Z, S, Vs, r, c)
        B1u = scores_u.T @ scores_u / N
        A1u = 0.5 * _quad(Vs, Vs, E)
        h1_trace = float(np.sum(B1u * np.linalg.inv(A1u).T))
        scores = _h1_scores(Z, Sig, V, r, c)  # (N, p*)
        B1 = scores.T @ scores / N
        Eobs = 0.5 * obj.hessian(theta)  # observed information per observation
        Einv = np.linalg.inv(Eobs)
        B0 = Delta.T @ B1 @ Delta
        vcov = Einv @ B0 @ Einv / N
        trace = h1_trace - float(np.sum(B0 * Einv.T))
        scores_b = _h1_scores(Z, Sb, Vb, r, c)
        B1b = scores_b.T @ scores_b / N
        A1b = 0.5 * (2.0 * _quad(Vb @ S @ Vb, Vb, E) - _quad(Vb, Vb, E))
        Eb = Delta_b.T @ A1b @ Delta_b  # the independence model is linear in its parameters
        B0b = Delta_b.T @ B1b @ Delta_b
        trace_b = h1_trace - float(np.sum(B0b * np.linalg.inv(Eb).T))
    else:  # pragma: no cover - checked by the caller
        raise ValueError(estimator)
    c_hat = trace / df if df > 0 else np.nan
    c_b = trace_b / df_b if df_b > 0 else np.nan
    return {"vcov": vcov, "scaling_factor": c_hat, "trace_ugamma": trace,
            "scaling_factor_baseline": c_b, "chi2_scaled": chi2 / c_hat if df > 0 else 0.0}


def _h1_scores(Z: np.ndarray, Sig: np.ndarray, V: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Casewise scores of the saturated model's log-likelihood with respect to vech(Sigma).

    d l_i / d sigma_a = tr(V (z_i z_i' - Sigma) V E_a) / 2, i.e. the (r, c) element of
    V (z z' - Sigma) V, doubled off the diagonal, halved.
    """
    VZ = Z @ V  # rows: (V z_i)'
    M = VZ[:, r] * VZ[:, c] - (V @ Sig @ V)[r, c]
    return np.where(r == c, 0.5, 1.0) * M
