"""Model-based customer value: BG/NBD (purchases and drop-out) and Gamma-Gamma (spend per purchase).

Implemented here with scipy from the closed-form likelihoods:

- BG/NBD: Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative
  to the Pareto/NBD model", Marketing Science 24(2), 275-284. On the 2,357-customer CDNOW sample
  (39-week calibration) they report r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
- Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer
  base analysis", JMR 42(4); Fader & Hardie (2013), "The Gamma-Gamma model of monetary value"
  (p = 6.25, q = 3.74, gamma = 15.44 on the same sample).

Conventions (as in those papers and in the ``lifetimes`` package): time is in weeks; purchases on
the same day count as one transaction; ``frequency`` is the number of repeat purchase days,
``recency`` the time from the first to the last purchase, ``T`` from the first purchase to the end
of calibration; ``monetary_value`` the mean value of the repeat purchase days.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.segment.money import total_by
from crm_analysis.segment.names import CLV, assign_segments
from crm_analysis.segment.rfm import Prepared, aggregate, from_day, prepare, score, to_day


# --------------------------------------------------------------------------- summary statistics
def summary_from_prepared(prep: Prepared, end_day: int, unit_days: float = 7.0,
                          keys_from: Prepared | None = None) -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T`` (in units of ``unit_days``) and ``monetary_value``.

    Only transactions on or before ``end_day`` count; customers whose first purchase is later
    are left out. ``keys_from``: a superset of ``prep``'s rows (same customer codes) whose sorted
    (customer, day) keys are cached and shared between calls.
    """
    if int(prep.day.max()) > end_day:
        inside = prep.day <= end_day
        codes, day, amount = prep.codes[inside], prep.day[inside], prep.amount[inside]
    else:
        codes, day, amount = prep.codes, prep.day, prep.amount
    n = prep.n_customers
    agg = aggregate(codes, n, day, amount, end_day, prep.decimals)  # first and last day, total value
    present = agg["frequency"] > 0
    first, last, total = agg["first"], agg["last"], agg["monetary"]
    distinct_days = _distinct_days(keys_from if keys_from is not None else prep, end_day)
    on_first = day == first[codes]
    first_value = total_by(codes[on_first], amount[on_first], n, prep.decimals)
    x = np.maximum(distinct_days - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mvalue = np.where(x > 0, (total - first_value) / np.maximum(x, 1), 0.0)
    out = pd.DataFrame({"frequency": x, "recency": (last - first) / unit_days,
                        "T": (end_day - first) / unit_days, "monetary_value": mvalue},
                       index=prep.customers)
    return out.loc[present]


def _distinct_days(prep: Prepared, end_day: int) -> np.ndarray:
    """Purchase days per customer up to ``end_day``; one sort of (customer, day) keys serves every end day."""
    if prep._day_keys is None:
        lo = int(prep.day.min())
        span = int(prep.day.max()) - lo + 1
        key = np.sort(prep.codes * span + (prep.day - lo))
        starts = np.ones(len(key), dtype=bool)
        starts[1:] = key[1:] != key[:-1]
        distinct = key[starts]
        prep._day_keys = (distinct // span, distinct % span + lo)  # customer code and day of each purchase day
    code, day = prep._day_keys
    inside = day <= end_day
    return np.bincount(code[inside], minlength=prep.n_customers)


def clv_summary(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date", amount: str = "dollar_value",
                calibration_end: Any = None, unit_days: float = 7.0) -> pd.DataFrame:
    """Frequency / recency / T / monetary value per customer, as BG/NBD and Gamma-Gamma need them.

    Parameters
    ----------
    tx : DataFrame
        Transactions.
    customer, date, amount : str
        Column names.
    calibration_end : date-like, optional
        Last day of the calibration period (inclusive); default the last transaction day.
    unit_days : float
        Length of the time unit in days (7: weeks, as in the CDNOW papers).

    Returns
    -------
    DataFrame
        Index customer; ``frequency`` (repeat purchase days), ``recency`` and ``T`` (in units),
        ``monetary_value`` (mean value of repeat purchase days, 0 without repeats).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["1997-01-01", "1997-01-01", "1997-01-15", "1997-01-08"]),
    ...     "dollar_value": [10.0, 5.0, 20.0, 7.0]})
    >>> clv_summary(tx, calibration_end="1997-01-29")  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency    T  monetary_value
    customer_id
    a                    1      2.0  4.0            20.0
    b                    0      0.0  3.0             0.0
    """
    if getattr(tx, "_crm_out_of_core", False):  # Parquet / DuckDB: aggregated by DuckDB (segment.outofcore)
        return tx.clv_summary(calibration_end, unit_days)
    _check_unit_days(unit_days)
    return _summary_upto(tx, customer, date, amount, calibration_end, unit_days)[0]


def _check_unit_days(unit_days: Any) -> None:
    if not isinstance(unit_days, (int, float)) or unit_days <= 0:
        raise ParameterError(f"unit_days={unit_days!r}: expected a positive number of days (7 for weeks)")


def _summary_upto(tx: pd.DataFrame, customer: str, date: str, amount: str, calibration_end: Any,
                  unit_days: float) -> tuple[pd.DataFrame, int]:
    """The customers' summary up to ``calibration_end`` (default: the last day) and that day's number."""
    prep = prepare(tx, customer, date, amount)
    end = int(prep.day.max()) if calibration_end is None else _end_day(prep, calibration_end)
    return summary_from_prepared(prep, end, unit_days), end


def _end_day(prep: Prepared, calibration_end: Any) -> int:
    end = to_day(calibration_end, "calibration_end")
    if end < int(prep.day.min()):
        raise ParameterError(f"calibration_end={from_day(end).date()} is before the data (first transaction "
                             f"{from_day(int(prep.day.min())).date()})")
    return end


# --------------------------------------------------------------------------- helpers
def _as_arrays(**columns: Any) -> dict[str, np.ndarray]:
    out = {}
    n = None
    for name, values in columns.items():
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1:
            raise ParameterError(f"{name}: expected one value per customer (1-d), got shape {arr.shape}")
        if np.isnan(arr).any():
            raise InputError(f"{name}: {int(np.isnan(arr).sum())} missing value(s)")
        if n is not None and len(arr) != n:
            raise ParameterError(f"{name}: {len(arr)} values but the other inputs have {n}")
        n = len(arr)
        out[name] = arr
    return out


def _levels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each row's position among them (special functions are then
    evaluated once per distinct value: frequencies and day-based times repeat a lot)."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(uniques, dtype=np.float64), codes.astype(np.intp, copy=False)


def _hessian_se(grad: Any, theta: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information (central differences of the gradient)."""
    k = len(theta)
    hess = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(abs(theta[j]), 1e-3)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hess[:, j] = (grad(up) - grad(down)) / (2 * h)
    hess = (hess + hess.T) / 2
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)


LOG_BOUNDS = (np.log(1e-6), np.log(1e6))  # parameters far outside this range mean a degenerate fit


class ConvergenceWarning(UserWarning):
    """A model fit did not converge or ended on a parameter bound."""


def _maximise(loglik_grad: Any, start: Any, names: list[str], maxiter: int, model: str) -> tuple[np.ndarray, Any, bool]:
    """Maximise a weighted log-likelihood over log-parameters within :data:`LOG_BOUNDS`."""

    def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(log_theta)
        with np.errstate(all="ignore"):
            ll, g = loglik_grad(theta)
        if not np.isfinite(ll) or not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(log_theta)
        return -ll, -(g * theta)

    x0 = np.log(np.asarray(start, dtype=float))
    res = optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=[LOG_BOUNDS] * len(x0),
                            options={"maxiter": maxiter, "gtol": 1e-9, "ftol": 1e-15})
    on_bound = np.isclose(res.x, LOG_BOUNDS[0], atol=1e-3) | np.isclose(res.x, LOG_BOUNDS[1], atol=1e-3)
    # L-BFGS-B may stop with "ABNORMAL" line searches at machine precision: judge by the gradient
    small_gradient = bool(np.all(np.isfinite(res.jac))) and float(np.max(np.abs(res.jac))) < 1e-5
    ok = bool((res.success or small_gradient) and not on_bound.any() and res.fun < 1e299)
    if not ok:
        import warnings

        why = (f"{', '.join(n for n, b in zip(names, on_bound) if b)} ran to a bound (1e-6 or 1e6): the data do not "
               f"identify the model (too few customers, or no heterogeneity)") if on_bound.any() else str(res.message)
        warnings.warn(f"{model}: the fit did not converge: {why}", ConvergenceWarning, stacklevel=3)
    return np.exp(res.x), res, ok


def _param_table(names: list[str], est: np.ndarray, se: np.ndarray) -> pd.DataFrame:
    z = special.ndtri(0.975)
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se},
                        index=pd.Index(names, name="parameter"))


# --------------------------------------------------------------------------- BG/NBD
def bgnbd_loglik(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood at ``params = (r, alpha, a, b)``.

    Examples
    --------
    >>> float(bgnbd_loglik((0.243, 4.414, 0.793, 2.426), [2], [30.43], [38.86])[0])  # doctest: +ELLIPSIS
    -9.45...
    """
    r, alpha, a, b = (float(p) for p in params)
    d = _as_arrays(frequency=frequency, recency=recency, T=T)
    return _bgnbd_ll_grad(np.array([r, alpha, a, b]), d["frequency"], d["recency"], d["T"], grad=False)


def _bgnbd_ll_grad(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, grad: bool = True) -> Any:
    """Per-customer log-likelihood (``grad=False``) or the total and its gradient."""
    return _BGData(x, tx, T).ll_grad(theta, grad)


class _BGData:
    """BG/NBD sufficient statistics with distinct values of x, t_x and T indexed once."""

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
        self.xu, xi = _levels(x)
        self.tu, ti = _levels(tx)
        self.Tu, Ti = _levels(T)
        # customers with the same (x, t_x, T) have the same likelihood: keep each combination once
        combo = (xi.astype(np.int64) * len(self.tu) + ti) * len(self.Tu) + Ti
        self.row, uniq = pd.factorize(combo)
        self.w = np.bincount(self.row).astype(np.float64)
        self.xi = (uniq // (len(self.tu) * len(self.Tu))).astype(np.intp)
        self.ti = ((uniq // len(self.Tu)) % len(self.tu)).astype(np.intp)
        self.Ti = (uniq % len(self.Tu)).astype(np.intp)
        self.has = self.xu[self.xi] > 0
        self.n = len(x)

    def ll_grad(self, theta: np.ndarray, grad: bool = True) -> Any:
        r, alpha, a, b = theta
        xu, xi, has, w = self.xu, self.xi, self.has, self.w
        hasu = xu > 0
        bxm1 = np.where(hasu, b + xu - 1, 1.0)
        # terms that depend on x only
        c_x = special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
        b1_x = special.betaln(a, b + xu)
        b2_x = np.where(hasu, special.betaln(a + 1, bxm1), -np.inf)
        log_T = np.log(alpha + self.Tu)
        log_tx = np.log(alpha + self.tu)
        rx = (r + xu)[xi]
        lT, ltx = log_T[self.Ti], log_tx[self.ti]
        d1 = b1_x[xi] - rx * lT
        d2 = np.where(has, b2_x[xi] - rx * ltx, -np.inf)
        mix = np.logaddexp(d1, d2)
        ll = c_x[xi] + mix
        if not grad:
            return ll[self.row]
        w1 = np.exp(d1 - mix)
        w2 = 1.0 - w1  # the two weights of the mixture sum to one (w2 = 0 without repeat purchases)
        w2[~has] = 0.0
        w1, w2 = w1 * w, w2 * w  # weighted by the customers sharing each combination
        psi = special.digamma
        nx = np.bincount(xi, weights=w, minlength=len(xu))  # customers per x value
        w1x = np.bincount(xi, weights=w1, minlength=len(xu))
        w2x = np.bincount(xi, weights=w2, minlength=len(xu))
        ab = a + b
        g_r = (nx * (psi(r + xu) - psi(r) + np.log(alpha))).sum() - (w1 * lT).sum() - (w2 * ltx).sum()
        g_alpha = self.n * r / alpha - ((w1 * rx) / (alpha + self.Tu[self.Ti])).sum() - ((w2 * rx) / (alpha + self.tu[self.ti])).sum()
        psi_abx = psi(ab + xu)
        g_a = (-(psi(a) - psi(ab)) * nx + w1x * (psi(a) - psi_abx) + w2x * (psi(a + 1) - psi_abx)).sum()
        g_b = (-(psi(b) - psi(ab)) * nx + w1x * (psi(b + xu) - psi_abx) + w2x * (psi(bxm1) - psi_abx)).sum()
        return float(ll @ w), np.array([g_r, g_alpha, g_a, g_b])


@dataclass
class BGNBDFit:
    """A fitted BG/NBD model. ``params`` holds r, alpha, a, b (time unit of the data)."""

    params: pd.Series
    se: pd.Series
    loglik: float
    n_customers: int
    converged: bool
    message: str
    iterations: int

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald intervals (from the observed information)."""
        return _param_table(list(self.params.index), self.params.to_numpy(), self.se.to_numpy())

    def _theta(self) -> tuple[float, float, float, float]:
        p = self.params
        return float(p["r"]), float(p["alpha"]), float(p["a"]), float(p["b"])

    def expected_transactions(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units (FHL 2005, eq. 10)."""
        if not isinstance(t, (int, float)) or t < 0:
            raise ParameterError(f"t={t!r}: expected a non-negative horizon in the data's time unit")
        r, alpha, a, b = self._theta()
        d = _as_arrays(frequency=frequency, recency=recency, T=T)
        x, tx, TT = d["frequency"], d["recency"], d["T"]
        if t == 0:
            return np.zeros_like(x)
        # 2F1 depends on x and T only: evaluate it once per distinct pair
        xu, xi = _levels(x)
        Tu, Ti = _levels(TT)
        pair, _ = pd.factorize(xi.astype(np.int64) * len(Tu) + Ti)
        first = np.empty(pair.max() + 1, dtype=np.intp)
        first[pair[::-1]] = np.arange(len(pair))[::-1]  # a row representing each distinct pair
        xf, Tf = x[first], TT[first]
        hyp = special.hyp2f1(r + xf, b + xf, a + b + xf - 1, t / (alpha + Tf + t))[pair]
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + TT) / (alpha + TT + t)) ** (r + x) * hyp)
        return num / self._alive_denominator(x, tx, TT)

    def _alive_denominator(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._theta()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            return np.where(x > 0, 1 + np.exp(log_odds), 1.0)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive | x, t_x, T) (FHL 2005 appendix); 1 for customers without repeat purchases."""
        d = _as_arrays(frequency=frequency, recency=recency, T=T)
        return 1.0 / self._alive_denominator(d["frequency"], d["recency"], d["T"])

    def expected_population(self, t: Any) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in ``t`` time units (FHL 2005, eq. 7)."""
        r, alpha, a, b = self._theta()
        tt = np.asarray(t, dtype=np.float64)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + tt)) ** r * special.hyp2f1(r, b, a + b - 1, tt / (alpha + tt)))


