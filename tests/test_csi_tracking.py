"""csi.track: per-wave index with intervals, changes with bootstrap intervals and p, MICOM first."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi
from crm_analysis.errors import InputError, ParameterError

SAT = ["CUSA1", "CUSA2", "CUSA3"]


@pytest.fixture(scope="module")
def two_waves():
    a = csi.ecsi_synthetic(seed=1).drop(columns="gender")
    b = csi.ecsi_synthetic(seed=2).drop(columns="gender")
    return a, b


def test_same_population_no_significant_change(two_waves):
    a, b = two_waves
    tr = csi.track({"2025": a, "2026": b}, "ecsi", (1, 10), bootstrap=200, seed=3)
    assert list(tr.waves.columns) == ["wave", "n", "index", "ci_low", "ci_high"]
    assert tr.waves["wave"].tolist() == ["2025", "2026"] and tr.waves["n"].tolist() == [400, 400]
    # each wave's index is csi.index of a PLS fit of that wave alone
    from crm_analysis import sem
    fit = sem.estimate_pls(a, csi.preset("ecsi"), bootstrap=0)
    expected = csi.index(fit, (1, 10)).set_index("construct").loc["Satisfaction", "index"]
    assert tr.waves.loc[0, "index"] == pytest.approx(expected, abs=1e-9)
    assert (tr.waves["ci_low"] < tr.waves["index"]).all() and (tr.waves["index"] < tr.waves["ci_high"]).all()
    [change] = tr.changes.to_dict("records")
    assert change["difference"] == pytest.approx(tr.waves["index"][1] - tr.waves["index"][0])
    assert change["ci_low"] < 0 < change["ci_high"] and change["p"] > 0.05
    assert set(tr.invariance["construct"]) == set(csi.preset("ecsi").constructs)
    assert set(tr.driver_changes["construct"]) == set(csi.preset("ecsi").predecessors("Satisfaction")) | {"Image"}


def test_a_real_shift_is_found(two_waves):
    a, b = two_waves
    shifted = b.copy()
    shifted[SAT] = (shifted[SAT] + 1).clip(1, 10)  # one more answer point on every satisfaction item
    tr = csi.track({"w1": a, "w2": shifted}, "ecsi", (1, 10), bootstrap=200, seed=3)
    [change] = tr.changes.to_dict("records")
    assert 6 < change["difference"] < 13 and change["ci_low"] > 0 and change["p"] < 0.05
    text = csi.trend_reading(tr, "en", labels={"Satisfaction": "Customer satisfaction"})
    assert "significant" in text and "Customer satisfaction" in text


def test_three_waves_give_two_changes(two_waves):
    a, b = two_waves
    c = csi.ecsi_synthetic(seed=4).drop(columns="gender")
    tr = csi.track({"a": a, "b": b, "c": c}, "ecsi", (1, 10), bootstrap=100)
    assert tr.changes[["from", "to"]].values.tolist() == [["a", "b"], ["b", "c"]]
    assert np.isfinite(tr.changes[["difference", "ci_low", "ci_high", "p"]].to_numpy()).all()
    assert ((tr.changes["p"] > 0) & (tr.changes["p"] <= 1)).all()


def test_split_waves_and_errors(two_waves):
    a, b = two_waves
    both = pd.concat([a.assign(wave="2026"), b.assign(wave="2025")], ignore_index=True)
    waves = csi.split_waves(both, "wave")
    assert list(waves) == ["2025", "2026"] and "wave" not in waves["2025"].columns
    with pytest.raises(ParameterError, match="wave_column='quarter'"):
        csi.split_waves(both, "quarter")
    with pytest.raises(InputError, match="1 wave"):
        csi.split_waves(a.assign(wave="x"), "wave")
    with pytest.raises(InputError, match="wave 'w2'.*CUSA1"):
        csi.track({"w1": a, "w2": b.drop(columns=["CUSA1"])}, "ecsi", (1, 10), bootstrap=100)
    with pytest.raises(ParameterError, match="at least two"):
        csi.track({"w1": a}, "ecsi", (1, 10))
    with pytest.raises(ParameterError, match="bootstrap"):
        csi.track({"w1": a, "w2": b}, "ecsi", (1, 10), bootstrap=10)
