"""Warnings and notes raised while a notebook runs, collected for the reader of the report.

In a pipeline run the kernel starts with :func:`install_collector` (and every notebook's first
call, :func:`~crm_analysis.reporting.in_project_root`, installs it again, harmlessly): each
Python warning shown in the kernel is still printed as usual and is also appended to
``warnings.jsonl`` in the run folder. The runner turns that file into ``results.json``'s
``warnings`` list of ``{"code", "message", "count"}`` in the report's language, the CLI prints
them, the HTML report shows them in a notes box, and ``--strict`` fails the run on any.

The package's own notes are :class:`Note` warnings carrying an English and a Chinese text
(:func:`note`); other warnings (numpy's, matplotlib's, the package's English-only ones) keep
their text, marked as English in a Chinese report.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

NOTES_FILE = "warnings.jsonl"
LANG_ENV = "CRM_ANALYSIS_LANG"
#: run by the kernel before the first cell (see the runner's extra kernel arguments)
KERNEL_STARTUP = "import crm_analysis.reporting.notes as _crm_notes; _crm_notes.install_collector()"


class Note(UserWarning):
    """A note for the report's reader, in English and Chinese, with a stable ``code``."""

    def __init__(self, code: str, en: str, zh: str | None = None):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh or en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def note(code: str, en: str, zh: str, *, stacklevel: int = 2) -> None:
    """Raise a :class:`Note` (a ``UserWarning``): shown in the notebook, collected in a pipeline run."""
    warnings.warn(Note(code, en, zh), stacklevel=stacklevel + 1)


def _lang() -> str:
    return "zh" if os.environ.get(LANG_ENV) == "zh" else "en"


def describe(message: Warning | str, category: type[Warning], lang: str) -> dict[str, str]:
    """``{"code", "message"}`` of one warning, in ``lang`` where the warning has that language."""
    if isinstance(message, Note):
        return {"code": message.code, "message": message.text(lang)}
    text = " ".join(str(message).split())  # one line
    code = category.__name__
    return {"code": code, "message": text if lang == "en" else f"（英文原文）{text}"}


def install_collector(folder: str | Path | None = None) -> bool:
    """Record every warning shown in this process into ``folder/warnings.jsonl`` (default: the
    pipeline's run folder). Outside a pipeline run (JupyterLab) nothing is changed; returns
    whether a collector is active."""
    from .context import run_dir

    target = Path(folder) if folder is not None else run_dir()
    if target is None:
        return False
    current = warnings.showwarning
    if getattr(current, "_crm_notes_file", None) == target / NOTES_FILE:
        return True
    original = getattr(current, "_crm_original", current)
    path = target / NOTES_FILE

    def showwarning(message, category, filename, lineno, file=None, line=None):
        try:
            record = describe(message, category, _lang())
            record["where"] = f"{Path(str(filename)).name}:{lineno}"
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except Exception:  # a note that cannot be written must never break the analysis
            pass
        original(message, category, filename, lineno, file, line)

    showwarning._crm_notes_file = path  # type: ignore[attr-defined]
    showwarning._crm_original = original  # type: ignore[attr-defined]
    warnings.showwarning = showwarning
    return True


def record(text: str, code: str = "Note") -> None:
    """Add a message the notebook already shows the reader (as a note in the page) to the run's
    notes, so that it also reaches ``results.json`` and the CLI. Outside a pipeline run: nothing."""
    path = getattr(warnings.showwarning, "_crm_notes_file", None)
    if path is None:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"code": code, "message": " ".join(str(text).split()), "where": "notebook"},
                                ensure_ascii=False) + "\n")
    except OSError:  # a note that cannot be written must never break the analysis
        pass


def read_notes(folder: str | Path) -> list[dict[str, Any]]:
    """The warnings a run recorded, repeats merged (``count``), in the order first seen."""
    path = Path(folder) / NOTES_FILE
    if not path.exists():
        return []
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for line in path.read_text("utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # a line cut by a crash: skip it
            continue
        key = (str(record.get("code")), str(record.get("message")))
        if key in merged:
            merged[key]["count"] += 1
        else:
            merged[key] = {"code": key[0], "message": key[1], "count": 1}
    return list(merged.values())


def collect_into_results(folder: str | Path, results_file: str = "results.json") -> list[dict[str, Any]]:
    """Move ``warnings.jsonl`` of a run folder into its ``results.json`` (key ``warnings``)."""
    folder = Path(folder)
    notes = read_notes(folder)
    path = folder / results_file
    results: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    results["warnings"] = notes
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, allow_nan=False), "utf-8")
    (folder / NOTES_FILE).unlink(missing_ok=True)
    return notes


def summary_lines(notes: list[dict[str, Any]], limit: int = 5) -> list[str]:
    """A count and the first few warnings, one line each (what the CLI prints)."""
    if not notes:
        return []
    total = sum(int(n.get("count", 1)) for n in notes)
    lines = [f"{total} warning(s) during the run" + (f" ({len(notes)} different)" if len(notes) != total else "") + ":"]
    for n in notes[:limit]:
        times = f" (x{n['count']})" if n.get("count", 1) > 1 else ""
        lines.append(f"  - [{n['code']}] {n['message'][:200]}{times}")
    if len(notes) > limit:
        lines.append(f"  … and {len(notes) - limit} more in results.json")
    return lines
