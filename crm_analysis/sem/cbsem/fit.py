"""lavaan's fit measures: chi-square test, CFI/TLI, RMSEA with its interval, SRMR, information
criteria; their scaled and robust versions (Satorra-Bentler / Yuan-Bentler, Brosseau-Liang &
Savalei); the chi-square difference test of nested models."""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

# --------------------------------------------------------------------------------------------
# fit measures (lavaan's definitions)
# --------------------------------------------------------------------------------------------
def fit_measures(
    sample_cov: Sequence[np.ndarray],
    implied_cov: Sequence[np.ndarray],
    n_obs: Sequence[int],
    npar: int,
    *,
    sample_mean: Sequence[np.ndarray] | None = None,
    implied_mean: Sequence[np.ndarray] | None = None,
    rmsea_ci_level: float = 0.90,
    close_h0: float = 0.05,
    loglik: tuple[float, float, float] | None = None,
) -> pd.Series:
    """lavaan's maximum-likelihood fit measures from sample and model-implied moments.

    Parameters
    ----------
    sample_cov, implied_cov : sequence of (p, p) arrays
        Per group: sample covariance matrix (divisor N) and model-implied covariance matrix.
    n_obs : sequence of int
        Observations per group.
    npar : int
        Number of free parameters.
    sample_mean, implied_mean : sequence of (p,) arrays, optional
        Given for a model with a mean structure (then the means count as data moments).
    rmsea_ci_level : float
        Level of the RMSEA confidence interval (lavaan: 0.90).
    close_h0 : float
        RMSEA value of the close-fit test (lavaan: 0.05).
    loglik : (logl, logl_unrestricted, chi2_baseline), optional
        Full-information ML with missing values: the casewise log-likelihoods of the model and
        of the saturated model (by EM) and the baseline chi-square; the moments given are then
        the EM estimates of the saturated model (used for SRMR), and chi2 = 2 (logl_h1 - logl).

    Returns
    -------
    pandas.Series
        ``chi2, df, p, chi2_baseline, df_baseline, p_baseline, cfi, tli, rmsea, rmsea_ci_low,
        rmsea_ci_high, rmsea_p_close, srmr, logl, logl_unrestricted, aic, bic, bic_adjusted,
        npar, n``. Definitions: chi2 = sum of N_g times the ML discrepancy; baseline = the
        independence model; RMSEA = sqrt(max(chi2/N/df - 1/N, 0) * G) with the Browne-Cudeck
        interval; SRMR = Bentler's (residual covariances divided by the observed standard
        deviations, diagonal included, and mean residuals when there is a mean structure),
        averaged over groups with weights N_g/N; AIC = -2 logL + 2 npar, BIC = -2 logL +
        npar log N, sample-size adjusted BIC with (N + 2) / 24.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> fm = fit_measures([S], [S], [100], npar=3)
    >>> float(fm["chi2"]), float(fm["df"]), float(fm["cfi"])
    (0.0, 0.0, 1.0)
    """
    G = len(sample_cov)
    meanstructure = sample_mean is not None
    N = float(sum(n_obs))
    chi2 = 0.0
    chi2_b = 0.0
    logl = 0.0
    logl_h1 = 0.0
    moments = 0
    srmr_w = 0.0
    for g in range(G):
        S = np.asarray(sample_cov[g], dtype=float)
        Sig = np.asarray(implied_cov[g], dtype=float)
        p = S.shape[0]
        ng = float(n_obs[g])
        sign, ld_sig = np.linalg.slogdet(Sig)
        if sign <= 0:
            ld_sig = np.nan
        ld_s = np.linalg.slogdet(S)[1]
        inv = np.linalg.inv(Sig)
        trace = float(np.sum(S * inv))
        mean_term = 0.0
        mres = np.zeros(0)
        if meanstructure:
            d = np.asarray(sample_mean[g], float) - np.asarray(implied_mean[g], float)
            mean_term = float(d @ inv @ d)
            mres = d / np.sqrt(np.diag(S))
        F = ld_sig + trace - ld_s - p + mean_term
        chi2 += ng * F
        chi2_b += ng * (np.sum(np.log(np.diag(S))) - ld_s)
        logl += -ng / 2 * (p * math.log(2 * math.pi) + ld_sig + trace + mean_term)
        logl_h1 += -ng / 2 * (p * math.log(2 * math.pi) + ld_s + p)
        moments += p * (p + 1) // 2 + (p if meanstructure else 0)
        sd = np.sqrt(np.diag(S))
        R = (S - Sig) / np.outer(sd, sd)
        vech = R[np.tril_indices(p)]
        srmr_g = math.sqrt((np.sum(vech**2) + np.sum(mres**2)) / (len(vech) + len(mres)))
        srmr_w += ng / N * srmr_g
    if loglik is not None:
        logl, logl_h1, chi2_b = loglik
        chi2 = 2.0 * (logl_h1 - logl)
    df = moments - npar
    p_base = sample_cov[0].shape[0]
    df_b = G * p_base * (p_base - 1) // 2
    chi2 = max(chi2, 0.0)  # rounding below zero at a saturated fit
    pval = float(stats.chi2.sf(chi2, df)) if df > 0 else np.nan
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1 - t1 / t2
    if df > 0 and df_b > 0 and chi2_b / df_b != 1:
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1)
    else:
        tli = 1.0
    rmsea = math.sqrt(max(chi2 / N / df - 1 / N, 0.0) * G) if df > 0 else 0.0
    lo, hi = _rmsea_ci(chi2, df, N, G, rmsea_ci_level)
    p_close = float(stats.ncx2.sf(chi2, df, N * df * close_h0**2 / G)) if df > 0 else np.nan
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * math.log(N)
    bic_adj = -2 * logl + npar * math.log((N + 2) / 24)
    return pd.Series(
        {
            "chi2": chi2, "df": float(df), "p": pval,
            "chi2_baseline": chi2_b, "df_baseline": float(df_b),
            "p_baseline": float(stats.chi2.sf(chi2_b, df_b)) if df_b > 0 else np.nan,
            "cfi": cfi, "tli": tli,
            "rmsea": rmsea, "rmsea_ci_low": lo, "rmsea_ci_high": hi, "rmsea_p_close": p_close,
            "srmr": srmr_w,
            "logl": logl, "logl_unrestricted": logl_h1,
            "aic": aic, "bic": bic, "bic_adjusted": bic_adj,
            "npar": float(npar), "n": N,
        },
        name="fit",
    )


