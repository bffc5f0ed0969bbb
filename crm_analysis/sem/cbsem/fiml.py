"""Full-information maximum likelihood (lavaan's ``missing = "ml"``) for incomplete survey data.

Rows are grouped by their pattern of observed indicators; each pattern is a block of the
likelihood (see :mod:`crm_analysis.sem.cbsem._ml`) whose implied moments are the sub-vector and
sub-matrix of the observed indicators. The fit measures compare the model with the saturated
model, estimated by the EM algorithm, and with the independence model (means and variances
free, which under FIML are the mean and the divisor-N variance of each column's observed values).
"""
from __future__ import annotations

import math

import numpy as np

from crm_analysis.sem.cbsem._ml import Block


def pattern_blocks(X: np.ndarray, group: int = 0) -> list[Block]:
    """One block per missing-data pattern (rows with no value at all must be removed first)."""
    observed = ~np.isnan(X)
    keys, inverse = np.unique(observed, axis=0, return_inverse=True)
    blocks = []
    for k, key in enumerate(keys):
        rows = X[inverse.ravel() == k][:, key]
        o = np.flatnonzero(key)
        xbar = rows.mean(axis=0)
        Z = rows - xbar
        S = Z.T @ Z / len(rows)
        blocks.append(Block(group, o, float(len(rows)), S, xbar))
    return blocks


def casewise_loglik(blocks: list[Block], Sigma: np.ndarray, mu: np.ndarray) -> float:
    """Sum of the rows' normal log-likelihoods at (Sigma, mu), observed values only."""
    total = 0.0
    for b in blocks:
        o = b.obs
        So = Sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(So)
        if sign <= 0:
            return -np.inf
        inv = np.linalg.inv(So)
        d = b.xbar - mu[o]
        total += -b.n / 2 * (len(o) * math.log(2 * math.pi) + logdet + np.sum(b.S * inv) + d @ inv @ d)
    return float(total)


def em_saturated(blocks: list[Block], p: int, tol: float = 1e-12,
                 max_iter: int = 10000) -> tuple[np.ndarray, np.ndarray, int]:
    """EM estimates of the unrestricted mean vector and covariance matrix (Little & Rubin)."""
    n = sum(b.n for b in blocks)
    mu = np.zeros(p)
    cnt = np.zeros(p)
    for b in blocks:
        mu[b.obs] += b.n * b.xbar
        cnt[b.obs] += b.n
    mu = mu / np.maximum(cnt, 1)
    var = np.zeros(p)
    for b in blocks:
        var[b.obs] += b.n * (np.diag(b.S) + (b.xbar - mu[b.obs]) ** 2)
    Sigma = np.diag(var / np.maximum(cnt, 1))
    it = 0
    for it in range(1, max_iter + 1):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for b in blocks:
            o = b.obs
            m = np.setdiff1d(np.arange(p), o)
            # sufficient statistics of the block: sum x and sum x x' over its rows, filled in
            sx = b.n * b.xbar
            sxx = b.n * (b.S + np.outer(b.xbar, b.xbar))
            if len(m) == 0:
                T1 += sx
                T2 += sxx
                continue
            beta = np.linalg.solve(Sigma[np.ix_(o, o)], Sigma[np.ix_(o, m)])  # (o, m)
            resid = Sigma[np.ix_(m, m)] - Sigma[np.ix_(m, o)] @ beta
            c0 = mu[m] - beta.T @ mu[o]
            # E[x_m | x_o] = c0 + beta' x_o
            em_x = b.n * c0 + beta.T @ sx
            t1 = np.zeros(p)
            t1[o] = sx
            t1[m] = em_x
            t2 = np.zeros((p, p))
            t2[np.ix_(o, o)] = sxx
            t2[np.ix_(o, m)] = np.outer(sx, c0) + sxx @ beta
            t2[np.ix_(m, o)] = t2[np.ix_(o, m)].T
            t2[np.ix_(m, m)] = (b.n * (np.outer(c0, c0) + resid) + np.outer(c0, beta.T @ sx)
                                + np.outer(beta.T @ sx, c0) + beta.T @ sxx @ beta)
            T1 += t1
            T2 += t2
        mu_new = T1 / n
        Sigma_new = T2 / n - np.outer(mu_new, mu_new)
        change = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(Sigma_new - Sigma)))
        mu, Sigma = mu_new, (Sigma_new + Sigma_new.T) / 2
        if change < tol:
            break
    return mu, Sigma, it


def independence_loglik(blocks: list[Block], p: int) -> float:
    """Log-likelihood of the independence model: each indicator's own mean and variance."""
    n = np.zeros(p)
    s1 = np.zeros(p)
    for b in blocks:
        n[b.obs] += b.n
        s1[b.obs] += b.n * b.xbar
    mu = s1 / n
    s2 = np.zeros(p)
    for b in blocks:
        s2[b.obs] += b.n * (np.diag(b.S) + (b.xbar - mu[b.obs]) ** 2)
    var = s2 / n
    return float(np.sum(-n / 2 * (np.log(2 * math.pi) + np.log(var) + 1.0)))
