"""Model syntax, builder and validation (crm_analysis.sem.model)."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from crm_analysis.csi import satisfaction_model
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import Model, ModelBuilder, ModelSyntaxError
from crm_analysis.sem.model import as_model


def test_parse_ecsi() -> None:
    m = satisfaction_model()
    assert m.constructs == ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    assert m.indicators["VAL"] == ["val1", "val2", "val3", "val4"]
    assert set(m.modes.values()) == {"A"}
    assert m.structural_paths == [
        ("IMAG", "EXPE"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("QUAL", "VAL"),
        ("IMAG", "SAT"), ("EXPE", "SAT"), ("QUAL", "SAT"), ("VAL", "SAT"),
        ("IMAG", "LOY"), ("SAT", "LOY"),
    ]
    assert m.exogenous == ["IMAG"]
    assert m.endogenous == ["EXPE", "QUAL", "VAL", "SAT", "LOY"]
    assert len(m.all_indicators) == 27 and m.all_indicators[:2] == ["imag1", "imag2"]
    assert m.order() == ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    assert m.predecessors("SAT") == ["IMAG", "EXPE", "QUAL", "VAL"]
    assert m.successors("IMAG") == ["EXPE", "SAT", "LOY"]
    pm = m.path_matrix()
    assert pm.loc["SAT", "VAL"] == 1 and pm.loc["VAL", "SAT"] == 0 and pm.to_numpy().sum() == 10


def test_continuations_comments_semicolons_and_merging() -> None:
    m = Model(
        """
        X =~ a +   # trailing plus continues
             b
           + c      ! lavaan-style comment too
        Y <~ d ; Y <~ e
        Z =~
            f
        Y ~ X
        Z ~ X
        Z ~ Y
        """
    )
    assert m.indicators == {"X": ["a", "b", "c"], "Y": ["d", "e"], "Z": ["f"]}
    assert m.modes == {"X": "A", "Y": "B", "Z": "A"}
    assert m.structural_paths == [("X", "Y"), ("X", "Z"), ("Y", "Z")]


def test_order_is_topological_not_textual() -> None:
    m = Model("Y =~ y1\nX =~ x1\nW =~ w1\nY ~ X\nX ~ W")
    assert m.constructs == ["Y", "X", "W"]
    assert m.order() == ["W", "X", "Y"]


def test_unicode_names() -> None:
    m = Model("满意度 =~ 满意1 + 满意2\n形象 =~ 形象1\n满意度 ~ 形象")
    assert m.structural_paths == [("形象", "满意度")]


@pytest.mark.parametrize(
    "text, line, token, fragment",
    [
        ("X =~ a b", 1, "b", "expected '+'"),
        ("X =~ a\nY =~ 0.5*b", 2, "0.5*b", "modifiers"),
        ("\n\nX = a", 3, "=", "did you mean '=~'"),
        ("=~ a", 1, "=~", "must start with a name"),
        ("X =~ a\nX", 2, "X", "expected an operator"),
        ("X =~ a +", 1, "+", "ends with '+'"),
        ("X =~ a + + b", 1, "+", "expected a name"),
        ("X =~ a\nX <~ b", 2, "X", "one measurement mode"),
        ("X =~ a + a", 1, "a", "listed twice"),
        ("X =~ a\nY =~ b\nY ~ X\nY ~ X", 4, "X", "given twice"),
        ("X =~ a\nY =~ b\n# comment\nY ~ Z", 4, "Z", "not a construct"),
        ("X =~ a\nY =~ a", 2, "a", "used by two constructs"),
        ("X =~ a\nY =~ b\nY ~ X\nX ~ Y", 3, "Y", "cycle: Y -> X -> Y"),
        ("X =~ a\nX ~ X", 2, "X", "points to itself"),
        ("X =~ a\nY =~ X", 2, "X", "higher-order"),
        ("X =~ a\nZ =~ c\nY =~ X + b", 3, "X", "mixes constructs"),
        ("X =~ a\nX ~~ q", 2, "q", "neither a construct nor an indicator"),
    ],
)
def test_syntax_errors_name_line_and_token(text: str, line: int, token: str, fragment: str) -> None:
    with pytest.raises(ModelSyntaxError) as info:
        Model(text)
    err = info.value
    assert isinstance(err, InputError)
    assert err.line == line, str(err)
    assert err.token == token, str(err)
    assert f"line {line}" in str(err) and fragment in str(err)


def test_longer_cycle_is_spelled_out() -> None:
    with pytest.raises(InputError, match=r"cycle: (X -> Y -> Z -> X|Y -> Z -> X -> Y|Z -> X -> Y -> Z)"):
        Model("X =~ a\nY =~ b\nZ =~ c\nY ~ X\nZ ~ Y\nX ~ Z")


def test_empty_text_and_wrong_type() -> None:
    with pytest.raises(ModelSyntaxError, match="empty"):
        Model("  # nothing\n\n")
    with pytest.raises(InputError, match="str"):
        Model(42)  # type: ignore[arg-type]


def test_builder_equals_text() -> None:
    text = "IMAG =~ i1 + i2\nQUAL <~ q1 + q2\nSAT =~ s1 + s2\nSAT ~ IMAG + QUAL"
    built = (
        ModelBuilder()
        .reflective("IMAG", ["i1", "i2"])
        .composite("QUAL", ["q1", "q2"])
        .reflective("SAT", ["s1", "s2"])
        .paths(["IMAG", "QUAL"], "SAT")
        .build()
    )
    assert built == Model(text)
    chained = Model.build().reflective("IMAG", ["i1", "i2"]).composite("QUAL", ["q1", "q2"])
    chained = chained.reflective("SAT", ["s1", "s2"]).path("IMAG", "SAT").path("QUAL", "SAT").build()
    assert chained == built
    assert Model.from_dict(
        {"IMAG": ["i1", "i2"], "QUAL": ["q1", "q2"], "SAT": ["s1", "s2"]},
        paths={"SAT": ["IMAG", "QUAL"]},
        modes={"QUAL": "B"},
    ) == built
    assert Model.from_dict(
        {"IMAG": ["i1", "i2"], "QUAL": ["q1", "q2"], "SAT": ["s1", "s2"]},
        paths=[("IMAG", "SAT"), ("QUAL", "SAT")],
        modes={"QUAL": "B"},
    ) == built


def test_builder_validation() -> None:
    with pytest.raises(InputError, match="'X' has no indicators"):
        ModelBuilder().reflective("X", []).build()
    with pytest.raises(InputError, match="not a construct"):
        ModelBuilder().reflective("X", ["a"]).path("X", "Y").build()
    with pytest.raises(InputError, match="used by two constructs"):
        ModelBuilder().reflective("X", ["a"]).composite("Y", ["a"]).build()
    with pytest.raises(InputError, match="cycle"):
        ModelBuilder().reflective("X", ["a"]).reflective("Y", ["b"]).path("X", "Y").path("Y", "X").build()
    with pytest.raises(InputError, match="composite\\(mode\\)"):
        ModelBuilder().composite("X", ["a"], mode="C")
    with pytest.raises(InputError, match="non-empty name"):
        ModelBuilder().reflective("", ["a"])
    with pytest.raises(InputError, match="modes=.*'Z'"):
        Model.from_dict({"X": ["a"]}, modes={"Z": "B"})
    with pytest.raises(InputError, match="no constructs"):
        ModelBuilder().build()


def test_to_text_round_trip_and_pickle() -> None:
    m = Model("Y =~ y1 + y2\nX <~ x1 + x2\nW =~ w1\nY ~ X\nW ~ X\nY ~ W\nx1 ~~ x2")
    again = Model(m.to_text())
    assert again == m
    assert again.structural_paths == [("X", "Y"), ("X", "W"), ("W", "Y")]
    assert again.covariances == [("x1", "x2")]
    assert pickle.loads(pickle.dumps(m)) == m
    assert Model(m) == m
    assert "3 constructs, 5 indicators, 3 structural paths" in repr(m)
    assert hash(m) == hash(again)


def test_construct_of_and_as_model() -> None:
    m = satisfaction_model()
    assert m.construct_of["val3"] == "VAL" and list(m.construct_of) == m.all_indicators
    assert as_model(m) is m and as_model(m.to_text()) == m
    with pytest.raises(ParameterError, match="model: expected a crm_analysis.sem.Model"):
        as_model(3)


def test_views_are_copies() -> None:
    m = satisfaction_model()
    m.indicators["IMAG"].append("zzz")
    m.constructs.append("zzz")
    m.modes["IMAG"] = "B"
    assert "zzz" not in m.indicators["IMAG"] and "zzz" not in m.constructs
    assert m.modes["IMAG"] == "A"


def test_with_indicators_and_modes() -> None:
    m = satisfaction_model()
    m2 = m.with_indicators({"LOY": ["loy1", "loy3"], "IMAG": ["imag1"]})
    assert m2.indicators["LOY"] == ["loy1", "loy3"] and m2.indicators["IMAG"] == ["imag1"]
    assert m2.indicators["SAT"] == m.indicators["SAT"]
    assert m2.structural_paths == m.structural_paths
    assert m.indicators["LOY"] == ["loy1", "loy2", "loy3", "loy4"]  # original untouched
    with pytest.raises(InputError, match="not constructs"):
        m.with_indicators({"NOPE": ["a"]})
    with pytest.raises(InputError, match="used by two constructs"):
        m.with_indicators({"LOY": ["sat1"]})
    with pytest.raises(InputError, match="no indicators"):
        m.with_indicators({"LOY": []})
    m3 = m.with_modes({"QUAL": "B"})
    assert m3.modes["QUAL"] == "B" and m.modes["QUAL"] == "A"
    assert "QUAL <~ qual1" in m3.to_text()


def test_check_data() -> None:
    m = Model("X =~ a + b + c\nY <~ d + e\nY ~ X")
    good = pd.DataFrame({"a": [1.0], "b": [2], "c": [True], "d": [1], "e": [np.nan], "extra": ["s"]})
    m.check_data(good)
    bad = pd.DataFrame({"a": [1.0], "c": ["x"], "e": [1]})
    with pytest.raises(InputError) as info:
        m.check_data(bad, name="survey.csv")
    msg = str(info.value)
    assert msg.startswith("survey.csv:")
    assert "'b' (X)" in msg and "'d' (Y)" in msg and "2 indicator column(s) missing" in msg
    assert "not numeric: 'c'" in msg
    with pytest.raises(InputError, match="DataFrame"):
        m.check_data(np.zeros((2, 5)))  # type: ignore[arg-type]
