"""Group comparison: PLS multigroup analysis and CB-SEM measurement invariance.

PLS (``estimator="pls"``), for every pair of groups and every structural path:

- **permutation test** (Chin & Dibbern 2010): the group labels are permuted ``permutations``
  times (group sizes kept), the model is re-estimated in both pseudo-groups, and the p-value is
  the share of permuted absolute differences at least as large as the observed one,
  ``(1 + #{|d*| >= |d|}) / (1 + permutations)`` (the exact-test convention of Phipson & Smyth
  2010, never 0). All permutations are estimated in one batched call of
  :func:`crm_analysis.sem.pls_batch`.
- **Henseler's bootstrap-based MGA** (Henseler, Ringle & Sinkovics 2009; Sarstedt, Henseler &
  Ringle 2011): each group is bootstrapped; with ``a_j = 2 mean(b1*) - b1*_j`` and
  ``c_i = 2 mean(b2*) - b2*_i`` (bias-corrected draws, bootstrap means as in R seminr's
  ``estimate_pls_mga``), ``p = 1 - #{a_j > c_i} / (J1 J2)`` over all pairs: the one-sided
  probability that the path is not larger in the first group. ``p < 0.05`` says the first
  group's path is larger, ``p > 0.95`` that it is smaller; the two-sided value is
  ``2 min(p, 1 - p)``.
- the parametric **Welch-Satterthwaite** test on the bootstrap standard errors, for reference.

CB-SEM (``estimator="cbsem"``): the measurement-invariance sequence across all groups
(configural; metric = equal loadings; scalar = equal loadings and intercepts) fitted by
:func:`crm_analysis.sem.cbsem.estimate_cbsem_multigroup`, with the chi-square difference test
and the change in CFI / RMSEA between successive models. Invariance is supported at a step when
the chi-square difference is not significant, or — the usual criterion for samples of a few
hundred, where the chi-square test is over-powered — when CFI drops by no more than 0.01
(Cheung & Rensvold 2002) and RMSEA rises by no more than 0.015 (Chen 2007).
"""
from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem.model import Model

__all__ = ["GroupComparison", "compare_groups", "henseler_p", "permutation_p"]

_ESTIMATORS = ("pls", "cbsem", "both")


def henseler_p(draws_a: np.ndarray, draws_b: np.ndarray) -> float:
    """Henseler's PLS-MGA p-value from two groups' bootstrap draws of one parameter.

    ``p = 1 - #{(2 mean(a) - a_j) > (2 mean(b) - b_i)} / (J_a J_b)``: the one-sided probability
    that the parameter is not larger in group a. Non-finite draws are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(0.5, 0.05, 2000), rng.normal(0.2, 0.05, 2000)
    >>> henseler_p(a, b) < 0.001, henseler_p(b, a) > 0.999
    (True, True)
    """
    a = np.asarray(draws_a, float)
    b = np.asarray(draws_b, float)
    a = a[np.isfinite(a)]
    b = b[np.isfinite(b)]
    if not len(a) or not len(b):
        return float("nan")
    ca = 2 * a.mean() - a
    cb = np.sort(2 * b.mean() - b)
    # pairs with ca_j > cb_i: for each j, the number of cb strictly below ca_j
    greater = np.searchsorted(cb, ca, side="left").sum()
    return float(1 - greater / (len(a) * len(b)))


