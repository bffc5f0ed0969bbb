"""Hostile corpus: odd but legal inputs to the package's functions give their own errors, not numpy's."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, maturity, segment, sem
from crm_analysis.errors import InputError

MODEL = "A =~ a1 + a2 + a3; B =~ b1 + b2; B ~ A"


def _items(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 10, (n, 5)), columns=["a1", "a2", "a3", "b1", "b2"]).astype(float)


def _identical():
    x = _items()
    x["a2"] = x["a1"]
    return x


def _rank_deficient():
    x = _items()
    x["a3"] = x["a1"] + x["a2"]
    return x


@pytest.mark.parametrize("data, message", [
    (_identical(), "'a1' and 'a2' .* identical"),
    (_rank_deficient(), "construct 'A' .* perfectly collinear"),
    (_items(3), "construct 'A' has 3 indicators but only 3 rows"),
], ids=["identical-indicators", "collinear-block", "three-rows"])
def test_pls_refuses_degenerate_data_in_words(data, message):
    with pytest.raises(InputError, match=message):
        sem.estimate_pls(data, MODEL)
    if len(data) > 3:  # validate says the same
        problems = csi.check_survey(data, (1, 20), model=MODEL)
        assert any(p.severity == "error" and __import__("re").search(message, p) for p in problems), problems


def test_pls_on_bool_columns():
    fit = sem.estimate_pls(_items() > 5, MODEL)
    assert np.isfinite(fit.paths["estimate"]).all()


def test_read_survey_with_integer_column_names():
    rng = np.random.default_rng(1)
    s = csi.read_survey(pd.DataFrame(rng.integers(1, 10, (30, 3))), scale=(1, 10))
    assert s.items == ["0", "1", "2"]


def test_grade_with_a_duplicated_firm():
    scores = maturity.score(maturity.simulate(5, n_raters=2, seed=1))
    with pytest.raises(InputError, match="F001 appear on more than one row"):
        maturity.grade(pd.concat([scores, scores.iloc[:1]]))


def test_clv_with_a_customer_first_seen_on_calibration_end():
    from pathlib import Path

    from crm_analysis.segment.clv_models import clv_from_summary

    root = Path(__file__).resolve().parents[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = segment.read_transactions(root / "data" / "cdnow_master.txt")
        tx = tx[tx["customer_id"].astype(int) < 3000]
        tx.loc[len(tx) + 10**6] = {"customer_id": "99999", "date": pd.Timestamp("1997-09-30"), "number_of_cds": 1,
                                   "dollar_value": 10.0}
        summary = segment.clv_summary(tx, calibration_end="1997-09-30")
        fit = clv_from_summary(summary, 39.0)
    assert summary.loc["99999", "T"] == 0
    assert np.isfinite(fit.table.loc["99999", ["p_alive", "expected_transactions", "clv"]].astype(float)).all()


def test_fewer_rows_than_a_blocks_indicators():
    from pathlib import Path

    from crm_analysis.csi import preset

    data = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "ecsi_synthetic.csv").head(6)
    with pytest.raises(InputError, match="construct 'Quality' has 7 indicators but only 6 rows"):
        sem.estimate_pls(data, preset("ecsi", columns=list(data.columns)))


def test_long_run_shows_it_is_running_on_a_terminal():
    import io
    import time

    from crm_analysis.reporting.progress import label_for, ticking

    class Tty(io.StringIO):
        def isatty(self):
            return True
    tty, pipe = Tty(), io.StringIO()
    with ticking(label_for("csi", {"bootstrap": 50000}), tty, every=0.05):
        time.sleep(0.3)
    with ticking("x", pipe, every=0.05):
        time.sleep(0.1)
    assert "running csi (50,000 bootstrap resamples) … 0 s" in tty.getvalue()
    assert pipe.getvalue() == ""  # logs and CI get no carriage-return noise
