"""Solutions collapsed in JupyterLab stay folded in the report."""
import nbformat

from crm_analysis.reporting.folding import fold_hidden_cells, is_folded
from crm_analysis.reporting.html import notebook_to_html


def _nb():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Exercises\n\n1. Why?"),
        nbformat.v4.new_markdown_cell("**Solution 1.** Because $a < b$.\n\n```python\nx = 1\n```",
                                      metadata={"jupyter": {"source_hidden": True}, "collapsed": True}),
    ])


def test_collapsed_markdown_becomes_details():
    nb = fold_hidden_cells(_nb(), "en")
    assert not is_folded(nb.cells[0]) and nb.cells[0].source.startswith("## Exercises")
    assert nb.cells[1].source.startswith("<details><summary>Solution 1.</summary>")


def test_report_page_folds_the_solution():
    page = notebook_to_html(_nb(), title="t", meta_line="m", parameters={}, lang="en")
    start = page.index("<details>")
    folded = page[start: page.index("</details>", start)]
    assert "<summary>Solution 1.</summary>" in folded and "<strong>Solution 1.</strong>" in folded
    assert "<math" in folded  # equations inside a folded solution are rendered as well
    assert "## Exercises" not in page and '<h2 id="Exercises">' in page
