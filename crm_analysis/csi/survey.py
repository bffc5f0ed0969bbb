"""Reading and checking CSI survey files: every problem found, named by column and row.

:func:`check_survey` lists every problem of a survey (a file or a DataFrame) without raising;
:func:`read_survey` raises :class:`~crm_analysis.errors.InputError` with all the errors at once,
or returns a :class:`Survey` whose ``warnings`` say what was done about the rest (rows with no
answer dropped, missing cells and how the estimator will handle them).

Errors: answers outside the declared scale, text in a numeric column, a constant item, fewer
complete rows than the model has parameters, an unknown preset, an indicator prefix or column
that matches nothing, a duplicated column name, an unreadable file. Warnings: rows with no answer
at all (dropped), missing cells (handled by listwise deletion or item-mean imputation), rows
without a group.

Row references: in a file, ``line`` numbers with the header as line 1 (what an editor shows);
in a DataFrame, the index labels.

Language: the messages are in English, or in Chinese with ``lang="zh"``; by default in the
language of the pipeline run (``CRM_ANALYSIS_LANG``, set for the kernel of a Chinese report).
A column is named by its label when the model file (``labels:``) or the SPSS/Stata file gives one,
its id only in parentheses.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem.model import Model

__all__ = ["Survey", "SurveyProblem", "check_scale", "check_survey", "read_survey", "n_parameters", "resolve_model",
           "survey_columns"]

_BLANKS = {"", "na", "n/a", "nan", "null", "none", ".", "-", "#n/a"}
_MAX_LISTED = 5
_MISSING = ("listwise", "mean")
_ESTIMATORS = ("pls", "cbsem", "both")


class SurveyProblem(str):
    """A problem message (a ``str``) with its ``severity`` ("error"/"warning") and ``column``.

    Examples
    --------
    >>> p = SurveyProblem("2 answers outside the scale", "error", "PERQ1")
    >>> p.severity, p.column, str(p)
    ('error', 'PERQ1', "column 'PERQ1': 2 answers outside the scale")
    """

    severity: str
    column: str | None
    message: str

    def __new__(cls, message: str, severity: str = "error", column: str | None = None, *, lang: str = "en",
                name: str | None = None) -> "SurveyProblem":
        obj = super().__new__(cls, _column_prefix(column, lang, name) + message)
        obj.severity = severity
        obj.column = column
        obj.message = message
        obj.lang = lang
        obj.name = name
        return obj

    def __reduce__(self):  # keep pickling (and copies) working for a str subclass
        return (_survey_problem, (self.message, self.severity, self.column, self.lang, self.name))


def _survey_problem(message: str, severity: str, column: str | None, lang: str, name: str | None) -> SurveyProblem:
    return SurveyProblem(message, severity, column, lang=lang, name=name)


def _column_prefix(column: str | None, lang: str, name: str | None) -> str:
    """How a message names its column: by the label when there is one, the id in parentheses."""
    if not column:
        return ""
    if lang == "zh":
        return f"{name}（{column} 列）：" if name and name != column else f"“{column}”列："
    return f"{name} (column {column}): " if name and name != column else f"column {column!r}: "


def message_lang(lang: str | None = None) -> str:
    """The language of the messages: ``lang``, else the pipeline run's (``CRM_ANALYSIS_LANG``), else English."""
    from crm_analysis.reporting.notes import LANG_ENV

    lang = lang or os.environ.get(LANG_ENV) or "en"
    return "zh" if lang == "zh" else "en"


def _namer(model: Any, wording: dict[str, str] | None, lang: str) -> Callable[[Any], str]:
    """Column id -> what a reader calls it: the model file's label, the SPSS/Stata wording, a
    construct's label, else the id itself."""
    names: dict[str, str] = {}
    if model is not None:
        from crm_analysis.csi.presets import report_labels

        try:
            names = report_labels(model, lang, wording)
        except Exception:  # a model without labels: ids are names
            names = {}
    for key, text in (wording or {}).items():
        names.setdefault(str(key), str(text))
    return lambda column: names.get(str(column), str(column))


