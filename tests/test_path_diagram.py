"""csi.plot_model: the path diagram of a PLS or CB-SEM fit."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from crm_analysis import csi, sem  # noqa: E402
from crm_analysis.csi.path_diagram import model_layout, significance_stars  # noqa: E402
from crm_analysis.errors import ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def survey(repo_root) -> pd.DataFrame:
    return pd.read_csv(repo_root / "data" / "ecsi_synthetic.csv")


@pytest.fixture(scope="module")
def pls_fit(survey):
    return sem.estimate_pls(survey, csi.preset("ecsi", columns=survey), bootstrap=200, seed=1)


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_layout_puts_exogenous_left_and_outcomes_right() -> None:
    lay = model_layout(csi.preset("ecsi")).set_index("construct")
    assert lay.loc["Image", "x"] == 0
    assert lay.loc["Loyalty", "x"] == lay["x"].max()
    # every path goes to the right
    m = csi.preset("ecsi")
    assert all(lay.loc[t, "x"] > lay.loc[f, "x"] for f, t in m.structural_paths)


def test_pls_diagram_has_a_node_per_construct_and_a_labelled_arrow_per_path(pls_fit) -> None:
    labels = csi.labels(pls_fit.model, "en")
    ax = csi.plot_model(pls_fit, labels=labels)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == len(pls_fit.model.constructs)
    assert len(arrows) == len(pls_fit.paths)
    texts = _texts(ax)
    for r in pls_fit.paths.itertuples(index=False):
        assert f"{r.estimate:.2f}{significance_stars(r.p)}" in texts
    # R² inside each endogenous node, with the construct's label
    for c, v in pls_fit.r_squared.items():
        assert f"{labels[c]}\nR² = {v:.2f}" in texts
    # a non-significant path is dashed
    ns = pls_fit.paths["p"] >= 0.05
    dashed = [a for a in arrows if a.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == int(ns.sum())
    plt.close("all")


def test_cbsem_diagram_uses_the_standardised_solution(survey) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = sem.estimate_cbsem(survey, csi.preset("ecsi", columns=survey))
    ax = csi.plot_model(cb, indicators=True, lang="zh", labels=csi.labels(cb.model, "zh"))
    texts = _texts(ax)
    for r in cb.paths.itertuples(index=False):
        assert f"{r.std_all:.2f}{significance_stars(r.p)}" in texts
    assert any("CB-SEM" in ax.get_title(loc="left") for _ in [0]) and "标准化" in ax.get_title(loc="left")
    assert any("IMAG1" in s for s in texts)  # indicators listed with their loadings
    plt.close("all")


def test_bad_input_is_named() -> None:
    with pytest.raises(ParameterError, match="estimate_pls or estimate_cbsem"):
        csi.plot_model(object())
    with pytest.raises(ParameterError, match="alpha"):
        csi.plot_model(object(), alpha=2)  # options are checked before the fit
