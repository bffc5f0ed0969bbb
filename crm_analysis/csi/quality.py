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

__all__ = ["assess_htmt", "assess_loadings", "assess_reliability", "measurement_summary", "reason_text", "style_verdicts"]

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
        # brackets as the language writes them: "CUEX3 (0.59)" and "CUEX3（0.59）"
        items = t(", ", "，", lang).join(t(f"{i} ({v:.2f})", f"{i}（{v:.2f}）", lang)
                                         for i, v in zip(weak["indicator"], weak["estimate"]))
        parts.append(t(f"{len(weak)} indicator(s) load below 0.708: {items}.",
                       f"{len(weak)} 个指标的载荷低于 0.708：{items}。", lang))
    else:
        parts.append(t("Every reflective indicator loads at least 0.708.", "所有反映型指标的载荷均不低于 0.708。", lang))
    if len(bad_rel):
        listed = t("; ", "；", lang).join(f"{name(c)}{t(': ', '：', lang)}{reason_text(r, lang)}"
                                         for c, r in zip(bad_rel.index, bad_rel["reason"]))
        parts.append(t(f"Reliability or AVE to check: {listed}.", f"需关注的信度或 AVE：{listed}。", lang))
    else:
        parts.append(t("Reliability (alpha, rho_A, rho_C between 0.70 and 0.95) and AVE (≥ 0.50) are adequate for every multi-item construct.",
                       "所有多题项构念的信度（alpha、rho_A、rho_C 介于 0.70 与 0.95 之间）和 AVE（≥ 0.50）均达标。", lang))
    if len(bad_ht):
        listed = t(", ", "，", lang).join(t(f"{name(a)}–{name(b)} ({v:.2f})", f"{name(a)}–{name(b)}（{v:.2f}）", lang)
                                          for a, b, v in zip(bad_ht["construct_1"], bad_ht["construct_2"], bad_ht["estimate"]))
        parts.append(t(f"Discriminant validity (HTMT) to check: {listed}.", f"区分效度（HTMT）需关注：{listed}。", lang))
    else:
        parts.append(t("All HTMT ratios are below 0.85: the constructs are empirically distinct.",
                       "所有 HTMT 值均低于 0.85：各构念在经验上可以区分。", lang))
    return t(" ", "", lang).join(parts)


# How a verdict and the parts of a reason read in a Chinese report.
VERDICT_NAMES = {"ok": ("ok", "合格"), "warning": ("warning", "注意"), "problem": ("problem", "问题"),
                 "n/a": ("n/a", "不适用")}
_REASONS_ZH = [
    (r"^composite \(mode B\) block: assess its weights$", "合成型（模式 B）区块：应评估其权重"),
    (r"^composite \(mode B\): reliability does not apply$", "合成型（模式 B）：不适用信度指标"),
    (r"^single item$", "单题项"),
    (r"^0\.40-0\.708: keep unless dropping it raises reliability/AVE$", "0.40-0.708：除非删除后信度或 AVE 提高，否则保留"),
    (r"^< 0\.40: drop the item$", "< 0.40：删除该题项"),
    (r"^all thresholds met$", "全部达标"),
    (r"^(\w+) > 0\.95 \(redundant items\)$", r"\1 > 0.95（题项高度冗余）"),
    (r"^two single items: HTMT is their correlation$", "两个单题项构念：HTMT 即二者的相关系数"),
    (r"^not defined$", "无法计算"),
    (r"^≥ ([\d.]+): no discriminant validity$", r"≥ \1：缺乏区分效度"),
    (r"^([\d.]+)-([\d.]+): acceptable only for conceptually similar constructs$", r"\1-\2：仅对概念相近的构念可接受"),
    (r"^below ([\d.]+), but the upper confidence limit reaches ([\d.]+)$", r"低于 \1，但置信区间上限达到 \2"),
]


def reason_text(reason: str, lang: str = "en") -> str:
    """The ``reason`` of a verdict (from :func:`assess_loadings` and the others) in ``lang``.

    Examples
    --------
    >>> reason_text("alpha 0.60-0.70; AVE < 0.50", "zh")
    'alpha 0.60-0.70；AVE < 0.50'
    >>> reason_text("< 0.40: drop the item", "zh")
    '< 0.40：删除该题项'
    """
    import re

    check_lang(lang)
    if lang == "en" or not isinstance(reason, str):
        return reason
    parts = []
    for part in reason.split("; "):
        for pattern, zh in _REASONS_ZH:
            if re.match(pattern, part):
                part = re.sub(pattern, zh, part)
                break
        parts.append(part)
    return "；".join(parts)


def style_verdicts(frame: pd.DataFrame, digits: int = 3, *, lang: str = "en",
                   labels: dict[str, str] | None = None) -> Any:
    """A pandas Styler colouring each ``verdict*`` column (and its row's values) by verdict.

    Green ok, amber warning, red problem, grey n/a. Use it to display the tables of
    :func:`assess_loadings`, :func:`assess_reliability`, :func:`assess_htmt` in a notebook:
    headers, verdicts and reasons in ``lang``, constructs under their ``labels`` (e.g.
    ``csi.labels(model, lang)``), numbers to ``digits`` decimals, no 0, 1, 2 ... index.

    Examples
    --------
    >>> style_verdicts(assess_htmt(fit), lang="zh", labels=csi.labels(fit.model, "zh"))  # doctest: +SKIP
    """
    from crm_analysis.reporting.tables import show_table

    check_lang(lang)
    vcols = [c for c in frame.columns if str(c).startswith("verdict")]
    if not vcols:
        raise ParameterError("style_verdicts: the table has no verdict column")
    shown = frame.copy()
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    for col in ("construct", "construct_1", "construct_2", "indicator", "item"):
        if col in shown.columns:
            shown[col] = [name(c) for c in shown[col]]
    if shown.index.name == "construct":
        shown.index = pd.Index([name(c) for c in shown.index], name="construct")
    if "reason" in shown.columns:
        shown["reason"] = [reason_text(r, lang) for r in shown["reason"]]
    heads = {f"verdict_{k}": (f"verdict: {en}", f"判定：{en}")
             for k, en in (("alpha", "α"), ("rho_a", "ρ_A"), ("rho_c", "ρ_C"), ("ave", "AVE"))}
    styler = show_table(shown, lang, columns=heads, digits=digits, missing=("not estimated", "未估计"),
                        values={c: VERDICT_NAMES for c in vcols})
    # shown columns = (the index, when it became a column) + the frame's columns, in order
    offset = styler.data.shape[1] - len(frame.columns)
    colours = np.full(styler.data.shape, "", dtype=object)
    for j, c in enumerate(frame.columns):
        if c in vcols:
            colours[:, j + offset] = [f"background-color: {VERDICT_COLOURS[v]}" if v in VERDICT_COLOURS else ""
                                      for v in frame[c]]
    return styler.apply(lambda d: pd.DataFrame(colours, index=d.index, columns=d.columns), axis=None)
