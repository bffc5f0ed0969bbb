"""An installed tool, not only a checkout: build the wheel, install it (not editable) into a fresh
virtual environment, and use it from empty folders elsewhere.

To save time the fresh environment sees this environment's site-packages through a ``.pth``
file (what ``--system-site-packages`` would give if this interpreter were the base one), so pip
resolves the dependencies (no ``--no-deps``) and finds them already installed; crm-analysis itself
is installed from the wheel into the fresh environment and imported from there.
"""
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _run(args, cwd, env=None, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory, repo_root):
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", repo_root, "--no-deps", "--quiet", "-w", wheels], cwd=tmp)
    [wheel] = wheels.glob("crm_analysis-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    py = venv / "bin" / "python"
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).strip())
    (site / "zz_reuse_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], cwd=tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_ANALYSIS_", "JUPYTER"))}
    # data files that pip puts beside site-packages (nbconvert's templates) are not reached by the
    # .pth shortcut: point Jupyter at them, and only at them (not at this environment's kernels)
    jupyter = tmp / "jupyter-data"
    jupyter.mkdir()
    (jupyter / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    env["JUPYTER_PATH"] = str(jupyter)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {"wheel": wheel, "venv": venv, "site": site, "py": py, "env": env, "tmp": tmp}


def test_wheel_carries_notebooks_data_and_font(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for name in ("crm_analysis/_bundle/notebooks/tour.ipynb", "crm_analysis/_bundle/data/cdnow_master.txt",
                 "crm_analysis/_bundle/data/frameworks.yaml", "crm_analysis/plotting/fonts/NotoSansSC-crm-subset.ttf",
                 "crm_analysis/plotting/fonts/OFL.txt"):
        assert name in names, name
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "data/", "tools/"))]


def test_installed_tool_runs_from_an_empty_folder(installed, repo_root):
    env, site = installed["env"], installed["site"]
    where = _run([installed["py"], "-c", "import crm_analysis; print(crm_analysis.__file__)"], cwd=installed["tmp"], env=env)
    assert Path(where.strip()).is_relative_to(site)  # the installed copy, not the checkout
    before = sorted(p.name for p in (repo_root / "reports").iterdir()) if (repo_root / "reports").is_dir() else []
    empty = installed["tmp"] / "anywhere"
    empty.mkdir()
    out = _run(["crm-analysis", "run", "tour", "--lang", "zh", "-p", "freq", "M", "--name", "first"], cwd=empty, env=env)
    report = empty / "reports" / "tour-first" / "report.html"
    assert report.is_file() and str(report) in out
    assert "入门" in report.read_text("utf-8")
    prov = json.loads((report.parent / "provenance.json").read_text())
    assert prov["parameters"]["transactions"].startswith(str(site))  # the default data, shipped
    assert json.loads((report.parent / "results.json").read_text())["warnings"] == []
    # nothing written into site-packages or the checkout
    assert not list(installed["venv"].rglob("reports"))
    after = sorted(p.name for p in (repo_root / "reports").iterdir()) if (repo_root / "reports").is_dir() else []
    assert after == before
    assert "tour" in _run(["crm-analysis", "list"], cwd=empty, env=env)


def test_init_copies_notebooks_to_edit_and_run(installed):
    env, tmp = installed["env"], installed["tmp"]
    _run(["crm-analysis", "init", "work"], cwd=tmp, env=env)
    work = tmp / "work"
    assert sorted(p.name for p in (work / "notebooks").glob("*.ipynb")) == ["csi.ipynb", "frameworks.ipynb",
                                                                           "maturity.ipynb", "study.ipynb",
                                                                           "tour.ipynb", "tracking.ipynb"]
    assert (work / "data" / "cdnow_master.txt").is_file() and (work / "params.example.yaml").is_file()
    # the notebooks' kernel ("Python (crm-analysis)") is registered in the fresh environment, for JupyterLab
    spec = json.loads((installed["venv"] / "share" / "jupyter" / "kernels" / "crm-analysis" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (crm-analysis)" and Path(spec["argv"][0]) == installed["py"]
    # an edited notebook is the one that runs
    nb = json.loads((work / "notebooks" / "tour.ipynb").read_text("utf-8"))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["Edited by the consultant"]})
    (work / "notebooks" / "tour.ipynb").write_text(json.dumps(nb), "utf-8")
    params = (work / "params.example.yaml").read_text().replace("freq: W", "freq: M")
    (work / "params.example.yaml").write_text(params)
    _run(["crm-analysis", "run", "tour", "-f", "params.example.yaml", "--name", "mine"], cwd=work, env=env)
    report = work / "reports" / "tour-mine" / "report.html"
    assert "Edited by the consultant" in report.read_text("utf-8")
    prov = json.loads((report.parent / "provenance.json").read_text())
    assert prov["parameters"]["transactions"] == str(work / "data" / "cdnow_master.txt")
    assert prov["parameters"]["freq"] == "M"
    # a second init into the same folder keeps the consultant's edits
    proc = subprocess.run(["crm-analysis", "init", "work"], cwd=tmp, env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert "Edited by the consultant" in (work / "notebooks" / "tour.ipynb").read_text("utf-8")
