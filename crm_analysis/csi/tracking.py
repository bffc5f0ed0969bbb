"""Tracking a satisfaction index over survey waves: the same PLS model fitted per wave.

:func:`track` fits the model on every wave, reports each wave's 0-100 index of the target with
its bootstrap interval (:func:`crm_analysis.csi.index`), the change between consecutive waves
with a bootstrap interval and p-value, the importance of every driver per wave and which
importances changed, after checking measurement invariance between consecutive waves with MICOM
(:func:`crm_analysis.sem.micom`): comparing index values is only meaningful when the composites
are built the same way in both waves (compositional invariance, MICOM step 2).

The waves are independent samples, so the bootstrap distribution of a difference is that of
the difference of the two waves' independent bootstrap draws (resample ``b`` of one wave minus
resample ``b`` of the other). Its percentile interval bounds the change; the two-sided p-value
is ``2 * min(P(d <= 0), P(d >= 0))`` over the draws, with the usual ``(count + 1) / (B + 1)``
so that it is never 0.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError

__all__ = ["Tracking", "track", "split_waves", "trend_reading", "plot_trend"]


@dataclass
class Tracking:
    """What :func:`track` returns.

    Attributes
    ----------
    waves : DataFrame
        ``wave, n, index, ci_low, ci_high`` of the target, in wave order.
    changes : DataFrame
        ``from, to, difference, ci_low, ci_high, p`` between consecutive waves.
    drivers : DataFrame
        ``wave, construct, importance, importance_ci_low, importance_ci_high, performance``.
    driver_changes : DataFrame
        ``from, to, construct, importance_from, importance_to, difference, ci_low, ci_high, p,
        changed`` (``changed``: the interval of the difference excludes 0).
    invariance : DataFrame
        MICOM per pair of consecutive waves: ``from, to, construct, compositional, equal_mean,
        equal_variance, invariance``.
    target : str
    fits : dict
        The PLS result of each wave.
    """

    waves: pd.DataFrame
    changes: pd.DataFrame
    drivers: pd.DataFrame
    driver_changes: pd.DataFrame
    invariance: pd.DataFrame
    target: str
    fits: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def comparable(self) -> bool:
        """Compositional invariance holds for every construct between every pair of waves."""
        return bool(self.invariance.empty or self.invariance["compositional"].all())


def split_waves(data: pd.DataFrame, column: str, order: list[Any] | None = None) -> dict[str, pd.DataFrame]:
    """One survey file with a wave column → ``{wave: rows}`` in ``order`` (default: sorted).

    Examples
    --------
    >>> df = pd.DataFrame({"w": ["2026", "2025", "2026"], "x": [1, 2, 3]})
    >>> {k: len(v) for k, v in split_waves(df, "w").items()}
    {'2025': 1, '2026': 2}
    """
    if column not in data.columns:
        raise ParameterError(f"wave_column={column!r}: not a column of the data (columns: {', '.join(map(str, data.columns))})")
    values = data[column].dropna()
    names = list(order) if order is not None else sorted(values.unique(), key=lambda v: (str(type(v)), v))
    unknown = [v for v in names if v not in set(values)]
    if unknown:
        raise ParameterError(f"wave order {unknown!r}: not values of column {column!r}")
    out = {str(v): data[data[column] == v].drop(columns=[column]).reset_index(drop=True) for v in names}
    if len(out) < 2:
        raise InputError(f"column {column!r} holds {len(out)} wave(s); tracking needs at least two")
    return out


def _p_two_sided(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    b = len(d)
    low, high = int((d <= 0).sum()), int((d >= 0).sum())
    return float(min(1.0, 2 * (min(low, high) + 1) / (b + 1)))


def _interval(d: np.ndarray, level: float) -> tuple[float, float]:
    d = d[np.isfinite(d)]
    a = (1 - level) / 2
    return float(np.quantile(d, a)), float(np.quantile(d, 1 - a))


def _importance_draws(fit: Any, target: str, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Bootstrap draws of each driver's IPMA importance (as :func:`csi.ipma` computes them)."""
    from crm_analysis.csi.indexing import _normalised, _resample_moments, _weights_arrays

    cs, owner, _, _, _ = _weights_arrays(fit)
    col = {k: i for i, k in enumerate(cs)}
    draws = fit.bootstrap_draws
    _, sd_b = _resample_moments(fit, data)
    _, cb = _normalised(np.asarray(draws["std_weights"], float), sd_b, owner, cs)
    labels = list(map(tuple, fit.bootstrap_labels["total_effects"]))
    out = {}
    for k, (f, t) in enumerate(labels):
        if t == target:
            out[f] = draws["total_effects"][:, k] * cb[:, col[f]] / cb[:, col[target]]
    return out


