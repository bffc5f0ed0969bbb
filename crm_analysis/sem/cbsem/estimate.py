"""Single-group CB-SEM: :func:`estimate_cbsem` (ML, MLM, MLR; listwise or full-information ML)."""
from __future__ import annotations

import math
import time
import warnings
import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from crm_analysis.errors import ParameterError
from crm_analysis.sem.cbsem import _ml, fiml as _fiml
from crm_analysis.sem.cbsem.common import (
    _check_sample,
    _free_parameter_count,
    _prepare_data,
    _reachability,
    _refuse_composites,
    _reliability_htmt,
)
from crm_analysis.sem.cbsem.fit import fit_measures, robust_fit_measures
from crm_analysis.sem.cbsem.results import (
    CBSEMConvergenceWarning,
    CBSEMResult,
    ImproperSolutionWarning,
    _improper,
    collinearity,
    collinearity_message,
    improper_message,
)
from crm_analysis.sem.model import Model, as_model

ESTIMATORS = ("ML", "MLM", "MLR")
STARTS = ("scores", "simple", "fabin")


def estimate_cbsem(
    data: pd.DataFrame,
    model: Model | str,
    *,
    estimator: str = "ML",
    missing: str = "listwise",
    bounded: bool = False,
    ci_level: float = 0.95,
    max_iter: int = 10000,
    starts: int = 2,
) -> CBSEMResult:
    """Fit a structural equation model by maximum likelihood, as lavaan's ``sem()`` does.

    The estimates are lavaan's: the same parameterisation (marker loadings, free exogenous
    covariances, single indicators without error), the ML discrepancy minimised from several
    starts (lavaan's FABIN 3 start, a start from mean scores, a plain one), on indicators scaled to
    unit variance so that the indicators' units do not matter, then polished by Newton steps.
    ``converged`` is true only when the gradient vanishes at the reported point.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; the indicator columns must be numeric. Other columns are ignored.
    model : Model or str
        The model (lavaan-style text is parsed with :class:`~crm_analysis.sem.Model`). Every
        block must be reflective (``=~``); ``a ~~ b`` adds a residual covariance.
    estimator : {"ML", "MLM", "MLR"}
        Standard errors and test statistic. ``"ML"``: normal theory (expected information).
        ``"MLM"``: Satorra-Bentler scaled chi-square and robust standard errors. ``"MLR"``:
        Huber-White standard errors and the Yuan-Bentler scaled chi-square. Both robust choices
        add ``chi2_scaled``, ``scaling_factor``, ``p_scaled``, ``cfi_robust``, ``tli_robust`` and
        ``rmsea_robust`` to ``fit``; they suit rating-scale items, which are rarely normal.
    missing : {"listwise", "fiml"}
        ``"listwise"`` deletes incomplete rows; ``"fiml"`` uses every observed value
        (full-information ML with a mean structure, lavaan's ``missing = "ml"``; standard
        errors from the observed information; fit measures against the saturated model
        estimated by EM). ``"fiml"`` goes with ``estimator="ML"``.
    bounded : bool
        ``False`` (default, like lavaan): variances are unbounded so a Heywood case appears as a
        negative variance. ``True``: variances are bounded below by 0; an estimate on the bound
        is reported as a boundary solution.
    ci_level : float
        Level of the Wald confidence intervals ``ci_low``/``ci_high``.
    max_iter : int
        Iteration limit of each start.
    starts : int
        How many of the three starts to try (1-3); the result records each start's chi-square.

    Returns
    -------
    CBSEMResult
        Tidy tables (``estimates`` with ``se_std_all``, the delta-method standard error of the
        standardised estimate, ``paths``, ``loadings``, ``r_squared``, ``effects``, ``scores``),
        ``fit``, ``improper``, ``collinearity``, ``starts`` and ``warnings``; ``summary()``
        prints them.

    Raises
    ------
    ParameterError
        A composite block, an unknown option.
    InputError
        Missing or non-numeric indicator columns, a constant indicator, fewer rows than
        parameters.

    Warns
    -----
    CBSEMConvergenceWarning
        When the gradient does not vanish at the reported point (also in ``result.warnings``).
    ImproperSolutionWarning
        When the solution is improper (also listed in ``result.warnings``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_analysis.sem import simulate
    >>> df = simulate("F =~ a + b + c + d", n=300, seed=1)          # doctest: +SKIP
    >>> res = estimate_cbsem(df, "F =~ a + b + c + d", estimator="MLR")  # doctest: +SKIP
    >>> res.fit[["chi2", "chi2_scaled", "cfi_robust"]]                  # doctest: +SKIP
    >>> print(res.summary())                                           # doctest: +SKIP
    """
    model = as_model(model)
    _refuse_composites(model)
    if not isinstance(estimator, str) or estimator.upper() not in ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r}: expected one of {', '.join(ESTIMATORS)} "
                             "(lavaan's names: ML, MLM = Satorra-Bentler, MLR = Huber-White/Yuan-Bentler)")
    estimator = estimator.upper()
    if missing == "ml":  # lavaan's spelling
        missing = "fiml"
    if missing == "fiml" and estimator != "ML":
        raise ParameterError(
            f"estimator={estimator!r} with missing='fiml': the robust corrections are implemented for "
            "complete data; use estimator='ML' with missing='fiml', or a robust estimator with "
            "missing='listwise'")
    if not isinstance(bounded, bool):
        raise ParameterError(f"bounded={bounded!r}: expected True or False")
    if not (isinstance(ci_level, float) and 0 < ci_level < 1):
        raise ParameterError(f"ci_level={ci_level!r}: expected a number strictly between 0 and 1")
    if not (isinstance(max_iter, int) and max_iter > 0):
        raise ParameterError(f"max_iter={max_iter!r}: expected a positive integer")
    if not (isinstance(starts, int) and 1 <= starts <= len(STARTS)):
        raise ParameterError(f"starts={starts!r}: expected 1, 2 or 3")
    frame, n_dropped, notes = _prepare_data(data, model, missing)
    obs = model.all_indicators
    fiml = missing == "fiml"
    _check_sample(frame, obs, _free_parameter_count(model) + (len(obs) if fiml else 0))

    with threadpool_limits(1):  # small matrices: BLAS threads only contend (10x slower on 2 cores)
        return _estimate(model, frame, n_dropped, notes, estimator, missing, bounded, ci_level,
                         max_iter, starts)


