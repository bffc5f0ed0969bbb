"""`crm-analysis init DIR`: notebooks, data and an example parameters file to edit; where runs look."""
import os

import pytest
import yaml

from crm_analysis.cli import main
from crm_analysis.errors import ParameterError
from crm_analysis.reporting import notebooks
from crm_analysis.reporting.runner import default_reports_dir, prepare_run
from crm_analysis.reporting.workspace import init_workspace


def test_init_writes_a_folder_that_runs_use(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CRM_ANALYSIS_NOTEBOOKS", raising=False)
    assert main(["init", str(tmp_path / "ws"), "--no-kernel"]) == 0
    assert "crm-analysis run tour -f params.example.yaml" in capsys.readouterr().out
    ws = tmp_path / "ws"
    assert {p.name for p in (ws / "notebooks").glob("*.ipynb")} == {"csi.ipynb", "frameworks.ipynb", "maturity.ipynb",
                                                                    "study.ipynb", "tour.ipynb", "tracking.ipynb"}
    assert not (ws / "data" / "frameworks.yaml").is_symlink() and (ws / "data" / "frameworks.yaml").stat().st_size > 0
    params = yaml.safe_load((ws / "params.example.yaml").read_text("utf-8"))
    assert params["transactions"] == "data/cdnow_master.txt" and params["lang"] == "en"
    # from inside the folder: its notebooks, its data, its reports/
    monkeypatch.chdir(ws)
    assert notebooks.notebooks_dir() == ws / "notebooks" and default_reports_dir() == ws / "reports"
    request = prepare_run("tour", params, base_dir=ws)
    assert request.spec.path == ws / "notebooks" / "tour.ipynb"
    assert request.parameters["transactions"] == str(ws / "data" / "cdnow_master.txt")
    assert request.output_dir.parent == ws / "reports"
    # JupyterLab starts the kernel in notebooks/: the same project root
    monkeypatch.chdir(ws / "notebooks")
    assert notebooks.project_root() == ws
    # never overwritten without --force
    with pytest.raises(ParameterError, match="--force"):
        init_workspace(ws)
    (ws / "notebooks" / "tour.ipynb").write_text("edited")
    init_workspace(ws, force=True)
    assert (ws / "notebooks" / "tour.ipynb").read_text() != "edited"


def test_an_unrelated_notebooks_folder_is_not_taken_for_the_suite(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_ANALYSIS_NOTEBOOKS", raising=False)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "other.ipynb").write_text('{"cells": [], "metadata": {}}')
    monkeypatch.chdir(tmp_path)
    assert notebooks.notebooks_dir() != tmp_path / "notebooks"
    assert "tour" in notebooks.list_notebooks()


def test_init_refuses_a_file(tmp_path):
    path = tmp_path / "f"
    path.write_text("x")
    with pytest.raises(ParameterError, match="not a folder"):
        init_workspace(path)
