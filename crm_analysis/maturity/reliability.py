"""Reliability per dimension: Cronbach's alpha and McDonald's omega, with confidence intervals."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import InputError, ParameterError
from ..i18n import check_lang
from .assessments import read_assessments, reverse_coded
from .instrument import Instrument, load_instrument


def _as_matrix(items: Any) -> np.ndarray:
    x = items.to_numpy(float) if isinstance(items, pd.DataFrame) else np.asarray(items, float)
    if x.ndim != 2:
        raise InputError(f"items: expected a respondents x items table, got an array of shape {x.shape}")
    return x[~np.isnan(x).any(axis=1)]


def _alpha_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def cronbach_alpha(items: pd.DataFrame | np.ndarray, ci: float = 0.95) -> pd.Series:
    """Cronbach's alpha of a set of items, with Feldt's (1965) F-based confidence interval.

    ``alpha = k/(k-1) * (1 - sum(var_i) / var(sum))`` on complete rows (listwise deletion);
    the CI is ``1 - (1 - alpha) * F`` at the F quantiles with ``n-1`` and ``(n-1)(k-1)``
    degrees of freedom, which assumes independent rows.

    Returns
    -------
    Series with ``alpha``, ``ci_low``, ``ci_high``, ``n``, ``k``. Fewer than two items raise
    :class:`~crm_analysis.errors.InputError` (alpha is undefined for a single item).

    Examples
    --------
    >>> from crm_analysis.maturity import cronbach_alpha
    >>> x = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 4]]
    >>> round(float(cronbach_alpha(x)["alpha"]), 4)
    0.9286
    """
    if not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r}: expected a confidence level in (0, 1)")
    x = _as_matrix(items)
    n, k = x.shape
    if k < 2:
        raise InputError("Cronbach's alpha is undefined for a single item (it needs at least two)")
    if n < 3:
        raise InputError(f"Cronbach's alpha needs at least 3 complete rows, got {n}")
    alpha = _alpha_cov(np.cov(x, rowvar=False))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf((1 - ci) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf((1 + ci) / 2, df1, df2)
    return pd.Series({"alpha": alpha, "ci_low": low, "ci_high": high, "n": n, "k": k})


def _one_factor_ml(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood one-factor model of a covariance matrix (as R ``factanal``).

    Fits on the correlation matrix by minimising the concentrated ML discrepancy over the
    uniquenesses (L-BFGS-B, bounded below by 0.005), then rescales to the covariance
    metric (ML is scale invariant). Returns loadings, unique variances and whether a
    uniqueness sits on the bound (a Heywood case).
    """
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    p = r.shape[0]

    def loadings(psi: np.ndarray) -> np.ndarray:
        sc = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
        return np.sqrt(psi) * vecs[:, -1] * np.sqrt(max(vals[-1] - 1, 0))

    def objective(psi: np.ndarray) -> float:
        sc = 1 / np.sqrt(psi)
        vals = np.linalg.eigvalsh(r * np.outer(sc, sc))[:-1]
        return float(-np.sum(np.log(vals) - vals) - 1 + p)

    def gradient(psi: np.ndarray) -> np.ndarray:
        lam = loadings(psi)
        g = np.outer(lam, lam) + np.diag(psi) - r
        return np.diag(g) / psi ** 2

    try:
        start = (1 - 0.5 / p) / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        start = np.full(p, 0.5)
    res = optimize.minimize(objective, np.clip(start, 0.005, 1), jac=gradient, method="L-BFGS-B",
                            bounds=[(0.005, 1.0)] * p, options={"maxiter": 500, "ftol": 1e-12, "gtol": 1e-9})
    psi = res.x
    lam = loadings(psi)
    if lam.sum() < 0:  # the eigenvector's sign is arbitrary
        lam = -lam
    heywood = bool(np.any(psi <= 0.005 + 1e-8))
    return lam * sd, psi * sd ** 2, heywood


def _omega_cov(cov: np.ndarray) -> tuple[float, bool]:
    lam, theta, heywood = _one_factor_ml(cov)
    common = lam.sum() ** 2
    return float(common / (common + theta.sum())), heywood


