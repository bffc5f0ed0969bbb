"""House style: Chinese labels render with no missing glyphs where a CJK font is installed."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from crm_analysis.plotting import find_cjk_font, use_style  # noqa: E402
from crm_analysis.plotting import style  # noqa: E402


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    if find_cjk_font() is None:
        if __import__("os").environ.get("CI"):
            pytest.fail("CI must have a CJK font (.ci/run installs fonts-wqy-microhei)")
        pytest.skip("no CJK font installed here")
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
    with pytest.warns(UserWarning) as record:
        style.use_style()
    [w] = [r for r in record if "CJK" in str(r.message)]
    text = str(w.message)
    assert "\n" not in text and "fonts-wqy-microhei" in text
