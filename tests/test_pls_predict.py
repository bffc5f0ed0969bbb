"""PLSpredict (Shmueli et al. 2016, 2019) against PyPI seminr's predict_pls, and CVPAT
(Liengaard et al. 2021) against simulated data with known truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks.peers import seminr_model
from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError

ECSI = csi.preset("ecsi")
TOL = 1e-8


@pytest.mark.parametrize("technique,reflective", [("DA", False), ("EA", False), ("DA", True)],
                         ids=["DA", "EA", "DA-PLSc"])
def test_predictions_equal_seminr_with_the_same_folds(mobi, technique, reflective):
    """PyPI seminr 0.2.1 predict_pls on mobi, 10 folds from one shuffle: the PLS and LM
    out-of-sample predictions of every endogenous indicator and seminr's RMSE/MAE to 1e-8."""
    seminr = pytest.importorskip("seminr")
    from seminr.predict.metrics import summarize_pls_predict

    mm, sm = seminr_model(seminr, ECSI, reflective=reflective)
    ref_model = seminr.estimate_pls(mobi, mm, sm)
    order = np.random.default_rng(5).permutation(len(mobi))
    fn = seminr.predict_DA if technique == "DA" else seminr.predict_EA
    ref = seminr.predict_pls(ref_model, technique=fn, no_folds=10, ordering=order.tolist())
    ours = sem.predict_pls(mobi, ECSI, folds=sem.seminr_folds(len(mobi), 10, order), technique=technique,
                           consistent=reflective)
    assert list(ref.items.pls_out_of_sample.cols) == list(ours.predictions.columns)
    np.testing.assert_allclose(ours.predictions.to_numpy(), ref.items.pls_out_of_sample.values, atol=TOL, rtol=0)
    np.testing.assert_allclose(ours.lm_predictions.to_numpy(), ref.items.lm_out_of_sample.values, atol=TOL, rtol=0)
    summ = summarize_pls_predict(ref)
    for row, ours_col, ref_table in ((0, "rmse", summ.pls_out_of_sample), (1, "mae", summ.pls_out_of_sample),
                                     (0, "lm_rmse", summ.lm_out_of_sample), (1, "lm_mae", summ.lm_out_of_sample)):
        np.testing.assert_allclose(ours.metrics[ours_col], ref_table.values[row], atol=TOL, rtol=0, err_msg=ours_col)


def test_seeded_folds_are_seminrs_shuffle(mobi):
    """One repetition with ``seed=s`` draws seminr's own folds for ``seed=s``."""
    seminr = pytest.importorskip("seminr")
    mm, sm = seminr_model(seminr, ECSI)
    ref = seminr.predict_pls(seminr.estimate_pls(mobi, mm, sm), no_folds=10, seed=123)
    ours = sem.predict_pls(mobi, ECSI, k=10, repetitions=1, seed=123)
    np.testing.assert_allclose(ours.predictions.to_numpy(), ref.items.pls_out_of_sample.values, atol=TOL, rtol=0)


def test_q2_predict_and_repetitions(mobi):
    """Q²predict = 1 - SSE / SSE of the training-mean prediction, recomputed from the folds here;
    repetitions pool squared errors."""
    pred = sem.predict_pls(mobi, ECSI, k=5, repetitions=3, seed=9)
    assert pred.folds.shape == (3, len(mobi))
    assert all(np.bincount(r).min() >= len(mobi) // 5 for r in pred.folds)
    items = list(pred.metrics["indicator"])
    y = mobi[items].to_numpy()
    sse_naive = np.zeros(len(items))
    for r in pred.folds:
        for f in np.unique(r):
            test = r == f
            sse_naive += ((y[test] - y[~test].mean(axis=0)) ** 2).sum(axis=0)
    sse = (pred.errors["pls"] ** 2).sum(axis=(0, 1))
    np.testing.assert_allclose(pred.metrics["q2_predict"], 1 - sse / sse_naive, rtol=1e-12)
    np.testing.assert_allclose(pred.metrics["rmse"], np.sqrt(sse / (3 * len(mobi))), rtol=1e-12)
    # the same seed gives the same folds, another seed other folds
    again = sem.predict_pls(mobi, ECSI, k=5, repetitions=3, seed=9)
    assert (again.folds == pred.folds).all()
    assert (sem.predict_pls(mobi, ECSI, k=5, repetitions=3, seed=10).folds != pred.folds).any()


def test_cvpat_statistic(mobi):
    """CVPAT's t is the one-sample t-test of the per-case loss differences (scipy as reference)."""
    pred = sem.predict_pls(mobi, ECSI, k=10, repetitions=2, seed=4)
    for bench, key in (("IA", "ia"), ("LM", "lm")):
        res = sem.cvpat(pred, bench).set_index("construct")
        d = (pred.errors[key] ** 2).mean(axis=(0, 2)) - (pred.errors["pls"] ** 2).mean(axis=(0, 2))
        ref = stats.ttest_1samp(d, 0.0, alternative="greater")
        assert res.loc["overall", "t"] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.loc["overall", "p"] == pytest.approx(ref.pvalue, rel=1e-9)
    # a model against itself: no difference
    same = sem.cvpat(pred, other=pred).set_index("construct")
    assert (same["difference"] == 0).all()


def test_cvpat_size_and_power_in_simulation():
    """Known truth: when Y does not depend on X the PLS model cannot beat the indicator average
    (rejections at most about the nominal 5%); with a true path of 0.6 (n = 250) it does in nearly every sample."""
    text = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X"
    rej = {0.0: 0, 0.6: 0}
    reps = 60
    for path in rej:
        for s in range(reps):
            data = sem.simulate(text, n=250, paths={("X", "Y"): path}, seed=1000 + s)
            res = sem.cvpat(sem.predict_pls(data, text, k=10, repetitions=1, seed=s), "IA")
            rej[path] += res.set_index("construct").loc["overall", "p"] < 0.05
    # binomial(60, 0.05): P(X >= 8) < 0.02
    assert rej[0.0] <= 7
    assert rej[0.6] >= 57


def test_predict_parameter_checks(mobi):
    with pytest.raises(ParameterError, match="technique"):
        sem.predict_pls(mobi, ECSI, technique="XX")
    with pytest.raises(ParameterError, match="k: expected an integer >= 2"):
        sem.predict_pls(mobi, ECSI, k=1)
    with pytest.raises(ParameterError, match="k: expected at most"):
        sem.predict_pls(mobi, ECSI, k=10_000)
    with pytest.raises(ParameterError, match="folds"):
        sem.predict_pls(mobi, ECSI, folds=np.zeros(len(mobi), dtype=int))
    with pytest.raises(ParameterError, match="folds"):
        sem.predict_pls(mobi, ECSI, folds=np.zeros(5, dtype=int))
    pred = sem.predict_pls(mobi, ECSI, k=5, repetitions=1, seed=1)
    with pytest.raises(ParameterError, match="benchmark"):
        sem.cvpat(pred, "MEAN")
    with pytest.raises(ParameterError, match="same folds"):
        sem.cvpat(pred, other=sem.predict_pls(mobi, ECSI, k=5, repetitions=1, seed=2))
