"""MICOM (Henseler, Ringle & Sarstedt 2016): the statistics recomputed from estimate_pls, and the
permutation tests against simulated groups with known (non-)invariance."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError

TEXT = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X"


def _groups(data_a, data_b):
    out = pd.concat([data_a, data_b], ignore_index=True)
    out["g"] = ["a"] * len(data_a) + ["b"] * len(data_b)
    return out


def test_statistics_equal_group_estimations(mobi):
    """c is the correlation of the pooled standardised data weighted by each group's own PLS
    weights; the mean and log-variance differences are those of the pooled PLS scores."""
    d = mobi.copy()
    d["g"] = np.where(np.arange(len(d)) % 3 == 0, "one", "two")
    model = csi.preset("ecsi")
    res = sem.micom(d, model, group="g", permutations=100, seed=1)
    z = (d[model.all_indicators] - d[model.all_indicators].mean()) / d[model.all_indicators].std(ddof=0)
    fits = {g: sem.estimate_pls(d[d["g"] == g], model) for g in ("one", "two")}
    for c in ("Image", "Satisfaction"):
        items = model.indicators[c]
        w = {g: f.weights.set_index("indicator").loc[items, "estimate"].to_numpy() for g, f in fits.items()}
        expect = np.corrcoef(z[items] @ w["one"], z[items] @ w["two"])[0, 1]
        assert res.compositional.set_index("construct").loc[c, "c"] == pytest.approx(expect, abs=1e-10)
    scores = sem.estimate_pls(d, model).scores
    mv = res.means_variances.set_index(["construct", "statistic"])
    a, b = scores[d["g"] == "one"], scores[d["g"] == "two"]
    for c in ("Image", "Loyalty"):
        assert mv.loc[(c, "mean"), "difference"] == pytest.approx(a[c].mean() - b[c].mean(), abs=1e-10)
        assert mv.loc[(c, "log_variance"), "difference"] == pytest.approx(
            np.log(a[c].var()) - np.log(b[c].var()), abs=1e-10)
    assert res.groups == (("one", 84), ("two", 166))
    assert res.configural["result"].all()


def test_invariant_groups_rejected_at_about_the_nominal_rate():
    """Known truth: two groups drawn from one population. Step 2 and step 3 (mean) of X reject in
    at most 5 of 30 samples (binomial(30, 0.05): P(X >= 6) < 0.004)."""
    rej = np.zeros(3, dtype=int)
    for s in range(30):
        d = sem.simulate(TEXT, n=300, paths={("X", "Y"): 0.5}, seed=300 + s)
        d["g"] = np.repeat(["a", "b"], 150)
        res = sem.micom(d, TEXT, group="g", permutations=200, seed=s)
        summ = res.summary.set_index("construct")
        rej += [not summ.loc["X", "compositional"], not summ.loc["X", "equal_mean"],
                not summ.loc["X", "equal_variance"]]
    assert (rej <= 5).all(), rej


def test_non_invariance_is_detected():
    """Known truth: group b's X items weigh differently (loadings 0.9/0.8/0.3 vs 0.3/0.8/0.9)
    -> step 2 rejects; group b's X has a latent mean 0.5 SD higher -> step 3 (mean) rejects."""
    a = sem.simulate(TEXT, n=400, paths={("X", "Y"): 0.5}, loadings={"x1": 0.9, "x2": 0.8, "x3": 0.3}, seed=1)
    b = sem.simulate(TEXT, n=400, paths={("X", "Y"): 0.5}, loadings={"x1": 0.3, "x2": 0.8, "x3": 0.9}, seed=2)
    res = sem.micom(_groups(a, b), TEXT, group="g", permutations=500, seed=1)
    assert not res.summary.set_index("construct").loc["X", "compositional"]
    assert res.summary.set_index("construct").loc["X", "invariance"] == "none"
    b2, lat = sem.simulate(TEXT, n=400, paths={("X", "Y"): 0.5}, seed=3, return_latent=True)
    b2[["x1", "x2", "x3"]] += 0.5 * 0.8  # latent mean +0.5 (loadings 0.8)
    res = sem.micom(_groups(a.assign(x1=lambda d: d["x1"]), b2), TEXT, group="g", permutations=500, seed=1)
    mv = res.means_variances.set_index(["construct", "statistic"])
    assert not mv.loc[("X", "mean"), "equal"] and mv.loc[("X", "mean"), "p"] < 0.01


def test_micom_parameter_checks(mobi):
    d = mobi.assign(g=np.arange(len(mobi)) % 3)
    with pytest.raises(ParameterError, match="groups: column 'g' has 3 labels"):
        sem.micom(d, csi.preset("ecsi"), group="g", permutations=100)
    with pytest.raises(ParameterError, match="permutations"):
        sem.micom(d, csi.preset("ecsi"), group="g", groups=(0, 1), permutations=10)
    with pytest.raises(ParameterError, match="not a column"):
        sem.micom(d, csi.preset("ecsi"), group="nope")
