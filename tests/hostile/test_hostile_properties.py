"""Property tests: every reader, fed malformed input, answers with the package's own error, its
problem list, or a valid result — never another exception (a traceback from pandas/numpy/yaml)."""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_analysis import csi, maturity, segment
from crm_analysis.errors import CRMAnalysisError
from crm_analysis.sem.model import Model
from crm_analysis.validation import validate_file

SETTINGS = settings(max_examples=int(__import__("os").environ.get("HOSTILE_EXAMPLES", 60)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

CELLS = st.one_of(
    st.integers(-3, 12).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "NA", "nan", "x", "7,5", "(12.50)", "1,234.50", "$3", "€4", "inf", "-inf", "1e308",
                     "1997-01-01", "19970101", "03/04/1998", "9999-12-31", "2020-01-01T10:00+01:00", "true",
                     '"quoted, comma"', '"', "F001", "R1", "０", "七", "\ufeff", "\t", "0x1F", "00012"]),
    st.text(max_size=6),
)
SEPS = st.sampled_from([",", ";", "\t", " ", "|"])


@st.composite
def delimited(draw, names):
    sep = draw(SEPS)
    header = draw(st.lists(st.one_of(st.sampled_from(names), st.text(max_size=5)), min_size=0, max_size=len(names) + 2))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(names) + 2), max_size=12))
    lines = [sep.join(header)] + [sep.join(r) + draw(st.sampled_from(["", sep])) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@st.composite
def mutated(draw, header, rows):
    """A valid file with a few hostile edits: cells replaced, rows repeated or dropped, blank lines,
    a trailing separator, another separator or encoding."""
    sep = draw(st.sampled_from([",", ";", "\t"]))
    table = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 4))):
        i, j = draw(st.integers(0, len(table) - 1)), draw(st.integers(0, len(header) - 1))
        table[i][j] = draw(CELLS).replace(sep, "")
    if draw(st.booleans()):
        table.insert(draw(st.integers(0, len(table))), list(table[draw(st.integers(0, len(table) - 1))]))
    lines = [sep.join(header)] + [sep.join(r) for r in table]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(["", " ", sep * len(header)])))
    end = draw(st.sampled_from(["", sep]))
    text = "\n".join([lines[0]] + [ln + end for ln in lines[1:]]) + "\n"
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))


def _valid_tx():
    import random

    rng = random.Random(1)
    return [[str(rng.randint(1, 15)), f"1997-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             f"{rng.uniform(-5, 80):.2f}"] for _ in range(40)]


def _valid_survey():
    import random

    rng = random.Random(2)
    return [[str(rng.randint(1, 10)) for _ in range(4)] + [rng.choice(["m", "f"])] for _ in range(40)]


def _valid_assessments():
    frame = maturity.simulate(12, n_raters=2, seed=4)
    rows = [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return list(map(str, frame.columns)), rows


ASSESS_HEADER, ASSESS_ROWS = _valid_assessments()


# One folder for the whole module, removed when the test session ends (hypothesis makes thousands
# of examples; a folder each, left behind, filled /tmp).
_ROOT = tempfile.TemporaryDirectory(prefix="hostile-")


def _file(raw: bytes, suffix: str = ".csv") -> Path:
    folder = Path(tempfile.mkdtemp(dir=_ROOT.name))
    path = folder / f"input{suffix}"
    path.write_bytes(raw)
    return path


def _quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except CRMAnalysisError:
            return None


SURVEY_NAMES = ["id", "q1", "q2", "q3", "q4", "gender", "CUSA1"]
TX_NAMES = ["customer_id", "date", "dollar_value", "number_of_cds"]
ASSESS_NAMES = ["firm", "rater", "SAT1", "SAT2", "LOY1", "ENG1", "expert_level", "outcome_x"]


@SETTINGS
@given(st.one_of(delimited(SURVEY_NAMES), mutated(["q1", "q2", "q3", "q4", "gender"], _valid_survey())),
       st.sampled_from([None, (1, 10), (0, 1)]),
       st.sampled_from([None, "A =~ q1 + q2; B =~ q3 + q4; B ~ A", "ecsi"]))
def test_survey_reader(raw, scale, model):
    path = _file(raw)
    problems = csi.check_survey(path, scale, model=model)
    assert all(p.severity in ("error", "warning") for p in problems)
    survey = _quietly(csi.read_survey, path, scale, model=model)
    if survey is not None:
        assert not [p for p in problems if p.severity == "error"]  # read and check agree
        assert all(pd.api.types.is_float_dtype(survey.data[c]) for c in survey.items)
    assert all(p.severity in ("error", "warning") for p in validate_file(path, "survey", scale=scale))


@SETTINGS
@given(st.one_of(delimited(TX_NAMES), mutated(["customer_id", "date", "dollar_value"], _valid_tx())),
       st.sampled_from(["drop", "keep"]))
def test_transactions_reader(raw, returns):
    path = _file(raw)
    problems = validate_file(path, "transactions")
    out = _quietly(segment.read_transactions, path, returns=returns)
    if out is not None:
        if returns == "drop":  # validate assumes the reader's defaults
            assert not [p for p in problems if p.severity == "error"]  # validate and the reader agree
        assert pd.api.types.is_datetime64_any_dtype(out["date"]) and out["dollar_value"].notna().all()
        table = _quietly(segment.rfm, out, returns=returns)
        assert table is None or len(table) <= out["customer_id"].nunique()


@SETTINGS
@given(st.one_of(delimited(ASSESS_NAMES), mutated(ASSESS_HEADER, ASSESS_ROWS)))
def test_assessment_reader(raw):
    path = _file(raw)
    problems = maturity.check_assessments(path)
    assert isinstance(problems, list)
    assert all(p.severity in ("error", "warning") for p in validate_file(path, "assessment"))
    _quietly(maturity.read_assessments, path)


SUITE_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
              st.sampled_from(["tour", "csi", "maturity", "frameworks", "false", "en", "zh", "../x", "/proc/x"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["notebook", "name", "lang", "with_code", "parameters",
                                                             "output_dir", "runs", "bootstrap", "data", "x"]),
                                            inner, max_size=4)),
    max_leaves=12)


@SETTINGS
@given(st.one_of(SUITE_VALUES, st.text(max_size=60)))
def test_suite_yaml(value):
    import yaml

    from crm_analysis.reporting.suite import load_suite, prepare_suite

    text = value if isinstance(value, str) else yaml.safe_dump(value, allow_unicode=True)
    path = _file(text.encode("utf-8"), ".yaml")
    suite = _quietly(load_suite, path)
    if suite is not None:
        runs = [dict(r, lang=r.get("lang")) for r in suite["runs"]]
        _quietly(prepare_suite, runs, base_dir=path.parent, reports_dir=path.parent / "reports")


MODEL_TOKENS = st.sampled_from(["A", "B", "q1", "q2", "=~", "<~", "~", "~~", "+", "*", ";", "\n", "#", "1", "0.5",
                                "(", ")", ":=", "Satisfaction", "é", " ", "=", "~~~", "NA*"])


@SETTINGS
@given(st.one_of(st.lists(MODEL_TOKENS, max_size=14).map(" ".join), st.text(max_size=40)))
def test_model_text(text):
    m = _quietly(Model, text)
    if m is not None:
        assert m.constructs
        df = pd.DataFrame({c: [1.0, 2.0, 3.0, 4.0, 2.0, 5.0] for c in m.all_indicators})
        _quietly(csi.check_survey, df, model=m)