def mcdonald_omega(items: pd.DataFrame | np.ndarray) -> pd.Series:
    """McDonald's omega (total) of the unit-weighted sum of items, from a one-factor ML model.

    ``omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta)`` with loadings ``lambda`` and
    unique variances ``theta`` of a maximum-likelihood one-factor model of the item
    covariance matrix (complete rows). Needs at least three items: with two the one-factor
    model is not identified.

    Returns
    -------
    Series with ``omega``, ``n``, ``k``, ``heywood`` (a unique variance at its lower bound).

    Examples
    --------
    >>> import numpy as np
    >>> from crm_analysis.maturity import mcdonald_omega
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 1))
    >>> x = f @ np.array([[0.8, 0.7, 0.6, 0.5]]) + rng.normal(scale=0.6, size=(500, 4))
    >>> 0.7 < mcdonald_omega(x)["omega"] < 0.9
    True
    """
    x = _as_matrix(items)
    n, k = x.shape
    if k < 3:
        raise InputError(f"McDonald's omega needs at least three items (a one-factor model of {k} item(s) is not "
                         "identified)")
    if n < k + 2:
        raise InputError(f"McDonald's omega needs more complete rows than items; got {n} rows for {k} items")
    omega, heywood = _omega_cov(np.cov(x, rowvar=False))
    return pd.Series({"omega": omega, "n": n, "k": k, "heywood": heywood})


