"""Helpers of the learning notebooks."""
import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, sem, teaching
from crm_analysis.errors import ParameterError

MODEL = "IMAG =~ i1 + i2 + i3\nSAT =~ s1 + s2 + s3\nSAT ~ IMAG"


@pytest.fixture(scope="module")
def fitted():
    data = sem.simulate(MODEL, 300, paths=0.5, loadings=0.8, seed=3, scale=(1, 10))
    return data, sem.estimate_pls(data, MODEL)


def test_recovery_lines_up_truth_and_estimates(fitted):
    data, fit = fitted
    cb = sem.estimate_cbsem(data, MODEL)
    table = teaching.recovery({("IMAG", "SAT"): 0.5}, PLS=fit.paths, CBSEM=cb.paths)
    assert list(table.columns) == ["from", "to", "truth", "PLS", "bias_PLS", "CBSEM", "bias_CBSEM"]
    assert table.loc[0, "PLS"] == pytest.approx(fit.paths.loc[0, "estimate"])
    assert table.loc[0, "CBSEM"] == pytest.approx(cb.paths.loc[0, "std_all"])  # the standardised estimate
    assert table.loc[0, "bias_PLS"] == pytest.approx(table.loc[0, "PLS"] - 0.5)
    # the composite attenuates the path; the common factor does not (on average)
    assert table.loc[0, "PLS"] < table.loc[0, "CBSEM"]
    with pytest.raises(ParameterError, match="no estimate of IMAG → LOY"):
        teaching.recovery({("IMAG", "LOY"): 0.5}, PLS=fit.paths)


def test_respondent_index_averages_to_the_csi_index(fitted):
    data, fit = fitted
    per = teaching.respondent_index(fit, data, "SAT", (1, 10))
    assert list(per.columns) == ["s1", "s2", "s3", "score", "index"]
    expected = csi.index(fit, (1, 10), data=data).set_index("construct").loc["SAT", "index"]
    assert per["index"].mean() == pytest.approx(expected, abs=1e-9)
    w = csi.index_weights(fit).query("construct == 'SAT'")["weight"].to_numpy()
    row = data.iloc[0][["s1", "s2", "s3"]].to_numpy(float)
    assert per["index"].iloc[0] == pytest.approx(100 * (row @ w - 1) / 9)
    top = pd.DataFrame({"s1": [10.0], "s2": [10.0], "s3": [10.0]})
    assert teaching.respondent_index(fit, top, "SAT", (1, 10))["index"].iloc[0] == pytest.approx(100)
    with pytest.raises(ParameterError, match="not a construct"):
        teaching.respondent_index(fit, data, "LOY", (1, 10))
    with pytest.raises(ParameterError, match="lack the items"):
        teaching.respondent_index(fit, data.drop(columns="s2"), "SAT", (1, 10))


def test_percentile_interval():
    assert teaching.percentile_interval(np.arange(101), 0.9) == pytest.approx((5.0, 95.0))
    with pytest.raises(ParameterError):
        teaching.percentile_interval([1.0], 0.95)
    with pytest.raises(ParameterError):
        teaching.percentile_interval([1.0, 2.0], 95)