def fit_bgnbd(frequency: Any, recency: Any, T: Any, start: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
              maxiter: int = 2000) -> BGNBDFit:
    """Fit the BG/NBD model by maximum likelihood (analytic gradient, L-BFGS-B on log parameters).

    Parameters
    ----------
    frequency, recency, T : array-like
        Per customer: repeat purchases ``x``, time of the last purchase ``t_x`` and length of
        observation ``T`` (same unit), e.g. the columns of :func:`clv_summary`.
    start : tuple
        Starting values of r, alpha, a, b.

    Returns
    -------
    BGNBDFit

    Examples
    --------
    >>> from crm_analysis.segment import clv_summary, simulate_transactions
    >>> s = clv_summary(simulate_transactions(500, 3000, seed=1), calibration_end="1997-09-30")
    >>> fit = fit_bgnbd(s["frequency"], s["recency"], s["T"])
    >>> fit.converged, round(float(fit.params["r"]), 3)
    (True, 0.341)
    """
    d = _as_arrays(frequency=frequency, recency=recency, T=T)
    x, tx, TT = d["frequency"], d["recency"], d["T"]
    if len(x) < 2:
        raise InputError("fit_bgnbd: need at least two customers")
    if (x < 0).any() or (np.floor(x) != x).any():
        raise InputError("frequency: expected non-negative whole numbers of repeat purchases")
    if (tx < 0).any() or (tx > TT + 1e-9).any() or (TT <= 0).any():
        bad = np.flatnonzero((tx < 0) | (tx > TT + 1e-9) | (TT <= 0))
        raise InputError(f"recency/T: need 0 <= recency <= T and T > 0 (violated for {len(bad)} customer(s), "
                         f"e.g. position {bad[0]})")
    if ((x == 0) & (tx != 0)).any():
        raise InputError("recency: must be 0 for customers with frequency 0")
    data = _BGData(x, tx, TT)
    n = float(len(x))
    names = ["r", "alpha", "a", "b"]
    # the mean log-likelihood keeps the optimiser's tolerances independent of the number of customers
    theta, res, ok = _maximise(lambda th: tuple(v / n for v in data.ll_grad(th)), start, names, maxiter, "BG/NBD")
    with np.errstate(all="ignore"):
        se = _hessian_se(lambda th: data.ll_grad(th)[1], theta)
    return BGNBDFit(pd.Series(theta, index=names), pd.Series(se, index=names), float(-res.fun * n), int(n),
                    ok, str(res.message), int(res.nit))


