"""Hostile corpus: `crm-analysis run` on the suite's notebooks refuses bad inputs before a kernel
starts, with the problems themselves (the same as `validate`), and skips an unusable optional section."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.hostile.corpus import Case, run_case

ROOT = Path(__file__).resolve().parents[2]
ASSESS = pd.read_csv(ROOT / "data" / "maturity_sample.csv", dtype={"firm": str, "rater": str})
FIRMS = ASSESS["firm"].unique()


def _assess(frame):
    return frame.to_csv(index=False)


def _skipped_dimension():
    d = ASSESS.copy()
    d.loc[d["firm"] == FIRMS[0], [c for c in d.columns if c.startswith("LOY")]] = np.nan
    return _assess(d)


def _tied():
    d = ASSESS.copy()
    d[[c for c in d.columns if c[:3] in ("SAT", "LOY", "ENG", "SRV", "IMG")]] = 3
    return _assess(d)


def _no_kernel(folder, text):
    assert not any(p.name.endswith(".failed") for p in folder.rglob("*")), "a kernel ran"


SURVEY = (ROOT / "data" / "ecsi_synthetic.csv").read_text("utf-8")

CASES = [
    Case("model-typo", ["run", "csi", "-p", "model", "ecsii"], 2, says=("parameter 'model'", "did you mean 'ecsi'")),
    Case("missing-model-file", ["run", "csi", "-p", "model", "models/mine.txt"], 2,
         says=("model file", "models/mine.txt", "not found")),
    Case("model-names-a-column-not-in-the-file", ["run", "csi", "-p", "model", "Satisfaction =~ CUSA1 + CUSA9"], 2,
         says=("indicator column(s) not in the file", "'CUSA9'", "the run was not started")),
    Case("target-typo", ["run", "csi", "-p", "target", "Satisfation"], 2,
         says=("parameter 'target'", "did you mean 'Satisfaction'")),
    Case("bootstrap-absurd", ["run", "csi", "-p", "bootstrap", "1000000000"], 2,
         says=("parameter 'bootstrap'", "100,000")),
    Case("maturity-unknown-firm", ["run", "maturity", "-p", "firm", "NOPE"], 2,
         says=("parameter 'firm'", "'NOPE'", "F001")),
    Case("maturity-bootstrap-absurd", ["run", "maturity", "-p", "bootstrap", "1000000000"], 2,
         says=("parameter 'bootstrap'",)),
    Case("maturity-single-firm", ["run", "maturity", "-p", "assessments", "a.csv"], 2,
         files={"a.csv": _assess(ASSESS[ASSESS["firm"] == FIRMS[0]])}, says=("1 firm(s)", "at least 10"),
         check=_no_kernel),
    Case("maturity-three-firms", ["run", "maturity", "-p", "assessments", "a.csv"], 2,
         files={"a.csv": _assess(ASSESS[ASSESS["firm"].isin(FIRMS[:3])])}, says=("3 firm(s)",)),
    Case("maturity-dimension-skipped", ["run", "maturity", "-p", "assessments", "a.csv"], 2,
         files={"a.csv": _skipped_dimension()}, says=(f"firm {FIRMS[0]}: no score on loyalty",)),
    Case("maturity-all-answers-tied", ["run", "maturity", "-p", "assessments", "a.csv"], 2,
         files={"a.csv": _tied()}, says=("column 'SAT1': every answer is 3",)),
    Case("validate-agrees-dimension-skipped", ["validate", "a.csv", "--kind", "assessment"], 1,
         files={"a.csv": _skipped_dimension()}, says=(f"firm {FIRMS[0]}: no score on loyalty",)),
    Case("validate-agrees-tied", ["validate", "a.csv", "--kind", "assessment"], 1,
         files={"a.csv": _tied()}, says=("every answer is 3",)),
    Case("tour-bad-transactions", ["run", "tour", "-p", "transactions", "t.csv"], 2,
         files={"t.csv": "customer_id,date,dollar_value\na,1997-01-01,x\nb,9999-12-31,3\n"},
         says=("non-numeric amount(s) on line 2", "outside the years 1678-2261 on line 3", "the run was not started")),
    Case("frameworks-unknown-scheme", ["run", "frameworks", "-p", "schemes", "rfm,clv"], 2,
         says=("parameter 'schemes'", "'mean_split'")),
    Case("maturity-bad-thresholds", ["run", "maturity", "-p", "thresholds", "4.5,3"], 2,
         says=("parameter 'thresholds'",)),
    Case("frameworks-ambiguous-calibration-end", ["run", "frameworks", "-p", "calibration_end", "03/04/1998"], 2,
         says=("ambiguous date", "1998-04-03")),
    Case("csi-survey-problems-listed", ["run", "csi", "-p", "data", "s.csv"], 2,
         files={"s.csv": SURVEY.replace("\n7,8,7,8,9", "\n7,8,7,8,99", 1)},
         says=("1 answer(s) outside the declared scale 1-10 on line 2", "the run was not started")),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_run(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)


def _one_value_group():
    lines = SURVEY.strip().splitlines()
    return "\n".join([lines[0]] + [ln.rsplit(",", 1)[0] + ",male" for ln in lines[1:]]) + "\n"


def _small_group():
    lines = SURVEY.strip().splitlines()
    return "\n".join([lines[0]] + [ln.rsplit(",", 1)[0] + (",female" if i < 5 else ",male")
                                    for i, ln in enumerate(lines[1:])]) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("content, why", [(_one_value_group(), "1 distinct value"), (_small_group(), "fewer than 10")],
                         ids=["one-value-group", "group-of-5"])
def test_unusable_group_skips_the_section_not_the_report(content, why, tmp_path, capsys, monkeypatch):
    from crm_analysis.cli import main

    (tmp_path / "s.csv").write_text(content)
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "csi", "-p", "data", "s.csv", "-p", "estimator", "pls", "-p", "bootstrap", "100",
               "--output-dir", "out"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "group comparison skipped" in err and why in err
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov["parameters"]["group"] is None and "group comparison skipped" in prov["notes"][0]
    assert "group comparison skipped" in (tmp_path / "out" / "report.html").read_text()


def test_run_and_validate_print_the_same_problems(tmp_path, capsys, monkeypatch):
    from crm_analysis.cli import main

    (tmp_path / "t.csv").write_text("customer_id,date,dollar_value\na,1997-01-01,x\nb,9999-12-31,3\n,1997-01-03,4\n")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "t.csv", "--kind", "transactions"]) == 1
    said = [ln.split("error: ", 1)[1] for ln in capsys.readouterr().out.splitlines() if "error: " in ln]
    assert main(["run", "tour", "-p", "transactions", "t.csv"]) == 2
    err = capsys.readouterr().err
    listed = [ln.strip()[2:] for ln in err.splitlines() if ln.strip().startswith("- ")]
    assert len(said) == 3 and listed == said


def test_suite_run_names_the_run_with_bad_data(tmp_path, capsys, monkeypatch):
    from crm_analysis.cli import main

    (tmp_path / "t.csv").write_text("customer_id,date,dollar_value\na,1997-01-01,x\n")
    (tmp_path / "suite.yaml").write_text("runs:\n  - {notebook: tour, parameters: {transactions: t.csv}}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "-f", "suite.yaml"]) == 2
    err = capsys.readouterr().err
    assert "run 1 (tour)" in err and "non-numeric amount(s) on line 2" in err


@pytest.mark.slow
def test_skipped_group_is_said_in_the_report_language(tmp_path, capsys, monkeypatch):
    """A Chinese report says in Chinese that its group comparison was skipped (header line and provenance)."""
    from crm_analysis.cli import main

    (tmp_path / "s.csv").write_text(_small_group())
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "csi", "--lang", "zh", "-p", "data", "s.csv", "-p", "estimator", "pls", "-p", "bootstrap", "100",
               "--output-dir", "out"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "未进行组间比较" in err and "少于 10 行" in err
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert "未进行组间比较" in prov["notes"][0]
    assert "group comparison skipped" not in (tmp_path / "out" / "report.html").read_text()
