"""House style: Chinese labels render with no missing glyphs, with or without a system CJK font."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from crm_analysis.plotting import find_cjk_font, use_style  # noqa: E402
from crm_analysis.plotting import style  # noqa: E402


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    assert find_cjk_font() is not None  # a system font, else the one shipped with the package
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        use_style()
        fig, ax = plt.subplots()
        ax.set_title("客户满意度指数 · 重要价值客户")
        ax.set_xlabel("忠诚度")
        fig.savefig(tmp_path / "zh.png")
        fig.savefig(tmp_path / "zh.svg")
        plt.close(fig)


def test_missing_font_gives_one_line_warning_naming_the_fix(monkeypatch):
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    monkeypatch.setattr(style, "bundled_cjk_font", lambda: None)  # a damaged installation
    with pytest.warns(UserWarning) as record:
        style.use_style()
    [w] = [r for r in record if "CJK" in str(r.message)]
    text = str(w.message)
    assert "\n" not in text and "reinstall crm-analysis" in text and style.BUNDLED_FONT.name in text


def _points_everywhere_but(ax, free):
    """Scatter points in every corner of the unit square but ``free``."""
    corners = {"upper right": (1, 1), "upper left": (0, 1), "lower right": (1, 0), "lower left": (0, 0)}
    xs, ys = zip(*[xy for name, xy in corners.items() if name != free])
    ax.scatter(xs, ys, label="points")
    ax.errorbar([0.5], [0.5], xerr=[[0.5], [0.5]], fmt="none", label="interval")


@pytest.mark.parametrize("free", ["upper right", "upper left", "lower right", "lower left"])
def test_legend_goes_to_the_free_corner(free):
    fig, ax = plt.subplots()
    _points_everywhere_but(ax, free)
    legend = style.place_legend(ax)
    assert style.hidden_points(ax) == 0
    assert legend._loc == legend.codes[free]
    plt.close(fig)


def test_legend_goes_outside_when_no_corner_is_free():
    import numpy as np

    fig, ax = plt.subplots()
    grid = np.linspace(0, 1, 40)
    ax.scatter(np.tile(grid, 40), np.repeat(grid, 40), label="everywhere")
    legend = style.place_legend(ax, fontsize=8)
    assert style.hidden_points(ax) == 0
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1  # beside the Axes
    plt.close(fig)


def test_error_bars_count_as_data():
    """matplotlib's loc='best' ignores error bars; place_legend does not."""
    fig, ax = plt.subplots()
    ax.scatter([0, 1], [1, 1], label="points")
    ax.errorbar([0.9], [0.05], xerr=[[0.9], [0.1]], fmt="none")  # a long interval along the bottom
    ax.scatter([0.0], [0.0])
    style.place_legend(ax)
    assert style.hidden_points(ax) == 0
    plt.close(fig)


def test_path_plot_with_groups_hides_no_point():
    """The figure of issue 12: a reduced model's paths per group, the legend must cover no dot or interval."""
    import pandas as pd

    from crm_analysis.csi.plots import plot_paths

    rows = []
    for group, shift in (("female", 0.0), ("male", 0.08)):
        for (f, t), est in zip([("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY"), ("IMAG", "LOY")],
                               [0.55, 0.12, 0.62, 0.05]):
            rows.append({"from": f, "to": t, "estimate": est + shift, "ci_low": est + shift - 0.1,
                         "ci_high": est + shift + 0.1, "group": group})
    use_style()
    ax = plot_paths(pd.DataFrame(rows), hue="group", lang="zh",
                    labels={"QUAL": "感知质量", "VAL": "感知价值", "SAT": "顾客满意度", "LOY": "顾客忠诚", "IMAG": "企业形象"})
    assert ax.get_legend() is not None and style.hidden_points(ax) == 0
    plt.close(ax.figure)


def test_grade_distribution_legend_hides_no_bar():
    import pandas as pd

    from crm_analysis import maturity

    grades = maturity.grade(maturity.simulate(60, seed=3))
    truth = pd.Series(grades["level"].to_numpy()[::-1], index=grades.index)
    ax = maturity.plot_grade_distribution(grades, truth=truth, lang="zh")
    assert ax.get_legend() is not None and style.hidden_points(ax) == 0
    plt.close(ax.figure)
