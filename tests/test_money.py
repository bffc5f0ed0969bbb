"""Exact money totals (segment.money): the same totals in any row order, in numpy and in DuckDB."""
import warnings
from fractions import Fraction

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analysis import segment
from crm_analysis.segment import money


@pytest.mark.parametrize("amounts, expected", [
    ([19.99, 0.1, 0.2, 1250.0], 2),
    ([3.0, 7.0], 2),  # whole numbers are whole cents too: cents are tried first
    ([10.125, 0.001], 3),
    ([0.0001, 2.5], 4),
    ([1 / 3, 2.0], None),  # not a decimal with at most four places
    ([1e-5], None),
    ([5.0e13, 1.0], None),  # 5e15 cents (over 2**52) could not all be added exactly in a double
    ([-12.5, 3.25], 2),  # refunds kept
    ([1e307, 1e308, 1.0], None),  # overflows quietly: no warning reaches a report
])
def test_decimals_of(amounts, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert money.decimals_of(np.array(amounts)) == expected


cents = st.integers(min_value=-10**9, max_value=10**9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), cents), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_totals_are_the_exact_sum_whatever_the_row_order(rows, rnd):
    codes = np.array([c for c, _ in rows])
    amount = np.array([u / 100 for _, u in rows])  # the double nearest each cents amount
    assert money.decimals_of(amount) == 2
    got = money.total_by(codes, amount, 7, 2)
    for k in range(7):  # each total is the double nearest the exact decimal sum
        assert got[k] == float(Fraction(sum(u for c, u in rows if c == k), 100))
    order = list(range(len(rows)))
    rnd.shuffle(order)
    np.testing.assert_array_equal(money.total_by(codes[order], amount[order], 7, 2), got)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(cents.map(lambda u: u / 100), cents.map(lambda u: u / 1000),
                          st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=30))
def test_the_sql_rule_is_the_numpy_rule(values):
    a = np.array(values)
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"amount": a}))
    checks = con.execute(f"SELECT {', '.join(money.whole_units_sql('amount'))}, {money.magnitude_sql('amount')} "
                         "FROM t").fetchone()
    d = money.decimals_from_sql(dict(zip(money.ORDER, checks[:-1])), checks[-1])
    assert d == money.decimals_of(a)
    if d is not None:
        units = con.execute(f"SELECT {money.units_sql('amount', d)} FROM t").fetchnumpy()
        np.testing.assert_array_equal(list(units.values())[0], np.rint(a * 10.0 ** d).astype(np.int64))


def test_a_reordered_file_gives_the_same_segments(repo_root):
    """The point of exact sums: the order of the rows in a client's file changes nothing."""
    tx = segment.read_transactions(repo_root / "data" / "cdnow_master.txt")
    shuffled = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(segment.rfm(tx), segment.rfm(shuffled))
    a, b = segment.evaluate(tx), segment.evaluate(shuffled)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.table, b.table)
