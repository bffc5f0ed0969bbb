"""The numerical core of CB-SEM: RAM specification, ML discrepancy, derivatives, optimiser.

A model is written in RAM notation, ``v = A v + u`` with ``Cov(u) = S`` and ``E(u) = m``, over
all variables ``v`` (indicators first, then constructs), so that the implied moments of the
indicators are ``Sigma = F B S B' F'`` and ``mu = F B m`` with ``B = (I - A)^-1``. Every free
parameter is a *label*; several locations (across groups, or across the missing-data patterns of
full-information ML) may share one label, which is how equality constraints are expressed.

The objective is the ML discrepancy summed over "blocks" with weights ``w_b``:
``F = sum_b w_b [log|Sigma_b| + tr(S_b Sigma_b^-1) - log|S_b| - p_b + (xbar_b - mu_b)' Sigma_b^-1
(xbar_b - mu_b)]``. A block is a group (complete data) or a missing-data pattern of a group
(FIML); ``Sigma_b`` is then the sub-matrix of the observed indicators. The gradient and the
expected information are analytic; the Hessian used by the final Newton steps is the finite
difference of the analytic gradient.

The optimiser works on indicators scaled to unit variance (ML is scale-equivariant, so the
solution maps back exactly) from several starts, polishes the best with Newton steps, and
reports convergence only when the gradient vanishes (the KKT conditions under bounds).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy import linalg, optimize

from crm_analysis.sem.model import Model

#: parameter classes of lavaan's ``group.equal``
GROUP_EQUAL = ("loadings", "intercepts", "residuals", "residual.covariances", "regressions",
               "lv.variances", "lv.covariances", "means")

#: gradient tolerance (max absolute gradient of the discrepancy, indicators at unit variance)
GRAD_TOL = 1e-6


@dataclass
class Block:
    """One block of the likelihood: a group's complete data or one of its missing patterns."""

    group: int
    obs: np.ndarray  # indices (into the model's indicators) observed in this block
    n: float
    S: np.ndarray  # covariance (divisor n) of the block's rows, around the block's mean
    xbar: np.ndarray
    const: float = 0.0  # log|S_b| + p_b, so that F is 0 at a saturated fit (complete data)


@dataclass
class Spec:
    """The RAM specification of a (multigroup) model: fixed values and labelled free locations."""

    model: Model
    obs: list[str]
    lat: list[str]
    n_groups: int
    meanstructure: bool
    labels: list[str] = field(default_factory=list)
    # per location: group, matrix ("A", "S", "m"), row, column, parameter index, (lhs, op, rhs), class
    locs: list[tuple] = field(default_factory=list)
    fixed_A: list[np.ndarray] = field(default_factory=list)
    fixed_S: list[np.ndarray] = field(default_factory=list)
    variance: np.ndarray | None = None  # True for parameters that are variances

    @property
    def names(self) -> list[str]:
        return self.obs + self.lat

    @property
    def nv(self) -> int:
        return len(self.obs) + len(self.lat)

    @property
    def p(self) -> int:
        return len(self.obs)

    @property
    def q(self) -> int:
        return len(self.labels)


