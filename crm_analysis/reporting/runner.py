"""Run one notebook through papermill into a complete run folder, atomically.

The run is written to a hidden temporary folder beside its destination and moved into place
only when complete, so a failed or interrupted run never overwrites or half-writes an earlier
report. A failed run is kept as ``<dest>.failed`` with the partly executed notebook and
``error.txt``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import ParameterError
from .context import RESULTS_FILE, RUN_DIR_ENV
from .exports import parse_formats, write_exports
from .lang_cells import source_for
from ..readers import READ_OPTIONS_ENV, ReadOptions
from .notes import KERNEL_STARTUP, LANG_ENV, collect_into_results, summary_lines
from .notebooks import NotebookSpec, get_notebook, project_root
from .output_dir import (RUN_MARKER, check_output_dir, check_writable, claim_reports_dir, clean_stale_tmp,
                         free_path, free_run_path, owns_index, tmp_name)
from .params import validate_parameters
from .quiet import kernel_stderr_to

KERNEL_NAME = "crm-analysis"


@dataclass
class RunRequest:
    """A notebook run, with parameters already validated (see :func:`prepare_run`)."""

    spec: NotebookSpec
    parameters: dict[str, Any]
    output_dir: Path
    with_code: bool = False
    lang: str = "en"
    strict: bool = False  # any warning fails the run
    reading: dict[str, Any] = field(default_factory=dict)  # how data files are read (readers.ReadOptions)
    explicit_output: bool = False  # --output-dir given: an existing run there is moved aside, not renamed
    notes: list[str] = field(default_factory=list)  # said before the run (e.g. an optional section skipped)
    formats: tuple[str, ...] = ("html",)  # also report.pdf, tables.xlsx, slides.pptx (exports.py)


@dataclass
class RunOutcome:
    """What a run produced (``ok`` false: ``error`` says which cell failed and why)."""

    notebook: str
    output_dir: Path
    ok: bool
    error: str | None = None
    results: dict[str, Any] = field(default_factory=dict)
    moved_aside: Path | None = None  # where an earlier report at --output-dir was moved
    index: Path | None = None  # the index page refreshed, if the folder is a reports folder of ours

    @property
    def headline(self) -> str | None:
        return self.results.get("headline")

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Warnings and notes raised while the notebook ran (``results.json``'s ``warnings``)."""
        return list(self.results.get("warnings") or [])


def default_reports_dir() -> Path:
    """``./reports`` of the current folder: never inside the installed package."""
    return Path.cwd() / "reports"


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def prepare_run(notebook: str, given: dict[str, Any] | None = None, *, text_names: set[str] | None = None,
                output_dir: str | Path | None = None, run_name: str | None = None, lang: str | None = None,
                with_code: bool = False, reports_dir: str | Path | None = None,
                base_dir: Path | None = None, base_dirs: dict[str, Path] | None = None,
                force: bool = False, strict: bool = False,
                reading: dict[str, Any] | None = None, formats: Any = None) -> RunRequest:
    """Validate everything about a run before any kernel starts."""
    spec = get_notebook(notebook)
    given = dict(given or {})
    text_names = set(text_names or ())
    if lang is not None:
        if "lang" not in spec.parameters:
            raise ParameterError(f"notebook {spec.name!r} has no 'lang' parameter, so --lang cannot be used")
        given["lang"] = lang
        text_names.discard("lang")
    values = validate_parameters(spec, given, text_names=text_names, base_dir=base_dir, base_dirs=base_dirs)
    from .preflight import preflight

    reading_options = ReadOptions(**(reading or {})).to_dict()
    # the checks of `validate`, before any kernel starts, reading the files as the run will
    with _env(READ_OPTIONS_ENV, json.dumps(reading_options)):
        notes = preflight(spec.name, spec.path, values)
    if run_name is not None and (not run_name or any(c in run_name for c in "/\\") or run_name.startswith(".")):
        raise ParameterError(f"run name {run_name!r}: expected a plain folder name (no '/' and not starting with '.')")
    explicit = output_dir is not None
    if explicit:
        check_output_dir(Path(output_dir).resolve(), force=force)
    else:
        # a timestamp, plus the language when one was asked for (an en and a zh run of the same
        # notebook prepared in the same millisecond must not share a folder)
        stamp = _now().strftime("%Y%m%d-%H%M%S-%f")[:-3] + (f"-{lang}" if lang else "")
        output_dir = Path(reports_dir or default_reports_dir()) / f"{spec.name}-{run_name or stamp}"
        check_writable(Path(output_dir).resolve().parent, "reports folder")
    return RunRequest(spec=spec, parameters=values, output_dir=Path(output_dir).resolve(),
                      with_code=with_code, lang=str(values.get("lang", "en")), explicit_output=explicit,
                      notes=notes, strict=strict, reading=reading_options,
                      formats=parse_formats(formats))


