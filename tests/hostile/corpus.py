"""The hostile-input corpus: one row per case (input files, command, expected outcome).

A case writes its ``files`` into a fresh folder, runs ``crm-analysis ARGV`` there (in-process,
through :func:`crm_analysis.cli.main`) and checks the exit code, what the output must and must
not contain, and optionally the files left behind. ``{tmp}`` in an argument is that folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from crm_analysis.cli import main


@dataclass
class Case:
    id: str
    argv: list[str]
    rc: int
    files: dict[str, str | bytes] = field(default_factory=dict)
    says: tuple[str, ...] = ()  # substrings of stdout + stderr
    never: tuple[str, ...] = ("Traceback",)
    check: Callable[[Path, str], None] | None = None
    slow: bool = False

    def param(self):
        return pytest.param(self, id=self.id, marks=[pytest.mark.slow] if self.slow else [])


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")


def run_case(case: Case, folder: Path, capsys, monkeypatch) -> str:
    write_files(folder, case.files)
    monkeypatch.chdir(folder)
    argv = [a.replace("{tmp}", str(folder)) for a in case.argv]
    rc = main(argv)
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert rc == case.rc, f"exit code {rc}, expected {case.rc}; output:\n{text}"
    for s in case.says:
        assert s in text, f"{s!r} not in output:\n{text}"
    for s in case.never:
        assert s not in text, f"{s!r} in output:\n{text}"
    if case.check is not None:
        case.check(folder, text)
    return text
