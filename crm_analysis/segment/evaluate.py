"""Calibration / holdout comparison of segmentation schemes.

Every scheme segments the customers of the calibration period using calibration data only; its
segments, in their declared order (most valuable first), are then judged on what the customers
did in the holdout period: revenue captured by the top segment, lift, AUC for "buys again",
Gini / Lorenz curves, stability of the segments, and agreement between schemes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t
from crm_analysis.segment import metrics
from crm_analysis.segment.clv_models import CLVResult, clv_from_summary, rescore, summary_from_prepared
from crm_analysis.segment.money import total_by
from crm_analysis.segment.names import SCHEME_TITLES, SCHEMES
from crm_analysis.segment.rfm import Prepared, from_day, prepare, rfm_from_prepared, to_day
from crm_analysis.segment.value import idic, pareto

DEFAULT_SCHEMES = ("mean_split", "quintile", "pareto", "idic", "clv")


def split_periods(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date",
                  calibration_end: Any = "1997-09-30", holdout_end: Any = None) -> dict[str, pd.Timestamp]:
    """Calibration and holdout periods: by default the holdout is as long as the calibration.

    Returns a dict with ``calibration_start``, ``calibration_end``, ``holdout_start``,
    ``holdout_end`` (all inclusive days) and ``data_end``. On CDNOW the default split is the usual
    39 + 39 weeks: 1997-01-01 to 1997-09-30, then 1997-10-01 to 1998-06-30.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["1997-01-01", "1998-06-30"])})
    >>> {k: str(v.date()) for k, v in split_periods(tx).items()}["holdout_end"]
    '1998-06-30'
    """
    if date not in tx.columns:
        raise ParameterError(f"date={date!r}: no such column; the data has {', '.join(map(repr, map(str, tx.columns)))}")
    days = pd.to_datetime(tx[date]).to_numpy().astype("datetime64[D]").astype(np.int64)
    start, last = int(days.min()), int(days.max())
    return _periods(start, last, calibration_end, holdout_end, date)[0]


def _periods(start: int, last: int, calibration_end: Any, holdout_end: Any, date: str) -> tuple[dict[str, pd.Timestamp], list[str]]:
    notes: list[str] = []
    cal_end = to_day(calibration_end, "calibration_end")
    if cal_end < start:
        raise ParameterError(f"calibration_end={from_day(cal_end).date()} is before the data: the first transaction "
                             f"in column {date!r} is on {from_day(start).date()}")
    if cal_end >= last:
        raise ParameterError(f"calibration_end={from_day(cal_end).date()} leaves no holdout: the last transaction in "
                             f"column {date!r} is on {from_day(last).date()}; pass an earlier calibration_end")
    if holdout_end is None:
        hold_end = cal_end + (cal_end - start + 1)
        if hold_end > last:
            notes.append(f"The data end on {from_day(last).date()}, before a holdout as long as the calibration "
                         f"(to {from_day(hold_end).date()}); the holdout is cut to the data.")
            hold_end = last
    else:
        hold_end = to_day(holdout_end, "holdout_end")
        if hold_end <= cal_end:
            raise ParameterError(f"holdout_end={from_day(hold_end).date()}: must be after calibration_end "
                                 f"{from_day(cal_end).date()}")
        if hold_end > last:
            notes.append(f"holdout_end={from_day(hold_end).date()} is after the last transaction "
                         f"({from_day(last).date()}); the holdout is cut to the data.")
            hold_end = last
    periods = {"calibration_start": from_day(start), "calibration_end": from_day(cal_end),
               "holdout_start": from_day(cal_end + 1), "holdout_end": from_day(hold_end), "data_end": from_day(last)}
    return periods, notes


@dataclass
class EvaluationResult:
    """Output of :func:`evaluate`; every table is tidy.

    Attributes
    ----------
    table : DataFrame
        One row per scheme: ``top_segment``, ``top_customer_share``, ``captured_revenue`` (share of
        holdout revenue bought by the top segment), ``lift``, ``repeat_rate_top``,
        ``repeat_rate_all``, ``auc`` ("buys again in holdout"), ``gini`` and ``gini_normalized``
        (holdout revenue), ``stability_same`` and ``stability_ari``; for schemes cut from a
        continuous score (``score``: RFM sum, monetary value, predicted CLV) the same AUC and
        Gini computed on the score itself (``auc_score``, ``gini_score``), which shows what the
        cut into segments loses.
    segment_table : DataFrame
        One row per scheme and segment: customers, calibration and holdout revenue, repeat rate,
        names and recommended actions in both languages.
    segments : DataFrame
        Calibration customers × schemes: each customer's segment (English, ordered categoricals).
    lorenz : DataFrame
        Curve points per scheme (``scheme``, ``customer_share``, ``value_share``), plus ``oracle``
        (customers ordered by their actual holdout revenue).
    agreement : DataFrame
        Adjusted Rand index between every two schemes.
    rfm : DataFrame
        The calibration RFM table (with holdout ``holdout_revenue`` and ``holdout_transactions``).
    clv : CLVResult or None
        The BG/NBD + Gamma-Gamma fit when the ``clv`` scheme ran.
    periods : dict
        Calibration and holdout dates.
    notes : list of str
        Things the reader should know (cut holdout, customers first seen in the holdout).
    """

    table: pd.DataFrame
    segment_table: pd.DataFrame
    segments: pd.DataFrame
    lorenz: pd.DataFrame
    agreement: pd.DataFrame
    rfm: pd.DataFrame
    clv: CLVResult | None
    periods: dict[str, pd.Timestamp]
    notes: list[str] = field(default_factory=list)

    def counts(self, lang: str = "en") -> pd.DataFrame:
        """Customers per segment and scheme (``scheme``, ``rank``, ``segment``, ``customers``)."""
        check_lang(lang)
        out = self.segment_table[["scheme", "rank", f"segment_{lang}" if lang == "zh" else "segment", "customers"]]
        return out.set_axis(["scheme", "rank", "segment", "customers"], axis=1).reset_index(drop=True)

    def conclusions(self, lang: str = "en") -> list[str]:
        """Plain-language findings from the evaluation table (which scheme does best on what).

        Examples
        --------
        >>> ev.conclusions("en")[0]  # doctest: +SKIP
        'Best at telling who buys again (AUC): ...'
        """
        check_lang(lang)
        tab = self.table.set_index("scheme")

        def name(s: str) -> str:
            return t(*SCHEME_TITLES[s], lang)

        out = []
        best = tab["auc"].idxmax()
        out.append(t(f"Highest AUC for buying again in the holdout (point estimate; intervals in fair_comparison): {name(best)} (AUC {tab.loc[best, 'auc']:.3f}; "
                     f"lowest {name(tab['auc'].idxmin())}, {tab['auc'].min():.3f}).",
                     f"区分保留期内是否再次购买的 AUC 点估计最高的是{name(best)}（AUC {tab.loc[best, 'auc']:.3f}；"
                     f"最低的是{name(tab['auc'].idxmin())}，{tab['auc'].min():.3f}）。", lang))
        g = tab["gini"].idxmax()
        out.append(t(f"Highest Gini for ordering customers by future revenue (point estimate): {name(g)} (Gini {tab.loc[g, 'gini']:.3f}, "
                     f"{tab.loc[g, 'gini_normalized']:.0%} of what hindsight achieves).",
                     f"按未来收入给客户排序的 Gini 点估计最高的是{name(g)}（Gini {tab.loc[g, 'gini']:.3f}，"
                     f"达到事后最优排序的 {tab.loc[g, 'gini_normalized']:.0%}）。", lang))
        lf = tab["lift"].idxmax()
        out.append(t(f"Highest lift of a top segment (top segments differ in size: compare at equal depth): {name(lf)}: its '{tab.loc[lf, 'top_segment']}' segment is "
                     f"{tab.loc[lf, 'top_customer_share']:.1%} of customers and bought "
                     f"{tab.loc[lf, 'captured_revenue']:.1%} of holdout revenue (lift {tab.loc[lf, 'lift']:.2f}).",
                     f"顶层细分提升度最高的是{name(lf)}（各方案顶层细分大小不同，应在同等深度下比较）：其“{tab.loc[lf, 'top_segment_zh']}”占客户的 "
                     f"{tab.loc[lf, 'top_customer_share']:.1%}，贡献了保留期收入的 {tab.loc[lf, 'captured_revenue']:.1%}"
                     f"（提升度 {tab.loc[lf, 'lift']:.2f}）。", lang))
        st = tab["stability_ari"].idxmax()
        out.append(t(f"Highest stability from the end of calibration to the end of the holdout (point estimate): {name(st)} "
                     f"(adjusted Rand {tab.loc[st, 'stability_ari']:.2f}; {tab.loc[st, 'stability_same']:.0%} of "
                     f"customers kept their segment).",
                     f"从校准期末到保留期末稳定性点估计最高的是{name(st)}（调整兰德指数 {tab.loc[st, 'stability_ari']:.2f}；"
                     f"{tab.loc[st, 'stability_same']:.0%} 的客户细分不变）。", lang))
        scored = tab.dropna(subset=["auc_score"])
        if len(scored):
            sc = scored["auc_score"].idxmax()
            out.append(t(f"Behind the segments: the continuous score of {name(sc)} reaches AUC "
                         f"{scored.loc[sc, 'auc_score']:.3f} and Gini {scored.loc[sc, 'gini_score']:.3f} "
                         f"(its {int(scored.loc[sc, 'segments'])} segments: {scored.loc[sc, 'auc']:.3f} and "
                         f"{scored.loc[sc, 'gini']:.3f}); cutting a score into a few segments loses ranking power.",
                         f"细分背后的连续得分中，{name(sc)}的得分 AUC 为 {scored.loc[sc, 'auc_score']:.3f}、"
                         f"Gini 为 {scored.loc[sc, 'gini_score']:.3f}（其 {int(scored.loc[sc, 'segments'])} 个细分为 "
                         f"{scored.loc[sc, 'auc']:.3f} 和 {scored.loc[sc, 'gini']:.3f}）；把得分切成少数细分会损失排序能力。", lang))
        if len(tab) > 1:
            ari = self.agreement.where(~np.eye(len(self.agreement), dtype=bool))
            pair = ari.stack().idxmax()
            out.append(t(f"Most alike: {name(pair[0])} and {name(pair[1])} (adjusted Rand {ari.loc[pair]:.2f}); "
                         f"values near 0 mean two schemes group customers in unrelated ways.",
                         f"最相似的是{name(pair[0])}与{name(pair[1])}（调整兰德指数 {ari.loc[pair]:.2f}）；"
                         f"接近 0 表示两种方案的分组方式互不相关。", lang))
        if self.clv is not None and not (self.clv.bgnbd.converged and self.clv.gamma_gamma.converged):
            out.append(t("Caution: the BG/NBD or Gamma-Gamma fit did not converge; read the CLV scheme with care.",
                         "注意：BG/NBD 或 Gamma-Gamma 模型未收敛，CLV 方案的结果需谨慎解读。", lang))
        return out

    def summary(self, lang: str = "en") -> pd.DataFrame:
        """The evaluation table with the scheme's title in ``lang`` (rounded for reading)."""
        check_lang(lang)
        out = self.table.copy()
        out.insert(1, "title", [t(*SCHEME_TITLES[s], lang) for s in out["scheme"]])
        if lang == "zh":
            out["top_segment"] = out["top_segment_zh"]
        return out.drop(columns=["top_segment_zh"]).round(4)


