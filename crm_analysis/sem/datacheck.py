"""Checks of indicator data that numpy would otherwise answer with "Singular matrix".

Called by :func:`crm_analysis.sem.estimate_pls` (on the rows it uses) and by the survey checks
(``crm-analysis validate``), so that both say the same thing in words: identical indicators,
fewer rows than a construct has indicators, a block whose indicators are perfectly collinear.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from crm_analysis.errors import InputError


def block_problems(R: np.ndarray, columns: Sequence[str], indicators: dict[str, list[str]], n: int) -> list[str]:
    """Sentences naming the columns; empty when every block's correlation matrix is invertible."""
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    pos = {c: i for i, c in enumerate(columns)}
    for construct, items in indicators.items():
        idx = [pos[x] for x in items if x in pos]
        if len(idx) < 2:
            continue
        sub = R[np.ix_(idx, idx)]
        if not np.isfinite(sub).all():
            continue  # constant columns are reported by the callers
        pairs = [(items[a], items[b]) for a in range(len(idx)) for b in range(a + 1, len(idx))
                 if abs(sub[a, b]) >= 1 - 1e-9]
        for a, b in pairs:
            if (a, b) not in seen:
                seen.add((a, b))
                out.append(f"indicator columns {a!r} and {b!r} ({construct}) are identical or perfectly correlated "
                           f"in the {n} rows used; one adds nothing: drop one of them from the model")
        if pairs:
            continue
        if n <= len(idx):
            out.append(f"construct {construct!r} has {len(idx)} indicators but only {n} rows are used; "
                       f"at least {len(idx) + 1} rows are needed (and in practice many more)")
        elif np.linalg.cond(sub) > 1e12:
            out.append(f"the indicators of construct {construct!r} ({', '.join(items)}) are perfectly collinear "
                       "(one is a combination of the others); drop one of them")
    return out


def check_indicator_data(X: np.ndarray, columns: Sequence[str], indicators: dict[str, list[str]]) -> None:
    """Raise :class:`InputError` for the problems of :func:`block_problems` on complete rows ``X``."""
    problems = problems_of(X, columns, indicators)
    if problems:
        raise InputError("data: " + "; ".join(problems))


def problems_of(X: Any, columns: Sequence[str], indicators: dict[str, list[str]]) -> list[str]:
    X = np.asarray(X, dtype=float)
    X = X[np.isfinite(X).all(axis=1)]
    n = len(X)
    if n < 2:
        return []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        Xc = X - X.mean(axis=0)
        sd = np.sqrt((Xc ** 2).sum(axis=0))
        R = (Xc.T @ Xc) / np.outer(sd, sd)
    return block_problems(R, columns, indicators, n)
