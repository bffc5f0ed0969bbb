"""environment.yml (conda) lists the same dependencies as pyproject.toml."""
import re
import tomllib

import yaml


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r.replace(" ", "") for r in project["dependencies"]}
    for extra in project.get("optional-dependencies", {}).values():
        wanted.update({_name(r): r.replace(" ", "") for r in extra})
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    # conda packages, plus the `pip:` subsection for what conda-forge lacks
    entries = [d for d in env["dependencies"] if isinstance(d, str)]
    entries += [d for sub in env["dependencies"] if isinstance(sub, dict) for d in sub.get("pip", [])]
    listed = {_name(d): d.replace(" ", "") for d in entries if _name(d) not in {"python", "pip"}}
    assert set(listed) == set(wanted), (sorted(set(wanted) - set(listed)), sorted(set(listed) - set(wanted)))
    assert listed == wanted  # same version bounds too
    py = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert py.replace(" ", "") == "python" + project["requires-python"].replace(" ", "")


def test_notebooks_are_clean_and_parameterised(repo_root):
    import nbformat

    notebooks = sorted((repo_root / "notebooks").glob("*.ipynb")) + sorted((repo_root / "notebooks" / "learn").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name}: has outputs"
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"
        assert "crm_analysis" in nb.metadata, f"{path.name}: no crm_analysis metadata"
        after = code[code.index(tagged[0]) + 1]
        assert "in_project_root()" in after.source, f"{path.name}: call in_project_root() first (JupyterLab)"


def test_notebooks_name_the_suite_kernel(repo_root):
    """JupyterLab opens them with the kernel `make setup` registers ("Python (crm-analysis)")."""
    import nbformat

    for path in sorted((repo_root / "notebooks").glob("*.ipynb")):
        spec = nbformat.read(str(path), as_version=4).metadata["kernelspec"]
        assert (spec["name"], spec["display_name"]) == ("crm-analysis", "Python (crm-analysis)"), path.name
    makefile = (repo_root / "Makefile").read_text()
    assert '--name crm-analysis --display-name "Python (crm-analysis)"' in makefile


def test_make_lab_starts_as_root_too(repo_root):
    import os
    import shutil
    import subprocess

    import pytest

    if not shutil.which("make"):
        pytest.skip("make not installed")
    # -n: print the commands only; the stamp is made up-to-date so only the lab command shows
    out = subprocess.run(["make", "-n", "lab", "STAMP=Makefile"], cwd=repo_root, capture_output=True,
                         text=True, check=True).stdout
    [line] = [ln for ln in out.splitlines() if "jupyter lab" in ln]
    assert ("--allow-root" in line) == (os.getuid() == 0), line
