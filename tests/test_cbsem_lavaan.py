"""CB-SEM against R lavaan 0.6.14: estimates, standard errors, standardised solution, fit measures.

The reference CSVs in ``tests/reference/lavaan/`` were written by ``make_reference.R`` in that
folder (R and lavaan are not needed to run these tests). Tolerances:

- estimates, SEs and std.all on the textbook models (Holzinger-Swineford, PoliticalDemocracy):
  1e-5 — lavaan stops its optimiser at a relative tolerance near 1e-6 on these models, so its
  estimates carry errors of that order, ours a gradient below 1e-9;
- chi-square 1e-3 everywhere (the issue's bound; in fact within 1e-6), robust measures 1e-4;
- the ECSI model on the mobi data: its likelihood is flat along a ridge of collinear paths (SEs up
  to 24), where lavaan's stopping rule leaves estimates up to 3e-3 away while its chi-square equals
  ours to 1e-7; there each estimate must be within 1e-3 or 2e-4 of its standard error.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analysis import csi
from crm_analysis.sem.cbsem import (
    CBSEMConvergenceWarning,
    ImproperSolutionWarning,
    chi2_difference,
    estimate_cbsem,
    estimate_cbsem_multigroup,
)

REF = Path(__file__).parent / "reference" / "lavaan"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""

FIT_NAMES = {
    "chisq": "chi2", "df": "df", "npar": "npar", "pvalue": "p", "baseline.chisq": "chi2_baseline",
    "baseline.df": "df_baseline", "cfi": "cfi", "tli": "tli", "logl": "logl",
    "unrestricted.logl": "logl_unrestricted", "aic": "aic", "bic": "bic", "bic2": "bic_adjusted",
    "rmsea": "rmsea", "rmsea.ci.lower": "rmsea_ci_low", "rmsea.ci.upper": "rmsea_ci_high",
    "rmsea.pvalue": "rmsea_p_close", "srmr": "srmr",
}
ROBUST_NAMES = {
    "chisq.scaled": "chi2_scaled", "chisq.scaling.factor": "scaling_factor", "pvalue.scaled": "p_scaled",
    "cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust",
    "rmsea.ci.lower.robust": "rmsea_ci_low_robust", "rmsea.ci.upper.robust": "rmsea_ci_high_robust",
}


def _data(name: str) -> pd.DataFrame:
    if name in ("mobi", "satisfaction"):
        path = SHARED / ("ecsi_mobi.csv" if name == "mobi" else "ecsi_satisfaction.csv")
        if not path.exists():
            pytest.skip(f"{path} not found (../shared beside the project)")
        return pd.read_csv(path, index_col=0)
    return pd.read_csv(REF / {"hs": "hs_data.csv", "hs_missing": "hs_missing_data.csv",
                              "pd": "political_democracy_data.csv"}[name])


CASES = {
    # reference name: (data, model, options, estimate tolerance)
    "hs_ml": ("hs", HS, {}, 1e-5),
    "hs_mlm": ("hs", HS, {"estimator": "MLM"}, 1e-5),
    "hs_mlr": ("hs", HS, {"estimator": "MLR"}, 1e-5),
    "hs_fiml": ("hs_missing", HS, {"missing": "fiml"}, 1e-5),
    "pd_ml": ("pd", PD, {}, 1e-5),
    "ecsi_satisfaction_ml": ("satisfaction", None, {}, 1e-4),
    "ecsi_mobi_ml": ("mobi", "ecsi", {}, None),
    "ecsi_mobi_mlr": ("mobi", "ecsi", {"estimator": "MLR"}, None),
}


def _model(spec):
    if spec is None:
        return csi.satisfaction_model()
    if spec == "ecsi":
        return csi.preset("ecsi")
    return spec


@pytest.fixture(scope="module")
def fits() -> dict:
    return {}


def _fit(fits: dict, name: str):
    if name not in fits:
        data, model, opts, _ = CASES[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImproperSolutionWarning)
            fits[name] = estimate_cbsem(_data(data), _model(model), **opts)
    return fits[name]


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_and_standard_errors_equal_lavaan(fits, name: str) -> None:
    res = _fit(fits, name)
    ref = pd.read_csv(REF / f"{name}_estimates.csv")
    ref = ref[ref["op"].isin(["=~", "~", "~~", "~1"])].fillna({"rhs": ""})
    m = ref.merge(res.estimates, on=["lhs", "op", "rhs"], how="outer", indicator=True,
                  suffixes=("_lavaan", ""))
    # the same parameter table: every row of lavaan's is ours and vice versa
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["lhs", "op", "rhs", "_merge"]]
    tol = CASES[name][3]
    if tol is None:  # the flat mobi likelihood (see the module docstring)
        allowed = np.maximum(1e-3, 2e-4 * m["se_lavaan"].fillna(0))
        assert ((m["est"] - m["estimate"]).abs() <= allowed).all()
        assert ((m["se_lavaan"].fillna(0) - m["se"].fillna(0)).abs() <= np.maximum(1e-3, 3e-3 * m["se_lavaan"])).all()
        assert ((m["std.all"] - m["std_all"]).abs() <= 2e-3).all()
        return
    np.testing.assert_allclose(m["estimate"], m["est"], atol=tol, rtol=0)
    free = m["free"]
    # SEs relative as well: on the collinear satisfaction paths (SE 5.6) lavaan's own estimate error
    # moves its SE by 2e-5 relative
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_lavaan"], atol=tol, rtol=1e-4)
    np.testing.assert_allclose(m["std_all"], m["std.all"], atol=tol, rtol=0)
    # delta-method standard errors of the standardised solution (standardizedSolution()$se)
    np.testing.assert_allclose(m["se_std_all"], m["se_std_all_lavaan"].fillna(0), atol=tol, rtol=1e-4)


@pytest.mark.parametrize("name", list(CASES))
def test_fit_measures_equal_lavaan(fits, name: str) -> None:
    res = _fit(fits, name)
    fm = pd.read_csv(REF / f"{name}_fit.csv").set_index("measure")["value"]
    assert res.fit["chi2"] == pytest.approx(fm["chisq"], abs=1e-3)
    for theirs, ours in FIT_NAMES.items():
        assert res.fit[ours] == pytest.approx(fm[theirs], abs=1e-3, rel=1e-6), ours
    if "chisq.scaled" in fm.index and res.estimator != "ML":
        # on the flat mobi likelihood lavaan's estimates (3e-3 off, see above) move its Hessian-based
        # scaling factor by 3e-5 relative: there the bound is relative
        rel = 1e-4 if name.startswith("ecsi_mobi") else 0
        for theirs, ours in ROBUST_NAMES.items():
            assert res.fit[ours] == pytest.approx(fm[theirs], abs=1e-4, rel=rel), ours
    assert res.converged and res.grad_max < 1e-6


def test_mobi_ecsi_reaches_lavaans_optimum_from_the_defaults() -> None:
    # the outside review's case: semopy's SLSQP stopped at chi2 575.763 and called it converged,
    # with Satisfaction ~ Expectation = -84 and a negative residual variance
    mobi = _data("mobi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no improper-solution or convergence warning
        res = estimate_cbsem(mobi, csi.preset("ecsi"))
    assert res.fit["chi2"] == pytest.approx(575.571, abs=1e-3)
    assert res.converged and res.is_proper and res.trustworthy
    path = res.paths.set_index(["from", "to"]).loc[("Expectation", "Satisfaction")]
    assert abs(path["estimate"]) < 5
    assert 0 < res.r_squared["Satisfaction"] < 1
    # several starts, recorded, with the distance of the runner-up
    assert list(res.starts["start"]) == ["scores", "simple"]
    assert res.starts["chi2"].min() == pytest.approx(575.571, abs=1e-3)
    assert 0 <= res.runner_up_gap < 1e-3 and "starts tried: 2" in res.summary()
    # lavaan's own start (FABIN 3 loadings, construct variances 0.05) runs into the edge of the
    # admissible region on these data; tried as a third start, it is recorded and loses
    third = estimate_cbsem(mobi, csi.preset("ecsi"), starts=3)
    assert list(third.starts["start"]) == ["scores", "simple", "fabin"]
    assert third.fit["chi2"] == pytest.approx(res.fit["chi2"], abs=1e-9)
    assert third.starts.set_index("start").loc["fabin", "chi2"] > res.fit["chi2"]


def test_invariance_sequence_equals_lavaan_and_stays_nested() -> None:
    hs = _data("hs")
    levels = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
              "strict": ("loadings", "intercepts", "residuals")}
    prev = None
    chi2 = []
    for name, eq in levels.items():
        res = estimate_cbsem_multigroup(hs, HS, "school", group_equal=eq, start=prev)
        fm = pd.read_csv(REF / f"hs_school_{name}_fit.csv").set_index("measure")["value"]
        assert res.converged, name
        assert res.fit["chi2"] == pytest.approx(fm["chisq"], abs=1e-3), name
        assert res.fit["df"] == fm["df"] and res.fit["npar"] == fm["npar"], name
        assert res.fit["cfi"] == pytest.approx(fm["cfi"], abs=1e-6), name
        chi2.append(res.fit["chi2"])
        prev = res
    assert chi2 == sorted(chi2)  # each constrained model at or above its parent


def test_compare_groups_never_reports_a_constrained_model_fitting_better() -> None:
    sat = _data("satisfaction")
    cmp = csi.compare_groups(sat, csi.satisfaction_model(), "gender", estimator="cbsem", permutations=100,
                             bootstrap=100, seed=1)
    inv = cmp.invariance
    assert (inv["delta_chi2"].dropna() >= -1e-6).all()
    assert inv["converged"].all()
    # a verdict only where both fits passed their checks
    assert inv["supported"].iloc[1:].notna().all()


def test_chi2_difference_of_a_pair_out_of_order_is_not_a_verdict() -> None:
    restricted = pd.Series({"chi2": 473.4, "df": 269.0})
    general = pd.Series({"chi2": 715.7, "df": 256.0})
    # what the review saw printed as "metric invariance is supported" (p = 1.000)
    with pytest.warns(UserWarning, match="restricted model fits better"):
        d, ddf, p = chi2_difference(restricted, general)
    assert d < 0 and ddf == 13 and np.isnan(p)


def test_not_converged_is_said_where_the_reader_looks() -> None:
    mobi = _data("mobi")
    with pytest.warns(CBSEMConvergenceWarning, match="did not converge"):
        res = estimate_cbsem(mobi, csi.preset("ecsi"), max_iter=1, starts=1)
    assert not res.converged and not res.trustworthy and res.grad_max > 1e-6
    assert "converged: NO" in res.summary()
    assert any("did not converge" in w and "no conclusion" in w for w in res.warnings)
    assert "NOT CONVERGED" in repr(res)


def test_satorra_bentler_and_yuan_bentler_keep_the_ml_estimates() -> None:
    hs = _data("hs")
    ml, mlm, mlr = (estimate_cbsem(hs, HS, estimator=e) for e in ("ML", "mlm", "MLR"))
    pd.testing.assert_series_equal(ml.estimates["estimate"], mlm.estimates["estimate"])
    pd.testing.assert_series_equal(ml.estimates["estimate"], mlr.estimates["estimate"])
    assert "chi2_scaled" not in ml.fit.index
    assert mlm.estimator == "MLM" and "Satorra-Bentler" in mlm.summary()
    with pytest.raises(Exception, match="estimator='MLR' with missing='fiml'"):
        estimate_cbsem(hs, HS, estimator="MLR", missing="fiml")
    with pytest.raises(Exception, match="estimator='WLS'"):
        estimate_cbsem(hs, HS, estimator="WLS")


def test_fiml_on_complete_data_is_ml() -> None:
    hs = _data("hs")
    ml = estimate_cbsem(hs, HS)
    fiml = estimate_cbsem(hs, HS, missing="fiml")
    assert fiml.fit["chi2"] == pytest.approx(ml.fit["chi2"], abs=1e-6)
    assert fiml.fit["df"] == ml.fit["df"]  # 9 intercepts added to the moments and to the parameters
    a = ml.estimates.set_index(["lhs", "op", "rhs"])["estimate"]
    b = fiml.estimates.set_index(["lhs", "op", "rhs"])["estimate"]
    np.testing.assert_allclose(b.loc[a.index], a, atol=1e-6)


def test_rescaling_by_1000_as_in_the_review() -> None:
    sat = _data("satisfaction")
    model = "IMAG =~ imag1 + imag2 + imag3\nSAT =~ sat1 + sat2 + sat3\nSAT ~ IMAG"
    base = estimate_cbsem(sat, model)
    items = [c for c in sat.columns if c.startswith(("imag", "sat"))]
    big = sat.copy()
    big[items] = big[items] * 1000
    res = estimate_cbsem(big, model)
    fm = pd.read_csv(REF / "imag_sat_ml_fit.csv").set_index("measure")["value"]
    path = pd.read_csv(REF / "imag_sat_ml_estimates.csv").query("op == '~'")["est"].iloc[0]
    assert base.fit["chi2"] == pytest.approx(fm["chisq"], abs=1e-4)  # lavaan: 22.365
    assert res.paths["estimate"].iloc[0] == pytest.approx(path, abs=1e-5)  # lavaan: 1.095
    assert res.fit["chi2"] == pytest.approx(base.fit["chi2"], abs=1e-6)
    assert res.paths["estimate"].iloc[0] == pytest.approx(base.paths["estimate"].iloc[0], rel=1e-6)
    assert res.paths["estimate"].iloc[0] == pytest.approx(1.095, abs=1e-3)
    assert res.converged


@settings(max_examples=12, deadline=None)
@given(st.lists(st.floats(min_value=-3, max_value=3), min_size=9, max_size=9),
       st.lists(st.floats(min_value=-100, max_value=100), min_size=9, max_size=9))
def test_rescaling_an_indicator_rescales_its_estimates_only(log_scales, shifts) -> None:
    hs = _data("hs")
    base = estimate_cbsem(hs, HS)
    scale = dict(zip([f"x{i}" for i in range(1, 10)], 10.0 ** np.array(log_scales)))
    moved = hs.copy()
    for x, s in scale.items():
        moved[x] = moved[x] * s + shifts[int(x[1:]) - 1]
    res = estimate_cbsem(moved, HS)
    assert res.converged
    assert res.fit["chi2"] == pytest.approx(base.fit["chi2"], abs=1e-6)
    for k in ("cfi", "tli", "rmsea", "srmr"):
        assert res.fit[k] == pytest.approx(base.fit[k], abs=1e-8)
    np.testing.assert_allclose(res.estimates["std_all"], base.estimates["std_all"], atol=1e-6)
    # a loading lambda(x on F) scales by s_x / s_marker(F); a residual variance by s_x^2
    markers = {"visual": "x1", "textual": "x4", "speed": "x7"}
    e0 = base.estimates.set_index(["lhs", "op", "rhs"])["estimate"]
    e1 = res.estimates.set_index(["lhs", "op", "rhs"])["estimate"]
    for (lhs, op, rhs), v in e0.items():
        if op == "=~":
            expected = v * scale[rhs] / scale[markers[lhs]]
        elif op == "~~" and lhs == rhs and lhs in scale:
            expected = v * scale[lhs] ** 2
        else:
            continue
        assert e1[(lhs, op, rhs)] == pytest.approx(expected, rel=1e-5)
