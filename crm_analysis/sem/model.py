"""Structural equation model description shared by the PLS and CB-SEM estimators.

A :class:`Model` is parsed from lavaan-style text or assembled with :class:`ModelBuilder`.
It only describes the model (constructs, their indicators and measurement mode, the structural
paths); it is immutable and checked when it is created, so every estimator can rely on it.

Syntax
------
=====================  ==================================================================
``LV =~ x1 + x2``      reflective construct measured by ``x1``, ``x2`` (PLS mode A)
``LV <~ x1 + x2``      composite / formative construct (PLS mode B)
``Y ~ X1 + X2``        structural paths ``X1 -> Y`` and ``X2 -> Y``
``Y ~ X + M + X:M``    an interaction (moderation) term ``X:M`` as a predictor of ``Y``
                       (PLS: ``estimate_pls(interactions=...)``)
``H =~ A + B``         higher-order construct over the constructs ``A`` and ``B`` (``<~``:
                       mode B; PLS: ``estimate_pls(hoc=...)``)
``x1 ~~ x2``           residual covariance (used by CB-SEM only; PLS ignores it)
``# ...``              comment to the end of the line
=====================  ==================================================================

A sum may continue over line breaks (a line ending in ``+`` or an operator, or a line starting
with ``+``); ``;`` separates statements on one line; several statements about the same construct
merge.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crm_analysis.errors import InputError, ParameterError

__all__ = ["Model", "ModelBuilder", "ModelSyntaxError", "as_model"]

_MODES = {"A", "B"}
_OPERATORS = ("=~", "<~", "~~", "~")


class ModelSyntaxError(InputError):
    """Model text that cannot be parsed; ``line`` (1-based) and ``token`` locate the problem."""

    def __init__(self, message: str, line: int | None = None, token: str | None = None):
        self.line = line
        self.token = token
        prefix = f"model syntax, line {line}: " if line is not None else "model syntax: "
        super().__init__(prefix + message)


# --------------------------------------------------------------------------------------------
# tokenizer / parser
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # NAME, OP, PLUS, END (newline or ';'), BAD
    text: str
    line: int


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<comment>[#!][^\n]*)
  | (?P<nl>\n)
  | (?P<semi>;)
  | (?P<op>=~|<~|~~|~)
  | (?P<plus>\+)
  | (?P<name>[^\W\d][\w.]*(?::[^\W\d][\w.]*)*(?![^\s+~;=<#!]))
  | (?P<bad>[^\s+~;#!]+|\S)
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line = 1
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        value = m.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "nl":
            tokens.append(_Token("END", "\n", line))
            line += 1
        elif kind == "semi":
            tokens.append(_Token("END", ";", line))
        elif kind == "op":
            tokens.append(_Token("OP", value, line))
        elif kind == "plus":
            tokens.append(_Token("PLUS", value, line))
        elif kind == "name":
            tokens.append(_Token("NAME", value, line))
        else:
            tokens.append(_Token("BAD", value, line))
    return tokens


def _statements(tokens: list[_Token]) -> list[list[_Token]]:
    """Group tokens into statements; a line break inside an unfinished sum does not end one."""
    statements: list[list[_Token]] = []
    current: list[_Token] = []
    for i, tok in enumerate(tokens):
        if tok.kind == "END":
            if not current:
                continue
            if tok.text == "\n":
                if current[-1].kind in ("PLUS", "OP"):
                    continue  # "LV =~ x1 +" <newline> "x2"
                nxt = next((t for t in tokens[i + 1:] if t.kind != "END" or t.text == ";"), None)
                if nxt is not None and nxt.kind == "PLUS":
                    continue  # <newline> "+ x2"
            statements.append(current)
            current = []
        else:
            current.append(tok)
    if current:
        statements.append(current)
    return statements


_BAD_HINT = (
    "names must start with a letter or '_' and contain only letters, digits, '_' and '.'; "
    "lavaan modifiers such as 0.5*x1 or labels a*x1 are not supported"
)


def _parse_statement(stmt: list[_Token]) -> tuple[str, str, list[_Token], int]:
    """Return (lhs, operator, rhs tokens, line) of one ``lhs op rhs1 + rhs2`` statement."""
    for tok in stmt:
        if tok.kind == "BAD":
            hint = _BAD_HINT
            if tok.text in ("=", "==", "<", "<-", ":="):
                hint = "did you mean '=~' (reflective), '<~' (composite) or '~' (regression)?"
            raise ModelSyntaxError(f"unexpected {tok.text!r}: {hint}", tok.line, tok.text)
    first = stmt[0]
    if first.kind != "NAME":
        raise ModelSyntaxError(
            f"a statement must start with a name, found {first.text!r}", first.line, first.text
        )
    if len(stmt) < 2 or stmt[1].kind != "OP":
        tok = stmt[1] if len(stmt) > 1 else first
        what = "end of statement" if len(stmt) < 2 else repr(tok.text)
        raise ModelSyntaxError(
            f"expected an operator (=~, <~, ~, ~~) after {first.text!r}, found {what}",
            tok.line,
            tok.text if len(stmt) > 1 else first.text,
        )
    op = stmt[1]
    rhs = stmt[2:]
    if not rhs:
        raise ModelSyntaxError(
            f"nothing after {op.text!r}: expected one or more names joined by '+'",
            op.line,
            op.text,
        )
    names: list[_Token] = []
    expect_name = True
    for tok in rhs:
        if expect_name:
            if tok.kind != "NAME":
                raise ModelSyntaxError(
                    f"expected a name after {(names[-1].text + ' +') if names else op.text!r}, "
                    f"found {tok.text!r}",
                    tok.line,
                    tok.text,
                )
            names.append(tok)
        elif tok.kind != "PLUS":
            raise ModelSyntaxError(
                f"expected '+' between {names[-1].text!r} and {tok.text!r}", tok.line, tok.text
            )
        expect_name = not expect_name
    if expect_name:  # ended on '+'
        last = rhs[-1]
        raise ModelSyntaxError("the sum ends with '+': a name is missing", last.line, last.text)
    if ":" in first.text:
        raise ModelSyntaxError(
            f"an interaction term ({first.text!r}) can only be a predictor, on the right of '~'",
            first.line, first.text)
    for tok in names:
        if ":" not in tok.text:
            continue
        if op.text != "~":
            raise ModelSyntaxError(
                f"an interaction term ({tok.text!r}) can only be a predictor, on the right of '~' "
                f"(e.g. 'Y ~ X + M + X:M'), not after {op.text!r}", tok.line, tok.text)
        if tok.text.count(":") != 1:
            raise ModelSyntaxError(
                f"{tok.text!r}: only two-way interactions (X:M) are supported", tok.line, tok.text)
    return first.text, op.text, names, first.line


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------
class Model:
    """A structural equation model: constructs, their indicators and the structural paths.

    Parameters
    ----------
    text : str
        lavaan-style model text (see the module docstring). Use :class:`ModelBuilder`
        or :meth:`from_dict` to build a model from Python objects instead.

    Attributes
    ----------
    constructs : list of str
        Construct names in order of first appearance.
    indicators : dict of str to list of str
        Indicator (column) names of each construct.
    construct_of : dict of str to str
        The construct of each indicator (the inverse of ``indicators``).
    modes : dict of str to {"A", "B"}
        PLS measurement mode: "A" for reflective (``=~``), "B" for composite (``<~``).
    structural_paths : list of (str, str)
        ``(from, to)`` pairs, in the order they were written (main effects only).
    interactions : list of (str, str, str)
        ``(iv, moderator, target)`` of each interaction term ``target ~ iv:moderator``.
    covariances : list of (str, str)
        Residual covariances (``~~``) for CB-SEM.

    Raises
    ------
    ModelSyntaxError
        The text does not parse; the message names the line and the token.
    InputError
        The model is inconsistent: a construct without indicators, a path naming an unknown
        construct, a cycle among the paths, an indicator used by two constructs.

    Examples
    --------
    >>> m = Model('''
    ... IMAG =~ imag1 + imag2 + imag3
    ... SAT  =~ sat1 + sat2
    ...       + sat3            # the sum continues
    ... SAT ~ IMAG
    ... ''')
    >>> m.structural_paths
    [('IMAG', 'SAT')]
    >>> m.order()
    ['IMAG', 'SAT']
    """

    def __init__(self, text: str):
        if isinstance(text, Model):
            text = text.to_text()
        if not isinstance(text, str):
            raise InputError(f"Model(text): expected model syntax as a str, got {type(text).__name__}")
        builder = ModelBuilder()
        any_statement = False
        for stmt in _statements(_tokenize(text)):
            any_statement = True
            lhs, op, rhs, line = _parse_statement(stmt)
            names = [t.text for t in rhs]
            if op in ("=~", "<~"):
                builder._measure(lhs, names, "A" if op == "=~" else "B", line=line, tokens=rhs)
            elif op == "~":
                for tok in rhs:
                    if ":" in tok.text:
                        iv, mod = tok.text.split(":")
                        builder._add_interaction(iv, mod, lhs, line=line)
                    else:
                        builder._add_path(tok.text, lhs, line=line)
            else:  # ~~
                for tok in rhs:
                    builder._add_cov(lhs, tok.text, line=line)
        if not any_statement:
            raise ModelSyntaxError("the model text is empty (no statements)")
        self._init_from(builder)

    # -- construction helpers -----------------------------------------------------------------
    @classmethod
    def _from_builder(cls, builder: "ModelBuilder") -> "Model":
        obj = cls.__new__(cls)
        obj._init_from(builder)
        return obj

    def _init_from(self, b: "ModelBuilder") -> None:
        b._validate()
        self._constructs = list(b._constructs)
        self._indicators = {c: list(b._indicators[c]) for c in self._constructs}
        self._modes = {c: b._modes[c] for c in self._constructs}
        self._paths = list(b._paths)
        self._ints = list(b._ints)
        self._covs = list(b._covs)
        self._order = b._topological()

    @staticmethod
    def builder() -> "ModelBuilder":
        """Return an empty :class:`ModelBuilder` (same as ``ModelBuilder()``)."""
        return ModelBuilder()

    # ``Model.build()`` reads naturally in a chain: Model.build().reflective(...).build()
    build = builder

    @classmethod
    def from_dict(
        cls,
        measurement: Mapping[str, Sequence[str]],
        paths: Iterable[tuple[str, str]] | Mapping[str, Sequence[str]] = (),
        modes: Mapping[str, str] | None = None,
    ) -> "Model":
        """Build a model from plain Python objects.

        Parameters
        ----------
        measurement : mapping of construct -> list of indicator columns
        paths : iterable of (from, to) pairs, or mapping of ``to`` -> list of ``from``
        modes : mapping of construct -> "A" or "B"; constructs not listed are mode "A"

        Examples
        --------
        >>> m = Model.from_dict({"X": ["x1", "x2"], "Y": ["y1", "y2"]}, paths=[("X", "Y")],
        ...                     modes={"X": "B"})
        >>> m.modes
        {'X': 'B', 'Y': 'A'}
        """
        if not isinstance(measurement, Mapping):
            raise InputError("Model.from_dict(measurement=...): expected a mapping construct -> list of columns")
        modes = dict(modes or {})
        unknown = sorted(set(modes) - set(measurement))
        if unknown:
            raise InputError(
                f"Model.from_dict(modes=...): {unknown} are not constructs of `measurement` "
                f"({list(measurement)})"
            )
        b = ModelBuilder()
        for name, items in measurement.items():
            b._measure(name, _as_name_list(items, f"measurement[{name!r}]"),
                       _check_mode(modes.get(name, "A"), f"modes[{name!r}]"))
        if isinstance(paths, Mapping):
            for to, froms in paths.items():
                b.paths(froms, to)
        else:
            for pair in paths:
                if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                    raise InputError(
                        f"Model.from_dict(paths=...): expected (from, to) pairs, got {pair!r}"
                    )
                b.path(pair[0], pair[1])
        return b.build()

    # -- read-only views ------------------------------------------------------------------------
    @property
    def constructs(self) -> list[str]:
        return list(self._constructs)

    @property
    def indicators(self) -> dict[str, list[str]]:
        return {c: list(v) for c, v in self._indicators.items()}

    @property
    def modes(self) -> dict[str, str]:
        return dict(self._modes)

    @property
    def structural_paths(self) -> list[tuple[str, str]]:
        return list(self._paths)

    @property
    def interactions(self) -> list[tuple[str, str, str]]:
        """``(iv, moderator, target)`` of each interaction term (``target ~ iv:moderator``)."""
        return list(self._ints)

    @property
    def covariances(self) -> list[tuple[str, str]]:
        return list(self._covs)

    @property
    def all_indicators(self) -> list[str]:
        """Every indicator column, block after block in construct order (the data columns: the
        lower-order constructs of a higher-order construct are not columns)."""
        return [x for c in self._constructs for x in self._indicators[c] if x not in self._indicators]

    @property
    def construct_of(self) -> dict[str, str]:
        """The construct each indicator column measures: ``{indicator: construct}``."""
        return {x: c for c in self._constructs for x in self._indicators[c] if x not in self._indicators}

    @property
    def higher_order(self) -> dict[str, list[str]]:
        """``{higher-order construct: its lower-order constructs}`` (``HOC =~ LOC1 + LOC2``).

        Examples
        --------
        >>> Model("A =~ a1 + a2\\nB =~ b1 + b2\\nH =~ A + B\\nY =~ y\\nY ~ H").higher_order
        {'H': ['A', 'B']}
        """
        return {c: list(v) for c, v in self._indicators.items() if v and v[0] in self._indicators}

    @property
    def endogenous(self) -> list[str]:
        """Constructs with at least one incoming structural path (construct order)."""
        targets = {t for _, t in self._paths}
        return [c for c in self._constructs if c in targets]

    @property
    def exogenous(self) -> list[str]:
        """Constructs with no incoming structural path (construct order)."""
        targets = {t for _, t in self._paths}
        return [c for c in self._constructs if c not in targets]

    def predecessors(self, construct: str) -> list[str]:
        """Constructs with a direct path into ``construct`` (construct order)."""
        self._check_construct(construct)
        froms = {f for f, t in self._paths if t == construct}
        return [c for c in self._constructs if c in froms]

    def successors(self, construct: str) -> list[str]:
        """Constructs that ``construct`` has a direct path into (construct order)."""
        self._check_construct(construct)
        tos = {t for f, t in self._paths if f == construct}
        return [c for c in self._constructs if c in tos]

    def order(self) -> list[str]:
        """Constructs in a topological order of the structural model.

        Ties are broken by construct order, so the result is deterministic.
        """
        return list(self._order)

    def path_matrix(self) -> pd.DataFrame:
        """0/1 matrix, ``M.loc[to, from] == 1`` for each path (plspm's inner matrix layout)."""
        m = pd.DataFrame(0, index=self._constructs, columns=self._constructs, dtype=int)
        for f, t in self._paths:
            m.loc[t, f] = 1
        return m

    def _check_construct(self, name: str) -> None:
        if name not in self._indicators:
            raise InputError(f"{name!r} is not a construct of this model ({self._constructs})")

    # -- transformations ------------------------------------------------------------------------
    def to_text(self) -> str:
        """Model syntax that parses back to an equal model.

        Examples
        --------
        >>> m = Model("X <~ a + b\\nY =~ c + d\\nY ~ X")
        >>> print(m.to_text())
        X <~ a + b
        Y =~ c + d
        Y ~ X
        >>> Model(m.to_text()) == m
        True
        """
        lines = []
        for c in self._constructs:
            op = "=~" if self._modes[c] == "A" else "<~"
            lines.append(f"{c} {op} " + " + ".join(self._indicators[c]))
        # group consecutive paths into the same target, so that the path order round-trips
        runs: list[tuple[str, list[str]]] = []
        for f, t in self._paths:
            if runs and runs[-1][0] == t:
                runs[-1][1].append(f)
            else:
                runs.append((t, [f]))
        for t, froms in runs:
            lines.append(f"{t} ~ " + " + ".join(froms))
        for iv, mod, t in self._ints:
            lines.append(f"{t} ~ {iv}:{mod}")
        covs: dict[str, list[str]] = {}
        for a, b in self._covs:
            covs.setdefault(a, []).append(b)
        for a, bs in covs.items():
            lines.append(f"{a} ~~ " + " + ".join(bs))
        return "\n".join(lines)

    def with_indicators(self, mapping: Mapping[str, Sequence[str]]) -> "Model":
        """A copy in which the blocks named in ``mapping`` get new indicator lists.

        Examples
        --------
        >>> m = Model("X =~ a + b\\nY =~ c + d\\nY ~ X")
        >>> m.with_indicators({"Y": ["c"]}).indicators
        {'X': ['a', 'b'], 'Y': ['c']}
        """
        if not isinstance(mapping, Mapping):
            raise InputError("with_indicators(mapping): expected a mapping construct -> list of columns")
        unknown = [c for c in mapping if c not in self._indicators]
        if unknown:
            raise InputError(
                f"with_indicators: {unknown} are not constructs of this model ({self._constructs})"
            )
        b = self._to_builder()
        for c, items in mapping.items():
            b._indicators[c] = []
            b._measure(c, _as_name_list(items, f"mapping[{c!r}]"), self._modes[c], replace=True)
        return b.build()

    def with_modes(self, modes: Mapping[str, str]) -> "Model":
        """A copy in which the constructs named in ``modes`` get a new PLS mode ("A"/"B")."""
        unknown = [c for c in modes if c not in self._indicators]
        if unknown:
            raise InputError(f"with_modes: {unknown} are not constructs of this model ({self._constructs})")
        b = self._to_builder()
        for c, mode in modes.items():
            b._modes[c] = _check_mode(mode, f"modes[{c!r}]")
        return b.build()

    def _to_builder(self) -> "ModelBuilder":
        b = ModelBuilder()
        for c in self._constructs:
            b._measure(c, self._indicators[c], self._modes[c])
        for f, t in self._paths:
            b._add_path(f, t)
        for iv, mod, t in self._ints:
            b._add_interaction(iv, mod, t)
        for x, y in self._covs:
            b._add_cov(x, y)
        return b

    # -- data ------------------------------------------------------------------------------------
    def check_data(self, data: pd.DataFrame, *, name: str = "data") -> None:
        """Check that ``data`` has every indicator as a numeric column.

        Parameters
        ----------
        data : pandas.DataFrame
        name : str
            How to call the data in the message (e.g. the file name).

        Raises
        ------
        InputError
            Naming every missing indicator column, and every non-numeric one.

        Examples
        --------
        >>> import pandas as pd
        >>> m = Model("X =~ a + b")
        >>> m.check_data(pd.DataFrame({"a": [1.0, 2.0], "b": [3, 1]}))
        """
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"{name}: expected a pandas DataFrame, got {type(data).__name__}")
        problems = []
        missing = [x for x in self.all_indicators if x not in data.columns]
        if missing:
            owner = self.construct_of
            listed = ", ".join(f"{x!r} ({owner[x]})" for x in missing)
            problems.append(
                f"{len(missing)} indicator column(s) missing: {listed}; "
                f"the data have {len(data.columns)} columns"
                + (f" ({', '.join(map(str, list(data.columns)[:30]))}{', ...' if len(data.columns) > 30 else ''})")
            )
        present = [x for x in self.all_indicators if x in data.columns]
        repeated = set(data.columns[data.columns.duplicated()])
        dup = sorted(x for x in present if x in repeated)
        if dup:
            problems.append(f"column name(s) used more than once: {dup}")
        dtypes = {c: t for c, t in zip(data.columns, data.dtypes) if c not in repeated}
        nonnum = [
            x for x in present if x not in repeated
            and not (pd.api.types.is_numeric_dtype(dtypes[x]) or pd.api.types.is_bool_dtype(dtypes[x]))
        ]
        if nonnum:
            kinds = ", ".join(f"{x!r} ({dtypes[x]})" for x in nonnum)
            problems.append(f"indicator column(s) not numeric: {kinds}")
        if problems:
            raise InputError(f"{name}: " + "; ".join(problems))

    # -- dunder ----------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return (
            self._constructs == other._constructs
            and self._indicators == other._indicators
            and self._modes == other._modes
            and self._paths == other._paths
            and self._ints == other._ints
            and self._covs == other._covs
        )

    def __hash__(self) -> int:
        return hash(self.to_text())

    def __repr__(self) -> str:
        n_ind = len(self.all_indicators)
        head = (
            f"Model({len(self._constructs)} constructs, {n_ind} indicators, "
            f"{len(self._paths)} structural paths)"
        )
        return head + "\n" + "\n".join("  " + line for line in self.to_text().splitlines())

    def __getstate__(self) -> dict[str, Any]:
        # the parts, not the text: models built in code (an interaction construct "X:M" of the
        # PLS engine) need not have a text form that parses back
        b = self._to_builder()
        return {"parts": (b._constructs, b._indicators, b._modes, b._paths, b._ints, b._covs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "text" in state:  # pickles written before the parts were stored
            self.__init__(state["text"])
            return
        b = ModelBuilder()
        constructs, indicators, modes, paths, ints, covs = state["parts"]
        for c in constructs:
            b._measure(c, indicators[c], modes[c])
        for f, t in paths:
            b._add_path(f, t)
        for iv, mod, t in ints:
            b._add_interaction(iv, mod, t)
        for x, y in covs:
            b._add_cov(x, y)
        self._init_from(b)


def as_model(model: Model | str) -> Model:
    """``model`` itself when it is a :class:`Model`, else its lavaan-style syntax parsed.

    What every estimator does with its ``model`` argument.

    Raises
    ------
    ParameterError
        Neither a Model nor a str.

    Examples
    --------
    >>> as_model("X =~ a + b").indicators
    {'X': ['a', 'b']}
    """
    if isinstance(model, Model):
        return model
    if isinstance(model, str):
        return Model(model)
    raise ParameterError(
        f"model: expected a crm_analysis.sem.Model or lavaan-style model text, got {type(model).__name__}"
    )


# --------------------------------------------------------------------------------------------
# builder
# --------------------------------------------------------------------------------------------
def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{what}: expected a non-empty name (str), got {name!r}")
    return name


def _as_name_list(items: Any, what: str) -> list[str]:
    if isinstance(items, str):
        return [_check_name(items, what)]
    try:
        items = list(items)
    except TypeError:
        raise InputError(f"{what}: expected a list of column names, got {items!r}") from None
    return [_check_name(x, what) for x in items]


def _check_mode(mode: Any, what: str) -> str:
    if mode not in _MODES:
        raise InputError(f"{what}: expected 'A' (reflective) or 'B' (composite/formative), got {mode!r}")
    return mode


class ModelBuilder:
    """Assemble a :class:`Model` in code; each method returns the builder so calls chain.

    Examples
    --------
    >>> m = (ModelBuilder()
    ...      .reflective("IMAG", ["imag1", "imag2"])
    ...      .composite("QUAL", ["qual1", "qual2"])
    ...      .reflective("SAT", ["sat1", "sat2"])
    ...      .paths(["IMAG", "QUAL"], "SAT")
    ...      .build())
    >>> m.modes["QUAL"], m.structural_paths
    ('B', [('IMAG', 'SAT'), ('QUAL', 'SAT')])
    """

    def __init__(self) -> None:
        self._constructs: list[str] = []  # order of first appearance
        self._declared: set[str] = set()  # constructs with a measurement statement
        self._indicators: dict[str, list[str]] = {}
        self._modes: dict[str, str] = {}
        self._paths: list[tuple[str, str]] = []
        self._ints: list[tuple[str, str, str]] = []
        self._covs: list[tuple[str, str]] = []
        self._sources: dict[tuple, int | None] = {}  # where things were declared (line numbers)

    def _touch(self, name: str) -> None:
        if name not in self._indicators:
            self._constructs.append(name)
            self._indicators[name] = []

    def _measure(
        self,
        name: str,
        items: list[str],
        mode: str,
        *,
        line: int | None = None,
        tokens: list[_Token] | None = None,
        replace: bool = False,
    ) -> None:
        _check_name(name, "construct name")
        if name in self._modes and self._modes[name] != mode and not replace:
            where = self._sources.get(("mode", name))
            was = "reflective (=~)" if self._modes[name] == "A" else "composite (<~)"
            now = "reflective (=~)" if mode == "A" else "composite (<~)"
            msg = (
                f"construct {name!r} is declared {now} here but {was}"
                + (f" on line {where}" if where else "")
                + "; a construct has one measurement mode"
            )
            if line is not None:
                raise ModelSyntaxError(msg, line, name)
            raise InputError(msg)
        self._touch(name)
        self._declared.add(name)
        self._modes[name] = mode
        self._sources.setdefault(("mode", name), line)
        for i, x in enumerate(items):
            if x in self._indicators[name]:
                msg = f"indicator {x!r} is listed twice for construct {name!r}"
                if line is not None:
                    tok = tokens[i] if tokens else None
                    raise ModelSyntaxError(msg, tok.line if tok else line, x)
                raise InputError(msg)
            self._indicators[name].append(x)
            self._sources[("ind", name, x)] = tokens[i].line if tokens else line

    def _add_path(self, from_: str, to: str, *, line: int | None = None) -> None:
        _check_name(from_, "path origin")
        _check_name(to, "path target")
        if (from_, to) in self._paths:
            where = self._sources.get(("path", from_, to))
            msg = f"structural path {from_} -> {to} is given twice" + (
                f" (first on line {where})" if where else ""
            )
            if line is not None:
                raise ModelSyntaxError(msg, line, from_)
            raise InputError(msg)
        self._touch(to)
        self._touch(from_)
        self._paths.append((from_, to))
        self._sources[("path", from_, to)] = line

    def _add_interaction(self, iv: str, moderator: str, to: str, *, line: int | None = None) -> None:
        _check_name(iv, "interaction term")
        _check_name(moderator, "interaction term")
        _check_name(to, "path target")
        if (iv, moderator, to) in self._ints or (moderator, iv, to) in self._ints:
            msg = f"interaction {iv}:{moderator} -> {to} is given twice"
            if line is not None:
                raise ModelSyntaxError(msg, line, f"{iv}:{moderator}")
            raise InputError(msg)
        self._touch(to)
        self._ints.append((iv, moderator, to))
        self._sources[("int", iv, moderator, to)] = line

    def _add_cov(self, a: str, b: str, *, line: int | None = None) -> None:
        _check_name(a, "covariance term")
        _check_name(b, "covariance term")
        if (a, b) in self._covs or (b, a) in self._covs:
            msg = f"covariance {a} ~~ {b} is given twice"
            if line is not None:
                raise ModelSyntaxError(msg, line, b)
            raise InputError(msg)
        self._covs.append((a, b))
        self._sources[("cov", a, b)] = line

    # -- public builder API ---------------------------------------------------------------------
    def reflective(self, name: str, items: Sequence[str]) -> "ModelBuilder":
        """Add a reflective construct (``name =~ items``; PLS mode A)."""
        self._measure(_check_name(name, "reflective(name)"), _as_name_list(items, f"reflective({name!r}, items)"), "A")
        return self

    def composite(self, name: str, items: Sequence[str], mode: str = "B") -> "ModelBuilder":
        """Add a composite construct (``name <~ items``; PLS mode B unless ``mode="A"``)."""
        self._measure(
            _check_name(name, "composite(name)"),
            _as_name_list(items, f"composite({name!r}, items)"),
            _check_mode(mode, "composite(mode)"),
        )
        return self

    def path(self, from_: str, to: str) -> "ModelBuilder":
        """Add the structural path ``from_ -> to``."""
        self._add_path(from_, to)
        return self

    def paths(self, froms: str | Sequence[str], to: str | Sequence[str]) -> "ModelBuilder":
        """Add a path from each of ``froms`` to each of ``to`` (seminr's ``paths(from, to)``)."""
        for t in _as_name_list(to, "paths(to)"):
            for f in _as_name_list(froms, "paths(froms)"):
                self._add_path(f, t)
        return self

    def covariance(self, a: str, b: str) -> "ModelBuilder":
        """Add a residual covariance ``a ~~ b`` (CB-SEM only)."""
        self._add_cov(a, b)
        return self

    def build(self) -> Model:
        """Validate and return the :class:`Model`."""
        return Model._from_builder(self)

    # -- validation -----------------------------------------------------------------------------
    def _err(self, msg: str, line: int | None, token: str | None) -> InputError:
        return ModelSyntaxError(msg, line, token) if line is not None else InputError(msg)

    def _validate(self) -> None:
        if not self._constructs:
            raise InputError("the model has no constructs")
        # every construct needs a measurement statement with at least one indicator
        for c in self._constructs:
            if c in self._declared and not self._indicators[c]:
                raise InputError(f"construct {c!r} has no indicators")
            if c not in self._declared:
                path = next(((f, t) for f, t in self._paths if c in (f, t)), None)
                line = self._sources.get(("path",) + path) if path else None
                raise self._err(
                    f"structural path {path[0]} -> {path[1]} names {c!r}, which is not a "
                    f"construct of the model: declare it with '{c} =~ item1 + item2' "
                    f"(or '<~'), or correct the name"
                    + (f" (constructs: {sorted(self._declared)})" if self._declared else ""),
                    line,
                    c,
                )
        # an indicator belongs to one construct; no indicator named like a construct
        owner: dict[str, str] = {}
        for c in self._constructs:
            for x in self._indicators[c]:
                if x in owner:
                    line = self._sources.get(("ind", c, x))
                    first = self._sources.get(("ind", owner[x], x))
                    raise self._err(
                        f"indicator {x!r} is used by two constructs, {owner[x]!r}"
                        + (f" (line {first})" if first else "")
                        + f" and {c!r}; each indicator must measure one construct",
                        line,
                        x,
                    )
                if x in self._indicators:
                    self._check_higher_order(c, x)
                owner[x] = c
        for iv, mod, t in self._ints:
            line = self._sources.get(("int", iv, mod, t))
            for part in (iv, mod):
                if part not in self._declared:
                    raise self._err(
                        f"interaction {iv}:{mod} names {part!r}, which is not a construct of the model"
                        + (f" (constructs: {sorted(self._declared)})" if self._declared else ""),
                        line, f"{iv}:{mod}")
            if t in (iv, mod):
                raise self._err(f"interaction {iv}:{mod} predicts one of its own parts ({t})", line, f"{iv}:{mod}")
        for f, t in self._paths:
            if f == t:
                raise self._err(
                    f"structural path {f} -> {t} points to itself (a cycle)",
                    self._sources.get(("path", f, t)),
                    f,
                )
        known = set(self._indicators) | set(owner)
        for a, b in self._covs:
            for x in (a, b):
                if x not in known:
                    raise self._err(
                        f"covariance {a} ~~ {b} names {x!r}, which is neither a construct nor an indicator",
                        self._sources.get(("cov", a, b)),
                        x,
                    )
        self._topological()

    def _check_higher_order(self, c: str, x: str) -> None:
        """``c =~ x`` with ``x`` a construct: ``c`` must be a second-order construct over >= 2
        first-order constructs and nothing else."""
        line = self._sources.get(("ind", c, x))
        items = self._indicators[c]
        others = [y for y in items if y not in self._indicators]
        if others:
            raise self._err(
                f"{c!r} mixes constructs ({x!r}) and indicators ({others[0]!r}): a higher-order construct "
                f"is measured by lower-order constructs only", line, x)
        if len(items) < 2:
            raise self._err(
                f"{c!r} is a higher-order construct over one lower-order construct ({x!r}); it needs at "
                f"least two (or list {x!r}'s items under {c!r})", line, x)
        if any(y in self._indicators for y in self._indicators[x]):
            raise self._err(
                f"{x!r} is itself a higher-order construct: only second-order constructs are supported",
                line, x)

    def _topological(self) -> list[str]:
        """Kahn's algorithm, ties broken by construct order; a cycle raises InputError."""
        edges = self._edges()
        indeg = {c: 0 for c in self._constructs}
        for _, t in edges:
            indeg[t] += 1
        done: list[str] = []
        remaining = list(self._constructs)
        while remaining:
            ready = next((c for c in remaining if indeg[c] == 0), None)
            if ready is None:
                cycle = self._find_cycle(remaining)
                line = self._sources.get(("path", cycle[-2], cycle[-1]))
                raise self._err(
                    "the structural model has a cycle: " + " -> ".join(cycle)
                    + " (PLS and recursive SEM need an acyclic path model)",
                    line,
                    cycle[-1],
                )
            done.append(ready)
            remaining.remove(ready)
            for f, t in edges:
                if f == ready:
                    indeg[t] -= 1
        return done

    def _edges(self) -> list[tuple[str, str]]:
        """Structural paths plus the edges an interaction implies (iv -> target, moderator -> target)."""
        out = list(self._paths)
        for iv, mod, t in self._ints:
            out += [(iv, t), (mod, t)]
        return out

    def _find_cycle(self, nodes: list[str]) -> list[str]:
        edges = self._edges()
        succ = {c: [t for f, t in edges if f == c and t in nodes] for c in nodes}
        start = nodes[0]
        # every remaining node has an incoming edge from a remaining node, so walking backwards
        # eventually repeats; walk forward from a node on a cycle instead
        pred = {c: [f for f, t in edges if t == c and f in nodes] for c in nodes}
        seen: list[str] = []
        node = start
        while node not in seen:
            seen.append(node)
            node = pred[node][0]
        cycle_back = seen[seen.index(node):]
        cycle = list(reversed(cycle_back))
        cycle.append(cycle[0])
        assert all(b in succ[a] for a, b in zip(cycle, cycle[1:]))
        return cycle
