"""Seeded synthetic transactions with known structure, for tests and the benchmark."""
from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.errors import ParameterError


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name}={value!r}: expected a positive whole number")
    return int(value)


def simulate_transactions(n_customers: int = 10_000, n_transactions: int = 100_000, *, start: str = "1997-01-01",
                          days: int = 546, acquisition_days: int = 90, seed: int = 0,
                          returns_share: float = 0.0) -> pd.DataFrame:
    """Transactions of a cohort: heterogeneous buying rates, lifetimes and spend (exact row count).

    Each customer joins on a day in the first ``acquisition_days`` (their first purchase), stays
    active for an exponential lifetime (mean half the span), buys at a rate drawn from a gamma
    distribution (the extra ``n_transactions - n_customers`` purchases are spread in proportion
    to it, at uniform days of the active life) and spends gamma-distributed amounts around a
    personal mean (itself gamma across customers), as the BG/NBD and Gamma-Gamma models assume.

    Parameters
    ----------
    n_customers, n_transactions : int
        Size; every customer has at least one transaction, so ``n_transactions >= n_customers``.
    start : str
        First day.
    days : int
        Length of the period (546 days = 78 weeks, as CDNOW).
    acquisition_days : int
        Customers' first purchases fall in the first ``acquisition_days`` days.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same data.
    returns_share : float
        Share of transactions turned into returns (negative amounts), to exercise ``returns=``.

    Returns
    -------
    DataFrame
        ``customer_id`` (int64), ``date`` (datetime64), ``dollar_value`` (float, cents), sorted by date.

    Examples
    --------
    >>> tx = simulate_transactions(100, 1000, seed=1)
    >>> len(tx), tx["customer_id"].nunique()
    (1000, 100)
    """
    n = _positive_int("n_customers", n_customers)
    total = _positive_int("n_transactions", n_transactions)
    days = _positive_int("days", days)
    acquisition_days = _positive_int("acquisition_days", acquisition_days)
    if total < n:
        raise ParameterError(f"n_transactions={total}: must be at least n_customers={n} (one purchase each)")
    if acquisition_days > days:
        raise ParameterError(f"acquisition_days={acquisition_days}: must not exceed days={days}")
    if not 0 <= returns_share < 1:
        raise ParameterError(f"returns_share={returns_share!r}: expected a share in [0, 1)")
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 1.0, n)
    first = rng.integers(0, acquisition_days, n)
    life = np.minimum(rng.exponential(days / 2, n).astype(np.int64) + 1, days - first)
    # purchases happen while active: weight the extra purchases by rate x active life
    weight = rate * life
    extra = rng.multinomial(total - n, weight / weight.sum())
    counts = 1 + extra
    customer = np.repeat(np.arange(1, n + 1, dtype=np.int64), counts)
    first_row = np.zeros(total, dtype=bool)
    first_row[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
    idx = customer - 1
    offset = (rng.random(total) * life[idx]).astype(np.int64)
    day = first[idx] + np.where(first_row, 0, offset)
    mean_spend = rng.gamma(4.0, 10.0, n)
    amount = np.round(rng.gamma(6.0, mean_spend[idx] / 6.0), 2)
    if returns_share > 0:
        back = (rng.random(total) < returns_share) & ~first_row
        amount[back] = -amount[back]
    order = np.argsort(day, kind="stable")
    dates = np.datetime64(pd.Timestamp(start).date(), "D") + day[order]
    return pd.DataFrame({"customer_id": customer[order], "date": dates.astype("datetime64[ns]"),
                         "dollar_value": amount[order]})
