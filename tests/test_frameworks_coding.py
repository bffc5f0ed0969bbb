"""The capability comparison as a documented content analysis (issue 16, point 2): codebook, quoted
evidence, agreement between two codings (Krippendorff's alpha), similarity sensitivity, bootstrap."""
import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_analysis import frameworks as F
from crm_analysis.errors import InputError, ParameterError


def test_codebook_defines_every_level_of_every_capability():
    for lang in ("en", "zh"):
        cb = F.codebook(lang)
        assert list(cb.index) == list(F.capabilities().index)
        for col in ("definition", "score_0", "score_1", "score_2"):
            assert cb[col].str.len().gt(5).all(), col
    assert "named stage" in F.codebook("en").loc["identify", "score_2"]


def test_evidence_table_has_a_quote_status_for_every_cell():
    e = F.capability_matrix(evidence=True)
    m = F.capability_matrix()
    assert len(e) == m.size
    assert set(e["quote_status"]) <= {"quoted", "passage located", "paraphrase only", "not coded"}
    assert (e.loc[e["level"] == 0, "quote_status"] == "not coded").all()
    assert (e.loc[e["level"] > 0, "reason_en"].str.len() > 10).all()
    assert e["quote_kind"].dropna().isin(["seed", "publication"]).all()
    assert (e["quote_kind"].notna() == e["quote_status"].isin(["quoted", "passage located"])).all()
    # only seed documents are quoted verbatim; a publication's passage is located (cited), not copied
    assert (e.loc[e["quote"].notna(), "quote_kind"] == "seed").all()
    assert e.loc[e["quote_kind"] == "publication", "quote"].isna().all()


def test_quote_coverage_counts():
    cov = F.quote_coverage()
    e = F.capability_matrix(evidence=True)
    coded = e[e["level"] > 0]
    assert cov.loc["total", "coded"] == len(coded)
    assert cov.loc["total", "quoted_seed"] == (coded["quote_kind"] == "seed").sum()
    assert cov.loc["total", "located_publication"] == (coded["quote_kind"] == "publication").sum()
    assert (cov["coded"] == cov["quoted_seed"] + cov["located_publication"] + cov["paraphrase_only"]).all()
    # pinned (issue 16, point 2), on the resolved levels: 195 coded cells; 76 quoted from the seeds, 80 resting
    # on a located passage of a publication (coding A alone: 171 coded cells, 76 and 57; the resolution adds
    # 24 cells and 25 passages and sets two seed-quoted cells of A to 0)
    assert cov.loc["total", ["coded", "quoted_seed", "located_publication"]].tolist() == [195, 76, 80]
    a_cells = int((F.coding_a() > 0).to_numpy().sum())
    assert a_cells == 171
    # a framework not in the seeds cannot be quoted from them
    cat = F.catalog()
    off_seed = cat.index[cat["seed_document"].isna()]
    assert (cov.loc[off_seed, "quoted_seed"] == 0).all()


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_seed_quotes_are_verbatim_in_their_seed_file():
    """Every quote whose source is "seed NNN" occurs in that seed file, up to whitespace (the seeds
    break lines inside sentences). ../shared always sits beside the repository: no skip."""
    seeds = F.load()["seed_documents"]
    assert (SHARED / "seeds").is_dir(), f"{SHARED / 'seeds'} is missing: the seed documents must sit beside the repository"
    texts = {doc: _squash((SHARED / "seeds" / meta["file"]).read_text("utf-8")) for doc, meta in seeds.items()}
    e = F.capability_matrix(evidence=True)
    quoted = e[e["quote_kind"] == "seed"]
    assert len(quoted) >= 70
    seed_of = F.catalog()["seed_document"]
    missing = []
    for _, row in quoted.iterrows():
        doc = re.fullmatch(r"seed (\d{3})", row["quote_source"]).group(1)
        assert doc == seed_of[row["framework"]], (row["framework"], row["capability"], doc)
        if _squash(row["quote"]) not in texts[doc]:
            missing.append((row["framework"], row["capability"], row["quote"]))
    assert not missing, missing


