"""Consistent PLS (PLSc, Dijkstra & Henseler 2015): parity with PyPI seminr, batched bootstrap,
and recovery of common-factor paths in simulated data (known truth)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.peers import seminr_model
from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError

ECSI = csi.preset("ecsi")
TOL = 1e-8


def _get(named, rows, cols):
    return np.array([named.values[named.rows.index(r), named.cols.index(c)] for r, c in zip(rows, cols)])


def _seminr_mixed(seminr, model, reflective):
    """seminr measurement model: ``reflective`` constructs as common factors (PLSc), others composites."""
    blocks = []
    for c in model.constructs:
        if c in reflective:
            blocks.append(seminr.reflective(c, model.indicators[c]))
        else:
            mode = seminr.mode_B if model.modes[c] == "B" else seminr.mode_A
            blocks.append(seminr.composite(c, model.indicators[c], weights=mode))
    paths = [seminr.paths(from_=f, to=t) for f, t in model.structural_paths]
    return seminr.constructs(*blocks), seminr.relationships(*paths)


CASES = {
    # every block reflective: seminr's reflective() is PLSc for all of them
    "all-reflective": (ECSI, True),
    # Quality a mode B composite (rho_A = 1: not corrected), the rest PLSc, named one by one
    "mixed": (ECSI.with_modes({"Quality": "B"}),
              ["Image", "Expectation", "Value", "Satisfaction", "Complaints", "Loyalty"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def pair(request, mobi):
    seminr = pytest.importorskip("seminr")
    model, consistent = CASES[request.param]
    if consistent is True:
        mm, sm = seminr_model(seminr, model, reflective=True)
    else:
        mm, sm = _seminr_mixed(seminr, model, consistent)
    ref = seminr.estimate_pls(mobi, mm, sm)
    ours = sem.estimate_pls(mobi, model, consistent=consistent)
    return ours, ref


def test_plsc_paths_loadings_r2_equal_seminr(pair):
    """PyPI seminr 0.2.1 (port of R seminr's PLSc()) on mobi: paths, consistent loadings, R² to 1e-8."""
    ours, ref = pair
    p = ours.paths
    np.testing.assert_allclose(p["estimate"], _get(ref.path_coef, p["from"], p["to"]), atol=TOL, rtol=0)
    lo = ours.loadings
    np.testing.assert_allclose(lo["estimate"], _get(ref.outer_loadings, lo["indicator"], lo["construct"]),
                               atol=TOL, rtol=0)
    w = ours.weights
    np.testing.assert_allclose(w["estimate"], _get(ref.outer_weights, w["indicator"], w["construct"]),
                               atol=TOL, rtol=0)
    r2 = ours.r_squared
    np.testing.assert_allclose(r2.to_numpy(), _get(ref.r_squared, ["Rsq"] * len(r2), r2.index), atol=TOL, rtol=0)
    np.testing.assert_allclose(ours.r_squared_adj.to_numpy(),
                               _get(ref.r_squared, ["AdjRsq"] * len(r2), r2.index), atol=TOL, rtol=0)


def test_plsc_leaves_uncorrected_constructs_alone(mobi):
    """A construct not listed keeps its PLS loadings and its composite correlations (cSEM's and
    SmartPLS' convention; seminr also divides a mode A composite's correlations by its rho_A)."""
    plain = sem.estimate_pls(mobi, ECSI)
    part = sem.estimate_pls(mobi, ECSI, consistent=["Satisfaction", "Loyalty"])
    keep = ~part.loadings["construct"].isin(["Satisfaction", "Loyalty"])
    np.testing.assert_allclose(part.loadings.loc[keep, "estimate"], plain.loadings.loc[keep, "estimate"], atol=1e-12)
    assert not np.allclose(part.loadings.loc[~keep, "estimate"], plain.loadings.loc[~keep, "estimate"])
    rho = plain.reliability["rho_a"]
    lv = plain.lv_correlations
    expect = lv.loc["Satisfaction", "Loyalty"] / np.sqrt(rho["Satisfaction"] * rho["Loyalty"])
    assert part.lv_correlations.loc["Satisfaction", "Loyalty"] == pytest.approx(expect, abs=1e-12)
    assert part.lv_correlations.loc["Image", "Quality"] == pytest.approx(lv.loc["Image", "Quality"], abs=1e-12)
    assert part.settings["consistent"] == ["Satisfaction", "Loyalty"]
    assert "PLSc" in str(part.summary())


def test_plsc_batched_bootstrap_equals_refitting(mobi):
    fit = sem.estimate_pls(mobi, ECSI, consistent=True, bootstrap=10, seed=4)
    for b in (0, 6):
        one = sem.estimate_pls(mobi.iloc[np.repeat(np.arange(len(mobi)), fit.bootstrap_counts[b])], ECSI,
                               consistent=True)
        np.testing.assert_allclose(fit.bootstrap_draws["paths"][b], one.paths["estimate"], atol=1e-9)
        np.testing.assert_allclose(fit.bootstrap_draws["loadings"][b], one.loadings["estimate"], atol=1e-9)
        np.testing.assert_allclose(fit.bootstrap_draws["r_squared"][b], one.r_squared, atol=1e-9)
    batch = sem.pls_batch(mobi, ECSI, counts=fit.bootstrap_counts[:3], consistent=True)
    np.testing.assert_allclose(batch.paths, fit.bootstrap_draws["paths"][:3], atol=1e-9)


def test_plsc_recovers_common_factor_paths():
    """Known truth: common-factor data (``sem.simulate``, loadings 0.6-0.8, n = 5000). PLSc is
    within three bootstrap standard errors of every true path; PLS is attenuated by more."""
    text = """
    X =~ x1 + x2 + x3 + x4
    M =~ m1 + m2 + m3
    Y =~ y1 + y2 + y3
    M ~ X
    Y ~ X + M
    """
    truth = {("X", "M"): 0.5, ("X", "Y"): 0.25, ("M", "Y"): 0.4}
    loads = {"x1": 0.8, "x2": 0.7, "x3": 0.6, "x4": 0.7, "m1": 0.75, "m2": 0.65, "m3": 0.7,
             "y1": 0.8, "y2": 0.6, "y3": 0.7}
    data = sem.simulate(text, n=5000, paths=truth, loadings=loads, seed=20261201)
    plsc = sem.estimate_pls(data, text, consistent=True, bootstrap=200, seed=1)
    pls = sem.estimate_pls(data, text)
    true = np.array([truth[(f, t)] for f, t in plsc.paths[["from", "to"]].itertuples(index=False)])
    err = np.abs(plsc.paths["estimate"].to_numpy() - true)
    assert (err < 3 * plsc.paths["se"].to_numpy()).all(), (err, plsc.paths["se"])
    # the X -> M path (a single predictor) is attenuated by PLS: far outside the PLSc error
    assert abs(pls.paths["estimate"][0] - 0.5) > 5 * plsc.paths["se"][0]
    # consistent loadings recover the true loadings
    lam = np.array([loads[x] for x in plsc.loadings["indicator"]])
    np.testing.assert_allclose(plsc.loadings["estimate"], lam, atol=0.04)
    assert np.abs(pls.loadings["estimate"].to_numpy() - lam).max() > 0.08


def test_consistent_parameter_checks(mobi):
    with pytest.raises(ParameterError, match="consistent: .*not constructs"):
        sem.estimate_pls(mobi, ECSI, consistent=["Nope"])
    with pytest.raises(ParameterError, match="consistent: expected True"):
        sem.estimate_pls(mobi, ECSI, consistent="Image")
    with pytest.raises(ParameterError, match="mode B"):
        sem.estimate_pls(mobi, ECSI.with_modes({"Quality": "B"}), consistent=["Quality"])
