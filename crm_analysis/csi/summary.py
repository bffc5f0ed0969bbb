"""The csi report's first screen: top actions from the importance-performance map and a
one-line verdict on the model's quality, in the reader's language."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from crm_analysis.i18n import check_lang, t

__all__ = ["top_actions", "quality_verdict"]


def top_actions(ipma: pd.DataFrame, lang: str = "en", *, labels: Mapping[str, str] | None = None,
                n: int = 3) -> list[str]:
    """The ``n`` drivers where improvement pays most, as sentences.

    Drivers are ranked by the index points the target would gain if the driver closed half its
    gap to 100: ``importance * (100 - performance) / 2`` (the IPMA's lower-right corner first);
    drivers with no positive importance are left out.

    Examples
    --------
    >>> imp = pd.DataFrame({"construct": ["Quality", "Image"], "importance": [0.4, 0.1], "performance": [60.0, 80.0]})
    >>> top_actions(imp, "en")[0]
    'Improve Quality (importance 0.40, performance 60.0): closing half its gap to 100 would add about 8.0 points.'
    """
    check_lang(lang)
    name = (lambda c: labels.get(c, c)) if labels else (lambda c: c)
    table = ipma[ipma["importance"] > 0].copy()
    table["gain"] = table["importance"] * (100 - table["performance"]) / 2
    table = table.sort_values("gain", ascending=False, kind="stable").head(n)
    return [t(f"Improve {name(r.construct)} (importance {r.importance:.2f}, performance {r.performance:.1f}): "
              f"closing half its gap to 100 would add about {r.gain:.1f} points.",
              f"提升{name(r.construct)}（重要性 {r.importance:.2f}，表现 {r.performance:.1f}）：把它与 100 分的差距缩小一半，"
              f"目标指数约可提高 {r.gain:.1f} 分。", lang) for r in table.itertuples()]


def quality_verdict(loadings: pd.DataFrame, reliability: pd.DataFrame, htmt: pd.DataFrame, r_squared: float,
                    lang: str = "en", *, target_label: str = "") -> str:
    """One line on the model's quality from the measurement verdicts and the target's R².

    Examples
    --------
    >>> ok = pd.DataFrame({"verdict": ["ok", "ok"]})
    >>> quality_verdict(ok, ok, ok, 0.62, "en", target_label="Satisfaction")
    'Sound: every loading, reliability and discriminant-validity check passes; the model explains 62% of Satisfaction.'
    """
    check_lang(lang)
    counts = {k: sum(int((f["verdict"] == k).sum()) for f in (loadings, reliability, htmt)) for k in ("problem", "warning")}
    explained = t(f"the model explains {r_squared:.0%} of {target_label}.", f"模型解释了{target_label} {r_squared:.0%} 的方差。", lang)
    if counts["problem"]:
        return t(f"Use with caution: {counts['problem']} measurement check(s) fail (see the measurement model); "
                 + explained, f"谨慎使用：{counts['problem']} 项测量检验未通过（见测量模型部分）；" + explained, lang)
    if counts["warning"]:
        return t(f"Acceptable: no check fails, {counts['warning']} need(s) care (see the measurement model); " + explained,
                 f"可以接受：没有检验未通过，{counts['warning']} 项需要注意（见测量模型部分）；" + explained, lang)
    return t("Sound: every loading, reliability and discriminant-validity check passes; " + explained,
             "良好：所有载荷、信度与区分效度检验均通过；" + explained, lang)
