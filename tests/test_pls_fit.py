"""Overall fit of PLS / PLSc models (SRMR, d_ULS, d_G; Dijkstra & Henseler 2015) and the bootstrap
test of exact fit (Beran & Srivastava 1985), checked against simulations with known truth."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError
from crm_analysis.sem.fit_measures import discrepancies

TEXT = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ X
Y ~ M
"""
TRUTH = {("X", "M"): 0.5, ("M", "Y"): 0.4}


def test_discrepancy_formulas():
    """SRMR over the lower triangle with the diagonal, d_ULS = ½‖R − Σ‖², d_G from the eigenvalues
    of R⁻¹Σ (natural log), recomputed with scipy's general eigen-solver."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((200, 5))
    R = np.corrcoef(A, rowvar=False)
    Sig = np.corrcoef(A + 0.5 * rng.standard_normal((200, 5)), rowvar=False)
    d = discrepancies(R[None], Sig[None])
    il = np.tril_indices(5)
    assert d["srmr"][0] == pytest.approx(np.sqrt(np.mean((R - Sig)[il] ** 2)), rel=1e-12)
    assert d["d_uls"][0] == pytest.approx(0.5 * np.sum((R - Sig) ** 2), rel=1e-12)
    ev = linalg.eigvals(np.linalg.solve(R, Sig)).real
    assert d["d_g"][0] == pytest.approx(0.5 * np.sum(np.log(ev) ** 2), rel=1e-10)
    assert discrepancies(R[None], R[None])["d_g"][0] == pytest.approx(0.0, abs=1e-20)


def test_implied_matrix_recovers_the_population():
    """Known truth: with n = 200 000 common-factor data, the PLSc structural-model-implied
    correlations equal the population matrix of ``sem.implied_covariance`` within sampling error."""
    pop = sem.implied_covariance(TEXT, paths=TRUTH, loadings=0.75).to_numpy()
    big = sem.simulate(TEXT, n=200_000, paths=TRUTH, loadings=0.75, seed=1)
    fit = sem.model_fit(big, TEXT, consistent=True)
    np.testing.assert_allclose(fit.implied["estimated"].to_numpy(), pop, atol=0.01)
    np.testing.assert_allclose(fit.implied["saturated"].to_numpy(), pop, atol=0.01)
    assert (fit.table["value"] < 0.01).all()


def test_composite_implied_matrix_uses_the_pls_estimates(mobi):
    """Saturated composite model: observed correlations within blocks, λ_i r_kl λ_j between
    (loadings and construct correlations of estimate_pls)."""
    model = csi.preset("ecsi").with_modes({"Quality": "B"})
    fit = sem.model_fit(mobi, model)
    pls = sem.estimate_pls(mobi, model)
    sig = fit.implied["saturated"]
    lam = pls.loadings.set_index("indicator")["estimate"]
    owner = model.construct_of
    R = fit.observed
    for a, b in (("PERQ1", "PERQ5"), ("IMAG1", "IMAG2"), ("IMAG1", "CUSA2"), ("PERQ2", "CUSL1")):
        if owner[a] == owner[b]:
            assert sig.loc[a, b] == pytest.approx(R.loc[a, b], abs=1e-12)
        else:
            expect = lam[a] * pls.lv_correlations.loc[owner[a], owner[b]] * lam[b]
            assert sig.loc[a, b] == pytest.approx(expect, abs=1e-10)
    row = fit.table.set_index(["statistic", "model"])
    il = np.tril_indices(len(R))
    srmr = np.sqrt(np.mean((R.to_numpy() - sig.to_numpy())[il] ** 2))
    assert row.loc[("srmr", "saturated"), "value"] == pytest.approx(srmr, rel=1e-12)


def _rejections(text_true, paths, reps, n, B):
    count = np.zeros(2, dtype=int)
    for s in range(reps):
        data = sem.simulate(text_true, n=n, paths=paths, loadings=0.75, seed=500 + s)
        t = sem.model_fit(data, TEXT, consistent=True, bootstrap=B, seed=s).table
        row = t[(t["statistic"] == "srmr") & (t["model"] == "estimated")].iloc[0]
        dg = t[(t["statistic"] == "d_uls") & (t["model"] == "estimated")].iloc[0]
        count += [row["value"] > row["hi95"], dg["value"] > dg["hi95"]]
    return count


def test_exact_fit_test_size_and_power():
    """Known truth (simulation): the correct mediation model (PLSc) is rejected by the SRMR and
    d_ULS bootstrap tests at about the nominal 5% (100 samples of n = 250: at most 12 rejections,
    P < 0.005 under a 5% rate); a model that omits a true direct path X -> Y of 0.4 is rejected
    in at least 80% of the samples."""
    size = _rejections(TEXT, TRUTH, reps=100, n=250, B=200)
    assert (size <= 12).all(), size
    wrong = TEXT.replace("Y ~ M", "Y ~ M + X")
    power = _rejections(wrong, {("X", "M"): 0.5, ("M", "Y"): 0.3, ("X", "Y"): 0.4}, reps=40, n=250, B=200)
    assert (power >= 32).all(), power


def test_fit_parameter_checks(mobi):
    with pytest.raises(ParameterError, match="bootstrap"):
        sem.model_fit(mobi, csi.preset("ecsi"), bootstrap=10)
    with pytest.raises(ParameterError, match="consistent"):
        sem.model_fit(mobi, csi.preset("ecsi"), consistent=["nope"])
