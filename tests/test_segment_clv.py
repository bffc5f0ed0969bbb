"""BG/NBD + Gamma-Gamma: hand-computed likelihoods, gradients, published CDNOW figures, lifetimes parity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crm_analysis import segment
import importlib

C = importlib.import_module("crm_analysis.segment.clv_models")


@pytest.fixture(scope="module")
def cdnow(repo_root_module):
    return segment.read_transactions(repo_root_module / "data" / "cdnow_master.txt")


@pytest.fixture(scope="module")
def repo_root_module():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_summary(cdnow):
    return segment.clv_summary(segment.cdnow_sample(cdnow), calibration_end="1997-09-30")


def test_bgnbd_likelihood_by_hand():
    # r = alpha = a = b = 1. x = 0, T = 1: L = (alpha / (alpha + T))^r = 1/2
    # x = 1, t_x = 0.5, T = 1: L = B(1,2)/B(1,1) * 1/2^2 + B(2,1)/B(1,1) * 1/1.5^2 = 1/8 + 1/4.5
    ll = segment.bgnbd_loglik((1, 1, 1, 1), [0, 1], [0, 0.5], [1, 1])
    assert ll == pytest.approx([np.log(0.5), np.log(1 / 8 + 1 / 4.5)], rel=1e-12)


def test_gamma_gamma_likelihood_by_hand():
    p, q, g, x, m = 2.0, 3.0, 4.0, 2.0, 5.0
    by_hand = (special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(g)
               + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(g + x * m))
    assert segment.gamma_gamma_loglik((p, q, g), [x], [m])[0] == pytest.approx(by_hand, rel=1e-12)
    # E[M | x, m] is a weighted mean of the population mean p g / (q - 1) and the customer's mean m
    fit = C.GammaGammaFit(pd.Series([p, q, g], index=["p", "q", "gamma"]), pd.Series([0.0] * 3), 0.0, 1, True, "")
    w = p * x / (p * x + q - 1)
    assert fit.expected_spend([x, 0], [m, 0])[0] == pytest.approx(w * m + (1 - w) * p * g / (q - 1))
    assert fit.expected_spend([x, 0], [m, 0])[1] == pytest.approx(p * g / (q - 1))


def test_analytic_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 40).astype(float)
    T = rng.uniform(5, 40, 40)
    tx = np.where(x > 0, T * rng.uniform(0.1, 1, 40), 0.0)
    theta = np.array([0.4, 3.0, 0.8, 2.5])
    _, g = C._bgnbd_ll_grad(theta, x, tx, T)
    for j in range(4):
        h = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        num = (C._bgnbd_ll_grad(up, x, tx, T, grad=False).sum() - C._bgnbd_ll_grad(down, x, tx, T, grad=False).sum()) / (2 * h)
        assert g[j] == pytest.approx(num, rel=1e-5)
    m = rng.uniform(5, 50, 40)
    xs = np.maximum(x, 1)
    th = np.array([5.0, 3.5, 12.0])
    _, gg = C._gg_ll_grad(th, xs, m)
    for j in range(3):
        h = 1e-6 * th[j]
        up, down = th.copy(), th.copy()
        up[j] += h
        down[j] -= h
        num = (C._gg_ll_grad(up, xs, m, grad=False).sum() - C._gg_ll_grad(down, xs, m, grad=False).sum()) / (2 * h)
        assert gg[j] == pytest.approx(num, rel=1e-5)


def test_cdnow_sample_is_the_published_one(sample_summary):
    assert len(sample_summary) == 2357
    assert int((sample_summary["frequency"] > 0).sum()) == 946  # the Gamma-Gamma note's 946 repeat buyers
    assert sample_summary.loc["00004"].tolist() == pytest.approx([2, 213 / 7, 272 / 7, 22.345])


def test_bgnbd_reproduces_fader_hardie_lee_2005(sample_summary):
    s = sample_summary
    fit = segment.fit_bgnbd(s["frequency"], s["recency"], s["T"])
    assert fit.converged
    # Fader, Hardie & Lee (2005), Marketing Science 24(2): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    assert fit.params.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
    assert round(fit.loglik, 1) == -9582.4
    # CLVTools' estimates on the same data: r = 0.2425945, alpha = 4.4136019, a = 0.7929199, b = 2.4258881
    assert fit.params.tolist() == pytest.approx([0.2425945, 4.4136019, 0.7929199, 2.4258881], rel=2e-5)
    assert fit.loglik == pytest.approx(-9582.429, abs=1e-3)
    summ = fit.summary()
    assert list(summ.columns) == ["estimate", "se", "ci_low", "ci_high"] and (summ["se"] > 0).all()


def test_gamma_gamma_reproduces_fader_hardie_2013(sample_summary):
    s = sample_summary
    gg = segment.fit_gamma_gamma(s["frequency"], s["monetary_value"])
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25, q = 3.74, gamma = 15.44
    assert gg.params.round(2).tolist() == [6.25, 3.74, 15.44]
    assert gg.n_customers == 946
    assert gg.loglik == pytest.approx(-4055.9177, abs=1e-3)  # as CLVTools reports for these estimates
    assert abs(gg.frequency_monetary_corr) < 0.2  # the model assumes spend independent of frequency


def test_parity_with_lifetimes():
    lifetimes = pytest.importorskip("lifetimes")
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    d = load_cdnow_summary_data_with_monetary_value()
    ours = segment.fit_bgnbd(d["frequency"], d["recency"], d["T"])
    bgf = lifetimes.BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    assert ours.params.to_numpy() == pytest.approx(bgf.params_[["r", "alpha", "a", "b"]].to_numpy(), rel=1e-5)
    bgf.params_ = ours.params.copy()
    e_theirs = bgf.conditional_expected_number_of_purchases_up_to_time(39, d["frequency"], d["recency"], d["T"])
    assert ours.expected_transactions(39, d["frequency"], d["recency"], d["T"]) == pytest.approx(e_theirs.to_numpy(), rel=1e-9)
    p_theirs = bgf.conditional_probability_alive(d["frequency"], d["recency"], d["T"])
    assert ours.p_alive(d["frequency"], d["recency"], d["T"]) == pytest.approx(np.asarray(p_theirs), rel=1e-9)
    assert ours.expected_population([10.0, 39.0]) == pytest.approx(
        bgf.expected_number_of_purchases_up_to_time(np.array([10.0, 39.0])), rel=1e-9)
    gg = segment.fit_gamma_gamma(d["frequency"], d["monetary_value"])
    rep = d[d["frequency"] > 0]
    ggf = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    assert gg.params.to_numpy() == pytest.approx(ggf.params_[["p", "q", "v"]].to_numpy(), rel=1e-4)


def test_bgnbd_recovers_parameters_of_simulated_customers():
    rng = np.random.default_rng(11)
    n, T = 6000, 52.0
    r, alpha, a, b = 0.5, 5.0, 0.8, 3.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):  # the BG/NBD story: Poisson purchases, drop-out after each with probability p
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    fit = segment.fit_bgnbd(x, tx, np.full(n, T))
    assert fit.params.to_numpy() == pytest.approx([r, alpha, a, b], rel=0.35)
    # within three standard errors (from the observed information) of the truth
    assert (np.abs(fit.params.to_numpy() - [r, alpha, a, b]) < 3 * fit.se.to_numpy()).all()


def test_expected_transactions_sanity():
    fit = C.BGNBDFit(pd.Series([0.243, 4.414, 0.793, 2.426], index=["r", "alpha", "a", "b"]),
                     pd.Series([0.0] * 4), 0.0, 1, True, "", 0)
    e = fit.expected_transactions(39, [0, 2, 2, 10], [0, 30.43, 5.0, 38.0], [38.86] * 4)
    assert (np.diff(e[[0, 2, 1, 3]]) > 0).all()  # more and more recent purchases -> more expected
    assert fit.expected_transactions(0, [2], [30.43], [38.86])[0] == 0
    assert fit.p_alive([0], [0], [38.86])[0] == 1
    longer = fit.expected_transactions(78, [2], [30.43], [38.86])[0]
    assert longer > fit.expected_transactions(39, [2], [30.43], [38.86])[0]


def test_degenerate_fit_warns_instead_of_returning_garbage():
    with pytest.warns(C.ConvergenceWarning, match="ran to a bound"):
        gg = segment.fit_gamma_gamma([1, 2, 5, 1, 3], [20.0, 35.5, 18.2, 60.1, 25.0])
    assert not gg.converged


def test_clv_result_on_cdnow(cdnow):
    res = segment.clv(cdnow, calibration_end="1997-09-30", horizon_days=273)
    t = res.table
    assert len(t) == 23570 and (t["p_alive"].between(0, 1)).all()
    assert np.allclose(t["clv"], t["expected_transactions"] * t["expected_spend"])
    assert t["segment_clv"].value_counts().sort_index().tolist() == pytest.approx([4714] * 5, abs=30)
    summary = res.summary()
    assert summary["model"].tolist() == ["BG/NBD"] * 4 + ["Gamma-Gamma"] * 3
    discounted = segment.clv(cdnow, calibration_end="1997-09-30", horizon_days=273, discount_rate=0.1)
    ratio = discounted.table["clv"].sum() / t["clv"].sum()
    assert 0.9 < ratio < 1.0  # a year's 10% discount over 39 weeks
    assert discounted.table["expected_transactions"].to_numpy() == pytest.approx(t["expected_transactions"].to_numpy())
