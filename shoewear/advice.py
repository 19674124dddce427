"""From a wear reading to advice: ranked form faults, drills and caveats.

`advise` turns one sole's `WearReading` into an `Advice`; `compare_pair`
compares a left and a right sole. Both are pure functions of the reading and
the knowledge base (`shoewear/data/knowledge.toml`); this module knows
nothing of images or models.

How a reading is read
---------------------
- **Severity** is the highest wear level among the zones where the
  pattern's wear lives (the pattern's ``zones`` in the knowledge base):
  ``mild`` below `MILD_BELOW`, ``heavy`` from `HEAVY_FROM`, ``moderate``
  between. Mild wear shows only the best-supported fault, moderate two,
  heavy all of them; light outer-heel wear (``mild_is_normal``) shows none.
- A **runner-up** pattern is mentioned when its probability is within
  `RUNNER_UP_GAP` of the top one or above `RUNNER_UP_MIN`.
- A zone at `WORN_THROUGH` or more means it is time to replace the shoe.
- A confidence below `LOW_CONFIDENCE` makes the reading uncertain: it
  names one fault at most (plus the runner-up's best one); below
  `NO_CALL_BELOW` it names no fault and no drill.
- The runner-up's fault is left out when it is the opposite of one already
  named (a fault's ``opposite`` list, e.g. supination vs over-pronation).
- When the most worn zone lies outside the pattern's zones by more than
  `ZONE_DISAGREEMENT` (or an ``unworn`` sole shows visible wear), the note
  says the zones and the pattern disagree.

These reading-specific notes open `Advice.caveats` (so the JSON carries them)
and are repeated in `Advice.summary`, followed by the caveats every result
shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .contract import ZONES
from .errors import ShoewearError
from .knowledge import DrillInfo, Knowledge, Link, PatternInfo, load_knowledge
from .report import Advice, Drill, Fault, PairComparison, WearReading

#: Severity is "mild" below this zone wear level.
MILD_BELOW = 0.35
#: Severity is "heavy" from this zone wear level.
HEAVY_FROM = 0.6
#: A zone this worn has lost its tread: time to replace the shoe.
WORN_THROUGH = 0.85
#: Below this confidence the reading is called uncertain.
LOW_CONFIDENCE = 0.5
#: Below this confidence no fault is named at all: with seven patterns a
#: reading this flat says little more than chance (1/7 = 0.14).
NO_CALL_BELOW = 0.3
#: A runner-up pattern this close to the top one is mentioned ...
RUNNER_UP_GAP = 0.15
#: ... and so is one above this probability.
RUNNER_UP_MIN = 0.25
#: A zone-limited link (e.g. forefoot -> toe drag via the ``toe`` zone)
#: applies from this wear level of its zone.
ZONE_LINK_MIN = MILD_BELOW

#: The zones disagree with the pattern when the most worn zone outside the
#: pattern's zones is this much more worn than the most worn one inside.
ZONE_DISAGREEMENT = 0.2

#: Default max |right - left| zone difference that `compare_pair` calls asymmetric.
ASYMMETRY_THRESHOLD = 0.2
#: Two different patterns both at least this confident also count as asymmetric.
PATTERN_CONFIDENCE = 0.6

#: Faults shown per severity (None = all).
_FAULTS_SHOWN = {"mild": 1, "moderate": 2, "heavy": None}
#: Drills shown per severity.
_DRILLS_SHOWN = {"mild": 2, "moderate": 4, "heavy": 6}
_SEVERITY_WORDS = {"mild": "Light", "moderate": "Clear", "heavy": "Heavy"}

#: Plain words for the zones of `design.ZONES`.
ZONE_LABELS: dict[str, str] = {
    "heel_medial": "inner heel",
    "heel_lateral": "outer heel",
    "midfoot_medial": "inner midfoot",
    "midfoot_lateral": "outer midfoot",
    "forefoot_medial": "inner forefoot",
    "forefoot_lateral": "outer forefoot",
    "toe": "toe",
}


def wear_severity(reading: WearReading, *, knowledge: Knowledge | None = None) -> tuple[str, float]:
    """Grade how worn the sole is where its pattern's wear lives.

    Parameters
    ----------
    reading : WearReading
    knowledge : Knowledge or None
        None loads the shipped knowledge base.

    Returns
    -------
    level : {"mild", "moderate", "heavy"}
    value : float
        The highest wear level in [0, 1] among the pattern's zones; 0 when the
        reading carries none of them.
    """
    info = _pattern_info(reading, knowledge or load_knowledge())
    value = max((float(reading.zones.get(z, 0.0)) for z in info.zones), default=0.0)
    if value < MILD_BELOW:
        return "mild", value
    if value < HEAVY_FROM:
        return "moderate", value
    return "heavy", value


def advise(reading: WearReading, *, knowledge: Knowledge | None = None) -> Advice:
    """Turn one sole's wear reading into ranked faults, drills and caveats.

    Parameters
    ----------
    reading : WearReading
        Pattern, confidence, probabilities and zone wear levels of one sole.
    knowledge : Knowledge or None
        None loads the shipped knowledge base.

    Returns
    -------
    Advice
        ``faults`` and ``drills`` best first (stronger evidence first, then
        the knowledge base's order); ``caveats`` opens with the notes on this
        reading (uncertain, runner-up, worn through, the pattern's own
        caveat) and ends with the caveats every result shows; ``summary`` is
        a short paragraph.

    Raises
    ------
    ShoewearError
        When the reading's pattern has no entry in the knowledge base.
    """
    k = knowledge or load_knowledge()
    info = _pattern_info(reading, k)
    level, value = wear_severity(reading, knowledge=k)
    notes = _reading_notes(reading, k)

    faults: list[Fault] = []
    drills: list[DrillInfo] = []
    if reading.confidence < NO_CALL_BELOW:
        lead = (
            f"This sole looks most like '{reading.pattern}' ({info.shows}), but the reading is "
            f"too unsure (confidence {reading.confidence:.2f}) to point at a form fault. The "
            "zone wear levels still show where the sole is worn."
        )
    elif info.nothing_to_fix or (info.mild_is_normal and level == "mild"):
        shown = 2 if info.mild_is_normal else None
        drills = _drills(k, _ranked(k, info.drills), ())[:shown]
        lead = info.reassurance
        if info.mild_is_normal:
            lead += " If you want to work on form anyway, these are good places to start."
        elif drills:
            lead += " Habits worth keeping:"
            lead += " " + ", ".join(d.name.lower() for d in drills) + "."
    else:
        fault_links = _ranked(k, _applicable(info.faults, reading))
        # An uncertain reading names only its best-supported fault.
        shown = 1 if reading.confidence < LOW_CONFIDENCE else _FAULTS_SHOWN[level]
        fault_links = fault_links[:shown]
        runner = _runner_up(reading)
        if runner is not None and not k.patterns[runner].nothing_to_fix:
            extra = _ranked(k, _applicable(k.patterns[runner].faults, reading))[:1]
            fault_links += [x for x in extra if not _clashes(k, x.id, fault_links)]
        faults = [_fault(k, link) for link in fault_links]
        drills = _drills(k, _ranked(k, info.drills), [link.id for link in fault_links])
        drills_level = "moderate" if reading.confidence < LOW_CONFIDENCE else level
        drills = drills[: min(_DRILLS_SHOWN[level], _DRILLS_SHOWN[drills_level])]
        lead = (
            f"{_SEVERITY_WORDS[level]} wear ({value:.2f}) where this pattern shows: "
            f"{info.shows}. {info.means}"
        )
        if info.evidence is not None:
            lead += f" How sure: {k.evidence[info.evidence]}."

    if info.evidence_note:
        notes.append(info.evidence_note)
    summary = " ".join([lead, *notes])
    caveats = tuple(dict.fromkeys([*notes, *k.caveats]))
    return Advice(
        faults=tuple(faults),
        drills=tuple(Drill(id=d.id, name=d.name, how=_how(d)) for d in drills),
        caveats=caveats,
        summary=summary,
    )


def compare_pair(
    left: WearReading,
    right: WearReading,
    *,
    threshold: float = ASYMMETRY_THRESHOLD,
    knowledge: Knowledge | None = None,
) -> PairComparison:
    """Compare the wear of a left and a right sole, zone by zone.

    The pair is called ``asymmetric`` when the largest zone difference
    reaches `threshold`, or when the two soles show different patterns and
    both readings are at least `PATTERN_CONFIDENCE` sure; otherwise
    ``balanced``.

    Parameters
    ----------
    left, right : WearReading
        The left and the right sole's readings.
    threshold : float
        Smallest max |right - left| zone wear difference, in [0, 1], called
        asymmetric (default `ASYMMETRY_THRESHOLD` = 0.2).
    knowledge : Knowledge or None
        None loads the shipped knowledge base.

    Returns
    -------
    PairComparison
        ``zone_diff`` (zone -> right minus left), ``max_zone``, ``max_diff``
        (its absolute value), ``threshold``, ``verdict`` ("balanced" |
        "asymmetric"), ``more_worn`` ("left" | "right" | None), each sole's
        pattern, ``message``, ``evidence``, ``faults`` and ``drills`` (empty
        when balanced); ``to_json()`` gives DESIGN.md's ``"asymmetry"`` object.

    Raises
    ------
    ShoewearError
        When the two readings share no zone or `threshold` is outside (0, 1].
    """
    if not 0.0 < threshold <= 1.0:
        raise ShoewearError(f"asymmetry threshold must lie in (0, 1], got {threshold}")
    k = knowledge or load_knowledge()
    shared = [z for z in ZONES if z in left.zones and z in right.zones]
    if not shared:
        raise ShoewearError("cannot compare the pair: the two readings share no zone")
    diff = {z: float(right.zones[z]) - float(left.zones[z]) for z in shared}
    max_zone = max(shared, key=lambda z: abs(diff[z]))  # first in ZONES order on ties
    max_diff = abs(diff[max_zone])
    zone_asym = max_diff >= threshold - 1e-9
    pattern_asym = (
        left.pattern != right.pattern
        and left.confidence >= PATTERN_CONFIDENCE
        and right.confidence >= PATTERN_CONFIDENCE
    )
    asymmetric = zone_asym or pattern_asym
    where = ZONE_LABELS.get(max_zone, max_zone)
    l_at, r_at = float(left.zones[max_zone]), float(right.zones[max_zone])

    more_worn: str | None = None
    parts: list[str] = []
    if zone_asym:
        more_worn = "right" if diff[max_zone] > 0 else "left"
        parts.append(
            f"The {more_worn} shoe is more worn at the {where} "
            f"({l_at:.2f} left, {r_at:.2f} right; the threshold is {threshold:.2f})."
        )
    if pattern_asym:
        if more_worn is None:
            total = sum(diff.values())
            more_worn = "right" if total > 0 else "left"
        parts.append(
            f"The two soles wear differently: {left.pattern} on the left, "
            f"{right.pattern} on the right."
        )
    if asymmetric:
        if "unworn" in (left.pattern, right.pattern):
            parts.append(
                "One sole reads as nearly new: if the two shoes have not run the same "
                "distance, that alone explains the difference."
            )
        parts += [k.asymmetry.means, k.asymmetry.advice]
        faults = [_fault(k, link) for link in _ranked(k, k.asymmetry.faults)]
        drills = [k.drills[link.id] for link in _ranked(k, k.asymmetry.drills)]
    else:
        parts.append(
            f"Both shoes wear alike: the largest difference is {max_diff:.2f} at the {where}, "
            f"below the {threshold:.2f} threshold."
        )
        faults, drills = [], []
    return PairComparison(
        zone_diff=diff,
        max_zone=max_zone,
        max_diff=max_diff,
        threshold=threshold,
        verdict="asymmetric" if asymmetric else "balanced",
        more_worn=more_worn,
        left_pattern=left.pattern,
        right_pattern=right.pattern,
        message=" ".join(parts),
        evidence=k.asymmetry.evidence,
        faults=tuple(faults),
        drills=tuple(Drill(id=d.id, name=d.name, how=_how(d)) for d in drills),
    )


def drills_for(
    pattern: str | None = None, *, knowledge: Knowledge | None = None
) -> list[DrillInfo]:
    """The drills linked to a wear pattern, best first, or every drill.

    Parameters
    ----------
    pattern : str or None
        A name of `design.PATTERNS`, or "asymmetry" for a left/right
        difference; None lists every drill in the knowledge base's order.
    knowledge : Knowledge or None
        None loads the shipped knowledge base.

    Returns
    -------
    list of DrillInfo
        The pattern's own drill links (stronger evidence first), then the
        drills of the faults it links; empty for a pattern with nothing to read.

    Raises
    ------
    ShoewearError
        When `pattern` is neither a known pattern nor "asymmetry".
    """
    k = knowledge or load_knowledge()
    if pattern is None:
        return list(k.drills.values())
    if pattern == "asymmetry":
        own, fault_links = k.asymmetry.drills, k.asymmetry.faults
    elif pattern in k.patterns:
        own, fault_links = k.patterns[pattern].drills, k.patterns[pattern].faults
    else:
        known = ", ".join([*k.patterns, "asymmetry"])
        raise ShoewearError(f"unknown wear pattern {pattern!r} (known: {known})")
    return _drills(k, _ranked(k, own), [link.id for link in _ranked(k, fault_links)])


def _pattern_info(reading: WearReading, k: Knowledge) -> PatternInfo:
    try:
        return k.patterns[reading.pattern]
    except KeyError:
        known = ", ".join(k.patterns)
        raise ShoewearError(f"unknown wear pattern {reading.pattern!r} (known: {known})") from None


def _ranked(k: Knowledge, links: Iterable[Link]) -> list[Link]:
    """Stronger evidence first; the file's order within a level (sort is stable)."""
    return sorted(links, key=lambda link: k.evidence_rank(link.evidence))


def _applicable(links: Sequence[Link], reading: WearReading) -> list[Link]:
    """Drop zone-limited links whose zone shows too little wear."""
    return [
        link
        for link in links
        if link.zone is None or float(reading.zones.get(link.zone, 0.0)) >= ZONE_LINK_MIN
    ]


def _drills(k: Knowledge, own: Sequence[Link], fault_ids: Sequence[str]) -> list[DrillInfo]:
    """The pattern's drill links, then each fault's drills, without repeats."""
    ids = [link.id for link in own]
    for fault_id in fault_ids:
        ids += k.faults[fault_id].drills
    return [k.drills[i] for i in dict.fromkeys(ids)]


def _fault(k: Knowledge, link: Link) -> Fault:
    info = k.faults[link.id]
    why = link.why or info.why
    return Fault(id=info.id, title=info.title, why=f"{why} How sure: {k.evidence[link.evidence]}.")


def _clashes(k: Knowledge, fault_id: str, named: Sequence[Link]) -> bool:
    """True when `fault_id` is already named or is the opposite of a named fault."""
    for link in named:
        if fault_id == link.id or fault_id in k.faults[link.id].opposite:
            return True
        if link.id in k.faults[fault_id].opposite:
            return True
    return False


def _how(drill: DrillInfo) -> str:
    return f"{drill.how} Dose: {drill.dose}."


def _runner_up(reading: WearReading) -> str | None:
    """The second most likely pattern, when it is close enough to mention."""
    others = {p: float(v) for p, v in reading.probabilities.items() if p != reading.pattern}
    if not others:
        return None
    name = max(others, key=others.__getitem__)
    p2 = others[name]
    top = float(reading.probabilities.get(reading.pattern, reading.confidence))
    if top - p2 <= RUNNER_UP_GAP or p2 > RUNNER_UP_MIN:
        return name
    return None


def _reading_notes(reading: WearReading, k: Knowledge) -> list[str]:
    """Notes on this reading: uncertain, runner-up pattern, worn-through zones."""
    notes: list[str] = []
    if reading.confidence < LOW_CONFIDENCE:
        notes.append(
            f"This reading is uncertain (confidence {reading.confidence:.2f}): take the advice "
            "as a rough guide, or retake the photo square-on in even light with the whole sole "
            "in view."
        )
    runner = _runner_up(reading)
    if runner is not None and runner in k.patterns:
        p2 = float(reading.probabilities[runner])
        notes.append(
            f"The sole also looks somewhat like '{runner}' ({k.patterns[runner].shows}; "
            f"probability {p2:.2f})."
        )
    notes += _zone_notes(reading, k)
    gone = [z for z in ZONES if float(reading.zones.get(z, 0.0)) >= WORN_THROUGH]
    if len(gone) == len(ZONES):
        notes.append(
            "The tread is worn through over the whole sole: time to replace the shoe. "
            "On a sole this bald the wear pattern says little."
        )
    elif gone:
        where = ", ".join(ZONE_LABELS[z] for z in gone)
        notes.append(
            f"The tread is worn through at the {where}: time to replace the shoe, "
            "whatever the pattern says."
        )
    return notes


def _zone_notes(reading: WearReading, k: Knowledge) -> list[str]:
    """A note when the zone levels do not fit the pattern called."""
    info = k.patterns.get(reading.pattern)
    levels = {z: float(v) for z, v in reading.zones.items() if z in ZONES}
    if info is None or not levels:
        return []
    top = max(levels, key=levels.__getitem__)
    if reading.pattern == "unworn":
        if levels[top] < MILD_BELOW:
            return []
        return [
            f"The zone readings show wear at the {ZONE_LABELS[top]} ({levels[top]:.2f}), "
            "so the call 'unworn' may be off; check the sole yourself."
        ]
    inside = max((levels.get(z, 0.0) for z in info.zones), default=0.0)
    if levels[top] - inside < ZONE_DISAGREEMENT:
        return []
    return [
        f"The most worn zone, the {ZONE_LABELS[top]} ({levels[top]:.2f}), lies outside "
        f"where '{reading.pattern}' wears (at most {inside:.2f} there): the pattern call may "
        "be off, so weigh the zone chart too."
    ]
