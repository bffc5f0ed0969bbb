"""Result objects of CB-SEM, and what makes a solution improper (lavaan's definition)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_analysis.sem.model import Model


class ImproperSolutionWarning(UserWarning):
    """The estimates are an improper solution (Heywood case, non-positive-definite matrix...)."""


class CBSEMConvergenceWarning(UserWarning):
    """The optimiser stopped where the gradient does not vanish: not an optimum."""


#: the name the issue tracker and lavaan users look for
ConvergenceWarning = CBSEMConvergenceWarning


@dataclass
class CBSEMResult:
    """Maximum-likelihood CB-SEM estimates in tidy tables (see :func:`estimate_cbsem`).

    Attributes
    ----------
    model : Model
    estimates : DataFrame
        lavaan's parameter table: ``lhs, op, rhs, estimate, se, z, p, ci_low, ci_high, std_all,
        free`` (op is ``=~`` for loadings, ``~`` for regressions, ``~~`` for (co)variances).
    paths : DataFrame
        One row per structural path: ``from, to, estimate, se, z, p, ci_low, ci_high, std_all``.
    loadings : DataFrame
        ``construct, indicator, estimate, se, z, p, ci_low, ci_high, std_all``.
    r_squared, r_squared_adj : Series
        Explained variance of each endogenous construct (adjusted with its number of predictors).
    r_squared_indicators : Series
        Explained variance of each indicator (its squared standardised loading).
    effects : DataFrame
        ``from, to, direct, indirect, total`` (standardised, comparable with PLS) and the same
        unstandardised as ``direct_unstd, indirect_unstd, total_unstd``.
    scores : DataFrame
        Factor scores by the regression method (lavaan's ``lavPredict`` default), rows as in the
        data used.
    fit : Series
        Fit measures, see :func:`fit_measures`.
    improper : DataFrame
        One row per problem of an improper solution: ``parameter, value, problem``; empty when
        the solution is proper.
    warnings : list of str
        Everything the reader must know: improper solution, non-convergence, dropped rows.
    implied_cov, sample_cov, residual_cor : DataFrame
        Model-implied and sample covariance matrices; residual correlations (observed minus
        implied, each scaled to correlations).
    latent_cov : DataFrame
        Model-implied covariance matrix of the constructs.
    reliability : DataFrame
        index = construct; ``alpha`` (Cronbach's, standardised items), ``rho_c`` (composite
        reliability from the standardised loadings, residual covariances ignored), ``ave``
        (mean squared standardised loading) — PLS's ``reliability`` where it applies.
    htmt : DataFrame
        ``construct_1, construct_2, estimate``: heterotrait-monotrait ratio of the sample
        correlations (Henseler et al. 2015; absolute correlations, as the PLS engine), which
        does not depend on the estimator.
    converged : bool
        ``True`` only when the gradient of the discrepancy (the KKT conditions, with bounds)
        vanished at the reported point; the optimiser's own flag is not enough.
    iterations : int
    n : int
        Rows used; ``n_dropped`` rows were removed (listwise deletion, or rows with no value at all
        under FIML).
    estimator : {"ML", "MLM", "MLR"}
        The standard errors and test: normal theory (ML), Satorra-Bentler (MLM), Huber-White with
        the Yuan-Bentler test (MLR). The estimates are the ML estimates in every case.
    missing : {"listwise", "fiml"}
    starts : DataFrame
        One row per start tried: ``start, chi2, grad_max, iterations``; the winner is the lowest
        chi2, ``runner_up_gap`` its distance to the next best start (0 when they agree).
    grad_max : float
        The largest absolute gradient of the ML discrepancy at the reported point (indicators at
        unit variance), the quantity ``converged`` is checked on.
    collinearity : DataFrame
        ``construct, predictor, std_path, vif``: standardised paths beyond ±1 with the VIF of
        their predictor among the construct's predictors (a collinearity note, not an improper
        solution).
    vcov : DataFrame
        Covariance matrix of the free parameter estimates (by their ``lhs op rhs`` names).
    """

    model: Model
    estimates: pd.DataFrame
    paths: pd.DataFrame
    loadings: pd.DataFrame
    r_squared: pd.Series
    r_squared_adj: pd.Series
    r_squared_indicators: pd.Series
    effects: pd.DataFrame
    scores: pd.DataFrame
    fit: pd.Series
    improper: pd.DataFrame
    warnings: list[str]
    implied_cov: pd.DataFrame
    sample_cov: pd.DataFrame
    residual_cor: pd.DataFrame
    latent_cov: pd.DataFrame
    converged: bool
    iterations: int
    n: int
    n_dropped: int = 0
    bounded: bool = False
    ci_level: float = 0.95
    elapsed: float = 0.0
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    htmt: pd.DataFrame = field(default_factory=pd.DataFrame)
    estimator: str = "ML"
    missing: str = "listwise"
    starts: pd.DataFrame = field(default_factory=pd.DataFrame)
    runner_up_gap: float = 0.0
    grad_max: float = 0.0
    collinearity: pd.DataFrame = field(default_factory=pd.DataFrame)
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def is_proper(self) -> bool:
        """``True`` when no improper-solution problem was found."""
        return self.improper.empty

    @property
    def trustworthy(self) -> bool:
        """``True`` when the fit converged (verified gradient) and the solution is proper: the
        condition for drawing any verdict ("supported", "holds") from it."""
        return bool(self.converged and self.is_proper)

    @property
    def standardized(self) -> pd.DataFrame:
        """The completely standardised solution (lavaan's ``standardizedSolution()``, std.all)."""
        return self.estimates[["lhs", "op", "rhs", "std_all"]].rename(columns={"std_all": "estimate"})

    def summary(self) -> str:
        """A lavaan-style text summary: fit, estimates, R² and warnings."""
        f = self.fit
        what = {"ML": "maximum likelihood", "MLM": "ML, Satorra-Bentler robust (MLM)",
                "MLR": "ML, Huber-White robust with the Yuan-Bentler test (MLR)"}[self.estimator]
        miss = "full-information ML" if self.missing == "fiml" else "listwise"
        lines = [
            f"CB-SEM ({what}; lavaan conventions)",
            f"  observations used: {self.n}" + (f" ({self.n_dropped} dropped: {miss})" if self.n_dropped else "")
            + (" (missing values by full-information ML)" if self.missing == "fiml" else ""),
            f"  converged: {'yes' if self.converged else 'NO'} (largest gradient {self.grad_max:.1e}) after "
            f"{self.iterations} iterations; free parameters: {int(f['npar'])}",
            f"  starts tried: {len(self.starts)}; runner-up chi2 above the winner by {self.runner_up_gap:.3g}",
            "",
            "Model test",
            f"  chi2 = {f['chi2']:.3f}, df = {int(f['df'])}, p = {_fmt_p(f['p'])}"
            f"  (baseline chi2 = {f['chi2_baseline']:.3f}, df = {int(f['df_baseline'])})",
            f"  CFI = {f['cfi']:.3f}   TLI = {f['tli']:.3f}   SRMR = {f['srmr']:.3f}",
            f"  RMSEA = {f['rmsea']:.3f}  90% CI [{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}]"
            f"  p(RMSEA <= 0.05) = {_fmt_p(f['rmsea_p_close'])}",
            f"  logL = {f['logl']:.3f}   AIC = {f['aic']:.3f}   BIC = {f['bic']:.3f}",
            "",
        ]
        if "chi2_scaled" in f.index:
            lines[-1:-1] = [
                f"  scaled chi2 = {f['chi2_scaled']:.3f} (scaling factor {f['scaling_factor']:.3f}), "
                f"p = {_fmt_p(f['p_scaled'])}",
                f"  robust CFI = {f['cfi_robust']:.3f}   robust TLI = {f['tli_robust']:.3f}   "
                f"robust RMSEA = {f['rmsea_robust']:.3f}",
            ]
        table = self.estimates.copy()
        table["parameter"] = table["lhs"] + " " + table["op"] + " " + table["rhs"]
        show = table[["parameter", "estimate", "se", "z", "p", "std_all"]]
        for title, op in (("Loadings", "=~"), ("Regressions", "~"), ("(Co)variances", "~~")):
            part = show[table["op"] == op]
            if len(part):
                lines.append(title)
                lines.append(part.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
                lines.append("")
        if len(self.r_squared):
            lines.append("R-squared of the endogenous constructs")
            lines.extend(f"  {k:<20s} {v:.3f}" for k, v in self.r_squared.items())
            lines.append("")
        if len(self.collinearity):
            lines.append("Collinearity note")
            lines.extend(f"  {r.predictor} -> {r.construct}: standardised path {r.std_path:.3f}, VIF {r.vif:.1f}"
                         for r in self.collinearity.itertuples())
            lines.append("")
        if self.warnings:
            lines.append("Warnings")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines).rstrip() + "\n"

    def __repr__(self) -> str:
        f = self.fit
        state = "proper" if self.is_proper else "IMPROPER solution"
        if not self.converged:
            state += ", NOT CONVERGED"
        return (
            f"<CBSEMResult n={self.n} chi2={f['chi2']:.2f} df={int(f['df'])} CFI={f['cfi']:.3f} "
            f"RMSEA={f['rmsea']:.3f} ({state})>"
        )


def _fmt_p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "-"
    return "< .001" if p < 0.001 else f"{p:.3f}"


# --------------------------------------------------------------------------------------------
# improper solutions
# --------------------------------------------------------------------------------------------
_BOUNDARY_TOL = 1e-6


def _improper(
    est: pd.DataFrame,
    Smat: np.ndarray,
    idx: dict[str, int],
    obs: Sequence[str],
    lat: Sequence[str],
    latent_cov: pd.DataFrame,
    bounded: bool,
    total_var: dict | None = None,
) -> pd.DataFrame:
    """Every symptom of an improper solution, one row each: parameter, value, problem."""
    total_var = total_var or {}
    rows: list[tuple[str, float, str]] = []
    latent = set(lat)
    for r in est.itertuples(index=False):
        name = f"{r.lhs} {r.op} {r.rhs}"
        if r.op == "~~" and r.lhs == r.rhs and r.free:
            kind = "latent" if r.lhs in latent else "indicator"
            what = "residual variance" if (r.lhs not in latent or _is_endogenous(est, r.lhs)) else "variance"
            # relative to the variable's total variance: the units of the data do not matter
            scale = abs(total_var.get(r.lhs, 1.0)) or 1.0
            if r.estimate < -_BOUNDARY_TOL * scale:
                rows.append((name, r.estimate, f"negative {kind} {what}"))
            elif bounded and abs(r.estimate) <= _BOUNDARY_TOL * scale:
                rows.append((name, r.estimate, f"{kind} {what} on the boundary (zero)"))
    for r in est.itertuples(index=False):
        # a correlation beyond ±1 is improper; a standardised path beyond ±1 from collinear
        # predictors is not (lavaan calls such a solution admissible): see _collinearity
        if r.op == "~~" and r.lhs != r.rhs and np.isfinite(r.std_all) and abs(r.std_all) > 1 + 1e-8:
            rows.append((f"{r.lhs} {r.op} {r.rhs}", r.std_all, "correlation beyond ±1"))
    lv = latent_cov.to_numpy()
    if lv.size:
        ev = np.linalg.eigvalsh((lv + lv.T) / 2)
        if ev.min() <= 1e-10 * max(1.0, abs(ev.max())):
            rows.append(("covariance matrix of the constructs", float(ev.min()),
                         "latent covariance matrix not positive definite (smallest eigenvalue)"))
    o_idx = [idx[x] for x in obs]
    theta = Smat[np.ix_(o_idx, o_idx)]
    off = theta - np.diag(np.diag(theta))
    if np.any(off != 0):
        # fixed-zero residual variances (single indicators) are excluded from the check
        keep = [i for i in range(len(o_idx)) if theta[i, i] != 0 or np.any(off[i] != 0)]
        sub = theta[np.ix_(keep, keep)]
        ev = np.linalg.eigvalsh((sub + sub.T) / 2)
        if ev.min() <= 0:
            rows.append(("residual covariance matrix of the indicators", float(ev.min()),
                         "indicator residual covariance matrix (theta) not positive definite "
                         "(smallest eigenvalue)"))
    return pd.DataFrame(rows, columns=["parameter", "value", "problem"])


def collinearity(model: Model, est: pd.DataFrame, latent_cov: pd.DataFrame) -> pd.DataFrame:
    """Standardised paths beyond ±1 with the VIF of their predictor among the construct's predictors.

    In a regression on correlated predictors a standardised coefficient can exceed 1 without
    anything being wrong with the solution; the VIF (1 / (1 - R²) of the predictor on the other
    predictors, from the constructs' implied correlations) says how collinear they are.
    """
    rows = []
    C = latent_cov.to_numpy()
    sd = np.sqrt(np.clip(np.diag(C), 1e-300, None))
    R = C / np.outer(sd, sd)
    names = list(latent_cov.index)
    for r in est[est["op"] == "~"].itertuples(index=False):
        if np.isfinite(r.std_all) and abs(r.std_all) > 1 + 1e-8:
            preds = model.predecessors(r.lhs)
            ix = [names.index(x) for x in preds]
            try:
                vif = float(np.diag(np.linalg.inv(R[np.ix_(ix, ix)]))[preds.index(r.rhs)]) if len(ix) > 1 else 1.0
            except np.linalg.LinAlgError:
                vif = np.inf
            rows.append((r.lhs, r.rhs, float(r.std_all), vif))
    return pd.DataFrame(rows, columns=["construct", "predictor", "std_path", "vif"])


def collinearity_message(table: pd.DataFrame) -> str:
    """The collinearity note in words (not a warning that the solution is wrong)."""
    listed = "; ".join(f"{r.predictor} -> {r.construct} = {r.std_path:.2f} (VIF {r.vif:.1f})"
                       for r in table.itertuples())
    return ("collinearity note: standardised path(s) beyond ±1 because the predictors are highly "
            f"correlated: {listed}. The solution is admissible (all variances positive); the separate "
            "effects of these predictors cannot be told apart well, their joint effect can")


def _is_endogenous(est: pd.DataFrame, name: str) -> bool:
    return bool(((est["op"] == "~") & (est["lhs"] == name)).any())


def improper_message(improper: pd.DataFrame) -> str:
    """One sentence naming every offending parameter, in the manner of lavaan's warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame([("QUAL ~~ QUAL", -0.02, "negative latent residual variance")],
    ...                  columns=["parameter", "value", "problem"])
    >>> improper_message(t)
    'improper solution: negative latent residual variance: QUAL ~~ QUAL = -0.020'
    """
    parts = []
    for problem, grp in improper.groupby("problem", sort=False):
        listed = ", ".join(f"{p} = {v:.3f}" for p, v in zip(grp["parameter"], grp["value"]))
        parts.append(f"{problem}: {listed}")
    return "improper solution: " + "; ".join(parts)


@dataclass
class MultigroupResult:
    """A multigroup CB-SEM fit with equality constraints (see :func:`estimate_cbsem_multigroup`).

    Attributes
    ----------
    groups : list
        Group labels, in the order of the per-group tables.
    group_equal : tuple of str
        The parameter classes constrained equal across groups.
    estimates : DataFrame
        ``group, lhs, op, rhs, estimate, free, label`` (``~1`` rows are intercepts / means);
        parameters sharing a ``label`` are constrained equal.
    fit : Series
        Fit measures (:func:`fit_measures`, with the mean structure).
    n_obs : Series
        Rows per group.
    converged : bool
        ``True`` only when the gradient vanishes at the reported point.
    warnings : list of str
    starts : DataFrame
        ``start, chi2, grad_max, iterations`` per start tried (``parent`` is the less constrained
        model's solution); ``runner_up_gap`` the chi-square distance of the next best start.
    grad_max : float
    proper : bool
        No negative variance in any group.
    """

    groups: list
    group_equal: tuple
    estimates: pd.DataFrame
    fit: pd.Series
    n_obs: pd.Series
    converged: bool
    iterations: int
    warnings: list[str]
    starts: pd.DataFrame = field(default_factory=pd.DataFrame)
    runner_up_gap: float = 0.0
    grad_max: float = 0.0
    proper: bool = True

    def summary(self) -> str:
        f = self.fit
        eq = ", ".join(self.group_equal) if self.group_equal else "none (configural)"
        return (
            f"Multigroup CB-SEM: groups {self.groups} (n = {dict(self.n_obs)}), equal across groups: {eq}\n"
            f"  chi2 = {f['chi2']:.3f}, df = {int(f['df'])}, p = {_fmt_p(f['p'])}, CFI = {f['cfi']:.3f}, "
            f"TLI = {f['tli']:.3f}, RMSEA = {f['rmsea']:.3f}, SRMR = {f['srmr']:.3f}, "
            f"AIC = {f['aic']:.2f}, BIC = {f['bic']:.2f}\n"
            + ("".join(f"  - {w}\n" for w in self.warnings))
        )