def test_catalog_refuses_a_copied_publication_passage():
    data = copy.deepcopy(F.load())
    rec = data["frameworks"][2]["capabilities"]
    cap = next(iter(rec))
    rec[cap] = {**rec[cap], "quote": "some copied sentence", "quote_source": "A book; read at https://x.org"}
    rec[cap].pop("passage", None)
    with pytest.raises(InputError, match="must come from a seed document"):
        F.validate_catalog(data)


def test_publication_passages_name_the_page_they_were_read_on():
    e = F.capability_matrix(evidence=True)
    pub = e[e["quote_kind"] == "publication"]
    assert len(pub)
    # the citation, then where the passage was read (no quote from memory)
    assert pub["quote_source"].str.contains(r"; read at (?:a copy, )?https?://\S+$", regex=True).all()


def test_krippendorff_alpha_by_hand():
    # nominal, two coders, four units: values 0:2, 1:3, 2:3 pairable; one disagreement (2 vs 1)
    a = pd.DataFrame({"x": [0, 1, 2, 2]}, index=list("abcd"))
    b = pd.DataFrame({"x": [0, 1, 2, 1]}, index=list("abcd"))
    res = F.coding_agreement(a, b, level_of_measurement="nominal")
    assert res.loc["x", "alpha"] == pytest.approx(1 - (2 / 8) / (42 / 56))
    assert res.loc["x", "n_disagreements"] == 1 and res.loc["x", "agreement"] == 0.75


def test_agreement_per_capability_and_overall_and_the_disagreement_log():
    m = F.capability_matrix()
    other = m.copy()
    other.loc["idic", "satisfaction"] = 2
    other.loc["rfm", "customise"] = 0
    res = F.coding_agreement(m, other)
    assert "overall" in res.index and set(m.columns) <= set(res.index)
    assert res.loc["overall", "n_disagreements"] == 2
    assert res.loc["satisfaction", "alpha"] < 1 and res.loc["identify", "alpha"] == pytest.approx(1.0)
    assert F.coding_agreement(m, m).loc["overall", "alpha"] == pytest.approx(1.0)
    log = F.disagreements(m, other)
    assert set(zip(log["framework"], log["capability"])) == {("idic", "satisfaction"), ("rfm", "customise")}
    assert log["resolved_level"].isna().all()
    # a long table works as well as a wide one
    long = other.stack().rename("level").reset_index()
    assert F.coding_agreement(m, long).loc["overall", "n_disagreements"] == 2


def test_agreement_defaults_to_the_two_shipped_codings_and_checks_levels():
    default = F.coding_agreement()
    explicit = F.coding_agreement(F.coding_a(), F.coding_b())
    pd.testing.assert_frame_equal(default, explicit)
    bad = F.capability_matrix().astype(float)
    bad.iloc[0, 0] = 3
    with pytest.raises(InputError, match="level 3"):
        F.coding_agreement(F.capability_matrix(), bad)


# ----------------------------------------------------------------------------- the second coding and the resolution
def test_coding_b_is_complete_and_independent_of_the_resolution():
    long = F.coding_b(long=True)
    assert list(long.columns) == list(F.CODING_B_COLUMNS)
    assert len(long) == 288 == F.coding_a().size  # 18 frameworks × 16 capabilities
    assert long["level"].isin([0, 1, 2]).all()
    b = F.coding_b()
    assert b.index.equals(F.coding_a().index) and b.columns.equals(F.coding_a().columns)
    # the shipped file is coder B's, unchanged: its level counts are those METHOD.md reports
    assert long["level"].value_counts().sort_index().tolist() == [83, 121, 84]
    assert "Coder B" in (Path(__file__).resolve().parents[1] / "docs" / "frameworks_coding_b.md").read_text("utf-8")


def test_coding_b_seed_quotes_are_verbatim():
    long = F.coding_b(long=True)
    seeds = {f"seeds/{meta['file']}": meta["file"] for meta in F.load()["seed_documents"].values()}
    quoted = long[long["quote"].notna()]
    assert len(quoted) == 73 and quoted["quote_source"].isin(list(seeds)).all()
    missing = [(r.framework, r.capability) for r in quoted.itertuples()
               if _squash(r.quote) not in _squash((SHARED / "seeds" / seeds[r.quote_source]).read_text("utf-8"))]
    assert not missing, missing


