"""Structural equation models for customer-satisfaction indices.

- :class:`Model` / :class:`ModelBuilder`: the model description (lavaan-style syntax) shared by
  every estimator.
- :func:`estimate_pls`: PLS path modelling (Wold / Lohmoeller algorithm, as R plspm and seminr),
  with batched bootstrap; ``consistent=True`` for PLSc.
- :func:`simple_slopes`: simple slopes of an interaction term (``Y ~ X + M + X:M``).
- :func:`blindfolding`: Stone-Geisser Q² (cross-validated redundancy);
  :func:`information_criteria`: AIC / BIC of the structural equations.
- :func:`micom`: measurement invariance of composites (MICOM) for two groups.
- :func:`model_fit`: SRMR, d_ULS, d_G and the bootstrap test of exact fit.
- :func:`predict_pls`, :func:`cvpat`: PLSpredict and the cross-validated predictive ability test.
- :func:`simulate`: seeded data from a known model; :func:`study`: Monte Carlo studies of the
  estimators over a design grid (serially or on a Dask cluster).
- CB-SEM (``crm_analysis.sem.cbsem``): maximum likelihood with lavaan's conventions and optimum
  (ML, MLM, MLR, FIML), loaded on first use.

Examples
--------
>>> from crm_analysis import sem
>>> m = sem.Model("X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X")
>>> m.exogenous, m.endogenous
(['X'], ['Y'])
"""
from __future__ import annotations

import importlib
from typing import Any

from crm_analysis.sem.model import Model, ModelBuilder, ModelSyntaxError

__all__ = [
    "Model",
    "ModelBuilder",
    "ModelSyntaxError",
    "estimate_pls",
    "PLSResult",
    "pls_batch",
    "predict_pls",
    "PLSPredictResult",
    "cvpat",
    "seminr_folds",
    "model_fit",
    "ModelFit",
    "micom",
    "MICOMResult",
    "blindfolding",
    "information_criteria",
    "ic_weights",
    "simple_slopes",
    "simulate",
    "implied_covariance",
    "study",
    "study_summary",
    "ConvergenceWarning",
    "estimate_cbsem",
    "estimate_cbsem_multigroup",
    "CBSEMResult",
    "ImproperSolutionWarning",
]

# name -> submodule, imported lazily (the PLS engine and the CB-SEM wrapper are not needed to
# parse a model)
_LAZY = {
    "estimate_pls": "crm_analysis.sem.pls",
    "PLSResult": "crm_analysis.sem.pls",
    "pls_batch": "crm_analysis.sem.pls",
    "PLSBatch": "crm_analysis.sem.pls",
    "ConvergenceWarning": "crm_analysis.sem.pls",
    "predict_pls": "crm_analysis.sem.predict",
    "PLSPredictResult": "crm_analysis.sem.predict",
    "cvpat": "crm_analysis.sem.predict",
    "seminr_folds": "crm_analysis.sem.predict",
    "model_fit": "crm_analysis.sem.fit_measures",
    "micom": "crm_analysis.sem.invariance",
    "blindfolding": "crm_analysis.sem.q2",
    "information_criteria": "crm_analysis.sem.criteria",
    "ic_weights": "crm_analysis.sem.criteria",
    "MICOMResult": "crm_analysis.sem.invariance",
    "simple_slopes": "crm_analysis.sem.interaction",
    "ModelFit": "crm_analysis.sem.fit_measures",
    "simulate": "crm_analysis.sem.simulation",
    "implied_covariance": "crm_analysis.sem.simulation",
    "study": "crm_analysis.sem.simstudy",
    "study_summary": "crm_analysis.sem.study_summary",
    "estimate_cbsem": "crm_analysis.sem.cbsem",
    "estimate_cbsem_multigroup": "crm_analysis.sem.cbsem",
    "CBSEMResult": "crm_analysis.sem.cbsem",
    "ImproperSolutionWarning": "crm_analysis.sem.cbsem",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'crm_analysis.sem' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
