"""Report suites on several cores or a Dask cluster (``crm-analysis report --jobs N / --scheduler``).

Each run is one Dask task: papermill with its own kernel, on a worker. The worker executes the
run into a scratch folder of its own (so no two runs, and no two machines, ever share a
temporary folder), packs the finished folder into a tar archive and returns its bytes; this
process unpacks it into a hidden folder beside the destination and renames it into place with
:func:`runner.place_run_folder`, exactly as a run executed here. So a run folder appears
complete or not at all, wherever the run was executed, and only this process writes into the
reports folder (``index.html`` included).

Failures: a run whose notebook fails, whose task raises, or whose worker dies is reported and
submitted once more; after a second failure it is reported as failed (a ``.failed`` folder when
the notebook failed) while the other runs go on. At most as many runs are in flight as the
cluster has worker threads (or ``jobs``), so a dying worker takes down only the run it was
executing. On a cluster of our own (``jobs`` / ``"local"``) the scheduler hands a run whose
worker died straight back (``allowed-failures: 0``) so that this module's single retry is the
only one; a remote scheduler keeps its own setting (Dask's default re-runs such a task up to
3 times before giving up, then this module retries once).

Inputs are read by the worker: on a remote cluster the data files (and the notebooks, when
given by path) must be visible there under the same absolute paths, e.g. a shared file system.
Numbers: on this machine a run's kernel has this process's environment, and every report kernel
computes with one BLAS thread (``runner._blas_threads``, as Dask's workers do), so
``results.json`` equals a serial run's to the last bit, here or on a remote worker.
"""
from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import shutil
import socket
import sys
import tarfile
import tempfile
import uuid
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import ParameterError
from .output_dir import clean_stale_tmp, tmp_name
from .runner import RunOutcome, RunRequest, execute, place_run_folder, update_index

ATTEMPTS = 2  # a failed run is retried once
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?/?$")


def check_parallel_options(jobs: Any, scheduler: Any, *, cli: bool = False) -> tuple[int | None, str | None]:
    """Validate ``jobs`` and ``scheduler`` before any run starts; returns them normalised.

    Parameters
    ----------
    jobs : int, str or None
        Runs at once: worker processes on this machine, or with a remote ``scheduler`` the most
        runs in flight (default: every worker thread of the cluster). ``None``: 1 without a
        scheduler.
    scheduler : str or None
        ``None`` (this machine), ``"local"`` (a local cluster of ``jobs`` workers, default one per
        core) or a scheduler address such as ``tcp://10.0.0.5:8786``.
    cli : bool
        Name the options as the command line spells them (``--jobs``).

    Raises
    ------
    ParameterError
        Naming the option and what was expected.
    """
    jobs_name, sched_name = ("--jobs", "--scheduler") if cli else ("jobs", "scheduler")
    if jobs is not None:
        if isinstance(jobs, str) and re.fullmatch(r"\s*\d+\s*", jobs):
            jobs = int(jobs)
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ParameterError(f"{jobs_name}: expected a whole number >= 1 (runs at once), got {jobs!r}")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not (scheduler == "local" or _ADDRESS.match(scheduler.strip())):
            raise ParameterError(f"{sched_name}: expected 'local' or a Dask scheduler address such as "
                                 f"tcp://10.0.0.5:8786, got {scheduler!r}")
        scheduler = scheduler.strip()
    return jobs, scheduler