# --------------------------------------------------------------------------- Gamma-Gamma
def _gg_ll_grad(theta: np.ndarray, x: np.ndarray, m: np.ndarray, grad: bool = True) -> Any:
    """Per-customer log-likelihood (``grad=False``) or the total and its gradient."""
    return _GGData(x, m).ll_grad(theta, grad)


class _GGData:
    """Gamma-Gamma data reduced to sums: per evaluation only log(gamma + x m) and its inverse are
    computed per customer; everything else is a precomputed sum or a function of distinct x."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.xu, self.xi = _levels(x)
        self.x = x
        self.m = m
        self.xm = x * m
        self.log_m = np.log(m)
        self.log_x = np.log(x)
        self.nx = np.bincount(self.xi, minlength=len(self.xu)).astype(np.float64)
        self.n = float(len(x))
        self.sum_x_logm = float(x @ self.log_m)
        self.sum_x_logx = float(x @ self.log_x)
        self.sum_logm = float(self.log_m.sum())

    def ll_grad(self, theta: np.ndarray, grad: bool = True) -> Any:
        p, q, g = theta
        xu = self.xu
        pxu = p * xu
        const_x = special.gammaln(pxu + q) - special.gammaln(pxu) - special.gammaln(q) + q * np.log(g)
        log_gxm = np.log(g + self.xm)
        if not grad:
            px = pxu[self.xi]
            return const_x[self.xi] + (px - 1) * self.log_m + px * self.log_x - (px + q) * log_gxm
        s_l = float(log_gxm.sum())
        s_xl = float(self.x @ log_gxm)
        inv = 1.0 / (g + self.xm)
        s_inv = float(inv.sum())
        s_xinv = float(self.x @ inv)
        ll = (float(self.nx @ const_x) + p * self.sum_x_logm - self.sum_logm + p * self.sum_x_logx
              - p * s_xl - q * s_l)
        psi = special.digamma
        psi_x = psi(pxu + q)
        g_p = float(self.nx @ (xu * (psi_x - psi(pxu)))) + self.sum_x_logm + self.sum_x_logx - s_xl
        g_q = float(self.nx @ (psi_x - psi(q) + np.log(g))) - s_l
        g_g = self.n * q / g - p * s_xinv - q * s_inv
        return ll, np.array([g_p, g_q, g_g])


@dataclass
class GammaGammaFit:
    """A fitted Gamma-Gamma spend model: ``params`` p, q, gamma."""

    params: pd.Series
    se: pd.Series
    loglik: float
    n_customers: int
    converged: bool
    message: str
    frequency_monetary_corr: float = field(default=float("nan"))

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald intervals."""
        return _param_table(list(self.params.index), self.params.to_numpy(), self.se.to_numpy())

    @property
    def mean_spend(self) -> float:
        """Population mean spend per transaction, p * gamma / (q - 1) (infinite when q <= 1)."""
        p, q, g = (float(v) for v in self.params)
        return p * g / (q - 1) if q > 1 else float("inf")

    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """E[M | x, m_x]: (gamma + x m_x) p / (p x + q - 1); the population mean when x = 0."""
        p, q, g = (float(v) for v in self.params)
        d = _as_arrays(frequency=frequency, monetary_value=monetary_value)
        x, m = d["frequency"], d["monetary_value"]
        cond = (g + x * m) * p / (p * x + q - 1)
        return np.where(x > 0, cond, self.mean_spend)