@dataclass
class Survey:
    """A checked survey: numeric item columns on the declared scale, empty rows removed.

    Attributes
    ----------
    data : DataFrame
        Item columns as floats (missing cells as NaN), the group column if any; rows with no
        answer at all are removed. Index: the file's row-number column when it has one, else
        the file line numbers.
    items : list of str
        The item (indicator) columns.
    scale : (float, float) or None
        The declared answer scale.
    group : str or None
    source : str
        File path, or ``"<DataFrame>"``.
    n_raw : int
        Data rows before removing rows with no answer.
    warnings : list of str
        Everything the report must say (dropped rows, missing cells and their handling).
    model : Model or None
        The model the items were checked against.
    missing : str
        Handling announced for missing cells (``"listwise"`` or ``"mean"``).
    labels : dict
        Item (and group) column -> the question's wording, from an SPSS or Stata file's
        variable labels; empty for CSV and Excel.
    value_labels : dict
        Column -> {code: label} from an SPSS or Stata file (e.g. ``{1: "very dissatisfied"}``);
        the data keep the codes.
    """

    data: pd.DataFrame
    items: list[str]
    scale: tuple[float, float] | None
    group: str | None
    source: str
    n_raw: int
    warnings: list[str] = field(default_factory=list)
    model: Model | None = None
    missing: str = "listwise"
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)

    def wording(self, item: str) -> str:
        """The question's wording (an SPSS/Stata variable label), else the column name."""
        return self.labels.get(item, item)

    @property
    def n(self) -> int:
        """Rows kept (before any listwise deletion by the estimator)."""
        return len(self.data)

    @property
    def n_complete(self) -> int:
        """Rows with an answer to every item."""
        return int(self.data[self.items].notna().all(axis=1).sum())

    def describe(self) -> pd.DataFrame:
        """Per item: answers, missing cells, mean, SD (n-1), min, max; first the question's
        ``wording`` when the file carried it (SPSS/Stata variable labels).

        Examples
        --------
        >>> s = read_survey(pd.DataFrame({"a": [1, 2, 3], "b": [3, None, 1]}), scale=(1, 5))
        >>> s.describe()["missing"].tolist()
        [0, 1]
        """
        x = self.data[self.items]
        wording = {"wording": pd.Series({i: self.wording(i) for i in self.items})} if self.labels else {}
        return pd.DataFrame({
            **wording,
            "n": x.notna().sum(),
            "missing": x.isna().sum(),
            "mean": x.mean(),
            "sd": x.std(ddof=1),
            "min": x.min(),
            "max": x.max(),
        }).rename_axis("item")

    def summary(self) -> str:
        """A few lines for the report's data-validation section."""
        lines = [f"{self.source}: {self.n_raw} rows, {len(self.items)} items"
                 + (f" on a {self.scale[0]:g}-{self.scale[1]:g} scale" if self.scale else "")
                 + (f", group column {self.group!r}" if self.group else "")]
        lines.append(f"{self.n} rows used, {self.n_complete} complete")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def check_scale(scale: Any) -> tuple[float, float]:
    """The questionnaire's answer scale ``(min, max)`` as floats; a ParameterError otherwise.

    Examples
    --------
    >>> check_scale((1, 10))
    (1.0, 10.0)
    """
    ok = (isinstance(scale, (tuple, list)) and len(scale) == 2
          and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                  and np.isfinite(v) for v in scale)
          and scale[0] < scale[1])
    if not ok:
        raise ParameterError(
            f"scale={scale!r}: expected the questionnaire's answer scale as (min, max) with min < max, "
            "e.g. (1, 10); it is never guessed from the data"
        )
    return float(scale[0]), float(scale[1])


