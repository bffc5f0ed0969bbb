"""csi.plot_interaction draws the sem.simple_slopes table as it is (one line per moderator level)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from crm_analysis import csi, sem  # noqa: E402
from crm_analysis.errors import ParameterError  # noqa: E402

TEXT = "X =~ x1 + x2\nM =~ m1 + m2\nY =~ y1 + y2\nY ~ X + M + X:M"


def test_lines_are_the_simple_slopes_table():
    data = sem.simulate("X =~ x1 + x2\nM =~ m1 + m2\nY =~ y1 + y2\nY ~ X + M", n=300, seed=4)
    ss = sem.simple_slopes(sem.estimate_pls(data, TEXT), "X", "M", "Y", at=(-1, 0, 1), x=(-2, 0, 2))
    ax = csi.plot_interaction(data=ss, iv="X", moderator="M", target="Y",
                              labels={"X": "形象", "M": "期望", "Y": "满意度"}, lang="zh")
    lines = ax.get_lines()[:3]
    assert len(ax.get_legend().get_texts()) == 3
    for line, level in zip(lines, (-1, 0, 1)):
        part = ss[ss["moderator_sd"] == level].sort_values("x")
        np.testing.assert_allclose(line.get_ydata(), part["y_hat"])
    assert "期望" in ax.get_title() and "斜率" in ax.get_legend().get_texts()[0].get_text()
    plt.close("all")
    with pytest.raises(ParameterError, match="not in data"):
        csi.plot_interaction(data=ss.drop(columns="slope"))
