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
    asymmetry: dict | None = None
    error: str | None = None
    models: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "soles": [s.to_json() for s in self.soles],
            "asymmetry": self.asymmetry,
            "models": self.models,
            "error": self.error,
        }
