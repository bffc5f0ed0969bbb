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
