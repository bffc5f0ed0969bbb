"""Maturity evaluation: kappa, Guttman, reliability, CFA, grouping, sensitivity, stability, validity."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from crm_analysis import maturity
from crm_analysis.errors import InputError, ParameterError

INST = maturity.load_instrument()


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return maturity.simulate(80, n_raters=3, seed=21)


# --------------------------------------------------------------------------------------------
# weighted kappa, worked by hand

A = [1, 2, 3, 3]
B = [1, 3, 3, 2]


def test_kappa_by_hand():
    # table (rows A, columns B): (1,1), (2,3), (3,3), (3,2), each 1/4; marginals .25 .25 .5 both ways
    # unweighted: p_o = .5, p_e = .0625 + .0625 + .25 = .375 -> (.5 - .375) / .625 = 0.2
    assert maturity.weighted_kappa(A, B, None) == pytest.approx(0.2, abs=1e-12)
    # linear weights 1, .5, 0: p_o = .75, p_e = .25*.375 + .25*.625 + .5*.625 = .5625 -> 3/7
    assert maturity.weighted_kappa(A, B, "linear") == pytest.approx(3 / 7, abs=1e-12)
    # quadratic weights 1, .75, 0: p_o = .875, p_e = .65625 -> 7/11
    assert maturity.weighted_kappa(A, B, "quadratic") == pytest.approx(7 / 11, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_matches_sklearn_and_statsmodels(weights):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(5)
    a = rng.integers(1, 5, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 1, 4)
    assert maturity.weighted_kappa(a, b, weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)
    # the large-sample SE (Fleiss, Cohen & Everitt 1969) agrees with statsmodels
    table = pd.crosstab(a, b).to_numpy()
    ref = cohens_kappa(table, wt=weights) if weights else cohens_kappa(table)
    row = maturity.agreement(a, b).set_index("weights").loc[weights or "none"]
    assert row["kappa"] == pytest.approx(ref.kappa, abs=1e-12)
    assert row["se"] == pytest.approx(ref.std_kappa, abs=1e-12)
    assert row["ci_low"] == pytest.approx(ref.kappa - stats.norm.ppf(0.975) * ref.std_kappa, abs=1e-12)


def test_kappa_categories_missing_and_errors():
    # unused categories at the ends do not matter (kappa is invariant to rescaling the weights) ...
    assert maturity.weighted_kappa(A, B, "linear", categories=[1, 2, 3, 4, 5]) == pytest.approx(3 / 7)
    # ... but an unused one in the middle does: 2 and 4 are then two steps apart, not one.
    # categories 1..4, weights 1 - |i-j|/3: p_o = .5 + .5/3, p_e = .541667 -> 3/11
    a, b = [1, 2, 4, 4], [1, 4, 4, 2]
    assert maturity.weighted_kappa(a, b, "linear") == pytest.approx(3 / 7)
    assert maturity.weighted_kappa(a, b, "linear", categories=[1, 2, 3, 4]) == pytest.approx(3 / 11)
    # pairs with a missing rating are dropped
    assert maturity.weighted_kappa(A + [np.nan], B + [2], "linear") == pytest.approx(3 / 7)
    # Series are aligned on their index
    sa = pd.Series(A, index=list("wxyz"))
    sb = pd.Series(B, index=list("wxyz"))[::-1]
    assert maturity.weighted_kappa(sa, sb, "linear") == pytest.approx(3 / 7)
    with pytest.raises(ParameterError, match="weights='cubic'"):
        maturity.weighted_kappa(A, B, "cubic")
    with pytest.raises(InputError, match="different lengths"):
        maturity.weighted_kappa(A, B[:3])
    with pytest.raises(InputError, match="rating 4 is not among the categories"):
        maturity.weighted_kappa([1, 4], [1, 2], categories=[1, 2, 3])
    with pytest.warns(UserWarning, match="kappa is undefined"):
        assert math.isnan(maturity.weighted_kappa([2, 2], [2, 2]))


def test_agreement_table_by_hand():
    out = maturity.agreement(A, B).set_index("weights")
    assert out.loc["none", "exact"] == 0.5 and out.loc["none", "within_one"] == 1.0
    assert out.loc["none", "mean_shift"] == 0.0  # B - A: 0, +1, 0, -1
    assert out["n"].tolist() == [4, 4, 4]


def test_expert_and_rater_agreement(sim):
    ea = maturity.expert_agreement(sim)
    grades = maturity.grade(sim)
    expert = sim.groupby("firm")["expert_level"].first()
    ref = maturity.weighted_kappa(grades["level"].astype(float), expert.loc[grades.index].astype(float), "linear",
                                  categories=[1, 2, 3])
    assert ea.set_index("weights").loc["linear", "kappa"] == pytest.approx(ref)
    ra = maturity.rater_agreement(sim)
    assert ra["pair"].tolist() == ["1-2", "1-3", "2-3", "mean"]
    assert ra["kappa"].iloc[-1] == pytest.approx(ra["kappa"].iloc[:3].mean())
    assert 0.2 < ra["kappa"].iloc[-1] < 0.9
    # identical raters agree perfectly
    twin = sim[sim["rater"] == "R1"].copy()
    twin2 = twin.assign(rater="R2")
    both = pd.concat([twin, twin2]).sort_values(["firm", "rater"])
    for scheme in ("three_level", "five_level"):
        ra2 = maturity.rater_agreement(both, scheme)
        assert ra2["kappa"].tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(InputError, match="at least two raters"):
        maturity.rater_agreement(twin)
    with pytest.raises(InputError, match="no 'expert_level' column"):
        maturity.expert_agreement(sim.drop(columns=["expert_level"]))


def test_compare_grouping_finds_well_separated_grades():
    rng = np.random.default_rng(0)
    centers = {1: 2.0, 2: 3.8, 3: 4.7}
    rows = [{"firm": f"{lv}-{k}", **{d: centers[lv] + rng.normal(0, 0.05) for d in INST.dimension_ids}}
            for lv in centers for k in range(15)]
    g = maturity.grade(pd.DataFrame(rows))
    for method in ("gmm", "kmeans"):
        res = maturity.compare_grouping(g, method)
        assert res.ari == pytest.approx(1.0)
        assert res.kappa == pytest.approx(1.0)
        assert np.diag(res.table.to_numpy()).tolist() == [15, 15, 15]
        assert "adjusted Rand index 1.000" in res.summary()
    with pytest.raises(ParameterError, match="method='ward'"):
        maturity.compare_grouping(g, "ward")


def test_compare_grouping_five_level_uses_rung_shares(sim):
    g5 = maturity.grade(sim, "five_level")
    res = maturity.compare_grouping(g5, "kmeans")
    assert list(res.centers.columns) == [f"rung_{k}" for k in range(1, 6)]
    assert 0 < res.ari <= 1


# --------------------------------------------------------------------------------------------
# Guttman statistics, worked by hand

HAND = [[1, 1, 1],
        [1, 1, 0],
        [1, 0, 1],  # total 2, ideal 1 1 0: 2 errors
        [0, 1, 0],  # total 1, ideal 1 0 0: 2 errors
        [1, 0, 0]]


def test_guttman_by_hand():
    g = maturity.guttman(HAND)
    assert g["errors"] == 4
    assert g["reproducibility"] == pytest.approx(1 - 4 / 15)  # 11/15
    # popularities .8 .6 .4 -> max(p, 1-p) = .8 .6 .6 -> MMR = 2/3
    assert g["mmr"] == pytest.approx(2 / 3)
    assert g["scalability"] == pytest.approx((11 / 15 - 2 / 3) / (1 - 2 / 3))  # 0.2
    # Loevinger: pairs (1,2) 1 error vs 5*.6*.2 = .6 expected; (1,3) 0 vs .4; (2,3) 1 vs 5*.4*.4 = .8
    assert g["loevinger_h"] == pytest.approx(1 - 2 / 1.8)
    assert g["order_consistent"]
    assert maturity.guttman_errors(HAND).tolist() == [0, 0, 2, 2, 0]


def test_guttman_order_matters_for_reproducibility_only():
    reordered = np.asarray(HAND)[:, [2, 1, 0]]  # hardest rung first
    g = maturity.guttman(reordered)
    # rows: 111 -> 0; 011 (ideal 110) -> 2; 101 (ideal 110) -> 2; 010 (ideal 100) -> 2; 001 (ideal 100) -> 2
    assert g["errors"] == 8 and g["reproducibility"] == pytest.approx(1 - 8 / 15)
    assert g["loevinger_h"] == pytest.approx(maturity.guttman(HAND)["loevinger_h"])  # popularity order
    assert not g["order_consistent"]


def test_guttman_perfect_scale_and_errors():
    perfect = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 0]], columns=["a", "b", "c"])
    g = maturity.guttman(perfect)
    assert g[["reproducibility", "scalability", "loevinger_h"]].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(InputError, match="row 0, column b: 2 is not 0 or 1"):
        maturity.guttman(pd.DataFrame({"a": [1, 0], "b": [2, 1]}))
    with pytest.raises(InputError, match="missing values"):
        maturity.guttman([[1, np.nan], [0, 1]])
    with pytest.warns(UserWarning) as record:
        constant = maturity.guttman([[1, 0], [1, 0]])
    assert math.isnan(constant["scalability"]) and math.isnan(constant["loevinger_h"])
    assert any("scalability undefined" in str(w.message) for w in record)
    assert any("Loevinger's H undefined" in str(w.message) for w in record)


def test_simulated_ladder_is_nearly_cumulative(sim):
    g = maturity.guttman(maturity.rung_matrix(sim))
    assert g["reproducibility"] > 0.9 and g["loevinger_h"] > 0.4
    assert g["errors"] > 0  # the simulator skips a rung for some firms
    # a ladder read upside down is not cumulative
    upside = maturity.guttman(maturity.rung_matrix(sim).iloc[:, ::-1])
    assert upside["reproducibility"] < g["reproducibility"] and not upside["order_consistent"]


# --------------------------------------------------------------------------------------------
# reliability

def test_alpha_by_hand():
    x = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 4]]
    a = maturity.cronbach_alpha(x)
    # item variances 2.5, 1.8, 1.3; variance of the sum 14.7 -> 3/2 * (1 - 5.6/14.7) = 13/14
    assert a["alpha"] == pytest.approx(13 / 14)
    # Feldt with F(4, 8): F_.975(4, 8) = 5.0526, F_.025(4, 8) = 1 / F_.975(8, 4) = 1 / 8.9796
    assert a["ci_low"] == pytest.approx(1 - (1 / 14) * 5.0526, abs=1e-4)
    assert a["ci_high"] == pytest.approx(1 - (1 / 14) / 8.9796, abs=1e-4)
    with pytest.raises(InputError, match="undefined for a single item"):
        maturity.cronbach_alpha([[1], [2], [3]])


def exact_sample(cov: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Data whose sample covariance is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    return z @ np.linalg.cholesky(cov).T


def test_omega_recovers_a_known_one_factor_model():
    lam = np.array([0.9, 0.8, 0.7, 0.6])
    theta = np.array([0.3, 0.4, 0.5, 0.6])
    cov = np.outer(lam, lam) + np.diag(theta)
    x = exact_sample(cov, 300)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
    res = maturity.mcdonald_omega(x)
    assert res["omega"] == pytest.approx(expected, abs=1e-6)
    assert not res["heywood"]
    # rescaling items changes omega of the unit-weighted sum, as it should
    assert maturity.mcdonald_omega(x * [1, 1, 1, 3])["omega"] != pytest.approx(expected, abs=1e-3)
    with pytest.raises(InputError, match="at least three items"):
        maturity.mcdonald_omega(x[:, :2])


def test_omega_matches_semopy_one_factor(sim):
    import semopy

    items = INST.items_of("satisfaction")  # SAT1, SAT2, SAT3a, SAT3b, SAT4
    data = maturity.reverse_coded(maturity.read_assessments(sim))[items].dropna()
    model = semopy.Model("F =~ " + " + ".join(items))
    model.fit(data)
    est = model.inspect()
    lam = est[(est["op"] == "~") & (est["rval"] == "F")]["Estimate"].to_numpy(float)
    var_f = est[(est["lval"] == "F") & (est["op"] == "~~")]["Estimate"].iloc[0]
    theta = est[(est["op"] == "~~") & est["lval"].isin(items)]["Estimate"].to_numpy(float)
    load = lam * np.sqrt(var_f)
    ref = load.sum() ** 2 / (load.sum() ** 2 + theta.sum())
    assert maturity.mcdonald_omega(data)["omega"] == pytest.approx(ref, abs=1e-4)


def test_reliability_table(sim):
    rel = maturity.reliability(sim, n_boot=40, seed=3)
    t = rel.table
    assert t["dimension"].tolist() == INST.dimension_ids
    assert (t["alpha"] > 0.7).all() and (t["omega"] > 0.7).all()
    assert ((t["omega_low"] <= t["omega"]) & (t["omega"] <= t["omega_high"])).all()
    assert ((t["alpha_low"] <= t["alpha"]) & (t["alpha"] <= t["alpha_high"])).all()
    assert t["note"].isna().all()
    boot = maturity.reliability(sim, n_boot=40, alpha_ci="bootstrap", seed=3).table
    assert (boot["alpha"] == t["alpha"]).all() and (boot["alpha_low"] != t["alpha_low"]).all()
    with pytest.raises(ParameterError, match="alpha_ci='exact'"):
        maturity.reliability(sim, alpha_ci="exact")


def test_one_item_dimension_says_so_in_words(sim):
    raw = yaml.safe_load(maturity.DEFAULT_INSTRUMENT.read_text("utf-8"))
    raw["items"] = [i for i in raw["items"] if i["dimension"] != "image" or i["id"] == "IMG1"]
    raw["items"] = [i for i in raw["items"] if i["dimension"] != "service" or i["id"] in ("SRV1", "SRV2")]
    with pytest.warns(UserWarning):
        inst = maturity.parse_instrument(raw, "short.yaml")
    data = sim.drop(columns=[i for i in INST.items_of("image") + INST.items_of("service")
                             if i not in ("IMG1", "SRV1", "SRV2")])
    with pytest.warns(UserWarning) as record:
        rel = maturity.reliability(data, inst, n_boot=20)
    said = [str(w.message) for w in record]
    assert "dimension 'image': alpha and omega undefined: a single item" in said
    assert "dimension 'service': omega undefined: a one-factor model of two items is not identified" in said
    image = rel.table.set_index("dimension").loc["image"]
    assert math.isnan(image["alpha"]) and image["note"] == "alpha and omega undefined: a single item"
    service = rel.table.set_index("dimension").loc["service"]
    assert service["alpha"] > 0 and "omega undefined" in service["note"]
    # what the reader sees never says NaN
    text = rel.summary() + rel.formatted().to_string() + rel.formatted("zh").to_string()
    assert "nan" not in text.lower()
    assert "undefined" in rel.summary() and "无法计算" in rel.formatted("zh").to_string()
    with pytest.raises(InputError, match="image have a single item"):
        maturity.cfa(data, inst)


# --------------------------------------------------------------------------------------------
# CFA

def test_cfa_five_factors_fit_better_than_one(sim):
    res = maturity.cfa(sim)
    fit = res.fit
    assert list(fit.index) == ["five_factor", "one_factor"]
    for col in ("cfi", "tli", "rmsea", "srmr"):
        assert np.isfinite(fit.loc["five_factor", col])
    assert fit.loc["five_factor", "cfi"] > 0.95 and fit.loc["five_factor", "srmr"] < 0.08
    assert fit.loc["five_factor", "cfi"] > fit.loc["one_factor", "cfi"]
    assert res.comparison["delta_df"] == 10 and res.comparison["p"] < 0.001
    assert (res.loadings["std_all"] > 0.5).all() and len(res.loadings) == len(INST.items) == 24
    corr = res.factor_correlations.to_numpy()
    assert np.allclose(np.diag(corr), 1) and (np.abs(corr[~np.eye(5, dtype=bool)]) < 1).all()
    assert any("nested in firms" in w for w in res.warnings)
    assert "Five-factor CFA" in res.summary()


# --------------------------------------------------------------------------------------------
# threshold sensitivity and bootstrap stability

def test_sensitivity_by_hand():
    scores = pd.DataFrame({"firm": ["A", "B"], **{d: [3.45, 4.6] for d in INST.dimension_ids}})
    sens = maturity.threshold_sensitivity(scores, grid=[(3.4, 4.2), (3.5, 4.2), (3.5, 4.7), (3.0, 3.4)])
    assert sens["n_changed"].tolist() == [0, 1, 2, 1]
    assert sens["n_down"].tolist() == [0, 1, 2, 0] and sens["n_up"].tolist() == [0, 0, 0, 1]
    assert sens["is_base"].tolist() == [True, False, False, False]
    assert sens.loc[3, ["n_level_1", "n_level_2", "n_level_3"]].tolist() == [0, 0, 2]
    with pytest.raises(ParameterError, match=r"grid\[1\]: thresholds: not increasing"):
        maturity.threshold_sensitivity(scores, grid=[(3.4, 4.2), (4.0, 3.9)])


def test_sensitivity_default_grids(sim):
    sens = maturity.threshold_sensitivity(sim)
    assert (sens["t_intermediate"] < sens["t_advanced"]).all()
    assert sens.loc[sens["is_base"], "n_changed"].tolist() == [0]
    five = maturity.threshold_sensitivity(sim, "five_level")
    # every share achievable with rungs of 3, 4 and 6 criteria (instrument 2.0), the same for all rungs
    assert sorted({len(r.criteria) for r in INST.ladder}) == [3, 4, 6]
    assert five["share_rung_1"].round(4).tolist() == [0.1667, 0.25, 0.3333, 0.5, 0.6667, 0.75, 0.8333, 1.0]
    assert five.loc[five["is_base"], "share_rung_1"].round(4).tolist() == [0.6667]
    # requiring more criteria never raises a firm's rung, requiring fewer never lowers it
    base = int(np.flatnonzero(five["is_base"])[0])
    assert (five.loc[base + 1:, "n_up"] == 0).all() and (five.loc[:base - 1, "n_down"] == 0).all()


def test_bootstrap_stability(sim):
    for scheme in ("three_level", "five_level"):
        for unit in ("raters", "items"):
            st = maturity.bootstrap_stability(sim, scheme, unit=unit, n_boot=60, seed=1)
            g = maturity.grade(sim, scheme)
            assert (st.table["level"] == g["level"]).all()  # the point grade is grade()'s
            assert np.allclose(st.probabilities.sum(axis=1), 1)
            assert st.table["p_level"].between(0, 1).all()
    # identical raters: resampling raters cannot change anything
    one = sim[sim["rater"] == "R1"]
    same = pd.concat([one, one.assign(rater="R2"), one.assign(rater="R3")])
    st = maturity.bootstrap_stability(same, n_boot=30)
    assert (st.table["p_level"] == 1).all()
    with pytest.warns(UserWarning, match="single rater"):
        maturity.bootstrap_stability(one, n_boot=20)
    with pytest.raises(ParameterError, match="unit='firms'"):
        maturity.bootstrap_stability(sim, unit="firms")


# --------------------------------------------------------------------------------------------
# predictive validity

def test_predictive_validity(sim):
    grades = maturity.grade(sim)
    outcome = sim.groupby("firm")["outcome_retention"].first()
    res = maturity.predictive_validity(grades, outcome)
    coef = res.coefficients.iloc[0]
    assert coef["coef"] > 0 and coef["p"] < 0.01
    assert coef["odds_ratio"] == pytest.approx(math.exp(coef["coef"]))
    assert any("cut into 3 quantile bins" in n for n in res.notes)
    # LR test against the thresholds-only model, whose log-likelihood is sum n_k log(n_k / n)
    counts = res.categories["n"].to_numpy(float)
    ll0 = float((counts * np.log(counts / counts.sum())).sum())
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y = pd.qcut(outcome.loc[grades.index], 3).cat.codes
    fit = OrderedModel(y.to_numpy(), grades[["level"]].astype(float).to_numpy(), distr="logit").fit(
        method="bfgs", disp=False, maxiter=1000)
    assert res.lr_test["lr"] == pytest.approx(2 * (fit.llf - ll0), rel=1e-5)
    assert coef["coef"] == pytest.approx(fit.params[0], rel=1e-4)
    dummy = maturity.predictive_validity(grades, outcome, coding="dummy")
    assert dummy.coefficients["term"].tolist() == ["grade_2", "grade_3"]
    # separation: every advanced firm in the top retention third (made so here, rather than relying
    # on a particular simulated sample) -> the dummy coefficient is not identified, said in words
    firms_top = grades.index[grades["level"] == 3]
    separated = outcome.copy()
    separated.loc[firms_top] = outcome.max() + 0.01 + np.arange(len(firms_top)) * 1e-3
    assert (pd.qcut(separated.loc[grades.index], 3).cat.codes.loc[firms_top] == 2).all()
    dummy = maturity.predictive_validity(grades, separated, coding="dummy")
    assert any("every firm at grade 3" in n and "not identified" in n for n in dummy.notes)
    assert any(n.startswith("grade_3: coefficient not identified") for n in dummy.notes)
    with pytest.raises(InputError, match="every firm has the same grade"):
        maturity.predictive_validity(grades.assign(level=1), outcome)
    with pytest.raises(ParameterError, match="coding='cubic'"):
        maturity.predictive_validity(grades, outcome, coding="cubic")
