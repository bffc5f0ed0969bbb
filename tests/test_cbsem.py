"""CB-SEM (crm_analysis.sem.cbsem): textbook parity, fit measures, improper solutions, multigroup."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from benchmarks.peers import seminr_model
from crm_analysis.csi import satisfaction_model
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import Model
from crm_analysis.sem.cbsem import (
    ImproperSolutionWarning,
    estimate_cbsem,
    estimate_cbsem_multigroup,
    fit_measures,
)

semopy_examples = pytest.importorskip("semopy.examples")
from semopy.examples import holzinger39, political_democracy  # noqa: E402

ECSI_SAT = satisfaction_model()


@pytest.fixture(scope="module")
def pd_data() -> pd.DataFrame:
    return political_democracy.get_data()


# ---------------------------------------------------------------------------------------------
# parity with lavaan
# ---------------------------------------------------------------------------------------------
def test_political_democracy_matches_lavaan_estimates_shipped_by_semopy(pd_data) -> None:
    ref = political_democracy.get_params()
    # semopy ships lavaan's estimates of the model WITHOUT the residual covariance y4 ~~ y8
    # (the reference table has 33 rows and no y4 ~~ y8 row; with it, lavaan's estimates are
    # those of its tutorial, checked in the next test)
    assert not ((ref["lval"] == "y4") & (ref["rval"] == "y8")).any()
    text = political_democracy.get_model().replace("y4 ~~ y8\n", "")
    assert "y4 ~~ y8" not in text
    res = estimate_cbsem(pd_data, text)
    merged = ref.merge(res.estimates, left_on=["lval", "op", "rval"], right_on=["lhs", "op", "rhs"],
                       how="left", validate="one_to_one")
    assert merged["estimate"].notna().all(), merged[merged["estimate"].isna()]
    assert len(merged) == 33
    np.testing.assert_allclose(merged["estimate"], merged["Estimate"], atol=1e-3, rtol=0)
    # in fact far closer than the 1e-3 the issue asks for
    assert (merged["estimate"] - merged["Estimate"]).abs().max() < 5e-5
    # every free parameter of our table is in lavaan's table, and vice versa
    assert len(res.estimates) == 33


def test_political_democracy_full_model_fit_measures_equal_lavaan(pd_data) -> None:
    # lavaan 0.6 `summary(sem(model, PoliticalDemocracy), fit.measures = TRUE, standardized = TRUE)`
    res = estimate_cbsem(pd_data, political_democracy.get_model())
    f = res.fit
    assert f["df"] == 35 and f["npar"] == 31 and f["df_baseline"] == 55
    assert f["chi2"] == pytest.approx(38.125, abs=1e-3)
    assert f["p"] == pytest.approx(0.329, abs=1e-3)
    assert f["chi2_baseline"] == pytest.approx(730.654, abs=1e-3)
    assert f["cfi"] == pytest.approx(0.995, abs=1e-3)
    assert f["tli"] == pytest.approx(0.993, abs=1e-3)
    assert f["logl"] == pytest.approx(-1547.791, abs=1e-3)
    assert f["logl_unrestricted"] == pytest.approx(-1528.728, abs=1e-3)
    assert f["aic"] == pytest.approx(3157.582, abs=1e-3)
    assert f["bic"] == pytest.approx(3229.424, abs=1e-3)
    assert f["bic_adjusted"] == pytest.approx(3131.720, abs=1e-3)
    assert f["rmsea"] == pytest.approx(0.035, abs=1e-3)
    assert f["rmsea_ci_low"] == pytest.approx(0.000, abs=1e-3)
    assert f["rmsea_ci_high"] == pytest.approx(0.092, abs=1e-3)
    assert f["rmsea_p_close"] == pytest.approx(0.611, abs=1e-3)
    assert f["srmr"] == pytest.approx(0.044, abs=1e-3)
    paths = res.paths.set_index(["from", "to"])
    # estimates, standard errors and std.all of the regressions, as printed by lavaan
    exp = {("ind60", "dem60"): (1.483, 0.399, 0.447), ("ind60", "dem65"): (0.572, 0.221, 0.182),
           ("dem60", "dem65"): (0.837, 0.098, 0.885)}
    for key, (est, se, std) in exp.items():
        assert paths.loc[key, "estimate"] == pytest.approx(est, abs=1e-3)
        assert paths.loc[key, "se"] == pytest.approx(se, abs=1e-3)
        assert paths.loc[key, "std_all"] == pytest.approx(std, abs=1e-3)
    # semopy's own AIC is on another scale (the ML discrepancy), which is why we compute it
    assert abs(f["aic"] - 3157.582) < 1e-3
    assert res.is_proper and res.converged


def test_holzinger_swineford_cfa_fit_measures_equal_lavaan() -> None:
    # lavaan tutorial: cfa(HS.model, data = HolzingerSwineford1939)
    res = estimate_cbsem(holzinger39.get_data(), holzinger39.get_model())
    f = res.fit
    assert (f["df"], f["npar"], f["n"]) == (24, 21, 301)
    for key, value in {"chi2": 85.306, "chi2_baseline": 918.852, "cfi": 0.931, "tli": 0.896,
                       "logl": -3737.745, "logl_unrestricted": -3695.092, "aic": 7517.490,
                       "bic": 7595.339, "bic_adjusted": 7528.739, "rmsea": 0.092,
                       "rmsea_ci_low": 0.071, "rmsea_ci_high": 0.114, "rmsea_p_close": 0.001,
                       "srmr": 0.065}.items():
        assert f[key] == pytest.approx(value, abs=1e-3), key
    # exogenous factors covary (lavaan's default): three covariances in the table
    covs = res.estimates[(res.estimates["op"] == "~~") & (res.estimates["lhs"] != res.estimates["rhs"])]
    assert len(covs) == 3
    assert res.r_squared.empty and res.effects.empty


def test_standardised_solution_is_lavaan_std_all(pd_data) -> None:
    res = estimate_cbsem(pd_data, political_democracy.get_model())
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    C = res.latent_cov
    # std.all of a loading: lambda * sd(factor) / sd(indicator), with model-implied SDs
    lam = est.loc[("dem60", "=~", "y2"), "estimate"]
    expected = lam * np.sqrt(C.loc["dem60", "dem60"]) / np.sqrt(res.implied_cov.loc["y2", "y2"])
    assert est.loc[("dem60", "=~", "y2"), "std_all"] == pytest.approx(expected, rel=1e-12)
    # residual covariance: scaled by the two residual variances (lavaan cov.std = TRUE)
    cov = est.loc[("y2", "~~", "y6"), "estimate"]
    v2, v6 = est.loc[("y2", "~~", "y2"), "estimate"], est.loc[("y6", "~~", "y6"), "estimate"]
    assert est.loc[("y2", "~~", "y6"), "std_all"] == pytest.approx(cov / np.sqrt(v2 * v6), rel=1e-12)
    # an exogenous factor variance standardises to 1, R² = 1 - std residual variance
    assert est.loc[("ind60", "~~", "ind60"), "std_all"] == pytest.approx(1.0)
    assert res.r_squared["dem65"] == pytest.approx(1 - est.loc[("dem65", "~~", "dem65"), "std_all"])
    # standardised loadings squared are the indicators' R²
    assert res.r_squared_indicators["y2"] == pytest.approx(est.loc[("dem60", "=~", "y2"), "std_all"] ** 2)
    assert list(res.standardized.columns) == ["lhs", "op", "rhs", "estimate"]


def test_effects_and_factor_scores(pd_data) -> None:
    res = estimate_cbsem(pd_data, political_democracy.get_model())
    eff = res.effects.set_index(["from", "to"])
    assert set(eff.index) == {("ind60", "dem60"), ("ind60", "dem65"), ("dem60", "dem65")}
    b = res.paths.set_index(["from", "to"])["std_all"]
    # indirect effect of ind60 on dem65 goes through dem60 (standardised product of paths)
    assert eff.loc[("ind60", "dem65"), "indirect"] == pytest.approx(b[("ind60", "dem60")] * b[("dem60", "dem65")])
    assert eff.loc[("ind60", "dem65"), "total"] == pytest.approx(
        eff.loc[("ind60", "dem65"), "direct"] + eff.loc[("ind60", "dem65"), "indirect"])
    assert eff.loc[("dem60", "dem65"), "indirect"] == 0.0
    # regression-method factor scores, as semopy's predict_factors / lavaan's lavPredict
    import semopy

    sm = semopy.Model(political_democracy.get_model())
    sm.fit(pd_data, options={"ftol": 1e-12})
    theirs = sm.predict_factors(pd_data)
    np.testing.assert_allclose(res.scores[theirs.columns].to_numpy(), theirs.to_numpy(), atol=1e-4)
    assert list(res.scores.index) == list(pd_data.index)


def test_fits_never_reuse_earlier_estimates(pd_data) -> None:
    text = political_democracy.get_model()
    first = estimate_cbsem(pd_data, text)
    # a fit on other data in between must not change a later fit of the same data
    estimate_cbsem(pd_data.iloc[::-1].iloc[:60], text)
    again = estimate_cbsem(pd_data, text)
    pd.testing.assert_frame_equal(first.estimates, again.estimates)
    assert first.iterations == again.iterations


def test_model_object_and_text_give_the_same_fit(pd_data) -> None:
    text = political_democracy.get_model()
    a = estimate_cbsem(pd_data, text)
    b = estimate_cbsem(pd_data, Model(text))
    pd.testing.assert_series_equal(a.fit, b.fit)


# ---------------------------------------------------------------------------------------------
# improper solutions
# ---------------------------------------------------------------------------------------------
def test_collinear_paths_on_the_satisfaction_model_are_a_note_not_an_improper_solution(satisfaction) -> None:
    # lavaan calls this solution admissible (all variances positive; re-run with lavaan 0.6.14):
    # Expectation and Quality are nearly collinear (R² of Quality about 0.98), which drives the
    # standardised coefficients of Value's regression beyond ±1 without anything being wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImproperSolutionWarning)
        res = estimate_cbsem(satisfaction, ECSI_SAT)
    assert res.is_proper and res.converged and res.trustworthy
    coll = res.collinearity.set_index("predictor")
    assert set(coll.index) == {"QUAL", "EXPE"} and set(coll["construct"]) == {"VAL"}
    assert coll.loc["QUAL", "std_path"] == pytest.approx(2.59, abs=0.01)
    assert coll.loc["EXPE", "std_path"] == pytest.approx(-1.71, abs=0.01)
    assert (coll["vif"] > 10).all()
    text = " ".join(res.warnings)
    assert "collinearity note" in text and "admissible" in text and "improper" not in text
    assert "not interpretable" not in res.summary() and "Collinearity note" in res.summary()
    assert res.r_squared["QUAL"] > 0.98
    # the log-likelihood information criteria are lavaan's (AIC 24872.6), not semopy's (118.7)
    assert res.fit["aic"] == pytest.approx(24872.55, abs=0.01)
    assert res.fit["npar"] == 64 and res.fit["df"] == 314


def _heywood_data(n: int = 400) -> pd.DataFrame:
    # one factor, three indicators with r12 = r13 = .8 and r23 = .4: the loading of x1 would be
    # sqrt(.8 * .8 / .4) = 1.26 > 1, so x1's residual variance must be negative (Heywood case)
    target = np.array([[1, 0.8, 0.8], [0.8, 1, 0.4], [0.8, 0.4, 1]])
    rng = np.random.default_rng(7)
    z = rng.standard_normal((n, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    x = z @ np.linalg.cholesky(target).T  # sample correlation exactly `target`
    return pd.DataFrame(x * 2 + 5, columns=["x1", "x2", "x3"])


def test_heywood_case_negative_variance_and_boundary() -> None:
    data = _heywood_data()
    with pytest.warns(ImproperSolutionWarning, match="negative indicator residual variance"):
        res = estimate_cbsem(data, "F =~ x1 + x2 + x3")
    bad = res.improper.set_index("parameter")
    assert bad.loc["x1 ~~ x1", "value"] == pytest.approx(-0.6 * 4, abs=1e-3)  # (1 - 1.6) * var
    # the standardised loading beyond 1 is the same Heywood case seen from the other side
    assert res.estimates.set_index(["lhs", "op", "rhs"]).loc[("F", "=~", "x1"), "std_all"] == pytest.approx(
        np.sqrt(1.6), abs=1e-3)
    assert "x1 ~~ x1" in res.warnings[-1]
    assert res.estimates.set_index(["lhs", "op", "rhs"]).loc[("F", "=~", "x1"), "std_all"] > 1
    assert not res.trustworthy
    # bounded like semopy's default: the estimate sits on the bound and is reported as such
    with pytest.warns(ImproperSolutionWarning, match="boundary"):
        res_b = estimate_cbsem(data, "F =~ x1 + x2 + x3", bounded=True)
    assert "x1 ~~ x1" in set(res_b.improper["parameter"])
    assert res_b.estimates.set_index(["lhs", "op", "rhs"]).loc[("x1", "~~", "x1"), "estimate"] == pytest.approx(0, abs=1e-6)


def test_latent_correlation_beyond_one_is_improper() -> None:
    # two factors whose indicators correlate more across than within the factors
    rng = np.random.default_rng(3)
    n = 500
    f = rng.standard_normal(n)
    cols = {}
    for k, name in enumerate(["a1", "a2", "b1", "b2"]):
        cols[name] = f + rng.standard_normal(n) * 0.8
    data = pd.DataFrame(cols)
    data["a2"] = data["a1"] * 0.3 + rng.standard_normal(n)  # weak within-factor correlation
    data["b2"] = data["b1"] * 0.3 + rng.standard_normal(n)
    data["a2"] += data["b1"] * 0.6
    data["b2"] += data["a1"] * 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        res = estimate_cbsem(data, "A =~ a1 + a2\nB =~ b1 + b2")
    problems = " ".join(res.improper["problem"])
    assert "A ~~ B" in set(res.improper["parameter"]) and "correlation beyond ±1" in problems
    assert "latent covariance matrix not positive definite" in problems


# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------
def test_composites_interactions_and_higher_order_constructs_are_refused(pd_data) -> None:
    with pytest.raises(ParameterError, match="composite.*estimate_pls"):
        estimate_cbsem(pd_data, "ind60 <~ x1 + x2 + x3\ndem60 =~ y1 + y2\ndem60 ~ ind60")
    # never silently dropped (the term, or the construct of constructs, would vanish from the fit)
    with pytest.raises(ParameterError, match="interaction.*estimate_pls"):
        estimate_cbsem(pd_data, "X =~ x1 + x2\nM =~ x3 + y1\nY =~ y2 + y3\nY ~ X + M + X:M")
    with pytest.raises(ParameterError, match="higher-order.*estimate_pls"):
        estimate_cbsem(pd_data, "A =~ x1 + x2\nB =~ x3 + y1\nH =~ A + B\nY =~ y2 + y3\nY ~ H")


def test_bad_inputs_name_the_problem(pd_data) -> None:
    with pytest.raises(InputError, match="'x9'"):
        estimate_cbsem(pd_data, "F =~ x1 + x2 + x9")
    const = pd_data.assign(x2=3.0)
    with pytest.raises(InputError, match="no variance.*x2 = 3"):
        estimate_cbsem(const, "F =~ x1 + x2 + x3")
    with pytest.raises(InputError, match="5 complete rows.*31 free parameters"):
        estimate_cbsem(pd_data.iloc[:5], political_democracy.get_model())
    with pytest.raises(ParameterError, match="missing='pairwise'"):
        estimate_cbsem(pd_data, "F =~ x1 + x2 + x3", missing="pairwise")
    with pytest.raises(ParameterError, match="model"):
        estimate_cbsem(pd_data, 42)
    text = pd_data.astype({"x1": object})
    text.loc[text.index[3], "x1"] = "n/a"
    with pytest.raises(InputError, match="not numeric.*'x1'"):
        estimate_cbsem(text, "F =~ x1 + x2 + x3")


def test_missing_rows_are_dropped_listwise_and_reported(pd_data) -> None:
    holes = pd_data.copy()
    holes.iloc[[0, 4], 0] = np.nan
    holes.iloc[4, 2] = np.nan
    res = estimate_cbsem(holes, political_democracy.get_model())
    assert res.n == 73 and res.n_dropped == 2
    assert any("2 of 75 rows" in w and "listwise" in w for w in res.warnings)
    assert pd_data.notna().all().all()  # the caller's frame is untouched


def test_single_indicator_construct_has_its_residual_variance_fixed(pd_data) -> None:
    res = estimate_cbsem(pd_data, "X =~ x1\nD =~ y1 + y2 + y3 + y4\nD ~ X")
    row = res.estimates.set_index(["lhs", "op", "rhs"]).loc[("x1", "~~", "x1")]
    assert row["estimate"] == 0 and not row["free"]
    assert res.latent_cov.loc["X", "X"] == pytest.approx(pd_data["x1"].var(ddof=0), rel=1e-4)
    assert res.is_proper


def test_fit_measures_of_a_saturated_model() -> None:
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    fm = fit_measures([S], [S], [50], npar=3)
    assert fm["chi2"] == 0 and fm["df"] == 0 and fm["cfi"] == 1 and fm["rmsea"] == 0
    assert fm["srmr"] == 0
    assert fm["logl"] == pytest.approx(fm["logl_unrestricted"])


# ---------------------------------------------------------------------------------------------
# multigroup engine
# ---------------------------------------------------------------------------------------------
def test_configural_multigroup_fit_equals_separate_semopy_fits(satisfaction) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        per_group = [estimate_cbsem(satisfaction[satisfaction["gender"] == g], ECSI_SAT)
                     for g in ("female", "male")]
        conf = estimate_cbsem_multigroup(satisfaction, ECSI_SAT, "gender")
    assert conf.converged and conf.groups == ["female", "male"]
    assert all(r.converged for r in per_group)
    assert conf.fit["chi2"] == pytest.approx(sum(r.fit["chi2"] for r in per_group), abs=1e-4)
    # lavaan 0.6.14: 961.361 (female) + 727.845 (male, a negative latent variance) = 1689.206
    assert conf.fit["chi2"] == pytest.approx(1689.206, abs=1e-3)
    # the mean structure is saturated in the configural model: 2 x (378 + 27) moments, 2 x 91 parameters
    assert conf.fit["df"] == 628
    est = conf.estimates
    ours = est[(est["group"] == "male") & (est["op"] == "~")].set_index(["lhs", "rhs"])["estimate"]
    theirs = per_group[1].paths.set_index(["to", "from"])["estimate"]
    np.testing.assert_allclose(ours.loc[theirs.index], theirs, atol=2e-3)


def test_metric_and_scalar_models_add_the_expected_constraints(satisfaction) -> None:
    metric = estimate_cbsem_multigroup(satisfaction, ECSI_SAT, "gender", group_equal=["loadings"])
    scalar = estimate_cbsem_multigroup(satisfaction, ECSI_SAT, "gender",
                                       group_equal=["loadings", "intercepts"])
    assert metric.fit["df"] == 628 + 21  # 21 free loadings constrained equal
    assert scalar.fit["df"] == 628 + 21 + 27 - 6  # 27 intercepts equal, 6 construct means freed
    assert metric.fit["chi2"] <= scalar.fit["chi2"]
    est = metric.estimates
    lo = est[(est["op"] == "=~") & est["free"]].pivot_table(index=["lhs", "rhs"], columns="group", values="estimate")
    np.testing.assert_allclose(lo["female"], lo["male"])
    with pytest.raises(ParameterError, match="loadings"):
        estimate_cbsem_multigroup(satisfaction, ECSI_SAT, "gender", group_equal=["intercepts"])
    with pytest.raises(InputError, match="sex"):
        estimate_cbsem_multigroup(satisfaction, ECSI_SAT, "sex")


def test_reliability_and_htmt_match_the_pls_engine(satisfaction) -> None:
    from crm_analysis.sem import estimate_pls

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        cb = estimate_cbsem(satisfaction, ECSI_SAT)
    pls = estimate_pls(satisfaction, ECSI_SAT)
    # HTMT and alpha depend on the data only: the same numbers as the PLS engine's
    np.testing.assert_allclose(cb.htmt["estimate"], pls.htmt["estimate"], rtol=1e-10)
    np.testing.assert_allclose(cb.reliability["alpha"], pls.reliability["alpha"], rtol=1e-10)
    # composite reliability from the standardised CB-SEM loadings, by hand for one block
    lam = cb.loadings.set_index("indicator").loc[["val1", "val2", "val3", "val4"], "std_all"]
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert cb.reliability.loc["VAL", "rho_c"] == pytest.approx(expected)
    assert cb.reliability.loc["VAL", "ave"] == pytest.approx((lam**2).mean())


def test_parity_with_seminr_lavaan_port_on_the_satisfaction_model(satisfaction) -> None:
    # the PyPI seminr package re-implements lavaan's ML estimation and fit measures
    seminr = pytest.importorskip("seminr")
    mm, sm = seminr_model(seminr, ECSI_SAT, reflective=True)
    items = [c for c in satisfaction.columns if c != "gender"]
    theirs = seminr.estimate_cbsem(satisfaction[items], mm, sm, estimator="ML")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        ours = estimate_cbsem(satisfaction, ECSI_SAT)
    fm = theirs.estimation.fit_measures
    for mine, their in {"chi2": "chisq", "df": "df", "npar": "npar", "chi2_baseline": "baseline.chisq",
                        "cfi": "cfi", "tli": "tli", "logl": "logl", "logl_unrestricted": "unrestricted.logl",
                        "aic": "aic", "bic": "bic", "bic_adjusted": "bic2", "rmsea": "rmsea",
                        "rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper",
                        "srmr": "srmr"}.items():
        assert ours.fit[mine] == pytest.approx(fm[their], rel=1e-6, abs=1e-7), mine
    pc = theirs.path_coef
    for r in ours.paths.itertuples():
        assert r.std_all == pytest.approx(pc.get(r._1, r.to), abs=1e-4), (r._1, r.to)
    for c, v in theirs.estimation.std.r2.items():
        assert ours.r_squared[c] == pytest.approx(v, abs=1e-5)
