"""Report wording of CB-SEM diagnostics in English and Chinese."""
from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from crm_analysis.i18n import check_lang

__all__ = ["improper_table", "problem_text"]

_KINDS_ZH = {"latent": "潜变量", "indicator": "指标"}
_WHAT_ZH = {"residual variance": "残差方差", "variance": "方差"}
_STD_ZH = {"standardised loading": "标准化载荷", "standardised path coefficient": "标准化路径系数",
           "correlation": "相关系数"}
_FIXED_ZH = {
    "latent covariance matrix not positive definite (smallest eigenvalue)": "潜变量协方差矩阵非正定（最小特征值）",
    "indicator residual covariance matrix (theta) not positive definite (smallest eigenvalue)":
        "指标残差协方差矩阵（theta）非正定（最小特征值）",
    "covariance matrix of the constructs": "构念的协方差矩阵",
    "residual covariance matrix of the indicators": "指标的残差协方差矩阵",
}


def problem_text(problem: str, lang: str = "en") -> str:
    """One symptom of an improper CB-SEM solution (``result.improper["problem"]``) in ``lang``.

    Examples
    --------
    >>> problem_text("negative latent residual variance", "zh")
    '潜变量残差方差为负'
    >>> problem_text("standardised path coefficient beyond ±1", "zh")
    '标准化路径系数超出 ±1'
    """
    check_lang(lang)
    if lang == "en":
        return problem
    if problem in _FIXED_ZH:
        return _FIXED_ZH[problem]
    m = re.fullmatch(r"negative (latent|indicator) (residual variance|variance)", problem)
    if m:
        return f"{_KINDS_ZH[m[1]]}{_WHAT_ZH[m[2]]}为负"
    m = re.fullmatch(r"(latent|indicator) (residual variance|variance) on the boundary \(zero\)", problem)
    if m:
        return f"{_KINDS_ZH[m[1]]}{_WHAT_ZH[m[2]]}处于边界（为零）"
    m = re.fullmatch(r"(.+) beyond ±1", problem)
    if m and m[1] in _STD_ZH:
        return f"{_STD_ZH[m[1]]}超出 ±1"
    return problem


def improper_table(improper: pd.DataFrame, lang: str = "en",
                   labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The ``improper`` table of a CB-SEM result for a report: problems in ``lang``, constructs named.

    ``labels`` maps construct ids to display names (e.g. ``csi.labels(model, lang)``); the
    parameter keeps its lavaan operator (``~`` path, ``~~`` (co)variance, ``=~`` loading).
    The caller's table is not modified.

    Examples
    --------
    >>> bad = pd.DataFrame({"parameter": ["SAT ~~ SAT"], "value": [-0.7],
    ...                     "problem": ["negative latent residual variance"]})
    >>> improper_table(bad, "zh", {"SAT": "顾客满意度"}).loc[0, ["parameter", "problem"]].tolist()
    ['顾客满意度 ~~ 顾客满意度', '潜变量残差方差为负']
    """
    check_lang(lang)
    out = improper.copy()
    names = dict(labels or {})

    def param(p: str) -> str:
        if lang == "zh" and p in _FIXED_ZH:
            return _FIXED_ZH[p]
        return " ".join(names.get(tok, tok) for tok in str(p).split(" "))

    if "parameter" in out.columns:
        out["parameter"] = [param(p) for p in out["parameter"]]
    if "problem" in out.columns:
        out["problem"] = [problem_text(p, lang) for p in out["problem"]]
    return out