def chi2_difference(restricted: pd.Series, general: pd.Series) -> tuple[float, float, float]:
    """Likelihood-ratio (chi-square difference) test of two nested models' :func:`fit_measures`.

    Returns ``(delta_chi2, delta_df, p)``: restricted minus general, and the upper tail of the
    chi-square distribution with ``delta_df`` degrees of freedom (NaN unless ``delta_df > 0``).

    Examples
    --------
    >>> chi2_difference(pd.Series({"chi2": 12.0, "df": 5.0}), pd.Series({"chi2": 8.0, "df": 4.0}))[:2]
    (4.0, 1.0)
    """
    dchi = float(restricted["chi2"] - general["chi2"])
    ddf = float(restricted["df"] - general["df"])
    if dchi < -1e-6:
        # a constrained model cannot fit better than its parent at the ML optima: no p-value
        warnings.warn(f"chi2_difference: the restricted model fits better than the general one "
                      f"(delta chi2 = {dchi:.3f}); one of the fits is not at its optimum, no test is made",
                      UserWarning, stacklevel=2)
        return dchi, ddf, np.nan
    return dchi, ddf, float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan


def _pchisq_nc(x: float, df: float, ncp: float) -> float:
    return float(stats.chi2.cdf(x, df)) if ncp <= 0 else float(stats.ncx2.cdf(x, df, ncp))