def fit_gamma_gamma(frequency: Any, monetary_value: Any, start: tuple[float, float, float] = (1.0, 1.0, 1.0),
                    maxiter: int = 2000) -> GammaGammaFit:
    """Fit the Gamma-Gamma model of spend per transaction on customers with repeat purchases.

    Customers with ``frequency == 0`` (or a non-positive mean spend) carry no information on
    spend and are left out, as in Fader & Hardie (2013).

    Examples
    --------
    >>> from crm_analysis.segment import clv_summary, simulate_transactions
    >>> s = clv_summary(simulate_transactions(500, 3000, seed=1), calibration_end="1997-09-30")
    >>> gg = fit_gamma_gamma(s["frequency"], s["monetary_value"])
    >>> gg.n_customers == int((s["frequency"] > 0).sum()), round(gg.mean_spend, 1)
    (True, 42.1)
    """
    d = _as_arrays(frequency=frequency, monetary_value=monetary_value)
    use = (d["frequency"] > 0) & (d["monetary_value"] > 0)
    x, m = d["frequency"][use], d["monetary_value"][use]
    if len(x) < 3:
        raise InputError(f"fit_gamma_gamma: need at least 3 customers with repeat purchases and positive spend, got {len(x)}")
    data = _GGData(x, m)
    n = float(len(x))
    names = ["p", "q", "gamma"]
    theta, res, ok = _maximise(lambda th: tuple(v / n for v in data.ll_grad(th)), start, names, maxiter, "Gamma-Gamma")
    with np.errstate(all="ignore"):
        se = _hessian_se(lambda th: data.ll_grad(th)[1], theta)
    corr = float(np.corrcoef(x, m)[0, 1]) if len(x) > 2 and x.std() > 0 and m.std() > 0 else float("nan")
    return GammaGammaFit(pd.Series(theta, index=names), pd.Series(se, index=names), float(-res.fun * n), int(n),
                         ok, str(res.message), corr)


