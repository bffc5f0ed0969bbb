"""Group comparison (PLS-MGA, CB-SEM invariance) and model comparison."""
from __future__ import annotations

import warnings
from itertools import product

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_analysis import csi, sem
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem.cbsem import ImproperSolutionWarning, estimate_cbsem

ECSI_SAT = csi.satisfaction_model()


@pytest.fixture(scope="module")
def gender_mga(satisfaction):
    return csi.compare_groups(satisfaction, ECSI_SAT, "gender", estimator="both",
                              permutations=500, bootstrap=500, seed=2024)


# ---------------------------------------------------------------------------------------------
# the two MGA p-values
# ---------------------------------------------------------------------------------------------
def test_henseler_p_equals_the_pairwise_formula() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.4, 0.1, 300), rng.normal(0.35, 0.12, 250)
    # R seminr's estimate_pls_mga: 1 - sum(Theta(2 mean(a) - a_j - 2 mean(b) + b_i)) / J^2
    s = 2 * a.mean() - a[:, None] - 2 * b.mean() + b[None, :]
    expected = 1 - (s > 0).sum() / (len(a) * len(b))
    assert csi.henseler_p(a, b) == pytest.approx(expected, abs=1e-15)
    # for normal draws it is Phi((mean_b - mean_a) / sqrt(sd_a^2 + sd_b^2))
    a, b = rng.normal(0.5, 0.1, 4000), rng.normal(0.4, 0.1, 4000)
    assert csi.henseler_p(a, b) == pytest.approx(stats.norm.cdf(-0.1 / np.sqrt(0.02)), abs=0.015)
    assert np.isnan(csi.henseler_p([np.nan], [0.1]))


def test_permutation_p_never_zero_and_ignores_failed_draws() -> None:
    perm = np.array([[0.1, 0.0], [0.2, np.nan], [0.9, 0.0]])
    p = csi.permutation_p(np.array([0.5, 0.3]), perm)
    assert p[0] == pytest.approx(2 / 4) and p[1] == pytest.approx(1 / 3)


# ---------------------------------------------------------------------------------------------
# PLS-MGA on the gender split of the satisfaction data
# ---------------------------------------------------------------------------------------------
def test_gender_split_groups_and_estimates(gender_mga, satisfaction) -> None:
    cmp = gender_mga
    assert cmp.sizes.to_dict() == {"female": 148, "male": 102}
    paths = cmp.paths
    assert len(paths) == 10 and set(paths["group_a"]) == {"female"} and set(paths["group_b"]) == {"male"}
    # the per-group estimates are plain PLS fits of each group
    male = sem.estimate_pls(satisfaction[satisfaction["gender"] == "male"], ECSI_SAT)
    np.testing.assert_allclose(paths["estimate_b"], male.paths["estimate"], atol=1e-12)
    np.testing.assert_allclose(paths["diff"], paths["estimate_a"] - paths["estimate_b"], atol=1e-12)
    for col in ("p_permutation", "p_henseler", "p_henseler_two_sided", "p_welch"):
        assert paths[col].between(0, 1).all(), col
    assert (paths["p_permutation"] >= 1 / 501).all()


def test_gender_differences_found_by_both_tests(gender_mga) -> None:
    p = gender_mga.paths.set_index(["from", "to"])
    # Loyalty is driven by satisfaction among men and by image among women (plspm's gender
    # example): both tests find these two differences, and none on EXPE -> QUAL
    for path in (("SAT", "LOY"), ("IMAG", "LOY")):
        assert p.loc[path, "p_permutation"] < 0.05 and p.loc[path, "p_henseler_two_sided"] < 0.05
    assert p.loc[("SAT", "LOY"), "diff"] < 0 and p.loc[("SAT", "LOY"), "p_henseler"] > 0.95
    assert p.loc[("IMAG", "LOY"), "diff"] > 0 and p.loc[("IMAG", "LOY"), "p_henseler"] < 0.05
    assert p.loc[("EXPE", "QUAL"), "p_permutation"] > 0.3
    sig = gender_mga.significant()
    assert set(zip(sig["from"], sig["to"])) == {("SAT", "LOY"), ("IMAG", "LOY")}


