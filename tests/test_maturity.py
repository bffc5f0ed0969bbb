"""Maturity grading: instrument, assessment checks, scoring, both grading schemes, agenda, simulator."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from crm_analysis import maturity
from crm_analysis.errors import InputError, ParameterError

INST = maturity.load_instrument()
DIMS = INST.dimension_ids


def raw_instrument() -> dict:
    return yaml.safe_load(maturity.DEFAULT_INSTRUMENT.read_text("utf-8"))


def blank_assessments(firms: list[str], raters: list[str] | None = None, likert: float = 3.0,
                      criteria: float = 0.0) -> pd.DataFrame:
    """One row per firm (and rater), every Likert item ``likert``, every criterion ``criteria``."""
    rows = []
    for f in firms:
        for r in raters or ["R1"]:
            row = {"firm": f, "rater": r}
            row.update({i: likert for i in INST.items})
            row.update({c: criteria for c in INST.criteria})
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# instrument

def test_packaged_instrument_meets_the_issue():
    assert DIMS == ["satisfaction", "loyalty", "engagement", "service", "image"]
    for d in INST.dimensions:
        assert len(d.items) >= 3
        assert d.name.en and d.name.zh and d.agenda
        assert any(INST.items[i].reverse for i in d.items)  # each dimension has a reverse-coded item
    for item in INST.items.values():
        assert item.text.en.endswith(".") and item.text.zh.endswith("。")
        assert item.scale == (1, 5)
    assert [lv.id for lv in INST.levels] == ["primary", "intermediate", "advanced"]
    assert [lv.name.zh for lv in INST.levels] == ["初级", "中级", "高级"]
    assert [r.name.zh for r in INST.ladder] == ["基础级管理", "满意度管理", "信任管理", "忠诚度管理", "合作伙伴管理"]
    for rung in INST.ladder:
        assert len(rung.criteria) >= 3 and rung.source.startswith("002")
    for lv in INST.levels:
        assert all(a.source.startswith("000") for a in lv.agenda)
    # the copy under data/ is the packaged file
    from pathlib import Path

    data_copy = Path(__file__).resolve().parents[1] / "data" / "maturity_instrument.yaml"
    assert data_copy.read_text("utf-8") == maturity.DEFAULT_INSTRUMENT.read_text("utf-8")


# The eight double-barrelled items of instrument 1.0 and what replaced them in 2.0 (issue 16, point 4).
SPLITS = {"SAT3": ["SAT3a", "SAT3b"], "LOY2": ["LOY2a", "LOY2b"], "SRV4": ["SRV4a", "SRV4b"],
          "IMG3": ["IMG3a", "IMG3b"], "L2_3": ["L2_3a", "L2_3b"], "L3_1": ["L3_1a", "L3_1b", "L3_1c"],
          "L3_3": ["L3_3a", "L3_3b"], "L5_3": ["L5_3a", "L5_3b"]}


def v1_raw() -> dict:
    """Instrument 1.0 rebuilt from 2.0: each split group back to its old, double-barrelled item."""
    from crm_analysis.maturity.rigour import _V1_WORDING

    raw = raw_instrument()

    def merge(entries: list[dict]) -> list[dict]:
        out, done = [], set()
        for e in entries:
            old = e.get("split_from")
            if old is None:  # 1.0 declared no double-barrelled item
                out.append({k: v for k, v in e.items() if k != "double_barrelled"})
            elif old not in done:
                done.add(old)
                out.append({**{k: v for k, v in e.items() if k != "split_from"}, "id": old,
                            "text": dict(zip(("en", "zh"), _V1_WORDING[old]))})
        return out

    raw["items"] = merge(raw["items"])
    for rung in raw["ladder"]:
        rung["criteria"] = merge(rung["criteria"])
    raw["version"] = "1.0"
    return raw


def test_instrument_2_splits_every_double_barrelled_item():
    import re

    assert INST.version == "2.0" and INST.splits == SPLITS
    assert len(INST.items) == 24 and len(INST.criteria) == 20
    all_items = {**INST.items, **INST.criteria}
    v1 = maturity.parse_instrument(v1_raw(), "v1.yaml")
    old_items = {**v1.items, **v1.criteria}
    assert len(v1.items) == 20 and len(v1.criteria) == 15  # the rebuilt 1.0 is the old instrument
    for old, new in SPLITS.items():
        assert old not in all_items  # the old id is gone, so old data cannot be silently misread
        for iid in new:
            item = all_items[iid]
            assert item.split_from == old and item.double_barrelled is None
            # stays where the old item was: same dimension and direction, or same rung
            assert (item.kind, item.dimension, item.rung, item.reverse) == \
                (old_items[old].kind, old_items[old].dimension, old_items[old].rung, old_items[old].reverse)
            # its own wording in both languages, each asking one thing (no joining word)
            assert item.text.en.endswith(".") and item.text.zh.endswith("。"), iid
            assert not re.search(r"\b(and|or)\b", item.text.en), item.text.en
            assert not re.search(r"和|或|以及|及其|并且|，并|、", item.text.zh), item.text.zh
            assert not re.search(r"[,;:?()]", item.text.zh), item.text.zh  # full-width punctuation in Chinese
        texts = [all_items[i].text for i in new]
        assert len({t.en for t in texts}) == len({t.zh for t in texts}) == len(new)
    # every dimension keeps a reverse-coded item; the split of SRV4 gives service two
    assert [i for i in INST.items_of("service") if INST.items[i].reverse] == ["SRV4a", "SRV4b"]
    # none of the split parts is flagged; four items that still join things are declared
    for lang in ("en", "zh"):
        assert maturity.double_barrelled(lang)["item"].tolist() == ["SRV2", "L1_3", "L4_1", "L5_2"]


def test_split_from_is_validated():
    raw = raw_instrument()
    raw["items"].append({"id": "SAT3", "dimension": "satisfaction", "scale": [1, 5], "reverse": False,
                         "text": {"en": "Old.", "zh": "旧。"}})
    raw["items"][6]["dimension"] = "engagement"  # LOY2a leaves loyalty, LOY2b stays
    raw["ladder"][1]["criteria"][2]["split_from"] = "L2 3"
    raw["items"][0]["double_barrelled"] = "yes"
    with pytest.raises(InputError) as err:
        maturity.parse_instrument(raw, "custom.yaml")
    msg = str(err.value)
    assert "split_from: SAT3a, SAT3b replace item 'SAT3', which is still in the instrument" in msg
    assert "the items split from 'LOY2' (LOY2a, LOY2b) must all be Likert items of one dimension" in msg
    assert "ladder[1].criteria[2] (L2_3a).split_from: expected the id of the item" in msg
    assert "items[0] (SAT1).double_barrelled: expected {en: ..., zh: ...}" in msg


def test_old_assessment_file_is_refused_naming_file_column_and_new_ids(tmp_path, repo_root):
    sample = pd.read_csv(repo_root / "data" / "maturity_sample.csv", dtype={"firm": str, "rater": str})
    old = sample.rename(columns={new[0]: o for o, new in SPLITS.items()}).drop(
        columns=[i for new in SPLITS.values() for i in new[1:]])
    path = tmp_path / "assessments_2024.csv"
    old.to_csv(path, index=False)
    problems = maturity.check_assessments(path)
    assert f"{path}: column 'SAT3' is an item of an earlier version of the instrument that asked two things at " \
           "once; it was split into SAT3a, SAT3b (one question each)." in problems[0]
    assert any(p.startswith(f"{path}: column 'L3_1' ") and "three things at once" in p
               and "split into L3_1a, L3_1b, L3_1c" in p and "cannot be carried over" in p for p in problems)
    assert sum("is an item of an earlier version" in p for p in problems) == 8
    assert not any("did you mean" in p for p in problems)  # not mistaken for a typo of SAT3a
    with pytest.raises(InputError, match=r"column 'LOY2' .* split into LOY2a, LOY2b"):
        maturity.read_assessments(path)
    # the file still reads with the instrument it was made with
    v1_path = tmp_path / "instrument_v1.yaml"
    v1_path.write_text(yaml.safe_dump(v1_raw(), allow_unicode=True, sort_keys=False), "utf-8")
    assert maturity.check_assessments(path, v1_path) == []
    assert len(maturity.score(path, v1_path)) == 120


def test_instrument_texts_are_not_split_by_commas():
    # an unquoted ASCII comma inside {en: ..., zh: ...} silently cuts a text into extra keys
    raw = raw_instrument()
    raw["items"][0]["text"] = {"en": "a", "zh": "b", "c": None}
    with pytest.raises(InputError, match=r"items\[0\] \(SAT1\)\.text: unexpected key"):
        maturity.parse_instrument(raw)


def test_instrument_lists_every_problem_with_its_key_path():
    raw = raw_instrument()
    raw["items"][0]["dimension"] = "nonsense"
    raw["items"][1]["id"] = "SAT1"
    raw["items"][2]["text"]["zh"] = ""
    raw["items"][3]["reverse"] = "yes"
    raw["items"][4]["scale"] = [1, 7]
    raw["ladder"][0]["criteria"][0]["scale"] = [0, 2]
    with pytest.raises(InputError) as err:
        maturity.parse_instrument(raw, "custom.yaml")
    msg = str(err.value)
    assert msg.startswith("custom.yaml: the instrument is not valid")
    assert "items[0] (SAT1).dimension: unknown dimension 'nonsense'" in msg
    assert "items[1].id: duplicate id 'SAT1'" in msg
    assert "items[2] (SAT3a).text.zh: missing or empty text" in msg
    assert "items[3] (SAT3b).reverse: expected true or false, got 'yes'" in msg
    assert "all Likert items must share one scale" in msg and "LOY1" in msg
    assert "ladder[0].criteria[0] (L1_1).scale" in msg


def one_item_instrument() -> maturity.Instrument:
    raw = raw_instrument()
    raw["items"] = [i for i in raw["items"] if i["dimension"] != "image" or i["id"] == "IMG1"]
    with pytest.warns(UserWarning, match="dimension 'image' has 1 item.*alpha is undefined"):
        return maturity.parse_instrument(raw, "short.yaml")


def test_one_item_dimension_loads_with_a_warning():
    inst = one_item_instrument()
    assert inst.items_of("image") == ["IMG1"]


def test_load_instrument_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        maturity.load_instrument(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [unclosed", "utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        maturity.load_instrument(bad)


# --------------------------------------------------------------------------------------------
# assessment checks (bad input named by item, firm and row)

def test_check_assessments_names_item_firm_and_row(tmp_path):
    df = blank_assessments(["A", "B", "C"], ["R1", "R2"]).astype(object)
    df.loc[1, "SAT2"] = 7  # off the scale
    df.loc[2, "LOY1"] = 3.5  # not a whole number
    df.loc[3, "ENG3"] = "often"  # not a number
    df.loc[0, "L2_1"] = 2  # criteria are 0/1
    df.loc[[4, 5], list(INST.items) + list(INST.criteria)] = None  # firm C: no answers at all
    df["SRV9"] = 1  # unknown item id
    df["expert_level"] = [1, 2, 2, 2, 3, 3]  # firm A has two expert grades
    problems = maturity.check_assessments(df)
    assert "assessments: row 1 (firm A, rater R2), item SAT2: answer 7 is outside the scale 1..5" in problems
    assert "assessments: row 2 (firm B, rater R1), item LOY1: answer 3.5 is not a whole number on the scale 1..5" \
        in problems
    assert "assessments: row 0 (firm A, rater R1), item L2_1: answer 2 is outside the scale 0..1" in problems
    assert any("row 3 (firm B, rater R2), item ENG3: 'often' is not a number" in p for p in problems)
    assert any("column 'SRV9' is not an item id of the instrument (did you mean 'SRV3'?)" in p for p in problems)
    assert "assessments: firm C has no answers (every item is empty on its 2 row(s))" in problems
    assert any("expert_level has different values on the rows of firm A" in p for p in problems)
    # read_assessments refuses with the whole list; the same checks run on a file with line numbers
    with pytest.raises(InputError, match="problem\\(s\\) in the assessments"):
        maturity.read_assessments(df)
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    from_file = maturity.check_assessments(path)
    assert f"{path}: line 3 (firm A, rater R2), item SAT2: answer 7 is outside the scale 1..5" in from_file


def test_check_assessments_structure_problems(tmp_path):
    df = blank_assessments(["A", "B"]).drop(columns=["IMG4", "L5_3b"])
    df.loc[1, "firm"] = None
    problems = maturity.check_assessments(df)
    assert any("missing Likert item column(s) IMG4" in p for p in problems)
    assert any("ladder criteria columns are incomplete; missing L5_3b " in p for p in problems)
    assert "assessments: row 1 (rater R1): empty firm id" in problems
    dup = blank_assessments(["A"], ["R1", "R1"])
    assert any("firm A, rater R1 appears on more than one row" in p for p in maturity.check_assessments(dup))
    assert maturity.check_assessments(tmp_path / "missing.csv") == [f"assessment file {str(tmp_path / 'missing.csv')!r} not found"]
    no_firm = blank_assessments(["A"]).drop(columns=["firm"])
    assert "no 'firm' column" in maturity.check_assessments(no_firm)[0]


def test_check_assessments_on_text_frames_from_validate(tmp_path):
    # crm-analysis validate reads every cell as text and wants line numbers, not index labels
    df = blank_assessments(["A", "B"]).astype(object)
    df.loc[1, "SAT1"] = 0
    path = tmp_path / "a.csv"
    df.to_csv(path, index=False)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert maturity.check_assessments(frame, source="") == [
        "line 3 (firm B, rater R1), item SAT1: answer 0 is outside the scale 1..5"]
    assert maturity.check_assessments(frame, source="a.csv")[0].startswith("a.csv: line 3 ")


def test_clean_assessments_pass_and_keep_the_callers_frame():
    df = maturity.simulate(6, n_raters=2, seed=3)
    before = df.copy()
    assert maturity.check_assessments(df) == []
    clean = maturity.read_assessments(df)
    pd.testing.assert_frame_equal(df, before)
    assert clean["firm"].tolist()[:2] == ["F001", "F001"]
    # without a rater column, rows of a firm are raters R1, R2, ... in file order
    no_rater = maturity.read_assessments(df.drop(columns=["rater"]))
    assert no_rater["rater"].tolist()[:3] == ["R1", "R2", "R1"]


# --------------------------------------------------------------------------------------------
# scoring

def test_score_reverse_coding_and_missing_rule():
    df = blank_assessments(["A", "B"], ["R1", "R2"])
    sat = ["SAT1", "SAT2", "SAT3a", "SAT3b", "SAT4"]
    assert INST.items_of("satisfaction") == sat and INST.items_of("loyalty") == ["LOY1", "LOY2a", "LOY2b", "LOY3", "LOY4"]
    # firm A, rater R1: SAT1 5, SAT2 4, SAT3a and SAT3b missing, SAT4 (reverse) 2 -> 4: mean of 5, 4, 4
    df.loc[0, sat] = [5, 4, np.nan, np.nan, 2]
    # firm A, rater R2: only one of five satisfaction items -> no score (3 needed)
    df.loc[1, sat] = [1, np.nan, np.nan, np.nan, np.nan]
    # firm B: loyalty 4, 4, 4, 4 and reverse 1 -> 5 => 4.2 for both raters
    df.loc[[2, 3], INST.items_of("loyalty")] = [4, 4, 4, 4, 1]
    with pytest.warns(UserWarning, match=r"firm A, rater R2, satisfaction \(1 of 5 items answered, 3 needed\)"):
        per_rater = maturity.score(df, level="rater")
    assert per_rater.loc[("A", "R1"), "satisfaction"] == pytest.approx(13 / 3)
    assert math.isnan(per_rater.loc[("A", "R2"), "satisfaction"])
    with pytest.warns(UserWarning):
        firm = maturity.score(df)
    # the firm score averages the raters that have one
    assert firm.loc["A", "satisfaction"] == pytest.approx(13 / 3)
    assert firm.loc["B", "loyalty"] == pytest.approx(4.2)
    assert firm.loc["B", "n_raters"] == 2
    # a looser rule (one item of five) keeps rater R2: (13/3 + 1) / 2
    firm_loose = maturity.score(df, min_answered=0.2)
    assert firm_loose.loc["A", "satisfaction"] == pytest.approx((13 / 3 + 1) / 2)


def test_score_parameters_are_checked():
    df = blank_assessments(["A"])
    with pytest.raises(ParameterError, match="level='team'"):
        maturity.score(df, level="team")
    with pytest.raises(ParameterError, match="min_answered=0"):
        maturity.score(df, min_answered=0)


# --------------------------------------------------------------------------------------------
# three-level grading, worked by hand

def hand_scores() -> pd.DataFrame:
    return pd.DataFrame({
        "firm": ["A", "B", "C", "D", "E", "F"],
        #            A    B    C    D    E    F
        "satisfaction": [2.0, 3.8, 4.5, 4.5, 3.4, 4.2],
        "loyalty": [2.5, 3.6, 4.4, 4.5, 3.4, 4.2],
        "engagement": [2.2, 3.5, 4.3, 4.5, 3.4, 4.2],
        "service": [2.8, 4.5, 4.6, 4.5, 3.4, 4.2],
        "image": [2.4, 3.9, 4.8, 3.0, 3.4, 4.2],
    })


def test_three_level_by_hand():
    g = maturity.grade(hand_scores())
    # A all low -> primary; B all >= 3.4, one >= 4.2 -> intermediate (mixed);
    # C all >= 4.2 -> advanced; D four very high but image low -> primary (weakest decides);
    # E exactly on the lower threshold -> intermediate; F exactly on the upper -> advanced
    assert g["level"].tolist() == [1, 2, 3, 1, 2, 3]
    assert g["name_en"].tolist() == ["Primary", "Intermediate", "Advanced", "Primary", "Intermediate", "Advanced"]
    assert g["name_zh"].tolist() == ["初级", "中级", "高级", "初级", "中级", "高级"]
    assert g["profile"].tolist() == ["uniform", "mixed", "uniform", "mixed", "uniform", "uniform"]
    assert g.loc["D", ["n_low", "n_high", "n_very_high"]].tolist() == [1, 0, 4]
    assert g.loc["D", "weakest"] == "image" and g.loc["A", "weakest"] == "satisfaction"
    assert g.attrs["thresholds"] == (3.4, 4.2)


def test_three_level_rules_and_thresholds():
    # the compensatory rule bands the mean: D's mean is (4 * 4.5 + 3.0) / 5 = 4.2 -> advanced
    mean_rule = maturity.grade(hand_scores(), rule="mean")
    assert mean_rule.loc["D", "level"] == 3 and mean_rule.loc["B", "level"] == 2
    # thresholds 3.0 and 4.0: B has one dimension (service 4.5) >= 4 -> still intermediate; D still primary
    custom = maturity.grade(hand_scores(), thresholds=[3.0, 4.0])
    assert custom["level"].tolist() == [1, 2, 3, 2, 2, 3]
    assert maturity.grade(hand_scores(), thresholds="3.0, 4.0")["level"].tolist() == custom["level"].tolist()
    assert maturity.grade(hand_scores(), thresholds={"intermediate": 3.0, "advanced": 4.0})["level"].tolist() == \
        custom["level"].tolist()


def test_thresholds_that_are_not_increasing_or_off_the_scale():
    with pytest.raises(ParameterError, match=r"not increasing: advanced \(3.2\) must be greater than intermediate \(4\)"):
        maturity.grade(hand_scores(), thresholds=[4.0, 3.2])
    with pytest.raises(ParameterError, match=r"not increasing: advanced \(3.5\) must be greater than intermediate"):
        maturity.check_thresholds([3.5, 3.5])
    with pytest.raises(ParameterError, match=r"advanced \(6\) is outside the scale"):
        maturity.check_thresholds([3.0, 6])
    with pytest.raises(ParameterError, match="needs two thresholds"):
        maturity.check_thresholds([3.0, 3.5, 4.0])
    with pytest.raises(ParameterError, match=r"thresholds\[1\]: 'high' is not a number"):
        maturity.check_thresholds(["3", "high"])
    with pytest.raises(ParameterError, match="rung 2: 1.5 is not a share"):
        maturity.check_thresholds([0.5, 1.5, 1, 1, 1], "five_level")
    with pytest.raises(ParameterError, match="scheme='four_level'"):
        maturity.grade(hand_scores(), "four_level")


def test_grade_from_raw_responses_equals_grade_from_scores():
    df = maturity.simulate(25, n_raters=2, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_raw = maturity.grade(df)
        from_scores = maturity.grade(maturity.score(df))
    pd.testing.assert_series_equal(from_raw["level"], from_scores["level"])


def test_grade_refuses_bad_scores():
    bad = hand_scores()
    bad.loc[2, "image"] = 9
    with pytest.raises(InputError, match="dimension score image of firm C is '9.0'; expected a number on the 1-5 scale"):
        maturity.grade(bad)
    with pytest.raises(InputError, match="missing dimension column"):
        maturity.grade(hand_scores().drop(columns=["image"]))


def test_firm_without_a_dimension_score_is_not_graded():
    df = blank_assessments(["A", "B"], likert=4.0)
    df[[i.id for i in INST.items.values() if i.reverse]] = 2.0  # reverse-coded: every dimension scores 4.0
    df.loc[0, INST.items_of("image")] = np.nan
    with pytest.warns(UserWarning) as record:
        g = maturity.grade(df)
    messages = " ".join(str(w.message) for w in record)
    assert "firm A: image" in messages and "1 firm(s) not graded (a dimension has no score): A" in messages
    assert g.loc["A", "level"] is pd.NA and g.loc["B", "level"] == 2
    assert maturity.level_name(g.loc["A", "level"]) == "not graded"


# --------------------------------------------------------------------------------------------
# five-level ladder, worked by hand

def ladder_case() -> pd.DataFrame:
    df = blank_assessments(["X", "Y"])
    x = {"L1_1": 1, "L1_2": 1, "L1_3": 1, "L2_1": 1, "L2_2": 1, "L2_3a": 1, "L2_3b": 1,  # rungs 1-2 complete
         "L3_1a": 1, "L3_1b": 1, "L3_1c": 1, "L3_2": 1, "L3_3a": 0, "L3_3b": 0,  # rung 3: 4 of 6
         "L4_1": 0, "L4_2": 0, "L4_3": 0,  # rung 4: none
         "L5_1": 1, "L5_2": 1, "L5_3a": 1, "L5_3b": 1}  # rung 5 complete (a skipped rung below it)
    assert set(x) == set(INST.criteria)
    for c, v in x.items():
        df.loc[0, c] = v
    df.loc[1, ["L1_1", "L2_1", "L2_2", "L2_3a", "L2_3b"]] = 1  # Y: rung 1 only 1 of 3, rung 2 complete
    return df


def test_five_level_is_cumulative_by_hand():
    g = maturity.grade(ladder_case(), "five_level")
    assert g.loc["X", "level"] == 3  # rungs 1, 2, 3 (4/6 >= 2/3) met, rung 4 not
    assert g.loc["X", "rungs_met"] == "1,2,3,5" and not g.loc["X", "cumulative"]
    assert g.loc["X", "rung_3"] == pytest.approx(2 / 3)
    assert g.loc["X", "name_zh"] == "信任管理"
    assert g.loc["Y", "level"] == 0 and g.loc["Y", "level_id"] == "below_ladder"  # rung 2 met, rung 1 not
    strict = maturity.grade(ladder_case(), "five_level", thresholds=1.0)
    assert strict.loc["X", "level"] == 2
    lenient = maturity.grade(ladder_case(), "five_level", thresholds=[1 / 3] * 5)
    assert lenient.loc["X", "level"] == 3 and lenient.loc["Y", "level"] == 2


def test_five_level_raters_majority():
    df = blank_assessments(["Z"], ["R1", "R2", "R3"])
    df[list(INST.rung_criteria()[1])] = 1  # rung 1 in place for everyone
    df.loc[0, INST.rung_criteria()[2]] = 1  # rung 2: only one rater of three
    df.loc[[0, 1], INST.rung_criteria()[3]] = 1  # rung 3: two raters of three
    assert maturity.grade(df, "five_level").loc["Z", "level"] == 1
    shares = maturity.rung_shares(df)
    assert shares.loc["Z"].tolist() == [1.0, 0.0, 1.0, 0.0, 0.0]
    # with a criterion in place as soon as one rater in three says so, rung 2 and 3 count
    assert maturity.grade(df, "five_level", criterion_share=0.3).loc["Z", "level"] == 3


def test_five_level_needs_criteria():
    df = blank_assessments(["A"]).drop(columns=list(INST.criteria))
    with pytest.raises(InputError, match="ladder criteria columns"):
        maturity.grade(df, "five_level")
    with pytest.raises(InputError, match="graded from raw assessments"):
        maturity.grade(hand_scores(), "five_level")


def test_rung_matrix_is_not_cumulative():
    m = maturity.rung_matrix(ladder_case())
    assert m.loc["X"].tolist() == [1, 1, 1, 0, 1] and m.loc["Y"].tolist() == [0, 1, 0, 0, 0]


# --------------------------------------------------------------------------------------------
# improvement agenda

def test_agenda_three_level_from_the_sources():
    g = maturity.grade(hand_scores())
    agenda = maturity.improvement_agenda(g, "D")
    assert agenda["kind"].tolist() == ["level"] * 3 + ["dimension"] * 3
    assert agenda["target"].iloc[0] == "primary" and agenda["target"].iloc[-1] == "image"
    assert all(agenda["source"].str.len() > 0)
    zh = maturity.improvement_agenda(g, "C", lang="zh", n_weakest=2)
    assert zh.loc[zh["kind"] == "level", "name"].unique().tolist() == ["高级"]
    assert any("客户旅程" in a for a in zh["action"])  # source 000: customer-journey management
    assert zh.loc[zh["kind"] == "dimension", "target"].tolist()[:3] == ["engagement"] * 3
    assert len(zh[zh["kind"] == "dimension"]) == 6
    with pytest.raises(ParameterError, match="firm='Q'"):
        maturity.improvement_agenda(g, "Q")
    with pytest.raises(ParameterError, match="give the firm id"):
        maturity.improvement_agenda(g)


def test_agenda_five_level_next_rung_and_gaps():
    g = maturity.grade(ladder_case(), "five_level")
    agenda = maturity.improvement_agenda(g, "X", n_weakest=0)
    # X is at rung 3: L3_3a and L3_3b still missing (consolidate), rung 4 entirely to build
    assert agenda["kind"].tolist() == ["consolidate", "consolidate", "rung", "rung", "rung"]
    assert agenda["action"].iloc[:2].tolist() == [INST.criteria["L3_3a"].text.en, INST.criteria["L3_3b"].text.en]
    assert agenda["target"].iloc[2:].unique().tolist() == ["loyalty"]
    top = blank_assessments(["T"], criteria=1.0)
    top_agenda = maturity.improvement_agenda(maturity.grade(top, "five_level"), "T", n_weakest=0, lang="zh")
    assert top_agenda["kind"].tolist() == ["maintain"] and "合作" in top_agenda["action"].iloc[0]


def test_agenda_catalog_covers_levels_rungs_dimensions():
    cat = maturity.agenda_catalog(lang="zh")
    assert set(cat.loc[cat["kind"] == "level", "target"]) == {"primary", "intermediate", "advanced"}
    assert set(cat.loc[cat["kind"] == "dimension", "target"]) == set(DIMS)
    assert len(cat[cat["kind"] == "rung"]) == len(INST.criteria)


# --------------------------------------------------------------------------------------------
# simulator

def test_simulate_is_reproducible_and_checkable():
    a = maturity.simulate(15, n_raters=(1, 3), seed=4)
    b = maturity.simulate(15, n_raters=(1, 3), seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert maturity.check_assessments(a) == []
    assert [c for c in a.columns if c in INST.items or c in INST.criteria] == list(INST.items) + list(INST.criteria)
    firms = a.groupby("firm").first()
    # the true level is the grade of the true dimension scores
    true_scores = firms[[f"true_{d}" for d in DIMS]].set_axis(DIMS, axis=1)
    assert (maturity.grade(true_scores)["level"].to_numpy() == firms["true_level"].to_numpy()).all()
    assert a.groupby("firm").size().between(1, 3).all()
    with pytest.raises(ParameterError, match="level_probs"):
        maturity.simulate(5, level_probs=(0.5, 0.5, 0.5))
    with pytest.raises(ParameterError, match="n_raters"):
        maturity.simulate(5, n_raters=0)


def test_simulation_recovers_the_true_levels():
    df = maturity.simulate(150, n_raters=3, seed=11)
    firms = df.groupby("firm").first()
    g3 = maturity.grade(df)
    agree3 = maturity.agreement(g3["level"].astype(float), firms["true_level"].astype(float)).set_index("weights")
    # measurement error pushes firms near a threshold down (the weakest dimension decides), but
    # the rule recovers the truth well: linear weighted kappa about 0.7
    assert agree3.loc["linear", "kappa"] > 0.6 and agree3.loc["linear", "exact"] > 0.7
    g5 = maturity.grade(df, "five_level")
    agree5 = maturity.agreement(g5["level"].astype(float), firms["true_rung"].astype(float)).set_index("weights")
    assert agree5.loc["linear", "kappa"] > 0.85 and agree5.loc["none", "exact"] > 0.85
    # with many raters the measurement error vanishes and the truth is recovered almost exactly
    many = maturity.simulate(60, n_raters=40, seed=12, missing_rate=0)
    firms = many.groupby("firm").first()
    assert (maturity.grade(many)["level"].to_numpy() == firms["true_level"].to_numpy()).mean() > 0.9


def test_sample_file_is_the_documented_simulation(repo_root):
    sample = pd.read_csv(repo_root / "data" / "maturity_sample.csv", dtype={"firm": str, "rater": str})
    again = maturity.simulate(120, n_raters=3, seed=20250606)
    assert maturity.check_assessments(sample) == []
    # instrument 2.0: the split items, not the double-barrelled ones, in instrument order
    answer_cols = [c for c in sample.columns if c in INST.items or c in INST.criteria]
    assert answer_cols == list(INST.items) + list(INST.criteria)
    assert not set(SPLITS) & set(sample.columns) and {i for n in SPLITS.values() for i in n} <= set(sample.columns)
    pd.testing.assert_frame_equal(sample, again, check_dtype=False)


def test_version_1_0_ships_for_files_collected_with_it():
    """An assessment file with a 1.0 column is refused under 2.0, names the new items and how to read it
    with 1.0; read with instrument "1.0" it is accepted."""
    old = maturity.load_instrument("1.0")
    assert old.version == "1.0" and "SAT3" in old.items and "SAT3a" not in old.items
    assert maturity.load_instrument("2.0").version == "2.0"
    frame = maturity.simulate(12, n_raters=2, seed=3, instrument=old)
    problems = maturity.check_assessments(frame)
    assert any("'SAT3'" in p and "SAT3a" in p and 'instrument="1.0"' in p for p in problems), problems
    assert not [p for p in maturity.check_assessments(frame, instrument="1.0") if "SAT3" in p]
