"""The checks a run's inputs get before its kernel starts — the same ones ``crm-analysis validate`` makes.

A notebook of the suite checks its own inputs too, but a problem found inside the kernel costs a
kernel start and ends as a ``.failed`` folder; found here, the run is refused with every problem
listed (file, column, line, what was expected), exactly as ``validate`` prints them. Notebooks
without an entry in :data:`CHECKS` (e.g. a user's own) are not checked here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..errors import InputError, ParameterError
from ..i18n import t

MAX_BOOTSTRAP = 100_000  # resamples; more is memory, not precision


def _listing(path: Any, problems: list[Any], kind: str) -> str:
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    lines = "\n".join(f"  - {str(p).removeprefix('error: ')}" for p in errors)
    return (f"{path}: {len(errors)} problem(s) found (the same as `crm-analysis validate {path} --kind {kind}` "
            f"prints); the run was not started:\n{lines}")


def _bootstrap(values: dict[str, Any], least: int = 0) -> None:
    b = values.get("bootstrap")
    if isinstance(b, int) and not least <= b <= MAX_BOOTSTRAP:
        raise ParameterError(f"parameter 'bootstrap': {b} is not allowed; expected {least} to {MAX_BOOTSTRAP:,} "
                             "resamples (a few thousand are plenty for 95% intervals)")


def _csi(values: dict[str, Any]) -> list[str]:
    from ..csi.survey import check_scale, check_survey, resolve_model, survey_columns

    notes: list[str] = []
    _bootstrap(values, 100)
    scale = check_scale((values["scale_min"], values["scale_max"]))
    data = values["data"]
    try:
        columns = survey_columns(data)
    except InputError as exc:
        raise InputError(str(exc)) from None
    try:
        model = resolve_model(values["model"], columns)
    except (InputError, ParameterError) as exc:
        raise ParameterError(f"parameter 'model': {exc}") from None
    problems = check_survey(data, scale, model=model, missing=values.get("missing", "listwise"),
                            estimator=values.get("estimator", "pls"))
    if any(p.severity == "error" for p in problems):
        raise InputError(_listing(data, problems, "survey"))
    target = values.get("target")
    if target is not None and target not in model.constructs:
        import difflib

        close = difflib.get_close_matches(str(target), model.constructs, n=1)
        raise ParameterError(f"parameter 'target': {target!r} is not a construct of the model"
                             + (f" (did you mean {close[0]!r}?)" if close else "")
                             + f"; expected one of {', '.join(model.constructs)}")
    if target is not None and not model.predecessors(target):
        raise ParameterError(f"parameter 'target': {target!r} has no drivers in the model (no path leads to it); "
                             "expected a construct with predecessors, e.g. "
                             + ", ".join(c for c in model.constructs if model.predecessors(c)))
    group = values.get("group")
    lang = values.get("lang") if values.get("lang") in ("en", "zh") else "en"  # the note is shown in the report
    if group is not None and group in columns:
        group_problems = [p for p in check_survey(data, scale, model=model, group=group,
                                                  missing=values.get("missing", "listwise"),
                                                  estimator=values.get("estimator", "pls"), lang=lang)
                          if p.severity == "error" and p.column == group]
        if not group_problems:
            from ..csi.survey import read_survey

            survey = read_survey(data, scale, model=model, group=group, missing=values.get("missing", "listwise"),
                                 estimator=values.get("estimator", "pls"))
            rows = survey.data
            if values.get("missing", "listwise") == "listwise" or values.get("estimator") in ("cbsem", "both"):
                rows = rows.dropna(subset=survey.items)
            sizes = rows[group].dropna().value_counts()
            small = sizes[sizes < 10]
            if len(small):
                sizes_text = ", ".join(f"{k}: {v}" for k, v in small.items())
                group_problems = [type("P", (), {"message": t(
                    f"group(s) {sizes_text} have fewer than 10 complete rows; too few to estimate the model per group",
                    f"组 {sizes_text} 的完整记录少于 10 行，不足以分组估计模型", lang)})()]
        if group_problems:
            # an optional section: the report is written without it, and the command says why (in the
            # report's language: the note also heads the report)
            values["group"] = None
            notes.append(t(f"group comparison skipped: column {group!r}: {group_problems[0].message}",
                           f"未进行组间比较：列 {group!r}：{group_problems[0].message}", lang))
    return notes


def _transactions(values: dict[str, Any]) -> list[str]:
    from ..segment.reader import transaction_problems
    from ..validation import read_table

    path = values["transactions"]
    frame, problems = read_table(path)
    if frame is not None and not frame.empty:
        problems = problems + transaction_problems(frame, customer=values.get("customer", "customer_id"),
                                                   date=values.get("date", "date"),
                                                   amount=values.get("amount", "dollar_value"),
                                                   returns=values.get("returns", "drop"))
    if any(p.severity == "error" for p in problems):
        raise InputError(_listing(path, problems, "transactions"))
    if "calibration_end" in values:
        from ..segment.rfm import to_day

        to_day(values["calibration_end"], "parameter 'calibration_end'")
    if "schemes" in values:
        from ..segment.evaluate import _check_schemes

        try:
            _check_schemes(values["schemes"])
        except ParameterError as exc:
            raise ParameterError(f"parameter 'schemes': {exc}") from None
    return []


def _maturity(values: dict[str, Any]) -> list[str]:
    from ..maturity import load_instrument
    from ..maturity.requirements import report_problems
    from ..validation import check_assessment, read_table

    _bootstrap(values, 10)
    try:
        inst = load_instrument(values.get("instrument"))
    except (InputError, ParameterError) as exc:
        raise ParameterError(f"parameter 'instrument': {exc}") from None
    from ..maturity.grading import check_thresholds

    try:
        check_thresholds(values.get("thresholds"), values.get("scheme", "three_level"), inst)
    except (InputError, ParameterError) as exc:
        raise ParameterError(f"parameter 'thresholds': {exc}") from None
    path = values["assessments"]
    frame, problems = read_table(path)
    if frame is not None and not frame.empty:
        problems = problems + check_assessment(frame, instrument=inst)
        if not any(p.severity == "error" for p in problems):
            problems = problems + report_problems(frame, inst)
    if any(p.severity == "error" for p in problems):
        raise InputError(_listing(path, problems, "assessment"))
    firm = values.get("firm")
    if firm is not None:
        firms = sorted(set(frame["firm"].astype(str).str.strip()))
        if str(firm) not in firms:
            raise ParameterError(f"parameter 'firm': {firm!r} is not a firm of {path}; expected one of "
                                 f"{', '.join(firms[:10])}" + (" ..." if len(firms) > 10 else ""))
    return []


CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "csi": _csi, "frameworks": _transactions, "tour": _transactions, "maturity": _maturity,
}


def preflight(notebook: str, path: Path, values: dict[str, Any]) -> list[str]:
    """Check a suite notebook's inputs (``values`` may be adjusted: an unusable optional section is
    switched off); returns notes to print. Raises :class:`InputError` / :class:`ParameterError`."""
    from .notebooks import notebooks_dir

    check = CHECKS.get(notebook)
    if check is None or path.parent != notebooks_dir():
        return []
    return check(values)
