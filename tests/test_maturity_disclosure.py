"""Simulated data are labelled as such; verification is kept apart from validation (issue 16, point 1)."""
import pandas as pd
import pytest

from crm_analysis import maturity
from crm_analysis.errors import ParameterError


def test_the_sample_file_is_recognised_as_simulated(repo_root):
    data = maturity.read_assessments(repo_root / "data" / "maturity_sample.csv")
    assert maturity.data_kind(data) == "simulated"


def test_assessments_without_a_truth_are_real():
    data = maturity.simulate(12, n_raters=2, seed=3)
    real = data.drop(columns=[c for c in data.columns if c.startswith("true_")])
    assert maturity.data_kind(real) == "real"
    assert maturity.data_kind(data) == "simulated"


@pytest.mark.parametrize("lang, word", [("en", "Simulated data"), ("zh", "模拟数据")])
def test_banner_label_and_headline_say_simulated_in_both_languages(lang, word):
    assert word in maturity.banner("simulated", lang)
    assert word in maturity.section_label("simulated", lang)
    assert maturity.headline_prefix("simulated", lang).strip() in ("[SIMULATED DATA]", "【模拟数据】")
    assert maturity.headline_prefix("real", lang) == ""
    assert word not in maturity.banner("real", lang)


def test_verification_and_validation_are_separate_rows():
    sim = maturity.verification_validation("simulated", "en")
    assert set(sim["kind"]) == {"verification", "validation"}
    # nothing about real firms is established by a simulation
    assert sim.loc[sim["kind"] == "validation", "status"].str.startswith("not established").all()
    real = maturity.verification_validation("real", "en")
    assert not real["status"].str.startswith("not established").any()
    needs = " ".join(maturity.pilot_requirements("en"))
    assert "blind" in needs and "after grading" in needs
    assert "盲评" in " ".join(maturity.pilot_requirements("zh"))


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ParameterError, match="kind="):
        maturity.banner("synthetic")
    with pytest.raises(ParameterError, match="data"):
        maturity.data_kind([1, 2])