# the continuous score behind each scheme's segments, where there is one
SCORES = {"quintile": "rfm_score", "pareto": "monetary", "clv": "clv"}


def _continuous_score(scheme: str, table: pd.DataFrame, fit: CLVResult | None) -> np.ndarray | None:
    if scheme == "clv" and fit is not None:
        return fit.table["clv"].to_numpy(dtype=float)
    if scheme in ("quintile", "pareto"):
        return table[SCORES[scheme]].to_numpy(dtype=float)
    return None


def _segment_codes(labels: pd.Categorical) -> np.ndarray:
    """Position of each customer's segment in the declared order (0 = most valuable)."""
    return np.asarray(pd.Categorical(labels).codes, dtype=np.int64)


def _schemes_for(table: pd.DataFrame, prep: Prepared, end_day: int, horizon_units: float, schemes: Sequence[str],
                 pareto_share: float, idic_quantiles: tuple[float, float],
                 warm: CLVResult | None = None, keys_from: Prepared | None = None,
                 summary: pd.DataFrame | None = None) -> tuple[dict[str, pd.Categorical], CLVResult | None]:
    """Each scheme's segments of ``table``; ``summary``: the CLV summary when already computed
    (out of core), else it is computed from ``prep``."""
    out: dict[str, pd.Categorical] = {}
    fit = None
    for scheme in schemes:
        if scheme == "mean_split":
            out[scheme] = table["segment_mean_split"].array
        elif scheme == "quintile":
            out[scheme] = table["segment_quintile"].array
        elif scheme == "pareto":
            out[scheme] = pareto(table[["monetary"]], share=pareto_share)["segment_pareto"].array
        elif scheme == "idic":
            out[scheme] = idic(table[["monetary", "frequency", "tenure"]], value_quantile=idic_quantiles[0],
                               potential_quantile=idic_quantiles[1])["segment_idic"].array
        elif scheme == "clv":
            if summary is None:
                summary = summary_from_prepared(prep, end_day, 7.0, keys_from=keys_from)
            summary = summary.reindex(table.index)
            if warm is None:
                fit = clv_from_summary(summary, horizon_units, calibration_end=from_day(end_day))
            else:  # later: the calibration models score the longer histories (same rule, later data)
                fit = rescore(warm, summary, from_day(end_day))
            out[scheme] = fit.table["segment_clv"].array
    return out, fit


