"""The names and numbers of ../DESIGN.md that every stage agrees on.

The canonical sole frame
------------------------
A canonical sole image has shape ``CANON_SHAPE`` = (H, W). The heel is at the
bottom row and the toe tip at the top row, so ``u = 1 - (row + 0.5) / H``.
The **medial** side is on the image's **right** (x above the sole's midline),
the **lateral** side on the left: the canonical image looks like a *right*
shoe photographed from below, toe up. Left soles are mirrored into it.
"""

from __future__ import annotations

PATTERNS: tuple[str, ...] = (
    "even",
    "heel_lateral",
    "heel_central",
    "lateral_edge",
    "medial",
    "forefoot",
    "unworn",
)

ZONES: tuple[str, ...] = (
    "heel_medial",
    "heel_lateral",
    "midfoot_medial",
    "midfoot_lateral",
    "forefoot_medial",
    "forefoot_lateral",
    "toe",
)

#: u ranges (heel = 0, toe tip = 1) of the zone bands.
ZONE_BANDS: dict[str, tuple[float, float]] = {
    "heel": (0.00, 0.30),
    "midfoot": (0.30, 0.55),
    "forefoot": (0.55, 0.85),
    "toe": (0.85, 1.00),
}

SIDES: tuple[str, ...] = ("left", "right", "unknown")

#: (H, W) of the canonical sole image: heel at the bottom, medial on the right.
CANON_SHAPE: tuple[int, int] = (256, 128)


def zone_of(u: float, medial: bool) -> str:
    """Name the zone at length position `u` on the medial or lateral half.

    Parameters
    ----------
    u : float
        Position along the sole, 0 at the heel, 1 at the toe tip.
    medial : bool
        True on the medial (arch, big-toe) half.

    Returns
    -------
    str
        One of `ZONES`.
    """
    if not 0.0 <= u <= 1.0:
        raise ValueError(f"u must lie in [0, 1], got {u}")
    for band, (_, hi) in ZONE_BANDS.items():
        if band == "toe":
            return "toe"
        if u < hi:
            return f"{band}_{'medial' if medial else 'lateral'}"
    raise AssertionError("unreachable: the toe band ends the loop")
