"""Interaction (moderation) terms of PLS path models: ``Y ~ X + M + X:M``.

Three ways to build the interaction construct ``X:M`` (as R seminr's ``interaction_term``):

- ``"two_stage"`` (Chin et al. 2003; SmartPLS' default): the main-effects model is estimated
  first; the interaction construct has one indicator, the product of the standardised scores
  of ``X`` and ``M``.
- ``"product_indicator"`` (Kenny & Judd 1984; Henseler & Chin 2010): every product of a
  standardised ``X`` item and a standardised ``M`` item.
- ``"orthogonal"`` (Little et al. 2006): those products, each residualised on the raw items
  of ``X`` and ``M`` (OLS with intercept).

The interaction construct is a mode A composite of the generated columns. As seminr does, its
scores are rescaled after the PLS iterations by ``c = Σ sd(item)·|λ| / Σ |λ|`` (Henseler & Chin
2010): its path coefficient is per unit of the product of standardised scores (``c`` ≈ the
product's standard deviation), the scale on which simple slopes are read, and its loadings are
multiplied by ``c``. With PLSc the paths come from the corrected correlations and stay
standardised (seminr's convention).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem.model import Model, ModelBuilder

__all__ = ["METHODS", "Interactions", "prepare", "simple_slopes"]

METHODS = ("two_stage", "product_indicator", "orthogonal")


def main_effects(model: Model) -> Model:
    """The model without its interaction terms."""
    b = ModelBuilder()
    for c in model.constructs:
        b._measure(c, model.indicators[c], model.modes[c])
    for f, t in model.structural_paths:
        b._add_path(f, t)
    for x, y in model.covariances:
        b._add_cov(x, y)
    return b.build()


@dataclass
class Interactions:
    """How the interaction columns of a model are generated from its base indicators."""

    method: str
    base: Model  # main-effects model (its indicators are the data columns)
    model: Model  # augmented model: one construct per interaction term, generated indicators
    terms: list[tuple[str, str, str]]  # (name, iv, moderator), one per interaction construct
    columns: list[str]  # generated column names, in the augmented model's order
    fit_opts: dict  # first-stage options (two-stage)

    @property
    def names(self) -> list[str]:
        return [t[0] for t in self.terms]

    def generate(self, X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        """Generated columns (n, q) for base indicator values ``X`` (n, p) under row weights ``w``
        (bootstrap counts; None = every row once): standardisation, products, residuals and the
        first stage all use the weighted moments, so a resample equals the repeated rows."""
        n = len(X)
        w = np.ones(n) if w is None else np.asarray(w, dtype=float)
        nb = w.sum()
        mean = w @ X / nb
        Xc = X - mean
        sd1 = np.sqrt((w @ (Xc ** 2)) / (nb - 1))
        Z = Xc / sd1
        cols = list(self.base.all_indicators)
        if self.method == "two_stage":
            S = (Xc.T * w) @ Xc / nb
            st = core.structure_from_model(self.base)
            fit = core.fit_batch(S[None], np.array([nb]), st, extras=False, **self.fit_opts)
            scores = Z @ (fit["std_weights"][0][:, None] * st.mask)  # unit variance (n - 1)
            cs = list(self.base.constructs)
            return np.column_stack([scores[:, cs.index(iv)] * scores[:, cs.index(mod)]
                                    for _, iv, mod in self.terms])
        out = []
        for _, iv, mod in self.terms:
            a = [cols.index(x) for x in self.base.indicators[iv]]
            b = [cols.index(x) for x in self.base.indicators[mod]]
            P = np.column_stack([Z[:, i] * Z[:, j] for i in a for j in b])
            if self.method == "orthogonal":
                D = np.column_stack([np.ones(n), X[:, a + b]])
                beta = np.linalg.solve((D.T * w) @ D, (D.T * w) @ P)
                P = P - D @ beta
            out.append(P)
        return np.column_stack(out)

    def adjust(self, fit: dict, st: core.Structure, consistent: bool) -> None:
        """seminr's rescaling of the interaction scores (in place on a batch of fits)."""
        sd1 = fit["indicator_sd"] * np.sqrt(fit["nobs_"] / (fit["nobs_"] - 1))[:, None]
        P = fit["path_matrix"]
        lam = fit["loadings"]
        for name in self.names:
            j = st.constructs.index(name)
            idx = st.blocks[j]
            a = np.abs(lam[:, idx])
            c = (sd1[:, idx] * a).sum(axis=1) / a.sum(axis=1)
            lam[:, idx] *= c[:, None]
            if not consistent:
                P[:, j, :] /= c[:, None]
        if not consistent:
            fi = np.array([f for f, _ in st.path_idx], dtype=np.intp)
            ti = np.array([t for _, t in st.path_idx], dtype=np.intp)
            fit["paths"] = P[:, fi, ti]
            with np.errstate(invalid="ignore"):
                fit["total_effects"] = P @ np.linalg.inv(np.eye(st.J) - P)


