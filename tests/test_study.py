"""sem.study: Monte Carlo studies of PLS, PLSc and CB-SEM, serially or on Dask workers."""
import re
import time

import numpy as np
import pandas as pd
import pytest

from crm_analysis import sem
from crm_analysis.errors import ParameterError
from crm_analysis.sem import simstudy as st

MEDIATION = "X =~ x1 + x2 + x3\nM =~ m1 + m2 + m3\nY =~ y1 + y2 + y3\nM ~ X\nY ~ M"
SIMPLE = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X"


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    # threads in this process: cheap to start, and a real Dask scheduler all the same
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as lc:
        yield lc


def test_study_is_exported_lazily():
    assert sem.study is st.study


def test_same_table_serially_and_with_one_or_two_workers(cluster):
    from distributed import Client

    args = dict(model=SIMPLE, design={"n": [60, 120], "loadings": 0.7}, estimators=["PLS", "ML"],
                replications=6, seed=11, bootstrap=20)
    serial = st.study(**args)
    with Client(cluster) as two:
        parallel = st.study(**args, client=two, batch_size=2)
        assert parallel.attrs["tasks"] == 6  # 2 conditions x 3 batches: work really was cut up
        small_batches = st.study(**args, client=two, batch_size=1)
        auto = st.study(**args, client=two)  # about four tasks per worker thread: 12 / 8 -> 2 per task
        assert auto.attrs["tasks"] == 6
    cluster.scale(1)
    with Client(cluster) as one:
        deadline = time.monotonic() + 20
        while len(one.scheduler_info()["workers"]) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(one.scheduler_info()["workers"]) == 1
        single = st.study(**args, client=one, batch_size=4)
    cluster.scale(2)
    by_address = st.study(**args, client=cluster.scheduler_address)  # a scheduler address string
    for other in (parallel, small_batches, auto, single, by_address):
        pd.testing.assert_frame_equal(serial, other)
    # a different seed gives different numbers (the seed is really used)
    assert not np.allclose(serial["mean"], st.study(**{**args, "seed": 12})["mean"])


def test_known_truth_bias_signs_under_a_common_factor_model():
    table = st.study(SIMPLE, {"n": 300, "loadings": 0.7, "paths": 0.5}, ["PLS", "PLSc", "ML"],
                     replications=30, seed=3, bootstrap=0)
    by = table.groupby(["estimator", "kind"], observed=True)["bias"].mean()
    # PLS composites contain measurement error: loadings too high, paths attenuated
    assert by["PLS", "loading"] > 0.05
    assert by["PLS", "path"] < -0.05
    # consistent estimators: small bias, far below PLS's
    for est in ("PLSc", "ML"):
        assert abs(by[est, "loading"]) < 0.02
        assert abs(by[est, "path"]) < 0.03
    assert set(table["truth"][table["kind"] == "loading"]) == {0.7}
    assert set(table["truth"][table["kind"] == "path"]) == {0.5}


def test_coverage_near_nominal_for_cbsem_and_too_low_for_pls_loadings():
    table = st.study(SIMPLE, {"n": 250, "loadings": 0.7}, ["PLS", "ML"], replications=40, seed=5,
                     bootstrap=100)
    cov = table.groupby(["estimator", "kind"], observed=True)["coverage"].mean()
    assert 0.85 <= cov["ML", "loading"] <= 1.0
    assert 0.85 <= cov["ML", "path"] <= 1.0
    # intervals around a biased estimate miss the truth
    assert cov["PLS", "loading"] < min(0.8, cov["ML", "loading"] - 0.15)


def test_omitted_path_biases_the_mediator_path_upwards():
    table = st.study(MEDIATION, {"n": 300, "misspecification": [None, {("X", "Y"): 0.4}]}, ["ML"],
                     replications=20, seed=2, bootstrap=0)
    my = table[table["parameter"] == "M -> Y"].set_index("misspecification")
    assert abs(my.loc["none", "bias"]) < 0.05
    # the omitted direct effect flows through M: corr(M, Y) = 0.3 + 0.4 * 0.3
    assert my.loc["X->Y=0.4", "bias"] == pytest.approx(0.12, abs=0.05)
    assert (my["truth"] == 0.3).all()


def test_nonnormal_draws():
    model = sem.Model(SIMPLE)
    cond = st._Condition(5000, 0.8, 0.3, 0.0, "t5", None)
    t = st._draw(model, cond, np.random.default_rng(0))
    assert (t.kurt() > 1).all()  # heavy tails (normal: 0; t5 indicators: 6 in the limit)
    assert t.corr().loc["x1", "x2"] == pytest.approx(0.64, abs=0.04)  # correlations kept
    lik = st._draw(model, st._Condition(500, 0.8, 0.3, 0.0, "likert5", None), np.random.default_rng(0))
    assert set(np.unique(lik.to_numpy())) <= {1, 2, 3, 4, 5}