def permutation_p(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """Two-sided permutation p-values ``(1 + #{|d*| >= |d|}) / (1 + B)`` per column.

    Non-finite permutation draws (failed estimations) are left out of both counts.

    Examples
    --------
    >>> permutation_p(np.array([0.5]), np.array([[0.1], [-0.6], [0.2], [0.0]]))
    array([0.4])
    """
    observed = np.atleast_1d(np.asarray(observed, float))
    permuted = np.asarray(permuted, float).reshape(len(permuted), -1)
    ok = np.isfinite(permuted)
    hits = ((np.abs(permuted) >= np.abs(observed) - 1e-12) & ok).sum(axis=0)
    return (1 + hits) / (1 + ok.sum(axis=0))


@dataclass
class GroupComparison:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    group : str
        The grouping column.
    sizes : Series
        Rows per group (complete rows used).
    paths : DataFrame
        PLS-MGA, one row per pair of groups and path: ``group_a, group_b, from, to,
        estimate_a, estimate_b, diff, se_a, se_b, p_permutation, p_henseler,
        p_henseler_two_sided, p_welch`` (empty without PLS).
    invariance : DataFrame
        CB-SEM sequence, one row per model: ``model, chi2, df, p, cfi, tli, rmsea, srmr, aic,
        bic, delta_chi2, delta_df, p_delta, delta_cfi, delta_rmsea, supported`` (empty
        without CB-SEM).
    fits : dict
        The per-group PLS results (``fits["pls"][group]``) and the multigroup CB-SEM fits
        (``fits["cbsem"]["configural"]``...).
    warnings : list of str
    settings : dict
    """

    group: str
    sizes: pd.Series
    paths: pd.DataFrame
    invariance: pd.DataFrame
    fits: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def significant(self, alpha: float = 0.05, test: str = "p_permutation") -> pd.DataFrame:
        """Paths whose group difference is significant by ``test`` at level ``alpha``."""
        if test not in ("p_permutation", "p_henseler_two_sided", "p_welch"):
            raise ParameterError(f"test={test!r}: expected p_permutation, p_henseler_two_sided or p_welch")
        return self.paths[self.paths[test] < alpha]

    def summary(self) -> str:
        lines = [f"Group comparison by {self.group!r}: " + ", ".join(f"{k} (n = {v})" for k, v in self.sizes.items())]
        if len(self.paths):
            s = self.settings
            lines.append(f"PLS-MGA: {s.get('permutations')} permutations, {s.get('bootstrap')} bootstrap resamples per group")
            show = self.paths[["group_a", "group_b", "from", "to", "estimate_a", "estimate_b", "diff",
                               "p_permutation", "p_henseler_two_sided", "p_welch"]]
            lines.append(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if len(self.invariance):
            lines.append("CB-SEM measurement invariance")
            lines.append(self.invariance.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
        if self.warnings:
            lines.append("Warnings")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines) + "\n"


def compare_groups(
    data: pd.DataFrame,
    model: Model | str,
    group: str,
    *,
    estimator: str = "pls",
    groups: list | None = None,
    permutations: int = 1000,
    bootstrap: int = 1000,
    seed: int | None = None,
    scheme: str = "path",
    missing: str = "listwise",
    levels: tuple[str, ...] = ("configural", "metric", "scalar"),
) -> GroupComparison:
    """Compare the model across the groups of ``data[group]``.

    Parameters
    ----------
    data : DataFrame
    model : Model, preset name or model text
    group : str
        Column with the group of each row; rows without a group are left out (and said so).
    estimator : {"pls", "cbsem", "both"}
        PLS-MGA (permutation test and Henseler's MGA), the CB-SEM invariance sequence, or both.
    groups : list, optional
        The group values to compare (default: every value, each pair compared for PLS).
    permutations : int
        Permutations of the PLS permutation test (>= 100).
    bootstrap : int
        Bootstrap resamples per group for Henseler's MGA (>= 100).
    seed : int, optional
        Seed of permutations and bootstraps (reproducible).
    scheme : {"path", "centroid", "factorial"}
        PLS inner weighting scheme.
    missing : {"listwise", "mean"}
        Missing answers: rows deleted, or item means (over all compared rows) filled in before
        the groups are split. With CB-SEM (``"cbsem"``/``"both"``) incomplete rows are always
        deleted, so that both analyses use the same respondents.
    levels : tuple of str
        CB-SEM models of the invariance sequence, among ``"configural"``, ``"metric"``,
        ``"scalar"``, ``"strict"`` (equal residual variances too), in that order.

    Returns
    -------
    GroupComparison

    Examples
    --------
    >>> cmp = compare_groups(df, model, "gender", permutations=1000, bootstrap=1000, seed=1)  # doctest: +SKIP
    >>> cmp.paths[["from", "to", "diff", "p_permutation", "p_henseler"]]                       # doctest: +SKIP
    """
    from crm_analysis.csi.survey import resolve_model

    if estimator not in _ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r}: expected one of {', '.join(_ESTIMATORS)}")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(group, str) or group not in data.columns:
        raise InputError(f"group={group!r}: not a column of the data (columns: {list(data.columns)})")
    for name, value in (("permutations", permutations), ("bootstrap", bootstrap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 100:
            raise ParameterError(f"{name}={value!r}: expected an integer >= 100")
    m = resolve_model(model, [str(c) for c in data.columns])
    notes: list[str] = []
    g = data[group]
    blank = g.isna() | g.astype(str).str.strip().isin(["", "nan", "NA", "None"])
    if blank.any():
        notes.append(f"{int(blank.sum())} row(s) without a value in {group!r} are left out of the comparison")
    frame = data.loc[~blank]
    values = sorted(frame[group].unique(), key=str)
    if groups is not None:
        unknown = [v for v in groups if v not in values]
        if unknown:
            raise InputError(f"groups: {unknown} do not occur in column {group!r} (values: {values})")
        values = list(groups)
        frame = frame[frame[group].isin(values)]
    if len(values) < 2:
        raise InputError(f"group={group!r}: {len(values)} group(s) ({values}); at least two are needed")
    if missing not in ("listwise", "mean"):
        raise ParameterError(f"missing={missing!r}: expected 'listwise' or 'mean'")
    items = m.all_indicators
    incomplete = frame[items].isna().any(axis=1)
    if missing == "listwise" or estimator in ("cbsem", "both"):
        if incomplete.any():
            notes.append(f"{int(incomplete.sum())} row(s) with missing indicator values left out (listwise)")
        frame = frame.loc[~incomplete]
    elif incomplete.any():
        # impute once over the compared rows, so that the observed groups and the permuted
        # pseudo-groups see the same data
        frame = frame.copy()
        n_cells = int(frame[items].isna().to_numpy().sum())
        frame[items] = frame[items].fillna(frame[items].mean())
        notes.append(f"{n_cells} missing indicator value(s) in {int(incomplete.sum())} row(s) replaced by the "
                     "item means of all compared rows (missing='mean')")
    sizes = frame[group].value_counts().reindex(values)
    small = sizes[sizes < 10]
    if len(small):
        raise InputError(f"group={group!r}: group(s) {dict(small)} have fewer than 10 complete rows; "
                         "too few to estimate the model per group")
    rng = np.random.default_rng(seed)
    settings = dict(estimator=estimator, permutations=int(permutations), bootstrap=int(bootstrap),
                    seed=seed, scheme=scheme, missing=missing, levels=tuple(levels))
    fits: dict[str, Any] = {}
    paths = pd.DataFrame()
    if estimator in ("pls", "both"):
        paths, fits["pls"] = _pls_mga(frame, m, group, values, permutations, bootstrap, rng, scheme,
                                      missing, notes)
    invariance = pd.DataFrame()
    if estimator in ("cbsem", "both"):
        invariance, fits["cbsem"] = _invariance(frame, m, group, levels, notes)
    return GroupComparison(group=group, sizes=sizes.rename("n"), paths=paths, invariance=invariance,
                           fits=fits, warnings=notes, settings=settings)


def _pls_mga(frame, m, group, values, permutations, bootstrap, rng, scheme, missing, notes):
    from crm_analysis.sem.pls import estimate_pls, pls_batch

    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for v in values:
            sub = frame[frame[group] == v]
            fits[v] = estimate_pls(sub, m, scheme=scheme, missing=missing, bootstrap=int(bootstrap),
                                   seed=int(rng.integers(2**31)))
    for v, f in fits.items():
        for w in f.warnings:
            notes.append(f"group {v!r}: {w}")
    labels = list(m.structural_paths)
    rows = []
    for a, b in itertools.combinations(values, 2):
        pooled = frame[frame[group].isin([a, b])]
        is_a = (pooled[group] == a).to_numpy()
        na = int(is_a.sum())
        n = len(pooled)
        perms = np.array([rng.permutation(n) for _ in range(int(permutations))])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ga = pls_batch(pooled, m, indices=np.sort(perms[:, :na], axis=1), scheme=scheme, missing=missing)
            gb = pls_batch(pooled, m, indices=np.sort(perms[:, na:], axis=1), scheme=scheme, missing=missing)
        ok = ga.converged & gb.converged
        null = ga.paths - gb.paths
        null[~ok] = np.nan
        if (~ok).any():
            notes.append(f"{a!r} vs {b!r}: {int((~ok).sum())} of {permutations} permutations did not "
                         "converge and were left out")
        fa, fb = fits[a], fits[b]
        ea = fa.paths["estimate"].to_numpy()
        eb = fb.paths["estimate"].to_numpy()
        diff = ea - eb
        p_perm = permutation_p(diff, null)
        da = fa.bootstrap_draws["paths"]
        db = fb.bootstrap_draws["paths"]
        se_a = np.nanstd(da, axis=0, ddof=1)
        se_b = np.nanstd(db, axis=0, ddof=1)
        for k, (f_, t_) in enumerate(labels):
            ph = henseler_p(da[:, k], db[:, k])
            # Welch-Satterthwaite on the bootstrap standard errors (Sarstedt et al. 2011)
            va, vb = se_a[k] ** 2, se_b[k] ** 2
            ma, mb = fa.n, fb.n
            tw = diff[k] / np.sqrt(va + vb) if va + vb > 0 else np.nan
            dfw = (va + vb) ** 2 / (va**2 / (ma - 1) + vb**2 / (mb - 1)) if va + vb > 0 else np.nan
            pw = float(2 * stats.t.sf(abs(tw), dfw)) if np.isfinite(tw) else np.nan
            rows.append({
                "group_a": a, "group_b": b, "from": f_, "to": t_,
                "estimate_a": ea[k], "estimate_b": eb[k], "diff": diff[k],
                "se_a": se_a[k], "se_b": se_b[k],
                "p_permutation": float(p_perm[k]), "p_henseler": ph,
                "p_henseler_two_sided": float(2 * min(ph, 1 - ph)) if np.isfinite(ph) else np.nan,
                "p_welch": pw,
            })
    return pd.DataFrame(rows), fits


_LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}


def _invariance(frame, m, group, levels, notes):
    """The invariance sequence; each model nested in the previous one and started from its fit.

    A constrained model can never fit better than its parent at the ML optima. Each model starts
    from its parent's solution (besides its own starts); should a constrained model still end
    below its parent, the parent is refitted from the constrained solution (which is admissible
    for the parent). A negative difference that remains is reported naming both models, and no
    verdict is drawn from a pair whose fits did not converge or are not nested in fact.
    """
    from crm_analysis.sem.cbsem import chi2_difference, estimate_cbsem_multigroup

    bad = [lv for lv in levels if lv not in _LEVELS]
    if bad or not levels:
        raise ParameterError(f"levels={levels!r}: expected some of {list(_LEVELS)}, in that order")
    order = [lv for lv in _LEVELS if lv in levels]
    if list(levels) != order:
        raise ParameterError(f"levels={levels!r}: give them in increasing order of constraints: {order}")

    def fit(lv, start):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return estimate_cbsem_multigroup(frame, m, group, group_equal=_LEVELS[lv], start=start)

    fits: dict = {}
    start = None
    for lv in order:
        fits[lv] = start = fit(lv, start)
    # a child below its parent means the parent missed its optimum: refit it from the child
    tol = 1e-6
    # one pass from the most constrained model down: a refitted parent is next compared with its own
    for j in range(len(order) - 1, 0, -1):
        child, parent = fits[order[j]], fits[order[j - 1]]
        if child.fit["chi2"] < parent.fit["chi2"] - tol:
            again = fit(order[j - 1], child)
            if again.fit["chi2"] < parent.fit["chi2"]:
                fits[order[j - 1]] = again
    rows = []
    prev = None
    for lv in order:
        res = fits[lv]
        notes.extend(f"CB-SEM {lv}: {w}" for w in res.warnings if "rows" not in w or lv == order[0])
        f = res.fit
        row = {"model": lv, "chi2": f["chi2"], "df": f["df"], "p": f["p"], "cfi": f["cfi"],
               "tli": f["tli"], "rmsea": f["rmsea"], "srmr": f["srmr"], "aic": f["aic"], "bic": f["bic"],
               "converged": bool(res.converged)}
        if prev is None:
            row.update(delta_chi2=np.nan, delta_df=np.nan, p_delta=np.nan, delta_cfi=np.nan,
                       delta_rmsea=np.nan, supported=None)
        else:
            pf, plv = prev
            dchi, ddf, pd_ = chi2_difference(f, pf.fit)
            dcfi = f["cfi"] - pf.fit["cfi"]
            drm = f["rmsea"] - pf.fit["rmsea"]
            verdict = bool((np.isfinite(pd_) and pd_ >= 0.05) or (dcfi >= -0.01 and drm <= 0.015))
            if not (res.converged and pf.converged):
                which = " and ".join(x for x, r in ((plv, pf), (lv, res)) if not r.converged)
                notes.append(f"CB-SEM invariance: the {which} model did not converge, so {lv} invariance "
                             "is not judged")
                verdict = None
            elif dchi < -tol:
                notes.append(f"CB-SEM invariance: the {lv} model fits better than the {plv} model it is "
                             f"nested in (delta chi2 = {dchi:.3f}), which cannot happen at the ML optima; "
                             f"at least one of the two fits is not at its optimum, so {lv} invariance is "
                             "not judged")
                verdict = None
            row.update(delta_chi2=dchi, delta_df=ddf, p_delta=pd_, delta_cfi=dcfi, delta_rmsea=drm,
                       supported=verdict)
        rows.append(row)
        prev = (res, lv)
    return pd.DataFrame(rows), fits


def compare_groups_reading(cmp: GroupComparison, lang: str = "en", *, labels: dict | None = None,
                           alpha: float = 0.05) -> str:
    """Plain-language reading of a :class:`GroupComparison`, in English or Chinese.

    A path is reported as different between two groups when the permutation test and
    Henseler's two-sided test both give p < ``alpha``; paths significant by only one test are
    mentioned as borderline. The invariance steps are read with the chi-square difference and
    the change in CFI.

    Examples
    --------
    >>> print(compare_groups_reading(cmp))  # doctest: +SKIP
    """
    from crm_analysis.i18n import check_lang, p_text, t

    check_lang(lang)
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    parts: list[str] = []
    if len(cmp.paths):
        p = cmp.paths
        both = p[(p["p_permutation"] < alpha) & (p["p_henseler_two_sided"] < alpha)]
        one = p[((p["p_permutation"] < alpha) ^ (p["p_henseler_two_sided"] < alpha))]
        if len(both):
            def item(r: pd.Series, zh: bool) -> str:
                ps = f"{p_text(r['p_permutation'])} / {p_text(r['p_henseler_two_sided'])}"
                if zh:
                    return (f"{name(r['from'])} → {name(r['to'])}：{r['estimate_a']:.2f}（{r['group_a']}）对 "
                            f"{r['estimate_b']:.2f}（{r['group_b']}），{ps}")
                return (f"{name(r['from'])} → {name(r['to'])}: {r['estimate_a']:.2f} ({r['group_a']}) vs "
                        f"{r['estimate_b']:.2f} ({r['group_b']}), {ps}")
            parts.append(t(f"Paths that differ between the groups (permutation / Henseler test): "
                           f"{'; '.join(item(r, False) for _, r in both.iterrows())}.",
                           f"组间存在显著差异的路径（置换检验 / Henseler 检验）："
                           f"{'；'.join(item(r, True) for _, r in both.iterrows())}。", lang))
        else:
            parts.append(t(f"No structural path differs between the groups at the {alpha:.0%} level by both tests.",
                           f"在 {alpha:.0%} 水平上，两种检验均未发现组间存在差异的结构路径。", lang))
        if len(one):
            pairs = [f"{name(a)} → {name(b)}" for a, b in zip(one["from"], one["to"])]
            parts.append(t(f"Borderline (one test only): {', '.join(pairs)}.", f"临界（仅一种检验显著）：{'、'.join(pairs)}。", lang))
    if len(cmp.invariance):
        inv = cmp.invariance.set_index("model")
        for step in [s for s in ("metric", "scalar", "strict") if s in inv.index]:
            r = inv.loc[step]
            step_zh = {"metric": "度量（载荷）", "scalar": "标量（截距）", "strict": "严格（残差）"}[step]
            if r["supported"] is None or (isinstance(r["supported"], float) and np.isnan(r["supported"])):
                parts.append(t(f"{step.capitalize()} invariance cannot be judged: the fits it compares failed "
                               "their checks (see the notes).",
                               f"{step_zh}不变性无法判断：所比较的模型拟合未通过检验（见注释）。", lang))
                continue
            ok = bool(r["supported"])
            parts.append(t(
                f"{step.capitalize()} invariance {'is supported' if ok else 'is not supported'}: "
                f"Δχ² = {r['delta_chi2']:.1f} (Δdf = {int(r['delta_df'])}, {p_text(r['p_delta'])}), ΔCFI = {r['delta_cfi']:+.3f}.",
                f"{step_zh}不变性{'成立' if ok else '不成立'}：Δχ² = {r['delta_chi2']:.1f}（Δdf = {int(r['delta_df'])}，"
                f"{p_text(r['p_delta'])}），ΔCFI = {r['delta_cfi']:+.3f}。", lang))
    return " ".join(parts)
