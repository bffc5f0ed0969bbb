"""Interaction terms (``Y ~ X + M + X:M``): model syntax, parity with PyPI seminr's
interaction_term for its three methods (two-stage, product indicator, orthogonal; composite and
PLSc), bootstrap with regenerated interaction columns, simple slopes."""
from __future__ import annotations

import numpy as np
import pytest

from crm_analysis import csi, sem
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import Model, ModelSyntaxError

ECSI = csi.preset("ecsi")
TEXT = ECSI.to_text() + "\nSatisfaction ~ Image:Expectation"
TOL = 1e-8


def _get(named, rows, cols):
    return np.array([named.values[named.rows.index(r), named.cols.index(c)] for r, c in zip(rows, cols)])


def _seminr_names(xs):
    return [x.replace(":", "*") for x in xs]


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
@pytest.mark.parametrize("reflective", [False, True], ids=["PLS", "PLSc"])
def test_interaction_equals_seminr(mobi, method, reflective):
    """PyPI seminr 0.2.1 on mobi (Image x Expectation -> Satisfaction): paths (incl. its rescaled
    interaction path), loadings, weights and R² to 1e-8."""
    seminr = pytest.importorskip("seminr")
    make = seminr.reflective if reflective else seminr.composite
    blocks = [make(c, ECSI.indicators[c]) for c in ECSI.constructs]
    blocks.append(seminr.interaction_term(iv="Image", moderator="Expectation", method=getattr(seminr, method)))
    paths = [seminr.paths(from_=f, to=t) for f, t in ECSI.structural_paths]
    paths.append(seminr.paths(from_="Image*Expectation", to="Satisfaction"))
    ref = seminr.estimate_pls(mobi, seminr.constructs(*blocks), seminr.relationships(*paths))
    ours = sem.estimate_pls(mobi, TEXT, interactions=method, consistent=reflective)
    p = ours.paths
    assert ("Image:Expectation", "Satisfaction") in set(zip(p["from"], p["to"]))
    np.testing.assert_allclose(p["estimate"], _get(ref.path_coef, _seminr_names(p["from"]), p["to"]), atol=TOL, rtol=0)
    for table, named in ((ours.loadings, ref.outer_loadings), (ours.weights, ref.outer_weights)):
        np.testing.assert_allclose(table["estimate"], _get(named, _seminr_names(table["indicator"]),
                                                           _seminr_names(table["construct"])), atol=TOL, rtol=0)
    r2 = ours.r_squared
    np.testing.assert_allclose(r2.to_numpy(), _get(ref.r_squared, ["Rsq"] * len(r2), r2.index), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_bootstrap_regenerates_the_interaction_columns(mobi, method):
    """A bootstrap draw equals estimate_pls on the resampled rows (columns rebuilt from them)."""
    fit = sem.estimate_pls(mobi, TEXT, interactions=method, bootstrap=10, seed=2)
    for b in (0, 5):
        rows = mobi.iloc[np.repeat(np.arange(len(mobi)), fit.bootstrap_counts[b])]
        one = sem.estimate_pls(rows, TEXT, interactions=method)
        np.testing.assert_allclose(fit.bootstrap_draws["paths"][b], one.paths["estimate"], atol=1e-9)
        np.testing.assert_allclose(fit.bootstrap_draws["loadings"][b], one.loadings["estimate"], atol=1e-9)


def test_simple_slopes(mobi):
    fit = sem.estimate_pls(mobi, TEXT, bootstrap=50, seed=1)
    ss = sem.simple_slopes(fit, "Image", "Expectation", "Satisfaction", at=(-1, 0, 1), x=(-1, 1))
    p = fit.paths.set_index(["from", "to"])["estimate"]
    b_x, b_m, b_xm = (p[("Image", "Satisfaction")], p[("Expectation", "Satisfaction")],
                      p[("Image:Expectation", "Satisfaction")])
    row = ss[(ss["moderator_sd"] == 1) & (ss["x"] == 1)].iloc[0]
    assert row["slope"] == pytest.approx(b_x + b_xm)
    assert row["y_hat"] == pytest.approx(b_x + b_xm + b_m)
    d = fit.bootstrap_draws["paths"]
    lab = fit.bootstrap_labels["paths"]
    draws = d[:, lab.index(("Image", "Satisfaction"))] - d[:, lab.index(("Image:Expectation", "Satisfaction"))]
    low = ss[ss["moderator_sd"] == -1].iloc[0]
    assert low["se"] == pytest.approx(draws.std(ddof=1))
    assert low["ci_low"] == pytest.approx(np.quantile(draws, 0.025))
    with pytest.raises(ParameterError, match="no interaction"):
        sem.simple_slopes(fit, "Image", "Value", "Satisfaction")


def test_interaction_syntax():
    m = Model("X =~ a + b\nM =~ c + d\nY =~ e + f\nY ~ X + M + X:M")
    assert m.interactions == [("X", "M", "Y")]
    assert m.structural_paths == [("X", "Y"), ("M", "Y")]
    assert Model(m.to_text()) == m
    bad = {
        "X =~ a\nM =~ c\nY =~ e\nY ~ X:Q": "names 'Q', which is not a construct",
        "X =~ a:b": "only be a predictor",
        "X:M =~ a": "only be a predictor",
        "X =~ a\nM =~ c\nY =~ e\nY ~ X:M:X": "only two-way",
        "X =~ a\nM =~ c\nY =~ e\nY ~ X:M\nY ~ M:X": "given twice",
    }
    for text, fragment in bad.items():
        with pytest.raises(ModelSyntaxError, match=fragment):
            Model(text)


def test_interaction_refusals(mobi):
    with pytest.raises(ParameterError, match="interactions: expected one of"):
        sem.estimate_pls(mobi, TEXT, interactions="moderated")
    with pytest.raises(InputError, match="interaction terms"):
        sem.pls_batch(mobi, TEXT, indices=np.zeros((2, 5), dtype=int))
    with pytest.raises(ParameterError, match="consistent"):
        sem.estimate_pls(mobi, TEXT, consistent=["Image:Expectation"])


def test_result_of_an_interaction_model_pickles(mobi):
    """The augmented model (construct 'Image:Expectation') has no parseable text; pickling stores
    its parts."""
    import pickle

    fit = sem.estimate_pls(mobi, TEXT)
    again = pickle.loads(pickle.dumps(fit))
    assert again.model == fit.model and "Image:Expectation" in again.model.constructs
    assert again.paths.equals(fit.paths)
