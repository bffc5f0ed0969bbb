"""A like-with-like comparison of segmentation schemes, with naive baselines and bootstrap intervals.

:func:`crm_analysis.segment.evaluate` judges each scheme by its own top segment, but the schemes
have 2 to 10 segments and top segments of very different sizes: a scheme whose top segment holds
40 % of the customers captures more revenue than one whose top segment holds 5 %, without ranking
customers any better. :func:`fair_comparison` therefore

* compares every scheme **at equal depth**: the share of holdout revenue (``captured_at_10pct``
  ...) and of holdout repeat buyers (``repeat_captured_at_10pct`` ...) bought by the best 10, 20
  and 30 % of customers (customers tied in one segment are taken in random order, i.e. the
  Lorenz curve is read at that depth);
* puts **naive baselines** in the same table: ``recency_only`` (days since the last purchase,
  fewer is better), ``frequency_only`` (number of purchases) and ``monetary_only`` (calibration
  spend). A scheme earns its complexity only if it beats these;
* ranks the segments of each scheme in an order **learned on calibration data**: the schemes are
  run on the first half of the calibration period and their segments ordered by what their
  customers spent in the second half (revenue per customer); the declared order of the source
  is kept beside it (``order_changed``);
* gives **bootstrap intervals** (customers resampled with replacement) on AUC, Gini, captured
  revenue and lift at each depth, and on the differences between every two rows, so that a
  conclusion says only what the intervals support.

Examples
--------
>>> import numpy as np
>>> captured_at([3, 2, 1, 0], [5.0, 3.0, 2.0, 0.0], [0.25, 0.5])
array([0.5, 0.8])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang, t
from crm_analysis.segment import metrics
from crm_analysis.segment.evaluate import DEFAULT_SCHEMES, EvaluationResult, evaluate
from crm_analysis.segment.names import SCHEME_TITLES

BASELINES = ("recency_only", "frequency_only", "monetary_only")
DEPTHS = (0.1, 0.2, 0.3)
BASELINE_TITLES = {
    "recency_only": ("Recency alone (naive baseline)", "仅按最近一次消费（朴素基准）"),
    "frequency_only": ("Frequency alone (naive baseline)", "仅按消费频率（朴素基准）"),
    "monetary_only": ("Monetary value alone (naive baseline)", "仅按消费金额（朴素基准）"),
}
# what each row actually ranks customers by (its proxy of "valuable customer")
PROXIES = {
    "mean_split": ("8 classes from R, F and M each above or below the mean", "R、F、M 各高于或低于均值得到的 8 类"),
    "quintile": ("named segments of the R+F+M quintile score sum", "R+F+M 五分位得分之和划分的命名细分"),
    "pareto": ("calibration spend: the customers who make up 80 % of it", "校准期消费金额：贡献其 80% 的客户"),
    "idic": ("calibration spend (value) × purchase rate (potential)", "校准期消费金额（价值）× 购买频率（潜力）"),
    "clv": ("predicted holdout value from BG/NBD + Gamma-Gamma", "BG/NBD + Gamma-Gamma 预测的保留期价值"),
    "recency_only": ("days since the last calibration purchase (fewer is better)", "距校准期最后一次购买的天数（越少越好）"),
    "frequency_only": ("number of calibration purchases", "校准期购买次数"),
    "monetary_only": ("calibration spend", "校准期消费金额"),
}


def title(row: str, lang: str = "en") -> str:
    """Display name of a scheme or baseline."""
    pair = SCHEME_TITLES.get(row) or BASELINE_TITLES[row]
    return t(*pair, lang)


def _depth_key(depth: float) -> str:
    return f"{round(depth * 100):d}pct"


def _check_depths(depths: Sequence[float]) -> tuple[float, ...]:
    try:
        out = tuple(float(d) for d in depths)
    except (TypeError, ValueError):
        raise ParameterError(f"depths={depths!r}: expected shares of customers such as (0.1, 0.2, 0.3)") from None
    if not out or any(not 0 < d < 1 for d in out):
        raise ParameterError(f"depths={depths!r}: expected shares of customers strictly between 0 and 1")
    return out


def captured_at(score: Any, value: Any, depths: Sequence[float] = DEPTHS) -> np.ndarray:
    """Share of total ``value`` held by the best ``depth`` share of customers, for each depth.

    Customers are taken best score first; customers tied on a score are in random order, so a
    tied group counts in proportion to the part of it that falls inside the depth (the expected
    value over random tie-breaks). This is the Lorenz curve of :func:`metrics.lorenz_curve` read
    at ``depth``.
    """
    d = np.asarray(_check_depths(depths))
    s, v = metrics._arrays(score, value)
    n, val = metrics._groups(s, v)
    total = v.sum()
    if total == 0:
        return np.full(len(d), np.nan)
    x = np.concatenate([[0.0], np.cumsum(n) / n.sum()])
    y = np.concatenate([[0.0], np.cumsum(val) / total])
    return np.interp(d, x, y)


def _stats(score: np.ndarray, value: np.ndarray, bought: np.ndarray, depths: np.ndarray) -> np.ndarray:
    """AUC, Gini, then captured revenue, captured repeat buyers and lift at each depth."""
    rev = captured_at(score, value, depths)
    rep = captured_at(score, bought, depths)
    return np.concatenate([[metrics.auc(score, bought), metrics.gini(score, value)], rev, rep, rev / depths])


def _stat_names(depths: Sequence[float]) -> list[str]:
    keys = [_depth_key(d) for d in depths]
    return (["auc", "gini"] + [f"captured_at_{k}" for k in keys] + [f"repeat_captured_at_{k}" for k in keys]
            + [f"lift_at_{k}" for k in keys])


def learned_orders(tx: pd.DataFrame, customer: str, date: str, amount: str, periods: dict[str, pd.Timestamp],
                   schemes: Sequence[str], **scheme_options: Any) -> pd.DataFrame:
    """Order of each scheme's segments learned inside the calibration period.

    The schemes are run on the first half of the calibration period and judged on its second
    half (an inner calibration/holdout split); the segments are ranked by revenue per customer in
    that second half. Segments without customers there follow, in their declared order.

    Returns a tidy DataFrame: ``scheme``, ``segment``, ``declared_rank``, ``learned_rank`` and
    ``inner_revenue_per_customer``.
    """
    start, end = periods["calibration_start"], periods["calibration_end"]
    inner_end = start + (end - start) / 2
    inner_end = pd.Timestamp(inner_end.date())
    dates = pd.to_datetime(tx[date])
    inner = evaluate(tx[dates <= end], customer, date, amount, calibration_end=inner_end, holdout_end=end,
                     schemes=schemes, **scheme_options)
    rows = []
    for scheme, st in inner.segment_table.groupby("scheme", sort=False):
        per = st["holdout_revenue_per_customer"].to_numpy(dtype=float)
        key = np.where(np.isnan(per), -np.inf, per)
        # stable sort: ties (and empty segments) keep the declared order
        order = np.argsort(-key, kind="stable")
        learned = np.empty(len(st), dtype=int)
        learned[order] = np.arange(1, len(st) + 1)
        for (_, row), lr, p in zip(st.iterrows(), learned, per):
            rows.append({"scheme": scheme, "segment": row["segment"], "declared_rank": int(row["rank"]),
                         "learned_rank": int(lr), "inner_revenue_per_customer": float(p)})
    out = pd.DataFrame(rows)
    out.attrs["inner_calibration_end"] = inner_end
    return out


@dataclass
class FairComparison:
    """Output of :func:`fair_comparison`.

    Attributes
    ----------
    table : DataFrame
        One row per scheme and baseline (``kind``: scheme or baseline; ``proxy_en``/``proxy_zh``:
        what it ranks by): ``auc``, ``gini``, ``captured_at_10pct`` ..., ``repeat_captured_at_10pct``
        ..., ``lift_at_10pct`` ..., each with ``_ci_low``/``_ci_high`` (percentile bootstrap),
        ``auc_declared`` (AUC in the source's declared segment order) and ``order_changed``.
    differences : DataFrame
        Every ordered pair ``a``, ``b`` and statistic: ``difference`` (a − b) with its bootstrap
        interval and ``supported`` (the interval excludes 0).
    orders : DataFrame
        The learned segment orders (:func:`learned_orders`).
    scores : DataFrame
        Calibration customers × rows: the score each row ranks by (higher = better), with the
        holdout outcomes ``holdout_revenue`` and ``bought``.
    """

    table: pd.DataFrame
    differences: pd.DataFrame
    orders: pd.DataFrame
    scores: pd.DataFrame
    depths: tuple[float, ...]
    n_boot: int
    level: float
    notes: list[str] = field(default_factory=list)

    def difference(self, a: str, b: str, stat: str = "auc") -> pd.Series:
        """The bootstrap difference ``a − b`` of one statistic."""
        d = self.differences
        hit = d[(d["a"] == a) & (d["b"] == b) & (d["stat"] == stat)]
        if hit.empty:
            raise ParameterError(f"a={a!r}, b={b!r}, stat={stat!r}: no such comparison; rows are "
                                 f"{', '.join(self.table['row'])}")
        return hit.iloc[0]

    def tied_with_best(self, stat: str = "captured_at_20pct") -> tuple[str, list[str]]:
        """The row with the highest ``stat`` and the rows whose difference from it is not supported."""
        tab = self.table.set_index("row")
        best = str(tab[stat].idxmax())
        tied = [r for r in tab.index if r != best and not bool(self.difference(best, r, stat)["supported"])]
        return best, tied

    def conclusions(self, lang: str = "en") -> list[str]:
        """Findings worded by what the intervals support (no superlative without a supported difference)."""
        check_lang(lang)
        tab = self.table.set_index("row")
        lvl = f"{self.level:.0%}"
        out = []
        for stat, en, zh in (("captured_at_20pct", "share of holdout revenue bought by the best 20 % of customers",
                              "最好的 20% 客户贡献的保留期收入比例"),
                             ("auc", "AUC for buying again in the holdout", "区分保留期内是否再次购买的 AUC")):
            best, tied = self.tied_with_best(stat)
            fmt = (lambda v: f"{v:.1%}") if stat.startswith("captured") else (lambda v: f"{v:.3f}")
            head = (f"{title(best, lang)}{t(' ', '：', lang)}{fmt(tab.loc[best, stat])} "
                    f"[{fmt(tab.loc[best, stat + '_ci_low'])}, {fmt(tab.loc[best, stat + '_ci_high'])}]")
            if tied:
                names = t(", ", "、", lang).join(f"{title(r, lang)}{t(' (', '（', lang)}{fmt(tab.loc[r, stat])}{t(')', '）', lang)}" for r in tied)
                out.append(t(f"On the {en}, the highest is {head}, but its difference from {names} is within the "
                             f"{lvl} bootstrap interval of zero: these cannot be told apart on these data.",
                             f"就{zh}而言，最高的是{head}，但它与{names}之差的 {lvl} 自助法区间包含 0：在本数据上无法区分。",
                             lang))
            else:
                out.append(t(f"On the {en}, {head} is ahead of every other row, and each difference's {lvl} bootstrap "
                             f"interval excludes zero.",
                             f"就{zh}而言，{head}，领先其他所有方案，且各差值的 {lvl} 自助法区间都不含 0。", lang))
        base = [b for b in BASELINES if b in tab.index]
        schemes = [r for r in tab.index if r not in BASELINES]
        if base and schemes:
            b = max(base, key=lambda r: tab.loc[r, "auc"])
            beaten = [s for s in schemes if bool(self.difference(s, b, "auc")["supported"])
                      and self.difference(s, b, "auc")["difference"] > 0]
            if beaten:
                out.append(t(f"Against the best naive baseline, {title(b, lang)} (AUC {tab.loc[b, 'auc']:.3f}), only "
                             f"{', '.join(title(s, lang) for s in beaten)} do(es) better with an interval excluding zero.",
                             f"与最好的朴素基准{title(b, lang)}（AUC {tab.loc[b, 'auc']:.3f}）相比，只有"
                             f"{'、'.join(title(s, lang) for s in beaten)}更好且区间不含 0。", lang))
            else:
                out.append(t(f"No scheme tells repeat buyers apart better than {title(b, lang)} (AUC "
                             f"{tab.loc[b, 'auc']:.3f}) with an interval excluding zero: the frameworks' segmentations "
                             f"add nothing here over a one-variable rule.",
                             f"没有任何方案在区分再次购买者上以不含 0 的区间优于{title(b, lang)}（AUC "
                             f"{tab.loc[b, 'auc']:.3f}）：在这里，各框架的细分并不比单一变量规则更好。", lang))
        changed = [s for s in schemes if bool(tab.loc[s, "order_changed"])]
        if changed:
            out.append(t(f"Learned on calibration data, the order of the segments differs from the declared one for "
                         f"{', '.join(title(s, lang) for s in changed)}; the table uses the learned order.",
                         f"在校准数据上学得的细分顺序与来源声明的顺序不同的方案：{'、'.join(title(s, lang) for s in changed)}；"
                         f"表中采用学得的顺序。", lang))
        return out

    def summary(self, lang: str = "en") -> pd.DataFrame:
        """The table for reading: title, proxy and the main statistics with their intervals, rounded."""
        check_lang(lang)
        cols = ["auc", "auc_ci_low", "auc_ci_high", "gini", "gini_ci_low", "gini_ci_high"]
        for d in self.depths:
            k = _depth_key(d)
            cols += [f"captured_at_{k}", f"captured_at_{k}_ci_low", f"captured_at_{k}_ci_high", f"repeat_captured_at_{k}"]
        out = self.table[["row"] + cols].copy()
        out.insert(1, "title", [title(r, lang) for r in out["row"]])
        out.insert(2, "proxy", self.table[f"proxy_{lang}"].to_numpy())
        return out.drop(columns="row").round(4)


def fair_comparison(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date", amount: str = "dollar_value",
                    calibration_end: Any = "1997-09-30", holdout_end: Any = None,
                    schemes: Sequence[str] | str = DEFAULT_SCHEMES, *, depths: Sequence[float] = DEPTHS,
                    baselines: Sequence[str] = BASELINES, n_boot: int = 200, level: float = 0.95, seed: int = 1,
                    learn_order: bool = True, evaluation: EvaluationResult | None = None, returns: str = "keep",
                    pareto_share: float = 0.8, idic_quantiles: tuple[float, float] = (0.8, 0.8)) -> FairComparison:
    """Compare the schemes and the naive baselines like with like (see the module's documentation).

    Parameters
    ----------
    tx, customer, date, amount, calibration_end, holdout_end, schemes, returns, pareto_share, idic_quantiles
        As in :func:`crm_analysis.segment.evaluate`.
    depths : sequence of float
        Shares of customers (best first) at which captured revenue, repeat buyers and lift are read.
    baselines : sequence of str
        Among ``recency_only``, ``frequency_only``, ``monetary_only``.
    n_boot : int
        Bootstrap resamples of customers (0: no intervals).
    level : float
        Coverage of the percentile intervals.
    learn_order : bool
        Rank segments in the order learned on calibration data (default) or in the declared one.
    evaluation : EvaluationResult, optional
        An :func:`evaluate` result on the same data and arguments, to avoid recomputing it.
    """
    depths = _check_depths(depths)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise ParameterError(f"n_boot={n_boot!r}: expected a whole number of resamples (0 for none)")
    if not isinstance(level, float) or not 0.5 <= level < 1:
        raise ParameterError(f"level={level!r}: expected a coverage such as 0.95")
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ParameterError(f"baselines={list(baselines)!r}: expected any of {', '.join(BASELINES)}")
    options = {"pareto_share": pareto_share, "idic_quantiles": idic_quantiles, "returns": returns}
    ev = evaluation if evaluation is not None else evaluate(tx, customer, date, amount, calibration_end, holdout_end,
                                                            schemes, **options)
    schemes = list(ev.segments.columns)
    table = ev.rfm
    value = table["holdout_revenue"].to_numpy(dtype=float)
    bought = (table["holdout_transactions"].to_numpy() > 0).astype(float)
    orders = (learned_orders(tx, customer, date, amount, ev.periods, schemes, **options) if learn_order
              else pd.DataFrame(columns=["scheme", "segment", "declared_rank", "learned_rank",
                                         "inner_revenue_per_customer"]))
    scores: dict[str, np.ndarray] = {}
    declared: dict[str, np.ndarray] = {}
    changed: dict[str, bool] = {}
    for s in schemes:
        cats = pd.Categorical(ev.segments[s])
        declared[s] = -np.asarray(cats.codes, dtype=float)
        if learn_order:
            o = orders[orders["scheme"] == s].set_index("segment")["learned_rank"]
            rank = pd.Series(np.asarray(cats.astype(str))).map(o).to_numpy(dtype=float)
            scores[s] = -rank
            changed[s] = bool((o.to_numpy() != orders[orders["scheme"] == s]["declared_rank"].to_numpy()).any())
        else:
            scores[s] = declared[s]
            changed[s] = False
    base_scores = {"recency_only": -table["recency"].to_numpy(dtype=float),
                   "frequency_only": table["frequency"].to_numpy(dtype=float),
                   "monetary_only": table["monetary"].to_numpy(dtype=float)}
    for b in baselines:
        scores[b] = base_scores[b]
    rows = list(scores)
    names = _stat_names(depths)
    d = np.asarray(depths)
    point = np.array([_stats(scores[r], value, bought, d) for r in rows])  # rows x stats
    alpha = (1 - level) / 2
    rng = np.random.default_rng(seed)
    n = len(value)
    boot = np.full((n_boot, len(rows), len(names)), np.nan)
    for i in range(n_boot):
        idx = rng.integers(0, n, n)
        v, y = value[idx], bought[idx]
        for j, r in enumerate(rows):
            boot[i, j] = _stats(scores[r][idx], v, y, d)
    out = pd.DataFrame(point, columns=names)
    out.insert(0, "row", rows)
    out.insert(1, "kind", ["scheme" if r in schemes else "baseline" for r in rows])
    out.insert(2, "proxy_en", [PROXIES[r][0] for r in rows])
    out.insert(3, "proxy_zh", [PROXIES[r][1] for r in rows])
    for k, name in enumerate(names):
        lo = np.nanquantile(boot[:, :, k], alpha, axis=0) if n_boot else np.full(len(rows), np.nan)
        hi = np.nanquantile(boot[:, :, k], 1 - alpha, axis=0) if n_boot else np.full(len(rows), np.nan)
        out[f"{name}_ci_low"] = lo
        out[f"{name}_ci_high"] = hi
    out["auc_declared"] = [metrics.auc(declared[r], bought) if r in declared else np.nan for r in rows]
    out["order_changed"] = [changed.get(r, False) for r in rows]
    diff_rows = []
    for a_i, a in enumerate(rows):
        for b_i, b in enumerate(rows):
            if a == b:
                continue
            for k, name in enumerate(names):
                dd = boot[:, a_i, k] - boot[:, b_i, k]
                lo, hi = ((float(np.nanquantile(dd, alpha)), float(np.nanquantile(dd, 1 - alpha))) if n_boot
                          else (np.nan, np.nan))
                diff_rows.append({"a": a, "b": b, "stat": name, "difference": float(point[a_i, k] - point[b_i, k]),
                                  "ci_low": lo, "ci_high": hi, "supported": bool(n_boot and (lo > 0 or hi < 0))})
    score_frame = pd.DataFrame(scores, index=table.index).assign(holdout_revenue=value, bought=bought)
    notes = list(ev.notes)
    return FairComparison(out, pd.DataFrame(diff_rows), orders, score_frame, depths, n_boot, level, notes)
