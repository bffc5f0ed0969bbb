"""The maturity instrument: Likert items on five dimensions, three levels, a five-rung ladder.

The instrument is a YAML file (the default ships with the package as ``instrument.yaml``; a
copy sits in ``data/maturity_instrument.yaml``). :func:`load_instrument` validates it on load
and refuses a malformed file with the key path of every problem found.

Items that replace an item of an earlier version declare it with ``split_from`` (version 2.0
split the eight double-barrelled items of version 1.0: ``SAT3`` became ``SAT3a`` and ``SAT3b``,
and so on; :attr:`Instrument.splits`). An item that asks two things at once can declare it with
``double_barrelled: {en: ..., zh: ...}`` naming the things it joins
(:func:`crm_analysis.maturity.double_barrelled` lists them).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..i18n import check_lang

DEFAULT_INSTRUMENT = Path(__file__).with_name("instrument.yaml")
#: version 1.0, before its eight double-barrelled items were split: for files collected with it
INSTRUMENT_V1 = Path(__file__).with_name("instrument_1.0.yaml")
#: the shipped versions by number: ``load_instrument("1.0")``
SHIPPED_VERSIONS = {"1.0": INSTRUMENT_V1, "2.0": DEFAULT_INSTRUMENT}
MIN_ITEMS_RECOMMENDED = 3


@dataclass(frozen=True)
class Text:
    """A bilingual piece of text."""

    en: str
    zh: str

    def __call__(self, lang: str = "en") -> str:
        return self.zh if check_lang(lang) == "zh" else self.en


@dataclass(frozen=True)
class Action:
    """One line of an improvement agenda, with the source passage it comes from."""

    text: Text
    source: str


@dataclass(frozen=True)
class Item:
    """A Likert item (``kind='likert'``) or a ladder criterion (``kind='criterion'``, 0/1)."""

    id: str
    text: Text
    scale: tuple[int, int]
    dimension: str | None = None  # Likert items
    rung: int | None = None  # ladder criteria
    reverse: bool = False
    kind: str = "likert"
    split_from: str | None = None  # the item of an earlier version that this one is part of the split of
    double_barrelled: Text | None = None  # declared: the item asks two things at once (the two named)


@dataclass(frozen=True)
class Dimension:
    id: str
    name: Text
    definition: Text
    source: str
    agenda: tuple[Action, ...]
    items: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    """A grade of a scheme: the three-level grades or a rung of the ladder."""

    level: int
    id: str
    name: Text
    description: Text
    source: str
    agenda: tuple[Action, ...] = ()
    criteria: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instrument:
    """A validated maturity instrument.

    Attributes
    ----------
    dimensions : the five (or more) dimensions, in instrument order.
    items : Likert items by id, in instrument order.
    criteria : ladder criteria (0/1 items) by id, in rung order.
    levels : the three-level grades, lowest first.
    ladder : the rungs of the relationship ladder, lowest first.
    scale : ``(min, max)`` shared by every Likert item.
    """

    name: Text
    version: str
    dimensions: tuple[Dimension, ...]
    items: dict[str, Item]
    criteria: dict[str, Item]
    levels: tuple[Level, ...]
    ladder: tuple[Level, ...]
    scale: tuple[int, int]
    scale_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""

    @property
    def splits(self) -> dict[str, list[str]]:
        """Items of an earlier version that were split: ``{old id: [new ids]}``, in instrument order.

        >>> from crm_analysis import maturity
        >>> maturity.load_instrument().splits["L3_1"]
        ['L3_1a', 'L3_1b', 'L3_1c']
        """
        out: dict[str, list[str]] = {}
        for item in [*self.items.values(), *self.criteria.values()]:
            if item.split_from:
                out.setdefault(item.split_from, []).append(item.id)
        return out

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise InputError(f"instrument has no dimension {dim_id!r}; dimensions: {', '.join(self.dimension_ids)}")

    def items_of(self, dim_id: str) -> list[str]:
        return list(self.dimension(dim_id).items)

    def rung_criteria(self) -> dict[int, list[str]]:
        return {r.level: list(r.criteria) for r in self.ladder}

    def scheme_levels(self, scheme: str) -> tuple[Level, ...]:
        if scheme == "three_level":
            return self.levels
        if scheme == "five_level":
            return self.ladder
        raise InputError(f"scheme={scheme!r}: expected 'three_level' or 'five_level'")

    def items_table(self, lang: str = "en") -> "Any":
        """All items and criteria as a tidy DataFrame (id, kind, dimension/rung, text, scale, reverse)."""
        import pandas as pd

        rows = [{"id": i.id, "kind": i.kind, "dimension": i.dimension, "rung": i.rung, "text": i.text(lang),
                 "scale_min": i.scale[0], "scale_max": i.scale[1], "reverse": i.reverse, "split_from": i.split_from}
                for i in [*self.items.values(), *self.criteria.values()]]
        return pd.DataFrame(rows)


class _Problems:
    """Collects every problem in an instrument file so that all are reported at once."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def need(self, node: Any, key: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
        if not isinstance(node, dict) or key not in node:
            self.errors.append(f"{where}: missing key {key!r}")
            return None
        value = node[key]
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.errors.append(f"{where}.{key}: expected {names}, got {type(value).__name__} {value!r}")
            return None
        return value


