"""ACSI 0-100 index and IPMA: a hand-computed example, cross-checks against the data, bootstrap."""
from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, sem
from crm_analysis.csi.indexing import _index_draws
from crm_analysis.errors import InputError, ParameterError


def _hand_result() -> SimpleNamespace:
    """A PLS result reduced to what the index needs, with round numbers.

    Block X: standardised weights 0.6 and 0.5, indicator SDs 2 and 1, means 7 and 8.
    Block Y: one indicator, weight 1, SD 1.5, mean 5.5. Path X -> Y, total effect 0.4.
    """
    model = sem.Model("X =~ a + b\nY =~ c\nY ~ X")
    std_w = np.array([0.6, 0.5, 1.0])
    sd = np.array([2.0, 1.0, 1.5])
    return SimpleNamespace(
        model=model,
        raw_weights=pd.DataFrame({"construct": ["X", "X", "Y"], "indicator": ["a", "b", "c"],
                                  "weight": std_w / sd, "std_weight": std_w}),
        indicator_means=pd.Series([7.0, 8.0, 5.5], index=["a", "b", "c"]),
        indicator_sds=pd.Series(sd, index=["a", "b", "c"]),
        effects=pd.DataFrame({"from": ["X"], "to": ["Y"], "direct": [0.4], "indirect": [0.0], "total": [0.4]}),
        bootstrap_draws={},
        settings={},
    )


def test_index_hand_computed_example() -> None:
    res = _hand_result()
    out = csi.index(res, scale=(1, 10)).set_index("construct")
    # unstandardised weights 0.6/2 = 0.3 and 0.5/1 = 0.5, normalised: 0.375 and 0.625
    w = csi.index_weights(res).set_index("indicator")["weight"]
    assert w["a"] == pytest.approx(0.375) and w["b"] == pytest.approx(0.625) and w["c"] == 1
    # weighted mean answer 0.375 * 7 + 0.625 * 8 = 7.625 on 1-10: 100 * 6.625 / 9
    assert out.loc["X", "mean_score"] == pytest.approx(7.625)
    assert out.loc["X", "index"] == pytest.approx(100 * 6.625 / 9)  # 73.611...
    assert out.loc["Y", "index"] == pytest.approx(50.0)
    # the same answers on a 0-10 scale
    assert csi.index(res, scale=(0, 10)).set_index("construct").loc["X", "index"] == pytest.approx(76.25)
    assert "ci_low" not in out.columns  # no bootstrap, no interval


def test_ipma_hand_computed_example() -> None:
    res = _hand_result()
    table = csi.ipma(res, "Y", scale=(1, 10))
    row = table.set_index("construct").loc["X"]
    # importance = total effect * c_X / c_Y with c = sum of w / sd: 0.4 * 0.8 / (1 / 1.5)
    assert row["importance"] == pytest.approx(0.48)
    assert row["importance_std"] == pytest.approx(0.4)
    assert row["performance"] == pytest.approx(100 * 6.625 / 9)
    assert table.attrs["target"] == "Y" and table.attrs["target_performance"] == pytest.approx(50.0)


@pytest.fixture(scope="module")
def mobi_fit(shared_dir):
    survey = csi.read_survey(shared_dir / "data" / "ecsi_mobi.csv", scale=(1, 10), model="ecsi")
    fit = sem.estimate_pls(survey.data, survey.model, bootstrap=200, seed=11)
    return survey, fit


def test_index_is_the_mean_rescaled_construct_score(mobi_fit) -> None:
    survey, fit = mobi_fit
    out = csi.index(fit, scale=(1, 10), data=survey.data).set_index("construct")
    w = csi.index_weights(fit)
    X = survey.data
    for c in survey.model.constructs:
        block = w[w["construct"] == c]
        assert block["weight"].sum() == pytest.approx(1.0)
        score = X[block["indicator"]].to_numpy() @ block["weight"].to_numpy()
        assert out.loc[c, "index"] == pytest.approx(100 * (score.mean() - 1) / 9, rel=1e-12)
        assert 0 < out.loc[c, "index"] < 100
        assert out.loc[c, "ci_low"] < out.loc[c, "index"] < out.loc[c, "ci_high"]
    assert (out["n_boot"] == 200).all() and not out["negative_weights"].any()
    # Value is the weakest-rated construct of the mobi survey
    assert out["index"].idxmin() == "Value"