# --------------------------------------------------------------------------------------------
# model resolution and parameter counts
# --------------------------------------------------------------------------------------------
def resolve_model(model: Any, columns: Sequence[str] | None = None) -> Model:
    """A :class:`Model` from a preset name, a model file path, model text or a Model.

    Parameters
    ----------
    model : str, Path or Model
        A preset name (``"ecsi"``...), the path of a text file with lavaan-style syntax, or the
        syntax itself.
    columns : sequence of str, optional
        The data's columns, against which a preset's indicator prefixes are resolved.

    Examples
    --------
    >>> resolve_model("ecsi").constructs[:2]
    ['Image', 'Expectation']
    >>> resolve_model("X =~ a + b").indicators
    {'X': ['a', 'b']}
    """
    from crm_analysis.csi.presets import _SPECS, preset

    if isinstance(model, Model):
        return model
    if isinstance(model, Path):
        return _model_file(model)
    if not isinstance(model, str):
        raise ParameterError(f"model: expected a preset name, a model file or model text, got {type(model).__name__}")
    text = model.strip()
    if text.lower() in _SPECS:
        return preset(text, columns=columns)
    if any(op in text for op in ("=~", "<~", "~")):
        return Model(text)
    if text.lower().endswith((".txt", ".lav", ".model", ".sem", ".yaml", ".yml")) or "/" in text or "\\" in text:
        return _model_file(Path(text))
    import difflib

    close = difflib.get_close_matches(text.lower(), sorted(_SPECS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ParameterError(
        f"model={model!r}: unknown preset{hint}; expected a preset ({', '.join(sorted(_SPECS))}), "
        "a model file, or lavaan-style model text (e.g. 'Satisfaction =~ CUSA1 + CUSA2')"
    )


def _model_file(path: Path) -> Model:
    if not path.is_file():
        raise InputError(f"model file {str(path)!r} not found")
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_model(path)
    return Model(path.read_text(encoding="utf-8"))


def _yaml_model(path: Path) -> Model:
    """A model file in YAML: ``model:`` (lavaan-style text) and optional ``labels:``, a mapping of
    construct and item ids to ``{en: ..., zh: ...}`` (or one text for both languages).

    The model gets ``labels`` (constructs, as the presets have) and ``item_labels`` (items), both
    ``{id: (en, zh)}``; a missing language falls back to the other one.
    """
    import yaml

    where = f"model file {path.name!r}"
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("model"), str):
        raise InputError(f"{where}: expected a mapping with 'model:' (lavaan-style text) and optional 'labels:'")
    unknown = set(spec) - {"model", "labels"}
    if unknown:
        raise InputError(f"{where}: unknown key(s) {sorted(unknown)}; expected 'model' and 'labels'")
    model = Model(spec["model"])
    given = spec.get("labels") or {}
    if not isinstance(given, dict):
        raise InputError(f"{where}: 'labels' must map construct and item ids to {{en: ..., zh: ...}}")
    items = set(model.all_indicators)
    constructs, item_labels = {}, {}
    for key, value in given.items():
        key = str(key)
        if isinstance(value, str):
            pair = (value, value)
        elif isinstance(value, dict) and set(value) <= {"en", "zh"} and value:
            en, zh = value.get("en"), value.get("zh")
            pair = (str(en if en is not None else zh), str(zh if zh is not None else en))
        else:
            raise InputError(f"{where}: label of {key!r}: expected {{en: ..., zh: ...}} or one text, got {value!r}")
        if key in model.constructs:
            constructs[key] = pair
        elif key in items:
            item_labels[key] = pair
        else:
            raise InputError(f"{where}: labels: {key!r} is neither a construct nor an item of the model "
                             f"(constructs: {', '.join(model.constructs)})")
    model.labels = constructs
    model.item_labels = item_labels
    return model


def n_parameters(model: Model, estimator: str = "pls") -> int:
    """Free parameters the estimator fits: the floor for the number of complete rows.

    PLS: one outer weight per indicator plus one coefficient per structural path. CB-SEM
    (lavaan's ``sem()`` defaults): loadings minus one marker per construct, indicator residual
    variances (except single indicators), construct (residual) variances, paths, covariances
    among exogenous constructs and the model's ``~~`` terms. ``"both"``: the larger.

    Examples
    --------
    >>> from crm_analysis.csi.presets import preset
    >>> n_parameters(preset("ecsi"), "pls"), n_parameters(preset("ecsi"), "cbsem")
    (36, 59)
    """
    if estimator not in _ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r}: expected one of {', '.join(_ESTIMATORS)}")
    pls = len(model.all_indicators) + len(model.structural_paths)
    if estimator == "pls":
        return pls
    from crm_analysis.sem.cbsem import _free_parameter_count

    cb = _free_parameter_count(model)
    return cb if estimator == "cbsem" else max(pls, cb)


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _read_text_table(path: Path, reading: dict[str, Any] | None = None, lang: str = "en"
                     ) -> tuple[pd.DataFrame | None, list[SurveyProblem], str | None]:
    """All cells as text; (frame, problems, encoding used).

    The project's one reader of data files (:func:`crm_analysis.validation.read_table`): CSV in
    UTF-8/GB18030/UTF-16 with any common separator and decimal commas, Excel, SPSS, Stata.
    """
    from crm_analysis.validation import read_table

    if path.is_dir():
        return None, [SurveyProblem(f"{path}: is a folder; expected a survey file (.csv, .txt, .tsv, .xlsx, .sav, "
                                    ".dta)")], None
    frame, problems = read_table(path, **(reading or {}))
    found = [SurveyProblem(p.zh if lang == "zh" and getattr(p, "zh", None) else p.message, p.severity, p.column,
                           lang=lang) for p in problems]
    if frame is None or any(p.severity == "error" for p in problems):
        return None, found, None
    return frame, found, frame.attrs.get("encoding")


