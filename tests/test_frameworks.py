"""CRM framework catalog: content, seed citations, schema errors, capability comparison, plots."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from crm_analysis import frameworks as F
from crm_analysis.errors import InputError, ParameterError

REQUIRED = {
    # id: (number of primary stages, seed document or None, a term the seed document contains)
    "idic": (4, "003", "IDIC"),
    "buttle_value_chain": (5, "003", "Buttle"),
    "payne_frow": (5, None, None),
    "gartner_building_blocks": (8, None, None),  # 8 unordered blocks; seed 003 quotes only Gartner's definition
    "hp_four_phase": (4, "003", "惠普"),
    "three_layer": (3, "003", "客户需求层"),
    "five_level_ladder": (5, "002", "合作伙伴管理"),
    "maturity_three_level": (3, "000", "初级"),
    "seven_steps": (7, "001", "客户接触点管理"),
    "rfm": (4, "003", "RFM"),
    "csi_family": (7, "003", "满意度指数"),
    # comparators from the literature (issue 16)
    "kotler_relationship_levels": (5, None, None),
    "kumar_reinartz_cvm": (5, None, None),
    "parvatiyar_sheth": (4, None, None),
    "gartner_maturity": (8, None, None),
    "crm3_maturity": (5, None, None),
    "reinartz_crm_process": (3, None, None),
    "sin_tse_yim_scale": (4, None, None),
}


@pytest.fixture()
def catalog_file(tmp_path):
    """Write a modified copy of the catalog; ``edit`` receives the loaded dict."""
    def write(edit):
        data = yaml.safe_load(F.DEFAULT_PATH.read_text("utf-8"))
        edit(data)
        path = tmp_path / "frameworks.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path
    return write


def test_catalog_has_every_required_framework_with_all_fields():
    cat = F.catalog()
    assert set(REQUIRED) <= set(cat.index)
    assert cat.index.is_unique
    for col in ("name_en", "name_zh", "authors", "source", "focus", "stages", "data_needs", "outputs"):
        assert cat[col].notna().all() and (cat[col].astype(str).str.len() > 0).all(), col
    assert set(cat["focus"]) <= {"strategic", "operational", "analytical"}
    for fid, (n_stages, seed, _) in REQUIRED.items():
        assert cat.loc[fid, "n_stages"] == n_stages, fid
        assert (cat.loc[fid, "seed_document"] if pd.notna(cat.loc[fid, "seed_document"]) else None) == seed, fid


def test_stage_order_and_supporting_conditions():
    st = F.stage_alignment()
    buttle = st[st["framework"] == "buttle_value_chain"]
    assert buttle.loc[buttle["kind"] == "primary", "stage"].tolist() == [
        "Customer portfolio analysis", "Customer intimacy", "Network development",
        "Value proposition development", "Manage the customer lifecycle"]
    assert (buttle["kind"] == "supporting").sum() == 4
    assert len(st[st["framework"] == "gartner_building_blocks"]) == 8
    hp = st[st["framework"] == "hp_four_phase"]["stage"].tolist()
    assert hp == ["Information management", "Customer value measurement", "Activity management",
                  "Implementation management"]
    zh = F.stage_alignment("zh")
    assert zh[zh["framework"] == "five_level_ladder"]["stage"].tolist() == [
        "基础级管理", "满意度管理", "信任管理", "忠诚度管理", "合作伙伴管理"]


def test_seed_citations_point_at_documents_that_contain_the_framework(shared_dir):
    cat = F.catalog()
    for fid, (_, seed, term) in REQUIRED.items():
        if seed is None:
            assert pd.isna(cat.loc[fid, "seed_file"]) and isinstance(cat.loc[fid, "seed_where"], str)
            continue
        text = (shared_dir / "seeds" / cat.loc[fid, "seed_file"]).read_text("utf-8")
        assert term in text, (fid, term)


def test_chinese_catalog_and_seed_titles():
    cat = F.catalog("zh")
    assert cat.loc["five_level_ladder", "name"] == "客户关系五级管理"
    assert "→" in cat.loc["seven_steps", "stages"]
    assert F.load()["seed_documents"]["002"]["title_zh"] == "客户关系五级管理"
    with pytest.raises(ParameterError, match="lang"):
        F.catalog("fr")


def test_taxonomy_and_every_mapping_justified_in_both_languages():
    caps = F.capabilities()
    assert set(F.REQUIRED_CAPABILITIES) <= set(caps.index)
    maps = F.mappings()
    assert set(maps["level"]) <= {1, 2}
    assert (maps["justification_en"].str.len() > 10).all() and (maps["justification_zh"].str.len() > 4).all()
    # every framework is mapped onto the taxonomy
    assert set(maps["framework"]) == set(F.catalog().index)


def test_missing_field_is_an_error_naming_framework_and_field(catalog_file):
    path = catalog_file(lambda d: d["frameworks"][0].pop("source_zh"))
    with pytest.raises(InputError, match=r"framework 'idic': field 'source_zh' is missing"):
        F.load(path)
    path = catalog_file(lambda d: d["frameworks"][8].pop("authors_zh"))
    with pytest.raises(InputError, match=r"framework 'seven_steps': field 'authors_zh' is missing"):
        F.load(path)


def test_catalog_with_the_old_single_language_fields_says_what_replaced_them(catalog_file):
    def edit(d):
        fw = d["frameworks"][0]
        fw["authors"] = fw.pop("authors_en")
    with pytest.raises(InputError, match=r"'idic': unknown field 'authors'; it is now 'authors_en' and 'authors_zh'"):
        F.load(catalog_file(edit))


CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
# English descriptions that used to leak into the Chinese report
ENGLISH_NOTES = re.compile(r"anonymous|pen name|presented|article|attributed|encyclop|website", re.I)


def test_authors_and_source_are_in_the_report_language():
    en, zh = F.catalog("en"), F.catalog("zh")
    for fid in en.index:
        assert not CJK.search(en.loc[fid, "authors"]), (fid, en.loc[fid, "authors"])
        assert not ENGLISH_NOTES.search(zh.loc[fid, "authors"]), (fid, zh.loc[fid, "authors"])
        assert not ENGLISH_NOTES.search(zh.loc[fid, "source"]), (fid, zh.loc[fid, "source"])
        # a Chinese title or name in the English reference is followed by its translation or romanisation
        for m in re.finditer(r"[\u4e00-\u9fff][\u4e00-\u9fff()\uff08\uff09:\uff1a0-9]*", en.loc[fid, "source"]):
            assert re.match(r"\s*[\[(]", en.loc[fid, "source"][m.end():]), (fid, m.group())
    assert en.loc["seven_steps", "authors"] == "Wanlaiqiu (pen name)"
    assert zh.loc["seven_steps", "authors"] == "晚来秋（笔名）"
    assert zh.loc["three_layer", "authors"] == "佚名（网络文章）"
    assert zh.loc["payne_frow", "authors"] == "Adrian Payne、Pennie Frow"
    assert en.loc["payne_frow", "authors"] == "Adrian Payne; Pennie Frow"
    assert "Jennifer Kirby" in en.loc["gartner_building_blocks", "source"]
    assert "Jennifer Kirby" in zh.loc["gartner_building_blocks", "source"]


def test_sources_cite_the_seed_documents_exactly():
    data = F.load()
    seeds = data["seed_documents"]
    for fw in data["frameworks"]:
        en, zh = fw["source_en"], fw["source_zh"]
        # published references (journal, book, DOI, URL) are the same in both languages
        for ref in re.findall(r"doi:\S+|https?://[^\s(]+|\d+\(\d\), \d+-\d+", en):
            assert ref in zh, (fw["id"], ref)
        cited_en = set(re.findall(r"\bseed (\d{3})\b", en))
        cited_zh = set(re.findall(r"种子文档 ?(\d{3})", zh))
        assert cited_en == cited_zh, fw["id"]
        assert cited_en <= ({fw["seed"]["doc"]} if fw["seed"] else set()), fw["id"]
    # the Chinese web articles: their exact title in both languages, with the English title beside it
    for fid in ("three_layer", "five_level_ladder", "maturity_three_level", "seven_steps"):
        fw = next(f for f in data["frameworks"] if f["id"] == fid)
        doc = seeds[fw["seed"]["doc"]]
        # (the collection 003 is cited by its first text, which has the collection's title)
        assert fw["source_en"].startswith(f"{doc['title_zh']} [{doc['title_en'].removesuffix(' (a collection)')}]"), fid
        assert fw["source_zh"].startswith(f"《{doc['title_zh']}》"), fid


def test_seed_title_and_author_match_the_seed_text(shared_dir):
    data = F.load()
    for fw in data["frameworks"]:
        if fw["id"] in ("three_layer", "maturity_three_level", "seven_steps"):
            doc = data["seed_documents"][fw["seed"]["doc"]]
            text = (shared_dir / "seeds" / doc["file"]).read_text("utf-8")
            # the title as the article gives it, up to the width of its punctuation (a Chinese report
            # cites it with full-width ：（）, the article's own page uses ASCII)
            ascii_title = doc["title_zh"].translate(str.maketrans("：（）", ":()"))
            assert text.lstrip().startswith(ascii_title), fw["id"]
    seven = next(f for f in data["frameworks"] if f["id"] == "seven_steps")
    text = (shared_dir / "seeds" / data["seed_documents"]["001"]["file"]).read_text("utf-8")
    assert f"作者:{seven['authors_zh'][0].split('（')[0]}" in text  # the seed writes 作者: with an ASCII colon


def test_unknown_capability_is_an_error_naming_framework_and_capability(catalog_file):
    def edit(d):
        d["frameworks"][9]["capabilities"]["telepathy"] = {"level": 1, "en": "x", "zh": "x"}
    with pytest.raises(InputError, match=r"framework 'rfm': unknown capability 'telepathy'"):
        F.load(catalog_file(edit))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["frameworks"][1]["capabilities"]["identify"].update(level=3), r"'buttle_value_chain'.*level is 3"),
    (lambda d: d["frameworks"][2].update(focus="tactical"), r"'payne_frow': field 'focus'"),
    (lambda d: d["frameworks"][0]["seed"].update(doc="009"), r"'idic': field 'seed.doc'"),
    (lambda d: d["frameworks"][1].update(year=None), r"'buttle_value_chain': field 'year' is null"),
    (lambda d: d["frameworks"][0]["stages"][0].update(phase="nowhere"), r"'idic', stage #1: field 'phase'"),
    (lambda d: d["frameworks"][0].update(colour="blue"), r"'idic': unknown field 'colour'"),
    (lambda d: d["capabilities"].pop(0), r"required capability 'identify'"),
    (lambda d: d["frameworks"][3]["capabilities"]["interact"].pop("zh"), r"capabilities.interact'.*'zh' is missing"),
    (lambda d: d["frameworks"][9].update(source_zh=d["frameworks"][9]["source_zh"].replace("003", "001")),
     r"'rfm': field 'source_zh' cites seed 001 but field 'seed.doc' is '003'"),
    (lambda d: d["frameworks"][0]["authors_zh"].pop(), r"'idic': fields 'authors_en' and 'authors_zh' should name the same"),
    (lambda d: d["frameworks"][0].update(authors_en=[]), r"'idic': field 'authors_en' must list at least one name"),
])
def test_schema_errors(catalog_file, edit, message):
    with pytest.raises(InputError, match=message):
        F.load(catalog_file(edit))


def test_capability_matrix_levels_and_binary():
    m = F.capability_matrix()
    assert m.shape == (len(F.catalog()), len(F.capabilities()))
    assert set(np.unique(m.to_numpy())) <= {0, 1, 2}
    assert m.loc["rfm", "customer_value"] == 2 and m.loc["rfm", "partnership"] == 0
    assert m.loc["five_level_ladder", "partnership"] == 2
    b = F.capability_matrix(levels=False)
    assert ((b == 1) == (m > 0)).all().all()


def test_jaccard_by_hand():
    m = pd.DataFrame([[2, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 1]], index=["a", "b", "c"], columns=list("wxyz"))
    s = F.similarity(m)
    # a = {w, x}, b = {w, y}: |∩| = 1, |∪| = 3
    assert s.loc["a", "b"] == pytest.approx(1 / 3)
    assert s.loc["a", "c"] == 0 and s.loc["c", "c"] == 1
    assert (s.to_numpy() == s.to_numpy().T).all()
    # weighted: Σmin = min(2,1) = 1; Σmax = 2 + 1 + 2 = 5
    assert F.similarity(m, weighted=True).loc["a", "b"] == pytest.approx(1 / 5)


def test_clustering_joins_identical_profiles_first():
    m = pd.DataFrame([[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 1, 1]],
                     index=["a", "b", "c", "d"], columns=list("wxyz"))
    res = F.cluster(m)
    # first merge at distance 0 joins a and b
    first = res.linkage[0]
    assert first[2] == 0 and {int(first[0]), int(first[1])} == {0, 1}
    groups = res.groups(2)
    assert groups["a"] == groups["b"] and groups["c"] == groups["d"] and groups["a"] != groups["c"]
    assert res.cophenetic_correlation > 0.9
    with pytest.raises(ParameterError):
        F.cluster(m, method="ward-ish")


def test_coverage_and_gaps_by_hand():
    m = pd.DataFrame([[2, 1, 0], [1, 1, 0]], index=["a", "b"], columns=["x", "y", "z"])
    cov = F.coverage(m)
    assert cov.loc["x", "status"] == "covered" and cov.loc["x", "frameworks_full"] == "a"
    assert cov.loc["y", "status"] == "partial only" and cov.loc["y", "partial"] == 2
    assert cov.loc["z", "status"] == "gap"
    assert list(F.gaps(m).index) == ["y", "z"]


def test_real_catalog_gaps():
    # no framework of the seeds forecasts individual customers' behaviour: only partial mentions;
    # among the comparators, Kumar and Reinartz's customer value management does (CLV)
    cat = F.catalog()
    m = F.capability_matrix()
    in_seeds = cat.index[cat["seed_document"].notna()]
    g = F.gaps(m.loc[in_seeds])
    assert g.loc["prediction", "status"] == "partial only" and g.loc["prediction", "full"] == 0
    cov = F.coverage()
    assert cov.loc["prediction", "frameworks_full"] == "kumar_reinartz_cvm"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plots_draw(lang):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = F.plot_heatmap(lang)
    assert len(ax.get_yticklabels()) == len(F.catalog())
    ax2 = F.plot_dendrogram(lang)
    assert len(ax2.get_yticklabels()) == len(F.catalog())
    ax3 = F.plot_stage_alignment(lang)
    assert len(ax3.get_xticklabels()) == len(F.lifecycle_phases())
    plt.close("all")


def test_similar_pairs_by_hand():
    m = pd.DataFrame([[1, 1, 0], [1, 1, 0], [0, 1, 1]], index=["a", "b", "c"], columns=["x", "y", "z"])
    pairs = F.similar_pairs(3, m)
    assert pairs.values.tolist() == [["a", "b", 1.0], ["a", "c", 1 / 3], ["b", "c", 1 / 3]]
    real = F.similar_pairs(1)
    assert real.loc[0, "similarity"] == F.similarity().where(~np.eye(len(F.catalog()), dtype=bool)).max().max()
    with pytest.raises(ParameterError):
        F.similar_pairs(0)


def _stage_rows(ax):
    """Per framework row: marker centres and number boxes in display pixels, and the marker diameter."""
    fig = ax.figure
    fig.canvas.draw()  # measured after drawing, as saved
    px_per_pt = fig.dpi / 72
    rows: dict[str, dict] = {}
    for coll in ax.collections:
        gid = coll.get_gid() or ""
        if gid.startswith("stages:"):
            fw = gid.split(":")[1]
            row = rows.setdefault(fw, {"centres": [], "numbers": []})
            row["centres"].extend(ax.transData.transform(coll.get_offsets()))
            row["diameter"] = float(np.sqrt(coll.get_sizes()[0])) * px_per_pt
    renderer = fig.canvas.get_renderer()
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid.startswith("stage_number:"):
            rows[gid.split(":")[1]]["numbers"].append(text.get_window_extent(renderer))
    return rows


def _assert_readable(ax, n_stages):
    rows = _stage_rows(ax)
    assert sum(len(r["centres"]) for r in rows.values()) == n_stages
    for fw, row in rows.items():
        c = np.array(row["centres"])
        d = row["diameter"]
        assert len(row["numbers"]) == len(c), fw
        # markers of one row never touch: every pair is more than a marker's diameter apart
        gaps = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(gaps, np.inf)
        assert gaps.min() > 1.2 * d, (fw, gaps.min(), d)
        # each number sits inside a marker, so no number overlaps another one or a neighbouring marker
        for box in row["numbers"]:
            centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
            assert np.hypot(*(c - centre).T).min() < 0.25 * d, fw
            assert box.width < d and box.height < d, fw
        for i, a in enumerate(row["numbers"]):
            assert not any(a.overlaps(b) for b in row["numbers"][i + 1:]), fw


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stage_alignment_every_row_is_readable(lang):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crm_analysis.plotting import use_style
    use_style()  # the house style with its CJK font, as in the reports
    ax = F.plot_stage_alignment(lang)
    # the CSI row puts six stages in one phase: they keep the same spacing as anywhere else
    _assert_readable(ax, len(F.stage_alignment()))
    plt.close("all")


def test_stage_layout_widens_a_crowded_column_and_keeps_stages_in_it():
    st = F.stage_alignment()
    n_phases = len(F.lifecycle_phases())
    layout, edges = F._stage_layout(st, n_phases)
    assert len(edges) == n_phases + 1 and np.all(np.diff(edges) >= 1 - 1e-12)
    feedback = int(F.lifecycle_phases()["phase"].tolist().index("feedback"))
    # CSI: six stages in "satisfaction and feedback", the most crowded cell
    assert np.diff(edges)[feedback] == pytest.approx(5 * F._STAGE_STEP + 2 * F._STAGE_MARGIN)
    lo, hi = edges[layout["phase_order"]], edges[layout["phase_order"] + 1]
    assert ((layout["x"] - lo >= F._STAGE_MARGIN - 1e-9) & (hi - layout["x"] >= F._STAGE_MARGIN - 1e-9)).all()
    csi = layout[layout["framework"] == "csi_family"].sort_values("order")
    assert np.diff(csi["x"].to_numpy()[:6]) == pytest.approx([F._STAGE_STEP] * 5)
    # primary stages in their order, then supporting ones, within a cell
    buttle = layout[layout["framework"] == "buttle_value_chain"].sort_values("order")
    assert (np.diff(buttle[buttle["kind"] == "supporting"]["x"]) > 0).all()


def test_stage_alignment_with_a_crowded_catalog_grows_the_figure(catalog_file):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def edit(d):
        csi = next(f for f in d["frameworks"] if f["id"] == "csi_family")
        csi["stages"] = [{"en": f"Construct {i}", "zh": f"潜变量 {i}", "phase": "feedback"} for i in range(1, 11)]
    path = catalog_file(edit)
    default_width = F.plot_stage_alignment("en").figure.get_figwidth()
    ax = F.plot_stage_alignment("en", path=path)
    assert ax.figure.get_figwidth() > default_width
    _assert_readable(ax, len(F.stage_alignment(path=path)))
    plt.close("all")


# ----------------------------------------------------------------------------- issue 16: catalog errors
def test_catalog_has_at_least_sixteen_frameworks_each_with_an_evidence_level():
    cat = F.catalog()
    assert len(cat) >= 16
    assert set(cat["evidence_level"]) <= set(F.EVIDENCE_LEVELS)
    assert cat["evidence_note"].str.len().gt(10).all()
    # the seeds' own status: 000 and 001 declare themselves fictitious, 002 AI-assisted
    assert cat.loc["maturity_three_level", "evidence_level"] == "fictitious_illustration"
    assert cat.loc["seven_steps", "evidence_level"] == "fictitious_illustration"
    assert cat.loc["five_level_ladder", "evidence_level"] == "ai_assisted"
    assert cat.loc["payne_frow", "evidence_level"] == "peer_reviewed"
    assert F.catalog("zh").loc["five_level_ladder", "evidence"] == "AI 辅助撰写的文章"


def test_seed_status_matches_the_seed_files(shared_dir):
    seeds = F.load()["seed_documents"]
    text = {k: (shared_dir / "seeds" / v["file"]).read_text("utf-8") for k, v in seeds.items()}
    assert "本文所有信息均为虚构" in text["000"] and "本文所有信息均为虚构" in text["001"]
    assert "AI辅助创作" in text["002"]


def test_gartner_is_not_counted_as_in_the_seeds_and_its_blocks_are_unordered():
    cat = F.catalog()
    assert pd.isna(cat.loc["gartner_building_blocks", "seed_document"])
    assert "definition" in cat.loc["gartner_building_blocks", "seed_where"]
    assert cat.loc["gartner_building_blocks", "n_stages"] == 8
    assert "→" not in cat.loc["gartner_building_blocks", "stages"]
    assert cat.loc["gartner_building_blocks", "stages"].count(" · ") == 7
    assert cat["seed_document"].notna().sum() == 9


def test_csi_entry_and_ccsi_citation_agree_with_the_presets():
    from crm_analysis.csi.presets import presets

    cat = F.catalog()
    csi = F.load()["frameworks"][[f["id"] for f in F.load()["frameworks"]].index("csi_family")]
    assert "ECSI" in csi["capabilities"]["complaints"]["en"]
    # the ECSI preset has a complaints construct, the CCSI preset has none, as the catalog says
    table = presets().set_index("name")
    assert "Complaints" in table.loc["ecsi", "constructs"] and "Complaints" not in table.loc["ccsi", "constructs"]
    assert "not in the CCSI" in cat.loc["csi_family", "stages"] and "ECSI preset" in cat.loc["csi_family", "stages"]
    # one CCSI citation: the one of the preset
    src = cat.loc["csi_family", "source"]
    assert "GB/T" not in src and "Zhao Ping" in src and "Zhao Ping" in table.loc["ccsi", "citation"]
    assert "Standards Press of China" in src and "Standards Press of China" in table.loc["ccsi", "citation"]


def test_idic_is_dated_by_its_origin():
    cat = F.catalog()
    assert cat.loc["idic", "year"] == 1999
    assert "1999" in cat.loc["idic", "source"]


@pytest.mark.parametrize("fid, doi_or_journal", [
    ("reinartz_crm_process", "10.1509/jmkr.41.3.293.35991"),
    ("sin_tse_yim_scale", "European Journal of Marketing 39(11/12), 1264-1290"),
    ("parvatiyar_sheth", "Journal of Economic and Social Research 3(2), 1-34"),
    ("kumar_reinartz_cvm", "Journal of Marketing 80(6), 36-68"),
    ("crm3_maturity", "International Journal of Human Sciences 7(1)"),
    ("kotler_relationship_levels", "Marketing Management"),
    ("gartner_maturity", "The Gartner CRM Maturity Model"),
])
def test_comparators_carry_their_citations(fid, doi_or_journal):
    assert doi_or_journal in F.catalog().loc[fid, "source"]


def test_an_unknown_evidence_level_is_refused(catalog_file):
    path = catalog_file(lambda d: d["frameworks"][0].update(evidence_level="blog"))
    with pytest.raises(InputError, match=r"'idic': field 'evidence_level' is 'blog'"):
        F.load(path)


def test_a_quote_needs_its_source_and_the_right_seed(catalog_file):
    path = catalog_file(lambda d: d["frameworks"][0]["capabilities"]["identify"].pop("quote_source"))
    with pytest.raises(InputError, match=r"'quote' and 'quote_source' go together"):
        F.load(path)
    path = catalog_file(lambda d: d["frameworks"][0]["capabilities"]["identify"].update(quote_source="seed 002"))
    with pytest.raises(InputError, match=r"quote_source' is seed 002 but field 'seed.doc' is '003'"):
        F.load(path)


# ASCII punctuation a Chinese text writes full-width (，；：（）？！) when it touches a Chinese character
_ASCII_NEXT_TO_CJK = re.compile(r"[,;:()?!](?=[\u3400-\u9fff\uf900-\ufaff])|(?<=[\u3400-\u9fff\uf900-\ufaff])[,;:()?!]")
# left alone: a 《title》 or “quotation” keeps its source's punctuation, and so do addresses
_VERBATIM = re.compile(r"《[^》]*》|“[^”]*”|https?://\S+|doi:\S+")


def _zh_fields(node, key=None, where=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _zh_fields(v, k, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _zh_fields(v, key, f"{where}[{i}]")
    elif isinstance(node, str) and key is not None and (key == "zh" or key.endswith("_zh")):
        yield where, key, node


def test_chinese_fields_use_full_width_punctuation_next_to_chinese_characters():
    """Every zh field writes ，；：（）？！ next to Chinese characters. Left as written: quotes (not zh
    fields: verbatim from the seeds, which use ASCII punctuation), the seed titles (title_zh, and a
    《title》 or “quotation” inside a field) and English citations such as "Journal of Marketing 69(4), 167-176"."""
    bad = []
    for where, key, text in _zh_fields(F.load()):
        if key == "title_zh":  # the seed's own title, as printed in the seed (tests above match it)
            continue
        stripped = _VERBATIM.sub(" ", text)
        bad += [(where, stripped[max(0, m.start() - 5):m.end() + 5]) for m in _ASCII_NEXT_TO_CJK.finditer(stripped)]
    assert not bad, bad
    # the English citations inside Chinese fields keep their ASCII punctuation
    cat = F.catalog("zh")
    assert "Journal of Marketing 69(4), 167-176" in cat.loc["payne_frow", "source"]
    assert cat.loc["idic", "name"] == "IDIC 模型（识别、区分、互动、定制）"


def test_chinese_strings_of_the_module_use_full_width_punctuation():
    import inspect
    src = inspect.getsource(F)
    strings = [s for s in re.findall(r'"((?:[^"\\\n]|\\.)*)"', src) if re.search(r"[\u4e00-\u9fff]", s)]
    assert len(strings) > 10
    bad = [s for s in strings if _ASCII_NEXT_TO_CJK.search(_VERBATIM.sub(" ", s))]
    assert not bad, bad
