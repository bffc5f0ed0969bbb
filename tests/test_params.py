from pathlib import Path

import pytest

from crm_analysis.errors import ParameterError
from crm_analysis.reporting.notebooks import load_spec, parse_parameters_cell
from crm_analysis.reporting.params import validate_parameters
from tests.helpers.notebooks import make_notebook


@pytest.fixture()
def spec(tmp_path):
    return load_spec(make_notebook(tmp_path / "nb"))


def test_parse_cell_reads_type_default_and_help():
    params = parse_parameters_cell('a: int = 5  # the a = count\nb = "x"\nc: list[str] = [\n  "p",\n  "q"]  # list\n')
    assert [(p.name, p.type, p.default, p.help) for p in params] == [
        ("a", "int", 5, "the a = count"), ("b", "str", "x", ""), ("c", "list[str]", ["p", "q"], "list")]


def test_parse_cell_refuses_non_literal_default():
    with pytest.raises(ParameterError, match=r"line 1.*'a'.*literal"):
        parse_parameters_cell("a = foo()\n")


def test_defaults_filled_in(spec):
    values = validate_parameters(spec, {})
    assert values == {"n": 3, "title": "demo", "fail": False, "scale": 1.5, "data": None, "lang": "en"}


def test_text_values_are_converted_by_declared_type(spec):
    values = validate_parameters(spec, {"n": "7", "fail": "true", "scale": "2", "title": "12"},
                                 text_names={"n", "fail", "scale", "title"})
    assert values["n"] == 7 and values["fail"] is True and values["scale"] == 2.0 and values["title"] == "12"


def test_unknown_parameter_names_it_and_lists_valid_ones(spec):
    with pytest.raises(ParameterError) as err:
        validate_parameters(spec, {"no_such_parameter": 1})
    message = str(err.value)
    assert "no_such_parameter" in message
    for name in ("n", "title", "fail", "scale", "data", "lang"):
        assert name in message


def test_close_name_gets_a_suggestion(spec):
    with pytest.raises(ParameterError, match="did you mean 'title'"):
        validate_parameters(spec, {"titel": "x"})


@pytest.mark.parametrize("name,value,expected", [
    ("n", "seven", "an integer"), ("n", 2.5, "an integer"), ("fail", "maybe", "true or false"),
    ("scale", "abc", "a number"), ("title", 3, "a string"),
])
def test_wrong_type_names_parameter_and_expectation(spec, name, value, expected):
    with pytest.raises(ParameterError) as err:
        validate_parameters(spec, {name: value}, text_names={name} if isinstance(value, str) else set())
    assert repr(name) in str(err.value) and expected in str(err.value)


def test_choices_are_enforced(spec):
    with pytest.raises(ParameterError, match=r"'lang'.*'fr'.*one of 'en', 'zh'"):
        validate_parameters(spec, {"lang": "fr"})


def test_missing_input_file_is_refused(spec, tmp_path):
    with pytest.raises(ParameterError, match=r"'data'.*not found"):
        validate_parameters(spec, {"data": "nope.csv"}, base_dir=tmp_path)


def test_input_file_made_absolute_against_base_dir(spec, tmp_path):
    (tmp_path / "x.csv").write_text("a\n1\n")
    values = validate_parameters(spec, {"data": "x.csv"}, base_dir=tmp_path)
    assert values["data"] == str((tmp_path / "x.csv").resolve())


def test_optional_accepts_none_text(spec):
    assert validate_parameters(spec, {"data": "None"}, text_names={"data"})["data"] is None


def test_name_or_input_file(tmp_path):
    import nbformat

    path = make_notebook(tmp_path / "nb")
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["crm_analysis"]["inputs_or_names"] = ["title"]
    nbformat.write(nb, str(path))
    spec = load_spec(path)
    assert validate_parameters(spec, {"title": "ecsi"}, base_dir=tmp_path)["title"] == "ecsi"  # a name
    (tmp_path / "m.txt").write_text("Y ~ X\n")
    assert validate_parameters(spec, {"title": "m.txt"}, base_dir=tmp_path)["title"] == str(tmp_path / "m.txt")