def _estimate(model, frame, n_dropped, notes, estimator, missing, bounded, ci_level, max_iter,
              starts) -> CBSEMResult:
    obs = model.all_indicators
    fiml = missing == "fiml"
    t0 = time.perf_counter()
    X = frame[obs].to_numpy(float)
    n = len(X)
    sd = np.nanstd(X, axis=0)
    Xs = X / sd
    spec = _ml.build_spec(model, meanstructure=fiml)
    if fiml:
        blocks = _fiml.pattern_blocks(Xs)
        # the saturated model by EM, once: start values here, fit measures below (EM is
        # scale-equivariant, so the raw-unit estimates are these rescaled)
        mu_s, S_s, _ = _fiml.em_saturated(blocks, spec.p)
        pooled = (S_s, mu_s)
    else:
        Ss = np.cov(Xs, rowvar=False, bias=True)
        blocks = [_ml.Block(0, np.arange(spec.p), float(n), Ss, Xs.mean(axis=0))]
        pooled = (Ss, Xs.mean(axis=0))
    obj = _ml.Objective(spec, blocks, meanstructure=fiml, fiml=fiml)
    lower = np.where(spec.variance, 0.0, -np.inf) if bounded else np.full(spec.q, -np.inf)
    x0 = [(k, _ml.start_values(spec, blocks, k, moments=pooled)) for k in STARTS[:starts]]
    opt = _ml.optimise(obj, x0, lower, max_iter=max_iter)
    factors = _ml.scale_factors(spec, sd)
    theta = opt.theta * factors

    # standard errors: per unit-variance parameter, then to raw units
    robust = None
    if fiml:
        info = obj.hessian(opt.theta)  # observed information (lavaan's default with missing = "ml")
    else:
        info = obj.expected_information(opt.theta)
    try:
        vcov_s = 2.0 / n * np.linalg.inv(info)
    except np.linalg.LinAlgError:
        vcov_s = np.full((spec.q, spec.q), np.nan)
    npar = spec.q
    moments = len(obs) * (len(obs) + 1) // 2 + (len(obs) if fiml else 0)
    df = moments - npar
    # fit measures in raw units
    Sig, mu, C = _ml.implied(spec, theta, 0)
    if fiml:
        raw_blocks = _fiml.pattern_blocks(X)
        mu_h1, S_h1 = mu_s * sd, S_s * np.outer(sd, sd)
        logl = _fiml.casewise_loglik(raw_blocks, Sig, mu)
        logl_h1 = _fiml.casewise_loglik(raw_blocks, S_h1, mu_h1)
        logl_b = _fiml.independence_loglik(raw_blocks, len(obs))
        fit = fit_measures([S_h1], [Sig], [n], npar, sample_mean=[mu_h1], implied_mean=[mu],
                           loglik=(logl, logl_h1, 2.0 * (logl_h1 - logl_b)))
        Ssample = S_h1
    else:
        Ssample = np.cov(X, rowvar=False, bias=True)
        fit = fit_measures([Ssample], [Sig], [n], npar)
        if estimator != "ML":
            from crm_analysis.sem.cbsem.robust import robust_inference
            robust = robust_inference(obj, opt.theta, Xs, estimator, float(df), float(fit["chi2"]))
            vcov_s = robust["vcov"]
            fit = pd.concat([fit, robust_fit_measures(fit, robust["scaling_factor"],
                                                      robust["scaling_factor_baseline"])])
            fit.name = "fit"
    vcov = vcov_s * np.outer(factors, factors)
    if bounded:
        # a parameter on its bound has no Wald standard error (lavaan leaves such SEs out too)
        at = np.isfinite(lower) & (opt.theta <= lower + 1e-10)
        vcov[at, :] = vcov[:, at] = np.nan
    elapsed = time.perf_counter() - t0

    est_tab, std_fn = _parameter_table(spec, theta, vcov, ci_level)
    # delta-method standard errors of the standardised estimates (lavaan's standardizedSolution)
    J = _numeric_jacobian(std_fn, theta)
    vstd = J @ np.nan_to_num(vcov) @ J.T
    se_std = np.sqrt(np.clip(np.diag(vstd), 0, None))
    se_std[np.abs(np.diag(vstd)) < 1e-20] = 0.0
    est_tab["se_std_all"] = se_std if np.all(np.isfinite(vcov)) else np.nan
    est_tab = est_tab[["lhs", "op", "rhs", "estimate", "se", "z", "p", "ci_low", "ci_high", "std_all",
                       "se_std_all", "free"]]

    return _assemble(model, spec, frame, X, theta, C, Sig, Ssample, est_tab, fit, opt, notes, n_dropped,
                     bounded, ci_level, elapsed, estimator, missing, vcov)


