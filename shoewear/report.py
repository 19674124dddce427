"""What shoewear says about a photo, as plain records and the JSON of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WearReading:
    """The wear read off one sole (the input of `advise`).

    Attributes
    ----------
    pattern : str
        One of `design.PATTERNS`.
    confidence : float
        Probability of `pattern`.
    probabilities : dict
        Pattern name to probability, summing to 1.
    zones : dict
        Zone name (`design.ZONES`) to wear level in [0, 1].
    side : str
        "left", "right" or "unknown".
    """

    pattern: str
    confidence: float
    probabilities: dict[str, float]
    zones: dict[str, float]
    side: str = "unknown"


@dataclass(frozen=True)
class Fault:
    id: str
    title: str
    why: str


@dataclass(frozen=True)
class Drill:
    id: str
    name: str
    how: str


@dataclass(frozen=True)
class Advice:
    """Ranked faults and drills for one sole, and the caveats every result carries."""

    faults: tuple[Fault, ...]
    drills: tuple[Drill, ...]
    caveats: tuple[str, ...]
    summary: str = ""


@dataclass(frozen=True)
class PairComparison:
    """A left and a right sole compared zone by zone (`advice.compare_pair`).

    Attributes
    ----------
    zone_diff : dict
        Zone name to right minus left wear, for the zones both soles carry.
    max_zone : str
        The zone of the largest absolute difference.
    max_diff : float
        Its absolute value.
    threshold : float
        The smallest difference called asymmetric.
    verdict : str
        "balanced" or "asymmetric".
    more_worn : str or None
        "left" or "right" when asymmetric; None when balanced.
    left_pattern, right_pattern : str
        Each sole's wear pattern.
    message : str
        What the comparison says, in a few sentences.
    evidence : str
        How well supported the left/right advice is (a knowledge-base level).
    faults : tuple of Fault
        What may cause the difference; empty when balanced.
    drills : tuple of Drill
        Work for the weaker side; empty when balanced.
    """

    zone_diff: dict[str, float]
    max_zone: str
    max_diff: float
    threshold: float
    verdict: str
    more_worn: str | None
    left_pattern: str
    right_pattern: str
    message: str
    evidence: str
    faults: tuple[Fault, ...] = ()
    drills: tuple[Drill, ...] = ()

    @property
    def asymmetric(self) -> bool:
        return self.verdict == "asymmetric"

    def to_json(self) -> dict:
        """DESIGN.md's ``"asymmetry"`` object."""
        return {
            "zone_diff": {z: round(float(d), 4) for z, d in self.zone_diff.items()},
            "max_zone": self.max_zone,
            "max_diff": round(float(self.max_diff), 4),
            "threshold": self.threshold,
            "verdict": self.verdict,
            "more_worn": self.more_worn,
            "patterns": {"left": self.left_pattern, "right": self.right_pattern},
            "message": self.message,
            "evidence": self.evidence,
            "faults": [{"id": f.id, "title": f.title, "why": f.why} for f in self.faults],
            "drills": [{"id": d.id, "name": d.name, "how": d.how} for d in self.drills],
        }


@dataclass(frozen=True)
class SoleReport:
    """One sole of a photo: where it is, its reading and the advice."""

    side: str
    side_confidence: float
    box: tuple[int, int, int, int]
    reading: WearReading
    advice: Advice

    def to_json(self) -> dict:
        r = self.reading
        return {
            "side": self.side,
            "side_confidence": round(float(self.side_confidence), 4),
            "box": [int(v) for v in self.box],
            "pattern": r.pattern,
            "confidence": round(float(r.confidence), 4),
            "probabilities": {k: round(float(v), 4) for k, v in r.probabilities.items()},
            "zones": {k: round(float(v), 4) for k, v in r.zones.items()},
            "faults": [{"id": f.id, "title": f.title, "why": f.why} for f in self.advice.faults],
            "drills": [{"id": d.id, "name": d.name, "how": d.how} for d in self.advice.drills],
            "caveats": list(self.advice.caveats),
        }


@dataclass(frozen=True)
class PhotoReport:
    """Everything said about one photo; `to_json` gives DESIGN.md's object."""

    file: str
    soles: tuple[SoleReport, ...] = ()
    asymmetry: PairComparison | None = None
    error: str | None = None
    models: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "soles": [s.to_json() for s in self.soles],
            "asymmetry": self.asymmetry.to_json() if self.asymmetry is not None else None,
            "models": self.models,
            "error": self.error,
        }