def _ordinal_alpha(x: np.ndarray, y: np.ndarray, values=(0, 1, 2)) -> float:
    """Krippendorff's alpha, ordinal, two coders, no missing values, written out from the coincidence matrix
    (Krippendorff 2004, ch. 11): alpha = 1 - D_o / D_e."""
    idx = {v: i for i, v in enumerate(values)}
    k = len(values)
    o = np.zeros((k, k))
    for a, b in zip(x, y):  # each unit contributes both ordered pairs, weight 1/(m-1) = 1
        o[idx[a], idx[b]] += 1
        o[idx[b], idx[a]] += 1
    n_c = o.sum(axis=1)
    n = n_c.sum()
    delta = np.zeros((k, k))
    for c in range(k):
        for e in range(k):
            lo, hi = min(c, e), max(c, e)
            delta[c, e] = (n_c[lo:hi + 1].sum() - (n_c[c] + n_c[e]) / 2) ** 2
    d_o = (o * delta).sum() / n
    d_e = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    return 1 - d_o / d_e


def test_alpha_from_the_shipped_codings_equals_an_independent_computation():
    import krippendorff

    a, b = F.coding_a(), F.coding_b()
    res = F.coding_agreement()
    for cap in a.columns:
        x, y = a[cap].to_numpy(), b[cap].to_numpy()
        if len(set(x) | set(y)) < 2:
            assert np.isnan(res.loc[cap, "alpha"])
            continue
        assert res.loc[cap, "alpha"] == pytest.approx(_ordinal_alpha(x, y), abs=1e-12), cap
        assert res.loc[cap, "alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=np.vstack([x, y]).astype(float), level_of_measurement="ordinal"),
            abs=1e-12), cap
        assert res.loc[cap, "n_disagreements"] == int((x != y).sum())
    x, y = a.to_numpy().ravel(), b.to_numpy().ravel()
    assert res.loc["overall", "alpha"] == pytest.approx(_ordinal_alpha(x, y), abs=1e-12)
    assert res.loc["overall", "agreement"] == pytest.approx((x == y).mean())
    # pinned: 63 of 288 cells disagree; alpha 0.825 overall, from 0.358 (privacy) to 0.970 (differentiate)
    assert res.loc["overall", "n_disagreements"] == 63
    assert res.loc["overall", "alpha"] == pytest.approx(0.825, abs=5e-4)
    per_cap = res.drop(index="overall")["alpha"]
    assert per_cap.idxmin() == "privacy" and per_cap.min() == pytest.approx(0.358, abs=5e-4)
    assert per_cap.idxmax() == "differentiate" and per_cap.max() == pytest.approx(0.970, abs=5e-4)


def test_hand_alpha_matches_a_textbook_value():
    # the ordinal function above reproduces the package on a small case with all three levels
    x = np.array([0, 1, 2, 2, 1, 0, 2])
    y = np.array([0, 2, 2, 1, 1, 0, 2])
    import krippendorff
    assert _ordinal_alpha(x, y) == pytest.approx(
        krippendorff.alpha(reliability_data=np.vstack([x, y]).astype(float), level_of_measurement="ordinal"))


def test_the_resolution_log_covers_exactly_the_disagreements():
    log = F.resolution()
    dis = F.disagreements()
    assert set(zip(log["framework"], log["capability"])) == set(zip(dis["framework"], dis["capability"]))
    assert len(log) == len(dis) == 63
    merged = log.merge(dis, on=["framework", "capability"], suffixes=("", "_dis"))
    assert (merged["level_a"] == merged["level_a_dis"]).all() and (merged["level_b"] == merged["level_b_dis"]).all()
    assert log["resolved_level"].isin([0, 1, 2]).all()
    assert (log["resolution"].str.len() > 40).all() and (log["resolution_zh"].str.len() > 10).all()
    # every disagreement was decided for one of the two codings' levels (0/2 splits would allow 1; none occur)
    assert ((log["resolved_level"] == log["level_a"]) | (log["resolved_level"] == log["level_b"])).all()


