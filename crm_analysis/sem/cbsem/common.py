"""Input checks, parameter counts and the tables shared by the single- and multigroup fits."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem.model import Model

_MISSING = ("listwise", "fiml")


def _refuse_composites(model: Model) -> None:
    """Refuse what this CB-SEM does not estimate: composites, interaction terms, higher-order constructs."""
    if getattr(model, "interactions", None):
        terms = [f"{iv}:{m} -> {y}" for iv, m, y in model.interactions]
        raise ParameterError(
            f"CB-SEM cannot estimate the interaction term(s) {terms}: a latent interaction needs a "
            "product-indicator or moment-based specification this estimator does not have. Estimate the "
            "moderation with crm_analysis.sem.estimate_pls(..., interactions='two_stage'), or drop the term")
    if getattr(model, "higher_order", None):
        raise ParameterError(
            f"CB-SEM cannot estimate the higher-order construct(s) {sorted(model.higher_order)} yet: estimate "
            "them with crm_analysis.sem.estimate_pls(..., hoc='two_stage'), or model the lower-order "
            "constructs directly")
    composites = [c for c, mode in model.modes.items() if mode == "B"]
    if composites:
        raise ParameterError(
            f"CB-SEM cannot estimate the composite (formative, '<~') block(s) {composites}: "
            "covariance-based SEM treats a construct as a common factor with measurement error, "
            "whereas a PLS composite is an exact weighted sum of its indicators. Estimate this "
            "model with crm_analysis.sem.estimate_pls, or declare the block(s) reflective "
            "('=~') to estimate them as common factors."
        )


def _prepare_data(
    data: Any, model: Model, missing: str, *, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, int, list[str]]:
    """Indicator columns (plus ``extra``) as floats, listwise complete; (frame, n_dropped, notes)."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if missing not in _MISSING:
        raise ParameterError(
            f"missing={missing!r}: expected 'listwise' (incomplete rows deleted) or 'fiml' "
            "(full-information ML: every observed value used; lavaan's missing = 'ml')"
        )
    model.check_data(data)
    cols = model.all_indicators
    frame = data.loc[:, list(cols) + [c for c in extra if c not in cols]].copy()
    frame[cols] = frame[cols].astype(float)
    notes: list[str] = []
    if missing == "fiml":
        empty = frame[cols].isna().all(axis=1)
        n_empty = int(empty.sum())
        if n_empty:
            notes.append(f"missing values: {n_empty} of {len(frame)} rows have no indicator value "
                         "at all and were left out")
            frame = frame.loc[~empty]
        n_cells = int(frame[cols].isna().to_numpy().sum())
        if n_cells:
            notes.append(f"missing values: {n_cells} cells in {int(frame[cols].isna().any(axis=1).sum())} "
                         "rows, handled by full-information ML (every observed value is used)")
        if len(frame) == 0:
            raise InputError("data: no row has any indicator value")
        return frame, n_empty, notes
    incomplete = frame[cols].isna().any(axis=1)
    n_dropped = int(incomplete.sum())
    if n_dropped:
        counts = frame[cols].isna().sum()
        counts = counts[counts > 0]
        listed = ", ".join(f"{k}: {v}" for k, v in counts.items())
        notes.append(
            f"missing values: {n_dropped} of {len(frame)} rows have missing indicator values "
            f"({listed} cells); handled by listwise deletion, {len(frame) - n_dropped} rows used"
        )
        frame = frame.loc[~incomplete]
    if len(frame) == 0:
        raise InputError("data: no complete rows left after listwise deletion of missing values")
    return frame, n_dropped, notes


def _check_sample(frame: pd.DataFrame, cols: Sequence[str], npar: int, where: str = "data") -> None:
    sd = frame[list(cols)].std(ddof=0)
    constant = [c for c in cols if not sd[c] > 0]
    if constant:
        values = ", ".join(f"{c} = {frame[c].iloc[0]:g}" for c in constant)
        raise InputError(
            f"{where}: indicator(s) with no variance ({values} in every row): a constant item "
            "carries no information and makes the covariance matrix singular; drop it from the model"
        )
    n, p = len(frame), len(cols)
    if n < npar:
        raise InputError(
            f"{where}: {n} complete rows but the model has {npar} free parameters: the model "
            "cannot be estimated from fewer observations than parameters"
        )
    if n <= p:
        raise InputError(
            f"{where}: {n} complete rows for {p} indicators: the sample covariance matrix is "
            f"singular (at least {p + 1} rows are needed, and many more for stable estimates)"
        )


def _free_parameter_count(model: Model) -> int:
    """Free parameters of lavaan's ``sem()`` for ``model`` (no mean structure)."""
    ind = model.indicators
    n_load = sum(len(v) - 1 for v in ind.values())
    singles = {v[0] for v in ind.values() if len(v) == 1}
    n_theta = len(model.all_indicators) - len(singles)
    exo = model.exogenous
    n_exo_cov = len(exo) * (len(exo) - 1) // 2
    covs = {frozenset(p) for p in model.covariances}
    explicit = [p for p in covs if len(p) == 2]
    # explicit covariances among exogenous constructs are already counted
    explicit = [p for p in explicit if not p <= set(exo)]
    return n_load + len(model.structural_paths) + n_theta + len(model.constructs) + n_exo_cov + len(explicit)


def _reliability_htmt(model: Model, R: np.ndarray, loadings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha, composite reliability, AVE per construct; HTMT per pair (the PLS engine's formulas)."""
    cs = model.constructs
    std = loadings.set_index("indicator").loc[model.all_indicators, "std_all"].to_numpy(float)
    stats_ = core.block_statistics(R[None], std[None], core.structure_from_model(model).mask)
    rel = pd.DataFrame({k: stats_[k][0] for k in ("alpha", "rho_c", "ave")},
                       index=pd.Index(cs, name="construct"))
    pairs = [(a, b, stats_["htmt"][0, i, j]) for i, a in enumerate(cs) for j, b in enumerate(cs) if i < j]
    return rel, pd.DataFrame(pairs, columns=["construct_1", "construct_2", "estimate"])


def _reachability(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean (to, from) matrices over constructs: direct path, any path, path of length >= 2."""
    P = core.structure_from_model(model).P  # [from, to]
    M1 = P.T > 0
    Mall = core.reachability(P).T
    Mind = (M1.astype(int) @ Mall.astype(int)) > 0
    return M1, Mall, Mind


