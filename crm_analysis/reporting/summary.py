"""The one-screen summary a report opens with: title, client, wave, date, headline figures with
their intervals, the top actions, a one-line verdict on the model's quality.

A notebook builds it at its end (when the numbers exist) in a code cell tagged ``summary``; the
client report (HTML and the exports) shows that cell first, right under the title, while the
notebook keeps it at the end for whoever reads it in JupyterLab. ``save_results`` stores the
same content as ``results["summary"]`` for the PDF cover page, the workbook's first sheet and
the summary slide.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_analysis.i18n import check_lang, t

__all__ = ["Summary", "COMMON_PARAMETERS"]

#: The parameters every report notebook has, shown on the cover and in the index.
COMMON_PARAMETERS = ("title", "client", "wave", "author")


@dataclass
class Summary:
    """What the first screen of a report says.

    Examples
    --------
    >>> s = Summary(title="CSI 2026", lang="en", client="ACME", wave="2026 Q1",
    ...             figures=[("Satisfaction index", "72.4 [70.1, 74.8]")], actions=["Improve quality"],
    ...             verdict="The measurement model meets every threshold.")
    >>> print(s.markdown().splitlines()[0])
    ## Summary
    """

    title: str
    lang: str = "en"
    client: str | None = None
    wave: str | None = None
    author: str | None = None
    date: str | None = None
    figures: Sequence[tuple[str, str]] = field(default_factory=list)
    actions: Sequence[str] = field(default_factory=list)
    verdict: str = ""

    def __post_init__(self) -> None:
        check_lang(self.lang)
        self.date = self.date or _dt.date.today().isoformat()

    def meta_line(self) -> str:
        lang = self.lang
        parts = [(t("Client", "客户", lang), self.client), (t("Wave", "调查期", lang), self.wave),
                 (t("Author", "作者", lang), self.author), (t("Date", "日期", lang), self.date)]
        colon = t(": ", "：", lang)
        return " · ".join(f"{k}{colon}{v}" for k, v in parts if v not in (None, ""))

    def markdown(self) -> str:
        """The summary as Markdown (shown by the notebook's ``summary`` cell)."""
        lang = self.lang
        lines = [t("## Summary", "## 摘要", lang), "", f"**{self.title}**", "", self.meta_line(), ""]
        if self.figures:
            lines += [f"| {t('Key figure', '关键指标', lang)} | {t('Value (95% interval)', '数值（95% 区间）', lang)} |",
                      "|---|---|"]
            lines += [f"| {label} | **{value}** |" for label, value in self.figures]
            lines.append("")
        if self.actions:
            lines += [t("**Top actions**", "**优先行动**", lang), ""]
            lines += [f"{i}. {a}" for i, a in enumerate(self.actions, 1)]
            lines.append("")
        if self.verdict:
            lines += [f"{t('**Model quality:**', '**模型质量：**', lang)} {self.verdict}", ""]
        return "\n".join(lines)

    def to_results(self) -> dict[str, Any]:
        """``results["summary"]``: what the exports read."""
        return {"title": self.title, "client": self.client, "wave": self.wave, "author": self.author,
                "date": self.date, "figures": [{"label": a, "text": b} for a, b in self.figures],
                "actions": list(self.actions), "verdict": self.verdict}
