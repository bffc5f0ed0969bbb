"""The capability comparison as a documented content analysis (issue 16, point 2): codebook, quoted
evidence, agreement between two codings (Krippendorff's alpha), similarity sensitivity, bootstrap."""
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
    assert set(e["quote_status"]) <= {"quoted", "paraphrase only", "not coded"}
    assert (e.loc[e["level"] == 0, "quote_status"] == "not coded").all()
    assert (e.loc[e["level"] > 0, "reason_en"].str.len() > 10).all()
    assert e["quote_kind"].dropna().isin(["seed", "publication"]).all()
    assert (e["quote_kind"].notna() == (e["quote_status"] == "quoted")).all()


def test_quote_coverage_counts():
    cov = F.quote_coverage()
    e = F.capability_matrix(evidence=True)
    coded = e[e["level"] > 0]
    assert cov.loc["total", "coded"] == len(coded)
    assert cov.loc["total", "quoted_seed"] == (coded["quote_kind"] == "seed").sum()
    assert cov.loc["total", "quoted_publication"] == (coded["quote_kind"] == "publication").sum()
    assert (cov["coded"] == cov["quoted_seed"] + cov["quoted_publication"] + cov["paraphrase_only"]).all()
    # pinned (issue 16, point 2): 171 coded cells; 76 quoted from the seeds, 57 from publications
    assert cov.loc["total", ["coded", "quoted_seed", "quoted_publication"]].tolist() == [171, 76, 57]
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


def test_publication_quotes_name_the_page_they_were_read_on():
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


def test_agreement_needs_a_second_coding_and_valid_levels():
    with pytest.raises(ParameterError, match="coding_b"):
        F.coding_agreement()
    bad = F.capability_matrix().astype(float)
    bad.iloc[0, 0] = 3
    with pytest.raises(InputError, match="level 3"):
        F.coding_agreement(F.capability_matrix(), bad)


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