def test_summarise_arithmetic_on_a_hand_made_table():
    raw = pd.DataFrame({
        "condition": 0, "replication": [0, 1, 2, 3], "estimator": "ML", "kind": "path",
        "parameter": "X -> Y", "truth": 0.5, "estimate": [0.4, 0.6, 0.8, 9.0],
        "ci_low": [0.3, 0.55, -0.1, 0.0], "ci_high": [0.6, 0.9, 1.0, 1.0],
        "converged": [True, True, True, False], "proper": [True, False, True, True],
        "failed": False})
    row = st.summarise(raw).iloc[0]
    assert row["replications"] == 4 and row["used"] == 3
    assert row["mean"] == pytest.approx(0.6)
    assert row["bias"] == pytest.approx(0.1)
    assert row["rel_bias"] == pytest.approx(0.2)
    assert row["rmse"] == pytest.approx(np.sqrt((0.01 + 0.01 + 0.09) / 3))
    assert row["coverage"] == pytest.approx(2 / 3)   # 0.5 not in [0.55, 0.9]
    assert row["power"] == pytest.approx(2 / 3)      # [-0.1, 1.0] contains 0
    assert row["nonconvergence"] == pytest.approx(0.25)
    assert row["improper"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("design, key", [
    ({"n": 100, "sample_size": 5}, "sample_size"),
    ({"loadings": 0.7}, r"design\['n'\]"),
    ({"n": [10]}, r"design\['n'\]"),
    ({"n": []}, r"design\['n'\]"),
    ({"n": 100, "nonnormal": "t3"}, "nonnormal"),
    ({"n": 100, "nonnormal": "skewed"}, "nonnormal"),
    ({"n": 100, "loadings": 1.5}, "loadings"),
    ({"n": 100, "paths": 1.2}, "paths"),
    ({"n": 100, "misspecification": {("X", "Y"): 0.2}}, "misspecification"),
    ({"n": 100, "misspecification": {("X", "Q"): 0.2}}, "misspecification"),
])
def test_bad_designs_name_the_key(design, key):
    with pytest.raises(ParameterError, match=key):
        st.study(SIMPLE, design, ["PLS"], replications=2, bootstrap=0)


@pytest.mark.parametrize("kwargs, name", [
    ({"estimators": ["GSCA"]}, "estimators"),
    ({"replications": 0}, "replications"),
    ({"seed": -1}, "seed"),
    ({"bootstrap": 5}, "bootstrap"),
    ({"client": 3}, "client"),
    ({"batch_size": 0}, "batch_size"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    args = dict(model=SIMPLE, design={"n": 100}, estimators=["PLS"], replications=2, bootstrap=0)
    with pytest.raises(ParameterError, match=name):
        st.study(**{**args, **kwargs})


def test_composite_models_are_refused():
    with pytest.raises(ParameterError, match="model"):
        st.study("X <~ x1 + x2\nY =~ y1 + y2\nY ~ X", {"n": 100}, ["PLS"], replications=2)


def test_overview_and_plot():
    raw = st.run_replications(SIMPLE, {"n": [60, 120]}, ["PLS", "ML"], replications=3, bootstrap=0, seed=1)
    table = st.summarise(raw)
    ov = st.overview(table)
    assert len(ov) == 2 * 2 * 2  # n x estimator x kind
    pls_path = table.query("estimator == 'PLS' and kind == 'path' and n == 60")["bias"].mean()
    assert ov.query("estimator == 'PLS' and kind == 'path' and n == 60")["bias"].item() == pytest.approx(pls_path)
    axes = st.plot_study(table, "bias", lang="zh")
    assert [a.get_title() for a in axes] == ["载荷", "路径系数"]
    assert len(axes[0].patches) == 2 * 2  # estimators x sample sizes
    with pytest.raises(ParameterError, match="statistic"):
        st.plot_study(table, "median")
    with pytest.raises(ParameterError, match="by"):
        st.overview(table, ("loadings_level",))


def test_study_notebook_is_bilingual_prose_and_code_only_code(repo_root):
    import nbformat

    nb = nbformat.read(str(repo_root / "notebooks" / "study.ipynb"), as_version=4)
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    tags = [tuple(c.metadata.get("tags", [])) for c in prose]
    assert prose and all(t in (("lang-en",), ("lang-zh",)) for t in tags)
    assert tags.count(("lang-en",)) == tags.count(("lang-zh",))
    for c in nb.cells:
        # prose lives in the language cells; the summary cell shows the summary a tested function
        # wrote (reporting.summary.Summary), as every report does
        if c.cell_type == "code" and "summary" not in c.metadata.get("tags", []):
            assert "Markdown(" not in c.source
    zh = "".join(c.source for c in prose if "lang-zh" in c.metadata["tags"])
    # Chinese prose takes full-width punctuation next to Chinese characters
    assert "，" in zh and "。" in zh
    assert not re.search(r"[\u3400-\u9fff][,;:?!()]|[,;:?!()][\u3400-\u9fff]", zh)


def test_heavy_tails_break_ml_standard_errors_not_mlr():
    """Multivariate t5 data: the estimates stay unbiased, ML's normal-theory intervals are too
    narrow, MLR's robust ones keep their coverage (the reason MLR exists)."""
    table = st.study(SIMPLE, {"n": 300, "loadings": 0.7, "nonnormal": ["none", "t5"]}, ["ML", "MLR"],
                     replications=40, seed=8, bootstrap=0)
    cov = table.groupby(["nonnormal", "estimator"], observed=True)["coverage"].mean()
    bias = table.groupby(["nonnormal", "estimator"], observed=True)["bias"].mean()
    assert abs(bias["t5", "ML"]) < 0.02
    assert cov["none", "ML"] > 0.88 and cov["t5", "MLR"] > 0.88
    assert cov["t5", "ML"] < cov["t5", "MLR"] - 0.07
