"""Blindfolding Q² (Stone-Geisser, cross-validated redundancy) against its population value in
simulated data (known truth), and information criteria (AIC/BIC) against PyPI seminr."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.peers import seminr_model
from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core

TEXT = "X =~ x1 + x2 + x3\nM =~ m1 + m2 + m3\nY =~ y1 + y2 + y3 + y4\nM ~ X\nY ~ X + M"
PATHS = {("X", "M"): 0.5, ("X", "Y"): 0.3, ("M", "Y"): 0.4}
LOADS = {"x1": 0.8, "x2": 0.7, "x3": 0.75, "m1": 0.8, "m2": 0.8, "m3": 0.6,
         "y1": 0.85, "y2": 0.7, "y3": 0.65, "y4": 0.8}


def _population_q2(target: str, D: int) -> float:
    """The limit of blindfolding Q² for ``target`` as n grows: PLS on the population correlations
    of a round's data (a 1/D share of each target column mean-imputed: its variance and its
    covariances with other blocks shrink by (D-1)/D, within the block by (D-2)/D, since two items
    of a case are never omitted together), then the expected squared error of the redundancy
    prediction of an omitted (true) value."""
    m = sem.Model(TEXT)
    R = sem.implied_covariance(TEXT, paths=PATHS, loadings=LOADS).to_numpy()
    st = core.structure_from_model(m)
    j = list(st.constructs).index(target)
    idx = st.blocks[j]
    S = R.copy()
    S[idx, :] *= (D - 1) / D
    S[:, idx] *= (D - 1) / D
    S[np.ix_(idx, idx)] = R[np.ix_(idx, idx)] * (D - 2) / D
    S[idx, idx] = (D - 1) / D
    fit = core.fit_batch(S[None], np.array([1e9]), st, extras=False)
    w = fit["std_weights"][0][:, None] * st.mask  # (p, J)
    beta = fit["path_matrix"][0][:, j]
    a = np.sqrt((D - 1) / D) * fit["loadings"][0][idx]
    h = w @ beta  # eta_hat = z' h for true standardised items z
    cov = R[idx] @ h
    var = h @ R @ h
    mse = 1 - 2 * a * cov + a ** 2 * var
    return float(1 - mse.mean())


@pytest.mark.parametrize("target", ["M", "Y"])
def test_blindfolding_q2_converges_to_the_population_value(target):
    """Known truth: n = 30 001 simulated respondents; Q² within 0.01 of the population limit."""
    data = sem.simulate(TEXT, n=30_001, paths=PATHS, loadings=LOADS, seed=5)
    q2 = sem.blindfolding(data, TEXT, omission_distance=7).set_index("construct")
    assert q2.loc[target, "q2"] == pytest.approx(_population_q2(target, 7), abs=0.01)
    assert q2.loc[target, "sso"] == pytest.approx(len(data) * (3 if target == "M" else 4), rel=0.03)


def test_blindfolding_checks(mobi):
    with pytest.raises(ParameterError, match="divides the number of rows"):
        sem.blindfolding(mobi, csi.preset("ecsi"), omission_distance=5)  # 250 rows
    with pytest.raises(ParameterError, match="omission_distance"):
        sem.blindfolding(mobi, csi.preset("ecsi"), omission_distance=1)
    q2 = sem.blindfolding(mobi, csi.preset("ecsi"))
    assert list(q2["construct"]) == csi.preset("ecsi").endogenous
    assert ((q2["q2"] > 0) & (q2["q2"] < 1)).all()


def test_information_criteria_equal_seminr(mobi):
    """PyPI seminr 0.2.1 it_criteria (AIC, BIC per endogenous construct) on mobi to 1e-8."""
    seminr = pytest.importorskip("seminr")
    model = csi.preset("ecsi")
    mm, sm = seminr_model(seminr, model)
    ref = seminr.it_criteria(seminr.estimate_pls(mobi, mm, sm))
    ic = sem.information_criteria(sem.estimate_pls(mobi, model))
    for row, col in ((0, "aic"), (1, "bic")):
        expect = [ref.values[row, ref.cols.index(c)] for c in ic["construct"]]
        np.testing.assert_allclose(ic[col], expect, atol=1e-8, rtol=0)
    w = sem.ic_weights(ic["bic"].to_numpy()[:2])
    assert w.sum() == pytest.approx(1.0)


def test_bic_selects_the_true_structural_model():
    """Known truth: Y depends on X1 and X2 only. Over 30 samples BIC picks the true equation for Y
    over one that drops X2 and one that adds the irrelevant X3 in at least 24."""
    blocks = "X1 =~ a1 + a2 + a3\nX2 =~ b1 + b2 + b3\nX3 =~ c1 + c2 + c3\nY =~ y1 + y2 + y3\nX2 ~ X1\nX3 ~ X1\n"
    truth = {("X1", "Y"): 0.4, ("X2", "Y"): 0.25, ("X1", "X2"): 0.0, ("X1", "X3"): 0.3}
    wins = 0
    for s in range(30):
        data = sem.simulate(blocks + "Y ~ X1 + X2", n=250, paths=truth, seed=700 + s)
        bic = [sem.information_criteria(sem.estimate_pls(data, blocks + eq)).set_index("construct").loc["Y", "bic"]
               for eq in ("Y ~ X1 + X2", "Y ~ X1", "Y ~ X1 + X2 + X3")]
        wins += int(np.argmin(bic) == 0)
    assert wins >= 24, wins
