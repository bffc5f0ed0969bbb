"""The ACSI 0-100 index of every construct, and importance-performance map analysis (IPMA).

Index (Fornell et al. 1996)
    For a construct with indicators ``x_1..x_k`` (answers on the scale ``[lo, hi]``) and PLS
    outer weights ``w_j`` for standardised indicators, the unstandardised weights
    ``w_j / s_j`` (``s_j`` the indicator's standard deviation) are normalised to sum 1,
    ``v_j = (w_j / s_j) / sum_k (w_k / s_k)``, and applied to the indicator means:

        index = 100 * (sum_j v_j * mean(x_j) - lo) / (hi - lo)

    i.e. the mean respondent's construct score rescaled from the questionnaire's scale to
    0-100. The scale is an input (the questionnaire's), never guessed from the data.

IPMA (Ringle & Sarstedt 2016)
    Performance is the index; importance is the unstandardised total effect of a construct on
    the target when both are measured as the rescaled (0-100) scores: one more point of
    performance of the driver raises the target by ``importance`` points. With standardised
    scores of unit variance, the rescaled score of a construct is
    ``100 / ((hi - lo) * c)`` times its standardised score plus a constant, where
    ``c = sum_k w_k / s_k``, so ``importance = total_std * c_driver / c_target``.

Bootstrap intervals (when the PLS result was bootstrapped) use the same resamples as the PLS
bootstrap: each resample's weights, and the indicator means and standard deviations of the same
resample rows.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.csi.survey import check_scale
from crm_analysis.i18n import check_lang, t
from crm_analysis.sem.bootstrap import percentile_ci

__all__ = ["index", "index_weights", "ipma", "ipma_reading", "plot_ipma"]


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------
def _check_result(result: Any, what: str) -> None:
    needed = ("raw_weights", "indicator_means", "model")
    if not all(hasattr(result, a) for a in needed):
        kind = type(result).__name__
        hint = (" (a CB-SEM result has no outer weights: estimate the model with "
                "crm_analysis.sem.estimate_pls for the index)") if kind == "CBSEMResult" else ""
        raise ParameterError(f"{what}: expected a PLS result from crm_analysis.sem.estimate_pls, got {kind}{hint}")


def _weights_arrays(result: Any) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(constructs, owner of each indicator, std weights, sd, means) in indicator order."""
    rw = result.raw_weights
    inds = list(rw["indicator"])
    owner = list(rw["construct"])
    std_w = rw["std_weight"].to_numpy(dtype=float)
    # raw_weights["weight"] = std_weight / sd: recover the SD the engine used
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = std_w / rw["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(sd)):
        sd = result.indicator_sds.loc[inds].to_numpy(dtype=float)
    means = result.indicator_means.loc[inds].to_numpy(dtype=float)
    return list(result.model.constructs), owner, std_w, sd, means


def _normalised(std_w: np.ndarray, sd: np.ndarray, owner: Sequence[str], constructs: Sequence[str]):
    """Normalised unstandardised weights (..., p) and the block sums c (..., J)."""
    raw = std_w / sd
    owner = np.asarray(owner)
    c = np.stack([raw[..., owner == k].sum(axis=-1) for k in constructs], axis=-1)
    col = np.array([list(constructs).index(o) for o in owner])
    with np.errstate(divide="ignore", invalid="ignore"):
        v = raw / c[..., col]
    return v, c


def _index_values(v: np.ndarray, means: np.ndarray, owner: Sequence[str], constructs: Sequence[str],
                  lo: float, hi: float) -> np.ndarray:
    owner = np.asarray(owner)
    mean_score = np.stack([(v[..., owner == k] * means[..., owner == k]).sum(axis=-1) for k in constructs], axis=-1)
    return mean_score, 100.0 * (mean_score - lo) / (hi - lo)


def _resample_moments(result: Any, data: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Per bootstrap resample: indicator means and SDs ((B, p) each), or None if unavailable."""
    draws = result.bootstrap_draws
    if "indicator_means" in draws and "indicator_sds" in draws:  # the engine stores them
        return np.asarray(draws["indicator_means"], float), np.asarray(draws["indicator_sds"], float)
    counts = getattr(result, "bootstrap_counts", None)
    if data is None or counts is None:
        return None
    inds = list(result.raw_weights["indicator"])
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected the pandas DataFrame the model was estimated on, got {type(data).__name__}")
    missing_cols = [c for c in inds if c not in data.columns]
    if missing_cols:
        raise InputError(f"data: indicator column(s) {missing_cols} missing; pass the data the model was estimated on")
    rows = result.scores.index
    X_all = data[inds].to_numpy(dtype=float, na_value=np.nan)
    if result.settings.get("missing") == "mean":
        col_mean = np.nanmean(X_all, axis=0)
        r, c = np.nonzero(np.isnan(X_all))
        X_all[r, c] = col_mean[c]
    if data.index.is_unique:
        try:
            pos = data.index.get_indexer(rows)
        except Exception:  # noqa: BLE001 - fall through to the error below
            pos = np.array([-1])
    else:
        pos = np.array([-1])
    if (pos < 0).any() or len(pos) != counts.shape[1]:
        raise InputError(
            "data: not the data the model was estimated on (its rows do not match the result's "
            f"{result.n} rows); pass the same DataFrame given to estimate_pls"
        )
    X = X_all[pos]
    if not np.allclose(X.mean(axis=0), result.indicator_means.loc[inds].to_numpy(float), rtol=1e-9, atol=1e-9):
        raise InputError("data: the indicator means differ from the result's: pass the same DataFrame given to estimate_pls")
    w = counts.astype(float) / counts.sum(axis=1, keepdims=True)
    mu = w @ X
    var = w @ (X**2) - mu**2
    # population SDs like the engine's raw weights (only ratios within a block matter)
    return mu, np.sqrt(np.clip(var, 0, None))


def _ci(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap standard error and percentile interval (failed resamples, NaN, left out)."""
    lo, hi = percentile_ci(draws, level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(draws, axis=0, ddof=1)
    return se, lo, hi


# --------------------------------------------------------------------------------------------
# index
# --------------------------------------------------------------------------------------------
def index_weights(result: Any) -> pd.DataFrame:
    """The normalised unstandardised outer weights behind :func:`index`.

    Returns
    -------
    DataFrame
        ``construct, indicator, std_weight, sd, weight`` (``weight`` sums to 1 per construct),
        ``mean`` (the indicator's mean answer).

    Examples
    --------
    >>> index_weights(fit).groupby("construct")["weight"].sum()  # doctest: +SKIP
    """
    _check_result(result, "index_weights(result)")
    cs, owner, std_w, sd, means = _weights_arrays(result)
    v, _ = _normalised(std_w, sd, owner, cs)
    return pd.DataFrame({
        "construct": owner,
        "indicator": list(result.raw_weights["indicator"]),
        "std_weight": std_w,
        "sd": sd,
        "weight": v,
        "mean": means,
    })


def index(
    result: Any,
    scale: tuple[float, float],
    *,
    data: pd.DataFrame | None = None,
    ci_level: float | None = None,
) -> pd.DataFrame:
    """ACSI-style 0-100 index of every construct, with bootstrap intervals.

    Parameters
    ----------
    result : PLSResult
        From :func:`crm_analysis.sem.estimate_pls`.
    scale : (min, max)
        The questionnaire's answer scale (e.g. ``(1, 10)`` for the ECSI questionnaires): an
        answer of ``min`` maps to 0, ``max`` to 100.
    data : DataFrame, optional
        The data given to ``estimate_pls``. Needed for the bootstrap intervals (the indicator
        means and SDs of each resample), unless the result carries them.
    ci_level : float, optional
        Default: the level of the PLS bootstrap.

    Returns
    -------
    DataFrame
        ``construct, index, mean_score`` (the weighted mean answer on the questionnaire scale),
        ``negative_weights`` (True when a weight is negative: the index is then not bounded by
        0-100) and, after a bootstrap, ``se, ci_low, ci_high`` (percentile) and ``n_boot``.

    Raises
    ------
    ParameterError
        Not a PLS result; a bad ``scale``.
    InputError
        Indicator means outside ``scale`` (the data are on another scale).

    Examples
    --------
    >>> fit = sem.estimate_pls(df, csi.preset("ecsi"), bootstrap=500, seed=1)  # doctest: +SKIP
    >>> csi.index(fit, scale=(1, 10))                                           # doctest: +SKIP
    """
    _check_result(result, "index(result)")
    lo, hi = check_scale(scale)
    cs, owner, std_w, sd, means = _weights_arrays(result)
    inds = list(result.raw_weights["indicator"])
    outside = [(x, m) for x, m in zip(inds, means) if m < lo - 1e-12 or m > hi + 1e-12]
    if outside:
        listed = ", ".join(f"{x} (mean {m:.3g})" for x, m in outside[:6])
        raise InputError(
            f"scale={scale!r}: indicator means outside the declared scale: {listed}; declare the "
            "questionnaire's real scale"
        )
    v, c = _normalised(std_w, sd, owner, cs)
    mean_score, idx = _index_values(v, means, owner, cs, lo, hi)
    owner_a = np.asarray(owner)
    neg = [bool((std_w[owner_a == k] < 0).any()) for k in cs]
    out = pd.DataFrame({"construct": cs, "index": idx, "mean_score": mean_score, "negative_weights": neg})
    if any(neg):
        bad = [k for k, n_ in zip(cs, neg) if n_]
        warnings.warn(f"index: negative outer weight(s) in {bad}: their index is not bounded by 0-100",
                      UserWarning, stacklevel=2)
    draws = getattr(result, "bootstrap_draws", None) or {}
    if "std_weights" in draws:
        idx_b = _index_draws(result, (lo, hi), data)
        if idx_b is None:
            warnings.warn("index: the result was bootstrapped but no data= was given, so no intervals "
                          "(pass the DataFrame given to estimate_pls)", UserWarning, stacklevel=2)
            return out
        level = result.settings.get("ci_level", 0.95) if ci_level is None else float(ci_level)
        se, l_, h_ = _ci(idx_b, level)
        out["se"] = se
        out["ci_low"] = l_
        out["ci_high"] = h_
        out["n_boot"] = np.isfinite(idx_b).sum(axis=0)
    return out


def _index_draws(result: Any, scale: tuple[float, float], data: pd.DataFrame | None) -> np.ndarray | None:
    """(B, J) index of every construct in every bootstrap resample (None without the moments)."""
    mom = _resample_moments(result, data)
    if mom is None:
        return None
    cs, owner, _, _, _ = _weights_arrays(result)
    mu_b, sd_b = mom
    vb, _ = _normalised(np.asarray(result.bootstrap_draws["std_weights"], float), sd_b, owner, cs)
    _, idx_b = _index_values(vb, mu_b, owner, cs, *scale)
    return idx_b


# --------------------------------------------------------------------------------------------
# IPMA
# --------------------------------------------------------------------------------------------
def ipma(
    result: Any,
    target: str = "Satisfaction",
    scale: tuple[float, float] | None = None,
    *,
    data: pd.DataFrame | None = None,
    ci_level: float | None = None,
) -> pd.DataFrame:
    """Importance-performance map of the drivers of ``target`` (Ringle & Sarstedt 2016).

    Parameters
    ----------
    result : PLSResult
    target : str
        The construct whose drivers are mapped (default ``"Satisfaction"``).
    scale : (min, max)
        The questionnaire's answer scale (required).
    data : DataFrame, optional
        The estimation data, for bootstrap intervals (see :func:`index`).
    ci_level : float, optional

    Returns
    -------
    DataFrame
        One row per construct with a directed path to ``target``, by decreasing importance:
        ``construct, importance`` (unstandardised total effect on the 0-100 scores),
        ``importance_std`` (standardised total effect), ``performance`` (the index) and, after a
        bootstrap, ``importance_ci_low, importance_ci_high, performance_ci_low,
        performance_ci_high``. ``attrs["target"]`` and ``attrs["target_performance"]`` hold the
        target and its index.

    Examples
    --------
    >>> table = csi.ipma(fit, "Satisfaction", scale=(1, 10), data=df)  # doctest: +SKIP
    >>> csi.plot_ipma(data=table)                                       # doctest: +SKIP
    """
    _check_result(result, "ipma(result)")
    if scale is None:
        raise ParameterError("ipma: scale= is required (the questionnaire's answer scale, e.g. (1, 10))")
    model = result.model
    if target not in model.constructs:
        raise ParameterError(f"ipma: target={target!r} is not a construct of the model ({model.constructs})")
    eff = result.effects
    drivers = eff[eff["to"] == target]
    if drivers.empty:
        raise ParameterError(f"ipma: no construct has a path to {target!r} (it is exogenous); choose an endogenous target")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        idx = index(result, scale, data=data, ci_level=ci_level)
    perf = idx.set_index("construct")
    cs, owner, std_w, sd, _ = _weights_arrays(result)
    _, c = _normalised(std_w, sd, owner, cs)
    col = {k: i for i, k in enumerate(cs)}
    rows = []
    for f, tot in zip(drivers["from"], drivers["total"]):
        imp = tot * c[col[f]] / c[col[target]]
        rows.append({"construct": f, "importance": imp, "importance_std": tot,
                     "performance": perf.loc[f, "index"]})
    out = pd.DataFrame(rows)
    draws = getattr(result, "bootstrap_draws", None) or {}
    if "ci_low" in idx.columns and "total_effects" in draws:
        mom = _resample_moments(result, data)
        labels = list(map(tuple, result.bootstrap_labels["total_effects"]))
        _, sd_b = mom
        _, cb = _normalised(np.asarray(draws["std_weights"], float), sd_b, owner, cs)
        level = result.settings.get("ci_level", 0.95) if ci_level is None else float(ci_level)
        lows, highs = [], []
        for f in out["construct"]:
            k = labels.index((f, target))
            imp_b = draws["total_effects"][:, k] * cb[:, col[f]] / cb[:, col[target]]
            _, l_, h_ = _ci(imp_b, level)
            lows.append(float(l_))
            highs.append(float(h_))
        out["importance_ci_low"] = lows
        out["importance_ci_high"] = highs
        out["performance_ci_low"] = [perf.loc[f, "ci_low"] for f in out["construct"]]
        out["performance_ci_high"] = [perf.loc[f, "ci_high"] for f in out["construct"]]
    out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["target"] = target
    out.attrs["target_performance"] = float(perf.loc[target, "index"])
    return out


def ipma_reading(table: pd.DataFrame, lang: str = "en", *, labels: Mapping[str, str] | None = None) -> str:
    """A plain-language reading of an IPMA table (from :func:`ipma`), in English or Chinese.

    Names the strongest lever (largest importance), says what one more point of its
    performance does to the target, and singles out the drivers that are more important than
    average but perform below average (the priorities).

    Examples
    --------
    >>> tab = pd.DataFrame({"construct": ["Value", "Quality"], "importance": [0.31, 0.12],
    ...                     "importance_std": [0.4, 0.2], "performance": [58.2, 74.9]})
    >>> tab.attrs.update(target="Satisfaction", target_performance=66.0)
    >>> print(ipma_reading(tab))  # doctest: +NORMALIZE_WHITESPACE
    Value is the strongest lever for Satisfaction: one more point of Value performance (0-100)
    raises Satisfaction by 0.31 points; Value performs at 58.2, below the drivers' average of
    66.6, so improving it pays most. Priority (above-average importance, below-average
    performance): Value.
    """
    check_lang(lang)
    if table.empty:
        return t("No driver to map.", "没有可分析的驱动因素。", lang)
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    target = name(table.attrs.get("target", "the target"))
    top = table.sort_values("importance", ascending=False).iloc[0]
    mean_perf = float(table["performance"].mean())
    mean_imp = float(table["importance"].mean())
    below = top["performance"] < mean_perf
    lever = name(top["construct"])
    if lang == "zh":
        text = (f"{lever}是{target}最有力的杠杆：{lever}的表现（0-100）每提高 1 分，{target}提高 "
                f"{top['importance']:.2f} 分；{lever}目前得分 {top['performance']:.1f}，"
                + (f"低于各驱动因素的平均值 {mean_perf:.1f}，因此提升它收益最大。" if below else
                   f"高于各驱动因素的平均值 {mean_perf:.1f}，应保持这一优势。"))
    else:
        text = (f"{lever} is the strongest lever for {target}: one more point of {lever} performance "
                f"(0-100) raises {target} by {top['importance']:.2f} points; {lever} performs at "
                f"{top['performance']:.1f}, "
                + (f"below the drivers' average of {mean_perf:.1f}, so improving it pays most."
                   if below else f"above the drivers' average of {mean_perf:.1f}: keep it there."))
    prio = table[(table["importance"] > mean_imp) & (table["performance"] < mean_perf)]
    if len(prio):
        names = ", ".join(name(c) for c in prio["construct"])
        text += t(f" Priority (above-average importance, below-average performance): {names}.",
                  f"优先改进（重要性高于平均、表现低于平均）：{names}。", lang)
    return text


def plot_ipma(
    data: pd.DataFrame,
    *,
    x: str = "importance",
    y: str = "performance",
    label: str = "construct",
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    ax: Any = None,
    errorbars: bool = True,
) -> Any:
    """Importance-performance map (seaborn style: takes ``data=``, returns the Axes).

    Parameters
    ----------
    data : DataFrame
        The table from :func:`ipma`.
    x, y, label : str
        Columns for importance, performance and the point labels.
    labels : mapping, optional
        Display names of the constructs (e.g. ``csi.labels(model, lang)``).
    lang : {"en", "zh"}
        Language of the axis titles.
    ax : matplotlib Axes, optional
    errorbars : bool
        Draw the bootstrap intervals when the table has them.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_ipma(data=csi.ipma(fit, scale=(1, 10)))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    for col in (x, y, label):
        if col not in data.columns:
            raise ParameterError(f"plot_ipma: column {col!r} not in data (columns: {list(data.columns)})")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    names = [labels.get(c, c) if labels else c for c in data[label]]
    xs, ys = data[x].to_numpy(float), data[y].to_numpy(float)
    if errorbars and {f"{x}_ci_low", f"{x}_ci_high", f"{y}_ci_low", f"{y}_ci_high"} <= set(data.columns):
        xerr = np.vstack([xs - data[f"{x}_ci_low"], data[f"{x}_ci_high"] - xs])
        yerr = np.vstack([ys - data[f"{y}_ci_low"], data[f"{y}_ci_high"] - ys])
        ax.errorbar(xs, ys, xerr=np.clip(xerr, 0, None), yerr=np.clip(yerr, 0, None), fmt="none",
                    ecolor="0.6", elinewidth=0.8, capsize=2, zorder=1)
    ax.scatter(xs, ys, s=60, zorder=2)
    for xi, yi, n in zip(xs, ys, names):
        ax.annotate(n, (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=9)
    ax.axvline(np.mean(xs), color="0.5", linestyle="--", linewidth=0.8)
    ax.axhline(np.mean(ys), color="0.5", linestyle="--", linewidth=0.8)
    target = data.attrs.get("target")
    tname = labels.get(target, target) if (labels and target) else target
    ax.set_xlabel(t("Importance (total effect on the 0-100 scores)", "重要性（对 0-100 分的总效应）", lang))
    ax.set_ylabel(t("Performance (index, 0-100)", "表现（指数，0-100）", lang))
    if tname:
        ax.set_title(t(f"Importance-performance map: {tname}", f"重要性-表现矩阵：{tname}", lang))
    return ax
