"""Segment names (English and Chinese) and the recommended action for each segment.

Segments of every scheme are listed from the most to the least valuable: this declared order is
what the holdout evaluation ranks customers by ("top segment" = first one).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang


@dataclass(frozen=True)
class Segment:
    key: str
    en: str
    zh: str
    action_en: str
    action_zh: str


# The seed's RFM mean split (doc 003): 8 classes by R, F, M above/below the mean. Keys are the
# arrows (R, F, M); the order is the customary listing (M first, then R, then F).
MEAN_SPLIT = [
    Segment("R↑F↑M↑", "Key value customers", "重要价值客户",
            "Keep them delighted: VIP service, early access and a named contact; no needless discounts.",
            "保持现状：提供VIP专属服务、优先权益和专人维护，避免无谓的打折。"),
    Segment("R↑F↓M↑", "Key customers to develop", "重要发展客户",
            "Raise purchase frequency: loyalty points, replenishment reminders, bundles.",
            "提高购买频次：会员积分、定期提醒、组合推荐。"),
    Segment("R↓F↑M↑", "Key customers to retain", "重要保持客户",
            "Reach out in person: they bought often and much but not lately; find out why.",
            "主动联系召回：曾经高频高额但近期未购买，专人回访了解原因。"),
    Segment("R↓F↓M↑", "Key customers to win back", "重要挽留客户",
            "Win back first: big spenders drifting away; targeted offer and a satisfaction check.",
            "重点挽留：消费额高但久未购买，定向优惠并调查不满意的原因。"),
    Segment("R↑F↑M↓", "Ordinary value customers", "一般价值客户",
            "Raise order value: cross-sell and up-sell.",
            "提升客单价：交叉销售和向上销售。"),
    Segment("R↑F↓M↓", "Ordinary customers to develop", "一般发展客户",
            "Nurture new and occasional buyers: onboarding, low-cost promotions.",
            "培育新客和偶尔购买者：新客引导、低成本促销。"),
    Segment("R↓F↑M↓", "Ordinary customers to retain", "一般保持客户",
            "Low-cost reactivation: automated reminders and coupons.",
            "低成本唤醒：自动提醒和优惠券。"),
    Segment("R↓F↓M↓", "Ordinary customers to win back", "一般挽留客户",
            "Lowest priority: mass low-cost contact only; accept some churn.",
            "最低优先级：只做低成本群发触达，可接受部分流失。"),
]

# Quintile scores: named cells of the R score x FM score grid (FM = (F + M) / 2 rounded up).
QUINTILE = [
    Segment("champions", "Champions", "冠军客户",
            "Reward them: early access, referral programme, ask for reviews.",
            "奖励他们：新品抢先体验、推荐计划、邀请评价。"),
    Segment("loyal", "Loyal customers", "忠诚客户",
            "Up-sell higher-value products; loyalty programme tiers.",
            "推荐更高价值的产品；会员等级计划。"),
    Segment("potential_loyalists", "Potential loyalists", "潜在忠诚客户",
            "Offer membership and personalised recommendations to build the habit.",
            "提供会员资格和个性化推荐，培养购买习惯。"),
    Segment("cant_lose", "Can't lose them", "不能失去的客户",
            "Win them back personally before a competitor does; renewal offers.",
            "在竞争对手之前亲自挽回；提供续购优惠。"),
    Segment("at_risk", "At risk", "流失风险客户",
            "Personalised reactivation: reminders of what they bought, limited-time offers.",
            "个性化唤醒：提醒曾购商品，限时优惠。"),
    Segment("new", "New customers", "新客户",
            "Onboarding: welcome series, first-repeat incentive.",
            "新客引导：欢迎系列、复购激励。"),
    Segment("promising", "Promising", "有潜力的新客",
            "Build awareness of the range; small incentives for the next purchase.",
            "介绍更多产品；为下一次购买提供小额激励。"),
    Segment("need_attention", "Need attention", "需要关注的客户",
            "Time-limited offers based on past purchases.",
            "基于购买历史的限时优惠。"),
    Segment("about_to_sleep", "About to sleep", "即将沉睡的客户",
            "Reactivate cheaply: popular products, discounts.",
            "低成本唤醒：热门商品、折扣。"),
    Segment("hibernating", "Hibernating", "沉睡客户",
            "Occasional low-cost contact; do not overspend.",
            "偶尔低成本联系；不要过度投入。"),
    Segment("lost", "Lost", "已流失客户",
            "Ignore, or one last win-back campaign.",
            "放弃，或做最后一次挽回活动。"),
]

# Buttle's strategically significant customers: the top customers making 80% of value (80/20).
PARETO = [
    Segment("significant", "Strategically significant", "具有战略意义的客户",
            "Key-account management: dedicated service, joint planning, priority in every channel.",
            "大客户管理：专属服务、联合规划、各渠道优先。"),
    Segment("other", "Other customers", "其他客户",
            "Serve efficiently through low-cost channels; watch for those who grow.",
            "通过低成本渠道高效服务；关注正在成长的客户。"),
]

# IDIC differentiate step (Peppers & Rogers): actual value x potential (strategic) value.
IDIC = [
    Segment("mvc_growth", "Most valuable, growable", "最有价值且可增长客户",
            "Invest: one-to-one relationship, customised offers, grow share of wallet.",
            "重点投入：一对一关系、定制化产品，提高钱包份额。"),
    Segment("mgc", "Most growable customers", "最具增长潜力客户",
            "Develop: interact to learn their needs, tailor offers to unlock potential.",
            "发展：通过互动了解需求，定制产品释放潜力。"),
    Segment("mvc", "Most valuable customers", "最有价值客户",
            "Retain: protect the relationship, recognise and reward loyalty.",
            "保持：维护关系，认可并奖励忠诚。"),
    Segment("low", "Low-maintenance customers", "低维护客户",
            "Serve at low cost through standard channels.",
            "通过标准渠道低成本服务。"),
]

# Model-based: BG/NBD + Gamma-Gamma expected value over the horizon, by quintile.
CLV = [
    Segment("clv_q5", "Top 20% predicted value", "预测价值前 20%",
            "Invest retention budget in proportion to predicted value.",
            "按预测价值比例投入保留预算。"),
    Segment("clv_q4", "Predicted value 60-80%", "预测价值 60-80%",
            "Develop: cross-sell to move them up.",
            "发展：交叉销售，推动升级。"),
    Segment("clv_q3", "Predicted value 40-60%", "预测价值 40-60%",
            "Standard service; test low-cost offers.",
            "标准服务；测试低成本优惠。"),
    Segment("clv_q2", "Predicted value 20-40%", "预测价值 20-40%",
            "Automated, low-cost contact.",
            "自动化低成本联系。"),
    Segment("clv_q1", "Bottom 20% predicted value", "预测价值后 20%",
            "Minimal spend; likely inactive.",
            "最低投入；大概率已不活跃。"),
]

SCHEMES: dict[str, list[Segment]] = {
    "mean_split": MEAN_SPLIT,
    "quintile": QUINTILE,
    "pareto": PARETO,
    "idic": IDIC,
    "clv": CLV,
}

SCHEME_TITLES = {
    "mean_split": ("RFM mean split (8 classes)", "RFM 均值划分（8 类）"),
    "quintile": ("RFM quintile scores (named segments)", "RFM 五分位评分（命名细分）"),
    "pareto": ("Strategically significant customers (Pareto 80/20)", "具有战略意义的客户（帕累托 80/20）"),
    "idic": ("IDIC differentiation (value x potential)", "IDIC 客户区分（价值 × 潜力）"),
    "clv": ("BG/NBD + Gamma-Gamma predicted value", "BG/NBD + Gamma-Gamma 预测价值"),
}


def _scheme(scheme: str) -> list[Segment]:
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme={scheme!r}: expected one of {', '.join(map(repr, SCHEMES))}")
    return SCHEMES[scheme]


def assign_segments(table: pd.DataFrame, scheme: str, codes: np.ndarray) -> None:
    """Set ``segment_<scheme>`` (English) and ``segment_<scheme>_zh`` on ``table``, in place.

    ``codes`` are positions in the scheme's declared order (0 = most valuable); both columns are
    ordered categoricals over all the scheme's segments, so that empty segments keep their place.

    Examples
    --------
    >>> t = pd.DataFrame(index=["a", "b"])
    >>> assign_segments(t, "pareto", np.array([1, 0]))
    >>> t["segment_pareto_zh"].tolist()
    ['其他客户', '具有战略意义的客户']
    """
    segs = _scheme(scheme)
    for column, attr in ((f"segment_{scheme}", "en"), (f"segment_{scheme}_zh", "zh")):
        table[column] = pd.Categorical.from_codes(codes, categories=[getattr(s, attr) for s in segs], ordered=True)


def segment_names(scheme: str) -> pd.DataFrame:
    """Segments of ``scheme``, most valuable first, with names and recommended actions in both languages.

    Examples
    --------
    >>> segment_names("mean_split").loc[0, ["code", "name_zh"]].tolist()
    ['R↑F↑M↑', '重要价值客户']
    """
    rows = [{"rank": i + 1, "code": s.key, "name_en": s.en, "name_zh": s.zh,
             "action_en": s.action_en, "action_zh": s.action_zh} for i, s in enumerate(_scheme(scheme))]
    return pd.DataFrame(rows)


def recommended_actions(scheme: str, lang: str = "en") -> pd.DataFrame:
    """Segment name and recommended action in ``lang`` (``"en"`` or ``"zh"``), most valuable first.

    Examples
    --------
    >>> recommended_actions("pareto", "zh").iloc[0, 0]
    '具有战略意义的客户'
    """
    check_lang(lang)
    names = segment_names(scheme)
    out = names[[f"name_{lang}", f"action_{lang}"]]
    return out.set_axis(["segment", "action"], axis=1)


def translate(labels: pd.Series | pd.Categorical, scheme: str, lang: str) -> pd.Series:
    """English segment labels of ``scheme`` to ``lang``, keeping the declared order."""
    check_lang(lang)
    segs = _scheme(scheme)
    mapping = {s.en: (s.zh if lang == "zh" else s.en) for s in segs}
    series = pd.Series(labels)
    values = series.astype(object).map(mapping)
    return pd.Series(pd.Categorical(values, categories=[mapping[s.en] for s in segs], ordered=True),
                     index=series.index, name=series.name)


# Rows of ReadReport.summary() (crm_analysis.segment.reader) as a report shows them.
READ_ITEMS = {
    "source": ("source", "数据来源"), "rows read": ("rows read", "读取行数"), "rows kept": ("rows kept", "保留行数"),
    "customers": ("customers", "客户数"), "first date": ("first date", "最早日期"), "last date": ("last date", "最晚日期"),
    "negative amounts": ("negative amounts (returns)", "金额为负（退货）"), "missing amounts": ("missing amounts", "金额缺失"),
    "zero amounts": ("zero amounts", "金额为零"),
}
_READ_REASONS_ZH = {"negative amount": "金额为负（退货）", "missing amount": "金额缺失", "unparseable date": "日期无法解析",
                    "missing amount (counted as 0)": "金额缺失（按 0 计）"}


def read_summary_items(items: pd.Series | list[str], lang: str = "en") -> list[str]:
    """The ``item`` labels of ``ReadReport.summary()`` in ``lang`` (``"dropped: ..."`` rows included).

    Examples
    --------
    >>> read_summary_items(["rows kept", "dropped: negative amount"], "zh")
    ['保留行数', '已删除：金额为负（退货）']
    """
    check_lang(lang)
    out = []
    for item in list(items):
        if item in READ_ITEMS:
            out.append(READ_ITEMS[item][1 if lang == "zh" else 0])
            continue
        kind, _, reason = str(item).partition(": ")
        if lang == "zh" and kind in ("dropped", "kept") and reason:
            out.append(("已删除：" if kind == "dropped" else "已保留：") + _READ_REASONS_ZH.get(reason, reason))
        else:
            out.append(str(item))
    return out


# Rows of the holdout evaluation (EvaluationResult.table) as a report shows them: (en, zh, format).
# Formats: "pct" share as a percentage, "fN" N decimals, "int" whole number, "text" as it is.
EVALUATION_ROWS = [
    ("segments", "segments", "细分数", "int"),
    ("top_segment", "top segment", "顶层细分", "text"),
    ("top_customer_share", "top segment: share of customers", "顶层细分的客户占比", "pct"),
    ("captured_revenue", "captured revenue", "收入捕获率", "pct"),
    ("lift", "lift", "提升度", "f2"),
    ("repeat_rate_top", "repeat rate: top segment", "顶层细分的再次购买率", "pct"),
    ("repeat_rate_all", "repeat rate: all customers", "全部客户的再次购买率", "pct"),
    ("auc", "AUC", "AUC", "f3"),
    ("gini", "Gini", "Gini", "f3"),
    ("gini_normalized", "Gini, normalised", "标准化 Gini", "f3"),
    ("stability_ari", "stability: adjusted Rand", "稳定性：调整兰德指数", "f2"),
    ("stability_same", "stability: customers in the same segment", "稳定性：细分不变的客户比例", "pct"),
    ("score", "continuous score behind the segments", "细分背后的连续得分", "text"),
    ("auc_score", "AUC of the score", "得分的 AUC", "f3"),
    ("gini_score", "Gini of the score", "得分的 Gini", "f3"),
]
SCORE_NAMES = {"rfm_score": ("RFM score (R + F + M)", "RFM 总分（R + F + M）"),
               "monetary": ("money spent", "消费金额"), "clv": ("predicted CLV", "预测 CLV")}


def evaluation_table(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The holdout evaluation for reading: one row per measure, one column per scheme, as text.

    ``table`` is ``EvaluationResult.table``; the columns are the schemes' titles in ``lang``, the
    rows the measures (named in ``lang``), each formatted as a reader expects (shares as
    percentages). A scheme without a continuous score reads "none" in the score rows.

    Examples
    --------
    >>> tab = pd.DataFrame({"scheme": ["pareto"], "segments": [2], "top_segment": ["Strategically significant"],
    ...                     "top_segment_zh": ["具有战略意义的客户"], "auc": [0.6724], "score": ["monetary"],
    ...                     "auc_score": [0.71]})
    >>> evaluation_table(tab, "zh").loc["顶层细分"].tolist()
    ['具有战略意义的客户']
    """
    check_lang(lang)
    zh = lang == "zh"
    none = "无" if zh else "none"
    cols = {}
    for _, row in table.iterrows():
        values = {}
        for key, en, zh_name, kind in EVALUATION_ROWS:
            if key not in row.index:
                continue
            v = row["top_segment_zh"] if (zh and key == "top_segment" and "top_segment_zh" in row.index) else row[key]
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                text = none
            elif key == "score":
                text = SCORE_NAMES.get(v, (v, v))[1 if zh else 0]
            elif kind == "pct":
                text = f"{v:.1%}"
            elif kind == "int":
                text = f"{int(v):,}"
            elif kind.startswith("f"):
                text = f"{v:.{int(kind[1:])}f}"
            else:
                text = str(v)
            values[zh_name if zh else en] = text
        cols[SCHEME_TITLES[row["scheme"]][1 if zh else 0]] = values
    out = pd.DataFrame(cols)
    out.index.name = "指标" if zh else "measure"
    return out
