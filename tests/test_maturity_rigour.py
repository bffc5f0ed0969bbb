"""Grading rigour (issue 16, point 4): thresholds as a convention, weakest vs mean rule under
measurement error, mixed profiles, ICC/rwg before averaging raters, HTMT of the dimensions."""
import numpy as np
import pandas as pd
import pytest
import yaml

from crm_analysis import maturity, sem
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.maturity import rigour


@pytest.fixture(scope="module")
def sample(repo_root):
    return maturity.read_assessments(repo_root / "data" / "maturity_sample.csv")


def test_icc_by_hand():
    # groups a (1,2), b (4,5), c (7,8): MSB = 18, MSW = 0.5, k = 2
    r = rigour.icc_oneway([1, 2, 4, 5, 7, 8], ["a", "a", "b", "b", "c", "c"])
    assert r["msb"] == pytest.approx(18.0) and r["msw"] == pytest.approx(0.5)
    assert r["icc1"] == pytest.approx(17.5 / 18.5) and r["icc2"] == pytest.approx(17.5 / 18)
    with pytest.raises(InputError, match="icc"):
        rigour.icc_oneway([1, 2], ["a", "b"])


def test_icc_matches_the_variance_components_of_a_balanced_design():
    rng = np.random.default_rng(4)
    firm = rng.normal(0, 1.0, 300)
    values = np.repeat(firm, 4) + rng.normal(0, 2.0, 1200)  # true ICC(1) = 1 / (1 + 4) = 0.2
    r = rigour.icc_oneway(values, np.repeat(np.arange(300), 4))
    assert r["icc1"] == pytest.approx(0.2, abs=0.05)
    assert r["icc2"] == pytest.approx(4 * r["icc1"] / (1 + 3 * r["icc1"]))  # Spearman-Brown


def test_rwg_by_hand():
    items = pd.DataFrame({"a": [3, 4, 5], "b": [3, 3, 3]})  # mean variance 0.5, uniform null 2 on 5 options
    assert rigour.rwg_j(items, 5) == pytest.approx(1.5 / 1.75)
    assert rigour.rwg_j(pd.DataFrame({"a": [1, 5], "b": [5, 1]}), 5) == 0.0


def test_rater_agreement_before_averaging(sample):
    icc = rigour.rater_agreement_icc(sample)
    assert list(icc["dimension"]) == maturity.load_instrument().dimension_ids
    assert ((icc["icc1"] > 0) & (icc["icc1"] < 1) & (icc["icc2"] >= icc["icc1"])).all()
    assert icc["rwg_median"].between(0, 1).all()
    one = sample.groupby("firm").head(1)
    with pytest.raises(InputError, match="one rater"):
        rigour.rater_agreement_icc(one)


def test_htmt_equals_the_pls_engine(sample):
    inst = maturity.load_instrument()
    h = rigour.htmt(sample)
    answers = maturity.reverse_coded(sample, inst)[[i for d in inst.dimension_ids for i in inst.items_of(d)]].dropna()
    syntax = "\n".join(f"{d} =~ " + " + ".join(inst.items_of(d)) for d in inst.dimension_ids)
    syntax += "\n" + "\n".join(f"{d} ~ {inst.dimension_ids[0]}" for d in inst.dimension_ids[1:])
    ref = sem.estimate_pls(answers.astype(float), syntax).htmt_matrix()
    h_complete = rigour.htmt(sample.loc[answers.index])
    np.testing.assert_allclose(h_complete.to_numpy(), ref.loc[h.index, h.columns].to_numpy(), atol=1e-10)
    assert np.isnan(np.diag(h.to_numpy())).all() and (h.fillna(0) == h.T.fillna(0)).all().all()


def test_weakest_dimension_rule_grades_down_under_measurement_error(sample):
    sim = rigour.rule_bias(n_sims=3, n_firms=120, seed=7)
    by = sim.set_index("rule")
    assert by.loc["all", "graded_down"] > by.loc["mean", "graded_down"] + 0.05
    assert by.loc["all", "mean_shift"] < by.loc["mean", "mean_shift"]
    on_file = rigour.rule_bias(sample).set_index("rule")
    assert on_file.loc["all", "n_firms"] == sample["firm"].nunique()
    assert on_file.loc["all", "graded_down"] > on_file.loc["mean", "graded_down"]
    real = sample.drop(columns=[c for c in sample.columns if c.startswith("true_")])
    with pytest.raises(InputError, match="true_"):
        rigour.rule_bias(real)
    with pytest.raises(ParameterError, match="n_sims"):
        rigour.rule_bias(n_sims=0)


def test_mixed_profiles_take_their_weakest_grade(sample):
    grades = maturity.grade(sample)
    mixed = rigour.mixed_profiles(grades, "en")
    assert len(mixed) == int((grades["profile"] == "mixed").sum()) > 0
    # the weakest-dimension rule never grades above the mean rule's band of the same scores... per firm:
    lv = grades.loc[mixed["firm"], "level"].to_numpy()
    assert (mixed["level"].to_numpy() == lv).all()
    assert (mixed["n_low"] > 0).eq(mixed["level"] == 1).all()
    with pytest.raises(InputError, match="grades"):
        rigour.mixed_profiles(pd.DataFrame({"level": [1]}))