def _is_index_name(name: Any) -> bool:
    s = str(name).strip().lower()
    return s == "" or s.startswith("unnamed:") or s in {"id", "index", "row", "respondent", "respondent_id"}


def _where(labels: Sequence[Any], from_file: bool, lang: str = "en") -> str:
    labels = list(labels)
    if lang == "zh":
        shown = "、".join(str(x) for x in labels[:_MAX_LISTED])
        more = f"等 {len(labels)} 行" if len(labels) > _MAX_LISTED else ""
        return f"第 {shown} 行{more}" if from_file else f"索引为 {shown} 的行{more}"
    shown = ", ".join(str(x) for x in labels[:_MAX_LISTED])
    more = f" and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else ""
    if from_file:
        return f"line{'s' if len(labels) > 1 else ''} {shown}{more}"
    return f"row{'s' if len(labels) > 1 else ''} {shown}{more}"


def _load(source: Any, reading: dict[str, Any] | None = None, lang: str = "en"
          ) -> tuple[pd.DataFrame | None, list[SurveyProblem], bool, str]:
    """(frame with raw cells, problems, from_file, source name); index = row references.

    A file's variable and value labels (SPSS, Stata) are in ``frame.attrs``."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.columns = [str(c).strip() for c in frame.columns]  # 0, 1, 2 ... become '0', '1', '2'
        return frame, [], False, "<DataFrame>"
    if isinstance(source, (str, Path)):
        path = Path(source)
        frame, problems, _ = _read_text_table(path, reading, lang)
        if frame is None:
            return None, problems, True, str(path)
        attrs = dict(frame.attrs)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.attrs.update(attrs)
        if frame.index.name != "line":  # read_table sets the real line numbers after blank lines
            frame.index = pd.RangeIndex(2, 2 + len(frame))  # file line numbers, header = line 1
        return frame, problems, True, str(path)
    raise ParameterError(f"survey: expected a file path or a pandas DataFrame, got {type(source).__name__}")


def _split_index_column(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
    """Take off a leading row-number column (unnamed, or named id/index/row)."""
    first = frame.columns[0] if len(frame.columns) else None
    if first is not None and _is_index_name(first) and len(frame.columns) > 1:
        ids = frame[first].astype(str).str.strip()
        as_num = pd.to_numeric(ids, errors="coerce")
        if as_num.notna().all() and (as_num == as_num.round()).all():
            ids = as_num.astype("int64")
        ids = ids.rename(str(first) or "row") if ids.is_unique else None
        return frame.drop(columns=[first]), ids
    return frame, None


def _duplicate_rows(frame: pd.DataFrame, from_file: bool, lang: str = "en") -> list[SurveyProblem]:
    """Repeated respondent ids (a leading id column), and rows repeating an earlier row cell for cell.

    A row pasted twice counts a respondent twice in every estimate. Identical rows with ten or
    more answers that are not all the same value (straight-lining) are an error; shorter ones a
    warning (a few items on a short scale can coincide by chance).
    """
    text = frame.apply(lambda c: c.astype("string").str.strip().fillna(""))
    first = frame.columns[0] if len(frame.columns) else None
    if first is not None and _is_index_name(first) and len(frame.columns) > 1:
        ids = text[first]
        rep = (ids != "") & ids.duplicated(keep=False)
        if rep.any():
            where = _where(frame.index[rep.to_numpy()], from_file, lang)
            return [SurveyProblem(
                f"{ids[rep].nunique()} 个受访者编号出现在多行中（{where}，例如 {ids[rep].iloc[0]!r}）；每位受访者只能"
                "计一次：请删除重复的行或更正编号" if lang == "zh" else
                f"{ids[rep].nunique()} respondent id(s) appear on more than one row "
                f"({where}; e.g. {ids[rep].iloc[0]!r}); each respondent must "
                "be counted once: remove the repeated rows or correct the ids", "error", str(first), lang=lang)]
    dup = text.duplicated(keep="first") & (text != "").any(axis=1)
    if not dup.any():
        return []
    rows = text.loc[dup].replace("", pd.NA)
    strong = (rows.notna().sum(axis=1) >= 10) & (rows.nunique(axis=1) > 1)
    problems = []
    advice = {"error": ("remove the repeated rows (or add a respondent id column if they are different people)",
                        "请删除重复的行（如果是不同的人，请加上受访者编号列）"),
              "warning": ("they are kept; remove them if they were pasted twice", "这些行已保留；如果是重复粘贴的，请删除")}
    for mask, severity in ((strong, "error"), (~strong, "warning")):
        if mask.any():
            where = _where(rows.index[mask.to_numpy()], from_file, lang)
            en, zh = advice[severity]
            problems.append(SurveyProblem(
                f"{int(mask.sum())} 行与前面某一行的每个单元格都相同（{where}）；重复粘贴的行会把同一位受访者计两次：{zh}"
                if lang == "zh" else
                f"{int(mask.sum())} row(s) repeat an earlier row cell for cell ({where}); "
                f"a row pasted twice counts one respondent twice: {en}", severity, lang=lang))
    return problems


def _to_numbers(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numeric values, mask of text cells that are not numbers and not blanks)."""
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return col.astype(float), pd.Series(False, index=col.index)
    text = col.astype("string").str.strip()
    blank = text.isna() | text.str.lower().isin(_BLANKS)
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    values = values.where(np.isfinite(values.astype(float)))  # 'inf' is not an answer
    bad = values.isna() & ~blank
    return values.astype(float), bad.fillna(False).astype(bool)


