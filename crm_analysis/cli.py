"""The ``crm-analysis`` command: list, run, report, validate, init (papermill's conventions)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .errors import CRMAnalysisError, ParameterError


def _load_params_file(path: str) -> dict[str, Any]:
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"parameters file {path!r} not found")
    try:
        data = yaml.safe_load(p.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameters file {path!r}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"parameters file {path!r}: expected a mapping of name: value")
    return data


def _add_read_options(p: argparse.ArgumentParser, *, for_run: bool = False) -> None:
    """--encoding --sep --decimal --sheet --header-row: how data files are read (else detected)."""
    where = "data files the notebook reads" if for_run else "the file"
    p.add_argument("--encoding", help=f"text encoding of {where}: utf-8, gb18030, gbk, utf-16, cp1252 … "
                                      "(default: detected: UTF-8 with or without BOM, UTF-16, GB18030)")
    p.add_argument("--sep", help=f"column separator of {where}: , ; tab | space (default: detected)")
    p.add_argument("--decimal", choices=(".", ","), help="decimal mark (default: detected; ',' as in 3,5)")
    p.add_argument("--sheet", help="Excel: the sheet's name or number counted from 1 (default: the first)")
    p.add_argument("--header-row", type=int, metavar="N", help="the row holding the column names, counted from 1 "
                                                               "(default 1)")


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", default="html", metavar="html,pdf,xlsx,pptx",
                   help="what to write beside report.html: pdf (report.pdf), xlsx (tables.xlsx), pptx (slides.pptx)")


def _read_options(args: argparse.Namespace) -> dict[str, Any]:
    from .readers import ReadOptions, parse_sheet

    options = ReadOptions(encoding=args.encoding, sep=args.sep, decimal=args.decimal, sheet=parse_sheet(args.sheet),
                          header_row=args.header_row)  # checked here, before any kernel starts
    return {k: v for k, v in vars(options).items() if v is not None}


def cmd_list(args: argparse.Namespace) -> int:
    from .reporting.notebooks import list_notebooks

    specs = list_notebooks()
    if args.json:
        import json

        print(json.dumps({n: {"title": s.title, "summary": s.summary, "kind": s.kind, "parameters": {
            p.name: {"type": p.type, "default": p.default, "help": p.help, "choices": p.choices, "input": p.is_input}
            for p in s.parameters.values()}} for n, s in specs.items()}, ensure_ascii=False, indent=2, default=str))
        return 0
    for name, spec in specs.items():
        if spec.kind == "learn" and name == next(n for n, s in specs.items() if s.kind == "learn"):
            print("Learning path (notebooks/learn/) / 学习路径\n")
        title = " / ".join(dict.fromkeys(v for v in (spec.title.get("en"), spec.title.get("zh")) if v))
        print(f"{name}  —  {title}" + (f"\n    {spec.summary}" if spec.summary else ""))
        for p in spec.parameters.values():
            extra = f"  [one of: {', '.join(map(str, p.choices))}]" if p.choices else ""
            extra += "  [input file]" if p.is_input else ""
            print(f"    {p.name}: {p.type} = {p.default!r}" + (f"  — {p.help}" if p.help else "") + extra)
        print()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .reporting.runner import run_notebook

    given: dict[str, Any] = {}
    text_names: set[str] = set()
    base_dirs: dict[str, Path] = {}  # a path in a YAML file is relative to that file's folder
    for path in args.parameters_file or []:
        values = _load_params_file(path)
        given.update(values)
        base_dirs.update(dict.fromkeys(values, Path(path).resolve().parent))
    for name, value in args.parameters or []:
        given[name] = value
        text_names.add(name)
        base_dirs.pop(name, None)  # typed on the command line: relative to the current folder
    from .reporting.progress import label_for, ticking

    with ticking(label_for(args.notebook, given)):
        outcome = run_notebook(args.notebook, given, text_names=text_names, output_dir=args.output_dir,
                               run_name=args.name, lang=args.lang, with_code=args.with_code,
                               reports_dir=args.reports_dir, base_dirs=base_dirs, force=args.force,
                               command=sys.argv, strict=args.strict, reading=_read_options(args),
                               formats=args.format)
    _print_warnings(outcome)
    if not outcome.ok:
        print(f"error: {outcome.error}", file=sys.stderr)
        return 1
    if outcome.index is None and not args.output_dir:
        print(f"note: index.html not written: {outcome.output_dir.parent} is not a reports folder of crm-analysis "
              "(it has an index.html of its own)", file=sys.stderr)
    if outcome.moved_aside is not None:
        print(f"note: the earlier contents of {outcome.output_dir} were moved to {outcome.moved_aside}", file=sys.stderr)
    print(f"{outcome.output_dir / 'report.html'}" + (f"\n{outcome.headline}" if outcome.headline else ""))
    return 0


def _print_warnings(outcome: Any) -> None:
    """The run's warnings (count and first lines) on stderr; the full list is in results.json."""
    from .reporting.notes import summary_lines

    lines = summary_lines(outcome.warnings)
    if lines:
        print(f"{outcome.notebook}: " + "\n".join(lines), file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    from .reporting.notebooks import list_notebooks
    from .reporting.runner import default_reports_dir
    from .reporting.distributed import check_parallel_options
    from .reporting.suite import load_suite, prepare_suite, run_suite

    if args.all == bool(args.suite_file):
        raise ParameterError("report: give either -f SUITE.yaml or --all")
    jobs, scheduler = check_parallel_options(args.jobs, args.scheduler, cli=True)  # before any run is prepared
    langs = list(dict.fromkeys(args.lang or [None]))
    if args.all:
        runs = [{"notebook": name, "lang": lang} for name in list_notebooks() for lang in langs]
        base_dir, reports_dir = Path.cwd(), args.reports_dir
    else:
        if len(langs) > 1:
            raise ParameterError("report -f: give at most one --lang (set 'lang' per run in the suite file)")
        suite = load_suite(args.suite_file)
        runs = [dict(r, lang=r.get("lang", langs[0])) for r in suite["runs"]]
        base_dir = Path(args.suite_file).resolve().parent
        reports_dir = args.reports_dir or (base_dir / suite["reports_dir"] if suite.get("reports_dir") else None)
    requests = prepare_suite(runs, base_dir=base_dir, reports_dir=Path(reports_dir) if reports_dir else None,
                             strict=args.strict, reading=_read_options(args), formats=args.format)
    outcomes = run_suite(requests, progress=not args.no_progress, command=sys.argv, jobs=jobs,
                         scheduler=scheduler)
    failed = [o for o in outcomes if not o.ok]
    for o in outcomes:
        n_warn = sum(int(w.get("count", 1)) for w in o.warnings)
        print(("ok      " if o.ok else "FAILED  ") + str(o.output_dir) + (f"  — {o.headline}" if o.ok and o.headline else "")
              + (f"  [{n_warn} warning(s)]" if n_warn else ""))
    for o in outcomes:
        _print_warnings(o)
    index = (requests[0].output_dir.parent / "index.html") if requests else (Path(reports_dir or default_reports_dir()) / "index.html")
    from .reporting.output_dir import owns_index

    if owns_index(index.parent):
        print(f"index: {index}")
    else:
        print(f"index: not written ({index.parent} is not a reports folder of crm-analysis)")
    for o in failed:
        print(f"error: {o.error}", file=sys.stderr)
    return 1 if failed else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validation import validate_file

    options: dict[str, Any] = {}
    if args.kind == "survey":
        options.update(scale=tuple(args.scale) if args.scale else None, model=args.model, group=args.group)
    if args.kind == "transactions":
        options.update(customer=args.customer, date=args.date, amount=args.amount)
    if args.kind == "assessment":
        options["firm"] = args.firm
    problems = validate_file(args.file, args.kind, **_read_options(args), **options)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(f"{args.file}: {p}")
    print(f"{args.file}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
          + (" — OK" if not errors else ""))
    return 1 if errors else 0


def cmd_init(args: argparse.Namespace) -> int:
    from .reporting.workspace import EXAMPLE_FILE, init_workspace, register_kernel

    written = init_workspace(args.folder, force=args.force)
    if not args.no_kernel:
        print(register_kernel())
    folder = written[0].parent.parent
    n_nb = sum(p.suffix == ".ipynb" for p in written)
    print(f"{folder}: {n_nb} notebooks in notebooks/, {sum(p.parent.name == 'data' for p in written)} data files in "
          f"data/, {EXAMPLE_FILE}\nnext: cd {folder} && crm-analysis run tour -f {EXAMPLE_FILE}   "
          f"(reports go to {folder / 'reports'}); edit the notebooks with: jupyter lab notebooks/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-analysis", description="CRM analytics reports from parameterised notebooks.")
    parser.add_argument("--version", action="version", version=f"crm-analysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="every notebook with its parameters, defaults and help")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run one notebook into a report folder")
    p.add_argument("notebook", help="short name (tour, csi, frameworks, maturity, …) or a path to an .ipynb")
    p.add_argument("-p", "--parameters", nargs=2, action="append", metavar=("NAME", "VALUE"), help="set a parameter")
    p.add_argument("-f", "--parameters-file", action="append", metavar="PARAMS.yaml", help="parameters from YAML")
    p.add_argument("--output-dir", help="run folder (default reports/<notebook>-<timestamp or --name>)")
    p.add_argument("--name", help="run name used for the default folder, e.g. client-a")
    p.add_argument("--reports-dir", help="folder holding run folders and index.html (default reports/)")
    p.add_argument("--lang", choices=("zh", "en"), help="report language (sets the notebook's lang parameter)")
    p.add_argument("--with-code", action="store_true", help="keep code cells in the HTML report")
    p.add_argument("--strict", action="store_true", help="a warning raised while the notebook runs fails the run")
    _add_format(p)
    _add_read_options(p, for_run=True)
    p.add_argument("--force", action="store_true",
                   help="use an existing --output-dir that is not a report (it is moved aside to NAME.previous)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="several runs in one go, with an index page")
    p.add_argument("-f", "--file", dest="suite_file", metavar="SUITE.yaml", help="suite file listing the runs")
    p.add_argument("--all", action="store_true", help="run every notebook with its default parameters")
    p.add_argument("--lang", choices=("zh", "en"), action="append",
                   help="language for runs that do not set one; with --all, repeat it for several (--lang en --lang zh)")
    p.add_argument("--reports-dir", help="folder holding run folders and index.html (default reports/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--strict", action="store_true", help="a warning raised while a notebook runs fails that run")
    p.add_argument("--jobs", metavar="N", help="runs at once on this machine (a Dask LocalCluster of N worker "
                                               "processes; default 1: one after the other). With --scheduler: at "
                                               "most N runs in flight")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run each notebook as a task on a Dask cluster, e.g. "
                                                          "tcp://10.0.0.5:8786 ('local': one worker per core); the "
                                                          "workers must see the data files under the same paths")
    _add_format(p)
    _add_read_options(p, for_run=True)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("init", help="copy the notebooks, the default data and an example parameters file into a folder")
    p.add_argument("folder", help="the folder to create or fill (existing files are kept unless --force)")
    p.add_argument("--force", action="store_true", help="overwrite files of the same name")
    p.add_argument("--no-kernel", action="store_true",
                   help="do not register this Python as the notebooks' kernel 'Python (crm-analysis)'")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("validate", help="check a data file and print every problem found")
    p.add_argument("file")
    p.add_argument("--kind", required=True, choices=("survey", "transactions", "assessment"))
    p.add_argument("--scale", nargs=2, type=float, metavar=("MIN", "MAX"), help="survey: the answer scale, e.g. 1 10")
    p.add_argument("--model", help="survey: a preset (acsi, ecsi, ccsi, scsb) or model file to check the columns against")
    p.add_argument("--group", help="survey: the column holding groups (e.g. gender)")
    p.add_argument("--customer", default="customer_id", help="transactions: customer column")
    p.add_argument("--date", default="date", help="transactions: date column")
    p.add_argument("--amount", default="dollar_value", help="transactions: amount column")
    p.add_argument("--firm", default="firm", help="assessment: firm column")
    _add_read_options(p)
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CRMAnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the unfinished run was removed; earlier reports are untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