def _check_schemes(schemes: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(schemes, str):
        schemes = [s.strip() for s in schemes.split(",") if s.strip()]
    schemes = tuple(schemes)
    unknown = [s for s in schemes if s not in SCHEMES]
    if unknown or not schemes:
        raise ParameterError(f"schemes={list(schemes)!r}: expected one or more of {', '.join(map(repr, SCHEMES))}")
    if len(set(schemes)) != len(schemes):
        raise ParameterError(f"schemes={list(schemes)!r}: a scheme is listed twice")
    return schemes


def evaluate(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date", amount: str = "dollar_value",
             calibration_end: Any = "1997-09-30", holdout_end: Any = None,
             schemes: Sequence[str] | str = DEFAULT_SCHEMES, *, pareto_share: float = 0.8,
             idic_quantiles: tuple[float, float] = (0.8, 0.8), returns: str = "keep") -> EvaluationResult:
    """Segment customers on the calibration period and judge each scheme on the holdout period.

    Parameters
    ----------
    tx : DataFrame
        Transactions (e.g. from :func:`read_transactions`).
    customer, date, amount : str
        Column names.
    calibration_end : date-like
        Last day of calibration (inclusive). Default ``"1997-09-30"``: the usual CDNOW split
        (39 weeks from 1997-01-01).
    holdout_end : date-like, optional
        Last day of the holdout; default as long as the calibration (cut to the data).
    schemes : sequence of str or comma-separated str
        Among ``mean_split``, ``quintile``, ``pareto``, ``idic``, ``clv``.
    pareto_share : float
        Share of value defining strategically significant customers (0.8).
    idic_quantiles : (float, float)
        Quantiles above which value and potential count as high in the IDIC scheme.
    returns : {"keep", "drop", "error"}
        Negative amounts (see :func:`rfm`).

    Returns
    -------
    EvaluationResult

    Notes
    -----
    Only customers with a calibration purchase are segmented and judged; customers first seen
    in the holdout are counted in ``notes``. "Top segment" is the first segment of the scheme's
    declared order (:func:`segment_names`); curves and AUC rank customers by that order, ties in
    random order. Stability compares each customer's segment at the end of calibration with the
    segment the same rule gives at the end of the holdout (all data up to then): the RFM, Pareto and
    IDIC thresholds are recomputed; the CLV scheme keeps its calibration-period BG/NBD and
    Gamma-Gamma fits and scores the longer histories (quintiles recomputed).

    Examples
    --------
    >>> tx = simulate_transactions(2000, 20000, seed=3)  # doctest: +SKIP
    >>> evaluate(tx, calibration_end="1997-09-30").summary()  # doctest: +SKIP
    """
    if getattr(tx, "_crm_out_of_core", False):  # Parquet / DuckDB: aggregated by DuckDB (segment.outofcore)
        return tx.evaluate(calibration_end, holdout_end, schemes, pareto_share=pareto_share,
                           idic_quantiles=idic_quantiles, returns=returns)
    schemes = _check_schemes(schemes)
    if (not isinstance(idic_quantiles, (tuple, list)) or len(idic_quantiles) != 2):
        raise ParameterError(f"idic_quantiles={idic_quantiles!r}: expected (value_quantile, potential_quantile)")
    prep = prepare(tx, customer, date, amount, returns=returns)
    start, last = int(prep.day.min()), int(prep.day.max())
    periods, notes = _periods(start, last, calibration_end, holdout_end, date)
    cal_end = to_day(periods["calibration_end"], "calibration_end")
    hold_end = to_day(periods["holdout_end"], "holdout_end")
    horizon_units = (hold_end - cal_end) / 7.0

    in_cal = prep.day <= cal_end
    in_hold = (prep.day > cal_end) & (prep.day <= hold_end)
    n = prep.n_customers
    cal_present = np.bincount(prep.codes[in_cal], minlength=n) > 0
    hold_value_all = total_by(prep.codes[in_hold], prep.amount[in_hold], n, prep.decimals)
    hold_count_all = np.bincount(prep.codes[in_hold], minlength=n)
    newcomers = int(((hold_count_all > 0) & ~cal_present).sum())
    if newcomers:
        notes.append(f"{newcomers} customer(s) first bought in the holdout; they are not part of the evaluation.")

    def sub(mask: np.ndarray) -> Prepared:
        if mask.all():
            return prep
        return Prepared(prep.codes[mask], prep.customers, prep.day[mask], prep.amount[mask], prep.decimals)

    cal = sub(in_cal)
    table = rfm_from_prepared(cal, cal_end + 1)  # calibration customers, in code order
    hold_value = hold_value_all[cal_present]
    hold_count = hold_count_all[cal_present]
    table = table.assign(holdout_revenue=hold_value, holdout_transactions=hold_count)

    # both CLV summaries share one sort of the full data's (customer, day) keys
    seg_cal, fit = _schemes_for(table, cal, cal_end, horizon_units, schemes, pareto_share, tuple(idic_quantiles),
                                keys_from=prep)
    # the same schemes at the end of the holdout, on all data up to then, for the same customers
    upto = sub(prep.day <= hold_end)
    later = rfm_from_prepared(upto, hold_end + 1)
    seg_all, _ = _schemes_for(later, upto, hold_end, horizon_units, schemes, pareto_share, tuple(idic_quantiles),
                              warm=fit, keys_from=prep)
    return _judge(schemes, table, later, hold_value, hold_count, seg_cal, seg_all, fit, periods, notes)


def _judge(schemes: tuple[str, ...], table: pd.DataFrame, later: pd.DataFrame, hold_value: np.ndarray,
           hold_count: np.ndarray, seg_cal: dict[str, pd.Categorical], seg_all: dict[str, pd.Categorical],
           fit: CLVResult | None, periods: dict[str, pd.Timestamp], notes: list[str]) -> EvaluationResult:
    """Judge the calibration segments on the holdout (the tables of :class:`EvaluationResult`),
    whichever engine aggregated the transactions (numpy here, DuckDB in :mod:`.outofcore`)."""
    bought = (hold_count > 0).astype(float)
    pos = later.index.get_indexer(table.index)
    seg_later = {k: pd.Categorical(v).take(pos)
                 for k, v in seg_all.items()}

    rows, seg_rows, curves = [], [], []
    has_value = hold_value.sum() != 0
    oracle = metrics.lorenz_curve(hold_value, hold_value) if has_value else None
    for scheme in schemes:
        codes = _segment_codes(seg_cal[scheme])
        names = SCHEMES[scheme]
        score = -codes.astype(float)
        top_code = int(codes.min())
        in_top = codes == top_code
        # the same categories in the same order at both dates: compare integer codes
        stab = metrics.stability(codes, _segment_codes(seg_later[scheme]))
        cont = _continuous_score(scheme, table, fit)
        rows.append({
            "scheme": scheme,
            "segments": int(len(np.unique(codes))),
            "top_segment": names[top_code].en,
            "top_segment_zh": names[top_code].zh,
            "top_customer_share": float(in_top.mean()),
            "captured_revenue": metrics.captured_share(in_top, hold_value) if has_value else float("nan"),
            "lift": metrics.lift(in_top, hold_value) if has_value else float("nan"),
            "repeat_rate_top": float(bought[in_top].mean()),
            "repeat_rate_all": float(bought.mean()),
            "auc": metrics.auc(score, bought),
            "gini": metrics.gini(score, hold_value) if has_value else float("nan"),
            "gini_normalized": metrics.gini(score, hold_value, normalize=True) if has_value else float("nan"),
            "stability_same": stab["same"],
            "stability_ari": stab["ari"],
            "score": SCORES.get(scheme),
            "auc_score": metrics.auc(cont, bought) if cont is not None else float("nan"),
            "gini_score": metrics.gini(cont, hold_value) if cont is not None and has_value else float("nan"),
        })
        counts = np.bincount(codes, minlength=len(names))
        cal_rev = np.bincount(codes, weights=table["monetary"].to_numpy(), minlength=len(names))
        hold_rev = np.bincount(codes, weights=hold_value, minlength=len(names))
        repeat = np.bincount(codes, weights=bought, minlength=len(names))
        for k, s in enumerate(names):
            seg_rows.append({
                "scheme": scheme, "rank": k + 1, "code": s.key, "segment": s.en, "segment_zh": s.zh,
                "customers": int(counts[k]), "customer_share": counts[k] / len(codes),
                "calibration_revenue": float(cal_rev[k]),
                "holdout_revenue": float(hold_rev[k]),
                "holdout_revenue_share": float(hold_rev[k] / hold_value.sum()) if has_value else float("nan"),
                "holdout_revenue_per_customer": float(hold_rev[k] / counts[k]) if counts[k] else float("nan"),
                "repeat_rate": float(repeat[k] / counts[k]) if counts[k] else float("nan"),
                "action_en": s.action_en, "action_zh": s.action_zh,
            })
        if has_value:
            curves.append(metrics.lorenz_curve(score, hold_value).assign(scheme=scheme))
    if oracle is not None:
        curves.append(oracle.assign(scheme="oracle"))
    lorenz = (pd.concat(curves, ignore_index=True)[["scheme", "customer_share", "value_share"]]
              if curves else pd.DataFrame(columns=["scheme", "customer_share", "value_share"]))
    agreement = pd.DataFrame(
        [[1.0 if a == b else metrics.adjusted_rand(_segment_codes(seg_cal[a]), _segment_codes(seg_cal[b]))
          for b in schemes] for a in schemes],
        index=pd.Index(schemes, name="scheme"), columns=list(schemes))
    segments = pd.DataFrame({s: pd.Categorical(seg_cal[s]) for s in schemes}, index=table.index)
    return EvaluationResult(pd.DataFrame(rows), pd.DataFrame(seg_rows), segments, lorenz, agreement, table, fit,
                            periods, notes)