def gamma_gamma_loglik(params: Any, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood at ``params = (p, q, gamma)`` (customers with x > 0)."""
    d = _as_arrays(frequency=frequency, monetary_value=monetary_value)
    return _gg_ll_grad(np.asarray(params, dtype=float), d["frequency"], d["monetary_value"], grad=False)


# --------------------------------------------------------------------------- CLV
@dataclass
class CLVResult:
    """Predicted customer value over a horizon: per-customer ``table`` and the two fitted models."""

    table: pd.DataFrame
    bgnbd: BGNBDFit
    gamma_gamma: GammaGammaFit
    horizon: float
    unit_days: float
    calibration_end: pd.Timestamp

    def summary(self) -> pd.DataFrame:
        """Both models' parameters in one tidy table (``model``, ``parameter``, estimate, se, CI)."""
        parts = [self.bgnbd.summary().assign(model="BG/NBD"), self.gamma_gamma.summary().assign(model="Gamma-Gamma")]
        out = pd.concat(parts).reset_index()
        return out[["model", "parameter", "estimate", "se", "ci_low", "ci_high"]]


def clv_segments(values: np.ndarray) -> pd.Categorical:
    """Quintiles of predicted value, top 20% first (ties share the lower quintile's boundary rule)."""
    q = score(values, higher_is_better=True, bins=5)  # 5 = top 20%
    return pd.Categorical.from_codes(5 - q, categories=[s.en for s in CLV], ordered=True)


def clv_from_summary(summary: pd.DataFrame, horizon: float, discount_rate: float = 0.0,
                     unit_days: float = 7.0, calibration_end: pd.Timestamp | None = None,
                     start: CLVResult | None = None) -> CLVResult:
    """Fit BG/NBD and Gamma-Gamma on a :func:`clv_summary` table and predict value over ``horizon`` units.

    ``start``: an earlier result whose estimates start the optimiser (a refit on more data
    then takes a few iterations instead of dozens).
    """
    if not isinstance(horizon, (int, float)) or horizon <= 0:
        raise ParameterError(f"horizon={horizon!r}: expected a positive number of time units")
    if not isinstance(discount_rate, (int, float)) or not 0 <= discount_rate < 1:
        raise ParameterError(f"discount_rate={discount_rate!r}: expected an annual rate in [0, 1)")
    x, tx, T, m = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "monetary_value"))
    # a customer whose first purchase is on the last calibration day has been observed for no
    # time (T = 0): the models are fitted without them and still predict for them (as new customers)
    observed = T > 0
    if not observed.any():
        raise InputError("CLV: every customer's first purchase is on the last calibration day; the models need "
                         "customers observed for some time (pass a later calibration_end)")
    x, tx, T, m = x[observed], tx[observed], T[observed], m[observed]
    if start is not None:
        bg = fit_bgnbd(x, tx, T, start=tuple(start.bgnbd.params))
        gg = fit_gamma_gamma(x, m, start=tuple(start.gamma_gamma.params))
    else:
        bg = fit_bgnbd(x, tx, T)
        gg = fit_gamma_gamma(x, m)
    return _predict(summary, bg, gg, horizon, discount_rate, unit_days, calibration_end)