def _rmsea_ci(chi2: float, df: float, N: float, G: int, level: float,
              c_hat: float = 1.0) -> tuple[float, float]:
    """Browne & Cudeck (1993) interval, computed as lavaan's ``lav_fit_rmsea_ci``."""
    if df < 1 or not np.isfinite(chi2):
        return 0.0, 0.0
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2
    f_low = lambda lam: _pchisq_nc(chi2, df, lam) - upper_p  # noqa: E731
    f_up = lambda lam: _pchisq_nc(chi2, df, lam) - lower_p  # noqa: E731
    if f_low(0.0) < 0:
        lo = 0.0
    else:
        try:
            lam = optimize.brentq(f_low, 0.0, max(chi2, 1e-8), xtol=1e-12)
            lo = math.sqrt(c_hat * lam / (N * df)) * math.sqrt(G)
        except ValueError:
            lo = np.nan
    n_rmsea = max(N, chi2 * 4)
    if f_up(n_rmsea) > 0 or f_up(0.0) < 0:
        hi = 0.0
    else:
        try:
            lam = optimize.brentq(f_up, 0.0, n_rmsea, xtol=1e-12)
            hi = math.sqrt(c_hat * lam / (N * df)) * math.sqrt(G)
        except ValueError:
            hi = np.nan
    return lo, hi




def robust_fit_measures(fit: pd.Series, scaling_factor: float, scaling_factor_baseline: float,
                        rmsea_ci_level: float = 0.90) -> pd.Series:
    """Scaled test and robust CFI / TLI / RMSEA (lavaan's ``.scaled`` and ``.robust`` measures).

    ``chi2_scaled = chi2 / c`` (Satorra-Bentler or Yuan-Bentler, by the ``c`` given);
    the robust CFI, TLI and RMSEA are those of Brosseau-Liang & Savalei (2018, 2019) as lavaan
    computes them: the ML chi-square with ``c * df`` in place of ``df`` (``c_0 * df_0`` for the
    baseline model), and the RMSEA interval from the scaled statistic, widened by ``c``.
    """
    chi2, df, N = float(fit["chi2"]), float(fit["df"]), float(fit["n"])
    chi2_b, df_b = float(fit["chi2_baseline"]), float(fit["df_baseline"])
    c, cb = float(scaling_factor), float(scaling_factor_baseline)
    if not df > 0:
        return pd.Series({"chi2_scaled": 0.0, "scaling_factor": np.nan, "p_scaled": np.nan,
                          "chi2_baseline_scaled": chi2_b / cb, "scaling_factor_baseline": cb,
                          "cfi_robust": 1.0, "tli_robust": 1.0, "rmsea_robust": 0.0,
                          "rmsea_ci_low_robust": 0.0, "rmsea_ci_high_robust": 0.0})
    t1 = max(chi2 - c * df, 0.0)
    t2 = max(chi2 - c * df, chi2_b - cb * df_b, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1 - t1 / t2
    u1 = (chi2 - c * df) * df_b
    u2 = (chi2_b - cb * df_b) * df
    tli = 1 - u1 / u2 if abs(u2) > 0 else 1.0
    rmsea = math.sqrt(max(chi2 / N / df - c / N, 0.0))
    chi2_s = chi2 / c
    lo, hi = _rmsea_ci(chi2_s, df, N, 1, rmsea_ci_level, c_hat=c)
    return pd.Series({
        "chi2_scaled": chi2_s, "scaling_factor": c, "p_scaled": float(stats.chi2.sf(chi2_s, df)),
        "chi2_baseline_scaled": chi2_b / cb, "scaling_factor_baseline": cb,
        "cfi_robust": cfi, "tli_robust": tli, "rmsea_robust": rmsea,
        "rmsea_ci_low_robust": lo, "rmsea_ci_high_robust": hi,
    })