def test_permutation_test_is_reproducible_and_calibrated() -> None:
    text = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nZ =~ z1 + z2 + z3\nY ~ X\nZ ~ Y"
    g1 = sem.simulate(text, n=200, paths={("X", "Y"): 0.7, ("Y", "Z"): 0.4}, seed=1)
    g2 = sem.simulate(text, n=200, paths={("X", "Y"): 0.2, ("Y", "Z"): 0.4}, seed=2)
    data = pd.concat([g1.assign(g="a"), g2.assign(g="b")], ignore_index=True)
    one = csi.compare_groups(data, text, "g", permutations=300, bootstrap=300, seed=7)
    two = csi.compare_groups(data, text, "g", permutations=300, bootstrap=300, seed=7)
    pd.testing.assert_frame_equal(one.paths, two.paths)
    p = one.paths.set_index(["from", "to"])
    assert p.loc[("X", "Y"), "p_permutation"] < 0.01 and p.loc[("X", "Y"), "p_henseler"] < 0.01
    assert p.loc[("Y", "Z"), "p_permutation"] > 0.05 and p.loc[("Y", "Z"), "p_henseler_two_sided"] > 0.05


# ---------------------------------------------------------------------------------------------
# CB-SEM invariance
# ---------------------------------------------------------------------------------------------
def test_invariance_sequence(gender_mga) -> None:
    inv = gender_mga.invariance.set_index("model")
    assert list(inv.index) == ["configural", "metric", "scalar"]
    assert list(inv["df"]) == [628, 649, 670]
    assert inv.loc["metric", "delta_df"] == 21 and inv.loc["scalar", "delta_df"] == 21
    assert inv.loc["metric", "delta_chi2"] == pytest.approx(inv.loc["metric", "chi2"] - inv.loc["configural", "chi2"])
    assert inv.loc["metric", "p_delta"] == pytest.approx(stats.chi2.sf(inv.loc["metric", "delta_chi2"], 21))
    assert inv.loc["metric", "delta_cfi"] == pytest.approx(inv.loc["metric", "cfi"] - inv.loc["configural", "cfi"])
    # CFI changes by less than 0.01 at both steps: metric and scalar invariance supported
    assert bool(inv.loc["metric", "supported"]) and bool(inv.loc["scalar", "supported"])
    # the male group's Quality disturbance variance is negative: said in the warnings
    assert any("improper solution" in w and "QUAL ~~ QUAL" in w for w in gender_mga.warnings)
    assert "configural" in gender_mga.summary()


def test_compare_groups_input_checks(satisfaction) -> None:
    with pytest.raises(InputError, match="sex"):
        csi.compare_groups(satisfaction, ECSI_SAT, "sex")
    with pytest.raises(ParameterError, match="permutations"):
        csi.compare_groups(satisfaction, ECSI_SAT, "gender", permutations=10)
    with pytest.raises(InputError, match="do not occur"):
        csi.compare_groups(satisfaction, ECSI_SAT, "gender", groups=["female", "other"])
    with pytest.raises(InputError, match="at least two"):
        csi.compare_groups(satisfaction.assign(g="x"), ECSI_SAT, "g")
    with pytest.raises(ParameterError, match="levels"):
        csi.compare_groups(satisfaction, ECSI_SAT, "gender", estimator="cbsem", levels=("metric", "configural"))


# ---------------------------------------------------------------------------------------------
# model comparison
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cb_pair(satisfaction):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        full = estimate_cbsem(satisfaction, ECSI_SAT)
        reduced = estimate_cbsem(satisfaction, ECSI_SAT.to_text().replace("LOY ~ IMAG + SAT", "LOY ~ SAT"))
    return full, reduced


def test_nested_cbsem_models_get_a_chi2_difference_test(cb_pair) -> None:
    full, reduced = cb_pair
    cmp = csi.compare_models(full, reduced, names=("ECSI", "no IMAG->LOY"))
    test = cmp.chi2_test
    assert test["restricted"] == "no IMAG->LOY" and test["general"] == "ECSI"
    assert test["delta_df"] == 1
    assert test["delta_chi2"] == pytest.approx(reduced.fit["chi2"] - full.fit["chi2"])
    assert test["p"] == pytest.approx(stats.chi2.sf(test["delta_chi2"], 1))
    assert cmp.measures.loc["aic", "ECSI"] == pytest.approx(full.fit["aic"])
    p = cmp.paths.set_index(["from", "to"])
    assert np.isnan(p.loc[("IMAG", "LOY"), "no IMAG->LOY"])
    # the order of the arguments does not matter
    swapped = csi.compare_models(reduced, full, names=("no IMAG->LOY", "ECSI")).chi2_test
    assert swapped["delta_chi2"] == pytest.approx(test["delta_chi2"])
    assert "Chi-square difference test" in cmp.summary()