def _inspect(
    source: Any,
    *,
    scale: tuple[float, float] | None,
    model: Any,
    group: str | None,
    missing: str,
    estimator: str,
    reading: dict[str, Any] | None = None,
    lang: str | None = None,
) -> tuple[list[SurveyProblem], dict[str, Any]]:
    """Run every check; return (problems, what read_survey needs)."""
    lang = message_lang(lang)
    zh = lang == "zh"
    if scale is not None:
        scale = check_scale(scale)
    if missing not in _MISSING:
        raise ParameterError(f"missing={missing!r}: expected one of {', '.join(_MISSING)}")
    if estimator not in _ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r}: expected one of {', '.join(_ESTIMATORS)}")
    frame, problems, from_file, name = _load(source, reading, lang)
    info: dict[str, Any] = {"source": name}
    if frame is not None:  # SPSS/Stata: the questions' wording and the answers' labels
        info.update(labels=dict(frame.attrs.get("labels", {})), value_labels=dict(frame.attrs.get("value_labels", {})))
    if frame is None:
        return problems, info
    if frame.empty or len(frame.columns) == 0:
        return problems + [SurveyProblem(f"{name}: no data rows; expected one row per respondent")], info
    dupes = sorted({str(c) for c in frame.columns if list(map(str, frame.columns)).count(str(c)) > 1})
    if dupes:
        return problems + [SurveyProblem(f"{name}: column name(s) used more than once: {dupes}; "
                                         "every column needs its own name")], info
    problems += _duplicate_rows(frame, from_file, lang)
    ids = None
    # a leading row-number column (the ECSI files' unnamed first column) is not an item; from a
    # file, the respondents' row numbers become the data's index while messages keep quoting
    # file lines (what an editor shows); a DataFrame keeps its own index
    frame, file_ids = _split_index_column(frame)
    if from_file:
        ids = file_ids
    columns = [str(c) for c in frame.columns]

    # which model and which items
    mdl = None
    if model is not None:
        try:
            mdl = resolve_model(model, columns)
        except (InputError, ParameterError) as exc:
            problems.append(SurveyProblem(str(exc)))
            return problems, info
        absent = [x for x in mdl.all_indicators if x not in columns]
        if absent:
            owner = mdl.construct_of
            listed = ", ".join(f"{x!r} ({owner[x]})" for x in absent)
            problems.append(SurveyProblem(f"{name}: indicator column(s) not in the file: {listed}; "
                                          f"the file has {', '.join(columns[:40])}"))
            return problems, info
        items = list(mdl.all_indicators)
    else:
        items = []
    if group is not None and group not in columns:
        problems.append(SurveyProblem(f"{name}: the group column {group!r} is not in the file "
                                      f"(columns: {', '.join(columns[:40])})"))
        group = None
    if mdl is None:
        # without a model every column with at least one number is an item (text-only columns,
        # such as gender, are not)
        for c in columns:
            if c == group:
                continue
            values, bad = _to_numbers(frame[c])
            comma = frame[c][bad].astype(str).str.strip().str.fullmatch(r"[+-]?\d+,\d+")
            if values.notna().any() or (len(comma) and comma.all()):  # '7,5': numbers with a decimal comma
                items.append(c)
        if not items:
            problems.append(SurveyProblem(f"{name}: no numeric item column found; expected one column per question"))
            return problems, info

    label = _namer(mdl, info.get("labels"), lang)

    def problem(en: str, zh_text: str, severity: str = "error", column: str | None = None) -> SurveyProblem:
        return SurveyProblem(zh_text if zh else en, severity, column, lang=lang,
                             name=label(column) if column else None)

    def where(index: Any) -> str:
        return _where(index, from_file, lang)

    values, text_cells = {}, {}
    for c in items:
        v, bad = _to_numbers(frame[c])
        text_cells[c] = bad
        if bad.any():
            rows_at = where(frame.index[bad.to_numpy()])
            sample = ", ".join(repr(str(x)) for x in frame[c][bad].head(3))
            cells = frame[c][bad].astype(str).str.strip()
            if cells.str.fullmatch(r"[+-]?\d+,\d+").all():
                problems.append(problem(
                    f"decimal comma(s): {int(bad.sum())} cell(s) on {rows_at} (e.g. {sample}); expected numbers with a "
                    "decimal point (7.5): save the file with '.' as the decimal separator",
                    f"小数逗号：{rows_at}共 {int(bad.sum())} 个单元格（例如 {sample}）；数字应使用小数点（7.5）："
                    "请以“.”作为小数分隔符重新保存文件", "error", c))
            else:
                problems.append(problem(f"text in a numeric column: {int(bad.sum())} cell(s) on {rows_at} "
                                        f"(e.g. {sample}); expected numbers (empty cells are read as missing)",
                                        f"数值列中有文字：{rows_at}共 {int(bad.sum())} 个单元格（例如 {sample}）；"
                                        "应为数字（空单元格按缺失处理）", "error", c))
        values[c] = v
    X = pd.DataFrame(values, index=frame.index)
    if scale is not None:
        for c in items:
            v = X[c]
            out = (v < scale[0]) | (v > scale[1])
            if out.any():
                shown = ", ".join(f"{x:g}" for x in v[out].head(3))
                rows_at = where(frame.index[out.to_numpy()])
                problems.append(problem(
                    f"{int(out.sum())} answer(s) outside the declared scale {scale[0]:g}-{scale[1]:g} on "
                    f"{rows_at} (values {shown}); correct them, blank them out, or declare the right scale",
                    f"{rows_at}有 {int(out.sum())} 个回答超出声明的量表 {scale[0]:g}-{scale[1]:g}（取值 {shown}）；"
                    "请更正、清空，或声明正确的量表", "error", c))
    empty = X.isna().all(axis=1)
    kept = X.loc[~empty]
    for c in items:
        v = kept[c].dropna()
        if len(v) > 1 and v.nunique() == 1:
            problems.append(problem(
                f"constant item: every answer is {v.iloc[0]:g}; an item that does not vary carries no "
                "information and breaks the estimation (drop it from the model)",
                f"常数题项：所有回答都是 {v.iloc[0]:g}；没有变化的题项不含信息，还会使估计失败（请从模型中删除）",
                "error", c))
        elif len(v) == 0 and not text_cells[c].any():  # text cells are reported above
            problems.append(problem("no answers at all in this column", "这一列没有任何回答", "error", c))
    if empty.all():
        problems.append(SurveyProblem(f"{name}: no row has any answer"))
        return problems, info
    if empty.any():
        rows_at = where(frame.index[empty.to_numpy()])
        problems.append(problem(
            f"{int(empty.sum())} row(s) with no answer at all on {rows_at} were dropped",
            f"{rows_at}共 {int(empty.sum())} 行没有任何回答，已删除", "warning"))
    # text cells are errors of their own, not missing answers
    miss = kept.isna() & ~pd.DataFrame(text_cells, index=frame.index).loc[kept.index]
    n_cells = int(miss.to_numpy().sum())
    rows_with = int(miss.any(axis=1).sum())
    if n_cells:
        per = miss.sum()
        per = per[per > 0].sort_values(ascending=False)
        if zh:
            listed = "、".join(f"{label(k)} {v} 个" for k, v in list(per.items())[:8]) + ("等" if len(per) > 8 else "")
            how = (f"按成列删除处理：{rows_with} 行不参与估计，使用 {len(kept) - rows_with} 行完整数据"
                   if missing == "listwise" else
                   f"按题项均值填补：{n_cells} 个单元格以所在题项的均值填补，使用全部 {len(kept)} 行")
        else:
            listed = ", ".join(f"{label(k)}: {v}" for k, v in list(per.items())[:8]) + (", ..." if len(per) > 8 else "")
            how = (f"handled by listwise deletion: {rows_with} row(s) left out, "
                   f"{len(kept) - rows_with} complete rows used" if missing == "listwise" else
                   f"handled by item-mean imputation: the {n_cells} cell(s) filled with their item's "
                   f"mean, all {len(kept)} rows used")
        problems.append(problem(
            f"{n_cells} missing answer(s) in {rows_with} of {len(kept)} rows ({listed}); {how}",
            f"{len(kept)} 行中有 {rows_with} 行存在缺失回答，共 {n_cells} 个（{listed}）；{how}", "warning"))
    if mdl is not None:
        from crm_analysis.sem.datacheck import problems_of  # what estimate_pls would refuse

        problems += [SurveyProblem(f"{name}: {msg}") for msg in
                     problems_of(kept[items].to_numpy(dtype=float), items, {c: list(v) for c, v in mdl.indicators.items()})]
        usable = len(kept) - rows_with if missing == "listwise" else len(kept)
        k = n_parameters(mdl, estimator)
        if usable < k:
            which = {"pls": "PLS", "cbsem": "CB-SEM", "both": "PLS and CB-SEM"}[estimator]
            problems.append(SurveyProblem(
                f"{name}: {usable} usable rows but the {which} model has {k} free parameters; "
                "at least as many rows as parameters are needed (and in practice many more)"))
    grp = None
    if group is not None:
        grp = frame.loc[~empty, group]
        g_blank = grp.isna() | grp.astype("string").str.strip().str.lower().isin(_BLANKS)
        if g_blank.any():
            rows_at = where(grp.index[g_blank.to_numpy()])
            problems.append(problem(
                f"{int(g_blank.sum())} row(s) without a group on {rows_at} are left out of the group comparison",
                f"{rows_at}共 {int(g_blank.sum())} 行没有组别，不参与组间比较", "warning", group))
        levels = grp[~g_blank].astype(str).str.strip().unique()
        if len(levels) < 2:
            problems.append(problem(
                f"the group column has {len(levels)} distinct value(s) ({', '.join(map(str, levels))}); "
                "a group comparison needs at least two groups",
                f"组别列只有 {len(levels)} 个不同的取值（{'、'.join(map(str, levels))}）；组间比较至少需要两个组",
                "error", group))
    data = kept.copy()
    if group is not None:
        g = frame.loc[~empty, group]
        if not pd.api.types.is_numeric_dtype(g):
            g = g.astype("string").str.strip()
            g = g.mask(g.str.lower().isin(_BLANKS))
        data[group] = g
    if ids is not None:
        data.index = pd.Index(ids.loc[data.index].to_numpy(), name=ids.name if ids.name and not
                              str(ids.name).lower().startswith("unnamed") else "row")
    info.update(data=data, items=items, model=mdl, group=group, n_raw=len(frame), from_file=from_file,
                source=name)
    return problems, info


