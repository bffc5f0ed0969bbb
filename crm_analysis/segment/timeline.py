"""Purchases over time: transactions, buyers and revenue per period, and their plot."""
from __future__ import annotations

from typing import Any

import pandas as pd

from crm_analysis.errors import InputError, ParameterError

# pandas period codes; weeks run Monday to Sunday
FREQS = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q"}


def purchases_over_time(data: pd.DataFrame, *, customer: str = "customer_id", date: str = "date",
                        amount: str = "dollar_value", freq: str = "W") -> pd.DataFrame:
    """Transactions, distinct buyers, revenue and first-time buyers per period.

    Parameters
    ----------
    data : DataFrame
        Typed transactions (as :func:`crm_analysis.segment.read_transactions` returns them).
    customer, date, amount : str
        Column names.
    freq : {"D", "W", "M", "Q"}
        Day, week (ending Sunday), month or quarter.

    Returns
    -------
    DataFrame
        One row per period (``period`` = its first day), columns ``transactions``, ``customers``,
        ``revenue``, ``new_customers``; periods without purchases appear with zeros.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "dollar_value": [10.0, 5.0, 2.0],
    ...                    "date": pd.to_datetime(["1997-01-01", "1997-01-20", "1997-01-02"])})
    >>> purchases_over_time(tx, freq="M")[["transactions", "customers", "revenue"]].to_dict("records")
    [{'transactions': 3, 'customers': 2, 'revenue': 17.0}]
    """
    if freq not in FREQS:
        raise ParameterError(f"freq={freq!r}: expected one of {', '.join(FREQS)}")
    absent = [c for c in (customer, date, amount) if c not in data.columns]
    if absent:
        raise InputError(f"purchases_over_time: missing column(s) {absent}; the data have {list(data.columns)}")
    if not pd.api.types.is_datetime64_any_dtype(data[date]):
        raise InputError(f"purchases_over_time: column {date!r} must hold dates (read the file with read_transactions)")
    if data.empty:
        raise InputError("purchases_over_time: no transactions")
    periods = data[date].dt.to_period(FREQS[freq])
    period = periods.dt.start_time
    first = data.groupby(customer, sort=False)[date].transform("min")
    frame = pd.DataFrame({"period": period, "customer": data[customer], "amount": data[amount],
                          "is_first": data[date].eq(first)})
    grouped = frame.groupby("period")
    out = pd.DataFrame({
        "transactions": grouped.size(),
        "customers": grouped["customer"].nunique(),
        "revenue": grouped["amount"].sum(),
        # a customer's first purchase day may hold several transactions: count the customer once
        "new_customers": frame[frame["is_first"]].drop_duplicates("customer").groupby("period").size(),
    })
    full = pd.period_range(periods.min(), periods.max(), freq=FREQS[freq]).start_time
    out = out.reindex(full).fillna(0)
    out = out.astype({"transactions": "int64", "customers": "int64", "new_customers": "int64"})
    out.index.name = "period"
    return out.reset_index()


def plot_purchases_over_time(data: pd.DataFrame, *, lang: str = "en", ax: Any = None) -> Any:
    """Revenue (bars) and buyers (line) per period from :func:`purchases_over_time`; returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from crm_analysis.i18n import t

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    width = (data["period"].diff().median() or pd.Timedelta(days=7)) * 0.8
    ax.bar(data["period"], data["revenue"], width=width, color="#1f5a96", alpha=0.75,
           label=t("Revenue", "销售额", lang))
    ax.set_ylabel(t("Revenue ($)", "销售额（美元）", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax2 = ax.twinx()
    ax2.plot(data["period"], data["customers"], color="#d9822b", lw=1.8, label=t("Buyers", "购买客户数", lang))
    ax2.set_ylabel(t("Buyers", "购买客户数", lang))
    ax2.grid(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper right")
    ax.set_title(t("Purchases over time", "购买随时间的变化", lang))
    return ax
