"""What the maturity report needs beyond a readable assessment file (checked by ``validate`` and
before the report's kernel starts, so that both say the same): enough firms to compare, items
that vary, and a score on every dimension for every firm.

A single firm can still be graded with :func:`crm_analysis.maturity.grade` in Python; the report
evaluates the grading across firms (reliability, agreement, stability), which needs several.
"""
from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

MIN_FIRMS = 10  # the agreement and stability sections fail on 4 firms of the sample data


def report_problems(frame: pd.DataFrame, instrument: Any = None) -> list[Any]:
    """Problems (``validation.Problem``) that stop the maturity report; empty when it can run."""
    from ..validation import Problem
    from .assessments import read_assessments, score
    from .instrument import load_instrument

    inst = load_instrument(instrument)
    data = read_assessments(frame, inst)
    problems = []
    n_firms = data["firm"].nunique()
    if n_firms < MIN_FIRMS:
        problems.append(Problem("error", f"{n_firms} firm(s); the maturity report compares firms (reliability, "
                                         f"agreement, stability) and needs at least {MIN_FIRMS} (one firm's grade: "
                                         "crm_analysis.maturity.grade in Python)", "firm"))
    for item in inst.items:
        answers = data[item].dropna()
        if len(answers) and answers.nunique() == 1:
            problems.append(Problem("error", f"every answer is {answers.iloc[0]:g}; an item that does not vary "
                                             "carries no information (reliability and factor analysis are undefined)",
                                    item))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = score(data, inst)
    gaps = scores[inst.dimension_ids].isna()
    for firm, row in gaps[gaps.any(axis=1)].iterrows():
        dims = ", ".join(row.index[row])
        problems.append(Problem("error", f"firm {firm}: no score on {dims} (no rater answered at least half of its "
                                         "items); the firm cannot be graded: complete the answers or remove the firm",
                                "firm"))
    return problems