def _parameter_table(spec: _ml.Spec, theta: np.ndarray, vcov: np.ndarray, ci_level: float):
    """lavaan's parameter table (with the fixed marker loadings) and the std.all function of theta."""
    model = spec.model
    names = spec.names
    idx = {v: i for i, v in enumerate(names)}
    rows = []  # (lhs, op, rhs, k or None, fixed value)
    for c in spec.lat:
        items = model.indicators[c]
        rows.append((c, "=~", items[0], None, 1.0))
        for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
            if op == "=~" and lhs == c:
                rows.append((lhs, op, rhs, k, np.nan))
    rows += [(lhs, op, rhs, k, np.nan) for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs if op == "~"]
    user = set(model.covariances)
    var_rows = []
    for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs:
        if op == "~~":
            a, b = lhs, rhs
            if (a, b) not in user and ((b, a) in user or idx[b] < idx[a]):
                a, b = b, a
            var_rows.append((a, "~~", b, k, np.nan))
    free_var = {(r[0], r[2]) for r in var_rows}
    for c, items in model.indicators.items():
        if len(items) == 1 and (items[0], items[0]) not in free_var:
            var_rows.append((items[0], "~~", items[0], None, 0.0))
    # covariances first, then variances (lavaan's order), each in declaration order
    var_rows.sort(key=lambda r: (r[0] == r[2], idx[r[0]], idx[r[2]]))
    rows += var_rows
    rows += [(lhs, op, rhs, k, np.nan) for (g, mat, i, j, k, (lhs, op, rhs), cls) in spec.locs if op == "~1"]
    if spec.meanstructure:  # construct means fixed at 0 (lavaan lists them too)
        rows += [(c, "~1", "", None, 0.0) for c in spec.lat]

    ks = [r[3] for r in rows]
    est = np.array([theta[k] if k is not None else r[4] for k, r in zip(ks, rows)], float)
    se = np.array([math.sqrt(vcov[k, k]) if (k is not None and np.isfinite(vcov[k, k]) and vcov[k, k] >= 0)
                   else np.nan for k in ks])
    tab = pd.DataFrame({"lhs": [r[0] for r in rows], "op": [r[1] for r in rows], "rhs": [r[2] for r in rows],
                        "estimate": est, "se": se})
    zq = stats.norm.ppf(0.5 + ci_level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        tab["z"] = tab["estimate"] / tab["se"]
    tab["p"] = 2 * stats.norm.sf(tab["z"].abs())
    tab["ci_low"] = tab["estimate"] - zq * tab["se"]
    tab["ci_high"] = tab["estimate"] + zq * tab["se"]
    tab["free"] = [k is not None for k in ks]
    li = [(idx[r[0]], r[1], idx[r[2]]) if r[1] != "~1" else (idx[r[0]], r[1], -1) for r in rows]

    # std.all in vectors: value times sd(from) / sd(to) for loadings and paths, over the variance
    # for variances, over the residual SDs for covariances (lavaan's cov.std), over the SD for means
    ia = np.array([x[0] for x in li])
    ib = np.array([max(x[2], 0) for x in li])
    op = np.array([x[1] for x in li])
    kk = np.array([k if k is not None else -1 for k in ks])
    fixed = np.array([r[4] for r in rows], float)
    is_load, is_reg, is_mean = op == "=~", op == "~", op == "~1"
    is_var = (op == "~~") & (ia == ib)
    is_cov = (op == "~~") & (ia != ib)

    def std_fn(th: np.ndarray) -> np.ndarray:
        A, S, m = _ml.matrices(spec, th, 0)
        B = np.linalg.inv(np.eye(spec.nv) - A)
        var = np.einsum("ij,jk,ik->i", B, S, B)
        sdv = np.sqrt(np.clip(var, 1e-300, None))
        val = np.where(kk >= 0, th[np.maximum(kk, 0)], fixed)
        out = np.full(len(rows), np.nan)
        out[is_load] = (val * sdv[ia] / sdv[ib])[is_load]
        out[is_reg] = (val * sdv[ib] / sdv[ia])[is_reg]
        out[is_mean] = (val / sdv[ia])[is_mean]
        vv = var[ia]
        out[is_var] = np.where(vv != 0, val / np.where(vv != 0, vv, 1.0), np.nan)[is_var]
        d = S[ia, ia] * S[ib, ib]
        out[is_cov] = np.where(d > 0, val / np.sqrt(np.where(d > 0, d, 1.0)), np.nan)[is_cov]
        return out

    with np.errstate(invalid="ignore", divide="ignore"):
        tab["std_all"] = std_fn(theta)
    return tab, std_fn


def _numeric_jacobian(fn, theta: np.ndarray) -> np.ndarray:
    f0 = fn(theta)
    J = np.empty((len(f0), len(theta)))
    for k in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[k]))
        e = np.zeros(len(theta))
        e[k] = h
        with np.errstate(invalid="ignore", divide="ignore"):
            J[:, k] = (fn(theta + e) - fn(theta - e)) / (2 * h)
    return np.nan_to_num(J)


