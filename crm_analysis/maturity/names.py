"""Report wording of the maturity evaluation in English and Chinese.

The evaluation functions return their notes (``cfa(...).warnings``, ``predictive_validity(...).notes``)
in English; :func:`note_text` gives a report the same note in Chinese.
"""
from __future__ import annotations

import re

from crm_analysis.i18n import check_lang

__all__ = ["GUTTMAN_NAMES", "METHOD_NAMES", "note_text"]

# Statistics of maturity.guttman(...), as a report names them.
GUTTMAN_NAMES = {
    "reproducibility": ("coefficient of reproducibility", "再现系数"),
    "scalability": ("coefficient of scalability", "可量表化系数"),
    "loevinger_h": ("Loevinger's H", "Loevinger's H"),
    "mmr": ("minimum marginal reproducibility", "最小边际再现系数"),
    "errors": ("Guttman errors", "Guttman 误差数"),
    "n": ("firms", "企业数"),
    "k": ("rungs", "层级数"),
}
# Data-driven groupings of maturity.compare_grouping(...).
METHOD_NAMES = {"gmm": ("Gaussian mixture", "高斯混合模型"), "kmeans": ("k-means", "k 均值")}

_NOTES_ZH = [
    (r"raters are nested in firms: rows are not independent, so chi-square and standard errors are somewhat optimistic",
     "评估者嵌套于企业之内：各行并不独立，因此卡方值和标准误略显乐观"),
    (r"missing values: (\d+) of (\d+) rows have missing indicator values \((.*) cells\); handled by listwise "
     r"deletion, (\d+) rows used",
     r"缺失值：\2 行中有 \1 行存在缺失的指标值（各指标缺失单元格数 \3）；按成列删除处理，使用 \4 行"),
    (r"(\S+) is continuous \((\d+) distinct values\): cut into (\d+) quantile bins (.*)",
     r"\1 为连续变量（\2 个不同取值）：按分位数分为 \3 组 \4"),
    (r"(\d+) firm\(s\) without grade or outcome left out", r"\1 家企业缺少评级或结果变量，未纳入分析"),
    (r"the ordinal logit did not converge: estimates are unreliable", "有序 logit 模型未收敛：估计值不可靠"),
    (r"(.+): coefficient not identified \(separation\); ignore its estimate and p-value",
     r"\1：系数不可识别（完全分离），请忽略其估计值和 p 值"),
    (r"one-factor model: (.*)", r"单因子模型：\1"),
    (r"every firm at grade (\d+) \((\d+)\) is in the highest outcome category \(separation\): (.*)",
     r"等级 \1 的企业（\2 家）全部处于结果变量的最高类别（完全分离）：\3"),
    (r"every firm at grade (\d+) \((\d+)\) is in the lowest outcome category \(separation\): (.*)",
     r"等级 \1 的企业（\2 家）全部处于结果变量的最低类别（完全分离）：\3"),
    (r"its odds ratio is not identified \(infinite\)", "其优势比不可识别（无穷大）"),
    (r"the linear coefficient may be inflated", "线性系数可能被高估"),
]


def note_text(note: str, lang: str = "en") -> str:
    """A note of the maturity evaluation (CFA, predictive validity) in ``lang``.

    Notes without a Chinese wording are returned as they are.

    Examples
    --------
    >>> note_text("3 firm(s) without grade or outcome left out", "zh")
    '3 家企业缺少评级或结果变量，未纳入分析'
    """
    check_lang(lang)
    if lang == "en":
        return note
    for pattern, zh in _NOTES_ZH:
        m = re.fullmatch(pattern, note, flags=re.S)
        if m:
            # a nested part (after "one-factor model:" or "(separation):") is translated too
            parts = [note_text(g, lang) if g and i == len(m.groups()) and pattern.endswith("(.*)") else g
                     for i, g in enumerate(m.groups(), start=1)]
            return re.sub(r"\\(\d)", lambda k: parts[int(k[1]) - 1], zh)
    return note
