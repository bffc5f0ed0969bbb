"""Verdicts on a PLS measurement model against the usual thresholds (Hair et al. 2019).

Each function returns the result's table with a ``verdict`` column (``"ok"``, ``"warning"``,
``"problem"`` or ``"n/a"``) and a short ``reason``, so that reports can flag them in colour
(:func:`style_verdicts`) and :func:`measurement_summary` can count them.

Thresholds (Hair, Risher, Sarstedt & Ringle 2019, "When to use and how to report the results
of PLS-SEM", European Business Review 31(1); Henseler, Ringle & Sarstedt 2015 for HTMT):

- indicator loadings: >= 0.708 ok (the construct explains at least half of the item's
  variance); 0.40-0.708 warning (keep unless dropping it raises reliability / AVE); < 0.40
  problem (drop);
- reliability (Cronbach's alpha, rho_A, composite reliability rho_C): 0.70-0.95 ok; 0.60-0.70
  warning (acceptable in exploratory research); < 0.60 problem; > 0.95 warning (items nearly
  redundant); single-item constructs are n/a;
- AVE: >= 0.50 ok, else problem;
- HTMT: < 0.85 ok; 0.85-0.90 warning (acceptable for conceptually similar constructs, such as
  satisfaction and loyalty); >= 0.90 problem (no discriminant validity). After a bootstrap the
  upper confidence limit is compared too: an estimate below 0.85 whose interval reaches 0.90 is
  a warning.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t

__all__ = ["assess_htmt", "assess_loadings", "assess_reliability", "measurement_summary", "style_verdicts"]

VERDICT_COLOURS = {"ok": "#d9efdc", "warning": "#fde8c8", "problem": "#f6cfd2", "n/a": "#eeeeee"}


def _needs(result: Any, attrs: tuple[str, ...], what: str) -> None:
    missing = [a for a in attrs if not hasattr(result, a)]
    if missing:
        raise ParameterError(f"{what}: expected a PLS result from crm_analysis.sem.estimate_pls "
                             f"(missing {missing}), got {type(result).__name__}")


def _block_sizes(result: Any) -> dict[str, int]:
    return {c: len(v) for c, v in result.model.indicators.items()}


def assess_loadings(result: Any) -> pd.DataFrame:
    """Loadings of reflective (mode A) indicators with a verdict.

    Returns
    -------
    DataFrame
        ``construct, indicator, estimate`` (and the bootstrap interval when available),
        ``verdict, reason``. Composite (mode B) blocks are n/a: their weights, not loadings,
        are assessed.

    Examples
    --------
    >>> assess_loadings(fit)[["indicator", "estimate", "verdict"]]  # doctest: +SKIP
    """
    _needs(result, ("loadings", "model"), "assess_loadings(result)")
    cols = [c for c in ("construct", "indicator", "estimate", "ci_low", "ci_high") if c in result.loadings.columns]
    out = result.loadings[cols].copy()
    sizes = _block_sizes(result)
    modes = result.model.modes
    verdicts, reasons = [], []
    for c, v in zip(out["construct"], out["estimate"]):
        if modes[c] == "B":
            verdicts.append("n/a")
            reasons.append("composite (mode B) block: assess its weights")
        elif sizes[c] == 1:
            verdicts.append("n/a")
            reasons.append("single item")
        elif v >= 0.708:
            verdicts.append("ok")
            reasons.append("≥ 0.708")
        elif v >= 0.40:
            verdicts.append("warning")
            reasons.append("0.40-0.708: keep unless dropping it raises reliability/AVE")
        else:
            verdicts.append("problem")
            reasons.append("< 0.40: drop the item")
    out["verdict"] = verdicts
    out["reason"] = reasons
    return out


def assess_reliability(result: Any) -> pd.DataFrame:
    """Cronbach's alpha, rho_A, composite reliability and AVE per construct, with verdicts.

    Returns
    -------
    DataFrame
        index = construct; ``alpha, rho_a, rho_c, ave`` and ``verdict_alpha, verdict_rho_a,
        verdict_rho_c, verdict_ave``, plus ``verdict`` (the worst of the four) and ``reason``.

    Examples
    --------
    >>> assess_reliability(fit).loc["Satisfaction", "verdict"]  # doctest: +SKIP
    'ok'
    """
    _needs(result, ("reliability", "model"), "assess_reliability(result)")
    rel = result.reliability[["alpha", "rho_a", "rho_c", "ave"]].copy()
    sizes = _block_sizes(result)
    modes = result.model.modes
    rank = {"n/a": -1, "ok": 0, "warning": 1, "problem": 2}
    worst, reasons = [], []
    per: dict[str, list[str]] = {f"verdict_{k}": [] for k in ("alpha", "rho_a", "rho_c", "ave")}
    for c, row in rel.iterrows():
        if sizes[c] == 1 or modes[c] == "B":
            for k in per:
                per[k].append("n/a")
            worst.append("n/a")
            reasons.append("single item" if sizes[c] == 1 else "composite (mode B): reliability does not apply")
            continue
        why = []
        for k in ("alpha", "rho_a", "rho_c"):
            v = row[k]
            if not np.isfinite(v) or v < 0.60:
                per[f"verdict_{k}"].append("problem")
                why.append(f"{k} < 0.60")
            elif v < 0.70:
                per[f"verdict_{k}"].append("warning")
                why.append(f"{k} 0.60-0.70")
            elif v > 0.95:
                per[f"verdict_{k}"].append("warning")
                why.append(f"{k} > 0.95 (redundant items)")
            else:
                per[f"verdict_{k}"].append("ok")
        if not np.isfinite(row["ave"]) or row["ave"] < 0.50:
            per["verdict_ave"].append("problem")
            why.append("AVE < 0.50")
        else:
            per["verdict_ave"].append("ok")
        levels = [per[k][-1] for k in per]
        worst.append(max(levels, key=rank.__getitem__))
        reasons.append("; ".join(why) if why else "all thresholds met")
    for k, v in per.items():
        rel[k] = v
    rel["verdict"] = worst
    rel["reason"] = reasons
    return rel


def assess_htmt(result: Any, *, strict: float = 0.85, liberal: float = 0.90) -> pd.DataFrame:
    """HTMT of every pair of constructs with a discriminant-validity verdict.

    Parameters
    ----------
    result : PLSResult
    strict, liberal : float
        The two thresholds (Henseler et al. 2015).

    Returns
    -------
    DataFrame
        ``construct_1, construct_2, estimate`` (and ``ci_high`` after a bootstrap), ``verdict,
        reason``.

    Examples
    --------
    >>> assess_htmt(fit).query("verdict != 'ok'")  # doctest: +SKIP
    """
    _needs(result, ("htmt",), "assess_htmt(result)")
    if not 0 < strict <= liberal:
        raise ParameterError(f"assess_htmt: expected 0 < strict <= liberal, got strict={strict}, liberal={liberal}")
    cols = [c for c in ("construct_1", "construct_2", "estimate", "ci_low", "ci_high") if c in result.htmt.columns]
    out = result.htmt[cols].copy()
    sizes = _block_sizes(result) if hasattr(result, "model") else {}
    verdicts, reasons = [], []
    for r in out.itertuples(index=False):
        est = r.estimate
        hi = getattr(r, "ci_high", np.nan)
        if sizes and (sizes.get(r.construct_1) == 1 and sizes.get(r.construct_2) == 1):
            verdicts.append("n/a")
            reasons.append("two single items: HTMT is their correlation")
        elif not np.isfinite(est):
            verdicts.append("n/a")
            reasons.append("not defined")
        elif est >= liberal:
            verdicts.append("problem")
            reasons.append(f"≥ {liberal:.2f}: no discriminant validity")
        elif est >= strict:
            verdicts.append("warning")
            reasons.append(f"{strict:.2f}-{liberal:.2f}: acceptable only for conceptually similar constructs")
        elif np.isfinite(hi) and hi >= liberal:
            verdicts.append("warning")
            reasons.append(f"below {strict:.2f}, but the upper confidence limit reaches {liberal:.2f}")
        else:
            verdicts.append("ok")
            reasons.append(f"< {strict:.2f}")
    out["verdict"] = verdicts
    out["reason"] = reasons
    return out


def measurement_summary(result: Any, lang: str = "en", *, labels: dict[str, str] | None = None) -> str:
    """One paragraph counting the measurement-model problems, in English or Chinese.

    ``labels`` maps construct ids to display names (e.g. ``csi.labels(model, lang)``).

    Examples
    --------
    >>> print(measurement_summary(fit))  # doctest: +SKIP
    """
    check_lang(lang)
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    lo = assess_loadings(result)
    rel = assess_reliability(result)
    ht = assess_htmt(result)
    weak = lo[lo["verdict"].isin(["warning", "problem"])]
    bad_rel = rel[rel["verdict"].isin(["warning", "problem"])]
    bad_ht = ht[ht["verdict"].isin(["warning", "problem"])]
    parts = []
    if len(weak):
        items = ", ".join(f"{i} ({v:.2f})" for i, v in zip(weak["indicator"], weak["estimate"]))
        parts.append(t(f"{len(weak)} indicator(s) load below 0.708: {items}.",
                       f"{len(weak)} 个指标的载荷低于 0.708：{items}。", lang))
    else:
        parts.append(t("Every reflective indicator loads at least 0.708.", "所有反映型指标的载荷均不低于 0.708。", lang))
    if len(bad_rel):
        listed = "; ".join(f"{name(c)}: {r}" for c, r in zip(bad_rel.index, bad_rel["reason"]))
        parts.append(t(f"Reliability or AVE to check: {listed}.", f"需关注的信度或 AVE：{listed}。", lang))
    else:
        parts.append(t("Reliability (alpha, rho_A, rho_C between 0.70 and 0.95) and AVE (≥ 0.50) are adequate for every multi-item construct.",
                       "所有多题项构念的信度（alpha、rho_A、rho_C 介于 0.70 与 0.95 之间）和 AVE（≥ 0.50）均达标。", lang))
    if len(bad_ht):
        listed = ", ".join(f"{name(a)}–{name(b)} ({v:.2f})"
                           for a, b, v in zip(bad_ht["construct_1"], bad_ht["construct_2"], bad_ht["estimate"]))
        parts.append(t(f"Discriminant validity (HTMT) to check: {listed}.", f"区分效度（HTMT）需关注：{listed}。", lang))
    else:
        parts.append(t("All HTMT ratios are below 0.85: the constructs are empirically distinct.",
                       "所有 HTMT 值均低于 0.85：各构念在经验上可以区分。", lang))
    return " ".join(parts)


def style_verdicts(frame: pd.DataFrame, digits: int = 3) -> Any:
    """A pandas Styler colouring each ``verdict*`` column (and its row's values) by verdict.

    Green ok, amber warning, red problem, grey n/a. Use it to display the tables of
    :func:`assess_loadings`, :func:`assess_reliability`, :func:`assess_htmt` in a notebook.
    """
    vcols = [c for c in frame.columns if str(c).startswith("verdict")]
    if not vcols:
        raise ParameterError("style_verdicts: the table has no verdict column")

    def colour(v: Any) -> str:
        return f"background-color: {VERDICT_COLOURS[v]}" if v in VERDICT_COLOURS else ""

    styler = frame.style.format(precision=digits, na_rep="—")
    return styler.map(colour, subset=vcols)