def rescore(result: CLVResult, summary: pd.DataFrame, calibration_end: pd.Timestamp | None = None) -> CLVResult:
    """Predictions of ``result``'s fitted models for other (e.g. later) customer histories, no refit."""
    return _predict(summary, result.bgnbd, result.gamma_gamma, result.horizon, 0.0, result.unit_days, calibration_end)


def _predict(summary: pd.DataFrame, bg: BGNBDFit, gg: GammaGammaFit, horizon: float, discount_rate: float,
             unit_days: float, calibration_end: pd.Timestamp | None) -> CLVResult:
    x, tx, T, m = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "monetary_value"))
    spend = gg.expected_spend(x, m)
    if discount_rate == 0:
        expected = bg.expected_transactions(float(horizon), x, tx, T)
        value = expected * spend
    else:
        # discount each unit's expected purchases at the annual rate (365.25-day years)
        steps = np.arange(1, int(np.ceil(horizon)) + 1, dtype=float)
        steps[-1] = horizon
        cum_prev = np.zeros_like(x)
        value = np.zeros_like(x)
        for s in steps:
            cum = bg.expected_transactions(float(s), x, tx, T)
            value += (cum - cum_prev) / (1 + discount_rate) ** (s * unit_days / 365.25)
            cum_prev = cum
        expected = cum_prev
        value = value * spend
    table = summary.copy()
    table["p_alive"] = bg.p_alive(x, tx, T)
    table["expected_transactions"] = expected
    table["expected_spend"] = spend
    table["clv"] = value
    assign_segments(table, "clv", clv_segments(value).codes)
    return CLVResult(table, bg, gg, float(horizon), float(unit_days),
                     calibration_end if calibration_end is not None else pd.NaT)


