"""CSI presets: published structures, default indicator mapping, overrides, labels."""
from __future__ import annotations

import pickle

import pandas as pd
import pytest

from crm_analysis import csi
from crm_analysis.errors import InputError, ParameterError
from crm_analysis.sem import Model

MOBI_COLUMNS = (
    [f"IMAG{i}" for i in range(1, 6)] + [f"CUEX{i}" for i in range(1, 4)]
    + [f"PERQ{i}" for i in range(1, 8)] + ["PERV1", "PERV2"] + [f"CUSA{i}" for i in range(1, 4)]
    + ["CUSCO"] + [f"CUSL{i}" for i in range(1, 4)]
)


def test_presets_table_lists_the_four_indices_with_citations() -> None:
    table = csi.presets()
    assert table["name"].tolist() == ["acsi", "ccsi", "ecsi", "scsb"]
    cites = dict(zip(table["name"], table["citation"]))
    assert "Fornell" in cites["acsi"] and "1996" in cites["acsi"]
    assert "Fornell" in cites["scsb"] and "1992" in cites["scsb"]
    assert "Tenenhaus" in cites["ecsi"]
    assert "Zhao Ping" in cites["ccsi"] and "Tsinghua" in cites["ccsi"]
    assert dict(zip(table["name"], table["n_paths"])) == {"acsi": 9, "ccsi": 11, "ecsi": 12, "scsb": 6}


def test_ecsi_is_the_mobi_model() -> None:
    m = csi.preset("ecsi")
    assert isinstance(m, Model) and m.preset == "ecsi"
    assert m.constructs == ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"]
    assert m.all_indicators == MOBI_COLUMNS
    assert set(m.modes.values()) == {"A"}
    # the seminr / cSEM ECSI model of the mobi data
    expected = {
        ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
        ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
    }
    assert set(m.structural_paths) == expected
    assert m.indicators["Complaints"] == ["CUSCO"]


def test_acsi_and_scsb_structures() -> None:
    acsi = csi.preset("ACSI")  # case-insensitive
    assert "Image" not in acsi.constructs
    assert set(acsi.predecessors("Satisfaction")) == {"Expectation", "Quality", "Value"}
    assert set(acsi.successors("Satisfaction")) == {"Complaints", "Loyalty"}
    assert ("Complaints", "Loyalty") in acsi.structural_paths
    scsb = csi.preset("scsb")
    assert scsb.constructs == ["Expectation", "Value", "Satisfaction", "Complaints", "Loyalty"]
    assert set(scsb.predecessors("Satisfaction")) == {"Expectation", "Value"}
    assert scsb.exogenous == ["Expectation"]


def test_ccsi_structure() -> None:
    m = csi.preset("ccsi")
    assert m.constructs == ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty"]
    assert len(m.structural_paths) == 11
    # brand image, expected quality, perceived quality and perceived value are the antecedents
    # of satisfaction; loyalty its consequence; no complaints construct
    assert set(m.predecessors("Satisfaction")) == {"Image", "Expectation", "Quality", "Value"}
    assert "Satisfaction" in m.predecessors("Loyalty") and "Complaints" not in m.constructs
    assert m.label("Image", "zh") == "品牌形象" and m.label("Expectation", "zh") == "预期质量"


def test_bilingual_labels_for_every_construct() -> None:
    for name in csi.presets()["name"]:
        m = csi.preset(name)
        en, zh = csi.labels(m, "en"), csi.labels(m, "zh")
        assert set(en) == set(zh) == set(m.constructs)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in zh.values())
        assert m.title[1] and m.citation
    assert csi.label("Trust", "zh") == "Trust"  # unknown construct: its id
    with pytest.raises(ParameterError):
        csi.label("Value", "fr")


def test_prefix_override_against_the_data_columns() -> None:
    cols = ["id", "imag1", "imag2", "expe1", "expe2", "qual1", "qual2", "qual3",
            "val1", "val2", "sat1", "sat2", "sat3", "loy1", "loy2", "gender"]
    mapping = {"Image": "imag", "Expectation": "expe", "Quality": "qual", "Value": "val",
               "Satisfaction": "sat", "Loyalty": "loy"}
    m = csi.preset("ccsi", mapping, columns=pd.DataFrame(columns=cols))
    assert m.indicators["Quality"] == ["qual1", "qual2", "qual3"]
    # an explicit list wins over the prefix
    m2 = csi.preset("ccsi", {**mapping, "Loyalty": ["loy2"]}, columns=cols)
    assert m2.indicators["Loyalty"] == ["loy2"]
    # default prefixes resolve against real columns too (and ignore case and separators)
    m3 = csi.preset("scsb", columns=["cuex_1", "CUEX2", "perv1", "CUSA1", "cusa2", "CUSCO", "CUSL1", "CUSL2"])
    assert m3.indicators["Expectation"] == ["cuex_1", "CUEX2"]
    assert m3.indicators["Complaints"] == ["CUSCO"] and m3.indicators["Satisfaction"] == ["CUSA1", "cusa2"]


def test_match_prefix_does_not_confuse_neighbouring_blocks() -> None:
    cols = ["CUSA1", "CUSA2", "CUSCO", "CUSL1", "CUSA", "CUSA1x"]
    assert csi.match_prefix("CUSA", cols) == ["CUSA1", "CUSA2", "CUSA"]
    assert csi.match_prefix("CUS", cols) == []


def test_bad_preset_requests() -> None:
    with pytest.raises(ParameterError, match="unknown CSI preset 'kcsi'.*acsi, ccsi, ecsi, scsb"):
        csi.preset("kcsi")
    with pytest.raises(ParameterError, match="'Trust'.*not constructs of the ecsi preset"):
        csi.preset("ecsi", {"Trust": "TR"})
    with pytest.raises(ParameterError, match="columns="):
        csi.preset("ecsi", {"Image": "img"})
    with pytest.raises(InputError, match=r"no column matches the indicator prefix of 'Image' \(prefix 'IMG'\)"):
        csi.preset("ecsi", {"Image": "IMG"}, columns=MOBI_COLUMNS)
    with pytest.raises(InputError, match=r"\['Q9'\] not in the data"):
        csi.preset("ecsi", {"Image": ["IMAG1", "Q9"]}, columns=MOBI_COLUMNS)


def test_preset_pickles_with_its_labels() -> None:
    m = csi.preset("ccsi")
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.labels == m.labels and back.preset == "ccsi"


def test_resolve_model_accepts_names_files_and_text(tmp_path) -> None:
    assert csi.resolve_model("ecsi") == csi.preset("ecsi")
    f = tmp_path / "model.txt"
    f.write_text("X =~ a + b\nY =~ c + d\nY ~ X\n", encoding="utf-8")
    assert csi.resolve_model(str(f)).structural_paths == [("X", "Y")]
    assert csi.resolve_model(f).indicators == {"X": ["a", "b"], "Y": ["c", "d"]}
    with pytest.raises(ParameterError, match="did you mean 'ecsi'"):
        csi.resolve_model("ecs")
    with pytest.raises(InputError, match="not found"):
        csi.resolve_model(str(tmp_path / "missing.txt"))