@dataclass
class Reliability:
    """Reliability of each dimension.

    Attributes
    ----------
    table : one row per dimension: ``dimension``, ``n_items``, ``n``, ``alpha``,
        ``alpha_low``, ``alpha_high``, ``omega``, ``omega_low``, ``omega_high``, ``note``.
        A statistic that cannot be computed is missing and ``note`` says why in words.
    ci : confidence level; ``alpha_ci`` and ``omega_ci`` name the interval methods.
    """

    table: pd.DataFrame
    ci: float
    alpha_ci: str
    omega_ci: str
    n_boot: int
    notes: list[str] = field(default_factory=list)

    def formatted(self, lang: str = "en", digits: int = 3) -> pd.DataFrame:
        """The table as text for display: undefined statistics read 'undefined', never NaN."""
        check_lang(lang)
        undefined = "undefined" if lang == "en" else "无法计算"
        out = self.table.copy()
        for col in ["alpha", "alpha_low", "alpha_high", "omega", "omega_low", "omega_high"]:
            out[col] = out[col].map(lambda v: undefined if pd.isna(v) else f"{v:.{digits}f}")
        out["note"] = out["note"].fillna("")
        return out

    def summary(self, lang: str = "en") -> str:
        check_lang(lang)
        lines = [f"Reliability per dimension ({self.ci:.0%} CIs: alpha {self.alpha_ci}, omega {self.omega_ci})"]
        for row in self.formatted(lang).itertuples():
            lines.append(f"  {row.dimension:<14} k={row.n_items} n={row.n}  alpha {row.alpha} [{row.alpha_low}, "
                         f"{row.alpha_high}]  omega {row.omega} [{row.omega_low}, {row.omega_high}]"
                         + (f"  ({row.note})" if row.note else ""))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def reliability(responses: pd.DataFrame | str | Path, instrument: Instrument | str | Path | None = None, *,
                ci: float = 0.95, n_boot: int = 1000, alpha_ci: str = "feldt", seed: int | None = 0) -> Reliability:
    """Cronbach's alpha and McDonald's omega of every dimension, with confidence intervals.

    Computed on the rater-level answers (each rater's assessment of a firm is a row),
    reverse-coded items flipped, rows with a missing item of the dimension left out
    (listwise per dimension). The omega CI is a percentile bootstrap that resamples *firms*
    (with all their raters), respecting the nesting of raters in firms; the alpha CI is
    Feldt's (``alpha_ci="feldt"``, assumes independent rows) or the same bootstrap
    (``alpha_ci="bootstrap"``).

    A dimension with a single item has no alpha and no omega; one with two items has alpha
    but no omega: ``note`` says so in words and a warning names the dimension.

    Parameters
    ----------
    responses : assessments (DataFrame or CSV path).
    instrument : the instrument (default: the packaged one).
    ci : confidence level.
    n_boot : bootstrap resamples for the CIs (0 for no bootstrap CI).
    alpha_ci : ``"feldt"`` or ``"bootstrap"``.
    seed : seed of the bootstrap.

    Returns
    -------
    Reliability

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> rel = maturity.reliability(maturity.simulate(60, seed=1), n_boot=50)
    >>> rel.table["dimension"].tolist()
    ['satisfaction', 'loyalty', 'engagement', 'service', 'image']
    """
    if not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r}: expected a confidence level in (0, 1)")
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 0:
        raise ParameterError(f"n_boot={n_boot!r}: expected a non-negative integer")
    if alpha_ci not in {"feldt", "bootstrap"}:
        raise ParameterError(f"alpha_ci={alpha_ci!r}: expected 'feldt' or 'bootstrap'")
    inst = load_instrument(instrument)
    data = reverse_coded(read_assessments(responses, inst), inst)
    firms = data["firm"].to_numpy()
    firm_ids, firm_code = np.unique(firms, return_inverse=True)
    rng = np.random.default_rng(seed)
    # the same firm resamples for every dimension, so that CIs are comparable
    draws = [rng.integers(0, len(firm_ids), len(firm_ids)) for _ in range(n_boot)]
    rows_of = [np.flatnonzero(firm_code == f) for f in range(len(firm_ids))]
    q = [(1 - ci) / 2, (1 + ci) / 2]
    rows, notes = [], []
    for dim in inst.dimensions:
        items = list(dim.items)
        x = data[items].to_numpy(float)
        complete = ~np.isnan(x).any(axis=1)
        rec: dict[str, Any] = {"dimension": dim.id, "n_items": len(items), "n": int(complete.sum()),
                               "alpha": np.nan, "alpha_low": np.nan, "alpha_high": np.nan,
                               "omega": np.nan, "omega_low": np.nan, "omega_high": np.nan, "note": None}
        why = []
        if len(items) < 2:
            why.append("alpha and omega undefined: a single item")
        elif len(items) < 3:
            why.append("omega undefined: a one-factor model of two items is not identified")
        if len(items) >= 2 and complete.sum() >= 3:
            a = cronbach_alpha(x[complete], ci=ci)
            rec.update(alpha=a["alpha"], alpha_low=a["ci_low"] if alpha_ci == "feldt" else np.nan,
                       alpha_high=a["ci_high"] if alpha_ci == "feldt" else np.nan)
        elif len(items) >= 2:
            why.append(f"too few complete rows ({int(complete.sum())})")
        heywood = False
        if len(items) >= 3 and complete.sum() >= len(items) + 2:
            rec["omega"], heywood = _omega_cov(np.cov(x[complete], rowvar=False))
        if heywood:
            why.append("Heywood case: a unique variance is at its bound; omega is an upper estimate")
        if n_boot and len(items) >= 2 and complete.sum() >= len(items) + 2:
            alphas, omegas = [], []
            for draw in draws:
                idx = np.concatenate([rows_of[f] for f in draw])
                xb = x[idx]
                xb = xb[~np.isnan(xb).any(axis=1)]
                if len(xb) < len(items) + 2:
                    continue
                cov = np.cov(xb, rowvar=False)
                if alpha_ci == "bootstrap":
                    alphas.append(_alpha_cov(cov))
                if len(items) >= 3 and np.all(np.diag(cov) > 0):
                    omegas.append(_omega_cov(cov)[0])
            if alpha_ci == "bootstrap" and alphas:
                rec["alpha_low"], rec["alpha_high"] = np.nanquantile(alphas, q)
            if omegas:
                rec["omega_low"], rec["omega_high"] = np.quantile(omegas, q)
        elif len(items) >= 3 and not n_boot:
            why.append("no bootstrap: omega CI not computed")
        if why:
            rec["note"] = "; ".join(why)
            notes.append(f"dimension {dim.id!r}: {rec['note']}")
        rows.append(rec)
    for message in notes:
        warnings.warn(message, stacklevel=2)
    return Reliability(pd.DataFrame(rows), ci, "Feldt" if alpha_ci == "feldt" else "firm bootstrap (percentile)",
                       "firm bootstrap (percentile)" if n_boot else "none", n_boot, notes)
