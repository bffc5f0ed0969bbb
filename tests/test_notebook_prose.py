"""Notebooks that teach: prose in language-tagged markdown cells, code cells keep only code.

Static checks on the committed notebooks (report notebooks and the learning path); the
pipeline's dropping of the other language is tested in test_lang_cells.py and
test_notebooks.py.
"""
import ast
import re

import nbformat
import pytest

from crm_analysis import glossary
from crm_analysis.reporting.lang_cells import cell_lang, zh_punctuation_problems
from crm_analysis.reporting.notebooks import list_notebooks

SPECS = list_notebooks()
LEARN = [n for n, s in SPECS.items() if s.kind == "learn"]
HEADING = re.compile(r"^(#{1,6}) ", re.M)


def _nb(name):
    return nbformat.read(str(SPECS[name].path), as_version=4)


def _static_t_calls(source):
    """Prose shown unconditionally from code: ``display(Markdown(t("...", "...", lang)))`` with two constant
    strings at a cell's top level (labels passed to functions, and notes shown only when something is
    missing, may stay in code)."""
    tree = ast.parse(source)
    found = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.FunctionDef)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Markdown", "note"):
                for arg in node.args:
                    if (isinstance(arg, ast.Call) and getattr(arg.func, "id", None) == "t" and len(arg.args) >= 2
                            and all(isinstance(a, ast.Constant) for a in arg.args[:2])):
                        found.append(arg.args[0].value[:60])
    return found


def test_the_learning_path_is_listed():
    assert LEARN == ["learn-csi-models", "learn-measurement", "learn-segments", "learn-maturity"]
    assert all(SPECS[n].path.parent.name == "learn" for n in LEARN)
    assert {s.kind for n, s in SPECS.items() if n not in LEARN} == {"report"}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_prose_in_both_languages(name):
    nb = _nb(name)
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    langs = [cell_lang(c) for c in prose]
    assert langs.count("en") >= 5 and langs.count("en") == langs.count("zh"), langs
    assert None not in langs, "every markdown cell is English or Chinese"
    # English and Chinese cells come in pairs, English first, with the same headings: the table of
    # contents is the same in both languages
    cells = nb.cells
    for i, c in enumerate(cells):
        if cell_lang(c) == "en":
            twin = cells[i + 1]
            assert cell_lang(twin) == "zh", f"cell {i}: English cell without its Chinese twin"
            assert HEADING.findall(c.source) == HEADING.findall(twin.source), (c.source[:80], twin.source[:80])
            assert twin.metadata.get("jupyter") == c.metadata.get("jupyter")
    headings = [h for c in prose if cell_lang(c) == "en" for h in HEADING.findall(c.source)]
    assert headings.count("##") >= 3, "sections build the table of contents"
    for c in prose:
        if cell_lang(c) == "zh":
            assert re.search(r"[\u4e00-\u9fff]", c.source)
            assert zh_punctuation_problems(c.source) == [], zh_punctuation_problems(c.source)
            assert c.source.count("$") % 2 == 0
        else:
            assert c.source.count("$") % 2 == 0


@pytest.mark.parametrize("name", sorted(SPECS))
def test_code_cells_keep_only_code(name):
    for c in _nb(name).cells:
        if c.cell_type != "code":
            continue
        assert not re.search(r"""["']#{1,6} """, c.source), f"a heading inside a code cell: {c.source[:80]}"
        assert _static_t_calls(c.source) == [], f"prose in a code cell belongs in a markdown cell: {c.source[:80]}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_glossary_terms_exist(name):
    for c in _nb(name).cells:
        for call in re.findall(r"glossary\.(?:footnotes|define|name)\(([^)]*)\)", c.source):
            for key in re.findall(r"""["']([a-z_0-9]+)["']""", call):
                glossary.entry(key)


@pytest.mark.parametrize("name", LEARN)
def test_learning_notebooks_end_with_exercises_and_hidden_solutions(name):
    nb = _nb(name)
    en = [c for c in nb.cells if cell_lang(c) == "en"]
    exercises = [i for i, c in enumerate(en) if re.search(r"^## Exercises", c.source, re.M)]
    assert exercises, "an Exercises section"
    after = en[exercises[0]:]
    solutions = [c for c in after if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert 2 <= len(solutions) <= 4 and all(c.metadata.get("collapsed") for c in solutions)
    assert all("Solution" in c.source for c in solutions)
    assert "parameters" in [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert any("glossary." in c.source for c in nb.cells if c.cell_type == "code"), "terms come from the glossary"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_chinese_paragraphs_are_not_broken_by_line_wraps(name):
    """Markdown joins wrapped lines with a space: between two Chinese characters that space shows."""
    for c in _nb(name).cells:
        if cell_lang(c) == "zh":
            assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]\n[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]",
                                 c.source), c.source[:80]


_MATH = re.compile(r"\$[^$\n]+\$")
_CODE = re.compile(r"<(code|pre)[^>]*>.*?</\1>", re.S)
_STARS = re.compile(r"(?<!\*)\*{1,3}(?!\*)(?! p &lt;)")  # a significance legend ("** p < 0.01") is text


@pytest.mark.parametrize("name", sorted(SPECS))
def test_emphasis_is_rendered_not_shown_as_stars(name):
    """CommonMark closes ``**`` only when it is not wedged between punctuation and a letter: in
    ``**阈值只是一种约定。**3.4`` the stars are printed. Rendered as the report renders them."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    for c in _nb(name).cells:
        if c.cell_type != "markdown":
            continue
        html = _CODE.sub("", markdown2html_mistune(_MATH.sub("", c.source)))
        text = re.sub(r"<[^>]+>", "", html)
        left = [text[max(0, m.start() - 20):m.end() + 20] for m in _STARS.finditer(text)]
        assert not left, left


def _zh_literals(source):
    """The Chinese strings of ``t(en, zh, lang)`` calls (constant parts of f-strings included)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and len(node.args) >= 2:
            zh = node.args[1]
            parts = [zh] if isinstance(zh, ast.Constant) else [v for v in getattr(zh, "values", []) if isinstance(v, ast.Constant)]
            out += [p.value for p in parts if isinstance(p.value, str)]
    return out


@pytest.mark.parametrize("name", sorted(SPECS))
def test_chinese_computed_text_has_full_width_punctuation(name):
    for c in _nb(name).cells:
        if c.cell_type == "code":
            for text in _zh_literals(c.source):
                assert zh_punctuation_problems(text) == [], (text, zh_punctuation_problems(text))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_save_results_is_not_echoed_into_the_page(name):
    """A cell ending in a bare ``save_results(...)`` would print the whole results dict in the report."""
    for c in _nb(name).cells:
        if c.cell_type == "code" and c.source.strip():
            last = ast.parse(c.source).body[-1]
            echoed = isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) \
                and getattr(last.value.func, "id", None) == "save_results"
            assert not echoed or c.source.rstrip().endswith(";"), c.source[-120:]
