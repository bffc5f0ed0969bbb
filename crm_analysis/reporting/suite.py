"""Several runs in one go (``crm-analysis report -f suite.yaml``), e.g. one per client or wave.

Suite file::

    reports_dir: reports          # optional
    runs:
      - notebook: csi
        name: wave-2025           # folder reports/csi-wave-2025 (default: a timestamp)
        lang: zh                  # optional
        with_code: false          # optional
        parameters: {bootstrap: 500, data: surveys/wave2025.csv}

Relative input paths in a suite file are relative to the suite file's folder. Every run is
validated before the first kernel starts. ``--jobs N`` / ``--scheduler ADDRESS`` execute the runs
as Dask tasks (:mod:`.distributed`); the run folders are the same.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..errors import CRMAnalysisError, ParameterError
from .runner import RunOutcome, RunRequest, execute, prepare_run, update_index

_RUN_KEYS = {"notebook", "name", "lang", "with_code", "parameters", "output_dir"}


def load_suite(path: str | Path) -> dict[str, Any]:
    """Read and check a suite file; errors name the file and the run."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"suite file {str(path)!r} not found")
    try:
        suite = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(suite, dict) or not isinstance(suite.get("runs"), list) or not suite["runs"]:
        raise ParameterError(f"{path}: expected a mapping with a non-empty list 'runs'")
    for i, run in enumerate(suite["runs"], 1):
        if not isinstance(run, dict) or "notebook" not in run:
            raise ParameterError(f"{path}: run {i}: expected a mapping with at least 'notebook'")
        extra = set(run) - _RUN_KEYS
        if extra:
            raise ParameterError(f"{path}: run {i}: unknown key(s) {sorted(extra)}; expected {sorted(_RUN_KEYS)}")
        if not isinstance(run.get("parameters", {}), dict):
            raise ParameterError(f"{path}: run {i}: 'parameters' must be a mapping")
        if not isinstance(run.get("with_code", False), bool):
            raise ParameterError(f"{path}: run {i}: with_code: {run['with_code']!r} is not valid; expected true or "
                                 "false without quotes (a quoted \"false\" is text)")
        if isinstance(run.get("name"), int) and not isinstance(run["name"], bool):
            run["name"] = str(run["name"])  # name: 2025
        for key in ("notebook", "name", "lang", "output_dir"):
            if key in run and not isinstance(run[key], str):
                raise ParameterError(f"{path}: run {i}: {key}: {run[key]!r} is not valid; expected text")
    return suite


def prepare_suite(runs: list[dict[str, Any]], *, base_dir: Path, reports_dir: Path | None,
                  strict: bool = False, reading: dict[str, Any] | None = None,
                  formats: Any = None) -> list[RunRequest]:
    requests = []
    for i, run in enumerate(runs, 1):
        try:
            requests.append(prepare_run(run["notebook"], run.get("parameters", {}), run_name=run.get("name"),
                                        lang=run.get("lang"), with_code=run.get("with_code", False) is True,
                                        output_dir=run.get("output_dir"), reports_dir=reports_dir,
                                        base_dir=base_dir, strict=strict, reading=reading,
                                        formats=formats))
        except CRMAnalysisError as exc:  # a parameter, or an input file's problems (checked like validate)
            raise type(exc)(f"run {i} ({run['notebook']}): {exc}") from None
    return requests


def run_suite(requests: list[RunRequest], *, progress: bool = True, command: list[str] | None = None,
              jobs: int | None = None, scheduler: str | None = None) -> list[RunOutcome]:
    """Execute prepared runs with a progress bar and refresh the index after each.

    Parameters
    ----------
    requests : list of RunRequest
        From :func:`prepare_suite` (every run already validated).
    progress : bool
        Show a progress bar over the suite (stderr).
    command : list of str, optional
        The command line recorded in each run's ``provenance.json``.
    jobs : int, optional
        Runs at once. ``None`` or 1 without ``scheduler``: one after the other in this process.
        More: a Dask LocalCluster of ``jobs`` worker processes (reporting/distributed.py).
    scheduler : str, optional
        ``"local"`` or a Dask scheduler address (``tcp://host:8786``): each run is a task there.

    Returns
    -------
    list of RunOutcome
        In the order of ``requests``, whichever finished first. Run folders and ``results.json``
        are those of a serial run; in parallel a failed run is retried once.
    """
    from .distributed import check_parallel_options, run_distributed

    jobs, scheduler = check_parallel_options(jobs, scheduler)
    if (jobs or 1) > 1 or scheduler is not None:
        return run_distributed(requests, jobs=jobs, scheduler=scheduler, progress=progress, command=command)
    from tqdm.auto import tqdm

    outcomes = []
    bar = tqdm(requests, desc="reports", unit="run", disable=not progress)
    for request in bar:
        bar.set_postfix_str(request.output_dir.name)
        for note in request.notes:
            bar.write(f"note: {request.output_dir.name}: {note}", file=sys.stderr)
        outcome = execute(request, command=command)
        outcome.index = update_index(request)
        outcomes.append(outcome)
    return outcomes
