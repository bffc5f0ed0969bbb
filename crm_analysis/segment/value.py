"""Value-based segmentations: Buttle's strategically significant customers and IDIC differentiation."""
from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.segment.names import assign_segments
from crm_analysis.segment.rfm import _need


def _share(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 1:
        raise ParameterError(f"{name}={value!r}: expected a share strictly between 0 and 1 (e.g. 0.8)")
    return float(value)


def pareto(table: pd.DataFrame, value: str = "monetary", share: float = 0.8) -> pd.DataFrame:
    """Buttle's strategically significant customers: the top customers that make ``share`` of value.

    Customers are sorted by ``value``, largest first; the significant ones are those down to the
    customer at which the cumulative value first reaches ``share`` of the total, plus any customer
    tied with that last one (so that equal customers are never split). Customers with zero or
    negative value are never significant.

    Parameters
    ----------
    table : DataFrame
        One row per customer (e.g. from :func:`rfm`).
    value : str
        Column holding each customer's value (default ``monetary``).
    share : float
        Share of total value to cover (default 0.8, the 80/20 rule).

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``value_share`` (customer's share of the total),
        ``cumulative_share`` (share covered by this customer and all larger ones) and
        ``segment_pareto`` / ``segment_pareto_zh``. ``attrs["pareto"]`` holds the share of customers
        that are significant and the share of value they make.

    Examples
    --------
    >>> t = pd.DataFrame({"monetary": [50.0, 30, 10, 5, 5]}, index=list("abcde"))
    >>> pareto(t)["segment_pareto"].tolist()
    ['Strategically significant', 'Strategically significant', 'Other customers', 'Other customers', 'Other customers']
    """
    _need(table, (value,))
    share = _share("share", share)
    v = table[value].to_numpy(dtype=np.float64)
    if np.isnan(v).any():
        raise InputError(f"column {value!r}: {int(np.isnan(v).sum())} missing value(s); cannot rank customers")
    positive = np.where(v > 0, v, 0.0)
    total = positive.sum()
    if total <= 0:
        raise InputError(f"column {value!r}: no customer has a positive value; the Pareto split needs value")
    order = np.argsort(-positive, kind="stable")
    cum = np.cumsum(positive[order]) / total
    k = int(np.searchsorted(cum, share - 1e-12))  # first position reaching the share
    threshold = positive[order][min(k, len(v) - 1)]
    significant = (positive >= threshold) & (positive > 0)
    out = table.copy()
    out["value_share"] = positive / total
    cumulative = np.empty_like(cum)
    cumulative[order] = cum
    # ties share the cumulative share of their block's end, so equal customers look equal
    block_end = pd.Series(cumulative).groupby(positive).transform("max").to_numpy()
    out["cumulative_share"] = block_end
    idx = np.where(significant, 0, 1)
    assign_segments(out, "pareto", idx)
    out.attrs["pareto"] = {"customer_share": float(significant.mean()),
                           "value_share": float(positive[significant].sum() / total), "target": share}
    return out


def purchase_rate(table: pd.DataFrame, per_days: float = 30.0) -> pd.Series:
    """Transactions per ``per_days`` days of tenure: the model-free potential used by :func:`idic`."""
    _need(table, ("frequency", "tenure"))
    tenure = table["tenure"].to_numpy(dtype=np.float64)
    if (tenure <= 0).any():
        raise InputError("column 'tenure': must be positive (days from the first transaction to asof)")
    return pd.Series(table["frequency"].to_numpy() / tenure * per_days, index=table.index, name="potential")


def idic(table: pd.DataFrame, potential: str | pd.Series = "rate", value: str = "monetary",
         value_quantile: float = 0.8, potential_quantile: float = 0.8) -> pd.DataFrame:
    """IDIC "differentiate" step: customers by actual value × potential value (2 × 2).

    Peppers & Rogers rank customers by actual value (what they bring now) and potential
    (strategic) value (what they could bring). Transactions show the first directly; for the second
    this function uses, by default, a model-free proxy — the purchase rate over the customer's
    tenure (transactions per 30 days) — or any per-customer Series you pass (e.g. expected
    transactions from :func:`fit_bgnbd`).

    Parameters
    ----------
    table : DataFrame
        RFM table (from :func:`rfm`).
    potential : "rate" or Series
        Potential value per customer (index = the table's index).
    value : str
        Column of actual value.
    value_quantile, potential_quantile : float
        A customer is high when strictly above this quantile (default 0.8: the top 20%).

    Returns
    -------
    DataFrame
        A copy with ``potential``, ``value_high``, ``potential_high`` and ``segment_idic`` /
        ``segment_idic_zh``: most valuable & growable, most growable (MGC), most valuable (MVC),
        low-maintenance. (Below-zero customers need cost data, which transactions do not have.)

    Examples
    --------
    >>> t = pd.DataFrame({"monetary": [100.0, 90, 10, 5, 1], "frequency": [10, 1, 8, 1, 1],
    ...                   "tenure": [100, 100, 100, 100, 100]})
    >>> idic(t, value_quantile=0.6, potential_quantile=0.6)["segment_idic"].tolist()
    ['Most valuable, growable', 'Most valuable customers', 'Most growable customers', 'Low-maintenance customers', 'Low-maintenance customers']
    """
    _need(table, (value,))
    vq = _share("value_quantile", value_quantile)
    pq = _share("potential_quantile", potential_quantile)
    if isinstance(potential, str):
        if potential != "rate":
            raise ParameterError(f"potential={potential!r}: expected 'rate' or a Series of potential values per customer")
        pot = purchase_rate(table)
    elif isinstance(potential, pd.Series):
        missing = table.index.difference(potential.index)
        if len(missing):
            raise InputError(f"potential: no value for {len(missing)} customer(s) of the table (e.g. {missing[0]!r})")
        pot = potential.reindex(table.index).astype(float)
        if pot.isna().any():
            raise InputError(f"potential: {int(pot.isna().sum())} missing value(s)")
    else:
        raise ParameterError(f"potential: expected 'rate' or a pandas Series, got {type(potential).__name__}")
    v = table[value].to_numpy(dtype=np.float64)
    p = pot.to_numpy(dtype=np.float64)
    v_high = v > np.quantile(v, vq)
    p_high = p > np.quantile(p, pq)
    idx = np.select([v_high & p_high, ~v_high & p_high, v_high & ~p_high], [0, 1, 2], default=3)
    out = table.copy()
    out["potential"] = p
    out["value_high"], out["potential_high"] = v_high, p_high
    assign_segments(out, "idic", idx)
    return out
