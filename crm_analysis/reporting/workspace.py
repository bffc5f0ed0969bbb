"""``crm-analysis init DIR``: a folder of one's own with the notebooks, the data and an example.

For users who want to edit the notebooks: the suite's notebooks go to ``DIR/notebooks/``, the
default data to ``DIR/data/`` and an example parameters file to ``DIR/params.example.yaml``.
Run from ``DIR``, ``crm-analysis run`` uses these notebooks (see
:func:`~crm_analysis.reporting.notebooks.notebooks_dir`) and writes ``DIR/reports/``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .notebooks import list_notebooks, notebooks_dir, project_root

EXAMPLE_NOTEBOOK = "tour"
EXAMPLE_FILE = "params.example.yaml"


def _yaml_value(value: Any) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip().removesuffix("\n...").strip()


def example_parameters(notebook: str = EXAMPLE_NOTEBOOK) -> str:
    """A parameters file for ``notebook`` listing every parameter with its default and help."""
    spec = list_notebooks(notebooks_dir())[notebook]
    lines = [f"# Parameters of the {notebook!r} notebook, with their defaults. Edit, then run:",
             f"#   crm-analysis run {notebook} -f {EXAMPLE_FILE}",
             "# Relative paths are relative to this file's folder. `crm-analysis list` describes every notebook."]
    for p in spec.parameters.values():
        choices = f" [one of: {', '.join(map(str, p.choices))}]" if p.choices else ""
        lines.append(f"{p.name}: {_yaml_value(p.default)}" + (f"  # {p.help}{choices}" if p.help or choices else ""))
    return "\n".join(lines) + "\n"


def init_workspace(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the notebooks, the default data and an example parameters file into ``folder``.

    Existing files are never overwritten unless ``force``; returns the files written.
    """
    target = Path(folder).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise ParameterError(f"init: {str(folder)!r} exists and is not a folder")
    source_nb, source_data = notebooks_dir(), project_root() / "data"
    plan: list[tuple[Path | None, Path]] = [(p, target / "notebooks" / p.name) for p in sorted(source_nb.glob("*.ipynb"))]
    if not plan:
        raise ParameterError(f"init: no notebooks found in {source_nb}")
    plan += [(p, target / "data" / p.name) for p in sorted(source_data.glob("*"))
             if p.is_file() and not p.name.startswith(".")]
    plan.append((None, target / EXAMPLE_FILE))
    existing = [dst for _, dst in plan if dst.exists()]
    if existing and not force:
        shown = ", ".join(str(p.relative_to(target)) for p in existing[:5]) + (" …" if len(existing) > 5 else "")
        raise ParameterError(f"init: {target} already has {shown}; choose another folder or pass --force to overwrite")
    written = []
    for src, dst in plan:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src is None:
            dst.write_text(example_parameters(), "utf-8")
        else:
            shutil.copyfile(src, dst)  # a symbolic link is copied as the file it points to
        written.append(dst)
    return written
