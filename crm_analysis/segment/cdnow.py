"""The 2,357-customer CDNOW sample on which the BG/NBD and Gamma-Gamma papers report their fits."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from crm_analysis.errors import InputError

_IDS_FILE = Path(__file__).with_name("cdnow_sample_ids.json")


@lru_cache(maxsize=1)
def sample_ids() -> tuple[str, ...]:
    """Master-file ids (zero-padded text, as in ``data/cdnow_master.txt``) of the 1/10 sample."""
    return tuple(json.loads(_IDS_FILE.read_text("utf-8"))["ids"])


def cdnow_sample(tx: pd.DataFrame, customer: str = "customer_id") -> pd.DataFrame:
    """Rows of ``tx`` (the full CDNOW master file) that belong to the 2,357-customer sample.

    Fader, Hardie & Lee (2005) fit BG/NBD on a 1/10 random sample of the 23,570 customers of the
    CDNOW cohort; the sample's ids are shipped with this package (taken from the MIT-licensed
    ``lifetimes`` package's ``CDNOW_sample.txt``), so the published figures can be reproduced
    from ``data/cdnow_master.txt``.

    Examples
    --------
    >>> from crm_analysis import segment
    >>> tx = segment.read_transactions("data/cdnow_master.txt")  # doctest: +SKIP
    >>> cdnow_sample(tx)["customer_id"].nunique()  # doctest: +SKIP
    2357
    """
    if customer not in tx.columns:
        raise InputError(f"missing column {customer!r}; the data has {', '.join(map(repr, map(str, tx.columns)))}")
    ids = tx[customer].astype(str).str.strip()
    if pd.api.types.is_integer_dtype(tx[customer].dtype):
        ids = ids.str.zfill(5)
    out = tx.loc[ids.isin(set(sample_ids()))]
    if out.empty:
        raise InputError(f"none of the 2,357 CDNOW sample ids (e.g. '00004') is in column {customer!r}; "
                         f"expected the CDNOW master file")
    return out
