"""Customer-satisfaction index (CSI) analysis on top of :mod:`crm_analysis.sem`.

- :func:`preset` / :func:`presets`: the ACSI, ECSI, CCSI and SCSB models, bilingual labels;
  :func:`satisfaction_model`: the ECSI of R plspm's ``satisfaction`` data.
- :func:`read_survey` / :func:`check_survey`: survey files checked item by item.
- :func:`index`: the ACSI-style 0-100 index of every construct, with bootstrap intervals.
- :func:`ipma` / :func:`plot_ipma`: importance-performance map analysis.
- :func:`compare_groups`: PLS multigroup analysis (permutation test, Henseler's bootstrap MGA)
  and the CB-SEM measurement-invariance sequence (configural, metric, scalar).
- :func:`compare_models`: two specifications on the same data, side by side.
- :func:`assess_loadings`, :func:`assess_reliability`, :func:`assess_htmt`: measurement-model
  verdicts against the usual thresholds; :func:`plot_index`, :func:`plot_paths` figures;
  :func:`plot_model`, the path diagram (constructs with R², arrows with β and significance);
  :func:`plot_interaction`: simple slopes of a moderation (``sem.simple_slopes``).

Examples
--------
>>> from crm_analysis import csi
>>> m = csi.preset("ecsi")
>>> csi.labels(m, "zh")["Satisfaction"]
'顾客满意度'
"""
from __future__ import annotations

import importlib
from typing import Any

from crm_analysis.csi.presets import (
    DEFAULT_PREFIXES,
    LABELS,
    PresetModel,
    item_labels,
    label,
    labels,
    match_prefix,
    preset,
    presets,
    report_labels,
    satisfaction_model,
)
from crm_analysis.csi.survey import (
    Survey,
    SurveyProblem,
    check_survey,
    n_parameters,
    read_survey,
    resolve_model,
    survey_columns,
)

__all__ = [
    "DEFAULT_PREFIXES",
    "GroupComparison",
    "LABELS",
    "ModelComparison",
    "PresetModel",
    "Survey",
    "SurveyProblem",
    "assess_htmt",
    "assess_loadings",
    "assess_reliability",
    "check_survey",
    "compare_groups_reading",
    "ecsi_synthetic",
    "compare_groups",
    "compare_models",
    "index",
    "index_weights",
    "ipma",
    "ipma_reading",
    "henseler_p",
    "item_labels",
    "label",
    "labels",
    "report_labels",
    "match_prefix",
    "measurement_summary",
    "n_parameters",
    "permutation_p",
    "plot_index",
    "plot_interaction",
    "plot_ipma",
    "plot_paths",
    "plot_model",
    "preset",
    "presets",
    "read_survey",
    "resolve_model",
    "satisfaction_model",
    "style_verdicts",
    "survey_columns",
    "track",
    "top_actions",
    "quality_verdict",
    "Tracking",
    "split_waves",
    "trend_reading",
    "plot_trend",
]

# the analyses import the PLS engine (and plotting); load them on first use
_LAZY = {
    "index": "crm_analysis.csi.indexing",
    "ipma": "crm_analysis.csi.indexing",
    "ipma_reading": "crm_analysis.csi.indexing",
    "index_weights": "crm_analysis.csi.indexing",
    "plot_ipma": "crm_analysis.csi.indexing",
    "compare_groups": "crm_analysis.csi.groups",
    "GroupComparison": "crm_analysis.csi.groups",
    "henseler_p": "crm_analysis.csi.groups",
    "permutation_p": "crm_analysis.csi.groups",
    "compare_models": "crm_analysis.csi.compare",
    "compare_groups_reading": "crm_analysis.csi.groups",
    "assess_loadings": "crm_analysis.csi.quality",
    "assess_reliability": "crm_analysis.csi.quality",
    "assess_htmt": "crm_analysis.csi.quality",
    "measurement_summary": "crm_analysis.csi.quality",
    "style_verdicts": "crm_analysis.csi.quality",
    "plot_index": "crm_analysis.csi.plots",
    "plot_paths": "crm_analysis.csi.plots",
    "plot_model": "crm_analysis.csi.path_diagram",
    "plot_interaction": "crm_analysis.csi.interaction_plot",
    "ecsi_synthetic": "crm_analysis.csi.synthetic",
    "ModelComparison": "crm_analysis.csi.compare",
    "track": "crm_analysis.csi.tracking",
    "top_actions": "crm_analysis.csi.summary",
    "quality_verdict": "crm_analysis.csi.summary",
    "Tracking": "crm_analysis.csi.tracking",
    "split_waves": "crm_analysis.csi.tracking",
    "trend_reading": "crm_analysis.csi.tracking",
    "plot_trend": "crm_analysis.csi.tracking",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crm_analysis.csi' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