@pytest.mark.parametrize("lang, word", [("en", "convention"), ("zh", "约定")])
def test_threshold_note_says_convention_and_sensitivity(sample, lang, word):
    sens = maturity.threshold_sensitivity(sample)
    note = rigour.threshold_note((3.4, 4.2), sens, lang)
    assert word in note and "%" in note
    # the source is cited by its title, never by the project's internal seed number
    assert "客户关系管理等级分类" in note and "000" not in note


def test_outcomes_from_transactions_are_measured_after_grading(sample):
    tx = pd.DataFrame({"firm": ["F001"] * 4 + ["F002"] * 3,
                       "customer_id": ["a", "b", "a", "c", "x", "y", "x"],
                       "date": pd.to_datetime(["2025-03-01", "2025-04-01", "2026-02-01", "2026-03-01",
                                               "2025-05-01", "2025-06-01", "2027-06-01"]),
                       "amount": [10.0, 20.0, 30.0, 40.0, 5.0, 5.0, 50.0]})
    out = rigour.outcomes_from_transactions(tx, "2026-01-01", amount="amount").set_index("firm")
    # F001: a and b bought before grading, a again after (c is new): 1/2; F002: x again only after 12 months
    assert out.loc["F001", "outcome_repeat_rate"] == 0.5 and out.loc["F001", "outcome_revenue_per_customer"] == 15.0
    assert out.loc["F002", "outcome_repeat_rate"] == 0.0
    merged = rigour.add_outcomes(sample.drop(columns=["outcome_retention"]), out.reset_index())
    assert merged.loc[merged["firm"] == "F001", "outcome_repeat_rate"].eq(0.5).all()
    with pytest.raises(InputError, match="outcome_"):
        rigour.add_outcomes(sample, pd.DataFrame({"firm": ["F001"], "sales": [1.0]}))
    with pytest.raises(ParameterError, match="customer="):
        rigour.outcomes_from_transactions(tx, "2026-01-01", customer="client")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_packaged_instrument_declares_its_remaining_double_barrelled_items(lang):
    tab = rigour.double_barrelled(lang).set_index("item")
    assert list(tab.columns) == ["text", "joins"] and list(tab.index) == ["SRV2", "L1_3", "L4_1", "L5_2"]
    # each names the two or three things it asks, in the report's language
    parts = tab["joins"].str.split(" / ")
    assert parts.map(len).tolist() == ([2, 2, 2, 3] if lang == "en" else [2, 3, 2, 3])
    if lang == "zh":
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in j) for j in tab["joins"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_double_barrelled_items_of_instrument_1_are_still_flagged(lang, tmp_path):
    import re

    import yaml

    from tests.test_maturity import v1_raw

    v1 = tmp_path / "instrument_v1.yaml"
    v1.write_text(yaml.safe_dump(v1_raw(), allow_unicode=True, sort_keys=False), "utf-8")
    tab = rigour.double_barrelled(lang, v1)
    assert tab["item"].tolist() == ["SAT3", "LOY2", "SRV4", "IMG3", "L2_3", "L3_1", "L3_3", "L5_3"]
    inst = maturity.load_instrument(v1)
    for _, row in tab.iterrows():
        text = inst.items[row["item"]].text if row["item"] in inst.items else inst.criteria[row["item"]].text
        assert row["text"] == getattr(text, lang)
        assert row["joins"] == rigour.DOUBLE_BARRELLED[row["item"]][0 if lang == "en" else 1]
    # each flagged wording joins two things (the same test finds no joining word in the split items)
    conj = r"\b(and|or)\b" if lang == "en" else r"和|或|以及|及其|并且|，并|、"
    assert all(re.search(conj, t) for t in tab["text"])


def test_double_barrelled_by_declaration_or_known_wording():
    from tests.test_maturity import v1_raw

    raw = v1_raw()
    items = {it["id"]: it for it in raw["items"]}
    # a user's instrument declares an item double-barrelled (SRV2 asks "promptly and effectively")
    items["SRV2"]["double_barrelled"] = {"en": "promptly, and effectively", "zh": "及时，以及有效"}
    # an item that reuses an id of the 1.0 list with another wording is not flagged
    items["SAT3"]["text"] = {"en": "Customers find our products easy to use.", "zh": "客户觉得我们的产品易于使用。"}
    inst = maturity.parse_instrument(raw, "mine.yaml")
    assert inst.items["SRV2"].double_barrelled.zh == "及时，以及有效"
    tab = rigour.double_barrelled("zh", inst)
    assert tab["item"].tolist() == ["LOY2", "SRV2", "SRV4", "IMG3", "L2_3", "L3_1", "L3_3", "L5_3"]  # instrument order
    assert tab.iloc[1].to_dict() == {"item": "SRV2", "text": "客户的问题能够得到及时有效的解决。", "joins": "及时，以及有效"}
