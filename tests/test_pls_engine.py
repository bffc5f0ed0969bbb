"""estimate_pls options, bootstrap, the batched API and input checks (no external references)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_analysis import sem
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import bootstrap as bs
from crm_analysis.sem.pls import ConvergenceWarning

TEXT = """
IMAG =~ i1 + i2 + i3
EXPE =~ e1 + e2 + e3
QUAL <~ q1 + q2 + q3 + q4
SAT  =~ s1 + s2 + s3
LOY  =~ l1 + l2
EXPE ~ IMAG
QUAL ~ EXPE
SAT  ~ IMAG + EXPE + QUAL
LOY  ~ SAT + IMAG
"""
PATHS = {("IMAG", "EXPE"): 0.5, ("EXPE", "QUAL"): 0.6, ("IMAG", "SAT"): 0.3, ("EXPE", "SAT"): 0.1,
         ("QUAL", "SAT"): 0.4, ("SAT", "LOY"): 0.5, ("IMAG", "LOY"): 0.2}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    df = sem.simulate(TEXT, n=300, paths=PATHS, loadings=0.75, seed=11, scale=(1, 10))
    df.index = [f"r{i}" for i in range(len(df))]
    return df


@pytest.fixture(scope="module")
def boot(data):
    return sem.estimate_pls(data, TEXT, bootstrap=60, seed=5)


def _resampled(data, counts_row):
    return data.iloc[np.repeat(np.arange(len(data)), counts_row)]


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
@pytest.mark.parametrize("scaled", [True, False])
def test_batched_bootstrap_equals_refitting_each_resample(data, scheme, scaled):
    fit = sem.estimate_pls(data, TEXT, scheme=scheme, scaled=scaled, bootstrap=12, seed=3)
    draws = fit.bootstrap_draws
    for b in (0, 7):
        one = sem.estimate_pls(_resampled(data, fit.bootstrap_counts[b]), TEXT, scheme=scheme, scaled=scaled)
        np.testing.assert_allclose(draws["paths"][b], one.paths["estimate"], atol=1e-9)
        np.testing.assert_allclose(draws["weights"][b], one.weights["estimate"], atol=1e-9)
        np.testing.assert_allclose(draws["loadings"][b], one.loadings["estimate"], atol=1e-9)
        np.testing.assert_allclose(draws["r_squared"][b], one.r_squared, atol=1e-9)
        np.testing.assert_allclose(draws["htmt"][b], one.htmt["estimate"], atol=1e-9)
        np.testing.assert_allclose(draws["rho_a"][b], one.reliability["rho_a"], atol=1e-9)
        np.testing.assert_allclose(draws["alpha"][b], one.reliability["alpha"], atol=1e-9)
        np.testing.assert_allclose(draws["f_squared"][b], one.f_squared["estimate"], atol=1e-9)
        np.testing.assert_allclose(draws["total_effects"][b], one.effects["total"], atol=1e-9)
        np.testing.assert_allclose(draws["gof"][b, 0], one.gof, atol=1e-9)
        np.testing.assert_allclose(draws["cross_loadings"][b],
                                   one.cross_loadings.drop(columns="construct").to_numpy(), atol=1e-9)


def test_bootstrap_tables(boot, data):
    assert list(boot.paths.columns) == ["from", "to", "estimate", "mean", "se", "t", "p", "ci_low", "ci_high"]
    d = boot.bootstrap_draws["paths"]
    assert d.shape == (60, len(boot.paths))
    np.testing.assert_allclose(boot.paths["se"], d.std(axis=0, ddof=1))
    np.testing.assert_allclose(boot.paths["mean"], d.mean(axis=0))
    lo, hi = np.quantile(d, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(boot.paths["ci_low"], lo)
    np.testing.assert_allclose(boot.paths["ci_high"], hi)
    np.testing.assert_allclose(boot.paths["t"], boot.paths["estimate"] / boot.paths["se"])
    np.testing.assert_allclose(boot.paths["p"], 2 * stats.t.sf(np.abs(boot.paths["t"]), len(data) - 1))
    for table in (boot.weights, boot.loadings, boot.htmt, boot.f_squared):
        assert {"se", "ci_low", "ci_high"} <= set(table.columns)
        assert table["se"].notna().all()
    assert {"total_se", "total_ci_low", "indirect_ci_high"} <= set(boot.effects.columns)
    assert boot.bootstrap_counts.shape == (60, len(data))
    assert (boot.bootstrap_counts.sum(axis=1) == len(data)).all()
    assert boot.n_bootstrap == 60


def test_every_statistic_has_a_bootstrap_summary(boot):
    for name in ("paths", "weights", "std_weights", "loadings", "cross_loadings", "r_squared",
                 "r_squared_adj", "total_effects", "indirect_effects", "htmt", "alpha", "rho_a",
                 "rho_c", "ave", "f_squared", "gof"):
        for ci in ("percentile", "bca"):
            t = boot.bootstrap_summary(name, ci=ci, ci_level=0.9)
            assert {"estimate", "mean", "se", "t", "p", "ci_low", "ci_high"} <= set(t.columns), name
            ok = t["se"] > 0
            assert ok.any(), name
            assert (t.loc[ok, "ci_low"] <= t.loc[ok, "ci_high"]).all(), (name, ci)
    r2 = boot.bootstrap_summary("r_squared")
    np.testing.assert_allclose(r2["estimate"], boot.r_squared)
    assert list(r2["construct"]) == list(boot.r_squared.index)
    rel = boot.bootstrap_summary("rho_c")
    np.testing.assert_allclose(rel["estimate"], boot.reliability["rho_c"])
    with pytest.raises(ParameterError, match="statistic"):
        boot.bootstrap_summary("nope")
    with pytest.raises(ParameterError, match="ci"):
        boot.bootstrap_summary("paths", ci="normal")


def test_bootstrap_is_seeded(data):
    a = sem.estimate_pls(data, TEXT, bootstrap=15, seed=99)
    b = sem.estimate_pls(data, TEXT, bootstrap=15, seed=99)
    c = sem.estimate_pls(data, TEXT, bootstrap=15, seed=100)
    np.testing.assert_array_equal(a.bootstrap_draws["paths"], b.bootstrap_draws["paths"])
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert not np.array_equal(a.bootstrap_draws["paths"], c.bootstrap_draws["paths"])


@pytest.mark.parametrize("b", [5, -1, 2.5, True, 10**9])
def test_bootstrap_count_is_checked_up_front(data, b):
    """Too few, not a whole number, or so many that the kept draws would exhaust memory: a clear error
    before any work (10**9 used to end in a MemoryError deep in numpy)."""
    with pytest.raises(ParameterError, match="bootstrap"):
        sem.estimate_pls(data, TEXT, bootstrap=b)


def test_bca_matches_scipy_on_a_skewed_mean():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=60)
    B = 20000
    counts = bs.resample_counts(len(x), B, seed=1)
    draws = (counts @ x) / len(x)
    jack = (bs.jackknife_counts(len(x)) @ x) / (len(x) - 1)
    lo, hi = bs.bca_ci(draws[:, None], np.array([x.mean()]), jack[:, None], level=0.95)
    ref = stats.bootstrap((x,), np.mean, n_resamples=B, method="BCa", confidence_level=0.95,
                          random_state=np.random.default_rng(2)).confidence_interval
    assert lo[0] == pytest.approx(ref.low, abs=0.01)
    assert hi[0] == pytest.approx(ref.high, abs=0.01)
    plo, phi = bs.percentile_ci(draws, 0.95)
    assert hi[0] > phi + 0.005  # BCa shifts right for a right-skewed statistic


def test_pls_batch_matches_subgroup_fits(data):
    rng = np.random.default_rng(4)
    idx = np.array([rng.permutation(len(data))[:140] for _ in range(5)])
    batch = sem.pls_batch(data, TEXT, indices=idx, extras=True)
    counts = bs.indices_to_counts(idx, len(data))
    again = sem.pls_batch(data, TEXT, counts=counts)
    np.testing.assert_allclose(again.paths, batch.paths, atol=1e-12)
    assert batch.paths.shape == (5, len(sem.Model(TEXT).structural_paths))
    for b in (0, 4):
        sub = data.iloc[np.sort(idx[b])]
        one = sem.estimate_pls(sub, TEXT)
        np.testing.assert_allclose(batch.paths[b], one.paths["estimate"], atol=1e-9)
        np.testing.assert_allclose(batch.std_weights[b], one.weights["estimate"], atol=1e-9)
        np.testing.assert_allclose(batch.means[b], one.indicator_means, atol=1e-9)
        np.testing.assert_allclose(batch.sds[b], sub[one.model.all_indicators].std(ddof=0), atol=1e-9)
        np.testing.assert_allclose(batch.std_weights[b] / batch.sds[b], one.raw_weights["weight"], atol=1e-9)
        np.testing.assert_allclose(batch.extras["htmt"][b][np.triu_indices(5, 1)], one.htmt["estimate"], atol=1e-9)
        np.testing.assert_allclose(batch.extras["gof"][b], one.gof, atol=1e-9)
        assert batch.nobs[b] == 140 and batch.converged[b]
    with pytest.raises(ParameterError, match="exactly one"):
        sem.pls_batch(data, TEXT)
    with pytest.raises(ParameterError, match="row positions"):
        sem.pls_batch(data, TEXT, indices=np.array([[0, 1, 400]]))
    with pytest.raises(ParameterError, match="counts"):
        sem.pls_batch(data, TEXT, counts=np.ones((2, 5)))


def test_pls_batch_listwise_gives_missing_rows_zero_weight(data):
    holes = data.copy()
    holes.iloc[[0, 5, 9], 2] = np.nan
    counts = np.ones((2, len(data)))
    counts[1, 20:40] = 0
    batch = sem.pls_batch(holes, TEXT, counts=counts)
    assert batch.nobs.tolist() == [len(data) - 3, len(data) - 3 - 20]
    one = sem.estimate_pls(holes.drop(holes.index[list(range(20, 40))]), TEXT)
    np.testing.assert_allclose(batch.paths[1], one.paths["estimate"], atol=1e-9)


def test_missing_listwise_and_mean(data):
    holes = data.copy()
    holes.iloc[3, 0] = np.nan
    holes.iloc[[7, 8], 4] = np.nan
    before = holes.copy()
    lw = sem.estimate_pls(holes, TEXT, missing="listwise")
    pd.testing.assert_frame_equal(holes, before)  # caller's frame untouched
    assert lw.n == len(data) - 3
    assert "r3" not in lw.scores.index and "r4" in lw.scores.index
    assert any("3 of 300 rows dropped" in w and "r3" in w for w in lw.warnings)
    ref = sem.estimate_pls(holes.dropna(), TEXT)
    pd.testing.assert_frame_equal(lw.paths, ref.paths)
    mn = sem.estimate_pls(holes, TEXT, missing="mean")
    assert mn.n == len(data)
    assert any("3 missing indicator value(s) replaced" in w for w in mn.warnings)
    filled = holes.fillna(holes.mean())
    pd.testing.assert_frame_equal(mn.paths, sem.estimate_pls(filled, TEXT).paths)
    mn_boot = sem.estimate_pls(holes, TEXT, missing="mean", bootstrap=10, seed=1)
    assert np.isfinite(mn_boot.bootstrap_draws["paths"]).all()


def test_schemes_differ_but_agree_roughly(data):
    fits = {s: sem.estimate_pls(data, TEXT, scheme=s) for s in ("path", "centroid", "factorial")}
    for s, f in fits.items():
        assert f.converged, s
        assert f.settings["scheme"] == s
    p = {s: f.paths["estimate"].to_numpy() for s, f in fits.items()}
    assert not np.allclose(p["path"], p["centroid"], atol=1e-6)
    assert not np.allclose(p["centroid"], p["factorial"], atol=1e-6)
    np.testing.assert_allclose(p["path"], p["centroid"], atol=0.05)


def test_mode_b_weights_are_regression_weights(data):
    fit = sem.estimate_pls(data, TEXT)
    assert fit.model.modes["QUAL"] == "B"
    # mode B: the weights regress the inner proxy on the block, so they differ from the
    # loading-proportional mode A weights; the score is still a unit-variance composite
    q = fit.weights[fit.weights["construct"] == "QUAL"]["estimate"].to_numpy()
    z = (data[["q1", "q2", "q3", "q4"]] - data[["q1", "q2", "q3", "q4"]].mean()) / data[["q1", "q2", "q3", "q4"]].std(ddof=0)
    np.testing.assert_allclose((z.to_numpy() @ q).std(), 1.0, atol=1e-12)
    a = sem.estimate_pls(data, TEXT.replace("QUAL <~", "QUAL =~"))
    qa = a.weights[a.weights["construct"] == "QUAL"]["estimate"].to_numpy()
    assert np.abs(q - qa).max() > 1e-3
    # rho_A is 1 for mode B by convention (seminr); the outer VIF is reported for the block
    assert fit.reliability.loc["QUAL", "rho_a"] == 1.0
    vif = fit.vif[(fit.vif["kind"] == "outer") & (fit.vif["construct"] == "QUAL")]
    R = np.corrcoef(data[["q1", "q2", "q3", "q4"]].to_numpy(), rowvar=False)
    np.testing.assert_allclose(vif["vif"], np.diag(np.linalg.inv(R)))


def test_non_convergence_is_reported(data):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = sem.estimate_pls(data, TEXT, max_iter=2)
    assert not fit.converged and fit.n_iter == 2
    assert "did not converge" in fit.warnings[0]
    text = str(fit.summary())
    assert "NOT converged" in text and "did not converge" in text
    assert "did not converge" in fit.summary()._repr_html_()
    assert "NOT CONVERGED" in repr(fit)


def test_summary_text_and_html(boot):
    s = boot.summary()
    text = str(s)
    for part in ("Path coefficients", "Reliability", "HTMT", "Fornell-Larcker", "VIF", "Effects",
                 "60 resamples", "GoF"):
        assert part in text
    html = s._repr_html_()
    assert html.count("<table") >= 8 and "Path coefficients" in html


def test_sign_of_a_reversed_block(data):
    fit = sem.estimate_pls(data, TEXT)
    flipped = data.copy()
    flipped[["i1", "i2", "i3"]] = 11 - flipped[["i1", "i2", "i3"]]
    other = sem.estimate_pls(flipped, TEXT)
    # loadings stay positive (the construct follows its indicators), paths from IMAG flip
    np.testing.assert_allclose(other.loadings["estimate"], fit.loadings["estimate"], atol=1e-9)
    sign = np.where(other.paths["from"] == "IMAG", -1, 1)
    np.testing.assert_allclose(other.paths["estimate"], sign * fit.paths["estimate"], atol=1e-9)


def test_outputs_are_consistent(data):
    fit = sem.estimate_pls(data, TEXT)
    s = fit.scores
    np.testing.assert_allclose(s.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(s.std(ddof=0), 1, atol=1e-12)
    np.testing.assert_allclose(s.corr().to_numpy(), fit.lv_correlations.to_numpy(), atol=1e-10)
    X = data[fit.model.all_indicators]
    cl = fit.cross_loadings.drop(columns="construct")
    np.testing.assert_allclose(cl.to_numpy(), np.corrcoef(X.to_numpy(), s.to_numpy(), rowvar=False)[:15, 15:], atol=1e-10)
    for t in fit.r_squared.index:
        preds = [f for f, to in fit.model.structural_paths if to == t]
        beta, *_ = np.linalg.lstsq(s[preds].to_numpy(), s[t].to_numpy(), rcond=None)
        rows = fit.paths[fit.paths["to"] == t].set_index("from")["estimate"]
        np.testing.assert_allclose(rows[preds], beta, atol=1e-10)
        r2 = 1 - np.var(s[t].to_numpy() - s[preds].to_numpy() @ beta) / np.var(s[t].to_numpy())
        assert fit.r_squared[t] == pytest.approx(r2, abs=1e-10)
        k = len(preds)
        assert fit.r_squared_adj[t] == pytest.approx(1 - (1 - r2) * (fit.n - 1) / (fit.n - k - 1))
    eff = fit.effects.set_index(["from", "to"])
    # IMAG -> LOY: direct + via SAT (IMAG->SAT, IMAG->EXPE->SAT, IMAG->EXPE->QUAL->SAT)
    p = fit.paths.set_index(["from", "to"])["estimate"]
    via_sat = p["IMAG", "SAT"] + p["IMAG", "EXPE"] * (p["EXPE", "SAT"] + p["EXPE", "QUAL"] * p["QUAL", "SAT"])
    assert eff.loc[("IMAG", "LOY"), "total"] == pytest.approx(p["IMAG", "LOY"] + via_sat * p["SAT", "LOY"])
    assert ("LOY", "IMAG") not in eff.index and ("QUAL", "EXPE") not in eff.index
    rel = fit.reliability
    lo = fit.loadings.set_index("indicator")["estimate"]
    sat = lo[["s1", "s2", "s3"]]
    assert rel.loc["SAT", "rho_c"] == pytest.approx(sat.sum() ** 2 / (sat.sum() ** 2 + (1 - sat ** 2).sum()))
    assert rel.loc["SAT", "ave"] == pytest.approx((sat ** 2).mean())
    assert fit.fornell_larcker.loc["SAT", "SAT"] == pytest.approx(np.sqrt(rel.loc["SAT", "ave"]))
    assert fit.fornell_larcker.loc["LOY", "SAT"] == pytest.approx(fit.lv_correlations.loc["LOY", "SAT"])
    hm = fit.htmt_matrix()
    R = np.abs(X.corr().to_numpy())
    ii, ss = [0, 1, 2], [10, 11, 12]
    mono = lambda idx: R[np.ix_(idx, idx)][np.triu_indices(3, 1)].mean()  # noqa: E731
    expect = R[np.ix_(ii, ss)].mean() / np.sqrt(mono(ii) * mono(ss))
    assert hm.loc["IMAG", "SAT"] == pytest.approx(expect)
    assert fit.gof == pytest.approx(np.sqrt((fit.loadings["estimate"] ** 2).mean() * fit.r_squared.mean()))


def test_parameter_errors(data):
    cases = [
        (dict(scheme="pathx"), "scheme"),
        (dict(scaled="yes"), "scaled"),
        (dict(max_iter=0), "max_iter"),
        (dict(tol=0), "tol"),
        (dict(missing="drop"), "missing"),
        (dict(bootstrap=5), "bootstrap"),
        (dict(bootstrap=-1), "bootstrap"),
        (dict(ci="normal"), "ci"),
        (dict(ci_level=1.5), "ci_level"),
        (dict(seed="abc"), "seed"),
        (dict(convergence="strict"), "convergence"),
    ]
    for kwargs, name in cases:
        with pytest.raises(ParameterError, match=f"^{name}:"):
            sem.estimate_pls(data, TEXT, **kwargs)


def test_input_errors(data):
    with pytest.raises(InputError, match=r"missing: 'q9' \(QUAL\)"):
        sem.estimate_pls(data, TEXT.replace("q4", "q9"))
    bad = data.copy()
    bad["s1"] = "x"
    with pytest.raises(InputError, match="not numeric: 's1'"):
        sem.estimate_pls(bad, TEXT)
    const = data.copy()
    const["e2"] = 5
    with pytest.raises(InputError, match=r"\['e2'\] are constant"):
        sem.estimate_pls(const, TEXT)
    with pytest.raises(InputError, match="no structural path"):
        sem.estimate_pls(data, TEXT + "\nX =~ l1x", )  # noqa
    lonely = "A =~ i1 + i2\nB =~ e1 + e2\nC =~ s1\nB ~ A"
    with pytest.raises(InputError, match=r"\['C'\] have no structural path"):
        sem.estimate_pls(data, lonely)
    with pytest.raises(InputError, match="at least two constructs"):
        sem.estimate_pls(data, "A =~ i1 + i2")
    coll = data.copy()
    coll["q4"] = coll["q1"] + coll["q2"]
    with pytest.raises(InputError, match="'QUAL' \\(mode B\\).*collinear"):
        sem.estimate_pls(coll, TEXT)
    with pytest.raises(InputError, match="usable rows"):
        sem.estimate_pls(data.iloc[:3], TEXT)
    inf = data.astype(float)
    inf.iloc[0, 0] = np.inf
    with pytest.raises(InputError, match="infinite"):
        sem.estimate_pls(inf, TEXT)
    with pytest.raises(InputError, match="DataFrame"):
        sem.estimate_pls(data.to_numpy(), TEXT)
    with pytest.raises(ParameterError, match="model"):
        sem.estimate_pls(data, 42)


def test_covariance_statements_are_noted(data):
    fit = sem.estimate_pls(data, TEXT + "\ni1 ~~ i2")
    assert any("~~" in w for w in fit.warnings)


def test_large_n_bootstrap_uses_grouped_jackknife():
    jc = bs.jackknife_counts(2500, max_groups=1000, seed=0)
    assert jc.shape == (1000, 2500)
    assert ((1 - jc).sum(axis=0) == 1).all()  # every row left out exactly once
    assert set((1 - jc).sum(axis=1)) <= {2.0, 3.0}


def test_degenerate_resamples_are_left_out_and_reported():
    text = "X =~ x1 + x2 + x3\nY <~ y1 + y2 + y3\nY ~ X"
    d = sem.simulate(text, n=30, seed=1)
    d["x3"] = 0
    d.loc[[0, 1], "x3"] = 1  # two answers differ: many resamples see a constant column
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy noise either
        fit = sem.estimate_pls(d, text, bootstrap=100, seed=1)
    bad = ~np.isfinite(fit.bootstrap_draws["paths"]).all(axis=1)
    assert 0 < bad.sum() < 100 and fit.n_bootstrap == 100 - bad.sum()
    constant = (fit.bootstrap_counts[:, [0, 1]].sum(axis=1) == 0)
    np.testing.assert_array_equal(bad, constant)
    assert any(f"{bad.sum()} of 100 bootstrap resamples have a constant indicator" in w for w in fit.warnings)
    assert np.isfinite(fit.paths[["se", "ci_low", "ci_high"]].to_numpy()).all()