def build_spec(model: Model, n_groups: int = 1, group_equal: Sequence[str] = (),
               meanstructure: bool = False) -> Spec:
    """lavaan's ``sem()`` parameterisation of ``model`` for ``n_groups`` groups.

    Marker loadings fixed to 1; indicator residual variances free (0 for a single indicator,
    lavaan's ``auto.fix.single``); construct (residual) variances free; exogenous constructs
    covary; endogenous disturbances uncorrelated unless the model says ``a ~~ b``. With a mean
    structure: intercepts free, construct means 0 in the first group and, once intercepts are
    equal, free in the others (lavaan's convention).
    """
    obs = list(model.all_indicators)
    lat = list(model.constructs)
    spec = Spec(model, obs, lat, n_groups, meanstructure)
    idx = {v: i for i, v in enumerate(obs + lat)}
    nv = len(idx)
    eq = set(group_equal)
    index: dict[str, int] = {}

    def add(g: int, mat: str, a: str, b: str | None, op: str, cls: str) -> None:
        i, j = idx[a], (idx[b] if b is not None else 0)
        if op == "=~":
            key = f"{b} =~ {a}"
            lhs, rhs = b, a
        else:
            key = f"{a} {op} {b}" if b is not None else f"{a} ~1"
            lhs, rhs = a, (b if b is not None else "")
        shared = cls in eq and n_groups > 1
        label = key if (shared or n_groups == 1) else f"{key} [g{g + 1}]"
        if label not in index:
            index[label] = len(spec.labels)
            spec.labels.append(label)
        spec.locs.append((g, mat, i, j, index[label], (lhs, op, rhs), cls))

    singles = {v[0] for v in model.indicators.values() if len(v) == 1}
    exo = model.exogenous
    user = [(a, b) for a, b in model.covariances]
    user_set = {frozenset(p) for p in user}
    for g in range(n_groups):
        A = np.zeros((nv, nv))
        S = np.zeros((nv, nv))
        for c in lat:
            items = model.indicators[c]
            A[idx[items[0]], idx[c]] = 1.0
            for x in items[1:]:
                add(g, "A", x, c, "=~", "loadings")
        for f, t in model.structural_paths:
            add(g, "A", t, f, "~", "regressions")
        for x in obs:
            if x in singles and frozenset((x,)) not in user_set:
                continue
            add(g, "S", x, x, "~~", "residuals")
        for c in lat:
            add(g, "S", c, c, "~~", "lv.variances")
        pairs = [(a, b) for k, a in enumerate(exo) for b in exo[k + 1:] if frozenset((a, b)) not in user_set]
        for a, b in pairs + [p for p in user if p[0] != p[1]]:
            cls = "residual.covariances" if (a in obs and b in obs) else "lv.covariances"
            add(g, "S", a, b, "~~", cls)
        if meanstructure:
            for x in obs:
                add(g, "m", x, None, "~1", "intercepts")
            for c in lat:
                if g > 0 and "intercepts" in eq and "means" not in eq:
                    add(g, "m", c, None, "~1", "means")
        spec.fixed_A.append(A)
        spec.fixed_S.append(S)
    var = np.zeros(spec.q, dtype=bool)
    for (g, mat, i, j, k, _, _) in spec.locs:
        if mat == "S" and i == j:
            var[k] = True
    spec.variance = var
    spec._arrays = _location_arrays(spec)
    return spec


def _location_arrays(spec: Spec) -> dict:
    out = {}
    for g in range(spec.n_groups):
        for mat in ("A", "S", "m"):
            sel = [l for l in spec.locs if l[0] == g and l[1] == mat]
            out[(mat, g)] = (np.array([l[2] for l in sel], dtype=int),
                             np.array([l[3] for l in sel], dtype=int),
                             np.array([l[4] for l in sel], dtype=int))
    return out


