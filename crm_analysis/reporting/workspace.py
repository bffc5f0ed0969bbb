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
from .notebooks import list_notebooks, shipped_notebooks_dir

EXAMPLE_NOTEBOOK = "tour"
EXAMPLE_FILE = "params.example.yaml"


def _yaml_value(value: Any) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip().removesuffix("\n...").strip()


def example_parameters(notebook: str = EXAMPLE_NOTEBOOK) -> str:
    """A parameters file for ``notebook`` listing every parameter with its default and help."""
    spec = list_notebooks(shipped_notebooks_dir())[notebook]
    lines = [f"# Parameters of the {notebook!r} notebook, with their defaults. Edit, then run:",
             f"#   crm-analysis run {notebook} -f {EXAMPLE_FILE}",
             "# Relative paths are relative to this file's folder. `crm-analysis list` describes every notebook."]
    for p in spec.parameters.values():
        choices = f" [one of: {', '.join(map(str, p.choices))}]" if p.choices else ""
        lines.append(f"{p.name}: {_yaml_value(p.default)}" + (f"  # {p.help}{choices}" if p.help or choices else ""))
    return "\n".join(lines) + "\n"


def register_kernel() -> str:
    """Register this Python as the notebooks' kernel "Python (crm-analysis)" in its environment
    (what ``make setup`` does); returns a sentence saying what was done or how to do it."""
    import sys

    from .runner import KERNEL_NAME

    command = (f"{sys.executable} -m ipykernel install --user --name {KERNEL_NAME} "
               '--display-name "Python (crm-analysis)"')
    try:
        from ipykernel.kernelspec import install

        where = install(kernel_name=KERNEL_NAME, display_name="Python (crm-analysis)", prefix=sys.prefix)
    except Exception as exc:  # a read-only environment: say how to do it by hand
        return f"kernel not registered ({type(exc).__name__}: {exc}); register it with: {command}"
    return f"kernel 'Python (crm-analysis)' registered in {where}"


def init_workspace(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the notebooks, the default data and an example parameters file into ``folder``.

    Existing files are never overwritten unless ``force``; returns the files written.
    """
    target = Path(folder).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise ParameterError(f"init: {str(folder)!r} exists and is not a folder")
    source_nb = shipped_notebooks_dir()  # the originals, never a folder made by an earlier init
    if source_nb is None:
        raise ParameterError("init: the notebooks shipped with crm-analysis are missing; reinstall it")
    source_data = source_nb.parent / "data"
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
