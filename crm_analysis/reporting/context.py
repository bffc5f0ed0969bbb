"""What a notebook calls to hand figures and key results to the pipeline.

The CLI sets ``CRM_ANALYSIS_RUN_DIR`` for the kernel; run interactively (JupyterLab) the
variable is unset and these functions only return what they were given, writing nothing.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
from pathlib import Path
from typing import Any

RUN_DIR_ENV = "CRM_ANALYSIS_RUN_DIR"
RESULTS_FILE = "results.json"
FIGURES_DIR = "figures"


def run_dir() -> Path | None:
    """The folder of the current pipeline run, or ``None`` outside the pipeline."""
    value = os.environ.get(RUN_DIR_ENV)
    return Path(value) if value else None


def save_figure(fig: Any, name: str, title: str | None = None) -> Any:
    """Save ``fig`` (a matplotlib Figure, or an Axes/seaborn grid holding one) as PNG and SVG.

    ``title`` (default: the figure's own title, else its first axes' title) is recorded in
    ``figures/index.json``, in the order the figures were saved: the slides use it.
    Returns ``fig`` so that the notebook still displays it.
    """
    folder = run_dir()
    if folder is None:
        return fig
    figure = getattr(fig, "figure", None) or getattr(fig, "fig", None) or fig
    if not hasattr(figure, "savefig"):
        raise TypeError(f"save_figure: expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise ValueError(f"save_figure: name={name!r} must be a plain file stem like 'paths'")
    out = folder / FIGURES_DIR
    out.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "svg"):
        figure.savefig(out / f"{name}.{ext}", bbox_inches="tight",
                       metadata={"Date": None} if ext == "svg" else None)
    index_path = out / "index.json"
    index = json.loads(index_path.read_text("utf-8")) if index_path.exists() else {}
    index.pop(name, None)
    index[name] = title or _figure_title(figure) or ""
    index_path.write_text(json.dumps(index, ensure_ascii=False, indent=2), "utf-8")
    return fig


def _figure_title(figure: Any) -> str:
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return suptitle.get_text()
    for ax in getattr(figure, "axes", []):
        if ax.get_title():
            return ax.get_title()
    return ""


def save_results(results: dict[str, Any], headline: str | None = None) -> dict[str, Any]:
    """Merge ``results`` into the run's ``results.json`` (pandas objects become JSON tables).

    ``headline`` is the one-line result shown on ``reports/index.html``. Calling this several
    times adds keys; a later value for the same key replaces the earlier one.
    """
    payload = to_jsonable(results)
    folder = run_dir()
    if folder is None:
        return payload
    path = folder / RESULTS_FILE
    merged: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    merged.update(payload)
    if headline is not None:
        merged["headline"] = headline
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2, allow_nan=False), "utf-8")
    return payload


def to_jsonable(obj: Any) -> Any:
    """Convert pandas/numpy objects to plain JSON values (NaN and infinities become ``None``).

    A DataFrame becomes a list of records (its index kept as columns when it carries
    information); a Series becomes a mapping from index label to value.
    """
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        frame = obj
        if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
            frame = frame.reset_index()
        frame = frame.rename(columns=lambda c: "_".join(map(str, c)) if isinstance(c, tuple) else str(c))
        return [to_jsonable(r) for r in frame.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {("_".join(map(str, k)) if isinstance(k, tuple) else str(k)): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return None if math.isnan(value) or math.isinf(value) else value
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, _dt.datetime, _dt.date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (int, str)):
        return obj
    return str(obj)


def in_project_root() -> Path:
    """Make the project root the working folder, and return it.

    Relative paths in a notebook's parameters (``data/cdnow_master.txt``) are relative to the
    project root, where the CLI runs kernels; JupyterLab starts a kernel in the notebook's own
    folder, so each notebook calls this first and runs the same in both.
    """
    from .notebooks import project_root
    from .notes import install_collector

    install_collector()  # in a pipeline run: warnings reach the report (no-op in JupyterLab)
    root = project_root()
    os.chdir(root)
    return root
