"""Measurement invariance of composite models (MICOM; Henseler, Ringle & Sarstedt 2016).

Three steps for two groups, before their path coefficients are compared:

1. Configural invariance: the same model, indicators, data treatment and algorithm settings in
   both groups (checked here: every indicator varies in both groups, both estimations converge).
2. Compositional invariance: ``c = cor(X w₁, X w₂)``, the correlation on the pooled
   (standardised) data of the composite built with group 1's weights and the one built with
   group 2's; the permutation test rejects when ``c`` falls below the 5% quantile of ``c`` under
   random group assignment (one-sided; ``p`` = share of permutation ``c`` at or below it).
3. Equal composite means and variances: the composites from the pooled estimation (pooled
   weights, pooled standardised data); the group difference of the means and of the log
   variances against their permutation distribution (two-sided 95% interval, ``p``).

Full invariance: steps 1-3 hold; partial: steps 1-2 (groups may be compared on paths);
none otherwise. All permutations are estimated in one batched call of the engine.

Examples
--------
>>> from crm_analysis import sem
>>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
>>> data = sem.simulate(text, n=300, seed=1)
>>> data["g"] = ["a"] * 150 + ["b"] * 150
>>> res = sem.micom(data, text, group="g", permutations=200, seed=1)
>>> list(res.summary.columns)
['construct', 'compositional', 'equal_mean', 'equal_variance', 'invariance']
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem import bootstrap as bs
from crm_analysis.sem.model import Model
from crm_analysis.sem.pls import _check_options, _chunks, _pls_model, _prepare

__all__ = ["micom", "MICOMResult"]


@dataclass
class MICOMResult:
    """Results of :func:`micom` (tidy tables).

    Attributes
    ----------
    groups : tuple of (label, n) pairs
    configural : DataFrame
        ``check, result, detail``.
    compositional : DataFrame
        ``construct, c, c_5pct, p, invariant``.
    means_variances : DataFrame
        ``construct, statistic`` ("mean" / "log_variance"), ``difference, ci_low, ci_high, p,
        equal``.
    summary : DataFrame
        ``construct, compositional, equal_mean, equal_variance, invariance`` ("full", "partial",
        "none").
    permutation_draws : dict of str to ndarray
        ``c`` (P, J), ``mean`` (P, J), ``log_variance`` (P, J).
    """

    groups: tuple
    configural: pd.DataFrame
    compositional: pd.DataFrame
    means_variances: pd.DataFrame
    summary: pd.DataFrame
    settings: dict[str, Any]
    permutation_draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "MICOMResult\n" + self.summary.to_string(index=False)


def micom(
    data: pd.DataFrame,
    model: Model | str,
    *,
    group: str,
    groups: Sequence[Any] | None = None,
    permutations: int = 5000,
    seed: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: str = "listwise",
) -> MICOMResult:
    """MICOM for two groups (Henseler, Ringle & Sarstedt 2016), permutation-based.

    Parameters
    ----------
    data : DataFrame
    model : Model or str
    group : str
        Column of ``data`` holding the group labels.
    groups : (label_1, label_2), optional
        The two groups to compare (default: the two labels of ``group``; required when it has
        more).
    permutations : int
        Random re-assignments of the group labels (>= 100; the literature uses 5000).
    seed : int, Generator or None
    alpha : float
        Significance level of steps 2 and 3.
    scheme, max_iter, tol, missing
        As :func:`estimate_pls`.

    Returns
    -------
    MICOMResult
    """
    _check_options(scheme, True, max_iter, tol, missing, "seminr")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < 100:
        raise ParameterError(f"permutations: expected an integer >= 100, got {permutations!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        raise ParameterError(f"alpha: expected a number in (0, 0.5), got {alpha!r}")
    m = _pls_model(model, what="micom")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if group not in data.columns:
        raise ParameterError(f"group: {group!r} is not a column of the data")
    labels = data[group]
    present = list(pd.unique(labels.dropna()))
    if groups is None:
        if len(present) != 2:
            raise ParameterError(f"groups: column {group!r} has {len(present)} labels ({present[:10]}); "
                                 f"name the two to compare, e.g. groups=({present[0]!r}, {present[-1]!r})")
        groups = present
    groups = list(groups)
    if len(groups) != 2 or any(g not in present for g in groups):
        raise ParameterError(f"groups: expected two labels of column {group!r} ({present[:10]}), got {groups!r}")
    sub = data[labels.isin(groups)]
    prep = _prepare(sub, m, missing)
    X = prep.X
    g1 = sub[group].to_numpy()[prep.keep] == groups[0]
    n, n1 = len(X), int(g1.sum())
    if min(n1, n - n1) < 10:
        raise InputError(f"micom: groups of {n1} and {n - n1} usable rows; each needs at least 10")
    st = core.structure_from_model(m)
    opts = dict(scheme=scheme, scaled=True, max_iter=int(max_iter), tol=float(tol), convergence="seminr",
                extras=False)
    mu = X.mean(axis=0)
    Xc = X - mu
    sd = Xc.std(axis=0)
    Z = Xc / sd  # pooled standardised data
    R = Z.T @ Z / n
    notes = list(prep.notes)

    # step 1: configural (what can be checked from the data)
    const = [[st.indicators[j] for j in np.flatnonzero(Xc[mask].std(axis=0) == 0)] for mask in (g1, ~g1)]
    rng = bs.generator(seed)
    perm = np.vstack([g1[None].astype(float)] + [rng.permutation(g1)[None].astype(float)
                                                   for _ in range(permutations)])
    W1, W2, conv = _group_weights(Xc, perm, st, opts)
    configural = pd.DataFrame({
        "check": ["same model and indicators", "same algorithm settings", "indicators vary in both groups",
                  "both group estimations converge"],
        "result": [True, True, not (const[0] or const[1]), bool(conv[0])],
        "detail": [f"{len(st.constructs)} constructs, {len(st.indicators)} indicators",
                   f"scheme={scheme}, standardised, tol={tol:g}, max_iter={max_iter}",
                   "; ".join(f"constant in {groups[i]}: {c}" for i, c in enumerate(const) if c) or "yes",
                   "yes" if conv[0] else "no"],
    })
    # step 2: c on the pooled standardised data (draw 0 = the observed groups)
    c = _composite_cor(W1, W2, R, st)
    ok = conv[1:]
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} of {permutations} permutations did not converge in a group and are "
                     f"left out")
    c_perm = c[1:][ok]
    c_q = np.quantile(c_perm, alpha, axis=0)
    p_c = (c_perm <= c[0]).mean(axis=0)
    cs = list(st.constructs)
    compositional = pd.DataFrame({"construct": cs, "c": c[0], "c_5pct" if alpha == 0.05 else f"c_{alpha:g}": c_q,
                                  "p": p_c, "invariant": c[0] >= c_q})
    # step 3: pooled composites, group differences of means and log variances
    pooled = core.fit_batch(R[None], np.array([float(n)]), st, **opts)
    scores = Z @ (pooled["std_weights"][0][:, None] * st.mask)
    mean_d, var_d = _mean_var_diff(scores, perm)
    rows = []
    for name, d in (("mean", mean_d), ("log_variance", var_d)):
        lo, hi = np.quantile(d[1:], [alpha / 2, 1 - alpha / 2], axis=0)
        p = np.minimum(1.0, 2 * np.minimum((d[1:] >= d[0]).mean(axis=0), (d[1:] <= d[0]).mean(axis=0)))
        for j, cname in enumerate(cs):
            rows.append((cname, name, d[0, j], lo[j], hi[j], p[j], lo[j] <= d[0, j] <= hi[j]))
    mv = pd.DataFrame(rows, columns=["construct", "statistic", "difference", "ci_low", "ci_high", "p", "equal"])
    eq_mean = mv[mv["statistic"] == "mean"]["equal"].to_numpy()
    eq_var = mv[mv["statistic"] == "log_variance"]["equal"].to_numpy()
    comp = compositional["invariant"].to_numpy()
    conf_ok = bool(configural["result"].all())
    invariance = np.where(~comp | (not conf_ok), "none", np.where(eq_mean & eq_var, "full", "partial"))
    summary = pd.DataFrame({"construct": cs, "compositional": comp, "equal_mean": eq_mean,
                            "equal_variance": eq_var, "invariance": invariance})
    return MICOMResult(
        groups=((groups[0], n1), (groups[1], n - n1)), configural=configural, compositional=compositional,
        means_variances=mv, summary=summary,
        settings=dict(opts, permutations=int(permutations), alpha=alpha, missing=missing,
                      seed=seed if not isinstance(seed, np.random.Generator) else "Generator"),
        permutation_draws={"c": c[1:], "mean": mean_d[1:], "log_variance": var_d[1:]}, warnings=notes)


def _group_weights(Xc: np.ndarray, member: np.ndarray, st: core.Structure, opts: dict):
    """Standardised weights (P, p) of group 1 (rows with member 1) and group 2 for each row of
    ``member``, estimated in batches; and whether both converged."""
    n, p = Xc.shape
    step = _chunks(len(member), n, p)
    out1, out2, conv = [], [], []
    for s in range(0, len(member), step):
        block = member[s:s + step]
        f1 = core.fit_batch(*core.covariance_stack(Xc, block)[::2], st, **opts)
        f2 = core.fit_batch(*core.covariance_stack(Xc, 1.0 - block)[::2], st, **opts)
        out1.append(f1["std_weights"])
        out2.append(f2["std_weights"])
        conv.append(f1["converged"] & f2["converged"])
    return np.concatenate(out1), np.concatenate(out2), np.concatenate(conv)


def _composite_cor(W1: np.ndarray, W2: np.ndarray, R: np.ndarray, st: core.Structure) -> np.ndarray:
    """cor(Z w1_j, Z w2_j) for every construct and draw, from the pooled correlations ``R``."""
    A = W1[:, :, None] * st.mask  # (P, p, J)
    B = W2[:, :, None] * st.mask
    RA, RB = R @ A, R @ B
    cov = np.einsum("bpj,bpj->bj", A, RB)
    v1 = np.einsum("bpj,bpj->bj", A, RA)
    v2 = np.einsum("bpj,bpj->bj", B, RB)
    return cov / np.sqrt(v1 * v2)


def _mean_var_diff(scores: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group differences (group 1 − group 2) of composite means and log variances (ddof = 1)."""
    n1 = member.sum(axis=1, keepdims=True)
    n2 = len(scores) - n1
    s1, s2 = member @ scores, (1 - member) @ scores
    q1, q2 = member @ scores ** 2, (1 - member) @ scores ** 2
    m1, m2 = s1 / n1, s2 / n2
    v1 = (q1 - n1 * m1 ** 2) / (n1 - 1)
    v2 = (q2 - n2 * m2 ** 2) / (n2 - 1)
    return m1 - m2, np.log(v1) - np.log(v2)