def _text(p: _Problems, node: Any, key: str, where: str) -> Text:
    value = p.need(node, key, where, dict)
    if value is None:
        return Text("", "")
    extra = [k for k in value if k not in ("en", "zh", "source")]
    if extra:
        p.errors.append(f"{where}.{key}: unexpected key(s) {', '.join(map(repr, extra))} beside 'en' and 'zh' (an "
                        "unquoted comma inside {...} splits a text: quote it or use the full-width comma)")
    out = {}
    for lang in ("en", "zh"):
        s = value.get(lang)
        if not isinstance(s, str) or not s.strip():
            p.errors.append(f"{where}.{key}.{lang}: missing or empty text (every text needs 'en' and 'zh')")
            s = ""
        out[lang] = s.strip()
    return Text(**out)


def _scale(p: _Problems, node: Any, where: str) -> tuple[int, int]:
    value = p.need(node, "scale", where, list)
    if value is None:
        return (0, 0)
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value) or value[0] >= value[1]:
        p.errors.append(f"{where}.scale: expected [min, max] with integers min < max, got {value!r}")
        return (0, 0)
    return (int(value[0]), int(value[1]))


def _actions(p: _Problems, node: Any, where: str, required: bool) -> tuple[Action, ...]:
    if not isinstance(node, dict) or "agenda" not in node:
        if required:
            p.errors.append(f"{where}: missing key 'agenda' (a list of actions with en, zh and source)")
        return ()
    raw = node["agenda"]
    if not isinstance(raw, list) or not raw:
        p.errors.append(f"{where}.agenda: expected a non-empty list of actions")
        return ()
    out = []
    for k, a in enumerate(raw):
        w = f"{where}.agenda[{k}]"
        if not isinstance(a, dict):
            p.errors.append(f"{w}: expected a mapping with en, zh and source")
            continue
        text = _text(p, {"text": a}, "text", w)
        source = a.get("source")
        if not isinstance(source, str) or not source.strip():
            p.errors.append(f"{w}.source: every action must name the source passage it comes from")
            source = ""
        out.append(Action(text, source))
    return tuple(out)


def _ident(p: _Problems, node: Any, where: str, seen: set[str]) -> str:
    value = p.need(node, "id", where, str)
    if value is None:
        return f"?{where}"
    if not value.strip() or any(c.isspace() or c in ",;" for c in value):
        p.errors.append(f"{where}.id: {value!r} is not a usable id (no blanks, commas or semicolons)")
    if value in seen:
        p.errors.append(f"{where}.id: duplicate id {value!r}")
    seen.add(value)
    return value