def survey_columns(survey: Any) -> list[str]:
    """The column names of a survey file or DataFrame (without a leading row-number column).

    Raises
    ------
    InputError
        The file cannot be read (the message says why).

    Examples
    --------
    >>> survey_columns(pd.DataFrame({"q1": [1], "gender": ["f"]}))
    ['q1', 'gender']
    """
    frame, problems, from_file, name = _load(survey)
    if frame is None:
        raise InputError("; ".join(problems))
    frame, _ = _split_index_column(frame)
    return [str(c) for c in frame.columns]


def check_survey(
    survey: Any,
    scale: tuple[float, float] | None = None,
    *,
    model: Any = None,
    group: str | None = None,
    missing: str = "listwise",
    estimator: str = "pls",
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    lang: str | None = None,
) -> list[SurveyProblem]:
    """Every problem of a survey file or DataFrame, without raising.

    Parameters
    ----------
    survey : path or DataFrame
        A CSV/TSV/TXT (comma, semicolon, tab or whitespace separated; UTF-8 with or without BOM,
        GB18030/GBK, UTF-16; decimal commas), XLSX, SPSS ``.sav`` or Stata ``.dta`` file, or a
        DataFrame. A first column without a name (or named ``id``/``index``) is taken
        as the row number, as in the ECSI files.
    scale : (min, max), optional
        The questionnaire's answer scale, e.g. ``(1, 10)``; answers outside it are errors.
        Never guessed from the data.
    model : preset name, model file, model text or Model, optional
        When given, the items are the model's indicators (a missing one is an error) and the
        number of usable rows is compared with the number of parameters.
    group : str, optional
        Column holding the groups to compare.
    missing : {"listwise", "mean"}
        How the estimator will treat missing cells (said in the warning).
    estimator : {"pls", "cbsem", "both"}
        Whose parameter count the number of rows is checked against.
    encoding, sep, decimal, sheet, header_row : optional
        How to read the file (:class:`crm_analysis.readers.ReadOptions`); detected when not given.
    lang : {"en", "zh"}, optional
        Language of the messages (default: the pipeline run's report language, else English).
        Columns are named by their labels (model file, SPSS/Stata variable labels) where they
        have one, the id in parentheses.

    Returns
    -------
    list of SurveyProblem
        Strings naming the column and the rows (file lines or index labels); each has
        ``severity`` ("error": cannot be estimated as is; "warning": handled, but must be
        reported) and ``column``.

    Examples
    --------
    >>> df = pd.DataFrame({"q1": [1, 2, 11], "q2": ["3", "x", ""], "q3": [2, 2, 2]})
    >>> for p in check_survey(df, scale=(1, 10)):
    ...     print(p.severity, p)
    error column 'q2': text in a numeric column: 1 cell(s) on row 1 (e.g. 'x'); expected numbers (empty cells are read as missing)
    error column 'q1': 1 answer(s) outside the declared scale 1-10 on row 2 (values 11); correct them, blank them out, or declare the right scale
    error column 'q3': constant item: every answer is 2; an item that does not vary carries no information and breaks the estimation (drop it from the model)
    warning 1 missing answer(s) in 1 of 3 rows (q2: 1); handled by listwise deletion: 1 row(s) left out, 2 complete rows used
    """
    reading = dict(encoding=encoding, sep=sep, decimal=decimal, sheet=sheet, header_row=header_row)
    problems, _ = _inspect(survey, scale=scale, model=model, group=group, missing=missing, estimator=estimator,
                           reading=reading, lang=lang)
    return problems


