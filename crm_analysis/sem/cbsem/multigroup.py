"""Multigroup CB-SEM with equality constraints across groups (lavaan's ``group.equal``)."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem.cbsem import _ml
from crm_analysis.sem.cbsem.common import (
    _check_sample,
    _free_parameter_count,
    _prepare_data,
    _refuse_composites,
)
from crm_analysis.sem.cbsem.fit import fit_measures
from crm_analysis.sem.cbsem.results import CBSEMConvergenceWarning, MultigroupResult
from crm_analysis.sem.model import Model, as_model

_GROUP_EQUAL = ("loadings", "intercepts", "residuals", "regressions", "lv.variances", "means")


def estimate_cbsem_multigroup(
    data: pd.DataFrame,
    model: Model | str,
    group: str,
    *,
    group_equal: Sequence[str] = (),
    missing: str = "listwise",
    start: "dict[tuple, float] | MultigroupResult | None" = None,
    max_iter: int = 5000,
) -> MultigroupResult:
    """Fit ``model`` to every group of ``data`` at once, with equality constraints across groups.

    The multigroup analogue of lavaan's ``sem(model, data, group = group, group.equal = ...)``
    with a mean structure: indicator intercepts are free in each group, construct means are 0;
    once intercepts are constrained equal the construct means are free in every group but the
    first (lavaan's convention), so that the scalar model can absorb true mean differences.
    The fit runs from lavaan's start and two others (and from ``start`` when given) and keeps
    the best; ``converged`` means the gradient vanishes there.

    Parameters
    ----------
    data : pandas.DataFrame
    model : Model or str
        Reflective blocks only (as :func:`estimate_cbsem`).
    group : str
        Column holding the group of each row (at least two groups).
    group_equal : sequence of str
        Parameter classes held equal across groups, as lavaan's ``group.equal``: any of
        ``"loadings"`` (metric invariance), ``"intercepts"`` (scalar, with loadings),
        ``"residuals"`` (strict), ``"regressions"``, ``"lv.variances"``, ``"means"``.
        Empty: the configural model.
    missing : {"listwise"}
    start : MultigroupResult or dict, optional
        A less constrained model's fit (or its free estimates keyed by ``(group_index, lhs,
        op, rhs)``, ``=~`` rows as ``(construct, "=~", indicator)``): an extra start, from which
        a nested model cannot end with a smaller chi-square than its parent.
    max_iter : int

    Returns
    -------
    MultigroupResult

    Examples
    --------
    >>> res = estimate_cbsem_multigroup(df, "F =~ a + b + c", "gender",
    ...                                 group_equal=["loadings"])  # doctest: +SKIP
    >>> res.fit[["chi2", "df", "cfi"]]                             # doctest: +SKIP
    """
    model = as_model(model)
    _refuse_composites(model)
    if not isinstance(group, str) or group not in getattr(data, "columns", ()):
        cols = list(getattr(data, "columns", []))
        raise InputError(f"group={group!r}: not a column of the data (columns: {cols})")
    bad = [e for e in group_equal if e not in _GROUP_EQUAL]
    if bad:
        raise ParameterError(f"group_equal: unknown parameter class(es) {bad}; expected some of {list(_GROUP_EQUAL)}")
    eq = set(group_equal)
    if "intercepts" in eq and "loadings" not in eq:
        raise ParameterError("group_equal: equal intercepts need equal loadings too (scalar invariance "
                             "builds on metric invariance): add 'loadings'")
    if missing != "listwise":
        raise ParameterError(f"missing={missing!r}: the multigroup fit deletes incomplete rows; expected 'listwise'")
    frame, n_dropped, notes = _prepare_data(data, model, missing, extra=[group])
    if frame[group].isna().any():
        k = int(frame[group].isna().sum())
        notes.append(f"{k} rows without a value in the group column {group!r} were left out")
        frame = frame.loc[frame[group].notna()]
    groups = sorted(frame[group].unique(), key=str)
    if len(groups) < 2:
        raise InputError(f"group={group!r}: the column has {len(groups)} distinct value(s); at least 2 groups are needed")
    frames = [frame.loc[frame[group] == g] for g in groups]
    npar_single = _free_parameter_count(model)
    obs = model.all_indicators
    for g, f in zip(groups, frames):
        _check_sample(f, obs, npar_single, where=f"group {group} = {g!r}")

    with threadpool_limits(1):  # small matrices: BLAS threads only contend
        return _fit(model, frames, groups, group_equal, start, max_iter, notes)


def _fit(model, frames, groups, group_equal, start, max_iter, notes) -> MultigroupResult:
    obs = model.all_indicators
    frame = pd.concat(frames)
    sd = frame[obs].to_numpy(float).std(axis=0)
    spec = _ml.build_spec(model, n_groups=len(groups), group_equal=tuple(group_equal), meanstructure=True)
    blocks = []
    for gi, f in enumerate(frames):
        Xs = f[obs].to_numpy(float) / sd
        blocks.append(_ml.Block(gi, np.arange(spec.p), float(len(Xs)), np.cov(Xs, rowvar=False, bias=True),
                                Xs.mean(axis=0)))
    obj = _ml.Objective(spec, blocks, meanstructure=True)
    factors = _ml.scale_factors(spec, sd)
    starts = [(k, _group_start(spec, blocks, k)) for k in ("fabin", "scores", "simple")]
    if start is not None:
        starts.insert(0, ("parent", _from_start(spec, start) / factors))
    lower = np.full(spec.q, -np.inf)
    opt = _ml.optimise(obj, starts, lower, max_iter=max_iter)
    theta = opt.theta * factors
    sig, mus = [], []
    for g in range(len(groups)):
        Sig, mu, _ = _ml.implied(spec, theta, g)
        sig.append(Sig)
        mus.append(mu)
    S_raw = [np.cov(f[obs].to_numpy(float), rowvar=False, bias=True) for f in frames]
    xbar_raw = [f[obs].to_numpy(float).mean(axis=0) for f in frames]
    fit = fit_measures(S_raw, sig, [len(f) for f in frames], spec.q, sample_mean=xbar_raw, implied_mean=mus)
    est = _table(spec, theta, groups)
    msgs = list(notes)
    if not opt.converged:
        msgs.append(f"the fit did not converge: {opt.message}; its fit measures are not reliable and no "
                    "invariance conclusion is drawn from it")
        warnings.warn("multigroup CB-SEM: " + msgs[-1], CBSEMConvergenceWarning, stacklevel=2)
    neg = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & (est["estimate"] < 0)]
    if len(neg):
        listed = ", ".join(f"{r.lhs} ~~ {r.rhs} = {r.estimate:.3f} (group {r.group})" for r in neg.itertuples())
        msgs.append(f"improper solution: negative variance: {listed}")
    vals = sorted(s["discrepancy"] for s in opt.starts)
    N = float(sum(len(f) for f in frames))
    return MultigroupResult(
        groups=list(groups),
        group_equal=tuple(group_equal),
        estimates=est,
        fit=fit,
        n_obs=pd.Series({g: len(f) for g, f in zip(groups, frames)}, name="n"),
        converged=opt.converged,
        iterations=opt.iterations,
        warnings=msgs,
        starts=pd.DataFrame([{"start": s["start"], "chi2": N * s["discrepancy"], "grad_max": s["grad_max"],
                              "iterations": s["iterations"]} for s in opt.starts]),
        runner_up_gap=float(N * (vals[1] - vals[0])) if len(vals) > 1 else 0.0,
        grad_max=opt.grad_max,
        proper=len(neg) == 0,
    )


def _group_start(spec: _ml.Spec, blocks: list[_ml.Block], kind: str) -> np.ndarray:
    """Start values from the pooled moments; intercepts from each group's own means."""
    theta = _ml.start_values(spec, blocks, kind)
    pos = {v: i for i, v in enumerate(spec.obs)}
    for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
        if op == "~1" and lhs in pos and spec.labels[k].endswith("]"):  # a group's own intercept
            theta[k] = blocks[g].xbar[pos[lhs]]
    return theta


