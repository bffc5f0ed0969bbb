"""Which folders the pipeline may write into, and what it leaves behind.

Nothing the user owns is overwritten or moved without being asked:

- a **reports folder** (the one holding run folders and ``index.html``) is the suite's when it
  holds the marker file ``.crm-analysis-reports``; the marker is written when the suite creates the
  folder, or finds it without an ``index.html`` of its own. ``index.html`` is only ever written
  into a marked folder, so ``--output-dir site/tour-q3`` leaves ``site/index.html`` alone.
- a **run folder** is ours when it holds the marker or a ``provenance.json``. An existing
  ``--output-dir`` that is not one of ours is refused unless ``--force`` (it is then moved aside
  to ``<name>.previous``, never deleted).
- temporary run folders (``.<name>.tmp-<pid>-<hex>``) left by an interrupted run are removed by
  the next run in the same folder once their process is gone.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

from ..errors import ParameterError

MARKER = ".crm-analysis-reports"  # in a reports folder
RUN_MARKER = ".crm-analysis-run"  # in a run folder
_TMP = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]{8}$")


def is_run_folder(path: Path) -> bool:
    """A run folder written by this suite (marker or provenance file)."""
    return path.is_dir() and ((path / RUN_MARKER).is_file() or (path / "provenance.json").is_file())


def owns_index(folder: Path) -> bool:
    """True when ``folder`` is a reports folder of the suite (its ``index.html`` may be written)."""
    return (folder / MARKER).is_file()


def claim_reports_dir(folder: Path) -> bool:
    """Mark ``folder`` as a reports folder unless it holds someone else's ``index.html``.

    Returns whether the index may be written there.
    """
    if (folder / MARKER).is_file():
        return True
    if (folder / "index.html").exists() or is_run_folder(folder) or not folder.is_dir():
        return False
    try:
        (folder / MARKER).write_text("crm-analysis reports folder: index.html is written by crm-analysis\n", "utf-8")
    except OSError:
        return False
    return True


def check_writable(path: Path, what: str) -> None:
    """Refuse a destination whose nearest existing ancestor is not a writable folder."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ParameterError(f"{what} {str(path)!r}: {str(probe)!r} is a file, not a folder; expected a folder "
                             "that can be created")
    if not os.access(probe, os.W_OK | os.X_OK) or str(probe.resolve()).startswith(("/proc", "/sys")):
        raise ParameterError(f"{what} {str(path)!r}: cannot write into {str(probe)!r} (no permission); "
                             "choose a folder you can write to")


def check_output_dir(path: Path, *, force: bool) -> None:
    """An explicit ``--output-dir``: writable, and either new, an earlier run of ours, or ``force``."""
    check_writable(path.parent if path.exists() else path, "--output-dir")
    if not path.exists() or force or is_run_folder(path):
        return
    if path.is_dir() and not any(path.iterdir()):
        return
    kind = "folder" if path.is_dir() else "file"
    raise ParameterError(f"--output-dir {str(path)!r}: an existing {kind} that is not a report of crm-analysis; "
                         "choose a new folder, or pass --force to move it aside to "
                         f"{path.name}.previous (nothing is deleted)")


def free_path(path: Path, sep: str = ".") -> Path:
    """``path``, or ``path<sep>1``/``<sep>2`` … whichever does not exist yet."""
    candidate, i = path, 0
    while candidate.exists():
        i += 1
        candidate = path.with_name(f"{path.name}{sep}{i}")
    return candidate


def free_run_path(path: Path) -> Path:
    """``reports/csi-client-a``, or ``csi-client-a-2``, ``-3`` … (an earlier run keeps its path)."""
    candidate, i = path, 1
    while candidate.exists():
        i += 1
        candidate = path.with_name(f"{path.name}-{i}")
    return candidate


def tmp_name(final: Path, token: str) -> Path:
    return final.parent / f".{final.name}.tmp-{os.getpid()}-{token}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:  # EPERM: alive, someone else's
        return exc.errno == errno.EPERM
    return True


def clean_stale_tmp(folder: Path) -> list[Path]:
    """Remove temporary run folders of runs whose process is gone; returns what was removed."""
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        m = _TMP.match(p.name)
        if m and p.is_dir() and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