def _split_from(p: _Problems, node: Any, where: str) -> str | None:
    value = node.get("split_from") if isinstance(node, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or any(c.isspace() or c in ",;" for c in value):
        p.errors.append(f"{where}.split_from: expected the id of the item of an earlier version that this item "
                        f"replaces (no blanks, commas or semicolons), got {value!r}")
        return None
    return value


def _declared_double(p: _Problems, node: Any, where: str) -> Text | None:
    if not isinstance(node, dict) or node.get("double_barrelled") is None:
        return None
    if not isinstance(node["double_barrelled"], dict):
        p.errors.append(f"{where}.double_barrelled: expected {{en: ..., zh: ...}} naming the things the item joins, "
                        f"got {node['double_barrelled']!r}")
        return None
    return _text(p, node, "double_barrelled", where)


def _check_splits(p: _Problems, all_items: list[Item]) -> None:
    """Split items replace their old item (which must be gone) and stay where it was (dimension or rung)."""
    ids = {i.id for i in all_items}
    groups: dict[str, list[Item]] = {}
    for item in all_items:
        if item.split_from:
            groups.setdefault(item.split_from, []).append(item)
    for old, members in groups.items():
        names = ", ".join(i.id for i in members)
        if old in ids:
            p.errors.append(f"split_from: {names} replace item {old!r}, which is still in the instrument; remove "
                            f"{old!r} (or drop split_from)")
        places = {(i.kind, i.dimension, i.rung) for i in members}
        if len(places) > 1:
            p.errors.append(f"split_from: the items split from {old!r} ({names}) must all be Likert items of one "
                            "dimension or criteria of one rung, as the old item was")


def parse_instrument(raw: Any, source: str = "<instrument>") -> Instrument:
    """Validate an instrument given as a mapping (parsed YAML) and build an :class:`Instrument`.

    Raises :class:`~crm_analysis.errors.InputError` listing every problem, each with its key path.
    A dimension with fewer than three items is accepted with a warning (its reliability is
    then reported as undefined or weak).
    """
    p = _Problems()
    if not isinstance(raw, dict):
        raise InputError(f"{source}: expected a YAML mapping at the top level, got {type(raw).__name__}")
    name = _text(p, raw, "name", "instrument")
    version = str(raw.get("version", ""))
    ids: set[str] = set()

    # Dimensions
    dims_raw = p.need(raw, "dimensions", "instrument", list) or []
    dim_specs = []
    dim_ids: set[str] = set()
    for k, d in enumerate(dims_raw):
        w = f"dimensions[{k}]"
        did = _ident(p, d, w, dim_ids)
        dim_specs.append((did, _text(p, d, "name", w), _text(p, d, "definition", w),
                          str(d.get("source", "")) if isinstance(d, dict) else "", _actions(p, d, w, True)))
    if not dims_raw:
        p.errors.append("instrument.dimensions: at least one dimension is needed")

    # Likert items
    items: dict[str, Item] = {}
    for k, it in enumerate(p.need(raw, "items", "instrument", list) or []):
        w = f"items[{k}]"
        iid = _ident(p, it, w, ids)
        w = f"items[{k}] ({iid})"
        dim = p.need(it, "dimension", w, str)
        if dim is not None and dim not in dim_ids:
            p.errors.append(f"{w}.dimension: unknown dimension {dim!r}; dimensions: {', '.join(sorted(dim_ids))}")
        reverse = it.get("reverse", None) if isinstance(it, dict) else None
        if not isinstance(reverse, bool):
            p.errors.append(f"{w}.reverse: expected true or false, got {reverse!r}")
            reverse = False
        items[iid] = Item(iid, _text(p, it, "text", w), _scale(p, it, w), dimension=dim, reverse=reverse,
                          split_from=_split_from(p, it, w), double_barrelled=_declared_double(p, it, w))
    scales = {i.scale for i in items.values() if i.scale != (0, 0)}
    if len(scales) > 1:
        p.errors.append("items: all Likert items must share one scale (grading thresholds are on that scale); found "
                        + ", ".join(f"{list(s)} ({', '.join(i.id for i in items.values() if i.scale == s)})"
                                    for s in sorted(scales)))
    scale = next(iter(scales)) if len(scales) == 1 else (1, 5)

    dimensions = []
    for did, dname, ddef, dsrc, agenda in dim_specs:
        members = tuple(i.id for i in items.values() if i.dimension == did)
        if not members:
            p.errors.append(f"dimension {did!r} has no items")
        elif len(members) < MIN_ITEMS_RECOMMENDED:
            p.warnings.append(f"dimension {did!r} has {len(members)} item(s) ({', '.join(members)}); at least "
                              f"{MIN_ITEMS_RECOMMENDED} are recommended"
                              + ("; Cronbach's alpha is undefined for a single item" if len(members) == 1 else ""))
        dimensions.append(Dimension(did, dname, ddef, dsrc, agenda, members))

    # Three-level grades
    levels = []
    for k, lv in enumerate(p.need(raw, "levels", "instrument", list) or []):
        w = f"levels[{k}]"
        lid = _ident(p, lv, w, set())
        number = p.need(lv, "level", w, int)
        levels.append(Level(number or 0, lid, _text(p, lv, "name", w), _text(p, lv, "description", w),
                            str(lv.get("source", "")) if isinstance(lv, dict) else "", _actions(p, lv, w, True)))
    if [lv.level for lv in levels] != list(range(1, len(levels) + 1)) or len(levels) != 3:
        p.errors.append(f"instrument.levels: expected three levels numbered 1, 2, 3 (primary, intermediate, "
                        f"advanced), got {[lv.level for lv in levels]}")

    # Ladder
    ladder = []
    criteria: dict[str, Item] = {}
    for k, r in enumerate(p.need(raw, "ladder", "instrument", list) or []):
        w = f"ladder[{k}]"
        rid = _ident(p, r, w, set())
        number = p.need(r, "rung", w, int) or 0
        crit_ids = []
        crit_raw = p.need(r, "criteria", w, list) or []
        if not crit_raw:
            p.errors.append(f"{w}.criteria: every rung needs at least one observable criterion")
        for j, c in enumerate(crit_raw):
            cw = f"{w}.criteria[{j}]"
            cid = _ident(p, c, cw, ids)
            sc = _scale(p, c, f"{cw} ({cid})")
            if sc not in {(0, 1), (0, 0)}:
                p.errors.append(f"{cw} ({cid}).scale: ladder criteria are answered 0 (not in place) or 1 (in place); "
                                f"expected [0, 1], got {list(sc)}")
            criteria[cid] = Item(cid, _text(p, c, "text", f"{cw} ({cid})"), (0, 1), rung=number, kind="criterion",
                                 split_from=_split_from(p, c, f"{cw} ({cid})"),
                                 double_barrelled=_declared_double(p, c, f"{cw} ({cid})"))
            crit_ids.append(cid)
        ladder.append(Level(number, rid, _text(p, r, "name", w), _text(p, r, "description", w),
                            str(r.get("source", "")) if isinstance(r, dict) else "", criteria=tuple(crit_ids)))
    if [r.level for r in ladder] != list(range(1, len(ladder) + 1)) or len(ladder) < 2:
        p.errors.append(f"instrument.ladder: expected rungs numbered 1, 2, ... (at least two), got "
                        f"{[r.level for r in ladder]}")

    _check_splits(p, [*items.values(), *criteria.values()])

    labels_raw = raw.get("scale_labels") or {}
    scale_labels = {}
    for lang in ("en", "zh"):
        lab = labels_raw.get(lang) if isinstance(labels_raw, dict) else None
        if lab is not None:
            if not isinstance(lab, list) or len(lab) != scale[1] - scale[0] + 1:
                p.errors.append(f"scale_labels.{lang}: expected {scale[1] - scale[0] + 1} labels for the scale "
                                f"{list(scale)}, got {lab!r}")
            else:
                scale_labels[lang] = tuple(map(str, lab))

    if p.errors:
        raise InputError(f"{source}: the instrument is not valid ({len(p.errors)} problem(s)):\n  - "
                         + "\n  - ".join(p.errors))
    for message in p.warnings:
        warnings.warn(f"{source}: {message}", stacklevel=3)
    return Instrument(name, version, tuple(dimensions), items, criteria, tuple(levels), tuple(ladder), scale,
                      scale_labels, source)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Instrument:
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    return parse_instrument(raw, path)


def load_instrument(path: str | Path | Instrument | None = None) -> Instrument:
    """Load and validate a maturity instrument (default: the one shipped with the package).

    Parameters
    ----------
    path : a YAML file, a shipped version's number (``"2.0"``, the default; ``"1.0"``, before its eight
        double-barrelled items were split, for files collected with it), an already loaded
        :class:`Instrument` (returned as is) or ``None``.

    Returns
    -------
    Instrument

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> inst = maturity.load_instrument()
    >>> inst.dimension_ids
    ['satisfaction', 'loyalty', 'engagement', 'service', 'image']
    >>> inst.scale
    (1, 5)
    """
    if isinstance(path, Instrument):
        return path
    if isinstance(path, str) and path.strip() in SHIPPED_VERSIONS and not Path(path).is_file():
        path = SHIPPED_VERSIONS[path.strip()]  # "1.0": the version before the split, for files made with it
    file = Path(path) if path is not None else DEFAULT_INSTRUMENT
    if not file.is_file():
        raise InputError(f"instrument file {str(file)!r} not found")
    resolved = file.resolve()
    return _load_cached(str(resolved), resolved.stat().st_mtime)