def read_survey(
    survey: Any,
    scale: tuple[float, float] | None = None,
    *,
    model: Any = None,
    group: str | None = None,
    missing: str = "listwise",
    estimator: str = "pls",
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    lang: str | None = None,
) -> Survey:
    """Read and check a survey; raise on errors, return the clean data with the warnings.

    Parameters are those of :func:`check_survey`.

    Returns
    -------
    Survey
        ``data`` (item columns as floats, group column), ``items``, ``warnings`` (rows with no
        answer dropped, missing cells and their handling), ``describe()``.

    Raises
    ------
    InputError
        Listing every error found (one per line), each naming its column and rows.

    Examples
    --------
    >>> s = read_survey("../shared/data/ecsi_mobi.csv", scale=(1, 10), model="ecsi")  # doctest: +SKIP
    >>> s.n, len(s.items)                                                             # doctest: +SKIP
    (250, 24)
    """
    reading = dict(encoding=encoding, sep=sep, decimal=decimal, sheet=sheet, header_row=header_row)
    problems, info = _inspect(survey, scale=scale, model=model, group=group, missing=missing, estimator=estimator,
                              reading=reading, lang=lang)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        name = info.get("source", "survey")
        raise InputError(f"{name}: {len(errors)} problem(s) found:\n" + "\n".join(f"- {p}" for p in errors))
    return Survey(
        data=info["data"],
        items=info["items"],
        scale=None if scale is None else (float(scale[0]), float(scale[1])),
        group=info["group"],
        source=info["source"],
        n_raw=info["n_raw"],
        warnings=[str(p) for p in problems if p.severity == "warning"],
        model=info["model"],
        missing=missing,
        labels={k: v for k, v in info.get("labels", {}).items() if k in info["items"] or k == info["group"]},
        value_labels={k: v for k, v in info.get("value_labels", {}).items()
                      if k in info["items"] or k == info["group"]},
    )
