"""Exact per-customer money totals: amounts in whole cents (or other decimal units) added as integers.

Adding floating-point amounts one after another gives a total whose last bits depend on the
order of the rows: the same transactions sorted differently, or shared out between threads,
can give two customers with equal spend slightly different totals, and a customer on a
quantile boundary can then change segment. When every amount is a whole number of units of
``10**-d`` (cents: ``d = 2``), we add the integers ``round(amount * 10**d)`` instead, which is
exact, and divide once: each total is then the double nearest the exact decimal sum, whatever
the order, the engine (numpy here, DuckDB out of core) or the number of threads.

The rule lives here twice, once for numpy and once as SQL, so that both paths apply it alike.
Amounts with more decimals than :data:`MAX_DECIMALS` (e.g. computed prices) fall back to
floating-point sums in row order.

Examples
--------
>>> import numpy as np
>>> amount = np.array([0.7, 0.2, 0.1, 19.99])
>>> decimals_of(amount)
2
>>> total_by(np.array([0, 0, 0, 1]), amount, 2, decimals_of(amount)).tolist()
[1.0, 19.99]
>>> float(np.bincount([0, 0, 0], weights=[0.7, 0.2, 0.1])[0])  # floating-point sums in row order
0.9999999999999999
>>> float(np.bincount([0, 0, 0], weights=[0.1, 0.2, 0.7])[0])  # the same rows in another order
1.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MAX_DECIMALS", "decimals_of", "total_by", "from_units", "units_sql", "total_sql", "whole_units_sql",
           "magnitude_sql", "decimals_from_sql", "ORDER"]

#: The decimals tried, in this order (cents first).
ORDER = (2, 0, 1, 3, 4)
#: At most this many decimals are added exactly (0.0001 units); beyond, floating-point sums.
MAX_DECIMALS = max(ORDER)
# every partial sum of |units| stays below 2**53 (exact in float64 and int64); a margin of 2
_LIMIT = 2.0 ** 52


def _scale(decimals: int) -> float:
    return 10.0 ** decimals


def _within_bound(magnitude: float, decimals: int) -> bool:
    """Whether amounts whose absolute values add up to ``magnitude`` stay exact in units (with room
    for the rounding of ``magnitude`` itself, which numpy and SQL add in different orders)."""
    return magnitude * _scale(decimals) * (1 + 1e-9) < _LIMIT


def _sql_number(value: float) -> str:
    return f"CAST({value!r} AS DOUBLE)"  # a bare 100.0 is a DECIMAL in DuckDB


def decimals_of(amount: np.ndarray) -> int | None:
    """Decimals ``d <= MAX_DECIMALS`` in which every amount is a whole number of units, or None.

    An amount counts as whole when ``round(amount * 10**d) / 10**d`` gives it back (it is the
    double nearest a ``d``-decimal number). ``d`` is the first of :data:`ORDER` that fits (cents
    first, the common case, which spares a database a pass per ``d``): any ``d`` that fits gives
    the same totals, each the double nearest the exact decimal sum. None when none fits, or when
    the units could add up beyond what integers in a double hold exactly.
    """
    a = np.asarray(amount, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # huge amounts overflow: not whole units then
        for d in ORDER:
            units = np.rint(a * _scale(d))
            if np.array_equal(units / _scale(d), a):
                return d if _within_bound(float(np.abs(a).sum()), d) else None
    return None


def from_units(units: np.ndarray, decimals: int) -> np.ndarray:
    """Integer unit totals back to amounts (one correctly rounded division each)."""
    return np.asarray(units, dtype=np.float64) / _scale(decimals)


def total_by(codes: np.ndarray, amount: np.ndarray, n: int, decimals: int | None) -> np.ndarray:
    """Per-code totals of ``amount``: exact in units of ``10**-decimals``, else in row order."""
    if decimals is None:
        return np.bincount(codes, weights=amount, minlength=n)
    # integers below 2**53 add exactly in float64, in any order
    return from_units(np.bincount(codes, weights=np.rint(amount * _scale(decimals)), minlength=n), decimals)


def units_sql(column: str, decimals: int) -> str:
    """SQL for one amount in integer units (as :func:`total_by` computes them)."""
    return f"CAST(round({column} * {_sql_number(_scale(decimals))}) AS BIGINT)"


def total_sql(total: str, decimals: int | None) -> str:
    """SQL for a money total as a double (0 without rows): a sum of units divided once (as
    :func:`from_units`), or, with ``decimals=None``, a floating-point sum of the amounts."""
    if decimals is None:
        return f"coalesce({total}, 0.0)"
    return f"CAST(coalesce({total}, 0) AS DOUBLE) / {_sql_number(_scale(decimals))}"


def whole_units_sql(column: str, decimals: tuple[int, ...] = ORDER) -> list[str]:
    """SQL aggregates for :func:`decimals_of`: for each of ``decimals``, whether every amount is whole.

    :func:`decimals_from_sql` reads their values with ``sum(abs(column))`` (:func:`magnitude_sql`).
    Over no rows (NULL) a check fails.
    """
    return [f"bool_and(round({column} * {_sql_number(_scale(d))}) / {_sql_number(_scale(d))} = {column})"
            for d in decimals]


def magnitude_sql(column: str) -> str:
    """SQL for the bound of :func:`decimals_from_sql`."""
    return f"sum(abs({column}))"


def decimals_from_sql(whole: dict[int, Any], magnitude: Any) -> int | None:
    """:func:`decimals_of` from the values of :func:`whole_units_sql` (by ``d``) and :func:`magnitude_sql`."""
    for d in ORDER:
        if whole.get(d):
            return d if _within_bound(float(magnitude or 0.0), d) else None
    return None