def test_ipma_importance_is_the_unstandardised_effect_on_rescaled_scores(mobi_fit) -> None:
    survey, fit = mobi_fit
    table = csi.ipma(fit, "Satisfaction", scale=(1, 10), data=survey.data).set_index("construct")
    assert set(table.index) == {"Image", "Expectation", "Quality", "Value"}
    w = csi.index_weights(fit)
    X = survey.data
    resc = {}
    for c in survey.model.constructs:
        block = w[w["construct"] == c]
        resc[c] = 100 * (X[block["indicator"]].to_numpy() @ block["weight"].to_numpy() - 1) / 9
    total = fit.effects.set_index(["from", "to"])["total"]
    for c in table.index:
        expected = total[(c, "Satisfaction")] * np.std(resc["Satisfaction"]) / np.std(resc[c])
        assert table.loc[c, "importance"] == pytest.approx(expected, rel=1e-9)
        assert table.loc[c, "importance_ci_low"] < table.loc[c, "importance"] < table.loc[c, "importance_ci_high"]
    # direct paths only into Value: its importance on Satisfaction is the OLS slope of the
    # rescaled Satisfaction score on the rescaled scores of its predictors (Value's coefficient)
    preds = survey.model.predecessors("Satisfaction")
    Z = np.column_stack([np.ones(len(X))] + [resc[p] for p in preds])
    beta = np.linalg.lstsq(Z, resc["Satisfaction"], rcond=None)[0]
    assert table.loc["Value", "importance"] == pytest.approx(beta[1 + preds.index("Value")], rel=1e-6)
    assert list(table["importance"]) == sorted(table["importance"], reverse=True)


def test_index_bootstrap_draws_equal_refits_on_the_resamples(mobi_fit) -> None:
    survey, fit = mobi_fit
    draws = _index_draws(fit, (1.0, 10.0), survey.data)
    assert draws.shape == (200, 7)
    counts = fit.bootstrap_counts
    for b in (0, 57):
        rows = np.repeat(np.arange(fit.n), counts[b].astype(int))
        refit = sem.estimate_pls(survey.data.iloc[rows].reset_index(drop=True), survey.model)
        np.testing.assert_allclose(csi.index(refit, scale=(1, 10))["index"], draws[b], rtol=1e-7)


def test_index_input_checks(mobi_fit) -> None:
    survey, fit = mobi_fit
    with pytest.raises(ParameterError, match="scale"):
        csi.index(fit, scale=(10, 1))
    with pytest.raises(ParameterError, match="never guessed"):
        csi.index(fit, scale=10)
    with pytest.raises(InputError, match="outside the declared scale"):
        csi.index(fit, scale=(1, 5))
    # the engine stores each resample's indicator means and SDs: no data= needed for the CIs,
    # and they equal the CIs recomputed from the data
    out = csi.index(fit, scale=(1, 10))
    again = csi.index(fit, scale=(1, 10), data=survey.data)
    np.testing.assert_allclose(out[["ci_low", "ci_high"]], again[["ci_low", "ci_high"]], rtol=1e-9)
    # a result without those moments (e.g. from an older engine) needs data= for its CIs
    import copy

    bare = copy.copy(fit)
    bare.bootstrap_draws = {k: v for k, v in fit.bootstrap_draws.items() if not k.startswith("indicator_")}
    with pytest.warns(UserWarning, match="no data="):
        assert "ci_low" not in csi.index(bare, scale=(1, 10)).columns
    with pytest.raises(InputError, match="not the data"):
        csi.index(bare, scale=(1, 10), data=survey.data.iloc[:100])
    with pytest.raises(ParameterError, match="target='Nope'"):
        csi.ipma(fit, "Nope", scale=(1, 10))
    with pytest.raises(ParameterError, match="exogenous"):
        csi.ipma(fit, "Image", scale=(1, 10))
    with pytest.raises(ParameterError, match="scale= is required"):
        csi.ipma(fit, "Satisfaction")


def test_index_refuses_a_cbsem_result(shared_dir) -> None:
    from crm_analysis.sem.cbsem import estimate_cbsem

    from semopy.examples import political_democracy

    res = estimate_cbsem(political_democracy.get_data(), political_democracy.get_model())
    with pytest.raises(ParameterError, match="CB-SEM result has no outer weights"):
        csi.index(res, scale=(1, 10))


def test_reading_and_plot(mobi_fit) -> None:
    survey, fit = mobi_fit
    table = csi.ipma(fit, "Loyalty", scale=(1, 10), data=survey.data)
    text = csi.ipma_reading(table)
    top = table.iloc[0]["construct"]
    assert text.startswith(f"{top} is the strongest lever for Loyalty")
    assert f"{table.iloc[0]['importance']:.2f} points" in text
    zh = csi.ipma_reading(table, "zh", labels=csi.labels(survey.model, "zh"))
    assert "顾客忠诚" in zh and "杠杆" in zh
    ax = csi.plot_ipma(data=table, labels=csi.labels(survey.model, "en"))
    assert len(ax.collections) >= 1 and len(ax.texts) == len(table)
    assert "Customer loyalty" in ax.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")
