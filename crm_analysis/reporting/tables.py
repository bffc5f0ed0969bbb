"""Tables for reports: headers in the report's language, numbers rounded, no meaningless index.

A report shows tidy result tables to readers who never see the code, so :func:`show_table`
turns a result DataFrame into what a reader expects: column headers in English or Chinese
(the common statistical columns are named here, the rest by the caller), numbers with a fixed
number of decimals and thousands separators, counts as whole numbers, shares as percentages,
``True``/``False`` as words, a missing value as a word saying why (never ``NaN``), and the
0, 1, 2 ... row index hidden.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import check_lang

__all__ = ["HEADERS", "header", "show_table"]

# Columns that recur across the result tables of the package: (English, Chinese).
HEADERS: dict[str, tuple[str, str]] = {
    # general
    "n": ("n", "样本量"), "k": ("k", "项数"), "missing": ("missing", "缺失"), "mean": ("mean", "均值"),
    "sd": ("SD", "标准差"), "min": ("min", "最小值"), "max": ("max", "最大值"), "item": ("item", "题项"), "wording": ("question", "题目"),
    "value": ("value", "数值"), "note": ("note", "说明"), "model": ("model", "模型"),
    "parameter": ("parameter", "参数"), "term": ("term", "项"), "problem": ("problem", "问题"),
    "group": ("group", "组别"),
    # estimates and inference
    "estimate": ("estimate", "估计值"), "se": ("SE", "标准误"), "t": ("t", "t 值"), "z": ("z", "z 值"),
    "p": ("p", "p 值"), "ci_low": ("CI low", "置信区间下限"), "ci_high": ("CI high", "置信区间上限"),
    "std_all": ("standardised", "标准化估计值"), "n_boot": ("resamples", "重抽样次数"),
    # structural models
    "construct": ("construct", "构念"), "indicator": ("indicator", "指标"), "from": ("from", "自"),
    "to": ("to", "至"), "construct_1": ("construct 1", "构念 1"), "construct_2": ("construct 2", "构念 2"),
    "r_squared": ("R²", "R²"), "r_squared_adj": ("adjusted R²", "调整 R²"),
    "direct": ("direct", "直接效应"), "indirect": ("indirect", "间接效应"), "total": ("total", "总效应"),
    "total_ci_low": ("total: CI low", "总效应置信区间下限"), "total_ci_high": ("total: CI high", "总效应置信区间上限"),
    "verdict": ("verdict", "判定"), "reason": ("reason", "理由"),
    "alpha": ("Cronbach's α", "Cronbach's α"), "rho_a": ("ρ_A", "ρ_A"), "rho_c": ("ρ_C", "ρ_C"), "ave": ("AVE", "AVE"),
    "omega": ("McDonald's ω", "McDonald's ω"),
    # model fit
    "chi2": ("χ²", "χ²"), "df": ("df", "自由度"), "cfi": ("CFI", "CFI"), "tli": ("TLI", "TLI"),
    "rmsea": ("RMSEA", "RMSEA"), "rmsea_ci_low": ("RMSEA CI low", "RMSEA 置信区间下限"),
    "rmsea_ci_high": ("RMSEA CI high", "RMSEA 置信区间上限"), "srmr": ("SRMR", "SRMR"), "aic": ("AIC", "AIC"),
    "bic": ("BIC", "BIC"), "delta_chi2": ("Δχ²", "Δχ²"), "delta_df": ("Δdf", "Δ自由度"),
    "p_delta": ("p (Δχ²)", "p 值（Δχ²）"), "delta_cfi": ("ΔCFI", "ΔCFI"), "delta_rmsea": ("ΔRMSEA", "ΔRMSEA"),
    # agreement
    "kappa": ("kappa", "kappa"), "weights": ("weights", "权重"), "exact": ("exact agreement", "完全一致率"),
    "within_one": ("within one level", "相差不超过一级"), "mean_shift": ("mean shift", "平均偏移"),
    "pair": ("raters", "评估者"),
    # logistic models
    "coef": ("coefficient", "系数"), "odds_ratio": ("odds ratio", "优势比"),
    # segmentations and their holdout test
    "auc": ("AUC", "AUC"), "gini": ("Gini", "基尼系数"), "difference": ("difference", "差值"),
    "scheme": ("scheme", "方案"), "segment": ("segment", "细分"), "stat": ("statistic", "统计量"),
    "or_low": ("odds ratio: CI low", "优势比置信区间下限"), "or_high": ("odds ratio: CI high", "优势比置信区间上限"),
}

# Columns that hold counts: shown as whole numbers even when stored as floats.
COUNT_COLUMNS = {"n", "k", "df", "delta_df", "n_boot", "n_items", "customers", "segments", "errors", "missing",
                 "rows", "resampled_n"}

# Columns (and an index of that name) that hold construct or item ids, shown under their labels.
LABELLED_COLUMNS = ("construct", "construct_1", "construct_2", "from", "to", "indicator", "item")


# Column names built from a known one: its interval bounds, and shares at a depth.
_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"(.+)_ci_(low|high)"),
     lambda m, lang: (_join_zh(header(m[1], lang), f"置信区间{'下限' if m[2] == 'low' else '上限'}") if lang == "zh"
                      else f"{header(m[1], lang)}: CI {m[2]}") if _known(m[1]) else None),
    (re.compile(r"(repeat_)?captured_at_(\d+)pct"),
     lambda m, lang: (f"前 {m[2]}% 客户的{'再次购买者' if m[1] else '收入'}占比" if lang == "zh"
                      else f"{'repeat buyers' if m[1] else 'revenue'} in the top {m[2]}%")),
)


def _join_zh(a: str, b: str) -> str:
    """Two parts of a Chinese header, with a space after a Latin one (AUC 置信区间下限)."""
    return f"{a} {b}" if a[-1:].isascii() else a + b


def _known(column: str) -> bool:
    return column in HEADERS or any(rx.fullmatch(column) for rx, _ in _PATTERNS)


def header(column: Any, lang: str = "en") -> str:
    """The display header of ``column`` in ``lang`` (the column's own name when it is not a known one).

    Known columns are those of :data:`HEADERS`, their interval bounds (``<name>_ci_low``,
    ``<name>_ci_high``) and the shares at a depth of a segmentation test (``captured_at_20pct``).

    Examples
    --------
    >>> header("ci_low", "zh")
    '置信区间下限'
    >>> header("auc_ci_high", "zh"), header("captured_at_20pct", "en")
    ('AUC 置信区间上限', 'revenue in the top 20%')
    >>> header("something_else", "zh")
    'something_else'
    """
    check_lang(lang)
    names = HEADERS.get(str(column))
    if names is not None:
        return names[1 if lang == "zh" else 0]
    for rx, make in _PATTERNS:
        m = rx.fullmatch(str(column))
        if m and (text := make(m, lang)):
            return text
    return str(column)


def _pick(text: Any, lang: str) -> Any:
    """A ``(en, zh)`` pair picks the language; anything else is used as it is."""
    if isinstance(text, tuple) and len(text) == 2:
        return text[1 if lang == "zh" else 0]
    return text


def _number(v: float, digits: int, count: bool, pct: bool) -> str:
    if count and float(v).is_integer():
        return f"{int(v):,}"
    if pct:
        return f"{v:.{digits}%}"
    return f"{v:,.{digits}f}"


def show_table(frame: pd.DataFrame | pd.Series, lang: str = "en", *,
               columns: Mapping[str, Any] | None = None, digits: int | Mapping[str, int] = 3,
               counts: Iterable[str] = (), percent: Iterable[str] = (), missing: Any = None,
               values: Mapping[str, Mapping[Any, Any]] | None = None, index: bool | None = None,
               p_columns: Iterable[str] | None = None, labels: Mapping[str, str] | None = None) -> Any:
    """A result table ready for a report, as a pandas ``Styler``.

    Parameters
    ----------
    frame : DataFrame or Series
        The result table; it is not modified.
    lang : {"en", "zh"}
        Language of the headers and of the words that replace booleans and missing values.
    columns : mapping, optional
        Header of a column: a string, or an ``(english, chinese)`` pair. Columns not named here
        use :data:`HEADERS`, else their own name. Naming a column ``None`` drops it.
    digits : int or mapping
        Decimals of the float columns (a mapping gives them per column; default 3).
    counts, percent : iterable of str
        Columns shown as whole numbers (besides the usual count columns ``n``, ``df`` ...) and
        columns of shares shown as percentages (with ``digits`` decimals, default 0 for them).
    missing : str, (en, zh) pair or mapping
        What a missing value means, in words: one text for every column or a mapping column ->
        text. Required as soon as the table has a missing value in a shown column: a reader is
        never shown ``NaN``.
    values : mapping, optional
        Column -> {value: display text (str or (en, zh) pair)} for coded values (verdicts, ids).
    index : bool, optional
        Show the row index. By default it is shown unless it is a plain 0, 1, 2 ... range.
    p_columns : iterable of str, optional
        Columns of p-values: below 0.001 they read ``< 0.001``. By default ``p`` and every
        column whose name starts with ``p_``.
    labels : mapping, optional
        Display names of constructs (e.g. ``csi.labels(model, lang)``), applied to the
        columns ``construct``, ``construct_1``, ``construct_2``, ``from``, ``to`` and to an
        index named ``construct``.

    Returns
    -------
    pandas.io.formats.style.Styler
        Text cells left-aligned, numbers right-aligned.

    Examples
    --------
    >>> df = pd.DataFrame({"from": ["IMAG"], "to": ["SAT"], "estimate": [0.43127], "p": [2e-5]})
    >>> html = show_table(df, "zh").to_html()
    >>> "估计值" in html and "0.431" in html and "&lt; 0.001" in html
    True
    """
    check_lang(lang)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"show_table: expected a DataFrame or Series, got {type(frame).__name__}")
    columns = dict(columns or {})
    values = dict(values or {})
    if labels:
        frame = frame.copy()
        for col in LABELLED_COLUMNS:
            if col in frame.columns:
                frame[col] = [labels.get(v, v) for v in frame[col]]
        if frame.index.name in LABELLED_COLUMNS:
            frame.index = pd.Index([labels.get(v, v) for v in frame.index], name=frame.index.name)
    shown = [c for c in frame.columns if not (c in columns and columns[c] is None)]
    data = frame[shown]
    counts = COUNT_COLUMNS | set(counts)
    percent = set(percent)
    p_cols = set(p_columns) if p_columns is not None else {c for c in shown if str(c) == "p" or str(c).startswith("p_")}

    def missing_text(col: Any) -> str:
        text = missing.get(col, missing.get("*")) if isinstance(missing, Mapping) else missing
        if text is None:
            raise ParameterError(f"show_table: column {col!r} has missing values; say what they mean with "
                                 "missing= (a reader is never shown NaN)")
        return str(_pick(text, lang))

    out = pd.DataFrame(index=data.index)
    numeric = []
    for col in shown:
        s = data[col]
        nd = digits.get(col, 0 if col in percent else 3) if isinstance(digits, Mapping) else (
            0 if col in percent and digits == 3 else digits)
        cells = []
        is_num = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        for v in s.tolist():
            if col in values and v in values[col]:
                cells.append(str(_pick(values[col][v], lang)))
            elif v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
                cells.append(missing_text(col))
            elif isinstance(v, (bool, np.bool_)):
                cells.append(("是" if v else "否") if lang == "zh" else ("yes" if v else "no"))
            elif col in p_cols and col not in percent and isinstance(v, (int, float, np.number)):
                cells.append("< 0.001" if v < 0.001 else f"{v:.3f}")
            elif isinstance(v, (int, np.integer)):
                cells.append(f"{int(v):,}" if col not in percent else f"{v:.{nd}%}")
            elif isinstance(v, (float, np.floating)):
                cells.append(_number(float(v), nd, col in counts, col in percent))
            elif isinstance(v, pd.Timestamp):
                cells.append(f"{v:%Y-%m-%d}" if v == v.normalize() else f"{v:%Y-%m-%d %H:%M}")
            else:
                cells.append(str(v))
        out[col] = cells
        if is_num and col not in values:
            numeric.append(col)
    out.columns = [str(_pick(columns[c], lang)) if c in columns else header(c, lang) for c in shown]
    if out.columns.has_duplicates:
        raise ParameterError(f"show_table: two columns would get the same header ({', '.join(out.columns)}); "
                             "name them apart with columns=")
    if index is None:
        index = not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1)
    if index and frame.index.name is not None:
        # a named index becomes the first column: one header row, like every other column
        name = frame.index.name
        out.insert(0, str(_pick(columns[name], lang)) if name in columns else header(name, lang),
                   [str(v) for v in frame.index])
        index = False
    styler = out.style.format(escape="html")
    if not index:
        styler = styler.hide(axis="index")
    right = [out.columns[shown.index(c) + (len(out.columns) - len(shown))] for c in numeric]
    if right:
        styler = styler.set_properties(subset=right, **{"text-align": "right"})
    return styler
