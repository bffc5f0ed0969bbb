"""What a run was made from: parameters, package versions, code version, input file hashes."""
from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("crm-analysis", "numpy", "scipy", "pandas", "statsmodels", "semopy", "scikit-learn",
            "matplotlib", "seaborn", "papermill", "nbconvert", "ipykernel")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (``None`` when not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(folder: Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the git checkout holding ``folder``, or ``None`` outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def build_provenance(*, notebook: str, notebook_path: Path, parameters: dict[str, Any], input_names: list[str],
                     started: str, finished: str, status: str, project_root: Path, kernel: str,
                     command: list[str] | None = None) -> dict[str, Any]:
    """The content of ``provenance.json`` for one run."""
    inputs = {}
    for name in input_names:
        value = parameters.get(name)
        if value:
            inputs[name] = {"path": str(value), "sha256": sha256_file(value), "bytes": Path(value).stat().st_size}
    return {
        "notebook": notebook,
        "notebook_sha256": sha256_file(notebook_path),
        "status": status,
        "parameters": parameters,
        "inputs": inputs,
        "started": started,
        "finished": finished,
        "packages": package_versions(),
        "git": git_state(project_root),
        "kernel": kernel,
        "platform": platform.platform(),
        "command": command if command is not None else sys.argv,
    }