def connect(jobs: int | None, scheduler: str | None, runs: int) -> tuple[Any, list[Any]]:
    """A ``distributed.Client`` for the suite and what to close afterwards.

    As ``sem.study``'s ``client=``: ``"local"`` or nothing starts a LocalCluster here (worker
    *processes* of one thread each: a run's kernel and its figures are per process), an address
    connects to a running scheduler.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None or scheduler == "local":
        workers = max(1, min(jobs or os.cpu_count() or 1, runs))
        # our scheduler: a run whose worker dies comes straight back to us, to be retried once
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            # no dashboard; its HTTP server on a free port (8787 may be another cluster's)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"})
        client = Client(cluster)
        return client, [client, cluster]
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"--scheduler: cannot reach a Dask scheduler at {scheduler!r}: {exc}") from exc
    return client, [client]


def _pack(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:  # figures are compressed already
        tar.add(str(folder), arcname=".")
    return buf.getvalue()


@contextmanager
def _worker_logs_to_terminal() -> Iterator[None]:
    """Keep the worker's own log lines (e.g. "event loop was unresponsive") out of the run folder.

    During a run fd 2 is the run's ``kernel.log`` (runner.py); a worker's log handlers write to
    fd 2 from other threads, so they are pointed at a copy of the real stderr meanwhile.
    """
    handlers = []
    for name in ("", "distributed", "dask"):
        for handler in logging.getLogger(name).handlers:
            try:
                if type(handler) is logging.StreamHandler and handler.stream.fileno() == 2:
                    handlers.append(handler)
            except (AttributeError, OSError, ValueError):  # a stream without a file descriptor
                pass
    if not handlers:
        yield
        return
    copy = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="backslashreplace")
    old = [handler.setStream(copy) for handler in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, old):
            handler.setStream(stream)
        copy.close()


@contextmanager
def _environ(values: dict[str, str] | None) -> Iterator[None]:
    """This process's environment is ``values`` (when given) while a run's kernel starts, then again its own."""
    if values is None:
        yield
        return
    own = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(own)


def execute_task(request: RunRequest, command: list[str] | None = None,
                 environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The Dask task: execute one run into a scratch folder of this worker; return it packed.

    ``environ``: the whole environment of the run's kernel (default: this worker's).
    Returns ``ok``, ``error`` (``None`` when ok), ``folder`` (the scratch path, named in the
    error text), ``results``, ``archive`` (the run folder as tar.gz bytes) and ``host``.
    """
    try:
        from distributed import get_worker

        base = Path(get_worker().local_directory)  # removed with the worker, also if it is killed
    except (ImportError, ValueError):  # called outside a worker (tests, debugging)
        base = Path(tempfile.gettempdir())
    spec = request.spec
    if not spec.path.is_file():  # another machine with the package elsewhere: find the notebook by name
        from .notebooks import get_notebook

        spec = get_notebook(spec.name)
    work = Path(tempfile.mkdtemp(prefix="crm-analysis-run-", dir=base))
    try:
        local = dataclasses.replace(request, spec=spec, output_dir=work / request.output_dir.name,
                                    explicit_output=False)
        with _worker_logs_to_terminal(), _environ(environ):
            outcome = execute(local, command=command)
        return {"ok": outcome.ok, "error": outcome.error, "folder": str(outcome.output_dir),
                "results": outcome.results, "archive": _pack(outcome.output_dir), "host": socket.gethostname()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _extract(archive: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        if hasattr(tarfile, "data_filter"):  # no absolute paths, links out of dest or devices
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            tar.extractall(dest)


def place_returned(request: RunRequest, payload: dict[str, Any]) -> RunOutcome:
    """Unpack a run folder returned by a worker beside its destination and rename it into place."""
    final = request.output_dir
    tmp = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_tmp(final.parent)
        tmp = tmp_name(final, uuid.uuid4().hex[:8])
        tmp.mkdir()
        _extract(payload["archive"], tmp)
        folder, moved = place_run_folder(tmp, final, ok=payload["ok"], explicit_output=request.explicit_output)
    except (OSError, tarfile.TarError) as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        return RunOutcome(request.spec.name, final, ok=False, results=payload.get("results") or {},
                          error=f"{request.spec.name}: executed on {payload.get('host')}, but its folder could not "
                                f"be written to {str(final.parent)!r}: {exc}")
    error = payload["error"]
    if error:  # the worker's scratch path → where the folder is now
        error = error.replace(payload["folder"], str(folder))
    return RunOutcome(request.spec.name, folder, ok=payload["ok"], error=error,
                      results=payload.get("results") or {}, moved_aside=moved)


def _describe_failure(exc: BaseException) -> str:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return "the Dask worker executing it died (KilledWorker)"
    return f"{type(exc).__name__}: {exc}"


def run_distributed(requests: list[RunRequest], *, jobs: int | None = None, scheduler: str | None = None,
                    progress: bool = True, command: list[str] | None = None) -> list[RunOutcome]:
    """Execute prepared runs as Dask tasks; outcomes in the order of ``requests``.

    Parameters
    ----------
    requests : list of RunRequest
        Validated runs (:func:`suite.prepare_suite`).
    jobs : int, optional
        Worker processes of a local cluster; with a remote ``scheduler``, the most runs in flight.
    scheduler : str, optional
        ``"local"`` or a scheduler address (``tcp://host:8786``); see :func:`check_parallel_options`.
    progress : bool
        A progress bar over the suite (on stderr).
    command : list of str, optional
        The command line, for each run's ``provenance.json``.
    """
    from tqdm.auto import tqdm

    jobs, scheduler = check_parallel_options(jobs, scheduler)
    if not requests:
        return []
    # A LocalCluster's nannies run in this process and set its environment for their workers (one
    # BLAS thread, a malloc setting: distributed.nanny.pre-spawn-environ); the kernels on this
    # machine get the environment from before, as in a serial run, and this process gets it back
    # afterwards. A remote worker keeps its own.
    local = scheduler in (None, "local")
    own_environ = dict(os.environ)
    environ = own_environ if local else None

    def restore_environ() -> None:
        if local:
            os.environ.clear()
            os.environ.update(own_environ)

    try:
        client, to_close = connect(jobs, scheduler, len(requests))
    except BaseException:
        restore_environ()
        raise
    from distributed import as_completed

    outcomes: list[RunOutcome | None] = [None] * len(requests)
    attempts = [0] * len(requests)
    pending = deque(range(len(requests)))
    running: dict[Any, int] = {}
    queue = as_completed()
    bar = tqdm(total=len(requests), desc="reports", unit="run", disable=not progress)
    for request in requests:
        for note in request.notes:
            bar.write(f"note: {request.output_dir.name}: {note}", file=sys.stderr)

    def submit_more() -> None:
        # as many runs in flight as worker threads: a dying worker takes only its own run along
        window = max(1, sum(client.nthreads().values()))
        if jobs is not None and not local:  # --jobs caps a shared cluster's share
            window = min(window, jobs)
        while pending and len(running) < window:
            i = pending.popleft()
            attempts[i] += 1
            future = client.submit(execute_task, requests[i], command, environ, pure=False,
                                   key=f"crm-analysis-run-{requests[i].output_dir.name}-{attempts[i]}-{uuid.uuid4().hex}")
            running[future] = i
            queue.add(future)

    try:
        submit_more()
        for future in queue:
            i = running.pop(future)
            name = requests[i].output_dir.name
            payload: dict[str, Any] | None = None
            try:
                payload = future.result()
                error = payload["error"] if not payload["ok"] else None
            except Exception as exc:  # the task raised, or its worker died
                error = _describe_failure(exc)
            future.release()
            if error is not None and attempts[i] < ATTEMPTS:
                first = error.strip().splitlines()[0] if error.strip() else error
                bar.write(f"retrying {name} (attempt {attempts[i]} of {ATTEMPTS} failed: {first})", file=sys.stderr)
                pending.appendleft(i)
            else:
                if payload is not None:
                    outcome = place_returned(requests[i], payload)
                else:
                    outcome = RunOutcome(requests[i].spec.name, requests[i].output_dir, ok=False,
                                         error=f"{requests[i].spec.name}: {error} (after {attempts[i]} attempts)")
                outcome.index = update_index(requests[i])  # only here, never on a worker: one writer
                outcomes[i] = outcome
                bar.set_postfix_str(name)
                bar.update(1)
            submit_more()
    finally:
        bar.close()
        for future in running:
            future.cancel()
        for thing in to_close:
            try:
                thing.close()
            except Exception:  # closing a cluster that lost its workers must not hide the real error
                pass
        restore_environ()
    return [o for o in outcomes if o is not None]
