"""Parity of estimate_pls with the PyPI ``seminr`` package (port of R seminr) on the mobi data.

Same algorithm and settings (path or factorial scheme, standardised data, 300 iterations,
seminr's stopping rule at 1e-7): weights, loadings, paths, R², reliability, HTMT,
Fornell-Larcker, cross-loadings and VIFs agree to 1e-10. Documented convention differences:
scores (seminr: unit variance with n-1, ours with n, as R plspm), single-predictor VIF (seminr NaN,
ours 1) and f² (seminr re-estimates the whole model without the path; ours drops the predictor
from the regression on the same scores, as SmartPLS).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.peers import seminr_model
from crm_analysis import csi, sem

seminr = pytest.importorskip("seminr")

ECSI = csi.preset("ecsi")  # the seminr / cSEM ECSI model of the mobi data, all mode A
TOL = 1e-10


def _seminr_model(mobi, model, scheme: str):
    mm, sm = seminr_model(seminr, model)
    inner = seminr.path_weighting if scheme == "path" else seminr.path_factorial
    return seminr.estimate_pls(mobi, mm, sm, inner_weights=inner)


def _get(named, rows, cols):
    return np.array([named.values[named.rows.index(r), named.cols.index(c)] for r, c in zip(rows, cols)])


@pytest.fixture(scope="module", params=[("A", "path"), ("B", "path"), ("A", "factorial"), ("B", "factorial")],
                ids=lambda p: f"mode{p[0]}-{p[1]}")
def pair(request, mobi):
    mode, scheme = request.param
    model = ECSI.with_modes({"Quality": mode})
    ref = _seminr_model(mobi, model, scheme)
    ours = sem.estimate_pls(mobi, model, scheme=scheme)
    return ours, ref, seminr.summarize(ref)


def test_weights_loadings_paths(pair):
    ours, ref, _ = pair
    w = ours.weights
    np.testing.assert_allclose(w["estimate"], _get(ref.outer_weights, w["indicator"], w["construct"]), atol=TOL)
    lo = ours.loadings
    np.testing.assert_allclose(lo["estimate"], _get(ref.outer_loadings, lo["indicator"], lo["construct"]), atol=TOL)
    p = ours.paths
    np.testing.assert_allclose(p["estimate"], _get(ref.path_coef, p["from"], p["to"]), atol=TOL)
    assert ours.converged and ours.n_iter == ref.iterations + 1  # seminr counts from 0


def test_r_squared(pair):
    ours, ref, _ = pair
    r2 = ref.r_squared
    np.testing.assert_allclose(ours.r_squared, _get(r2, ["Rsq"] * len(ours.r_squared), ours.r_squared.index), atol=TOL)
    np.testing.assert_allclose(ours.r_squared_adj,
                               _get(r2, ["AdjRsq"] * len(ours.r_squared), ours.r_squared.index), atol=TOL)


def test_scores_differ_by_the_divisor_only(pair, mobi):
    ours, ref, _ = pair
    n = len(mobi)
    np.testing.assert_allclose(ours.scores.to_numpy() * np.sqrt((n - 1) / n),
                               ref.construct_scores.values, atol=1e-9)


def test_reliability(pair):
    ours, _, summ = pair
    rel = summ.reliability
    cs = list(ours.reliability.index)
    for ours_col, ref_col in (("alpha", "alpha"), ("rho_a", "rhoA"), ("rho_c", "rhoC"), ("ave", "AVE")):
        np.testing.assert_allclose(ours.reliability[ours_col], _get(rel, cs, [ref_col] * len(cs)),
                                   atol=TOL, err_msg=ours_col)


def test_validity(pair):
    ours, _, summ = pair
    v = summ.validity
    m = ours.htmt_matrix()
    for a, b in ours.htmt[["construct_1", "construct_2"]].itertuples(index=False):
        ref = v.htmt.values[v.htmt.rows.index(b), v.htmt.cols.index(a)]
        assert m.loc[a, b] == pytest.approx(ref, abs=TOL), (a, b)
    fl = ours.fornell_larcker
    ref_fl = pd.DataFrame(v.fl_criteria.values, index=v.fl_criteria.rows, columns=v.fl_criteria.cols)
    np.testing.assert_allclose(fl.to_numpy(), ref_fl.loc[fl.index, fl.columns].to_numpy(), atol=TOL)
    cl = ours.cross_loadings.drop(columns="construct")
    ref_cl = pd.DataFrame(v.cross_loadings.values, index=v.cross_loadings.rows, columns=v.cross_loadings.cols)
    np.testing.assert_allclose(cl.to_numpy(), ref_cl.loc[cl.index, cl.columns].to_numpy(), atol=TOL)
    outer = ours.vif[ours.vif["kind"] == "outer"]
    ref_items = [v.vif_items[c][x] for c, x in zip(outer["construct"], outer["variable"])]
    np.testing.assert_allclose(outer["vif"], ref_items, atol=1e-9)


def test_inner_vif(pair):
    ours, _, summ = pair
    inner = ours.vif[ours.vif["kind"] == "inner"]
    for target, pred, value in inner[["construct", "variable", "vif"]].itertuples(index=False):
        ref = summ.vif_antecedents[target][pred]
        if np.isnan(ref):  # seminr leaves single-predictor VIFs empty; the VIF is 1
            assert value == 1.0
        else:
            assert value == pytest.approx(ref, abs=1e-9)


def test_f_squared_convention(pair):
    """Where the dropped path barely changes the weights, the two f² conventions coincide."""
    ours, ref, summ = pair
    f2 = ours.f_squared
    theirs = _get(summ.f_square, f2["from"], f2["to"])
    # single-predictor targets: removing the path leaves R² = 0 in both conventions
    single = f2["to"].map(f2["to"].value_counts()) == 1
    np.testing.assert_allclose(f2.loc[single, "estimate"], theirs[single.to_numpy()], atol=1e-9)
    # and ours is exactly the R²-change formula on our scores
    r2 = ours.r_squared
    for f, t, est in f2[["from", "to", "estimate"]].itertuples(index=False):
        preds = [a for a, b in ours.model.structural_paths if b == t and a != f]
        s = ours.scores
        if preds:
            X = s[preds].to_numpy()
            beta, *_ = np.linalg.lstsq(X, s[t].to_numpy(), rcond=None)
            resid = s[t].to_numpy() - X @ beta
            r2_ex = 1 - resid.var() / s[t].var(ddof=0)
        else:
            r2_ex = 0.0
        assert est == pytest.approx((r2[t] - r2_ex) / (1 - r2[t]), abs=1e-9)
