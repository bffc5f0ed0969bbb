"""Find the suite's notebooks and read their parameters (names, types, defaults, help).

The parameters cell is parsed with :mod:`ast` rather than papermill's line matcher, so a help
comment may contain ``=`` and a default may span lines. Convention (CONTRIBUTING.md):
``name: type = default  # one-line help``.
"""
from __future__ import annotations

import ast
import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError

NOTEBOOKS_ENV = "CRM_ANALYSIS_NOTEBOOKS"
#: an installed package's own copy of ``notebooks/`` and ``data/`` (put there by setup.py at build time)
BUNDLE_DIR = Path(__file__).resolve().parents[1] / "_bundle"


def project_root() -> Path:
    """The folder holding ``notebooks/`` and ``data/``: relative default paths start here."""
    return notebooks_dir().parent


def _is_suite_folder(folder: Path) -> bool:
    """A folder holding at least one notebook of this suite (``crm_analysis`` metadata)."""
    if not folder.is_dir():
        return False
    for path in folder.glob("*.ipynb"):
        try:
            if '"crm_analysis"' in path.read_text("utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def _checkout_root() -> Path | None:
    """The source checkout this package is imported from (an editable install), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def notebooks_dir() -> Path:
    """Where the suite's notebooks are, first found of:

    1. ``$CRM_ANALYSIS_NOTEBOOKS``;
    2. ``./notebooks`` of the current folder, or the current folder itself when it is a
       ``notebooks/`` folder (JupyterLab's kernel), holding the suite's notebooks — a folder
       made by ``crm-analysis init`` or the source checkout;
    3. the source checkout's ``notebooks/`` (an editable install);
    4. the copy installed with the package (``crm_analysis/_bundle/notebooks``).
    """
    if os.environ.get(NOTEBOOKS_ENV):
        return Path(os.environ[NOTEBOOKS_ENV]).resolve()
    cwd = Path.cwd()
    for candidate in (cwd / "notebooks", cwd):
        if candidate.name == "notebooks" and _is_suite_folder(candidate):
            return candidate.resolve()
    return shipped_notebooks_dir() or (cwd / "notebooks").resolve()


def shipped_notebooks_dir() -> Path | None:
    """The notebooks that came with the package: the checkout's (editable install), else the
    installed copy; ``None`` if neither exists."""
    checkout = _checkout_root()
    if checkout is not None:
        return checkout / "notebooks"
    return BUNDLE_DIR / "notebooks" if (BUNDLE_DIR / "notebooks").is_dir() else None


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter as declared in its ``parameters`` cell."""

    name: str
    type: str  # annotation text, e.g. "int", "str | None", "list[str]"
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None
    is_input: bool = False  # an input file: must exist, is hashed into provenance
    maybe_input: bool = False  # a name (e.g. a preset) or an input file: resolved and hashed if it is a file
    input_list: bool = False  # a list of {name, data}: every `data` is an input file (e.g. survey waves)

    @property
    def optional(self) -> bool:
        return "None" in self.type or self.default is None


@dataclass(frozen=True)
class NotebookSpec:
    """A notebook of the suite: where it is, what it is, and its parameters."""

    name: str
    path: Path
    title: dict[str, str]
    summary: str
    parameters: dict[str, Parameter]
    test_parameters: dict[str, Any] = field(default_factory=dict)
    headline_key: str = "headline"
    kind: str = "report"  # "report", or "learn" for the learning path in notebooks/learn/

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.name


def _type_of(value: Any) -> str:
    if value is None:
        return "str | None"
    return type(value).__name__


def _comment_after(source: str, end_line: int) -> str:
    """The ``#`` comment on line ``end_line`` (1-based) of ``source``, if any."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return ""
    for tok in tokens:
        if tok.type == tokenize.COMMENT and tok.start[0] == end_line:
            return tok.string.lstrip("#").strip()
    return ""


def parse_parameters_cell(source: str, where: str = "parameters cell") -> list[Parameter]:
    """Parse ``name: type = default  # help`` lines of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: line {exc.lineno}: {exc.msg}") from None
    params: list[Parameter] = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, annotation, value_node = node.target.id, ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation, value_node = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise ParameterError(
                f"{where}: line {node.lineno}: the default of {name!r} must be a literal "
                f"(number, string, list, dict, True/False/None)"
            ) from None
        params.append(Parameter(name=name, type=annotation or _type_of(default), default=default,
                                help=_comment_after(source, node.end_lineno or node.lineno)))
    return params


LEARN_DIR = "learn"
LEARN_PREFIX = "learn-"


def load_spec(path: Path, name: str | None = None) -> NotebookSpec:
    """Read a notebook file into a :class:`NotebookSpec` (``name``: its short name, default the file stem)."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable: say which file and why
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ParameterError(f"{path}: not a readable Jupyter notebook ({reason}); expected an .ipynb file "
                             "saved by Jupyter") from None
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ParameterError(f"{path}: expected exactly one cell tagged 'parameters', found {len(tagged)}")
    meta = nb.metadata.get("crm_analysis", {})
    choices = {k: tuple(v) for k, v in meta.get("choices", {}).items()}
    inputs = set(meta.get("inputs", []))
    names_or_inputs = set(meta.get("inputs_or_names", []))
    input_lists = set(meta.get("input_lists", []))
    params = {}
    for p in parse_parameters_cell(tagged[0].source, f"{path.name}: parameters cell"):
        params[p.name] = Parameter(p.name, p.type, p.default, p.help, choices.get(p.name), p.name in inputs,
                                   p.name in names_or_inputs, p.name in input_lists)
    unknown = (inputs | names_or_inputs | input_lists | set(choices)) - set(params)
    if unknown:
        raise ParameterError(f"{path}: metadata names parameters the parameters cell lacks: {sorted(unknown)}")
    title = meta.get("title", {})
    if isinstance(title, str):
        title = {"en": title}
    return NotebookSpec(name=name or path.stem, path=path, title=dict(title), summary=meta.get("summary", ""),
                        parameters=params, test_parameters=dict(meta.get("test_parameters", {})),
                        headline_key=meta.get("headline_key", "headline"),
                        kind="learn" if path.parent.name == LEARN_DIR else "report")


def list_notebooks(folder: Path | None = None) -> dict[str, NotebookSpec]:
    """Every notebook of the suite by short name, in name order."""
    folder = folder or notebooks_dir()
    specs = {p.stem: load_spec(p) for p in sorted(folder.glob("*.ipynb")) if not p.name.startswith(".")}
    specs.update(learning_notebooks(folder))
    return specs


def learning_notebooks(folder: Path | None = None) -> dict[str, NotebookSpec]:
    """The learning path (``notebooks/learn/*.ipynb``), named ``learn-<stem>``, in the order of their
    metadata ``crm_analysis.order``."""
    import nbformat

    learn = (folder or notebooks_dir()) / LEARN_DIR
    paths = [p for p in learn.glob("*.ipynb") if not p.name.startswith(".")]
    order = {p: nbformat.read(str(p), as_version=4).metadata.get("crm_analysis", {}).get("order", 99) for p in paths}
    return {LEARN_PREFIX + p.stem: load_spec(p, LEARN_PREFIX + p.stem) for p in sorted(paths, key=lambda p: (order[p], p.name))}


def get_notebook(name: str, folder: Path | None = None) -> NotebookSpec:
    """The notebook called ``name`` (short name such as ``csi``, or a path to an .ipynb)."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return load_spec(candidate.resolve())
    folder = folder or notebooks_dir()
    if name.startswith(LEARN_PREFIX) and (folder / LEARN_DIR / f"{name[len(LEARN_PREFIX):]}.ipynb").is_file():
        return load_spec(folder / LEARN_DIR / f"{name[len(LEARN_PREFIX):]}.ipynb", name)
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        names = sorted(p.stem for p in folder.glob("*.ipynb")) + list(learning_notebooks(folder))
        raise ParameterError(f"unknown notebook {name!r}: expected one of {', '.join(names) or '(none found)'} "
                             f"(in {folder})")
    return load_spec(path)
