"""Every example in the package's docstrings runs and prints what the docstring says.

The examples are what a reader copies first; run here, they cannot drift from the code. An
example marked ``# doctest: +SKIP`` (it writes large files or needs a browser) is shown only.
"""
from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import crm_analysis

MODULES = sorted(m.name for m in pkgutil.walk_packages(crm_analysis.__path__, "crm_analysis.")
                 if not m.name.endswith("__main__"))


def test_every_module_is_listed():
    assert "crm_analysis.segment.money" in MODULES and "crm_analysis.csi.path_diagram" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)  # examples name files as a user in a clone would: data/...
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out = io.StringIO()
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, out.getvalue()
