"""Wear fields: where and how much a sole is worn.

A wear field is a smooth map over the sole in [0, 1] (0 = tread as new,
1 = tread gone). It is built from a pattern's prototype zone levels, jittered
per sole, blended smoothly across zone borders and shaped the way real soles
wear (the outer edge and the very back of the heel first). The levels a
sole reports are measured back from the painted field, zone by zone, on the
canonical mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..contract import CANON_SHAPE, PATTERNS
from ..patterns import PATTERN_DEFS
from ..zones import split_zones, zone_means
from .outline import OutlineParams, across_coordinate, place_outline

#: Prototype wear level of every zone for each pattern, from `patterns.PATTERN_DEFS`
#: (a plain dict per pattern, in ZONES order: `sample_levels` draws noise in that order).
PATTERN_PROTOTYPES: dict[str, dict[str, float]] = {
    name: dict(d.prototype) for name, d in PATTERN_DEFS.items()
}

#: (u, v) centre of each zone on the sole (v: -1 lateral edge, +1 medial edge).
_ZONE_CENTRES: dict[str, tuple[float, float]] = {
    "heel_medial": (0.14, 0.5),
    "heel_lateral": (0.14, -0.5),
    "midfoot_medial": (0.43, 0.5),
    "midfoot_lateral": (0.43, -0.5),
    "forefoot_medial": (0.7, 0.5),
    "forefoot_lateral": (0.7, -0.5),
    "toe": (0.92, 0.0),
}

#: Hot spots per pattern: (u, v, sigma_u, sigma_v, weight); they shape wear within a zone.
_HOTSPOTS: dict[str, tuple[tuple[float, float, float, float, float], ...]] = {
    "even": ((0.05, -0.6, 0.06, 0.4, 0.5), (0.72, 0.2, 0.08, 0.6, 0.3)),
    "heel_lateral": ((0.03, -0.75, 0.07, 0.35, 1.0),),
    "heel_central": ((0.04, 0.0, 0.09, 0.8, 0.8),),
    "lateral_edge": ((0.2, -0.95, 0.3, 0.25, 0.8), (0.68, -0.9, 0.16, 0.3, 0.6)),
    "medial": ((0.72, 0.55, 0.07, 0.35, 0.8), (0.9, 0.45, 0.05, 0.35, 0.6),
               (0.1, 0.85, 0.1, 0.25, 0.4)),
    "forefoot": ((0.72, 0.0, 0.08, 0.8, 0.7), (0.93, 0.1, 0.05, 0.7, 0.4)),
    "unworn": (),
}


def sample_levels(rng: np.random.Generator, pattern: str) -> dict[str, float]:
    """Jitter a pattern's prototype into target zone levels for one sole.

    An overall severity scale and per-zone noise make neighbouring classes
    overlap at their borders, as real shoes do.

    Returns
    -------
    dict
        Zone name to target level in [0, 1].
    """
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    proto = PATTERN_PROTOTYPES[pattern]
    severity = rng.uniform(0.55, 1.25) if pattern != "even" else rng.uniform(0.4, 1.3)
    noise = rng.normal(0.0, 1.0, len(proto))
    if pattern == "unworn":
        return {z: float(np.clip(v + 0.025 * abs(e), 0.0, 1.0))
                for (z, v), e in zip(proto.items(), noise, strict=True)}
    spread = 0.07 if pattern != "even" else 0.05
    return {z: float(np.clip(v * severity + spread * e, 0.0, 1.0))
            for (z, v), e in zip(proto.items(), noise, strict=True)}


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]
                  ) -> np.ndarray:
    """Band-limited noise in about [-1, 1] (bicubic upsampling of a coarse grid)."""
    coarse = rng.uniform(-1.0, 1.0, size=cells).astype(np.float32)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def wear_field(
    rng: np.random.Generator,
    outline: OutlineParams,
    pattern: str,
    levels: dict[str, float],
    *,
    shape: tuple[int, int] = CANON_SHAPE,
) -> np.ndarray:
    """Paint a smooth wear field from target zone levels.

    Parameters
    ----------
    rng : numpy.random.Generator
    outline : OutlineParams
        The sole's outline (the field follows its width row by row).
    pattern : str
        One of `design.PATTERNS`; sets where wear concentrates inside zones.
    levels : dict
        Target level per zone (`sample_levels`).
    shape : tuple of int
        (H, W) of the canonical grid; W must be H // 2.

    Returns
    -------
    (H, W) float32 ndarray
        Wear in [0, 1] in the canonical frame (heel at the bottom, medial on
        the right); defined everywhere, meaningful on the sole.
    """
    h, w = shape
    canvas = place_outline(outline, h)
    v = np.clip(across_coordinate(outline, canvas), -1.3, 1.3)
    u = np.broadcast_to((1.0 - (np.arange(h, dtype=np.float32) + 0.5) / h)[:, None], (h, w))
    # Blend zone levels with Gaussian weights around zone centres: smooth across borders.
    num = np.zeros((h, w), np.float32)
    den = np.zeros((h, w), np.float32)
    for zone, (cu, cv) in _ZONE_CENTRES.items():
        su = 0.085 if zone != "toe" else 0.06
        wgt = np.exp(-0.5 * (((u - cu) / su) ** 2 + ((v - cv) / 0.42) ** 2)).astype(np.float32)
        num += wgt * levels[zone]
        den += wgt
    field = num / np.maximum(den, 1e-6)
    # The normalised blend steps quickly at zone borders; real wear fades over centimetres.
    field = cv2.GaussianBlur(field, (0, 0), 0.045 * h, borderType=cv2.BORDER_REPLICATE)
    # Shape inside zones: hot spots pull wear towards where the pattern really sits.
    severity = max(levels.values())
    for cu, cv, su, sv, weight in _HOTSPOTS[pattern]:
        jit_u = cu + rng.normal(0, 0.015)
        jit_v = cv + rng.normal(0, 0.08)
        blob = np.exp(-0.5 * (((u - jit_u) / su) ** 2 + ((v - jit_v) / sv) ** 2))
        field += (0.22 * weight * severity * blob).astype(np.float32)
    # Edges and the back of the heel round off first.
    edge = np.clip(np.abs(v) - 0.6, 0.0, 0.7) / 0.7
    field *= (0.85 + 0.3 * edge).astype(np.float32)
    field += 0.08 * severity * _smooth_noise(rng, shape, (10, 5))
    field += 0.035 * _smooth_noise(rng, shape, (40, 20)) * min(1.0, 3.0 * severity)
    return np.clip(field, 0.0, 1.0).astype(np.float32)


def measure_levels(field: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Mean of a canonical wear field over each zone of a canonical mask.

    Parameters
    ----------
    field : (H, W) float ndarray
        Wear in the canonical frame.
    mask : (H, W) bool ndarray
        The sole in the canonical frame.

    Returns
    -------
    dict
        Zone name to mean wear (`zones.split_zones` on `mask`).
    """
    return zone_means(field, split_zones(mask))
