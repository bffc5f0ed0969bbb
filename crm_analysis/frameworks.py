"""CRM framework catalog and capability comparison.

The catalog lives in ``crm_analysis/frameworks_catalog.yaml``, linked as ``data/frameworks.yaml``
(bilingual; one record per framework with its
authors and source in English and Chinese, stages in order, focus, data needs, outputs and the seed document it appears in)
together with a common capability taxonomy and, per framework, the capabilities it covers (level
1 = partly, 2 = fully) with a one-line justification. The file is checked against :data:`SCHEMA`
on load: a missing field or an unknown capability is an error naming the framework and field.

The capability levels are a content analysis (issue 16): the catalog's levels are coding A
(:func:`coding_a`), a second coder's independent levels are coding B (:func:`coding_b`,
``frameworks_coding_b.csv``), :func:`coding_agreement` measures their agreement (Krippendorff's
alpha), and :func:`resolution` logs how every disagreement was settled (``frameworks_resolution.csv``).
:func:`capability_matrix` returns the resolved levels, which every analysis uses.

Examples
--------
>>> from crm_analysis import frameworks
>>> frameworks.catalog().shape[0] >= 11
True
>>> m = frameworks.capability_matrix()
>>> int(m.loc["idic", "identify"])
2
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.errors import InputError, ParameterError
from crm_analysis.i18n import check_lang, t

# shipped inside the package (a wheel has it); data/frameworks.yaml links to it for readers of the repository
DEFAULT_PATH = Path(__file__).resolve().parent / "frameworks_catalog.yaml"
# The content analysis (issue 16): the catalog's levels are coding A; a second coder, who never saw
# them, coded every cell again from the codebook and the sources (coding B, with reasons and quotes;
# docs/frameworks_coding_b.md says how); every cell the two codings disagree on was adjudicated and
# logged (the resolution). capability_matrix() and every analysis use the resolved levels;
# coding_a() and coding_b() return the two independent codings that coding_agreement() compares.
CODING_B_PATH = Path(__file__).resolve().parent / "frameworks_coding_b.csv"
RESOLUTION_PATH = Path(__file__).resolve().parent / "frameworks_resolution.csv"
CODING_B_COLUMNS = ("framework", "capability", "level", "reason", "quote", "quote_source")
RESOLUTION_COLUMNS = ("framework", "capability", "level_a", "level_b", "resolved_level", "resolution")

# Capabilities every catalog must define (issue 5); the file may add more.
REQUIRED_CAPABILITIES = ("identify", "differentiate", "interact", "customise", "customer_value", "satisfaction",
                         "retention", "partnership", "organisation", "data_technology", "performance")
FOCUS = ("strategic", "operational", "analytical")
STRUCTURES = ("process", "levels", "components", "model", "metrics")
STAGE_KINDS = ("primary", "supporting")
LEVELS = (1, 2)
# where a framework is operationalised in this package
# How much weight a framework's source can bear (issue 16), strongest first, with names in both languages.
EVIDENCE_LEVELS = {
    "peer_reviewed": ("peer-reviewed", "同行评审"),
    "practitioner_book": ("practitioner book or textbook", "实务著作或教科书"),
    "consultancy": ("consultancy", "咨询公司"),
    "web_article": ("unsourced web article", "无出处的网络文章"),
    "fictitious_illustration": ("illustrative article, declared fictitious", "示例文章（自称内容虚构）"),
    "ai_assisted": ("AI-assisted article", "AI 辅助撰写的文章"),
}
OPERATIONALISATIONS = ("mean_split", "quintile", "pareto", "idic", "clv", "crm_analysis.csi", "crm_analysis.maturity")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TEXT = (str,)

# Field name -> (allowed Python types, required). ``None`` in the types allows null.
SCHEMA: dict[str, dict[str, tuple[tuple[Any, ...], bool]]] = {
    "top": {"version": ((int,), True), "seed_documents": ((dict,), True), "lifecycle_phases": ((list,), True),
            "capabilities": ((list,), True), "frameworks": ((list,), True)},
    "seed_document": {"file": (_TEXT, True), "title_zh": (_TEXT, True), "title_en": (_TEXT, True)},
    "phase": {"id": (_TEXT, True), "en": (_TEXT, True), "zh": (_TEXT, True)},
    "capability": {"id": (_TEXT, True), "en": (_TEXT, True), "zh": (_TEXT, True),
                   "description_en": (_TEXT, True), "description_zh": (_TEXT, True)},
    "framework": {
        "id": (_TEXT, True), "name_en": (_TEXT, True), "name_zh": (_TEXT, True),
        "authors_en": ((list,), True), "authors_zh": ((list,), True),
        "year": ((int, type(None)), True), "year_note": (_TEXT, False),
        "source_en": (_TEXT, True), "source_zh": (_TEXT, True),
        "evidence_level": (_TEXT, True), "evidence_note_en": (_TEXT, True), "evidence_note_zh": (_TEXT, True),
        "seed": ((dict, type(None)), True), "seed_note_en": (_TEXT, False), "seed_note_zh": (_TEXT, False),
        "focus": (_TEXT, True), "focus_secondary": (_TEXT, False), "structure": (_TEXT, True),
        "stages": ((list,), True), "data_needs_en": (_TEXT, True), "data_needs_zh": (_TEXT, True),
        "outputs_en": (_TEXT, True), "outputs_zh": (_TEXT, True), "operationalised_by": ((list,), True),
        "capabilities": ((dict,), True),
    },
    "seed": {"doc": (_TEXT, True), "where_en": (_TEXT, True), "where_zh": (_TEXT, True)},
    "stage": {"en": (_TEXT, True), "zh": (_TEXT, True), "phase": (_TEXT, True), "kind": (_TEXT, False)},
    "mapping": {"level": ((int,), True), "en": (_TEXT, True), "zh": (_TEXT, True),
                "quote": (_TEXT, False), "quote_source": (_TEXT, False), "passage": (_TEXT, False)},
}
# fields of earlier catalog versions, named in the error so that an old file is easy to update
_RENAMED = {"authors": "'authors_en' and 'authors_zh'", "source": "'source_en' and 'source_zh'"}
# how each language's source text names a seed document ("seed 003", "种子文档 003")
_SEED_REF = {"en": re.compile(r"\bseed (\d{3})\b"), "zh": re.compile(r"种子文档 ?(\d{3})")}
# a quote taken from a seed document names it exactly so ("seed 003"); any other source is a publication
_SEED_QUOTE = re.compile(r"seed (\d{3})")


def _check_record(record: Any, kind: str, where: str, errors: list[str]) -> bool:
    """Check one mapping against ``SCHEMA[kind]``; append messages naming ``where`` and the field."""
    if not isinstance(record, dict):
        errors.append(f"{where}: expected a mapping of fields, got {type(record).__name__}")
        return False
    spec = SCHEMA[kind]
    for name, (types, required) in spec.items():
        if name not in record:
            if required:
                errors.append(f"{where}: field {name!r} is missing")
            continue
        value = record[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join("null" if ty is type(None) else ty.__name__ for ty in types)
            errors.append(f"{where}: field {name!r} should be {wanted}, got {type(value).__name__} ({value!r})")
        elif isinstance(value, str) and not value.strip():
            errors.append(f"{where}: field {name!r} is empty")
    for name in record:
        if name not in spec:
            hint = f"; it is now {_RENAMED[name]}" if name in _RENAMED else ""
            errors.append(f"{where}: unknown field {name!r}{hint} (expected {', '.join(spec)})")
    return True


def _one_of(value: Any, allowed: Sequence[Any], what: str, errors: list[str]) -> None:
    if value not in allowed:
        errors.append(f"{what} is {value!r}; expected one of {', '.join(map(str, allowed))}")


def validate_catalog(data: Any, source: str = "frameworks.yaml") -> dict[str, Any]:
    """Check a loaded catalog against :data:`SCHEMA` and the cross-references; return it unchanged.

    Raises
    ------
    InputError
        Listing every problem, each naming the framework (or section) and the field.
    """
    errors: list[str] = []
    if not _check_record(data, "top", source, errors):
        raise InputError("; ".join(errors))
    if errors:
        raise InputError(f"{source}: " + "; ".join(errors))
    seeds = data["seed_documents"]
    for key, doc in seeds.items():
        _check_record(doc, "seed_document", f"seed document {key!r}", errors)
    phases, caps = [], []
    for i, ph in enumerate(data["lifecycle_phases"]):
        if _check_record(ph, "phase", f"lifecycle phase #{i + 1}", errors):
            phases.append(ph.get("id"))
    for i, cap in enumerate(data["capabilities"]):
        if _check_record(cap, "capability", f"capability #{i + 1} ({cap.get('id', '?') if isinstance(cap, dict) else '?'})", errors):
            cid = cap.get("id")
            if isinstance(cid, str) and not _ID.match(cid):
                errors.append(f"capability {cid!r}: field 'id' must be lower_snake_case")
            if cid in caps:
                errors.append(f"capability {cid!r}: defined twice")
            caps.append(cid)
    for req in REQUIRED_CAPABILITIES:
        if req not in caps:
            errors.append(f"capabilities: the required capability {req!r} is not defined")
    if len(set(phases)) != len(phases):
        errors.append("lifecycle_phases: an id is defined twice")
    ids: list[str] = []
    for i, fw in enumerate(data["frameworks"]):
        name = fw.get("id", f"#{i + 1}") if isinstance(fw, dict) else f"#{i + 1}"
        where = f"framework {name!r}"
        if not _check_record(fw, "framework", where, errors):
            continue
        if isinstance(fw.get("id"), str) and not _ID.match(fw["id"]):
            errors.append(f"{where}: field 'id' must be lower_snake_case")
        if name in ids:
            errors.append(f"{where}: id used twice")
        ids.append(name)
        _one_of(fw.get("focus"), FOCUS, f"{where}: field 'focus'", errors)
        if "focus_secondary" in fw:
            _one_of(fw["focus_secondary"], FOCUS, f"{where}: field 'focus_secondary'", errors)
        _one_of(fw.get("structure"), STRUCTURES, f"{where}: field 'structure'", errors)
        _one_of(fw.get("evidence_level"), list(EVIDENCE_LEVELS), f"{where}: field 'evidence_level'", errors)
        year = fw.get("year")
        if isinstance(year, int) and not 1900 <= year <= 2100:
            errors.append(f"{where}: field 'year' is {year}; expected a year such as 2004")
        if "year" in fw and year is None and "year_note" not in fw:
            errors.append(f"{where}: field 'year' is null, so field 'year_note' must say why")
        for lang in ("en", "zh"):
            authors = fw.get(f"authors_{lang}")
            if isinstance(authors, list) and (not authors or not all(isinstance(a, str) and a.strip() for a in authors)):
                errors.append(f"{where}: field 'authors_{lang}' must list at least one name")
        if isinstance(fw.get("authors_en"), list) and isinstance(fw.get("authors_zh"), list) \
                and len(fw["authors_en"]) != len(fw["authors_zh"]):
            errors.append(f"{where}: fields 'authors_en' and 'authors_zh' should name the same authors "
                          f"({len(fw['authors_en'])} and {len(fw['authors_zh'])} names)")
        seed = fw.get("seed", "absent")
        seed_doc = seed.get("doc") if isinstance(seed, dict) else None
        for lang in ("en", "zh"):
            text = fw.get(f"source_{lang}")
            for ref in _SEED_REF[lang].findall(text) if isinstance(text, str) else []:
                if ref != seed_doc:
                    errors.append(f"{where}: field 'source_{lang}' cites seed {ref} but field 'seed.doc' is "
                                  f"{seed_doc!r}")
        if seed is None:
            for note in ("seed_note_en", "seed_note_zh"):
                if note not in fw:
                    errors.append(f"{where}: field 'seed' is null, so field {note!r} must say why")
        elif isinstance(seed, dict) and _check_record(seed, "seed", f"{where}, field 'seed'", errors):
            _one_of(seed.get("doc"), list(seeds), f"{where}: field 'seed.doc'", errors)
        stages = fw.get("stages")
        if isinstance(stages, list):
            if not stages:
                errors.append(f"{where}: field 'stages' is empty")
            for j, st in enumerate(stages):
                sw = f"{where}, stage #{j + 1}"
                if _check_record(st, "stage", sw, errors):
                    _one_of(st.get("phase"), phases, f"{sw}: field 'phase'", errors)
                    if "kind" in st:
                        _one_of(st["kind"], STAGE_KINDS, f"{sw}: field 'kind'", errors)
        ops = fw.get("operationalised_by")
        if isinstance(ops, list):
            for op in ops:
                if op not in OPERATIONALISATIONS:
                    errors.append(f"{where}: field 'operationalised_by' has {op!r}; expected any of {', '.join(OPERATIONALISATIONS)}")
        mapping = fw.get("capabilities")
        if isinstance(mapping, dict):
            if not mapping:
                errors.append(f"{where}: field 'capabilities' maps no capability")
            for cap, rec in mapping.items():
                cw = f"{where}, field 'capabilities.{cap}'"
                if cap not in caps:
                    errors.append(f"{where}: unknown capability {cap!r} in field 'capabilities' "
                                  f"(known: {', '.join(map(str, caps))})")
                    continue
                if not _check_record(rec, "mapping", cw, errors):
                    continue
                if rec.get("level") not in LEVELS:
                    errors.append(f"{cw}: level is {rec.get('level')!r}; expected 1 (partly) or 2 (fully); "
                                  f"leave a capability out for 0")
                if ("quote" in rec) != ("quote_source" in rec):
                    errors.append(f"{cw}: fields 'quote' and 'quote_source' go together (a passage and where it is from)")
                if "quote" in rec and not _SEED_QUOTE.fullmatch(str(rec.get("quote_source", ""))):
                    errors.append(f"{cw}: a 'quote' must come from a seed document ('quote_source: seed NNN'); "
                                  "for a publication give field 'passage' (citation and where it was read)")
                if "passage" in rec and "quote" in rec:
                    errors.append(f"{cw}: give either 'quote' (a seed passage) or 'passage' (where a publication's "
                                  "passage was read), not both")
                qs = _SEED_QUOTE.fullmatch(str(rec.get("quote_source", "")))
                if qs and qs.group(1) != seed_doc:
                    errors.append(f"{cw}: field 'quote_source' is seed {qs.group(1)} but field 'seed.doc' is {seed_doc!r}")
    if errors:
        raise InputError(f"{source}: {len(errors)} problem(s): " + "; ".join(errors))
    return data


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    return validate_catalog(data, path)


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The validated catalog as a dict (``data/frameworks.yaml`` unless ``path`` is given).

    Examples
    --------
    >>> sorted(load()["seed_documents"])
    ['000', '001', '002', '003']
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    if not p.is_file():
        raise InputError(f"{p}: framework catalog not found (expected the catalog shipped with the package)")
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


def cite_seeds(text: Any, lang: str = "en", path: str | Path | None = None) -> Any:
    """``text`` with the project's internal names for its Chinese source articles ("seed 003",
    "种子文档 003", "the seeds") replaced by how a reader cites them: the article's title.

    The catalog and the coding files name the articles by number, which is how the tests find them;
    a report shows titles. Anything that is not text is returned unchanged.

    Examples
    --------
    >>> cite_seeds("Undated web article collected in seed 003.")
    'Undated web article collected in the article 客户关系管理的体系框架分析 [CRM framework analysis (a collection)].'
    >>> cite_seeds("不在种子文档中；是文档 000 三级评级的学术对照。", "zh")
    '不在本项目的中文来源文章中；是《客户关系管理等级分类：从初级到高级》三级评级的学术对照。'
    """
    if not isinstance(text, str):
        return text
    docs = load(path)["seed_documents"]
    titles = {k: v["title_zh"] for k, v in docs.items()}
    # in English a Chinese title is followed by its translation, as in the catalog's references
    cited = {k: f"{v['title_zh']} [{v['title_en']}]" if lang == "en" else f"《{v['title_zh']}》" for k, v in docs.items()}

    def paren(m: re.Match) -> str:  # "(seed 002)" after a citation that already names the article
        title = titles.get(m.group(1), m.group(1))
        return "" if title in text else (f" ({cited[m.group(1)]})" if lang == "en" else f"（{cited[m.group(1)]}）")

    if lang == "en":
        text = re.sub(r"\s*\(seed (\d{3})\)", paren, text)
        text = re.sub(r"\b([Nn])ot in the seeds\b", r"\1ot in the project's Chinese source articles", text)
        text = re.sub(r"\bthe seeds\b", "the Chinese source articles", text)
        text = re.sub(r"\b(?:[Tt]he )?[Ss]eed (\d{3})\b", lambda m: f"the article {cited.get(m.group(1), m.group(1))}", text)
        text = re.sub(r"\b([Tt])he seed(?: article)?\b", r"\1he Chinese article", text)
    else:
        text = re.sub(r"（种子文档 ?(\d{3})）", paren, text)
        text = text.replace("不在种子文档中", "不在本项目的中文来源文章中")
        text = re.sub("(?:\u79cd\u5b50)?\u6587\u6863 ?(\\d{3}) ?", lambda m: cited.get(m.group(1), m.group(1)), text)  # (种子)文档 NNN
        text = text.replace("种子文档", "中文来源文章").replace("种子文章", "该中文文章")
    return text


def catalog(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """One row per framework: names, authors, year, source, focus, stages, data needs, outputs, seed.

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of ``name``, ``authors``, ``source``, ``stages``, ``data_needs``, ``outputs`` and
        ``seed_where`` (``name_en`` and ``name_zh`` are always both present).
    path : path, optional
        Another catalog file with the same schema.

    Returns
    -------
    DataFrame
        Index ``framework`` (id). ``authors`` joins the names with "; " (English) or "、" (Chinese);
        ``source`` is the full reference. ``stages`` joins the stages in order with " → " (building blocks, structure "components", with " · ": they have no order);
        ``seed_document`` is the seed's number (``"003"``) and ``seed_file`` its file name, or
        missing when the framework is not in the seeds.

    Examples
    --------
    >>> catalog("zh").loc["rfm", "seed_document"]
    '003'
    >>> catalog("zh").loc["seven_steps", "authors"]
    '晚来秋（笔名）'
    """
    check_lang(lang)
    data = load(path)
    seeds = data["seed_documents"]
    rows = []
    for fw in data["frameworks"]:
        seed = fw["seed"]
        primary = [s for s in fw["stages"] if s.get("kind", "primary") == "primary"]
        support = [s for s in fw["stages"] if s.get("kind", "primary") == "supporting"]
        # building blocks have no order: joined with a middle dot, not an arrow
        joiner = " · " if fw["structure"] == "components" else " → "
        rows.append({
            "framework": fw["id"],
            "name": fw[f"name_{lang}"],
            "name_en": fw["name_en"],
            "name_zh": fw["name_zh"],
            "authors": t("; ", "、", lang).join(fw[f"authors_{lang}"]),
            "year": fw["year"],
            "source": cite_seeds(fw[f"source_{lang}"], lang, path),
            "evidence_level": fw["evidence_level"],
            "evidence": EVIDENCE_LEVELS[fw["evidence_level"]][0 if lang == "en" else 1],
            "evidence_note": cite_seeds(fw[f"evidence_note_{lang}"], lang, path),
            "focus": fw["focus"],
            "focus_secondary": fw.get("focus_secondary"),
            "structure": fw["structure"],
            "stages": joiner.join(s[lang] for s in primary),
            "supporting": "; ".join(s[lang] for s in support) or None,
            "n_stages": len(primary),
            "data_needs": fw[f"data_needs_{lang}"],
            "outputs": fw[f"outputs_{lang}"],
            "seed_document": seed["doc"] if seed else None,
            "seed_file": seeds[seed["doc"]]["file"] if seed else None,
            "seed_where": cite_seeds(seed[f"where_{lang}"] if seed else fw.get(f"seed_note_{lang}"), lang, path),
            "operationalised_by": ", ".join(fw["operationalised_by"]) or None,
        })
    out = pd.DataFrame(rows).set_index("framework")
    out["year"] = out["year"].astype("Int64")
    return out


def capabilities(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """The capability taxonomy: ``capability`` (id), ``name``, ``description`` in ``lang``, ``required``."""
    check_lang(lang)
    rows = [{"capability": c["id"], "name": c[lang], "description": c[f"description_{lang}"],
             "required": c["id"] in REQUIRED_CAPABILITIES} for c in load(path)["capabilities"]]
    return pd.DataFrame(rows).set_index("capability")


def mappings(path: str | Path | None = None) -> pd.DataFrame:
    """Every framework-capability mapping with its level and one-line justification (en, zh).

    Capabilities a framework does not cover are absent (level 0).

    Examples
    --------
    >>> mappings().query("framework == 'rfm' and capability == 'customer_value'")["level"].item()
    2
    """
    rows = [{"framework": fw["id"], "capability": cap, "level": rec["level"],
             "justification_en": rec["en"], "justification_zh": rec["zh"]}
            for fw in load(path)["frameworks"] for cap, rec in fw["capabilities"].items()]
    return pd.DataFrame(rows)


def coding_a(path: str | Path | None = None) -> pd.DataFrame:
    """Coding A: the levels written in the catalog, frameworks × capabilities (0, 1, 2).

    The catalog's authors coded every framework from the codebook and the sources; these levels are
    kept as coded, before the disagreements with coding B were resolved (:func:`resolution`), so that
    :func:`coding_agreement` compares two independent codings.

    Examples
    --------
    >>> int(coding_a().loc["idic", "identify"])
    2
    """
    data = load(path)
    caps = [c["id"] for c in data["capabilities"]]
    fws = [fw["id"] for fw in data["frameworks"]]
    m = pd.DataFrame(0, index=pd.Index(fws, name="framework"), columns=pd.Index(caps, name="capability"), dtype=np.int64)
    for fw in data["frameworks"]:
        for cap, rec in fw["capabilities"].items():
            m.loc[fw["id"], cap] = rec["level"]
    return m


@lru_cache(maxsize=4)
def _read_coding_b(path: str, mtime: float) -> pd.DataFrame:
    tab = pd.read_csv(path, dtype={"framework": str, "capability": str, "reason": str, "quote": str,
                                   "quote_source": str}, keep_default_na=False, na_values=[""])
    missing = [c for c in CODING_B_COLUMNS if c not in tab.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing (expected {', '.join(CODING_B_COLUMNS)})")
    if tab.duplicated(["framework", "capability"]).any():
        dup = tab[tab.duplicated(["framework", "capability"])].iloc[0]
        raise InputError(f"{path}: framework {dup['framework']!r}, capability {dup['capability']!r} coded twice")
    bad = ~tab["level"].isin([0, 1, 2])
    if bad.any():
        row = tab[bad].iloc[0]
        raise InputError(f"{path}: level {row['level']!r} for framework {row['framework']!r}, capability "
                         f"{row['capability']!r}; expected 0, 1 or 2")
    return tab.astype({"level": np.int64})


def coding_b(long: bool = False) -> pd.DataFrame:
    """Coding B: the second, independent coding (``crm_analysis/frameworks_coding_b.csv``).

    Made by a coder who saw the codebook, the citations and the source articles but none of coding A
    (not its levels, reasons, quotes or stage lists); docs/frameworks_coding_b.md is the coder's own
    account of the method. ``long=False``: frameworks × capabilities of 0/1/2 in the catalog's order;
    ``long=True``: one row per cell with the coder's ``reason``, ``quote`` and ``quote_source``.

    Raises
    ------
    InputError
        When the file is missing, lacks a column, codes a cell twice or a level outside 0-2, or does
        not cover every framework and capability of the catalog exactly.
    """
    if not CODING_B_PATH.is_file():
        raise InputError(f"{CODING_B_PATH}: the second coding is not shipped with this installation")
    tab = _read_coding_b(str(CODING_B_PATH), CODING_B_PATH.stat().st_mtime).copy()
    a = coding_a()
    cells = set(zip(tab["framework"], tab["capability"]))
    expected = {(f, c) for f in a.index for c in a.columns}
    if cells != expected:
        extra, lacking = sorted(cells - expected), sorted(expected - cells)
        raise InputError(f"{CODING_B_PATH}: does not cover the catalog's cells exactly "
                         f"(unknown: {extra[:3]}{'…' if len(extra) > 3 else ''}; "
                         f"not coded: {lacking[:3]}{'…' if len(lacking) > 3 else ''})")
    if long:
        order = {(f, c): i for i, (f, c) in enumerate(_cells(a))}
        return tab.assign(_o=[order[k] for k in zip(tab["framework"], tab["capability"])]) \
                  .sort_values("_o").drop(columns="_o").reset_index(drop=True)
    wide = tab.pivot(index="framework", columns="capability", values="level").reindex(index=a.index, columns=a.columns)
    return wide.astype(np.int64)


def _cells(matrix: pd.DataFrame) -> list[tuple[str, str]]:
    """The cells of a frameworks × capabilities matrix, row by row."""
    return [(f, c) for f in matrix.index for c in matrix.columns]


# coding_agreement() and disagreements() name their arguments coding_a and coding_b
_first_coding, _second_coding = coding_a, coding_b


@lru_cache(maxsize=4)
def _read_resolution(path: str, mtime: float) -> pd.DataFrame:
    tab = pd.read_csv(path, dtype={"framework": str, "capability": str, "resolution": str, "resolution_zh": str,
                                   "quote": str, "quote_source": str}, keep_default_na=False, na_values=[""])
    missing = [c for c in RESOLUTION_COLUMNS if c not in tab.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing (expected {', '.join(RESOLUTION_COLUMNS)})")
    return tab


def resolution() -> pd.DataFrame:
    """The adjudication log: every cell on which codings A and B disagree, with both levels, the
    ``resolved_level`` and the ``resolution`` (why, in one sentence; ``resolution_zh`` in Chinese).

    Raises
    ------
    InputError
        When the log does not cover exactly the cells the two codings disagree on, when its
        ``level_a`` / ``level_b`` are not the codings' levels (a stale log), or when a resolved level
        is not 0, 1 or 2.
    """
    if not RESOLUTION_PATH.is_file():
        raise InputError(f"{RESOLUTION_PATH}: no resolution log is shipped with this installation")
    log = _read_resolution(str(RESOLUTION_PATH), RESOLUTION_PATH.stat().st_mtime).copy()
    a, b = coding_a(), coding_b()
    where = str(RESOLUTION_PATH)
    if log.duplicated(["framework", "capability"]).any():
        raise InputError(f"{where}: a cell is resolved twice")
    need = {k for k in _cells(a) if a.loc[k] != b.loc[k]}
    have = set(zip(log["framework"], log["capability"]))
    if need != have:
        raise InputError(f"{where}: the log should cover exactly the {len(need)} cells codings A and B disagree on "
                         f"(not logged: {sorted(need - have)[:3]}; logged but agreed: {sorted(have - need)[:3]})")
    for row in log.itertuples(index=False):
        cell = f"framework {row.framework!r}, capability {row.capability!r}"
        if (row.level_a, row.level_b) != (a.loc[row.framework, row.capability], b.loc[row.framework, row.capability]):
            raise InputError(f"{where}: {cell}: level_a/level_b {row.level_a}/{row.level_b} are not the codings' levels "
                             f"{a.loc[row.framework, row.capability]}/{b.loc[row.framework, row.capability]} (stale log)")
        if row.resolved_level not in (0, 1, 2):
            raise InputError(f"{where}: {cell}: resolved_level {row.resolved_level!r}; expected 0, 1 or 2")
        if not isinstance(row.resolution, str) or len(row.resolution.strip()) < 10:
            raise InputError(f"{where}: {cell}: field 'resolution' must say why")
    return log.astype({"level_a": np.int64, "level_b": np.int64, "resolved_level": np.int64})


def _resolved(path: str | Path | None) -> bool:
    """The shipped catalog is read with its resolution; another catalog file has none."""
    shipped = path is None or Path(path).resolve() == DEFAULT_PATH.resolve()
    return shipped and RESOLUTION_PATH.is_file() and CODING_B_PATH.is_file()


def capability_matrix(levels: bool = True, path: str | Path | None = None, evidence: bool = False) -> pd.DataFrame:
    """Frameworks × capabilities: 0/1/2 (not, partly, fully covered), or 0/1 with ``levels=False``.

    The levels are the RESOLVED ones: coding A (the catalog, :func:`coding_a`) with every
    disagreement with coding B (:func:`coding_b`) replaced by the adjudicated level of
    :func:`resolution`. Every analysis (similarity, clusters, coverage, gaps, the report) uses them.
    Another catalog file (``path``) has no second coding: its own levels are used.

    With ``evidence=True``: one row per framework and capability (zeros included) with ``level``
    (resolved), ``level_a`` and ``level_b`` (the two codings; ``level_b`` missing for another catalog),
    the reason (``reason_en``, ``reason_zh``: coding A's; for a cell only coding B coded, B's reason
    in English), ``resolution`` and ``resolution_zh`` (why a disagreement was settled as it was), the
    quoted source passage (``quote``, ``quote_source``), ``quote_status`` — ``"quoted"`` when a
    verbatim passage of a seed document is on file, ``"passage located"`` when the cell rests on a
    publication and ``quote_source`` gives the citation and the address of the page where the
    supporting passage was read (third-party text is cited, not reproduced), ``"paraphrase only"``
    when the cell rests on the coder's paraphrase alone, ``"not coded"`` for a 0 (absence is not
    quoted) — and ``quote_kind``: ``"seed"`` (``quote_source`` is ``"seed NNN"``; the passage occurs
    verbatim, up to whitespace, in that seed file, which the tests check) or ``"publication"``. ``quote_by`` says
    whose passage it is: ``"resolution"`` (read by the adjudicator for a settled disagreement),
    ``"A"`` (the catalog's), or ``"B"`` (coding B's seed passage, used when neither of the others has
    one and B's level is the resolved one). For a cell only coding B coded, ``reason_en`` is B's
    reason and ``reason_zh`` the resolution's Chinese sentence. Not every coded cell is quoted;
    :func:`quote_coverage` counts them per framework, so that no count written here can go stale.

    Examples
    --------
    >>> capability_matrix(levels=False).loc["rfm", ["differentiate", "partnership"]].tolist()
    [1, 0]
    """
    data = load(path)
    m = coding_a(path)
    log = resolution() if _resolved(path) else None
    b_long = coding_b(long=True).set_index(["framework", "capability"]) if log is not None else None
    if log is not None:
        for row in log.itertuples(index=False):
            m.loc[row.framework, row.capability] = row.resolved_level
    if not evidence:
        return m if levels else (m > 0).astype(np.int64)
    seeds = data["seed_documents"]
    seed_of = {fw["id"]: (fw["seed"] or {}).get("doc") for fw in data["frameworks"]}
    res = log.set_index(["framework", "capability"]) if log is not None else None

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) and value.strip() else None

    rows = []
    for fw in data["frameworks"]:
        doc = seed_of[fw["id"]]
        for cap in m.columns:
            rec = fw["capabilities"].get(cap)
            key = (fw["id"], cap)
            level = int(m.loc[key])
            brow = b_long.loc[key] if b_long is not None else None
            logged = res is not None and key in res.index
            lrow = res.loc[key] if logged else None
            reason_en = rec["en"] if rec else None
            reason_zh = rec["zh"] if rec else None
            if level > 0 and rec is None:  # only coding B coded it: B's reason, and the resolution in Chinese
                reason_en = text(brow["reason"]) if brow is not None else None
                reason_zh = text(lrow["resolution_zh"]) if lrow is not None and "resolution_zh" in lrow else None
            # the passage: the resolution's (read by the adjudicator), else coding A's, else coding B's seed
            # passage when B's level is the resolved one (B wrote seed sources as "seeds/<file>")
            quote = source = by = None
            if lrow is not None and "quote" in lrow and text(lrow["quote"]):
                quote, source, by = lrow["quote"], lrow["quote_source"], "resolution"
            elif rec and rec.get("quote"):
                quote, source, by = rec["quote"], rec["quote_source"], "A"
            elif brow is not None and text(brow["quote"]) and int(brow["level"]) == level and doc is not None \
                    and str(brow["quote_source"]).strip() == f"seeds/{seeds[doc]['file']}":
                quote, source, by = brow["quote"], f"seed {doc}", "B"
            elif lrow is not None and text(lrow.get("quote_source")) and int(lrow["resolved_level"]) == level:
                source, by = lrow["quote_source"], "resolution"  # a publication's passage: located, not copied
            elif rec and rec.get("passage"):
                source, by = rec["passage"], "A"
            if level == 0:
                quote = source = by = None
            rows.append({"framework": fw["id"], "capability": cap, "level": level,
                         "level_a": int(rec["level"]) if rec else 0,
                         "level_b": int(brow["level"]) if brow is not None else None,
                         "reason_en": reason_en, "reason_zh": reason_zh,
                         "resolution": lrow["resolution"] if lrow is not None else None,
                         "resolution_zh": text(lrow["resolution_zh"]) if lrow is not None and "resolution_zh" in lrow else None,
                         "quote": quote, "quote_source": source, "quote_by": by,
                         "quote_status": "not coded" if level == 0 else (
                             "quoted" if quote else "passage located" if source else "paraphrase only"),
                         "quote_kind": None if not source else ("seed" if _SEED_QUOTE.fullmatch(source)
                                                                else "publication")})
    out = pd.DataFrame(rows)
    out["level_b"] = out["level_b"].astype("Int64")
    # the texts a report shows cite the Chinese articles by title (``quote_source`` keeps "seed NNN")
    for col, lang in (("reason_en", "en"), ("resolution", "en"), ("reason_zh", "zh"), ("resolution_zh", "zh")):
        out[col] = [cite_seeds(v, lang, path) for v in out[col]]
    return out


def quote_coverage(path: str | Path | None = None) -> pd.DataFrame:
    """How many coded cells (level 1 or 2) of each framework rest on a verbatim quote or a located passage.

    One row per framework plus ``total``: ``coded`` cells, ``quoted_seed`` (a verbatim passage of
    the seed document), ``located_publication`` (the citation and the address of the page where the
    publication's supporting passage was read; the passage is not reproduced), ``paraphrase_only``,
    ``share_quoted`` (verbatim) and ``share_supported`` (quoted or located).

    Examples
    --------
    >>> cov = quote_coverage()
    >>> int(cov.loc["total", "coded"]) == int((capability_matrix() > 0).to_numpy().sum())
    True
    """
    e = capability_matrix(path=path, evidence=True)
    e = e[e["level"] > 0]
    out = pd.DataFrame({
        "coded": e.groupby("framework", sort=False).size(),
        "quoted_seed": e["quote_kind"].eq("seed").groupby(e["framework"], sort=False).sum(),
        "located_publication": e["quote_kind"].eq("publication").groupby(e["framework"], sort=False).sum(),
    })
    out["paraphrase_only"] = out["coded"] - out["quoted_seed"] - out["located_publication"]
    out.loc["total"] = out.sum()
    out = out.astype(np.int64)
    out["share_quoted"] = out["quoted_seed"] / out["coded"]
    out["share_supported"] = (out["quoted_seed"] + out["located_publication"]) / out["coded"]
    out.index.name = "framework"
    return out


def _matrix(matrix: pd.DataFrame | None) -> pd.DataFrame:
    m = capability_matrix() if matrix is None else matrix
    if not isinstance(m, pd.DataFrame) or m.empty:
        raise ParameterError("matrix: expected a non-empty frameworks × capabilities DataFrame")
    values = m.to_numpy()
    if not np.isin(values, (0, 1, 2)).all():
        raise InputError("matrix: expected levels 0, 1 or 2")
    return m


SIMILARITY_METRICS = ("jaccard", "ruzicka", "manhattan", "cosine")


def similarity(matrix: pd.DataFrame | None = None, weighted: bool = False, metric: str | None = None) -> pd.DataFrame:
    """Pairwise Jaccard similarity of the frameworks' capability profiles.

    ``weighted=False`` (default): classic Jaccard on "covers at least partly" (|A ∩ B| / |A ∪ B|).
    ``weighted=True``: Ruzicka similarity on the 0/1/2 levels (Σ min / Σ max). ``metric`` picks
    any of :data:`SIMILARITY_METRICS` instead: ``"manhattan"`` (1 − mean |a − b| / 2 on the
    ordinal levels, zeros shared count as agreement) or ``"cosine"``.

    Examples
    --------
    >>> m = pd.DataFrame([[2, 1, 0], [2, 0, 1]], index=["a", "b"], columns=["x", "y", "z"])
    >>> similarity(m).loc["a", "b"], similarity(m, weighted=True).loc["a", "b"]
    (np.float64(0.3333333333333333), np.float64(0.5))
    """
    m = _matrix(matrix)
    x = m.to_numpy(dtype=float)
    metric = metric if metric is not None else ("ruzicka" if weighted else "jaccard")
    if metric not in SIMILARITY_METRICS:
        raise ParameterError(f"metric={metric!r}: expected one of {', '.join(SIMILARITY_METRICS)}")
    if metric == "manhattan":  # 1 − mean absolute difference on the 0-2 ordinal scale
        sim = 1 - np.abs(x[:, None, :] - x[None, :, :]).mean(axis=2) / 2
        return pd.DataFrame(sim, index=m.index, columns=m.index)
    if metric == "cosine":
        norm = np.sqrt((x ** 2).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            sim = np.where(np.outer(norm, norm) > 0, (x @ x.T) / np.outer(norm, norm), 0.0)
        np.fill_diagonal(sim, 1.0)
        return pd.DataFrame(sim, index=m.index, columns=m.index)
    if metric == "jaccard":
        x = (x > 0).astype(float)
    mins = np.minimum(x[:, None, :], x[None, :, :]).sum(axis=2)
    maxs = np.maximum(x[:, None, :], x[None, :, :]).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(maxs > 0, mins / maxs, 1.0)
    return pd.DataFrame(sim, index=m.index, columns=m.index)


def similar_pairs(n: int = 5, matrix: pd.DataFrame | None = None, weighted: bool = False) -> pd.DataFrame:
    """The ``n`` most similar pairs of frameworks (``framework_a``, ``framework_b``, ``similarity``).

    Examples
    --------
    >>> m = pd.DataFrame([[1, 1, 0], [1, 1, 0], [0, 1, 1]], index=["a", "b", "c"], columns=["x", "y", "z"])
    >>> similar_pairs(2, m).values.tolist()
    [['a', 'b', 1.0], ['a', 'c', 0.3333333333333333]]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"n={n!r}: expected a positive whole number of pairs")
    sim = similarity(matrix, weighted=weighted)
    ids = list(sim.index)
    rows = [(ids[i], ids[j], float(sim.iloc[i, j])) for i in range(len(ids)) for j in range(i + 1, len(ids))]
    out = pd.DataFrame(rows, columns=["framework_a", "framework_b", "similarity"])
    return out.sort_values("similarity", ascending=False, kind="stable").head(n).reset_index(drop=True)


@dataclass
class ClusterResult:
    """Average-linkage clustering of frameworks on Jaccard distance (1 − similarity)."""

    linkage: np.ndarray
    order: list[str]
    distance: pd.DataFrame
    cophenetic_correlation: float
    method: str

    def groups(self, k: int) -> pd.Series:
        """Cluster number (1..k) of each framework when the tree is cut into ``k`` groups."""
        from scipy.cluster.hierarchy import fcluster

        if not isinstance(k, int) or not 1 <= k <= len(self.order):
            raise ParameterError(f"k={k!r}: expected a whole number of groups between 1 and {len(self.order)}")
        labels = fcluster(self.linkage, t=k, criterion="maxclust")
        return pd.Series(labels, index=self.distance.index, name="group")


def cluster(matrix: pd.DataFrame | None = None, method: str = "average", weighted: bool = False) -> ClusterResult:
    """Hierarchical clustering of frameworks by capability profile (scipy ``linkage``).

    Parameters
    ----------
    matrix : DataFrame, optional
        Frameworks × capabilities (default :func:`capability_matrix`).
    method : {"average", "complete", "single"}
        Linkage; average (UPGMA) is the usual choice for Jaccard distances.
    weighted : bool
        Use the weighted Jaccard (see :func:`similarity`).

    Examples
    --------
    >>> res = cluster()
    >>> len(res.order) == len(catalog())
    True
    """
    if method not in ("average", "complete", "single"):
        raise ParameterError(f"method={method!r}: expected 'average', 'complete' or 'single'")
    return _cluster_on(similarity(matrix, weighted=weighted), method)


def coverage(matrix: pd.DataFrame | None = None, lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """Per capability: how many frameworks cover it fully / partly, and which.

    ``status`` is ``"gap"`` (no framework covers it), ``"partial only"`` (none fully) or
    ``"covered"``.

    Examples
    --------
    >>> coverage().loc["satisfaction", "status"]
    'covered'
    """
    m = _matrix(matrix if matrix is not None else capability_matrix(path=path))
    names = capabilities(lang, path)["name"] if matrix is None else pd.Series(m.columns, index=m.columns)
    rows = []
    for cap in m.columns:
        col = m[cap]
        full = list(col.index[col == 2])
        part = list(col.index[col == 1])
        status = "covered" if full else ("partial only" if part else "gap")
        rows.append({"capability": cap, "name": names.get(cap, cap), "full": len(full), "partial": len(part),
                     "frameworks_full": ", ".join(full), "frameworks_partial": ", ".join(part), "status": status})
    return pd.DataFrame(rows).set_index("capability")


def gaps(matrix: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
    """Capabilities that no framework covers fully (``status`` "gap" or "partial only").

    Examples
    --------
    >>> m = pd.DataFrame([[2, 1], [1, 0]], index=["a", "b"], columns=["x", "y"])
    >>> list(gaps(m).index)
    ['y']
    """
    cov = coverage(matrix, lang)
    return cov[cov["status"] != "covered"]


def stage_alignment(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """Every stage of every framework with its position and the common lifecycle phase it maps to.

    Returns a tidy DataFrame: ``framework``, ``name``, ``order`` (1-based), ``stage``, ``kind``
    (primary/supporting), ``phase`` (id), ``phase_name`` and ``phase_order``.
    """
    check_lang(lang)
    data = load(path)
    phases = {p["id"]: (i, p[lang]) for i, p in enumerate(data["lifecycle_phases"])}
    rows = []
    for fw in data["frameworks"]:
        for j, st in enumerate(fw["stages"]):
            rows.append({"framework": fw["id"], "name": fw[f"name_{lang}"], "order": j + 1, "stage": st[lang],
                         "kind": st.get("kind", "primary"), "phase": st["phase"],
                         "phase_name": phases[st["phase"]][1], "phase_order": phases[st["phase"]][0]})
    return pd.DataFrame(rows)


def lifecycle_phases(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """The common lifecycle phases the stages are aligned on, in order."""
    check_lang(lang)
    return pd.DataFrame([{"phase": p["id"], "name": p[lang]} for p in load(path)["lifecycle_phases"]])


# ----------------------------------------------------------------------------- plots
def _short_names(lang: str, path: str | Path | None = None) -> pd.Series:
    cat = catalog(lang, path)
    # a trailing aside in brackets, ASCII (English) or full-width (Chinese)
    short = cat["name"].str.replace(r"\s*[(（][^)）]*[)）]\s*$", "", regex=True)
    return short


def plot_heatmap(lang: str = "en", weighted: bool = False, ax: Any = None) -> Any:
    """Heatmap of the capability matrix with rows ordered by the clustering (returns the Axes)."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.colors import ListedColormap

    check_lang(lang)
    m = capability_matrix()
    order = cluster(m, weighted=weighted).order
    m = m.loc[order]
    caps = capabilities(lang)["name"]
    names = _short_names(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * m.shape[1] + 4, 0.45 * m.shape[0] + 2.5))
    cmap = ListedColormap(["#f2f2f2", "#9ecae1", "#1f5a96"])
    sns.heatmap(m, ax=ax, cmap=cmap, vmin=-0.5, vmax=2.5, linewidths=0.5, linecolor="white",
                cbar_kws={"ticks": [0, 1, 2], "shrink": 0.6})
    cbar = ax.collections[0].colorbar
    cbar.set_ticklabels([t("not covered", "未涉及", lang), t("partly", "部分", lang), t("fully", "完整", lang)])
    ax.set_xticklabels([caps[c] for c in m.columns], rotation=60, ha="right")
    ax.set_yticklabels([names[f] for f in m.index], rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(t("CRM frameworks × capabilities (rows clustered)", "CRM 框架 × 能力（行已聚类）", lang))
    return ax


def plot_dendrogram(lang: str = "en", weighted: bool = False, ax: Any = None) -> Any:
    """Dendrogram of the average-linkage clustering on Jaccard distance (returns the Axes)."""
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    check_lang(lang)
    res = cluster(weighted=weighted)
    names = _short_names(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * len(res.order) + 1.5))
    dendrogram(res.linkage, labels=[names[f] for f in res.distance.index], orientation="right", ax=ax,
               color_threshold=0.7 * float(res.linkage[:, 2].max()))
    ax.set_xlabel(t("Jaccard distance (1 − similarity)", "Jaccard 距离（1 − 相似度）", lang))
    ax.set_title(t("Which frameworks cover the same capabilities", "哪些框架覆盖相同的能力", lang))
    return ax


# Stage markers within one lifecycle column are this far apart (x units; a column with one stage is
# 1 unit wide) and the outer ones keep this margin to the column's edges.
_STAGE_STEP = 0.34
_STAGE_MARGIN = 0.22


def _stage_layout(st: pd.DataFrame, n_phases: int) -> tuple[pd.DataFrame, np.ndarray]:
    """x position of every stage and the lifecycle columns' edges.

    A column is as wide as its most crowded cell needs (at least 1), so that the stages one framework
    puts in the same phase (six for the CSI models) sit side by side at a fixed spacing instead of
    being squeezed into a fixed width. Within a cell: primary stages in order, then supporting ones.
    """
    st = st.assign(_primary=(st["kind"] != "primary").astype(int))
    st = st.sort_values(["framework", "phase_order", "_primary", "order"], kind="stable")
    st["slot"] = st.groupby(["framework", "phase_order"]).cumcount()
    n_cell = st.groupby(["framework", "phase_order"])["slot"].transform("size")
    crowd = n_cell.groupby(st["phase_order"]).max().reindex(range(n_phases), fill_value=1)
    widths = np.maximum(1.0, (crowd.to_numpy() - 1) * _STAGE_STEP + 2 * _STAGE_MARGIN)
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    centres = (edges[:-1] + edges[1:]) / 2
    st["x"] = centres[st["phase_order"].to_numpy()] + (st["slot"] - (n_cell - 1) / 2).to_numpy() * _STAGE_STEP
    return st.drop(columns="_primary").sort_index(), edges


def plot_stage_alignment(lang: str = "en", ax: Any = None, path: str | Path | None = None) -> Any:
    """Each framework's stages placed on the common lifecycle phases, joined in their order.

    One row per framework, one column per lifecycle phase. Every stage is a marker carrying its
    number in the framework's list (circles: stages or components; squares: supporting conditions);
    arcs join consecutive stages of ordered frameworks, above the row when moving on through the
    lifecycle, below it when going back. A phase's column is widened to hold the most stages any
    framework puts in it, and the figure widens with it, so that no two markers or numbers overlap.

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized to the catalog.
    path : path, optional
        Another catalog file with the same schema.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_stage_alignment("zh")
    >>> len(ax.get_xticklabels()) == len(lifecycle_phases())
    True
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    phases = lifecycle_phases(lang, path)
    st, edges = _stage_layout(stage_alignment(lang, path), len(phases))
    fws = list(dict.fromkeys(st["framework"]))
    names = _short_names(lang, path)
    structure = catalog(lang, path)["structure"]
    if ax is None:
        # 13 inches for eight one-unit columns; wider columns widen the figure rather than crowd it
        _, ax = plt.subplots(figsize=(4.5 + 1.1 * max(8.0, edges[-1]), 0.62 * len(fws) + 2))
    # limits first: the arcs are sized in display units below
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(len(fws) - 0.4, -0.6)
    to_pts = ax.transData.transform
    pts_per_row = abs(to_pts((0, 0))[1] - to_pts((0, 1))[1])
    for y, fw in enumerate(fws):
        rows = st[st["framework"] == fw]
        prim = rows[rows["kind"] == "primary"].sort_values("order")
        ax.axhline(y, color="#eeeeee", lw=0.8, zorder=0)
        xs = prim["x"].to_numpy(dtype=float)
        # arcs join consecutive stages; arc3 bulges to the left of travel, so an arc moving on
        # (rightwards) runs above the row and one going back runs below it. Short hops get low
        # arcs; the ends stop at the markers' rims so that the arrowheads stay visible.
        ordered = structure[fw] != "components"  # building blocks have no order to draw
        for x0, x1 in zip(xs[:-1], xs[1:]) if ordered else []:
            height = min(0.32, 0.1 + 0.1 * abs(x1 - x0)) * pts_per_row
            dist = abs(to_pts((x1, y))[0] - to_pts((x0, y))[0])
            ax.annotate("", xy=(x1, y), xytext=(x0, y), zorder=1,
                        arrowprops={"arrowstyle": "-|>", "color": "#999999", "lw": 0.9, "shrinkA": 8, "shrinkB": 8,
                                    "connectionstyle": f"arc3,rad={-2 * height / max(dist, 1e-9):.4f}"})
        for kind, marker, colour in (("primary", "o", "#1f5a96"), ("supporting", "s", "#d9822b")):
            part = rows[rows["kind"] == kind]
            if len(part):
                ax.scatter(part["x"], [y] * len(part), s=200, marker=marker, color=colour, zorder=2,
                           gid=f"stages:{fw}:{kind}")
            # the number sits inside its marker, so neighbours cannot cover it
            for x, order in zip(part["x"], part["order"]):
                ax.text(x, y, str(order), ha="center", va="center", fontsize=8, color="white",
                        zorder=3, gid=f"stage_number:{fw}")
    ax.set_yticks(range(len(fws)))
    ax.set_yticklabels([names[f] for f in fws])
    ax.set_xticks((edges[:-1] + edges[1:]) / 2)
    ax.set_xticklabels(phases["name"], rotation=20, ha="right", rotation_mode="anchor")
    ax.set_title(t("Stages of each framework on a common CRM lifecycle\n(numbers: position in the framework; arcs: stage order, none for unordered building blocks; arcs below the row go back; squares: supporting conditions)",
                   "各框架的阶段在统一 CRM 生命周期上的位置\n（数字为在框架中的序号；弧线表示阶段顺序，无序构件不画弧线；行下方的弧线表示回到前面的环节；方块为支撑条件）", lang), fontsize=10)
    ax.grid(False)
    for x in edges:
        ax.axvline(x, color="#dddddd", lw=0.8, zorder=0)
    return ax


# ----------------------------------------------------------------------------- content analysis (issue 16)
# The coding rule every capability is scored by (the codebook's levels), in both languages.
CODEBOOK_LEVELS = {
    0: ("Not covered: the source neither names nor implies the capability.",
        "未涉及：来源既没有提到、也没有隐含这项能力。"),
    1: ("Partly: the capability is mentioned or implied inside another stage, or presumed without a method.",
        "部分：这项能力在其他阶段中被提到或隐含，或者被当作前提但没有给出方法。"),
    2: ("Fully: the capability is a named stage, component, dimension or stated purpose of the framework.",
        "完整：这项能力是框架明确列出的阶段、构件、维度或其声明的目的。"),
}


def codebook(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """The coding instructions: per capability its definition and what scores 0, 1 and 2.

    A second coder needs only this table and the sources to code the catalog again.
    """
    check_lang(lang)
    caps = capabilities(lang, path)
    k = 0 if lang == "en" else 1
    rows = []
    for cap, row in caps.iterrows():
        rows.append({"capability": cap, "name": row["name"], "definition": row["description"],
                     **{f"score_{lv}": t(f"{row['name']} — ", f"{row['name']}——", lang) + CODEBOOK_LEVELS[lv][k]
                        for lv in (0, 1, 2)}})
    return pd.DataFrame(rows).set_index("capability")


def _as_coding(coding: pd.DataFrame, name: str) -> pd.DataFrame:
    """A coding as frameworks × capabilities of 0/1/2 (wide, or long with framework/capability/level)."""
    if isinstance(coding, pd.DataFrame) and {"framework", "capability", "level"} <= set(coding.columns):
        coding = coding.pivot_table(index="framework", columns="capability", values="level", aggfunc="first")
    if not isinstance(coding, pd.DataFrame) or coding.empty:
        raise ParameterError(f"{name}: expected a frameworks × capabilities table of levels 0, 1, 2 "
                             "(or a long table with columns framework, capability, level)")
    values = coding.to_numpy(dtype=float)
    ok = np.isnan(values) | np.isin(values, (0, 1, 2))
    if not ok.all():
        r, c = np.argwhere(~ok)[0]
        raise InputError(f"{name}: level {values[r, c]:g} for framework {coding.index[r]!r}, capability "
                         f"{coding.columns[c]!r}; expected 0, 1 or 2")
    return coding.astype(float)


def coding_agreement(coding_a: pd.DataFrame | None = None, coding_b: pd.DataFrame | None = None, *,
                     level_of_measurement: str = "ordinal") -> pd.DataFrame:
    """Krippendorff's alpha between two codings, per capability and overall (``krippendorff`` package).

    Parameters
    ----------
    coding_a, coding_b : DataFrame
        Frameworks × capabilities with levels 0/1/2 (NaN: not coded), or long tables with
        ``framework``, ``capability``, ``level``. They default to the two independent codings of the
        catalog: :func:`coding_a` (the catalog's levels, as coded before any resolution) and
        :func:`coding_b` (the second coder's).
    level_of_measurement : {"ordinal", "interval", "nominal"}
        Alpha's difference function (ordinal for the 0 < 1 < 2 scale).

    Returns
    -------
    DataFrame indexed by capability plus ``overall``: ``alpha``, ``agreement`` (share of cells
    coded the same), ``n_frameworks`` (coded by both) and ``n_disagreements``. Alpha is NaN for a
    capability both coders scored the same way for every framework (no variation to agree on).
    """
    import krippendorff

    if coding_b is None and not CODING_B_PATH.is_file():
        raise ParameterError("coding_b: a second, independent coding is required (frameworks × capabilities, "
                             "levels 0-2); none is shipped with this installation")
    a = _as_coding(coding_a if coding_a is not None else _first_coding(), "coding_a")
    b = _as_coding(coding_b if coding_b is not None else _second_coding(), "coding_b")
    frameworks_ = a.index.intersection(b.index)
    caps = a.columns.intersection(b.columns)
    if len(frameworks_) < 2 or len(caps) < 1:
        raise InputError("coding_a/coding_b: fewer than two frameworks or no capability in common")
    a, b = a.loc[frameworks_, caps], b.loc[frameworks_, caps]

    def alpha(x: np.ndarray, y: np.ndarray) -> float:
        both = ~(np.isnan(x) | np.isnan(y))
        vals = np.unique(np.concatenate([x[both], y[both]]))
        if both.sum() < 2 or len(vals) < 2:
            return float("nan")
        return float(krippendorff.alpha(reliability_data=np.vstack([x, y]), level_of_measurement=level_of_measurement,
                                        value_domain=[0.0, 1.0, 2.0] if level_of_measurement == "ordinal" else None))

    rows = []
    for cap in caps:
        x, y = a[cap].to_numpy(), b[cap].to_numpy()
        both = ~(np.isnan(x) | np.isnan(y))
        rows.append({"capability": cap, "alpha": alpha(x, y), "agreement": float((x[both] == y[both]).mean()),
                     "n_frameworks": int(both.sum()), "n_disagreements": int((x[both] != y[both]).sum())})
    x, y = a.to_numpy().ravel(), b.to_numpy().ravel()
    both = ~(np.isnan(x) | np.isnan(y))
    rows.append({"capability": "overall", "alpha": alpha(x, y), "agreement": float((x[both] == y[both]).mean()),
                 "n_frameworks": int(len(frameworks_)), "n_disagreements": int((x[both] != y[both]).sum())})
    return pd.DataFrame(rows).set_index("capability")


def alpha_reading(alpha: float, lang: str = "en") -> str:
    """How Krippendorff (2004) reads an alpha: acceptable (≥ 0.80), tentative conclusions only
    (0.667 to 0.80), unreliable (below 0.667); "no variation" when alpha is undefined.

    Examples
    --------
    >>> [alpha_reading(a) for a in (0.9, 0.7, 0.5, float("nan"))]
    ['acceptable', 'tentative conclusions only', 'unreliable', 'no variation']
    """
    check_lang(lang)
    if alpha is None or not np.isfinite(alpha):
        return t("no variation", "无差异", lang)
    if alpha >= 0.8:
        return t("acceptable", "可接受", lang)
    if alpha >= 0.667:
        return t("tentative conclusions only", "只能作初步结论", lang)
    return t("unreliable", "不可靠", lang)


def disagreements(coding_a: pd.DataFrame | None = None, coding_b: pd.DataFrame | None = None) -> pd.DataFrame:
    """The cells two codings disagree on, as a log to resolve: ``framework``, ``capability``,
    ``level_a``, ``level_b``, ``resolved_level`` and ``resolution`` (empty until resolved; the
    catalog's resolved log is :func:`resolution`). The codings default to :func:`coding_a` and
    :func:`coding_b`."""
    a = _as_coding(coding_a if coding_a is not None else _first_coding(), "coding_a")
    b = _as_coding(coding_b if coding_b is not None else _second_coding(), "coding_b")
    a, b = a.align(b, join="inner")
    diff = (a != b) & a.notna() & b.notna()
    rows = [{"framework": f, "capability": c, "level_a": int(a.loc[f, c]), "level_b": int(b.loc[f, c]),
             "resolved_level": None, "resolution": None}
            for f in a.index for c in a.columns if diff.loc[f, c]]
    return pd.DataFrame(rows, columns=["framework", "capability", "level_a", "level_b", "resolved_level", "resolution"])


def similarity_sensitivity(matrix: pd.DataFrame | None = None, metrics: Sequence[str] = SIMILARITY_METRICS
                           ) -> pd.DataFrame:
    """Does the answer depend on the metric? Per similarity metric: the most similar pair, its
    similarity, the cophenetic correlation of average linkage and the rank correlation of all
    pairwise similarities with the ordinal (Ruzicka) ones.

    Examples
    --------
    >>> tab = similarity_sensitivity()
    >>> sorted(tab.index) == sorted(SIMILARITY_METRICS)
    True
    """
    from scipy.stats import spearmanr

    m = _matrix(matrix)
    iu = np.triu_indices(len(m), 1)
    ref = similarity(m, metric="ruzicka").to_numpy()[iu]
    rows = []
    for metric in metrics:
        sim = similarity(m, metric=metric)
        vals = sim.to_numpy()[iu]
        best = int(np.argmax(vals))
        res = _cluster_on(sim)
        rows.append({"metric": metric, "top_pair": f"{m.index[iu[0][best]]} / {m.index[iu[1][best]]}",
                     "top_similarity": float(vals[best]), "n_tied_at_top": int((np.isclose(vals, vals[best])).sum()),
                     "cophenetic": res.cophenetic_correlation,
                     "spearman_with_ruzicka": float(spearmanr(vals, ref)[0])})
    return pd.DataFrame(rows).set_index("metric")


def _cluster_on(sim: pd.DataFrame, method: str = "average") -> ClusterResult:
    from scipy.cluster.hierarchy import cophenet, leaves_list, linkage
    from scipy.spatial.distance import squareform

    dist = (1.0 - sim).clip(lower=0.0)  # cosine can exceed 1 by a rounding error for identical profiles
    condensed = squareform(dist.to_numpy(), checks=False)
    z = linkage(condensed, method=method)
    coph = float(cophenet(z, condensed)[0]) if len(sim) > 2 else float("nan")
    return ClusterResult(z, [sim.index[i] for i in leaves_list(z)], dist, coph, method)


@dataclass
class ClusterBootstrap:
    """Output of :func:`cluster_bootstrap`: how firmly the clusters and the top pair hold."""

    co_clustering: pd.DataFrame
    top_pairs: pd.DataFrame
    groups: pd.Series
    n_boot: int
    k: int
    metric: str

    def stability(self) -> pd.Series:
        """Per framework: mean share of resamples it stays with the members of its own cluster."""
        out = {}
        for f, g in self.groups.items():
            mates = [m for m in self.groups.index[self.groups == g] if m != f]
            out[f] = float(self.co_clustering.loc[f, mates].mean()) if mates else float("nan")
        return pd.Series(out, name="stability")


def cluster_bootstrap(matrix: pd.DataFrame | None = None, k: int = 4, n_boot: int = 500, seed: int = 1,
                      metric: str = "ruzicka", method: str = "average") -> ClusterBootstrap:
    """Bootstrap over capabilities: resample the capability columns with replacement, recluster.

    The catalog's capabilities are one choice among many; resampling them shows which clusters
    and which "most similar pair" survive another choice. ``co_clustering`` is the share of
    resamples in which two frameworks fall in the same of ``k`` clusters; ``top_pairs`` the share
    in which each pair is the most similar one (ties share the count).
    """
    from scipy.cluster.hierarchy import fcluster

    m = _matrix(matrix)
    if method not in ("average", "complete", "single"):
        raise ParameterError(f"method={method!r}: expected 'average', 'complete' or 'single'")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise ParameterError(f"n_boot={n_boot!r}: expected a positive whole number of resamples")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(m):
        raise ParameterError(f"k={k!r}: expected a whole number of clusters between 1 and {len(m)}")
    rng = np.random.default_rng(seed)
    n = len(m)
    co = np.zeros((n, n))
    top = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    for _ in range(n_boot):
        cols = rng.integers(0, m.shape[1], m.shape[1])
        sim = similarity(m.iloc[:, cols].set_axis(range(len(cols)), axis=1), metric=metric)
        labels = fcluster(_cluster_on(sim, method).linkage, t=k, criterion="maxclust")
        co += labels[:, None] == labels[None, :]
        vals = sim.to_numpy()[iu]
        hits = np.flatnonzero(np.isclose(vals, vals.max()))
        for h in hits:
            top[iu[0][h], iu[1][h]] += 1.0 / len(hits)
    co_df = pd.DataFrame(co / n_boot, index=m.index, columns=m.index)
    pairs = pd.DataFrame([{"framework_a": m.index[i], "framework_b": m.index[j], "share": top[i, j] / n_boot}
                          for i, j in zip(*iu) if top[i, j] > 0])
    pairs = pairs.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    groups = cluster(m, method=method, weighted=True).groups(k) if metric == "ruzicka" else \
        pd.Series(fcluster(_cluster_on(similarity(m, metric=metric), method).linkage, t=k, criterion="maxclust"),
                  index=m.index, name="group")
    return ClusterBootstrap(co_df, pairs, groups, n_boot, k, metric)
