"""Small, tested helpers for the learning notebooks (``notebooks/learn/``).

- :func:`recovery`: estimates of a simulated model beside the true values, with the bias.
- :func:`respondent_index`: the ACSI 0-100 score of each respondent, from a PLS fit's weights
  (their mean is :func:`crm_analysis.csi.index`).
- :func:`percentile_interval`: the percentile bootstrap interval of a set of estimates.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = ["percentile_interval", "recovery", "respondent_index"]


def recovery(truth: Mapping[tuple[str, str], float], **estimates: pd.DataFrame) -> pd.DataFrame:
    """True path coefficients beside each estimator's estimates, and each estimator's bias.

    Parameters
    ----------
    truth : {(from, to): value}
        The coefficients the data were simulated with (:func:`crm_analysis.sem.simulate`).
    **estimates : DataFrame
        Per estimator (the keyword is its name), a table with ``from, to`` and ``estimate``
        (or ``std_all``, the standardised estimate of a CB-SEM result, which is preferred).

    Returns
    -------
    DataFrame
        ``from, to, truth``, then ``<name>`` and ``bias_<name>`` (estimate − truth) per estimator.

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"from": ["X"], "to": ["Y"], "estimate": [0.45]})
    >>> recovery({("X", "Y"): 0.5}, PLS=est)["bias_PLS"].round(2).tolist()
    [-0.05]
    """
    if not truth:
        raise ParameterError("recovery: expected at least one true path {(from, to): value}")
    out = pd.DataFrame([{"from": a, "to": b, "truth": float(v)} for (a, b), v in truth.items()])
    for name, table in estimates.items():
        col = "std_all" if "std_all" in table.columns else "estimate"
        if not {"from", "to", col} <= set(table.columns):
            raise ParameterError(f"recovery: the {name} table needs columns from, to and estimate (or std_all)")
        est = table.set_index(["from", "to"])[col]
        missing = [k for k in truth if k not in est.index]
        if missing:
            raise ParameterError(f"recovery: {name} has no estimate of {missing[0][0]} → {missing[0][1]}")
        out[name] = [float(est.loc[(a, b)]) for a, b in zip(out["from"], out["to"])]
        out[f"bias_{name}"] = out[name] - out["truth"]
    return out


def respondent_index(result: Any, answers: pd.DataFrame, construct: str, scale: tuple[float, float]) -> pd.DataFrame:
    """Each respondent's 0-100 score on ``construct``, with the ACSI weights of a PLS fit.

    ``score = sum_j v_j x_j`` (``v`` the normalised unstandardised outer weights,
    :func:`crm_analysis.csi.index_weights`) and ``index = 100 (score − lo) / (hi − lo)``. Over
    the respondents the fit was estimated on, the mean index equals :func:`crm_analysis.csi.index`.

    Returns
    -------
    DataFrame
        One row per respondent: the construct's items, ``score`` and ``index``.
    """
    from .csi.indexing import index_weights

    lo, hi = (float(v) for v in scale)
    if not hi > lo:
        raise ParameterError(f"respondent_index: scale={scale!r}: expected (min, max) with max > min")
    w = index_weights(result)
    w = w[w["construct"] == construct]
    if w.empty:
        raise ParameterError(f"respondent_index: {construct!r} is not a construct of the model "
                             f"({', '.join(result.model.constructs)})")
    items = list(w["indicator"])
    absent = [i for i in items if i not in answers.columns]
    if absent:
        raise ParameterError(f"respondent_index: the answers lack the items {absent}")
    x = answers[items].astype(float)
    out = x.copy()
    out["score"] = x.to_numpy() @ w["weight"].to_numpy(dtype=float)
    out["index"] = 100.0 * (out["score"] - lo) / (hi - lo)
    return out


def percentile_interval(estimates: Any, level: float = 0.95) -> tuple[float, float]:
    """The percentile bootstrap interval: the (1−level)/2 and (1+level)/2 quantiles of ``estimates``."""
    values = np.asarray(estimates, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise ParameterError("percentile_interval: expected at least two finite estimates")
    if not 0 < level < 1:
        raise ParameterError(f"percentile_interval: level={level!r}: expected a number between 0 and 1")
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)