def matrices(spec: Spec, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, S and m of group ``g`` at ``theta``."""
    A = spec.fixed_A[g].copy()
    S = spec.fixed_S[g].copy()
    m = np.zeros(spec.nv)
    i, j, k = spec._arrays[("A", g)]
    A[i, j] = theta[k]
    i, j, k = spec._arrays[("S", g)]
    S[i, j] = theta[k]
    S[j, i] = theta[k]
    i, _, k = spec._arrays[("m", g)]
    m[i] = theta[k]
    return A, S, m


def implied(spec: Spec, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Sigma, mu, C): implied moments of the indicators and covariance matrix of all variables."""
    A, S, m = matrices(spec, theta, g)
    B = np.linalg.inv(np.eye(spec.nv) - A)
    C = B @ S @ B.T
    FB = B[: spec.p]
    return C[: spec.p, : spec.p], FB @ m, C


def scale_factors(spec: Spec, sd: np.ndarray) -> np.ndarray:
    """Per free parameter, the factor that maps it from unit-variance indicators to raw units.

    Each construct takes the unit of its marker indicator; a parameter at (i, j) of A scales by
    s_i / s_j, of S by s_i s_j, of m by s_i.
    """
    s = np.ones(spec.nv)
    s[: spec.p] = sd
    for c in spec.lat:
        s[spec.p + spec.lat.index(c)] = sd[spec.obs.index(spec.model.indicators[c][0])]
    f = np.ones(spec.q)
    for (g, mat, i, j, k, _, _) in spec.locs:
        f[k] = s[i] / s[j] if mat == "A" else (s[i] * s[j] if mat == "S" else s[i])
    return f


class Objective:
    """ML discrepancy over blocks, with analytic gradient, Jacobian and expected information."""

    def __init__(self, spec: Spec, blocks: list[Block], meanstructure: bool, fiml: bool = False):
        self.spec = spec
        self.blocks = blocks
        self.meanstructure = meanstructure
        self.N = float(sum(b.n for b in blocks))
        for b in blocks:
            # a missing-data pattern's own covariance matrix may be singular (a pattern of one
            # row): under FIML F is -2 logL / N up to a constant, and the fit compares logLs
            b.const = 0.0 if fiml else float(np.linalg.slogdet(b.S)[1]) + len(b.obs)
        self.by_group = [[b for b in blocks if b.group == g] for g in range(spec.n_groups)]

    # -- pieces -------------------------------------------------------------------------------
    def _group(self, theta: np.ndarray, g: int):
        A, S, m = matrices(self.spec, theta, g)
        try:
            B = np.linalg.inv(np.eye(self.spec.nv) - A)
        except np.linalg.LinAlgError:
            return None
        FB = B[: self.spec.p]
        Sig = FB @ S @ FB.T
        mu = FB @ m
        return A, S, m, B, FB, Sig, mu

    def value(self, theta: np.ndarray) -> float:
        return self.value_grad(theta, grad=False)[0]

    def value_grad(self, theta: np.ndarray, grad: bool = True) -> tuple[float, np.ndarray]:
        spec = self.spec
        total = 0.0
        gvec = np.zeros(spec.q)
        bad = (1e20, np.zeros(spec.q))
        for g in range(spec.n_groups):
            parts = self._group(theta, g)
            if parts is None:
                return bad
            A, S, m, B, FB, Sig, mu = parts
            Gs = np.zeros((spec.p, spec.p))  # dF/dSigma (symmetric form)
            gm = np.zeros(spec.p)  # dF/dmu
            for blk in self.by_group[g]:
                o = blk.obs
                full = len(o) == spec.p
                So = Sig if full else Sig[np.ix_(o, o)]
                try:
                    L = np.linalg.cholesky(So)
                except np.linalg.LinAlgError:
                    return bad
                inv = np.linalg.inv(So)
                d = (blk.xbar - mu[o]) if self.meanstructure else np.zeros(len(o))
                logdet = 2.0 * np.sum(np.log(np.diag(L)))
                F = logdet + np.sum(blk.S * inv) - blk.const + d @ inv @ d
                w = blk.n / self.N
                total += w * F
                if grad:
                    Go = w * (inv - inv @ (blk.S + np.outer(d, d)) @ inv)
                    if full:
                        Gs += Go
                        gm += w * (-2.0 * inv @ d)
                    else:
                        Gs[np.ix_(o, o)] += Go
                        gm[o] += w * (-2.0 * inv @ d)
            if grad:
                self._chain(g, B, FB, S, m, Gs, gm, gvec)
        return total, gvec

    def _chain(self, g, B, FB, S, m, Gs, gm, out) -> None:
        """Add dF/dtheta of group g from dF/dSigma (Gs) and dF/dmu (gm)."""
        BtH = FB.T @ Gs
        BHB = BtH @ FB
        gA = 2.0 * BHB @ S @ B.T
        if self.meanstructure:
            gA = gA + np.outer(FB.T @ gm, B @ m)
        q = len(out)
        i, j, k = self.spec._arrays[("A", g)]
        out += np.bincount(k, weights=gA[i, j], minlength=q)
        i, j, k = self.spec._arrays[("S", g)]
        out += np.bincount(k, weights=np.where(i == j, BHB[i, j], 2.0 * BHB[i, j]), minlength=q)
        i, _, k = self.spec._arrays[("m", g)]
        if len(k):
            out += np.bincount(k, weights=(FB.T @ gm)[i], minlength=q)

    def jacobian(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        """dSigma/dtheta as (q, p, p) and dmu/dtheta as (q, p) for group g."""
        spec = self.spec
        A, S, m, B, FB, Sig, mu = self._group(theta, g)
        C = B @ S @ B.T
        dS = np.zeros((spec.q, spec.p, spec.p))
        dm = np.zeros((spec.q, spec.p))
        i, j, k = spec._arrays[("A", g)]
        if len(k):
            a = FB[:, i].T  # (K, p)
            b = C[j, : spec.p]  # (K, p)
            blocks = np.einsum("ki,kj->kij", a, b)
            # within one group every parameter has one location: plain (unbuffered-safe) assignment
            dS[k] += blocks + blocks.transpose(0, 2, 1)
            Bm = B @ m
            dm[k] += a * Bm[j][:, None]
        i, j, k = spec._arrays[("S", g)]
        if len(k):
            a = FB[:, i].T
            b = FB[:, j].T
            blocks = np.einsum("ki,kj->kij", a, b)
            sym = blocks + blocks.transpose(0, 2, 1)
            sym[i == j] /= 2.0
            dS[k] += sym
        i, _, k = spec._arrays[("m", g)]
        if len(k):
            dm[k] += FB[:, i].T
        return dS, dm

    def expected_information(self, theta: np.ndarray) -> np.ndarray:
        """Expected second derivative of F: sum_b w_b [tr(Sig^-1 dS_k Sig^-1 dS_l) + 2 dmu' Sig^-1 dmu]."""
        spec = self.spec
        H = np.zeros((spec.q, spec.q))
        for g in range(spec.n_groups):
            dS, dm = self.jacobian(theta, g)
            Sig, mu, _ = implied(spec, theta, g)
            for blk in self.by_group[g]:
                o = blk.obs
                inv = np.linalg.inv(Sig[np.ix_(o, o)])
                dSo = dS[:, o][:, :, o] if len(o) < spec.p else dS
                # tr(inv dS_k inv dS_l) = <inv dS_k inv, dS_l>; tensordot keeps it in BLAS
                Y = np.tensordot(inv, np.tensordot(dSo, inv, axes=(2, 0)), axes=(1, 1))  # (p, q, p)
                k = len(o)
                H += (blk.n / self.N) * (Y.transpose(1, 0, 2).reshape(spec.q, k * k) @ dSo.reshape(spec.q, k * k).T)
                if self.meanstructure:
                    dmo = dm[:, o]
                    H += (blk.n / self.N) * 2.0 * dmo @ inv @ dmo.T
        return H

    def hessian(self, theta: np.ndarray, h: float = 1e-5, central: bool = True) -> np.ndarray:
        """Hessian of F by differences of the analytic gradient (symmetrised).

        Central differences (error of order h^2) for standard errors; forward differences (half
        the gradients, error of order h) are enough for the Newton steps of the optimiser, whose
        convergence is judged on the gradient itself.
        """
        q = len(theta)
        H = np.empty((q, q))
        g0 = None if central else self.value_grad(theta)[1]
        for k in range(q):
            step = (h if central else 1e-7) * max(1.0, abs(theta[k]))
            e = np.zeros(q)
            e[k] = step
            if central:
                H[k] = (self.value_grad(theta + e)[1] - self.value_grad(theta - e)[1]) / (2 * step)
            else:
                H[k] = (self.value_grad(theta + e)[1] - g0) / step
        return (H + H.T) / 2


# --------------------------------------------------------------------------------------------
# start values and optimisation
# --------------------------------------------------------------------------------------------
def start_values(spec: Spec, blocks: list[Block], kind: str,
                 moments: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Start values on unit-variance indicators.

    ``"fabin"``: loadings by Hägglund's FABIN 3 (lavaan's default), residual variances half the
    indicator variance, construct variances 0.05, everything else 0. ``"simple"``: loadings 1.
    ``"scores"``: loadings by FABIN 3, construct variances and paths from the covariance matrix of
    marker-scaled mean scores (regressions by least squares), residual variances from the loadings.
    ``moments`` ``(S, xbar)``: the pooled moments when the caller has them (FIML: the EM estimates).
    """
    theta = np.zeros(spec.q)
    model = spec.model
    pos = {v: i for i, v in enumerate(spec.obs)}
    # pooled moments over complete blocks, else the saturated model's
    S, xbar = moments if moments is not None else _pooled_moments(spec, blocks)
    load: dict[tuple[str, str], float] = {}
    for c in spec.lat:
        items = model.indicators[c]
        for x in items[1:]:
            load[(c, x)] = 1.0
        if kind in ("fabin", "scores") and len(items) >= 3:
            for x, v in _fabin3(S, [pos[i] for i in items]).items():
                load[(c, items[x])] = v
    lvcov = np.diag(np.full(len(spec.lat), 0.05))
    paths: dict[tuple[str, str], float] = {}
    if kind == "scores":
        lvcov, paths = _score_moments(spec, S, load)
    li = {c: k for k, c in enumerate(spec.lat)}
    for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
        if op == "=~":
            theta[k] = load.get((lhs, rhs), 1.0)
        elif op == "~":
            theta[k] = paths.get((rhs, lhs), 0.0)
        elif op == "~~" and lhs == rhs:
            if lhs in pos:
                theta[k] = 0.5 * S[pos[lhs], pos[lhs]]
                if kind == "scores":
                    c = model.construct_of[lhs]
                    lam = load.get((c, lhs), 1.0)
                    theta[k] = max(S[pos[lhs], pos[lhs]] - lam**2 * lvcov[li[c], li[c]], 0.1 * S[pos[lhs], pos[lhs]])
            else:
                theta[k] = lvcov[li[lhs], li[lhs]] if kind == "scores" else 0.05
        elif op == "~~":
            if lhs in li and rhs in li and kind == "scores":
                theta[k] = lvcov[li[lhs], li[rhs]]
        elif op == "~1" and lhs in pos:
            theta[k] = xbar[pos[lhs]]
    return theta


def _pooled_moments(spec: Spec, blocks: list[Block]) -> tuple[np.ndarray, np.ndarray]:
    full = [b for b in blocks if len(b.obs) == spec.p]
    if full:
        n = sum(b.n for b in full)
        S = sum(b.n * b.S for b in full) / n
        xbar = sum(b.n * b.xbar for b in full) / n
        return S, xbar
    # no complete pattern (FIML): the saturated model's EM estimates
    from crm_analysis.sem.cbsem.fiml import em_saturated

    xbar, S, _ = em_saturated(blocks, spec.p)
    return S, xbar


def _fabin3(S: np.ndarray, items: list[int]) -> dict[int, float]:
    """FABIN 3 loadings (Hägglund 1982) for the non-marker items of one block, lavaan's start."""
    out = {}
    k = len(items)
    for r in range(1, k):
        others = [items[t] for t in range(1, k) if t != r]
        if not others:
            continue
        x0, xr = items[0], items[r]
        s_r = np.array([S[xr, o] for o in others])
        s_0 = np.array([S[x0, o] for o in others])
        Soo = S[np.ix_(others, others)]
        try:
            w = np.linalg.solve(Soo, s_0)
            denom = s_0 @ w
            out[r] = float(s_r @ w / denom) if abs(denom) > 1e-12 else 1.0
        except np.linalg.LinAlgError:
            out[r] = 1.0
    return out


def _score_moments(spec: Spec, S: np.ndarray, load: dict) -> tuple[np.ndarray, dict]:
    """Covariances of marker-scaled mean scores, and least-squares paths among them."""
    pos = {v: i for i, v in enumerate(spec.obs)}
    model = spec.model
    W = np.zeros((spec.p, len(spec.lat)))
    for k, c in enumerate(spec.lat):
        items = model.indicators[c]
        for x in items:
            lam = load.get((c, x), 1.0) if x != items[0] else 1.0
            W[pos[x], k] = (1.0 / lam if abs(lam) > 0.1 else 0.0) / len(items)
    Cs = W.T @ S @ W
    # disattenuate the variances a little: a mean score holds error variance too
    lv = Cs.copy()
    for k, c in enumerate(spec.lat):
        items = model.indicators[c]
        if len(items) > 1:
            lv[k, k] = Cs[k, k] * 0.85
    paths = {}
    li = {c: k for k, c in enumerate(spec.lat)}
    for t in spec.lat:
        preds = model.predecessors(t)
        if not preds:
            continue
        P = [li[f] for f in preds]
        try:
            b = np.linalg.solve(lv[np.ix_(P, P)], lv[P, li[t]])
        except np.linalg.LinAlgError:
            continue
        for f, v in zip(preds, b):
            paths[(f, t)] = float(v)
        resid = lv[li[t], li[t]] - lv[P, li[t]] @ b
        lv[li[t], li[t]] = resid if resid > 0.01 * lv[li[t], li[t]] else 0.01 * lv[li[t], li[t]]
    return lv, paths


@dataclass
class Optimum:
    theta: np.ndarray  # unit-variance scale
    value: float
    grad_max: float
    converged: bool
    iterations: int
    message: str
    starts: list[dict]


def kkt_gradient(grad: np.ndarray, theta: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """The gradient projected on the feasible set: at a lower bound only a descent into it counts."""
    g = grad.copy()
    at = np.isfinite(lower) & (theta <= lower + 1e-10)
    g[at] = np.minimum(g[at], 0.0)
    return g


def optimise(obj: Objective, starts: list[tuple[str, np.ndarray]], lower: np.ndarray,
             max_iter: int = 10000, grad_tol: float = GRAD_TOL) -> Optimum:
    """Minimise from every start, keep the lowest discrepancy, check the KKT gradient there.

    Each start runs Fisher scoring (the expected information as the metric, a halving line
    search, bounds by projection); where that stalls, L-BFGS-B takes over; the result is polished
    with Newton steps on the finite-difference Hessian until the gradient vanishes.
    """
    tried = []
    best = None
    total_it = 0
    for n_start, (name, x0) in enumerate(starts):
        x0 = np.maximum(x0, np.where(np.isfinite(lower), lower, -np.inf))
        # the first start gets the full treatment; later ones a budget of scoring steps, and the
        # rest only when they are heading below the best so far (a start that drifts to the edge
        # of the admissible region is recorded as such, not chased for seconds)
        budget = min(max_iter, 200) if n_start == 0 else 30
        x, f, it = fisher_scoring(obj, x0, lower, max_iter=budget,
                                  target=None if best is None else best[1])
        g = kkt_gradient(obj.value_grad(x)[1], x, lower)
        promising = best is None or f < best[1] - 1e-10
        if promising and n_start > 0 and f < 1e19 and np.max(np.abs(g), initial=0.0) > 1e-3:
            # heading below the best so far: this start earns the full budget
            x, f, it2 = fisher_scoring(obj, x, lower, max_iter=min(max_iter, 200))
            it += it2
            g = kkt_gradient(obj.value_grad(x)[1], x, lower)
        if (not (f < 1e19) or np.max(np.abs(g), initial=0.0) > 1e-2) and promising:
            bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
            res = optimize.minimize(obj.value_grad, x if f < 1e19 else x0, jac=True, method="L-BFGS-B",
                                    bounds=bounds, options={"maxiter": min(max_iter, 3000), "ftol": 1e-15,
                                                            "gtol": 1e-10, "maxcor": 30})
            if float(res.fun) < f:
                x, f = res.x, float(res.fun)
            it += int(res.nit)
        g = kkt_gradient(obj.value_grad(x)[1], x, lower)
        gmax = np.max(np.abs(g), initial=0.0)
        if 1e-10 < gmax < 1e-1 and f < 1e19 and (best is None or f < best[1] - 1e-10):
            x, f, it2 = newton_polish(obj, x, f, lower, steps=min(30, max_iter))
            it += it2
            g = kkt_gradient(obj.value_grad(x)[1], x, lower)
        total_it += it
        tried.append({"start": name, "discrepancy": float(f),
                      "grad_max": float(np.max(np.abs(g), initial=0.0)), "iterations": it})
        if best is None or f < best[1] - 1e-12:
            best = (x, f)
    x, f = best
    g = kkt_gradient(obj.value_grad(x)[1], x, lower)
    gmax = float(np.max(np.abs(g))) if len(g) else 0.0
    ok = bool(np.isfinite(f) and f < 1e19 and gmax < grad_tol)
    msg = "gradient below tolerance" if ok else (
        f"the gradient at the reported point is {gmax:.2e} (tolerance {grad_tol:.0e})" if f < 1e19
        else "no start reached a positive-definite implied covariance matrix")
    return Optimum(x, float(f), gmax, ok, total_it, msg, tried)


def _halving_step(obj: Objective, x: np.ndarray, step: np.ndarray, free: np.ndarray, lo: np.ndarray,
                  f_max: float, tries: int = 30):
    """x - t step on the free parameters (projected on the bounds), halving t from 1 until the
    discrepancy is at most ``f_max``; (x_new, f_new, g_new, t), or None when no step does."""
    t = 1.0
    for _ in range(tries):
        xn = x.copy()
        xn[free] = x[free] - t * step
        xn = np.maximum(xn, lo)
        fn, gn = obj.value_grad(xn)
        if fn <= f_max:
            return xn, fn, gn, t
        t /= 2
    return None


def fisher_scoring(obj: Objective, x: np.ndarray, lower: np.ndarray,
                   max_iter: int = 500, gtol: float = 1e-3,
                   target: float | None = None) -> tuple[np.ndarray, float, int]:
    """Fisher scoring with step halving; parameters pushed against a bound are held there.

    With ``target`` (the best discrepancy of an earlier start) it stops once it has reached that
    value: the start has found the same optimum, or a lower one, which the caller then polishes.
    """
    f, g = obj.value_grad(x)
    if not f < 1e19:
        return x, f, 0
    lo = np.where(np.isfinite(lower), lower, -np.inf)
    it = 0
    stalls = 0
    for it in range(1, max_iter + 1):
        free = ~((x <= lo + 1e-12) & (g > 0))
        if np.max(np.abs(g[free]), initial=0.0) < gtol:
            break  # Newton steps take it from here (quadratic where scoring is linear)
        H = obj.expected_information(x)[np.ix_(free, free)]
        try:
            step = np.linalg.solve(H + 1e-12 * np.eye(len(H)), g[free])
        except np.linalg.LinAlgError:
            break
        found = _halving_step(obj, x, step, free, lo, f)
        if found is None:
            break
        xn, fn, gn, t = found
        small = f - fn < 1e-15 * max(1.0, abs(f))
        x, f, g = xn, fn, gn
        # tiny steps over and over: pressed against the edge of the admissible region
        stalls = stalls + 1 if t < 1e-3 else 0
        if small or stalls >= 3:
            break
        if target is not None and f <= target + 1e-10 * max(1.0, abs(target)):
            break
    return x, f, it


def newton_polish(obj: Objective, x: np.ndarray, f: float, lower: np.ndarray,
                  steps: int = 30) -> tuple[np.ndarray, float, int]:
    """Newton steps on the finite-difference Hessian (Fisher scoring where it is not positive
    definite), halving the step until the discrepancy falls; parameters on a bound stay there.

    The Hessian is kept while the gradient keeps shrinking fast (a chord step costs one gradient,
    a new Hessian q of them) and recomputed when progress slows.
    """
    lo = np.where(np.isfinite(lower), lower, -np.inf)
    it = 0
    H = None
    free_H = None
    g_prev = np.inf
    fv, g = obj.value_grad(x)
    for it in range(1, steps + 1):
        free = ~(np.isfinite(lower) & (x <= lower + 1e-10) & (g > 0))
        gmax = np.max(np.abs(g[free]), initial=0.0)
        if gmax < 1e-12:
            break
        if H is None or gmax > 0.1 * g_prev or not np.array_equal(free, free_H):
            H = obj.hessian(x, central=False)
            free_H = free
        g_prev = gmax
        Hf = H[np.ix_(free, free)]
        try:
            L = np.linalg.cholesky(Hf)
            step = linalg.cho_solve((L, True), g[free])
        except np.linalg.LinAlgError:
            Hf = obj.expected_information(x)[np.ix_(free, free)]
            try:
                step = np.linalg.solve(Hf + 1e-10 * np.eye(len(Hf)), g[free])
            except np.linalg.LinAlgError:
                break
        found = _halving_step(obj, x, step, free, lo, fv + 1e-16 * abs(fv))
        if found is None:
            if H is not None and it > 1:
                H = None  # a stale Hessian: try once more with a fresh one
                continue
            break
        xn, fn, gn, _ = found
        done = abs(fv - fn) < 1e-15 * max(1.0, abs(fv)) and np.max(np.abs(gn[free]), initial=0.0) < 1e-9
        x, f, fv, g = xn, fn, fn, gn
        if done:
            break
    return x, f, it