def _assemble(model, spec, frame, X, theta, C, Sigma, Ssample, est_tab, fit, opt, notes, n_dropped,
              bounded, ci_level, elapsed, estimator, missing, vcov) -> CBSEMResult:
    obs, lat = spec.obs, spec.lat
    idx = {v: i for i, v in enumerate(spec.names)}
    A, Smat, _ = _ml.matrices(spec, theta, 0)
    var = np.diag(C)
    cols_out = ["estimate", "se", "z", "p", "ci_low", "ci_high", "std_all", "se_std_all"]
    reg = est_tab[est_tab["op"] == "~"]
    paths = pd.DataFrame({"from": reg["rhs"].to_numpy(), "to": reg["lhs"].to_numpy()})
    for c in cols_out:
        paths[c] = reg[c].to_numpy()
    lo = est_tab[est_tab["op"] == "=~"]
    loadings = pd.DataFrame({"construct": lo["lhs"].to_numpy(), "indicator": lo["rhs"].to_numpy()})
    for c in cols_out:
        loadings[c] = lo[c].to_numpy()
    n = len(frame)
    endo = model.endogenous
    r2 = pd.Series({c: 1 - Smat[idx[c], idx[c]] / var[idx[c]] for c in endo}, dtype=float, name="r_squared")
    k = {c: len(model.predecessors(c)) for c in endo}
    r2_adj = pd.Series({c: 1 - (1 - r2[c]) * (n - 1) / (n - k[c] - 1) for c in endo}, dtype=float,
                       name="r_squared_adj")
    r2_ind = pd.Series({x: 1 - Smat[idx[x], idx[x]] / var[idx[x]] for x in obs}, dtype=float, name="r_squared")

    l_idx = [idx[c] for c in lat]
    o_idx = [idx[x] for x in obs]
    Bl = A[np.ix_(l_idx, l_idx)]
    T = np.linalg.inv(np.eye(len(lat)) - Bl) - np.eye(len(lat))
    sd_l = np.sqrt(np.clip(var[l_idx], 0, None))
    M1, Mall, Mind = _reachability(model)
    eff_rows = []
    order_l = model.order()
    for f in order_l:
        for t in order_l:
            i, j = lat.index(t), lat.index(f)
            if Mall[i, j]:
                scale = sd_l[j] / sd_l[i] if sd_l[i] > 0 else np.nan
                d = Bl[i, j] if M1[i, j] else 0.0
                ind = (T[i, j] - Bl[i, j]) if Mind[i, j] else 0.0
                tot = d + ind
                eff_rows.append((f, t, d * scale, ind * scale, tot * scale, d, ind, tot))
    effects = pd.DataFrame(eff_rows, columns=["from", "to", "direct", "indirect", "total",
                                              "direct_unstd", "indirect_unstd", "total_unstd"])

    # factor scores, regression method: E(eta | x) = Cov(eta, x) Sigma^-1 (x - mean)
    Cxl = C[np.ix_(o_idx, l_idx)]
    mean = np.nanmean(X, axis=0)
    try:
        W = np.linalg.solve(Sigma, Cxl)
        scores = pd.DataFrame((X - mean) @ W, index=frame.index, columns=lat)
    except np.linalg.LinAlgError:
        scores = pd.DataFrame(np.nan, index=frame.index, columns=lat)

    latent_cov = pd.DataFrame(C[np.ix_(l_idx, l_idx)], index=lat, columns=lat)
    improper = _improper(est_tab, Smat, idx, obs, lat, latent_cov, bounded,
                         total_var={v: var[i] for v, i in idx.items()})
    coll = collinearity(model, est_tab, latent_cov)
    msgs = list(notes)
    if not opt.converged:
        msgs.append(
            f"the fit did not converge: {opt.message}; this is not a maximum of the likelihood, so the "
            "estimates, standard errors and fit measures are not reliable and no conclusion should be "
            "drawn from them")
        warnings.warn("CB-SEM: " + msgs[-1], CBSEMConvergenceWarning, stacklevel=3)
    if not improper.empty:
        msg = improper_message(improper)
        msgs.append(msg)
        warnings.warn(msg, ImproperSolutionWarning, stacklevel=3)
    if len(coll):
        msgs.append(collinearity_message(coll))
    if int(fit["df"]) < 0:
        msgs.append(f"the model is not identified: {int(fit['npar'])} free parameters for "
                    f"{int(fit['npar'] + fit['df'])} data moments (df = {int(fit['df'])})")
    if not np.all(np.isfinite(np.diag(vcov))) and opt.converged:
        msgs.append("the information matrix is singular: standard errors are not available (the model "
                    "may not be identified)")

    N = float(n)
    starts = pd.DataFrame([{"start": s["start"], "chi2": N * s["discrepancy"] if missing != "fiml" else np.nan,
                            "discrepancy": s["discrepancy"], "grad_max": s["grad_max"],
                            "iterations": s["iterations"]} for s in opt.starts])
    vals = sorted(s["discrepancy"] for s in opt.starts)
    gap = float(N * (vals[1] - vals[0])) if len(vals) > 1 else 0.0

    sd_s = np.sqrt(np.diag(Ssample))
    sd_m = np.sqrt(np.diag(Sigma))
    R_sample = Ssample / np.outer(sd_s, sd_s)
    resid = R_sample - Sigma / np.outer(sd_m, sd_m)
    reliability, htmt = _reliability_htmt(model, R_sample, loadings)
    free_names = [f"{lhs} {op} {rhs}".strip() for lhs, op, rhs in _free_labels(spec)]
    return CBSEMResult(
        model=model, estimates=est_tab, paths=paths, loadings=loadings, r_squared=r2,
        r_squared_adj=r2_adj, r_squared_indicators=r2_ind, effects=effects, scores=scores, fit=fit,
        improper=improper, warnings=msgs,
        implied_cov=pd.DataFrame(Sigma, index=obs, columns=obs),
        sample_cov=pd.DataFrame(Ssample, index=obs, columns=obs),
        residual_cor=pd.DataFrame(resid, index=obs, columns=obs),
        latent_cov=latent_cov, converged=opt.converged, iterations=opt.iterations, n=n,
        n_dropped=n_dropped, bounded=bounded, ci_level=ci_level, elapsed=elapsed,
        reliability=reliability, htmt=htmt, estimator=estimator, missing=missing, starts=starts,
        runner_up_gap=gap, grad_max=opt.grad_max, collinearity=coll,
        vcov=pd.DataFrame(vcov, index=free_names, columns=free_names),
    )


def _free_labels(spec: _ml.Spec) -> list[tuple[str, str, str]]:
    first: dict[int, tuple[str, str, str]] = {}
    for (g, mat, i, j, k, key, cls) in spec.locs:
        first.setdefault(k, key)
    return [first[k] for k in range(spec.q)]

