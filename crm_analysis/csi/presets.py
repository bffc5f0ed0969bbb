"""The national customer-satisfaction index models as ready-made :class:`~crm_analysis.sem.Model`s.

Four presets, with their structural paths as published and English construct identifiers:

========  ======================================================================================
``scsb``  Swedish Customer Satisfaction Barometer (Fornell 1992): Expectation and Value (perceived
          performance) drive Satisfaction, which drives Complaints (voice) and Loyalty.
``acsi``  American Customer Satisfaction Index (Fornell, Johnson, Anderson, Cha & Bryant 1996):
          adds perceived Quality to the SCSB.
``ecsi``  European Customer Satisfaction Index (ECSI Technical Committee 1998; the mobile-phone
          study of Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, the ``mobi`` data): adds
          corporate Image.
``ccsi``  China Customer Satisfaction Index (Tsinghua University, Zhao Ping et al. 2003): brand
          Image, Expectation (expected quality), Quality, Value, Satisfaction, Loyalty; no
          Complaints construct; eleven paths (see ``presets()["note"]`` for which).
========  ======================================================================================

Indicators are found by column prefix. The defaults are the column names of the ECSI mobile
phone questionnaire (the ``mobi`` data of seminr/cSEM, ``../shared/data/ecsi_mobi.csv``):

==============  ========  =============================
construct       prefix    mobi columns
==============  ========  =============================
Image           IMAG      IMAG1-IMAG5
Expectation     CUEX      CUEX1-CUEX3
Quality         PERQ      PERQ1-PERQ7
Value           PERV      PERV1-PERV2
Satisfaction    CUSA      CUSA1-CUSA3
Complaints      CUSCO     CUSCO
Loyalty         CUSL      CUSL1-CUSL3
==============  ========  =============================

so every preset runs on the mobi layout unchanged (the ACSI, SCSB and CCSI use the blocks they
need). Override with ``indicators={"Image": "imag", ...}`` (a prefix) or
``indicators={"Image": ["q1", "q2"]}`` (explicit columns), and pass ``columns=`` (the data's
column names, or the DataFrame) to resolve prefixes against your file.

A column matches a prefix when it is the prefix itself or the prefix followed by an optional
``_``, ``.`` or ``-`` and digits (case-insensitive): ``CUSA`` matches ``CUSA1`` and ``cusa_2``
but not ``CUSCO``.

Every preset carries bilingual construct labels (``labels``, English and Chinese) for reports.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.i18n import check_lang
from crm_analysis.sem.model import Model, ModelBuilder

__all__ = ["PresetModel", "preset", "presets", "satisfaction_model", "LABELS", "DEFAULT_PREFIXES", "label", "labels",
           "item_labels", "report_labels", "match_prefix"]

#: Bilingual labels of the constructs used by the presets (and of any model using these ids).
LABELS: dict[str, tuple[str, str]] = {
    "Image": ("Image", "企业形象"),
    "Expectation": ("Customer expectations", "顾客预期"),
    "Quality": ("Perceived quality", "感知质量"),
    "Value": ("Perceived value", "感知价值"),
    "Satisfaction": ("Customer satisfaction", "顾客满意度"),
    "Complaints": ("Complaints", "顾客抱怨"),
    "Loyalty": ("Customer loyalty", "顾客忠诚"),
}

#: Default indicator prefix of each construct: the mobi (ECSI mobile phone) column names.
DEFAULT_PREFIXES: dict[str, str] = {
    "Image": "IMAG",
    "Expectation": "CUEX",
    "Quality": "PERQ",
    "Value": "PERV",
    "Satisfaction": "CUSA",
    "Complaints": "CUSCO",
    "Loyalty": "CUSL",
}

# the mobi layout: what the default prefixes expand to when no columns are given
_MOBI_ITEMS: dict[str, list[str]] = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": [f"PERV{i}" for i in range(1, 3)],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}


@dataclass(frozen=True)
class _Spec:
    name: str
    title: tuple[str, str]
    constructs: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    citation: str
    note: str
    # labels where the index names a construct its own way (else the generic LABELS)
    own_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def construct_labels(self) -> dict[str, tuple[str, str]]:
        return {c: self.own_labels.get(c, LABELS[c]) for c in self.constructs}


_SPECS: dict[str, _Spec] = {}


def _register(spec: _Spec) -> None:
    _SPECS[spec.name] = spec


_register(_Spec(
    name="scsb",
    title=("Swedish Customer Satisfaction Barometer (SCSB)", "瑞典顾客满意度晴雨表（SCSB）"),
    constructs=("Expectation", "Value", "Satisfaction", "Complaints", "Loyalty"),
    paths=(
        ("Expectation", "Value"),
        ("Expectation", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    ),
    citation=(
        "Fornell, C. (1992). A national customer satisfaction barometer: the Swedish experience. "
        "Journal of Marketing, 56(1), 6-21."
    ),
    note=("Perceived performance is measured as value (quality relative to price), hence the "
          "construct Value; complaints are the customer's voice."),
    own_labels={
        "Value": ("Perceived performance (value)", "感知绩效（价值）"),
        "Complaints": ("Customer voice (complaints)", "顾客抱怨（发声）"),
    },
))

_register(_Spec(
    name="acsi",
    title=("American Customer Satisfaction Index (ACSI)", "美国顾客满意度指数（ACSI）"),
    constructs=("Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"),
    paths=(
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Quality", "Value"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    ),
    citation=(
        "Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The "
        "American Customer Satisfaction Index: nature, purpose, and findings. Journal of "
        "Marketing, 60(4), 7-18."
    ),
    note="Satisfaction is the ACSI; complaints lead to loyalty (complaint handling).",
    own_labels={"Satisfaction": ("Customer satisfaction (ACSI)", "顾客满意度（ACSI）")},
))

_register(_Spec(
    name="ecsi",
    title=("European Customer Satisfaction Index (ECSI)", "欧洲顾客满意度指数（ECSI）"),
    constructs=("Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"),
    paths=(
        ("Image", "Expectation"),
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Quality", "Value"),
        ("Image", "Satisfaction"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Image", "Loyalty"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    ),
    citation=(
        "ECSI Technical Committee (1998). European Customer Satisfaction Index: foundation and "
        "structure for harmonized national pilot projects. Report prepared for the ECSI Steering "
        "Committee. Model and mobile-phone data as in Tenenhaus, M., Esposito Vinzi, V., "
        "Chatelin, Y.-M., & Lauro, C. (2005). PLS path modeling. Computational Statistics & "
        "Data Analysis, 48(1), 159-205."
    ),
    note="The layout of the mobi data (seminr, cSEM): 24 indicators, 7 constructs, 12 paths.",
))

_register(_Spec(
    name="ccsi",
    title=("China Customer Satisfaction Index (CCSI)", "中国顾客满意度指数（CCSI）"),
    constructs=("Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty"),
    paths=(
        ("Image", "Expectation"),
        ("Image", "Quality"),
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Quality", "Value"),
        ("Image", "Satisfaction"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Image", "Loyalty"),
        ("Satisfaction", "Loyalty"),
    ),
    citation=(
        "Zhao Ping (赵平) et al. (2003). 中国顾客满意指数指南 [Guide to the China Customer "
        "Satisfaction Index]. Beijing: Standards Press of China (中国标准出版社); the CCSI model "
        "of Tsinghua University's China Business Research Center (清华大学中国企业研究中心)."
    ),
    note=("Six constructs and eleven causal paths, as the published description of the CCSI "
          "states: brand image, expected quality, perceived quality and perceived value are the "
          "antecedents of satisfaction, loyalty its consequence; no complaints construct. Which "
          "eleven paths: the ECSI's ten (without complaints) plus brand image -> perceived "
          "quality, our reading of the model figure (the path list itself could not be checked "
          "against the guide's text); build a Model with other paths if your source differs."),
    own_labels={
        "Image": ("Brand image", "品牌形象"),
        "Expectation": ("Expected quality", "预期质量"),
    },
))


# --------------------------------------------------------------------------------------------
# prefixes
# --------------------------------------------------------------------------------------------
def match_prefix(prefix: str, columns: Iterable[Any]) -> list[str]:
    """Columns that belong to the indicator block ``prefix`` (in their order in ``columns``).

    A column matches when it equals the prefix or is the prefix followed by an optional
    separator (``_``, ``.``, ``-``) and digits; the comparison ignores case.

    Examples
    --------
    >>> match_prefix("CUSA", ["CUSA1", "CUSA2", "CUSCO", "cusa_3", "CUSL1"])
    ['CUSA1', 'CUSA2', 'cusa_3']
    >>> match_prefix("CUSCO", ["CUSA1", "CUSCO"])
    ['CUSCO']
    """
    pattern = re.compile(rf"^{re.escape(prefix)}(?:[_.\-]?\d+)?$", re.IGNORECASE)
    return [str(c) for c in columns if pattern.match(str(c))]


def _column_names(columns: Any) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, pd.DataFrame):
        return [str(c) for c in columns.columns]
    if isinstance(columns, (str, bytes)):
        raise ParameterError("columns: expected the data's column names (a list or a DataFrame), got a string")
    return [str(c) for c in columns]


# --------------------------------------------------------------------------------------------
# the model class
# --------------------------------------------------------------------------------------------
class PresetModel(Model):
    """A :class:`~crm_analysis.sem.Model` that remembers which CSI preset it comes from.

    Attributes
    ----------
    preset : str
        ``"acsi"``, ``"ecsi"``, ``"ccsi"`` or ``"scsb"``.
    labels : dict of str to (str, str)
        English and Chinese label of every construct.
    citation : str
    title : (str, str)
        English and Chinese name of the index.
    """

    preset: str
    labels: dict[str, tuple[str, str]]
    citation: str
    title: tuple[str, str]

    def label(self, construct: str, lang: str = "en") -> str:
        """The report label of ``construct`` in ``lang`` (``"en"`` or ``"zh"``)."""
        return label(construct, lang, self)

    def __getstate__(self) -> dict[str, Any]:
        return {"text": self.to_text(), "preset": self.preset}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Model.__init__(self, state["text"])
        _decorate(self, _SPECS[state["preset"]])


def _decorate(model: PresetModel, spec: _Spec) -> PresetModel:
    model.preset = spec.name
    model.labels = dict(spec.construct_labels)
    model.citation = spec.citation
    model.title = spec.title
    return model


def preset(
    name: str,
    indicators: Mapping[str, str | Sequence[str]] | None = None,
    *,
    columns: Any = None,
) -> PresetModel:
    """The model of a national customer-satisfaction index, with its published paths.

    Parameters
    ----------
    name : {"acsi", "ecsi", "ccsi", "scsb"}
        Which index (case-insensitive). :func:`presets` lists them with their citations.
    indicators : mapping, optional
        Per construct, a column prefix (``str``) or an explicit list of columns. Constructs not
        given keep the default prefix (the mobi column names, see the module documentation).
    columns : DataFrame or iterable of str, optional
        The data's columns, against which the prefixes are resolved. Without it the default
        prefixes expand to the mobi layout (IMAG1-5, CUEX1-3, PERQ1-7, PERV1-2, CUSA1-3, CUSCO,
        CUSL1-3), and a custom prefix is an error.

    Returns
    -------
    PresetModel
        A :class:`~crm_analysis.sem.Model` with ``labels`` (English, Chinese), ``citation`` and
        ``title``; every block is reflective (mode A), as in the published index models.

    Raises
    ------
    ParameterError
        Unknown preset name; an indicator mapping for a construct the preset does not have; a
        custom prefix without ``columns``.
    InputError
        A prefix that matches no column (the message lists the columns).

    Examples
    --------
    >>> m = preset("ecsi")
    >>> m.structural_paths[:3]
    [('Image', 'Expectation'), ('Expectation', 'Quality'), ('Expectation', 'Value')]
    >>> m.indicators["Value"], m.label("Value", "zh")
    (['PERV1', 'PERV2'], '感知价值')
    >>> cols = ["imag1", "imag2", "expe1", "expe2", "qual1", "qual2", "val1", "val2",
    ...         "sat1", "sat2", "loy1", "loy2"]
    >>> m = preset("ccsi", {"Image": "imag", "Expectation": "expe", "Quality": "qual",
    ...                     "Value": "val", "Satisfaction": "sat", "Loyalty": "loy"}, columns=cols)
    >>> m.indicators["Loyalty"]
    ['loy1', 'loy2']
    """
    if not isinstance(name, str):
        raise ParameterError(f"preset name: expected a string such as 'ecsi', got {name!r}")
    key = name.strip().lower()
    if key not in _SPECS:
        raise ParameterError(
            f"unknown CSI preset {name!r}: expected one of {', '.join(sorted(_SPECS))} "
            "(or give a model file / lavaan-style model text instead of a preset name)"
        )
    spec = _SPECS[key]
    indicators = dict(indicators or {})
    unknown = [c for c in indicators if c not in spec.constructs]
    if unknown:
        raise ParameterError(
            f"indicators: {unknown} are not constructs of the {key} preset "
            f"(its constructs: {list(spec.constructs)})"
        )
    cols = _column_names(columns)
    blocks: dict[str, list[str]] = {}
    problems: list[str] = []
    unmatched: list[str] = []
    for c in spec.constructs:
        given = indicators.get(c, DEFAULT_PREFIXES[c])
        if isinstance(given, str):
            if cols is None:
                if c in indicators and given != DEFAULT_PREFIXES[c]:
                    raise ParameterError(
                        f"indicators[{c!r}] = {given!r} is a prefix: pass columns= (the data's "
                        "columns) so that it can be resolved, or list the columns explicitly"
                    )
                blocks[c] = list(_MOBI_ITEMS[c])
                continue
            found = match_prefix(given, cols)
            if not found:
                unmatched.append(f"{c!r} (prefix {given!r})")
            blocks[c] = found
        else:
            items = [str(x) for x in given]
            if not items:
                problems.append(f"construct {c!r}: the indicator list is empty")
            if cols is not None:
                absent = [x for x in items if x not in cols]
                if absent:
                    problems.append(f"construct {c!r}: column(s) {absent} not in the data")
            blocks[c] = items
    if unmatched:  # one sentence for all of them, the data's columns listed once
        shown = ", ".join(cols[:40]) + (", ..." if len(cols) > 40 else "")
        problems.append(f"no column matches the indicator prefix of {', '.join(unmatched)}; the data have "
                        f"columns {shown}; map them with indicators={{construct: 'prefix' or [columns]}}")
    if problems:
        raise InputError(f"{key} preset: " + "; ".join(problems))
    b = ModelBuilder()
    for c in spec.constructs:
        b.reflective(c, blocks[c])
    for f, t in spec.paths:
        b.path(f, t)
    built = b.build()
    model = PresetModel.__new__(PresetModel)
    model._init_from(built._to_builder())
    return _decorate(model, spec)


# the ECSI in the layout of R plspm's ``satisfaction`` data: plspm's block names and columns
_SATISFACTION = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""


def satisfaction_model() -> Model:
    """The ECSI model of R plspm's ``satisfaction`` data, the classic PLS path modelling example.

    Six reflective blocks named as in plspm (Sanchez 2013, *PLS Path Modeling with R*): ``IMAG``
    (imag1-imag5), ``EXPE`` (expe1-expe5), ``QUAL`` (qual1-qual5), ``VAL`` (val1-val4), ``SAT``
    (sat1-sat4) and ``LOY`` (loy1-loy4), 27 indicators; the ten paths of the :func:`preset`
    ``"ecsi"`` without its Complaints construct: IMAG -> EXPE, SAT, LOY; EXPE -> QUAL, VAL, SAT;
    QUAL -> VAL, SAT; VAL -> SAT; SAT -> LOY. It fits ``../shared/data/ecsi_satisfaction.csv``
    (250 respondents, 10-point items and ``gender``) as it is, whereas the presets use the mobi
    column names.

    Returns
    -------
    Model
        A plain :class:`~crm_analysis.sem.Model` (``to_text()`` gives its syntax, e.g. to edit a
        path).

    Examples
    --------
    >>> m = satisfaction_model()
    >>> m.constructs, len(m.all_indicators), len(m.structural_paths)
    (['IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'LOY'], 27, 10)
    >>> m.predecessors("SAT")
    ['IMAG', 'EXPE', 'QUAL', 'VAL']
    """
    return Model(_SATISFACTION)


def presets() -> pd.DataFrame:
    """The available presets with their constructs, number of paths and citation.

    Examples
    --------
    >>> presets()["name"].tolist()
    ['acsi', 'ccsi', 'ecsi', 'scsb']
    """
    rows = []
    for key in sorted(_SPECS):
        s = _SPECS[key]
        rows.append({
            "name": key,
            "title": s.title[0],
            "title_zh": s.title[1],
            "constructs": list(s.constructs),
            "n_paths": len(s.paths),
            "citation": s.citation,
            "note": s.note,
        })
    return pd.DataFrame(rows)


def label(construct: str, lang: str = "en", model: Any = None) -> str:
    """Bilingual report label of a construct: the preset's label, the generic one, or the id.

    Examples
    --------
    >>> label("Loyalty", "zh")
    '顾客忠诚'
    >>> label("Trust", "en")
    'Trust'
    """
    check_lang(lang)
    pair = None
    if model is not None and getattr(model, "labels", None):
        pair = model.labels.get(construct)
    if pair is None:
        pair = LABELS.get(construct)
    if pair is None:
        return construct
    return pair[1] if lang == "zh" else pair[0]


def labels(model: Any, lang: str = "en") -> dict[str, str]:
    """``{construct: label}`` for every construct of ``model`` in ``lang``.

    Examples
    --------
    >>> labels(preset("scsb"), "en")["Value"]
    'Perceived performance (value)'
    """
    return {c: label(c, lang, model) for c in model.constructs}


def item_labels(model: Any, lang: str = "en", wording: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{item: label}`` for the items that have one: the model file's ``labels`` first, else the
    question's wording from an SPSS/Stata file (``Survey.labels``); items with neither are left out.

    Examples
    --------
    >>> from crm_analysis.sem import Model
    >>> m = Model("S =~ s1 + s2")
    >>> m.item_labels = {"s1": ("Overall satisfaction", "总体满意度")}
    >>> item_labels(m, "zh", wording={"s2": "Compared with the ideal"})
    {'s1': '总体满意度', 's2': 'Compared with the ideal'}
    """
    check_lang(lang)
    own = getattr(model, "item_labels", None) or {}
    out = {}
    for item in model.all_indicators:
        if item in own:
            out[item] = own[item][1] if lang == "zh" else own[item][0]
        elif wording and wording.get(item) and wording[item] != item:
            out[item] = str(wording[item])
    return out


def report_labels(model: Any, lang: str = "en", wording: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every id a report may show (items and constructs) → its label in ``lang``: what the
    tables, figures and readings of a report take as ``labels=``.

    Examples
    --------
    >>> report_labels(preset("ecsi"), "zh")["Loyalty"]
    '顾客忠诚'
    """
    return {**item_labels(model, lang, wording), **labels(model, lang)}