def test_pls_models_side_by_side(satisfaction) -> None:
    a = sem.estimate_pls(satisfaction, ECSI_SAT)
    short = ECSI_SAT.to_text().replace("SAT ~ IMAG + EXPE + QUAL + VAL", "SAT ~ QUAL + VAL")
    b = sem.estimate_pls(satisfaction, short)
    cmp = csi.compare_models(a, b, names=("full", "short"))
    assert cmp.chi2_test is None
    assert cmp.measures.loc["gof", "full"] == pytest.approx(a.gof)
    assert cmp.r_squared.loc["SAT", "r2_full"] == pytest.approx(a.r_squared["SAT"])
    assert cmp.r_squared.loc["SAT", "r2_adj_short"] == pytest.approx(b.r_squared_adj["SAT"])
    assert list(cmp.r_squared.index) == list(a.r_squared.index)


def test_pls_next_to_cbsem_and_bad_pairs(satisfaction, cb_pair) -> None:
    full, _ = cb_pair
    pls = sem.estimate_pls(satisfaction, ECSI_SAT)
    cmp = csi.compare_models(pls, full, names=("PLS", "CB-SEM"))
    p = cmp.paths.set_index(["from", "to"])
    assert p.loc[("SAT", "LOY"), "CB-SEM"] == pytest.approx(
        full.paths.set_index(["from", "to"]).loc[("SAT", "LOY"), "std_all"])
    assert any("common factors" in n for n in cmp.notes)
    with pytest.raises(InputError, match="different numbers of rows"):
        csi.compare_models(pls, sem.estimate_pls(satisfaction.iloc[:200], ECSI_SAT))
    with pytest.raises(ParameterError, match="names"):
        csi.compare_models(pls, full, names=("x", "x"))
    with pytest.raises(ParameterError, match="first"):
        csi.compare_models("model", full)


def test_henseler_mga_equals_seminr_on_the_same_resamples(satisfaction, gender_mga) -> None:
    """PyPI seminr's estimate_pls_mga, given our bootstrap resamples, gives our p-values."""
    seminr = pytest.importorskip("seminr")
    items = lambda p, k: seminr.multi_items(p, range(1, k + 1))  # noqa: E731
    mm = seminr.constructs(*[seminr.composite(n, items(p, k)) for n, p, k in
                             [("IMAG", "imag", 5), ("EXPE", "expe", 5), ("QUAL", "qual", 5),
                              ("VAL", "val", 4), ("SAT", "sat", 4), ("LOY", "loy", 4)]])
    sm = seminr.relationships(
        seminr.paths(from_="IMAG", to=["EXPE", "SAT", "LOY"]),
        seminr.paths(from_="EXPE", to=["QUAL", "VAL", "SAT"]),
        seminr.paths(from_="QUAL", to=["VAL", "SAT"]),
        seminr.paths(from_="VAL", to=["SAT"]),
        seminr.paths(from_="SAT", to=["LOY"]),
    )
    cols = [c for c in satisfaction.columns if c != "gender"]
    full = seminr.estimate_pls(satisfaction[cols], mm, sm)
    fits = gender_mga.fits["pls"]

    def indices(counts):
        return np.array([np.repeat(np.arange(counts.shape[1]), c.astype(int)) for c in counts])

    # the same 500 resamples (first 100 of them, to keep the test fast) in both implementations
    ca, cb = fits["female"].bootstrap_counts[:100], fits["male"].bootstrap_counts[:100]
    rows = seminr.estimate_pls_mga(full, (satisfaction["gender"] == "female").to_numpy(), nboot=100,
                                   group1_indices=indices(ca), group2_indices=indices(cb))
    da = fits["female"].bootstrap_draws["paths"][:100]
    db = fits["male"].bootstrap_draws["paths"][:100]
    labels = list(fits["female"].model.structural_paths)
    ours = gender_mga.paths.set_index(["from", "to"])
    for r in rows:
        k = labels.index((r.source, r.target))
        assert csi.henseler_p(da[:, k], db[:, k]) == pytest.approx(r.pls_mga_p, abs=1e-12)
        assert ours.loc[(r.source, r.target), "diff"] == pytest.approx(r.diff, abs=1e-10)


def test_missing_values_in_group_comparison(satisfaction) -> None:
    holes = satisfaction.copy()
    holes.iloc[[1, 5, 9], [0, 3, 7]] = np.nan
    cmp = csi.compare_groups(holes, ECSI_SAT, "gender", permutations=100, bootstrap=100, seed=1)
    assert int(cmp.sizes.sum()) == 247 and any("listwise" in w for w in cmp.warnings)
    mean = csi.compare_groups(holes, ECSI_SAT, "gender", permutations=100, bootstrap=100, seed=1, missing="mean")
    assert int(mean.sizes.sum()) == 250 and any("9 missing indicator value(s) in 3 row(s)" in w for w in mean.warnings)
    assert holes.isna().sum().sum() == 9  # the caller's frame is untouched