def test_capability_matrix_uses_the_resolved_levels():
    m, a, b = F.capability_matrix(), F.coding_a(), F.coding_b()
    log = F.resolution().set_index(["framework", "capability"])
    assert m.isin([0, 1, 2]).all().all()
    for f in m.index:
        for c in m.columns:
            expected = log.loc[(f, c), "resolved_level"] if (f, c) in log.index else a.loc[f, c]
            assert m.loc[f, c] == expected, (f, c)
            if (f, c) not in log.index:
                assert a.loc[f, c] == b.loc[f, c]
    e = F.capability_matrix(evidence=True).set_index(["framework", "capability"])
    assert (e["level"] == m.stack()).all()
    assert (e["level_a"] == a.stack()).all() and (e["level_b"].astype(int) == b.stack()).all()
    assert e.loc[list(log.index), "resolution"].notna().all()
    coded = e[e["level"] > 0]
    assert coded["reason_en"].notna().all() and coded["reason_zh"].notna().all()
    # the analyses run on the resolved matrix
    pd.testing.assert_frame_equal(F.similarity(), F.similarity(m))


def test_a_stale_resolution_log_is_refused(tmp_path, monkeypatch):
    log = pd.read_csv(F.RESOLUTION_PATH)
    stale = log.copy()
    stale.loc[0, "level_a"] = 1 - stale.loc[0, "level_a"] if stale.loc[0, "level_a"] in (0, 1) else 0
    path = tmp_path / "resolution.csv"
    stale.to_csv(path, index=False)
    monkeypatch.setattr(F, "RESOLUTION_PATH", path)
    with pytest.raises(InputError, match="stale log"):
        F.resolution()
    log.iloc[1:].to_csv(path, index=False)
    with pytest.raises(InputError, match="cover exactly"):
        F.resolution()


def test_the_package_ships_the_codings():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8")
    assert "frameworks_coding_b.csv" in text and "frameworks_resolution.csv" in text
    assert F.CODING_B_PATH.parent == F.DEFAULT_PATH.parent


def test_similarity_metrics_and_their_sensitivity():
    m = pd.DataFrame([[2, 1, 0], [2, 0, 1]], index=["a", "b"], columns=["x", "y", "z"])
    assert F.similarity(m, metric="manhattan").loc["a", "b"] == pytest.approx(1 - (0 + 1 + 1) / 3 / 2)
    assert F.similarity(m, metric="cosine").loc["a", "b"] == pytest.approx(4 / 5)
    with pytest.raises(ParameterError, match="metric="):
        F.similarity(m, metric="euclid")
    tab = F.similarity_sensitivity()
    assert set(tab.index) == set(F.SIMILARITY_METRICS)
    # the point: the most similar pair changes with the metric
    assert tab["top_pair"].nunique() > 1
    assert tab.loc["ruzicka", "spearman_with_ruzicka"] == pytest.approx(1.0)


def test_bootstrap_over_capabilities_gives_the_clusters_uncertainty():
    b = F.cluster_bootstrap(n_boot=60, k=4, seed=3)
    co = b.co_clustering
    assert np.allclose(np.diag(co), 1.0) and np.allclose(co, co.T)
    assert ((co >= 0) & (co <= 1)).all().all()
    assert b.top_pairs["share"].sum() == pytest.approx(1.0)
    assert b.top_pairs["share"].iloc[0] < 1.0  # no pair is the most similar in every resample
    st = b.stability()
    assert set(st.index) == set(co.index)
    with pytest.raises(ParameterError, match="n_boot"):
        F.cluster_bootstrap(n_boot=0)


def test_report_texts_cite_the_chinese_articles_by_title_not_by_seed_number():
    """What a report shows names an article by its title, never as "seed 003" or 种子文档 (issue 12)."""
    internal = re.compile(r"\bseeds?\b|种子|文档 ?\d{3}", re.I)
    for lang in ("en", "zh"):
        cat = F.catalog(lang)
        for col in ("source", "evidence_note", "seed_where"):
            bad = [v for v in cat[col].dropna() if internal.search(v)]
            assert not bad, (lang, col, bad[:2])
    e = F.capability_matrix(evidence=True)
    for col in ("reason_en", "resolution", "reason_zh", "resolution_zh"):
        bad = [v for v in e[col].dropna() if internal.search(v)]
        assert not bad, (col, bad[:2])
    assert F.cite_seeds("A web page (seed 002).", "en") == ("A web page (客户关系五级管理 [Five-level customer "
                                                           "relationship management]).")
    assert F.cite_seeds("客户关系五级管理，PingCode 百科（种子文档 002）。", "zh") == "客户关系五级管理，PingCode 百科。"
    assert F.cite_seeds(3, "en") == 3