def prepare(model: Model, method: str, fit_opts: dict) -> Interactions:
    """The augmented model of ``model``'s interaction terms built by ``method``."""
    if method not in METHODS:
        raise ParameterError(f"interactions: expected one of {list(METHODS)}, got {method!r}")
    base = main_effects(model)
    b = base._to_builder()
    b._paths = []
    terms, columns = [], []
    seen: dict[tuple[str, str], str] = {}
    for iv, mod, _ in model.interactions:
        if (iv, mod) in seen:
            continue
        name = f"{iv}:{mod}"
        seen[(iv, mod)] = name
        if method == "two_stage":
            items = [f"{name}_intxn"]
        else:
            items = [f"{a}*{c}" for a in model.indicators[iv] for c in model.indicators[mod]]
        clash = [x for x in items if x in base.all_indicators]
        if clash:
            raise ParameterError(f"interactions: generated column name(s) {clash} are already indicators")
        b._measure(name, items, "A")
        terms.append((name, iv, mod))
        columns += items
    for f, t in model.structural_paths:
        b._add_path(f, t)
    for iv, mod, t in model.interactions:
        b._add_path(seen[(iv, mod)] if (iv, mod) in seen else seen[(mod, iv)], t)
    return Interactions(method, base, b.build(), terms, columns, fit_opts)


def simple_slopes(fit, iv: str, moderator: str, target: str, *,
                  at: tuple[float, ...] = (-1.0, 0.0, 1.0), x: tuple[float, ...] = (-2.0, 2.0)
                  ) -> pd.DataFrame:
    """Simple slopes of ``iv`` on ``target`` at levels of ``moderator`` (standard deviations).

    ``slope(m) = b_iv + b_iv:moderator · m`` and the predicted target score (standardised units)
    ``ŷ = slope(m) · x + b_moderator · m`` at the ``x`` values of ``iv`` (seminr's
    ``slope_analysis``). With bootstrap draws in ``fit`` the slope gets ``se, ci_low, ci_high``
    from the same resamples (percentile, the fit's level).

    Parameters
    ----------
    fit : PLSResult
        Estimated with an interaction term ``target ~ iv:moderator`` (either order).
    iv, moderator, target : str
    at : tuple of float
        Moderator levels in standard deviations.
    x : tuple of float
        Values of ``iv`` (standard deviations) at which the lines are evaluated.

    Returns
    -------
    DataFrame
        ``moderator_sd, slope`` (+ ``se, ci_low, ci_high``), ``x``, ``y_hat``: one row per
        moderator level and ``x`` value.

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2\\nM =~ m1 + m2\\nY =~ y1 + y2\\nY ~ X + M + X:M"
    >>> data = sem.simulate("X =~ x1 + x2\\nM =~ m1 + m2\\nY =~ y1 + y2\\nY ~ X + M", n=200, seed=1)
    >>> fit = sem.estimate_pls(data, text)
    >>> list(sem.simple_slopes(fit, "X", "M", "Y").columns)
    ['moderator_sd', 'slope', 'x', 'y_hat']
    """
    from crm_analysis.sem.pls import PLSResult  # noqa: PLC0415 (avoid a cycle at import)

    if not isinstance(fit, PLSResult):
        raise ParameterError(f"fit: expected a PLSResult from estimate_pls, got {type(fit).__name__}")
    p = fit.paths.set_index(["from", "to"])["estimate"]
    term = next((f"{a}:{b}" for a, b in ((iv, moderator), (moderator, iv)) if (f"{a}:{b}", target) in p.index), None)
    if term is None:
        raise ParameterError(f"simple_slopes: the model has no interaction {iv}:{moderator} predicting {target!r}")
    for c in (iv, moderator):
        if (c, target) not in p.index:
            raise ParameterError(f"simple_slopes: the model has no main effect {c} -> {target}")
    labels = list(fit.bootstrap_labels.get("paths", []))
    rows = []
    for m in at:
        slope = p[(iv, target)] + p[(term, target)] * m
        extra = {}
        if labels:
            d = fit.bootstrap_draws["paths"]
            draws = d[:, labels.index((iv, target))] + d[:, labels.index((term, target))] * m
            draws = draws[np.isfinite(draws)]
            a = (1 - fit.settings["ci_level"]) / 2
            lo, hi = np.quantile(draws, [a, 1 - a])
            extra = {"se": draws.std(ddof=1), "ci_low": lo, "ci_high": hi}
        for xv in x:
            rows.append({"moderator_sd": m, "slope": slope, **extra, "x": xv,
                         "y_hat": slope * xv + p[(moderator, target)] * m})
    return pd.DataFrame(rows)
