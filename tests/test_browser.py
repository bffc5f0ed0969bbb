"""Open an HTML report in headless Chromium as a reader would."""
import pytest

from crm_analysis.reporting.runner import run_notebook
from tests.helpers.notebooks import make_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def open_page(browser, path):
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


def test_report_page_loads_cleanly_with_its_figures(browser, tmp_path, monkeypatch):
    folder = tmp_path / "nbs"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    outcome = run_notebook("demo", {"n": 5}, lang="zh", reports_dir=tmp_path / "reports")
    assert outcome.ok
    page, problems = open_page(browser, outcome.output_dir / "report.html")
    widths = page.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
    assert widths and all(w > 100 for w in widths), widths
    assert "结果" in page.inner_text("main")
    assert problems == []
    index, problems = open_page(browser, tmp_path / "reports" / "index.html")
    index.click(f"text={outcome.output_dir.name}")
    assert index.url.endswith("report.html")
    assert problems == []


def test_tour_report_in_the_browser(browser, tmp_path):
    """The real tour notebook's English report, as a client opens it."""
    outcome = run_notebook("tour", {"freq": "M"}, lang="en", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    page, problems = open_page(browser, outcome.output_dir / "report.html")
    assert page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth > 100).length") >= 1
    text = page.inner_text("main")
    assert "Purchases over time" in text and "23,570" in text
    assert "import " not in text  # client version: no code
    assert problems == []
