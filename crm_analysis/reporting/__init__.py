"""The report pipeline: run parameterised notebooks with papermill and collect their outputs.

Inside a notebook only :func:`save_figure` and :func:`save_results` are needed; the rest
(parameter validation, atomic run folders, HTML, provenance, index page) is used by the CLI.
"""
from __future__ import annotations

from .context import in_project_root, run_dir, save_figure, save_results, to_jsonable

__all__ = ["in_project_root", "run_dir", "save_figure", "save_results", "to_jsonable"]
