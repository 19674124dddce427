"""The wear patterns of ../DESIGN.md, each defined once.

A `WearPattern` says what a pattern's sole shows (DESIGN.md "Wear patterns"),
which zones carry its wear, and its prototype: the typical wear level of
every zone. The synthetic generator jitters the prototypes into training
soles (the shipped model learnt from them), and the knowledge base's
per-pattern ``zones`` are checked against `WearPattern.worn_zones`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .contract import PATTERNS, ZONES


@dataclass(frozen=True)
class WearPattern:
    """One wear pattern.

    Attributes
    ----------
    name : str
        One of `contract.PATTERNS`.
    title : str
        A short name for people.
    summary : str
        What the sole shows (DESIGN.md's words).
    worn_zones : tuple of str
        The zones that carry the pattern's wear, in `contract.ZONES` order;
        empty when nothing is worn (``unworn``), every zone when the wear is
        spread (``even``).
    prototype : Mapping[str, float]
        Typical wear level in [0, 1] of every zone, in `contract.ZONES` order.
    """

    name: str
    title: str
    summary: str
    worn_zones: tuple[str, ...]
    prototype: Mapping[str, float]

    def __post_init__(self) -> None:
        if self.name not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}, got {self.name!r}")
        if tuple(self.prototype) != ZONES:
            raise ValueError(
                f"pattern {self.name!r}: prototype must give the zones {ZONES} in that order, "
                f"got {tuple(self.prototype)}"
            )
        for zone, level in self.prototype.items():
            if not 0.0 <= level <= 1.0:
                raise ValueError(
                    f"pattern {self.name!r}: prototype level of {zone!r} must lie in [0, 1], "
                    f"got {level}"
                )
        if self.worn_zones != tuple(z for z in ZONES if z in self.worn_zones):
            raise ValueError(
                f"pattern {self.name!r}: worn_zones must be distinct zones of {ZONES} in that "
                f"order, got {self.worn_zones}"
            )
        # Read-only, so the one definition cannot be changed by whoever imports it.
        object.__setattr__(self, "prototype", MappingProxyType(dict(self.prototype)))


def _define(
    name: str, title: str, summary: str, worn_zones: tuple[str, ...], levels: tuple[float, ...]
) -> WearPattern:
    """A `WearPattern` from prototype levels listed in `contract.ZONES` order."""
    return WearPattern(name, title, summary, worn_zones, dict(zip(ZONES, levels, strict=True)))


# Prototype levels in ZONES order: heel_medial, heel_lateral, midfoot_medial,
# midfoot_lateral, forefoot_medial, forefoot_lateral, toe. They are the levels
# the shipped wear model was trained on; changing one changes the training data.
_DEFS = (
    _define(
        "even",
        "Even wear",
        "light wear spread fairly evenly, a little at the outer heel and the ball of the foot",
        ZONES,
        (0.26, 0.36, 0.14, 0.2, 0.32, 0.3, 0.24),
    ),
    _define(
        "heel_lateral",
        "Outer heel",
        "wear concentrated on the outer back corner of the heel",
        ("heel_lateral",),
        (0.18, 0.78, 0.06, 0.2, 0.16, 0.18, 0.1),
    ),
    _define(
        "heel_central",
        "Whole heel",
        "the whole heel, back and centre, worn down heavily",
        ("heel_medial", "heel_lateral"),
        (0.78, 0.82, 0.18, 0.22, 0.16, 0.16, 0.1),
    ),
    _define(
        "lateral_edge",
        "Outer edge",
        "wear along the outer edge from heel through midfoot to the outer forefoot",
        ("heel_lateral", "midfoot_lateral", "forefoot_lateral"),
        (0.1, 0.56, 0.06, 0.62, 0.14, 0.62, 0.14),
    ),
    _define(
        "medial",
        "Inner forefoot",
        "wear on the inner forefoot / big-toe area, often the inner heel edge too",
        ("heel_medial", "forefoot_medial", "toe"),
        (0.42, 0.14, 0.2, 0.06, 0.78, 0.2, 0.58),
    ),
    _define(
        "forefoot",
        "Forefoot",
        "ball of the foot and toe worn, heel nearly unworn",
        ("forefoot_medial", "forefoot_lateral", "toe"),
        (0.05, 0.08, 0.1, 0.1, 0.74, 0.7, 0.7),
    ),
    _define(
        "unworn",
        "Unworn",
        "new or nearly new tread: nothing to read yet",
        (),
        (0.02, 0.03, 0.01, 0.01, 0.02, 0.02, 0.02),
    ),
)

#: Every wear pattern by name, in `contract.PATTERNS` order.
PATTERN_DEFS: Mapping[str, WearPattern] = MappingProxyType({d.name: d for d in _DEFS})

if tuple(PATTERN_DEFS) != PATTERNS:  # pragma: no cover - a broken edit of this file
    raise AssertionError(f"PATTERN_DEFS must follow contract.PATTERNS {PATTERNS}")


def wear_pattern(name: str) -> WearPattern:
    """Look up one wear pattern by name.

    Parameters
    ----------
    name : str
        One of `contract.PATTERNS`.

    Returns
    -------
    WearPattern

    Raises
    ------
    ValueError
        When `name` is not a wear pattern.
    """
    try:
        return PATTERN_DEFS[name]
    except (KeyError, TypeError):
        raise ValueError(f"pattern must be one of {PATTERNS}, got {name!r}") from None
