"""Higher-order constructs (``QV =~ Quality + Value``): parity of the disjoint two-stage approach
with PyPI seminr's higher_composite, the repeated-indicators approach against the same model
written out by hand, bootstrap re-running stage 1, and the model checks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import sem
from crm_analysis.errors import InputError
from crm_analysis.sem import Model

TEXT = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
QV =~ Quality + Value
QV ~ Image + Expectation
Satisfaction ~ QV + Image
Loyalty ~ Satisfaction
"""
TOL = 1e-8


def _get(named, rows, cols):
    return np.array([named.values[named.rows.index(r), named.cols.index(c)] for r, c in zip(rows, cols)])


@pytest.mark.parametrize("hoc_mode", ["A", "B"])
@pytest.mark.parametrize("reflective", [False, True], ids=["PLS", "PLSc"])
def test_two_stage_equals_seminr(mobi, hoc_mode, reflective):
    """PyPI seminr 0.2.1 higher_composite (two-stage) on mobi: HOC paths, R², weights of the HOC
    and of its dimensions (stage 1), loadings, to 1e-8. With PLSc seminr leaves a mode A
    higher-order composite's loadings uncorrected (it is no ``reflective()`` construct) although
    it corrects its correlations; ours corrects both, so those two loadings are left out."""
    seminr = pytest.importorskip("seminr")
    m = Model(TEXT)
    make = seminr.reflective if reflective else seminr.composite
    blocks = [make(c, m.indicators[c]) for c in m.constructs if c != "QV"]
    blocks.append(seminr.higher_composite("QV", ["Quality", "Value"],
                                          weights=seminr.mode_A if hoc_mode == "A" else seminr.mode_B))
    paths = [seminr.paths(from_=f, to=t) for f, t in m.structural_paths]
    ref = seminr.estimate_pls(mobi, seminr.constructs(*blocks), seminr.relationships(*paths))
    text = TEXT if hoc_mode == "A" else TEXT.replace("QV =~", "QV <~")
    ours = sem.estimate_pls(mobi, text, consistent=reflective)
    p = ours.paths
    np.testing.assert_allclose(p["estimate"], _get(ref.path_coef, p["from"], p["to"]), atol=TOL, rtol=0)
    r2 = ours.r_squared
    np.testing.assert_allclose(r2.to_numpy(), _get(ref.r_squared, ["Rsq"] * len(r2), r2.index), atol=TOL, rtol=0)
    w = ours.weights
    assert {"Quality", "Value", "QV"} <= set(w["construct"]) and len(w) == 25
    np.testing.assert_allclose(w["estimate"], _get(ref.outer_weights, w["indicator"], w["construct"]), atol=TOL, rtol=0)
    lo = ours.loadings
    if reflective and hoc_mode == "A":
        lo = lo[lo["construct"] != "QV"]
    np.testing.assert_allclose(lo["estimate"], _get(ref.outer_loadings, lo["indicator"], lo["construct"]),
                               atol=TOL, rtol=0)


def test_two_stage_bootstrap_reruns_stage_one(mobi):
    fit = sem.estimate_pls(mobi, TEXT, bootstrap=10, seed=3)
    for b in (0, 4):
        one = sem.estimate_pls(mobi.iloc[np.repeat(np.arange(len(mobi)), fit.bootstrap_counts[b])], TEXT)
        np.testing.assert_allclose(fit.bootstrap_draws["paths"][b], one.paths["estimate"], atol=1e-9)
    assert fit.weights["se"].notna().sum() == len(fit.bootstrap_draws["weights"][0])


@pytest.mark.parametrize("mode", ["A", "B"])
def test_repeated_indicators_is_the_written_out_model(mobi, mode):
    """Repeated indicators: the HOC measured by copies of its dimensions' items, HOC -> LOC paths
    (reflective HOC) or LOC -> HOC (formative HOC), estimated as an ordinary model on data with
    the copied columns."""
    text = TEXT if mode == "A" else TEXT.replace("QV =~", "QV <~")
    ours = sem.estimate_pls(mobi, text, hoc="repeated_indicators")
    items = [f"PERQ{i}" for i in range(1, 8)] + ["PERV1", "PERV2"]
    data = mobi.copy()
    for x in items:
        data[f"{x}_r"] = data[x]
    op = "=~" if mode == "A" else "<~"
    dim_paths = "Quality ~ QV\nValue ~ QV" if mode == "A" else "QV ~ Quality + Value"
    written = "\n".join(line for line in TEXT.strip().splitlines() if not line.startswith("QV =~")) + \
        f"\nQV {op} " + " + ".join(f"{x}_r" for x in items) + "\n" + dim_paths
    ref = sem.estimate_pls(data, written)
    a = ours.paths.set_index(["from", "to"])["estimate"]
    b = ref.paths.set_index(["from", "to"])["estimate"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), check_exact=False, atol=1e-12)
    np.testing.assert_allclose(ours.weights["estimate"], ref.weights["estimate"], atol=1e-12)


def test_hoc_model_checks(mobi):
    m = Model(TEXT)
    assert m.higher_order == {"QV": ["Quality", "Value"]}
    assert "Quality" not in m.all_indicators and "PERQ1" in m.all_indicators
    with pytest.raises(InputError, match="higher-order"):
        sem.predict_pls(mobi, TEXT)
    with pytest.raises(InputError, match="only second-order"):
        Model(TEXT + "\nTOP =~ QV + Loyalty")
    from crm_analysis.errors import ParameterError
    with pytest.raises(ParameterError, match="hoc: expected one of"):
        sem.estimate_pls(mobi, TEXT, hoc="embedded")


def test_repeated_indicators_bootstrap_is_batched_and_equals_refits(mobi):
    fit = sem.estimate_pls(mobi, TEXT, hoc="repeated_indicators", bootstrap=10, seed=2)
    for b in (1, 7):
        one = sem.estimate_pls(mobi.iloc[np.repeat(np.arange(len(mobi)), fit.bootstrap_counts[b])], TEXT,
                               hoc="repeated_indicators")
        np.testing.assert_allclose(fit.bootstrap_draws["paths"][b], one.paths["estimate"], atol=1e-9)
