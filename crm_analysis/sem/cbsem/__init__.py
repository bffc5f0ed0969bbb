"""Covariance-based SEM by maximum likelihood, with lavaan's conventions and lavaan's optimum.

:func:`estimate_cbsem` fits a :class:`~crm_analysis.sem.Model` as lavaan's ``sem()`` does and
returns what a lavaan user expects: the parameter table with standard errors and the completely
standardised solution (with delta-method standard errors, as ``standardizedSolution()``), the
fit measures of ``fitMeasures()``, R², effects, factor scores, reliability and HTMT.

- **Estimation** (:mod:`._ml`): our own ML on numpy in RAM notation, analytic gradient and
  expected information, several starts, Newton polish, indicators scaled to unit variance so
  that the units of the data do not matter. ``converged`` is verified on the gradient.
- **Estimators**: ``"ML"``, ``"MLM"`` (Satorra-Bentler) and ``"MLR"`` (Huber-White with the
  Yuan-Bentler test), :mod:`.robust`; ``missing="fiml"`` (full-information ML), :mod:`.fiml`.
- **Fit measures** (:mod:`.fit`): chi-square, CFI, TLI, RMSEA with its interval, SRMR, AIC/BIC
  from the log-likelihood, and the scaled / robust versions.
- **Improper solutions** (:mod:`.results`): negative variances, a latent covariance matrix that
  is not positive definite, correlations beyond ±1 (lavaan's definition). A standardised path
  beyond ±1 from collinear predictors is a collinearity note with the VIFs, not an improper
  solution.
- **Multigroup** (:mod:`.multigroup`): equality constraints across groups (``group.equal``), the
  basis of the invariance sequence in :func:`crm_analysis.csi.compare_groups`.

Composite (``<~``) blocks are refused: in CB-SEM a composite is not a latent variable with
measurement error; estimate such models with :func:`crm_analysis.sem.estimate_pls`.
"""
from __future__ import annotations

from crm_analysis.sem.cbsem.common import _free_parameter_count
from crm_analysis.sem.cbsem.estimate import ESTIMATORS, estimate_cbsem
from crm_analysis.sem.cbsem.fit import chi2_difference, fit_measures, robust_fit_measures
from crm_analysis.sem.cbsem.multigroup import estimate_cbsem_multigroup
from crm_analysis.sem.cbsem.results import (
    CBSEMConvergenceWarning,
    CBSEMResult,
    ConvergenceWarning,
    ImproperSolutionWarning,
    MultigroupResult,
    improper_message,
)

__all__ = [
    "CBSEMResult",
    "CBSEMConvergenceWarning",
    "ConvergenceWarning",
    "ESTIMATORS",
    "ImproperSolutionWarning",
    "MultigroupResult",
    "estimate_cbsem",
    "estimate_cbsem_multigroup",
    "chi2_difference",
    "fit_measures",
    "robust_fit_measures",
    "improper_message",
    "_free_parameter_count",
]