def clv(tx: pd.DataFrame, customer: str = "customer_id", date: str = "date", amount: str = "dollar_value",
        calibration_end: Any = None, horizon_days: float = 273, unit_days: float = 7.0,
        discount_rate: float = 0.0) -> CLVResult:
    """Customer value predicted by BG/NBD (how many purchases) × Gamma-Gamma (how much each).

    Parameters
    ----------
    tx : DataFrame
        Transactions.
    customer, date, amount : str
        Column names.
    calibration_end : date-like, optional
        Fit on transactions up to this day (inclusive); default all.
    horizon_days : float
        Prediction horizon in days (default 273 = 39 weeks, the CDNOW holdout).
    unit_days : float
        Model time unit in days (7 = weeks, as in the published CDNOW fits).
    discount_rate : float
        Annual discount rate; 0 (default) gives the undiscounted expected revenue over the horizon.

    Returns
    -------
    CLVResult
        ``table`` per customer: frequency, recency, T, monetary_value, ``p_alive``,
        ``expected_transactions``, ``expected_spend``, ``clv``, ``segment_clv`` (quintiles, top
        first); ``bgnbd`` and ``gamma_gamma`` fits with ``summary()``.

    Examples
    --------
    >>> res = clv(tx, calibration_end="1997-09-30")  # doctest: +SKIP
    >>> res.bgnbd.summary().round(3)  # doctest: +SKIP
    """
    _check_unit_days(unit_days)
    if not isinstance(horizon_days, (int, float)) or horizon_days <= 0:
        raise ParameterError(f"horizon_days={horizon_days!r}: expected a positive number of days")
    summary, end = _summary_upto(tx, customer, date, amount, calibration_end, unit_days)
    return clv_from_summary(summary, horizon_days / unit_days, discount_rate, unit_days, from_day(end))