def track(
    waves: Mapping[str, pd.DataFrame],
    model: Any,
    scale: tuple[float, float],
    *,
    target: str = "Satisfaction",
    bootstrap: int = 1000,
    permutations: int | None = None,
    seed: int = 1,
    missing: str = "listwise",
    ci_level: float = 0.95,
) -> Tracking:
    """Fit ``model`` on every wave and compare consecutive waves.

    Parameters
    ----------
    waves : mapping of wave name to DataFrame
        In chronological order (at least two), each with the model's items.
    model : Model or preset name
    scale : (min, max)
        The questionnaire's answer scale (the same in every wave).
    target : str
        The construct whose index is tracked and whose drivers are compared.
    bootstrap : int
        Resamples per wave (at least 100).
    permutations : int, optional
        MICOM permutations (default: ``bootstrap``).
    seed : int
        Wave ``k`` is bootstrapped with ``seed + k``; MICOM uses ``seed``.

    Examples
    --------
    >>> from crm_analysis import csi
    >>> a, b = csi.ecsi_synthetic(seed=1), csi.ecsi_synthetic(seed=2)       # doctest: +SKIP
    >>> tr = csi.track({"2025": a, "2026": b}, "ecsi", (1, 10), bootstrap=200)  # doctest: +SKIP
    >>> tr.changes[["from", "to", "difference", "p"]]                       # doctest: +SKIP
    """
    from crm_analysis import sem
    from crm_analysis.csi.indexing import _index_draws, index, ipma
    from crm_analysis.csi.survey import resolve_model

    if not isinstance(waves, Mapping) or len(waves) < 2:
        raise ParameterError("track: expected at least two waves as {name: DataFrame}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 100:
        raise ParameterError(f"track: bootstrap={bootstrap!r}: expected an integer >= 100")
    first = next(iter(waves.values()))
    mdl = resolve_model(model, list(first.columns))
    if target not in mdl.constructs or not mdl.predecessors(target):
        raise ParameterError(f"track: target={target!r}: expected a construct with drivers "
                             f"({', '.join(mdl.endogenous)})")
    for name, frame in waves.items():
        missing_cols = [x for x in mdl.all_indicators if x not in frame.columns]
        if missing_cols:
            raise InputError(f"wave {name!r}: the model's item(s) {', '.join(missing_cols[:8])} are not columns of its data")
    fits, draws, imp_draws = {}, {}, {}
    wave_rows, driver_rows = [], []
    for k, (name, frame) in enumerate(waves.items()):
        data = frame[mdl.all_indicators]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # reported by the notebook per wave if needed
            fit = sem.estimate_pls(data, mdl, bootstrap=int(bootstrap), seed=seed + k, missing=missing,
                                   ci_level=ci_level)
            idx = index(fit, scale, data=data).set_index("construct")
            imp = ipma(fit, target, scale=scale, data=data)
        fits[name] = fit
        draws[name] = _index_draws(fit, scale, data)[:, list(idx.index).index(target)]
        imp_draws[name] = _importance_draws(fit, target, data)
        wave_rows.append({"wave": name, "n": int(fit.n), "index": float(idx.loc[target, "index"]),
                          "ci_low": float(idx.loc[target, "ci_low"]), "ci_high": float(idx.loc[target, "ci_high"])})
        for _, r in imp.iterrows():
            driver_rows.append({"wave": name, "construct": r["construct"], "importance": r["importance"],
                                "importance_ci_low": r.get("importance_ci_low"),
                                "importance_ci_high": r.get("importance_ci_high"), "performance": r["performance"]})
    names = list(waves)
    values = {r["wave"]: r["index"] for r in wave_rows}
    change_rows, dchange_rows, inv_rows = [], [], []
    for a, b in zip(names, names[1:]):
        d = draws[b] - draws[a]
        lo, hi = _interval(d, ci_level)
        change_rows.append({"from": a, "to": b, "difference": values[b] - values[a], "ci_low": lo, "ci_high": hi,
                            "p": _p_two_sided(d)})
        imp_a = {r["construct"]: r["importance"] for r in driver_rows if r["wave"] == a}
        imp_b = {r["construct"]: r["importance"] for r in driver_rows if r["wave"] == b}
        for c in imp_a:
            dd = imp_draws[b][c] - imp_draws[a][c]
            lo, hi = _interval(dd, ci_level)
            dchange_rows.append({"from": a, "to": b, "construct": c, "importance_from": imp_a[c],
                                 "importance_to": imp_b[c], "difference": imp_b[c] - imp_a[c], "ci_low": lo,
                                 "ci_high": hi, "p": _p_two_sided(dd), "changed": bool(lo > 0 or hi < 0)})
        pair = pd.concat([waves[a][mdl.all_indicators].assign(_wave="a"),
                          waves[b][mdl.all_indicators].assign(_wave="b")], ignore_index=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            m = sem.micom(pair, mdl, group="_wave", groups=("a", "b"), permutations=int(permutations or bootstrap),
                          seed=seed, missing=missing)
        summary = m.summary.reset_index() if m.summary.index.name == "construct" else m.summary
        for _, r in summary.iterrows():
            inv_rows.append({"from": a, "to": b, "construct": r["construct"], "compositional": bool(r["compositional"]),
                             "equal_mean": bool(r["equal_mean"]), "equal_variance": bool(r["equal_variance"]),
                             "invariance": r["invariance"]})
    return Tracking(waves=pd.DataFrame(wave_rows), changes=pd.DataFrame(change_rows), drivers=pd.DataFrame(driver_rows),
                    driver_changes=pd.DataFrame(dchange_rows), invariance=pd.DataFrame(inv_rows), target=target,
                    fits=fits)


def trend_reading(tr: Tracking, lang: str = "en", *, labels: Mapping[str, str] | None = None) -> str:
    """The tracking's result in a few sentences, in ``lang``."""
    from crm_analysis.i18n import check_lang, t

    check_lang(lang)
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    parts = []
    for _, r in tr.changes.iterrows():
        sig = r["p"] < 0.05
        parts.append(t(
            f"From {r['from']} to {r['to']} the {name(tr.target)} index moved by {r['difference']:+.1f} points "
            f"(95% interval [{r['ci_low']:+.1f}, {r['ci_high']:+.1f}], p = {r['p']:.3f}): "
            + ("a significant change." if sig else "within what sampling alone would produce."),
            f"从 {r['from']} 到 {r['to']}，{name(tr.target)}指数变化 {r['difference']:+.1f} 分"
            f"（95% 区间 [{r['ci_low']:+.1f}, {r['ci_high']:+.1f}]，p = {r['p']:.3f}）："
            + ("变化显著。" if sig else "在抽样误差范围之内。"), lang))
    moved = tr.driver_changes[tr.driver_changes["changed"]] if len(tr.driver_changes) else tr.driver_changes
    if len(moved):
        listed = t(", ", "、", lang).join(f"{name(c)} ({d:+.2f})" for c, d in zip(moved["construct"], moved["difference"]))
        parts.append(t(f"Drivers whose importance changed: {listed}.", f"重要性发生变化的驱动因素：{listed}。", lang))
    else:
        parts.append(t("No driver's importance changed significantly.", "没有驱动因素的重要性发生显著变化。", lang))
    if not tr.comparable:
        bad = sorted(set(tr.invariance.loc[~tr.invariance["compositional"], "construct"]))
        parts.append(t(f"Caution: compositional invariance fails for {', '.join(map(name, bad))}; the index values "
                       "of these constructs are not strictly comparable across waves.",
                       f"注意：{'、'.join(map(name, bad))}的组成不变性不成立，这些构念的指数在各期之间不能严格比较。", lang))
    return " ".join(parts)


def plot_trend(tr: Tracking, *, labels: Mapping[str, str] | None = None, lang: str = "en", ax: Any = None) -> Any:
    """The target's index per wave with its interval, as a line with error bars."""
    import matplotlib.pyplot as plt

    from crm_analysis.i18n import t

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    w = tr.waves
    x = np.arange(len(w))
    ax.errorbar(x, w["index"], yerr=[w["index"] - w["ci_low"], w["ci_high"] - w["index"]], marker="o", capsize=4)
    for xi, v in zip(x, w["index"]):
        ax.annotate(f"{v:.1f}", (xi, v), textcoords="offset points", xytext=(8, 4))
    ax.set_xticks(x, [str(v) for v in w["wave"]])
    name = labels.get(tr.target, tr.target) if labels else tr.target
    ax.set_ylabel(t(f"{name} index (0-100)", f"{name}指数（0-100）", lang))
    ax.set_title(t(f"{name} index by wave (95% intervals)", f"各期{name}指数（95% 区间）", lang))
    return ax
