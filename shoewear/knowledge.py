"""Load and check the advice knowledge base (``shoewear/data/knowledge.toml``).

The knowledge base is data: form faults, drills and strength exercises, and
the links from each wear pattern (and from a left/right difference) to
faults and drills, each link with an evidence level. `load_knowledge` parses
it with `tomllib` and checks it against the schema below, so a typo in the
file fails loudly with the file and the entry named, not deep inside
`advise`.

Schema
------
- ``caveats``: list of strings shown with every result.
- ``[evidence]``: level name -> human label, strongest level first; the
  order ranks faults and drills.
- ``[[faults]]``: ``id``, ``title``, ``means``, ``why``, ``drills`` (drill ids),
  optional ``opposite`` (ids of faults that cannot hold together with it).
- ``[[drills]]``: ``id``, ``name``, ``kind`` (one of `DRILL_KINDS`), ``how``,
  ``dose``, ``trains``.
- ``[patterns.<name>]`` for every name of `design.PATTERNS`: ``shows``,
  ``means``, ``zones`` (the pattern's `patterns.WearPattern.worn_zones` in
  any order; every zone for a pattern that wears nowhere), optional
  ``evidence``, ``evidence_note``, ``nothing_to_fix``, ``mild_is_normal``,
  ``reassurance``, and the link lists ``faults`` and ``drills``.
- ``[asymmetry]``: ``means``, ``evidence``, ``advice``, ``faults``, ``drills``.
- A link is ``{id, evidence}`` with optional ``why`` (pattern-specific
  reason) and ``zone`` (the link counts only when that zone is worn).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .contract import PATTERNS, ZONES
from .errors import KnowledgeBaseError
from .patterns import wear_pattern

#: What a drill entry may be.
DRILL_KINDS: tuple[str, ...] = ("drill", "strength", "habit")

_SHIPPED = "data/knowledge.toml"


@dataclass(frozen=True)
class Link:
    """One pattern -> fault or pattern -> drill link.

    Attributes
    ----------
    id : str
        The fault or drill id.
    evidence : str
        A level of `Knowledge.evidence`.
    why : str
        Why this pattern points to the fault; "" to use the fault's own text.
    zone : str or None
        When set, the link applies only if this zone shows wear.
    """

    id: str
    evidence: str
    why: str = ""
    zone: str | None = None


@dataclass(frozen=True)
class FaultInfo:
    """A running-form fault: what it is and why wear may point to it."""

    id: str
    title: str
    means: str
    why: str
    drills: tuple[str, ...]
    opposite: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrillInfo:
    """A drill, strength exercise or habit, with how to do it and how much."""

    id: str
    name: str
    kind: str
    how: str
    dose: str
    trains: str


@dataclass(frozen=True)
class PatternInfo:
    """What one wear pattern may mean and what it links to."""

    name: str
    shows: str
    means: str
    zones: tuple[str, ...]
    faults: tuple[Link, ...] = ()
    drills: tuple[Link, ...] = ()
    evidence: str | None = None
    evidence_note: str = ""
    nothing_to_fix: bool = False
    mild_is_normal: bool = False
    reassurance: str = ""


@dataclass(frozen=True)
class AsymmetryInfo:
    """What a left/right wear difference may mean and what to do."""

    means: str
    evidence: str
    advice: str
    faults: tuple[Link, ...]
    drills: tuple[Link, ...]


@dataclass(frozen=True, eq=False)
class Knowledge:
    """The whole knowledge base, read-only.

    Attributes
    ----------
    evidence : Mapping[str, str]
        Evidence level -> label, strongest first.
    faults, drills, patterns : Mapping
        By id (faults, drills) or pattern name (patterns), in file order.
    caveats : tuple of str
        Shown with every result.
    asymmetry : AsymmetryInfo
        Advice for a left/right difference.
    source : str
        The file it was read from.
    """

    evidence: Mapping[str, str]
    faults: Mapping[str, FaultInfo]
    drills: Mapping[str, DrillInfo]
    patterns: Mapping[str, PatternInfo]
    caveats: tuple[str, ...]
    asymmetry: AsymmetryInfo
    source: str = ""

    def evidence_rank(self, level: str) -> int:
        """0 for the strongest evidence level, growing as evidence weakens."""
        return list(self.evidence).index(level)


def load_knowledge(path: str | Path | None = None) -> Knowledge:
    """Read and check a knowledge-base TOML file.

    Parameters
    ----------
    path : str, Path or None
        The file; None reads the one shipped with shoewear. Results are
        cached per file (and its modification time and size).

    Returns
    -------
    Knowledge

    Raises
    ------
    KnowledgeBaseError
        When the file is missing, is not valid TOML, or breaks the schema;
        the message names the file and the bad entry.
    """
    if path is None:
        return _load_shipped()
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read knowledge base ({exc.strerror})") from None
    return _load_file(str(path), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _load_shipped() -> Knowledge:
    data = resources.files(__package__).joinpath(_SHIPPED).read_bytes()
    return _parse(data, f"shoewear/{_SHIPPED}")


@functools.lru_cache(maxsize=16)
def _load_file(path: str, mtime_ns: int, size: int) -> Knowledge:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read knowledge base ({exc.strerror})") from None
    return _parse(data, path)


def _parse(data: bytes, source: str) -> Knowledge:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise KnowledgeBaseError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{source}: not valid TOML: {exc}") from None
    try:
        return _build(doc, source)
    except _Bad as exc:
        raise KnowledgeBaseError(f"{source}: {exc}") from None


class _Bad(Exception):
    """A schema violation; `_parse` adds the file name."""


_TOP = ("caveats", "evidence", "faults", "drills", "patterns", "asymmetry")
_FAULT_FIELDS = {"id": str, "title": str, "means": str, "why": str, "drills": list}
_FAULT_OPTIONAL = {"opposite": list}
_DRILL_FIELDS = {"id": str, "name": str, "kind": str, "how": str, "dose": str, "trains": str}
_PATTERN_REQUIRED = {"shows": str, "means": str, "zones": list}
_PATTERN_OPTIONAL = {
    "faults": list,
    "drills": list,
    "evidence": str,
    "evidence_note": str,
    "nothing_to_fix": bool,
    "mild_is_normal": bool,
    "reassurance": str,
}
_ASYM_FIELDS = {"means": str, "evidence": str, "advice": str, "faults": list, "drills": list}
_LINK_REQUIRED = {"id": str, "evidence": str}
_LINK_OPTIONAL = {"why": str, "zone": str}
_TYPE_NAMES = {str: "a string", list: "a list", bool: "true or false", dict: "a table"}


def _fields(
    entry: Any,
    what: str,
    required: Mapping[str, type],
    optional: Mapping[str, type] | None = None,
) -> dict[str, Any]:
    """Check one table's fields: present, of the right type, no unknown names."""
    optional = optional or {}
    if not isinstance(entry, dict):
        raise _Bad(f"{what}: expected a table, got {type(entry).__name__}")
    for name in entry:
        if name not in required and name not in optional:
            known = ", ".join([*required, *optional])
            raise _Bad(f"{what}: unknown field {name!r} (known: {known})")
    for name, kind in {**required, **optional}.items():
        if name not in entry:
            if name in required:
                raise _Bad(f"{what}: missing field {name!r}")
            continue
        value = entry[name]
        if not isinstance(value, kind):
            raise _Bad(f"{what}: field {name!r} must be {_TYPE_NAMES[kind]}")
        if kind is str and not value.strip():
            raise _Bad(f"{what}: field {name!r} is empty")
    return entry


