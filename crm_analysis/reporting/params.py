"""Validate notebook parameters before any kernel starts.

papermill only warns about an unknown parameter and injects whatever it is given; here an
unknown name, a value of the wrong type, a value outside the declared choices or a missing
input file is refused with the parameter's name and what was expected.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .notebooks import NotebookSpec, Parameter, project_root

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NONE = {"none", "null", "~", ""}


def _base_types(annotation: str) -> tuple[set[str], bool]:
    """Split an annotation like ``"str | None"`` or ``"Optional[list[str]]"`` into base names."""
    text = annotation.replace(" ", "")
    optional = False
    m = re.fullmatch(r"(?:typing\.)?Optional\[(.*)\]", text)
    if m:
        text, optional = m.group(1), True
    parts = set()
    for part in text.split("|"):
        if part == "None":
            optional = True
        elif part:
            parts.add(part.split("[", 1)[0].lower())
    return parts or {"any"}, optional


def _expected(param: Parameter) -> str:
    bases, optional = _base_types(param.type)
    words = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
             "list": "a list (YAML, e.g. [a, b], or a,b)", "dict": "a mapping (YAML, e.g. {a: 1})", "any": "a value"}
    text = " or ".join(words.get(b, b) for b in sorted(bases))
    return text + (" or None" if optional else "")


def _coerce_one(param: Parameter, value: Any, base: str, from_text: bool) -> Any:
    import yaml

    if base == "any":
        return yaml.safe_load(value) if from_text else value
    if base == "str":
        if isinstance(value, str):
            return value
        if from_text:
            return str(value)
        raise TypeError
    if base == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise TypeError
    if base == "int":
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            return int(value.strip().replace("_", ""))
        raise TypeError
    if base == "float":
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
        raise TypeError
    if base in {"list", "tuple"}:
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, str):
            parsed = yaml.safe_load(value)
            if isinstance(parsed, list):
                return parsed
            return [v.strip() for v in value.split(",") if v.strip()]
        raise TypeError
    if base == "dict":
        if isinstance(value, dict):
            return value
        if isinstance(value, str):
            parsed = yaml.safe_load(value)
            if isinstance(parsed, dict):
                return parsed
        raise TypeError
    raise TypeError


def coerce(param: Parameter, value: Any, *, from_text: bool = False) -> Any:
    """Convert ``value`` to the parameter's declared type or raise :class:`ParameterError`.

    ``from_text`` is true for values typed on the command line (``-p NAME VALUE``).
    """
    bases, optional = _base_types(param.type)
    if value is None or (from_text and isinstance(value, str) and value.strip().lower() in _NONE and (optional or param.optional)):
        if optional or param.optional:
            return None
        raise ParameterError(f"parameter {param.name!r}: got no value, expected {_expected(param)}")
    # Try the declared types in a stable order; str last so that numbers are not read as text.
    order = sorted(bases, key=lambda b: {"bool": 0, "int": 1, "float": 2, "list": 3, "dict": 4, "str": 9}.get(b, 5))
    for base in order:
        try:
            result = _coerce_one(param, value, base, from_text)
        except (TypeError, ValueError):
            continue
        if param.choices is not None and result not in param.choices:
            raise ParameterError(f"parameter {param.name!r}: {result!r} is not allowed; expected one of "
                                 f"{', '.join(map(repr, param.choices))}")
        return result
    raise ParameterError(f"parameter {param.name!r}: {value!r} is not valid; expected {_expected(param)}")


def resolve_input(param: Parameter, value: Any, base_dir: Path) -> Any:
    """Make an input-file parameter absolute (relative to ``base_dir``) and check it exists."""
    if value is None:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_absolute():
        path = (base_dir / path).resolve()
    if not path.exists():
        raise ParameterError(f"parameter {param.name!r}: input file {value!r} not found (looked for {path})")
    if path.is_dir():
        raise ParameterError(f"parameter {param.name!r}: {value!r} is a folder; expected a file")
    return str(path)


def resolve_input_list(param: Parameter, value: Any, base_dir: Path) -> list[dict[str, Any]]:
    """A list of ``{name, data}`` (e.g. survey waves): every ``data`` made absolute and checked."""
    if not isinstance(value, list) or len(value) < 1:
        raise ParameterError(f"parameter {param.name!r}: expected a list of {{name: ..., data: FILE}}, got {value!r}")
    out = []
    for i, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or not entry.get("data") or entry.get("name") in (None, ""):
            raise ParameterError(f"parameter {param.name!r}: entry {i}: expected {{name: ..., data: FILE}}, got {entry!r}")
        extra = set(entry) - {"name", "data"}
        if extra:
            raise ParameterError(f"parameter {param.name!r}: entry {i}: unknown key(s) {sorted(extra)}; expected name, data")
        where = Parameter(f"{param.name}[{i}].data", "str", None)
        out.append({"name": str(entry["name"]), "data": resolve_input(where, entry["data"], base_dir)})
    names = [e["name"] for e in out]
    if len(set(names)) != len(names):
        raise ParameterError(f"parameter {param.name!r}: wave names must differ, got {names}")
    return out


def validate_parameters(spec: NotebookSpec, given: dict[str, Any], *, text_names: set[str] | None = None,
                        base_dir: Path | None = None, base_dirs: dict[str, Path] | None = None) -> dict[str, Any]:
    """Check ``given`` against the notebook's declared parameters; return the full parameter set.

    Parameters
    ----------
    spec : the notebook.
    given : values supplied by the user (from ``-p`` or a YAML file).
    text_names : names whose value was typed as text on the command line (converted by type).
    base_dir : folder that relative input paths given by the user are relative to (default:
        the current directory). Defaults declared in the notebook are relative to the project root.
    base_dirs : per-parameter folders overriding ``base_dir`` (values read from a ``-f`` YAML file
        are relative to that file's folder, values typed with ``-p`` to the current one).

    Returns every parameter with its final value, defaults filled in; input paths absolute.
    """
    text_names = text_names or set()
    unknown = [name for name in given if name not in spec.parameters]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, spec.parameters, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ParameterError(f"notebook {spec.name!r} has no parameter {', '.join(hints)}; valid parameters: "
                             f"{', '.join(spec.parameters)}")
    base_dir = (base_dir or Path.cwd()).resolve()
    values: dict[str, Any] = {}
    for name, param in spec.parameters.items():
        value = coerce(param, given[name], from_text=name in text_names) if name in given else param.default
        folder = (base_dirs or {}).get(name, base_dir) if name in given else project_root()
        if param.is_input:
            value = resolve_input(param, value, folder)
        elif param.maybe_input and isinstance(value, str) and (folder / value).expanduser().is_file():
            value = resolve_input(param, value, folder)
        elif param.input_list and value is not None:
            value = resolve_input_list(param, value, folder)
        values[name] = value
    return values
