"""Higher-order constructs of PLS path models: ``H =~ A + B`` over the constructs ``A`` and ``B``.

Two approaches (Sarstedt et al. 2019, "How to specify, estimate, and validate higher-order
constructs in PLS-SEM"):

- ``"two_stage"`` (disjoint two-stage, as R seminr's ``higher_composite``): stage 1 estimates
  the model with every path into ``H`` redirected to each of its lower-order constructs and
  every path out of ``H`` leaving from each of them; stage 2 replaces the lower-order
  constructs by their stage-1 scores, which become ``H``'s indicators.
- ``"repeated_indicators"`` (Lohmöller 1989; Wold 1982): ``H`` is measured by all items of its
  lower-order constructs, which stay in the model; ``H -> A`` and ``H -> B`` for a reflective
  (``=~``) ``H``, ``A -> H`` and ``B -> H`` for a formative (``<~``) one.

In both, ``H``'s weights and loadings refer to its lower-order constructs (two-stage) or to
their items (repeated indicators), and the lower-order constructs' own weights and loadings
are reported too (two-stage: from stage 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem.model import Model, ModelBuilder

__all__ = ["METHODS", "HigherOrder", "prepare"]

METHODS = ("two_stage", "repeated_indicators")
_SEP = "@"  # repeated indicator columns: "item@H"


@dataclass
class HigherOrder:
    """Stage models and the generated columns of a higher-order model (see :func:`prepare`)."""

    method: str
    base: Model  # the data columns (first-order items) as a model (stage 1 for two-stage)
    model: Model  # the model estimated in the end (stage 2, or the repeated-indicators model)
    dimensions: dict[str, list[str]]  # HOC -> LOCs
    columns: list[str]  # generated columns in the order of model.all_indicators' tail
    fit_opts: dict

    def generate(self, X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        """Generated columns for the first-order item values ``X`` (``base.all_indicators``)
        under row weights ``w``: stage-1 scores of the lower-order constructs (two-stage), or
        copies of the items (repeated indicators)."""
        cols = list(self.base.all_indicators)
        if self.method == "repeated_indicators":
            return X[:, [cols.index(c.split(_SEP)[0]) for c in self.columns]]
        n = len(X)
        w = np.ones(n) if w is None else np.asarray(w, dtype=float)
        nb = w.sum()
        Xc = X - w @ X / nb
        S = (Xc.T * w) @ Xc / nb
        st = core.structure_from_model(self.base)
        fit = core.fit_batch(S[None], np.array([nb]), st, extras=False, **self.fit_opts)
        scores = (Xc / np.sqrt(np.diag(S))) @ (fit["std_weights"][0][:, None] * st.mask)
        cs = list(self.base.constructs)
        return scores[:, [cs.index(c) for c in self.columns]]

    def first_stage(self, X: np.ndarray, consistent: np.ndarray | None = None) -> dict:
        """The stage-1 fit (two-stage) on all rows (PLSc for the ``consistent`` constructs)."""
        Xc = X - X.mean(axis=0)
        S = Xc.T @ Xc / len(X)
        return core.fit_batch(S[None], np.array([float(len(X))]), core.structure_from_model(self.base),
                              extras=False, consistent=consistent, **self.fit_opts)

    def adjust(self, fit: dict, st: core.Structure, consistent: bool) -> None:
        """Nothing to rescale (the interface of :class:`crm_analysis.sem.interaction.Interactions`)."""


def prepare(model: Model, method: str, fit_opts: dict) -> HigherOrder:
    """The stage models of ``model``'s higher-order constructs for ``method``."""
    if method not in METHODS:
        raise ParameterError(f"hoc: expected one of {list(METHODS)}, got {method!r}")
    dims = model.higher_order
    locs = {d for v in dims.values() for d in v}
    if method == "two_stage":
        b1 = ModelBuilder()
        for c in model.constructs:
            if c not in dims:
                b1._measure(c, model.indicators[c], model.modes[c])
        for f, t in model.structural_paths:
            for ff in dims.get(f, [f]):
                for tt in dims.get(t, [t]):
                    if (ff, tt) not in b1._paths:
                        b1._add_path(ff, tt)
        base = b1.build()
        b2 = ModelBuilder()
        columns = []
        for c in model.constructs:
            if c in locs:
                continue
            b2._measure(c, model.indicators[c], model.modes[c])
            if c in dims:
                columns += dims[c]
        for f, t in model.structural_paths:
            b2._add_path(f, t)
        # the generated score columns come last in the data: put the HOCs last among the blocks
        stage2 = b2.build()
        order = [c for c in stage2.constructs if c not in dims] + [c for c in stage2.constructs if c in dims]
        return HigherOrder(method, base, _reorder(stage2, order), dims, columns, fit_opts)
    # repeated indicators: first-order items as the data; HOCs measured by copies of them
    b = ModelBuilder()
    columns = []
    for c in model.constructs:
        if c not in dims:
            b._measure(c, model.indicators[c], model.modes[c])
    for h in dims:
        items = [f"{x}{_SEP}{h}" for d in dims[h] for x in model.indicators[d]]
        b._measure(h, items, model.modes[h])
        columns += items
    for h, ds in dims.items():
        for d in ds:
            if model.modes[h] == "A":
                b._add_path(h, d)
            else:
                b._add_path(d, h)
    for f, t in model.structural_paths:
        b._add_path(f, t)
    base = _items_model(model, dims)
    return HigherOrder(method, base, b.build(), dims, columns, fit_opts)


def _items_model(model: Model, dims: dict[str, list[str]]) -> Model:
    """The first-order blocks only (for reading and checking the data columns)."""
    b = ModelBuilder()
    for c in model.constructs:
        if c not in dims:
            b._measure(c, model.indicators[c], model.modes[c])
    return _loose(b)


def _loose(b: ModelBuilder) -> Model:
    """A Model of measurement blocks without paths (never estimated; it names the columns)."""
    obj = Model.__new__(Model)
    obj._constructs = list(b._constructs)
    obj._indicators = {c: list(b._indicators[c]) for c in obj._constructs}
    obj._modes = dict(b._modes)
    obj._paths, obj._ints, obj._covs = [], [], []
    obj._order = list(obj._constructs)
    return obj


def _reorder(model: Model, order: list[str]) -> Model:
    b = ModelBuilder()
    for c in order:
        b._measure(c, model.indicators[c], model.modes[c])
    for f, t in model.structural_paths:
        b._add_path(f, t)
    return b.build()