def _str_list(values: list, what: str, field: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise _Bad(f"{what}: field {field!r} must list non-empty strings")
    return tuple(values)


def _check_level(level: str, levels: Mapping[str, str], what: str) -> None:
    if level not in levels:
        raise _Bad(f"{what}: unknown evidence level {level!r} (known: {', '.join(levels)})")


def _links(
    raw: list,
    what: str,
    kind: str,
    known: Mapping[str, Any],
    levels: Mapping[str, str],
) -> tuple[Link, ...]:
    links: list[Link] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        label = f"{what}, {kind} link {i + 1}"
        _fields(item, label, _LINK_REQUIRED, _LINK_OPTIONAL)
        ref = item["id"]
        if ref not in known:
            raise _Bad(f"{what} links unknown {kind} {ref!r}")
        if ref in seen:
            raise _Bad(f"{what} links {kind} {ref!r} twice")
        seen.add(ref)
        _check_level(item["evidence"], levels, f"{what}, {kind} link {ref!r}")
        zone = item.get("zone")
        if zone is not None and zone not in ZONES:
            raise _Bad(f"{what}, {kind} link {ref!r}: unknown zone {zone!r}")
        links.append(Link(id=ref, evidence=item["evidence"], why=item.get("why", ""), zone=zone))
    return tuple(links)


def _by_id(
    raw: Any,
    kind: str,
    required: Mapping[str, type],
    optional: Mapping[str, type] | None = None,
) -> dict[str, dict]:
    if not isinstance(raw, list) or not raw:
        raise _Bad(f"'{kind}s' must be a non-empty array of tables ([[{kind}s]])")
    out: dict[str, dict] = {}
    for i, entry in enumerate(raw):
        ident = entry.get("id") if isinstance(entry, dict) else None
        what = f"{kind} {ident!r}" if isinstance(ident, str) else f"{kind} number {i + 1}"
        _fields(entry, what, required, optional)
        if ident in out:
            raise _Bad(f"duplicate {kind} id {ident!r}")
        out[ident] = entry
    return out


def _build(doc: dict, source: str) -> Knowledge:
    for name in doc:
        if name not in _TOP:
            raise _Bad(f"unknown top-level entry {name!r} (known: {', '.join(_TOP)})")
    for name in _TOP:
        if name not in doc:
            raise _Bad(f"missing top-level entry {name!r}")

    levels = doc["evidence"]
    if not isinstance(levels, dict) or not levels:
        raise _Bad("'evidence' must be a table of level = label")
    for level, label in levels.items():
        if not isinstance(label, str) or not label.strip():
            raise _Bad(f"evidence level {level!r}: label must be a non-empty string")

    caveats = doc["caveats"]
    if not isinstance(caveats, list) or not caveats:
        raise _Bad("'caveats' must be a non-empty list of strings")
    caveats = _str_list(caveats, "caveats", "caveats")

    drills_raw = _by_id(doc["drills"], "drill", _DRILL_FIELDS)
    drills: dict[str, DrillInfo] = {}
    for ident, entry in drills_raw.items():
        if entry["kind"] not in DRILL_KINDS:
            raise _Bad(
                f"drill {ident!r}: unknown kind {entry['kind']!r} (known: {', '.join(DRILL_KINDS)})"
            )
        drills[ident] = DrillInfo(**entry)

    faults_raw = _by_id(doc["faults"], "fault", _FAULT_FIELDS, _FAULT_OPTIONAL)
    faults: dict[str, FaultInfo] = {}
    for ident, entry in faults_raw.items():
        refs = _str_list(entry["drills"], f"fault {ident!r}", "drills")
        for ref in refs:
            if ref not in drills:
                raise _Bad(f"fault {ident!r} links unknown drill {ref!r}")
        opposite = _str_list(entry.get("opposite", []), f"fault {ident!r}", "opposite")
        for ref in opposite:
            if ref not in faults_raw or ref == ident:
                raise _Bad(f"fault {ident!r}: 'opposite' names unknown fault {ref!r}")
        faults[ident] = FaultInfo(**{**entry, "drills": refs, "opposite": opposite})

    raw_patterns = doc["patterns"]
    if not isinstance(raw_patterns, dict):
        raise _Bad("'patterns' must be a table of [patterns.<name>] tables")
    for name in raw_patterns:
        if name not in PATTERNS:
            raise _Bad(f"pattern {name!r} is not a wear pattern (known: {', '.join(PATTERNS)})")
    patterns: dict[str, PatternInfo] = {}
    for name in PATTERNS:
        if name not in raw_patterns:
            raise _Bad(f"pattern {name!r} has no entry")
        patterns[name] = _pattern(name, raw_patterns[name], faults, drills, levels)

    asym = _fields(doc["asymmetry"], "asymmetry", _ASYM_FIELDS)
    _check_level(asym["evidence"], levels, "asymmetry")
    asymmetry = AsymmetryInfo(
        means=asym["means"],
        evidence=asym["evidence"],
        advice=asym["advice"],
        faults=_links(asym["faults"], "asymmetry", "fault", faults, levels),
        drills=_links(asym["drills"], "asymmetry", "drill", drills, levels),
    )
    return Knowledge(
        evidence=MappingProxyType(dict(levels)),
        faults=MappingProxyType(faults),
        drills=MappingProxyType(drills),
        patterns=MappingProxyType(patterns),
        caveats=caveats,
        asymmetry=asymmetry,
        source=source,
    )


def _pattern(
    name: str,
    entry: Any,
    faults: Mapping[str, FaultInfo],
    drills: Mapping[str, DrillInfo],
    levels: Mapping[str, str],
) -> PatternInfo:
    what = f"pattern {name!r}"
    _fields(entry, what, _PATTERN_REQUIRED, _PATTERN_OPTIONAL)
    zones = _str_list(entry["zones"], what, "zones")
    if not zones:
        raise _Bad(f"{what}: field 'zones' is empty")
    for zone in zones:
        if zone not in ZONES:
            raise _Bad(f"{what}: unknown zone {zone!r} (known: {', '.join(ZONES)})")
    # The zones are where severity is read, so they must be where the pattern wears;
    # a pattern that wears nowhere (unworn) reads every zone.
    worn = wear_pattern(name).worn_zones or ZONES
    if len(set(zones)) != len(zones) or set(zones) != set(worn):
        raise _Bad(
            f"{what}: zones [{', '.join(zones)}] must be the pattern's worn zones "
            f"[{', '.join(worn)}] (shoewear/patterns.py)"
        )
    if "evidence" in entry:
        _check_level(entry["evidence"], levels, what)
    fault_links = _links(entry.get("faults", []), what, "fault", faults, levels)
    drill_links = _links(entry.get("drills", []), what, "drill", drills, levels)
    info = PatternInfo(
        name=name,
        shows=entry["shows"],
        means=entry["means"],
        zones=zones,
        faults=fault_links,
        drills=drill_links,
        evidence=entry.get("evidence"),
        evidence_note=entry.get("evidence_note", ""),
        nothing_to_fix=entry.get("nothing_to_fix", False),
        mild_is_normal=entry.get("mild_is_normal", False),
        reassurance=entry.get("reassurance", ""),
    )
    if info.nothing_to_fix:
        if info.faults:
            raise _Bad(f"{what}: has nothing_to_fix = true but links faults")
        if not info.reassurance:
            raise _Bad(f"{what}: has nothing_to_fix = true but no 'reassurance'")
    else:
        if info.evidence is None:
            raise _Bad(f"{what}: missing field 'evidence'")
        if not info.faults or len(info.drills) < 2:
            raise _Bad(f"{what}: needs at least one fault and two drills")
        # A zone-gated link may drop out, so at least one fault must always apply.
        if all(link.zone for link in info.faults):
            raise _Bad(f"{what}: every fault link is limited to a zone; one must always apply")
    if info.mild_is_normal and not info.reassurance:
        raise _Bad(f"{what}: has mild_is_normal = true but no 'reassurance'")
    return info
