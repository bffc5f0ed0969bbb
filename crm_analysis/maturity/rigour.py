"""How far the three-level grades can be trusted: thresholds, aggregation rule, raters, dimensions.

* :func:`threshold_note` — the 3.4 / 4.2 thresholds are an equal-interval reading of a 1-5 scale
  (intervals of 0.8), a convention; the article “客户关系管理等级分类：从初级到高级” (CRM grading) gives no numbers. The note says so and reports
  how many firms change grade when they move.
* :func:`rule_bias` — the sources' rule (a firm takes the grade of its *weakest* dimension) and
  the compensatory mean rule, each compared with the same rule applied to the firms' *true*
  scores, on data simulated with measurement error: the minimum of five noisy scores is biased
  downwards, so the weakest-dimension rule grades firms down; the mean rule is not biased that way.
* :func:`mixed_profiles` — which firms have dimensions in different bands and why they take the
  grade of their weakest one.
* :func:`rater_agreement_icc` — before the raters of a firm are averaged: ICC(1) (share of
  variance between firms; one-way random effects, Bliese 2000), ICC(2) (reliability of the firm
  mean of k raters) and the median rwg(j) within firms (James, Demaree & Wolf 1984; uniform null).
* :func:`htmt` — heterotrait-monotrait ratio of the five dimensions (Henseler, Ringle & Sarstedt
  2015); above 0.85 two dimensions are hard to tell apart.

Examples
--------
>>> from crm_analysis import maturity
>>> df = maturity.simulate(40, n_raters=3, seed=2)
>>> icc = rater_agreement_icc(df)
>>> bool((icc["icc1"] > 0).all())
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from ..i18n import check_lang, t
from .assessments import read_assessments, reverse_coded
from .grading import THREE_LEVEL_SHARES, _three_level, check_thresholds, grade
from .instrument import Instrument, load_instrument


def threshold_note(thresholds: Sequence[float], sensitivity: pd.DataFrame | None = None, lang: str = "en",
                   instrument: Instrument | str | Path | None = None) -> str:
    """Says where the thresholds come from and, given :func:`threshold_sensitivity`, how much they matter."""
    check_lang(lang)
    inst = load_instrument(instrument)
    lo, hi = inst.scale
    default = [lo + s * (hi - lo) for s in THREE_LEVEL_SHARES]
    is_default = np.allclose(list(thresholds)[:2], default)
    text = t(f"The thresholds {thresholds[0]:g} and {thresholds[1]:g} are a convention, not a finding: "
             + ("the equal-interval reading of a five-point scale (five intervals of 0.8 points; 3.41-4.20 'high', "
                "4.21-5.00 'very high'). The article “客户关系管理等级分类：从初级到高级” (CRM grading) names the grades but gives no numbers."
                if is_default else "they were chosen for this run; the article “客户关系管理等级分类：从初级到高级” (CRM grading) gives no numbers."),
             f"阈值 {thresholds[0]:g} 和 {thresholds[1]:g} 是一种约定，而不是研究发现："
             + ("这是把五点量表等分为五段（每段 0.8 分；3.41-4.20 为“较高”，4.21-5.00 为“很高”）的惯常读法。《客户关系管理等级分类：从初级到高级》 只给出"
                "等级名称，没有给出任何数值。" if is_default else "它们是本次运行选定的；《客户关系管理等级分类：从初级到高级》 没有给出任何数值。"), lang)
    if sensitivity is not None and "t_intermediate" in sensitivity.columns and len(sensitivity):
        base = np.array(thresholds[:2], float)
        dist = np.abs(sensitivity[["t_intermediate", "t_advanced"]].to_numpy(float) - base).max(axis=1)
        near = sensitivity.loc[(dist > 1e-9) & (dist <= 0.1 + 1e-9), "share_changed"]
        if len(near):
            text += t(f" Moving them by 0.1 changes the grade of up to {near.max():.0%} of the firms; "
                      f"over ±0.5, up to {sensitivity['share_changed'].max():.0%}.",
                      f"阈值移动 0.1，最多有 {near.max():.0%} 的企业评级改变；在 ±0.5 范围内最多 "
                      f"{sensitivity['share_changed'].max():.0%}。", lang)
    return text


def _true_scores(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    cols = {d: f"true_{d}" for d in inst.dimension_ids}
    missing = [c for c in cols.values() if c not in frame.columns]
    if missing:
        raise InputError(f"data: the columns {', '.join(missing)} (the true dimension scores of simulated data) are "
                         "missing; rule_bias needs a known truth")
    return frame.groupby("firm", sort=False)[list(cols.values())].first().set_axis(list(cols), axis=1)


def rule_bias(data: pd.DataFrame | None = None, thresholds: Any = None, *, n_sims: int = 20, n_firms: int = 200,
              n_raters: int = 3, seed: int = 1, instrument: Instrument | str | Path | None = None,
              **simulate_options: Any) -> pd.DataFrame:
    """Bias of the weakest-dimension and mean rules under measurement error (simulation).

    Each rule grades firms from their observed (noisy) dimension scores and from their true
    scores; the difference is what measurement error does to that rule. With ``data`` (a
    simulated file with ``true_<dimension>`` columns) it is measured once on that file; without,
    on ``n_sims`` fresh simulations of ``n_firms`` firms (options passed to :func:`simulate`).

    Returns
    -------
    DataFrame, one row per rule (``all`` = weakest dimension, the sources' rule; ``mean``):
    ``exact`` (share graded as the rule grades the true scores), ``graded_down``, ``graded_up``,
    ``mean_shift`` (observed − true, in grades) and ``n_firms``.
    """
    from .simulate import simulate

    inst = load_instrument(instrument)
    t_ = check_thresholds(thresholds, "three_level", inst)
    if isinstance(n_sims, bool) or not isinstance(n_sims, int) or n_sims < 1:
        raise ParameterError(f"n_sims={n_sims!r}: expected a positive whole number of simulations")
    frames = ([read_assessments(data, inst)] if data is not None else
              [simulate(n_firms, n_raters=n_raters, seed=seed + k, instrument=inst, **simulate_options)
               for k in range(n_sims)])
    rows = []
    for rule in ("all", "mean"):
        diffs = []
        for frame in frames:
            truth = _true_scores(frame, inst)
            observed = grade(frame, "three_level", t_, instrument=inst, rule=rule)["level"]
            true_level = pd.Series(_three_level(truth[inst.dimension_ids].to_numpy(float), t_, rule), index=truth.index)
            both = pd.concat([observed.astype("Float64").rename("obs"), true_level.rename("true")], axis=1).dropna()
            diffs.append((both["obs"] - both["true"]).to_numpy(float))
        d = np.concatenate(diffs)
        rows.append({"rule": rule, "exact": float((d == 0).mean()), "graded_down": float((d < 0).mean()),
                     "graded_up": float((d > 0).mean()), "mean_shift": float(d.mean()), "n_firms": int(len(d))})
    return pd.DataFrame(rows)


def mixed_profiles(grades: pd.DataFrame, lang: str = "en", instrument: Instrument | str | Path | None = None
                   ) -> pd.DataFrame:
    """Firms whose dimensions fall in different bands: their grade, weakest dimension and profile.

    Columns ``firm``, ``level``, ``weakest``, ``n_low``, ``n_high``, ``n_very_high`` and
    ``mean_rule_level`` (the grade the mean rule would give), sorted by the gap between the two.
    """
    check_lang(lang)
    inst = load_instrument(instrument)
    need = ["level", "profile", "n_low", "n_high", "n_very_high", *inst.dimension_ids]
    missing = [c for c in need if c not in grades.columns]
    if missing:
        raise InputError(f"grades: expected the output of grade(..., 'three_level'); missing {', '.join(missing)}")
    mixed = grades[grades["profile"] == "mixed"].copy()
    t_ = grades.attrs.get("thresholds", check_thresholds(None, "three_level", inst))
    mixed["mean_rule_level"] = _three_level(mixed[inst.dimension_ids].to_numpy(float), t_, "mean")
    mixed["weakest"] = [inst.dimension(d).name(lang) if d else None for d in mixed.get("weakest", [None] * len(mixed))]
    out = mixed.reset_index()[["firm", "level", "mean_rule_level", "weakest", "n_low", "n_high", "n_very_high"]]
    out["mean_rule_level"] = out["mean_rule_level"].astype("Int64")
    gap = out["mean_rule_level"].astype(float) - out["level"].astype(float)
    return out.assign(_gap=gap).sort_values("_gap", ascending=False, kind="stable").drop(columns="_gap") \
        .reset_index(drop=True)


def _dimension_scores_per_rater(data: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    frame = reverse_coded(read_assessments(data, inst), inst)
    out = frame[["firm"]].copy()
    for d in inst.dimension_ids:
        out[d] = frame[inst.items_of(d)].astype(float).mean(axis=1)
    return out


def icc_oneway(values: Any, groups: Any) -> dict[str, float]:
    """ICC(1) and ICC(2) of a one-way random-effects ANOVA (raters nested in firms; Bliese 2000).

    ICC(1) = (MSB − MSW) / (MSB + (k − 1) MSW) with k the group size (for unequal groups the
    usual adjusted mean group size); ICC(2) = (MSB − MSW) / MSB, the reliability of a firm's
    mean over its raters. These equal Shrout & Fleiss's ICC(1,1) and ICC(1,k).

    Examples
    --------
    >>> r = icc_oneway([1, 2, 4, 5, 7, 8], ["a", "a", "b", "b", "c", "c"])
    >>> round(r["icc1"], 4), round(r["icc2"], 4)
    (0.9459, 0.9722)
    """
    v = pd.Series(np.asarray(values, float))
    g = pd.Series(np.asarray(groups))
    keep = v.notna()
    v, g = v[keep], g[keep]
    sizes = g.value_counts()
    sizes = sizes[sizes >= 1]
    n, a = len(v), len(sizes)
    if a < 2 or n <= a:
        raise InputError("icc: need at least two firms and more ratings than firms (several raters per firm)")
    means = v.groupby(g).transform("mean")
    grand = v.mean()
    ssb = float(((v.groupby(g).mean() - grand) ** 2 * v.groupby(g).size()).sum())
    ssw = float(((v - means) ** 2).sum())
    msb, msw = ssb / (a - 1), ssw / (n - a)
    k = (n - float((sizes ** 2).sum()) / n) / (a - 1)
    icc1 = (msb - msw) / (msb + (k - 1) * msw) if (msb + (k - 1) * msw) else float("nan")
    icc2 = (msb - msw) / msb if msb else float("nan")
    return {"icc1": float(icc1), "icc2": float(icc2), "msb": msb, "msw": msw, "k": float(k), "n_firms": int(a)}


def rwg_j(items: pd.DataFrame, n_options: int) -> float:
    """rwg(j) of one firm's raters on a J-item scale (James, Demaree & Wolf 1984), uniform null.

    rwg(j) = J(1 − s̄²/σ²E) / (J(1 − s̄²/σ²E) + s̄²/σ²E), s̄² the mean item variance across raters,
    σ²E = (A² − 1)/12 for A answer options; truncated to [0, 1] (values below 0 are set to 0).

    Examples
    --------
    >>> rwg_j(pd.DataFrame({"a": [4, 4, 4], "b": [5, 5, 5]}), 5)
    1.0
    """
    x = items.astype(float)
    if len(x) < 2:
        return float("nan")
    j = x.shape[1]
    s2 = float(x.var(axis=0, ddof=1).mean())
    e2 = (n_options ** 2 - 1) / 12
    ratio = min(s2 / e2, 1.0)
    num = j * (1 - ratio)
    return float(num / (num + ratio)) if (num + ratio) else float("nan")


def rater_agreement_icc(data: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None
                        ) -> pd.DataFrame:
    """Per dimension: ICC(1), ICC(2) and the median rwg(j) over firms, before the raters are averaged.

    Read with LeBreton & Senter (2008): ICC(1) around 0.05-0.20 is common; ICC(2) ≥ 0.70 and rwg
    ≥ 0.70 support averaging the raters of a firm into one score.
    """
    inst = load_instrument(instrument)
    frame = read_assessments(data, inst)
    if frame.groupby("firm").size().max() < 2:
        raise InputError("data: every firm has one rater; ICC and rwg need several raters per firm")
    per_rater = _dimension_scores_per_rater(frame, inst)
    lo, hi = inst.scale
    answers = reverse_coded(frame, inst)
    rows = []
    for d in inst.dimension_ids:
        r = icc_oneway(per_rater[d], per_rater["firm"])
        items = inst.items_of(d)
        rwg = [rwg_j(g[items].dropna(), hi - lo + 1) for _, g in answers.groupby("firm")]
        rwg = np.array([v for v in rwg if not np.isnan(v)])
        rows.append({"dimension": d, "icc1": r["icc1"], "icc2": r["icc2"], "k": r["k"], "n_firms": r["n_firms"],
                     "rwg_median": float(np.median(rwg)) if len(rwg) else float("nan"),
                     "rwg_share_70": float((rwg >= 0.7).mean()) if len(rwg) else float("nan"),
                     "averaging_supported": bool(r["icc2"] >= 0.7 and len(rwg) and np.median(rwg) >= 0.7)})
    return pd.DataFrame(rows)


def htmt(data: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of every two dimensions (item correlations over assessments).

    HTMT_ij = mean correlation between the items of i and of j, divided by the geometric mean
    of the average correlations among the items of i and among those of j (Henseler, Ringle &
    Sarstedt 2015), on absolute correlations. Reverse-coded items are flipped first. Returns a symmetric table with NaN
    on the diagonal.
    """
    inst = load_instrument(instrument)
    answers = reverse_coded(read_assessments(data, inst), inst)
    dims = inst.dimension_ids
    cols = [i for d in dims for i in inst.items_of(d)]
    r = answers[cols].astype(float).corr().abs()

    def mono(d: str) -> float:
        its = inst.items_of(d)
        block = r.loc[its, its].to_numpy()
        return float(block[np.triu_indices(len(its), 1)].mean())

    out = pd.DataFrame(np.nan, index=dims, columns=dims)
    for i, a in enumerate(dims):
        for b in dims[i + 1:]:
            hetero = float(r.loc[inst.items_of(a), inst.items_of(b)].to_numpy().mean())
            out.loc[a, b] = out.loc[b, a] = hetero / np.sqrt(mono(a) * mono(b))
    return out


def outcomes_from_transactions(tx: pd.DataFrame, graded_on: Any, *, firm: str = "firm",
                               customer: str = "customer_id", date: str = "date", amount: str | None = None,
                               months: int = 12) -> pd.DataFrame:
    """Outcomes measured *after* grading, from the firms' own transaction records.

    For each firm: ``outcome_repeat_rate`` (share of the customers who bought in the 12 months
    before ``graded_on`` and bought again in the ``months`` after it) and, with ``amount``,
    ``outcome_revenue_per_customer`` (their spend after grading). Merge them into the
    assessments with :func:`add_outcomes`; :func:`predictive_validity` then uses them. Outcomes
    measured after grading, from records rather than raters, are what a validation needs.
    """
    for name, col in (("firm", firm), ("customer", customer), ("date", date)) + ((("amount", amount),) if amount else ()):
        if col not in tx.columns:
            raise ParameterError(f"{name}={col!r}: no such column in the transactions "
                                 f"({', '.join(map(str, tx.columns))})")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ParameterError(f"months={months!r}: expected a positive whole number of months")
    day = pd.Timestamp(graded_on)
    when = pd.to_datetime(tx[date])
    before = tx[(when < day) & (when >= day - pd.DateOffset(months=12))]
    after = tx[(when >= day) & (when < day + pd.DateOffset(months=months))]
    base = before.groupby(firm)[customer].unique()
    rows = []
    for f, custs in base.items():
        later = after[(after[firm] == f) & after[customer].isin(custs)]
        row = {"firm": str(f), "outcome_repeat_rate": float(later[customer].nunique() / len(custs))}
        if amount:
            row["outcome_revenue_per_customer"] = float(later[amount].sum() / len(custs))
        rows.append(row)
    return pd.DataFrame(rows)


def add_outcomes(assessments: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The assessments with firm-level ``outcome_*`` columns added (one value per firm, repeated on its rows)."""
    if "firm" not in outcomes.columns:
        raise InputError("outcomes: expected a 'firm' column")
    bad = [c for c in outcomes.columns if c != "firm" and not str(c).startswith("outcome_")]
    if bad:
        raise InputError(f"outcomes: columns {', '.join(map(str, bad))} should be named outcome_<name>")
    clash = [c for c in outcomes.columns if c != "firm" and c in assessments.columns]
    if clash:
        raise InputError(f"outcomes: the assessments already have {', '.join(clash)}")
    out = assessments.merge(outcomes.assign(firm=outcomes["firm"].astype(str)), on="firm", how="left")
    return out


# Items that ask two things at once (double-barrelled): a rater who agrees with one half and not the
# other cannot answer. Version 1.0 of the packaged instrument had these eight; version 2.0 split each
# into items that ask one thing (``split_from`` in instrument.yaml). The list is kept, with the 1.0
# wording, so that a copy of the 1.0 instrument (or a custom one built from it) is still reviewed.
DOUBLE_BARRELLED = {
    "SAT3": ("needs and expectations", "需求和期望"),
    "LOY2": ("the company and its products", "公司及其产品"),
    "SRV4": ("waiting long, or being passed between departments", "长时间等待，或在部门之间被推来推去"),
    "IMG3": ("valuable, and worth paying for", "有价值，以及值得为之付费"),
    "L2_3": ("improvements from feedback, and timely after-sales support", "根据反馈改进，以及及时的售后支持"),
    "L3_1": ("quality, promises and prices", "质量、承诺和价格"),
    "L3_3": ("complaint handling, and information security", "投诉处理机制，以及信息安全措施"),
    "L5_3": ("partnership meetings, and benefit sharing", "合作会议，以及利益分配"),
}
_V1_WORDING = {
    "SAT3": ("Our products and services meet customers' needs and expectations.", "我们的产品和服务能够满足客户的需求和期望。"),
    "LOY2": ("Customers trust our company and its products.", "客户信任我们公司及其产品。"),
    "SRV4": ("Customers often wait long or are passed from one department to another.",
             "客户经常需要长时间等待或在部门之间被推来推去。"),
    "IMG3": ("Customers see our brand as valuable and worth paying for.", "客户认为我们的品牌有价值、值得为之付费。"),
    "L2_3": ("Feedback leads to improvements of products and services and to timely after-sales support.",
             "根据客户反馈改进产品和服务，并提供及时的售后技术支持。"),
    "L3_1": ("Product quality, service promises and prices are transparent and kept.",
             "在产品质量、服务承诺、价格透明等方面诚信守信。"),
    "L3_3": ("A complaint-handling procedure and information-security measures protect customers' rights.",
             "建立健全客户投诉处理机制和信息安全保障措施，保护客户权益。"),
    "L5_3": ("Regular partnership meetings and an agreed benefit-sharing scheme keep the cooperation going.",
             "通过定期合作会议、业务沟通、利益分配等长期合作机制保持紧密联系。"),
}


def double_barrelled(lang: str = "en", instrument: Instrument | str | Path | None = None) -> pd.DataFrame:
    """The instrument's double-barrelled items (items that ask two things at once), for revision.

    An item is listed when

    * the instrument declares it: ``double_barrelled: {en: ..., zh: ...}`` on the item, naming
      the things it joins (any instrument file can do this); or
    * it is one of the eight double-barrelled items of version 1.0 of the packaged instrument
      (``DOUBLE_BARRELLED``), recognised by its id *and* its 1.0 wording in either language, so
      that a copy of the old instrument is still reviewed while an unrelated item that reuses the
      id is not.

    The packaged instrument (version 2.0) split those eight (``split_from``;
    :attr:`~crm_analysis.maturity.Instrument.splits`) and declares the four that still join two
    or three things (SRV2, L1_3, L4_1, L5_2), for its next version. Wordings are not parsed: an
    item that joins two things without being declared is not found.

    Returns
    -------
    DataFrame with ``item``, its ``text`` and ``joins`` (the things it asks at once); no rows
    (the same columns) when there are none.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.double_barrelled()["item"].tolist()
    ['SRV2', 'L1_3', 'L4_1', 'L5_2']
    """
    check_lang(lang)
    inst = load_instrument(instrument)
    k = 0 if lang == "en" else 1
    rows = []
    for item in [*inst.items.values(), *inst.criteria.values()]:
        if item.double_barrelled is not None:
            rows.append({"item": item.id, "text": item.text(lang), "joins": item.double_barrelled(lang)})
        elif item.id in DOUBLE_BARRELLED and (item.text.en == _V1_WORDING[item.id][0]
                                              or item.text.zh == _V1_WORDING[item.id][1]):
            rows.append({"item": item.id, "text": item.text(lang), "joins": DOUBLE_BARRELLED[item.id][k]})
    return pd.DataFrame(rows, columns=["item", "text", "joins"])
