"""The glossary: every term defined once, in both languages, with its sources."""
import re

import pytest

from crm_analysis import glossary
from crm_analysis.errors import ParameterError
from crm_analysis.reporting.lang_cells import zh_punctuation_problems


def test_every_entry_is_bilingual_and_sourced():
    for key, e in glossary.GLOSSARY.items():
        assert e.name_en and e.name_zh and e.en and e.zh, key
        assert re.search(r"[\u4e00-\u9fff]", e.zh) and re.search(r"[\u4e00-\u9fff]", e.name_zh), key
        assert not re.search(r"[\u4e00-\u9fff]", e.en), key
        assert zh_punctuation_problems(e.zh) == [], (key, zh_punctuation_problems(e.zh))
        assert e.en.count("$") % 2 == 0 and e.zh.count("$") % 2 == 0, f"{key}: unbalanced LaTeX"
        for s in e.sources:
            assert s in glossary.REFERENCES, (key, s)
            assert glossary.cite(s)


def test_thresholds_carry_their_citation():
    """The thresholds the issue names come with the source they come from."""
    assert glossary.entry("htmt").sources == ("henseler2015",)
    assert "0.85" in glossary.entry("htmt").en and "0.90" in glossary.entry("htmt").zh
    assert "dijkstra2015" in glossary.entry("rho_a").sources
    assert "fornell1981" in glossary.entry("ave").sources and "0.50" in glossary.entry("ave").en
    assert "hu1999" in glossary.entry("srmr").sources and "0.08" in glossary.entry("srmr").en
    assert "fornell1996" in glossary.entry("acsi").sources
    assert "0.708" in glossary.entry("loading").en


def test_define_and_footnotes_in_each_language():
    en = glossary.define("ave", "en")
    zh = glossary.define("ave", "zh")
    assert en.startswith("**Average variance extracted (AVE)**: ") and "(Fornell & Larcker 1981)" in en
    assert zh.startswith("**平均方差提取量（AVE）**：") and "（Fornell & Larcker 1981）" in zh
    notes = glossary.footnotes(["htmt", "ave", "htmt"], "zh")
    assert notes.startswith("## 术语与出处") and notes.count("异质-单质比率") == 1
    assert "**参考文献**" in notes and "Henseler, J., Ringle" in notes and "Fornell, C., & Larcker" in notes
    assert "## Terms and sources" in glossary.footnotes(["htmt"], "en")


def test_unknown_term_or_language_is_refused():
    with pytest.raises(ParameterError, match="unknown term 'avee'.*ave"):
        glossary.define("avee", "en")
    with pytest.raises(ParameterError, match="lang"):
        glossary.define("ave", "fr")
    with pytest.raises(ParameterError, match="unknown reference"):
        glossary.cite("nobody2020")


def test_table_lists_every_term():
    t = glossary.table("zh")
    assert list(t.columns) == ["key", "term", "definition", "sources"]
    assert len(t) == len(glossary.GLOSSARY) and t["key"].is_unique
