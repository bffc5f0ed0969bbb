"""Small throw-away notebooks for testing the pipeline (built in a temporary folder)."""
from __future__ import annotations

from pathlib import Path

import nbformat

PARAMS = '''n: int = 3  # number of points to plot
title: str = "demo"  # a title
fail: bool = False  # raise in the last cell when true
scale: float = 1.5  # a float
data: str | None = None  # optional input file
lang: str = "en"  # report language (en or zh)
'''

BODY = [
    "from crm_analysis.plotting import use_style\nimport matplotlib.pyplot as plt\n"
    "from crm_analysis.reporting import save_figure, save_results\nfrom crm_analysis.i18n import t\n"
    "from IPython.display import Markdown, display\nuse_style()",
    "fig, ax = plt.subplots()\nax.plot(range(n), [i * scale for i in range(n)])\n"
    "ax.set_title(t('Points', '数据点', lang))\nsave_figure(fig, 'points')\nplt.show()",
    "display(Markdown(t('## Result', '## 结果', lang)))\n"
    "save_results({'n': n, 'total': sum(i * scale for i in range(n))}, headline=f'{title}: n={n}')",
    "if fail:\n    raise RuntimeError('deliberate failure for the test')",
]


def make_notebook(folder: Path, name: str = "demo", *, body: list[str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["crm_analysis"] = {
        "title": {"en": "Demo", "zh": "演示"}, "summary": "a test notebook",
        "inputs": ["data"], "choices": {"lang": ["en", "zh"]}, "test_parameters": {"n": 2},
    }
    cells = [nbformat.v4.new_markdown_cell("# Demo / 演示")]
    cells.append(nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(src) for src in (body or BODY)]
    nb.cells = cells
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path