def _from_start(spec: _ml.Spec, start: Any) -> np.ndarray:
    """Raw-unit values per free parameter from a parent fit (shared labels: the group average)."""
    if isinstance(start, MultigroupResult):
        gi = {g: i for i, g in enumerate(start.groups)}
        start = {(gi[r.group], r.lhs, r.op, r.rhs): r.estimate for r in start.estimates.itertuples() if r.free}
    theta = np.zeros(spec.q)
    seen = np.zeros(spec.q)
    for (g, mat, i, j, k, key, cls) in spec.locs:
        v = start.get((g,) + tuple(key))
        if v is not None:
            theta[k] += v
            seen[k] += 1
    theta = np.divide(theta, seen, out=np.zeros(spec.q), where=seen > 0)
    for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
        if not seen[k]:
            theta[k] = 1.0 if op == "=~" else (0.05 if (op == "~~" and lhs == rhs) else 0.0)
    return theta


def _table(spec: _ml.Spec, theta: np.ndarray, groups: Sequence) -> pd.DataFrame:
    rows = []
    for g in range(spec.n_groups):
        for c in spec.lat:
            rows.append((groups[g], c, "=~", spec.model.indicators[c][0], 1.0, False, ""))
    for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
        label = spec.labels[k]
        rows.append((groups[g], lhs, op, rhs, float(theta[k]), True, label))
    out = pd.DataFrame(rows, columns=["group", "lhs", "op", "rhs", "estimate", "free", "label"])
    counts = out["label"].value_counts()
    out.loc[out["label"].map(counts).fillna(0) < 2, "label"] = ""
    return out