def kernel_name() -> str:
    """The suite's registered kernel if present (``make`` registers it) and it runs this Python,
    else ``python3`` (a kernel of this interpreter); a stale ``crm-analysis`` kernel left by
    another environment must not run the notebooks with another installation."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        python = spec.argv[0] if spec.argv else ""
        # compared as paths, not resolved: two environments' pythons link to the same binary
        same = python in ("python", "python3") or os.path.abspath(python) == os.path.abspath(sys.executable)
        return KERNEL_NAME if same else "python3"
    except Exception:  # not registered, or a broken kernelspec folder: must not stop a run
        return "python3"


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


#: the thread pools of the BLAS libraries numpy may use, and numexpr's
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                         "NUMEXPR_NUM_THREADS")


@contextmanager
def _blas_threads() -> Iterator[None]:
    """A report's kernel computes with one BLAS thread unless the user set a number.

    Summation order depends on the thread count, so with the machine's default a report's last
    digits would depend on its cores, and parallel runs (``report --jobs``, a Dask worker: one
    thread) would differ from a serial run. One thread costs nothing measurable here (a csi run:
    14.3-14.9 s with one thread, 15.2-15.6 s with two) and keeps two kernels from fighting over
    the cores.
    """
    with ExitStack() as stack:
        for name in BLAS_THREAD_VARIABLES:
            if name not in os.environ:
                stack.enter_context(_env(name, "1"))
        yield


def _describe_error(exc: BaseException, executed: Path) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        first_line = (exc.source or "").strip().splitlines()[:1]
        # papermill counts cells of the executed copy (0-based, with its injected cell); say the
        # cell's number in the notebook the user has (1-based), as JupyterLab would show it.
        number = exc.cell_index + 1
        try:
            import nbformat

            cells = nbformat.read(str(executed), as_version=4).cells[: exc.cell_index]
            number -= sum("injected-parameters" in c.get("metadata", {}).get("tags", []) for c in cells)
        except Exception:  # the partial notebook may be unreadable; keep papermill's count
            pass
        where = f"cell {number} of {executed.name}" + (f" (execution count {exc.exec_count})" if exc.exec_count else "")
        return f"{where} failed: {exc.ename}: {exc.evalue}" + (f"\n  in: {first_line[0]}" if first_line else "")
    return f"{type(exc).__name__}: {exc}"


def execute(request: RunRequest, *, command: list[str] | None = None) -> RunOutcome:
    """Execute a prepared run; write notebook, HTML, results, provenance and figures."""
    import nbformat
    import papermill as pm

    from .html import input_files, notebook_to_html
    from .provenance import build_provenance

    logging.getLogger("papermill").setLevel(logging.ERROR)  # we validate parameters ourselves
    spec, final = request.spec, request.output_dir
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_tmp(final.parent)  # left by an interrupted run
        tmp = tmp_name(final, uuid.uuid4().hex[:8])
        tmp.mkdir()
        (tmp / RUN_MARKER).write_text("crm-analysis run folder\n", "utf-8")
    except OSError as exc:
        raise ParameterError(f"cannot create the run folder in {str(final.parent)!r}: {exc.strerror or exc}") from None
    out_nb = tmp / f"{spec.name}.ipynb"
    kernel = kernel_name()
    started = _now()
    error: str | None = None
    try:
        with _env(RUN_DIR_ENV, str(tmp)), _env("MPLBACKEND", "module://matplotlib_inline.backend_inline"), \
                _env(LANG_ENV, request.lang), _env(READ_OPTIONS_ENV, json.dumps(request.reading)), \
                _blas_threads(), kernel_stderr_to(tmp / "kernel.log"):
            # the kernel's own log (e.g. ipykernel's note about TCP transport on loopback) is not
            # the user's business; errors still show, and cell output is untouched. Warnings
            # raised in the kernel are collected for the reader from the start (notes.py).
            pm.execute_notebook(source_for(spec.path, request.lang), str(out_nb), parameters=request.parameters,
                                kernel_name=kernel,
                                cwd=str(project_root()), progress_bar=False, log_output=False,
                                extra_arguments=["--IPKernelApp.log_level=ERROR",
                                                 f"--IPKernelApp.exec_lines={KERNEL_STARTUP}"])
    except Exception as exc:  # papermill raises many kinds; all end the same way
        error = _describe_error(exc, out_nb)
    except BaseException:  # Ctrl-C: no half-written folder left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finished = _now()
    notes = collect_into_results(tmp, RESULTS_FILE)
    if error is None and request.strict and notes:
        error = "--strict: " + "\n  ".join(summary_lines(notes, limit=10))
    provenance = build_provenance(
        notebook=spec.name, notebook_path=spec.path, parameters=request.parameters,
        input_names=[p.name for p in spec.parameters.values() if p.is_input
                     or (p.maybe_input and isinstance(request.parameters.get(p.name), str)
                         and Path(request.parameters[p.name]).is_absolute())],
        started=started.isoformat(timespec="seconds"), finished=finished.isoformat(timespec="seconds"),
        status="failed" if error else "ok", project_root=project_root(), kernel=kernel, command=command)
    if request.reading:
        provenance["read_options"] = request.reading
    if request.notes:  # e.g. an optional section skipped before the run
        provenance["notes"] = list(request.notes)
    (tmp / "provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=2), "utf-8")
    results_path = tmp / RESULTS_FILE
    results = json.loads(results_path.read_text("utf-8")) if results_path.exists() else {}

    if error is not None:
        (tmp / "error.txt").write_text(error + "\n", "utf-8")
        failed = place_run_folder(tmp, final, ok=False, explicit_output=request.explicit_output)[0]
        return RunOutcome(spec.name, failed, ok=False, error=f"{spec.name}: {error}\n  partial notebook kept in "
                          f"{failed / out_nb.name}", results=results)

    try:
        nb = nbformat.read(str(out_nb), as_version=4)
        # the cover, the page and the exports carry the title the summary opens with (the parameter
        # `title`, else the report's own default), so that a reader never sees two titles
        title = str((results.get("summary") or {}).get("title") or spec.title_in(request.lang))
        meta = f"{spec.name} · {started.strftime('%Y-%m-%d %H:%M')}" + "".join(f" · note: {n}" for n in request.notes)
        page = notebook_to_html(nb, title=title, meta_line=meta, parameters=request.parameters,
                                with_code=request.with_code, lang=request.lang, notes=notes,
                                inputs=input_files(provenance, results))
        (tmp / "report.html").write_text(page, "utf-8")
        write_exports(tmp, request.formats, title=title, lang=request.lang)
        if not results_path.exists():
            results_path.write_text("{}\n", "utf-8")
        final, moved = place_run_folder(tmp, final, ok=True, explicit_output=request.explicit_output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunOutcome(spec.name, final, ok=True, results=results, moved_aside=moved)


def place_run_folder(tmp: Path, final: Path, *, ok: bool, explicit_output: bool) -> tuple[Path, Path | None]:
    """Move a complete temporary run folder into place with one rename; returns (folder, moved aside).

    A failed run becomes ``<final>.failed`` (``.failed.1`` …). A successful one takes ``final``;
    an earlier run there keeps its folder (the new one gets ``-2`` …), unless the folder was
    given as ``--output-dir``: then the earlier report is moved aside to ``.previous``. ``tmp``
    must be in ``final``'s folder (a rename within one file system is atomic). Used for runs
    executed here and for those coming back from Dask workers (reporting/distributed.py).
    """
    if not ok:
        failed = free_path(final.with_name(final.name + ".failed"))
        os.replace(tmp, failed)
        return failed, None
    moved = None
    if final.is_dir() and explicit_output and not any(final.iterdir()):
        final.rmdir()  # an empty folder made for the report
    elif final.exists() and explicit_output:  # checked by prepare_run: ours, or --force
        moved = free_path(final.with_name(final.name + ".previous"))
        os.replace(final, moved)
    elif final.exists():  # an earlier run of the same name keeps its folder (and the path printed for it)
        final = free_run_path(final)
    os.replace(tmp, final)
    return final, moved


def run_notebook(notebook: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> RunOutcome:
    """Validate and execute one notebook run, then refresh the reports index.

    Examples
    --------
    >>> outcome = run_notebook("tour", {"lang": "zh"})  # doctest: +SKIP
    >>> outcome.output_dir / "report.html"  # doctest: +SKIP
    """
    command = kwargs.pop("command", None)
    request = prepare_run(notebook, parameters, **kwargs)
    for note in request.notes:
        print(f"note: {note}", file=sys.stderr)
    outcome = execute(request, command=command)
    outcome.index = update_index(request)
    return outcome


def update_index(request: RunRequest) -> Path | None:
    """Refresh ``index.html`` beside the run, only in a reports folder of the suite."""
    from .index import write_index

    folder = request.output_dir.parent
    if owns_index(folder) or (not request.explicit_output and claim_reports_dir(folder)):
        return write_index(folder)
    return None
