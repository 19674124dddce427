"""A classical wear estimate from tread contrast (the reader used until the CNN is trained).

Worn rubber is smooth: where the tread is gone the fine light/dark contrast
of the lugs fades. Wear per pixel is therefore one minus the local tread
contrast relative to the sole's best-kept tread, averaged per zone; the
pattern is the nearest of a few prototype zone profiles, with softmax-like
probabilities over the distances.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .design import PATTERNS, ZONES
from .report import WearReading
from .sole import CanonicalSole
from .zones import zone_means

#: (h, w) of the dense wear map.
WEAR_MAP_SHAPE: tuple[int, int] = (64, 32)
#: Contrast (grey levels, RMS of the high-pass) that counts as fresh tread even
#: when the whole sole is worn, so a uniformly bald sole still reads as worn.
_FRESH_CONTRAST = 14.0
#: Softmax temperature over prototype distances.
_TEMPERATURE = 0.12

#: Typical zone wear (in `ZONES` order) of each pattern: heel_medial,
#: heel_lateral, midfoot_medial, midfoot_lateral, forefoot_medial,
#: forefoot_lateral, toe.
_PROTOTYPES: dict[str, tuple[float, ...]] = {
    "even": (0.25, 0.35, 0.10, 0.15, 0.30, 0.25, 0.20),
    "heel_lateral": (0.20, 0.75, 0.05, 0.15, 0.20, 0.20, 0.15),
    "heel_central": (0.70, 0.75, 0.10, 0.15, 0.20, 0.20, 0.15),
    "lateral_edge": (0.15, 0.55, 0.05, 0.55, 0.20, 0.55, 0.20),
    "medial": (0.45, 0.15, 0.20, 0.05, 0.70, 0.20, 0.40),
    "forefoot": (0.05, 0.10, 0.05, 0.10, 0.60, 0.60, 0.60),
    "unworn": (0.05, 0.05, 0.02, 0.02, 0.05, 0.05, 0.05),
}


def wear_map(canon: CanonicalSole) -> np.ndarray:
    """Dense wear estimate of a canonical sole.

    Parameters
    ----------
    canon : CanonicalSole

    Returns
    -------
    (64, 32) float32 ndarray
        Wear in [0, 1] (0 = tread as new, 1 = smooth); 0 outside the sole.
    """
    full = _wear_full(canon)
    h, w = WEAR_MAP_SHAPE
    small = cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
    inside = cv2.resize(canon.mask.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    small = np.where(inside > 0.05, small / np.maximum(inside, 1e-6), 0.0)
    return np.clip(small, 0.0, 1.0).astype(np.float32)


def read_wear(canons: Sequence[CanonicalSole]) -> list[WearReading]:
    """Read per-zone wear and the nearest wear pattern off canonical soles.

    Parameters
    ----------
    canons : sequence of CanonicalSole

    Returns
    -------
    list of WearReading
        One per sole, in order; `zones` covers every name in `design.ZONES`.
    """
    readings = []
    for canon in canons:
        full = _wear_full(canon)
        zones = zone_means(full, canon.zones)
        vec = np.array([zones[z] for z in ZONES])
        names = list(PATTERNS)
        dist = np.array([np.sqrt(np.mean((vec - np.array(_PROTOTYPES[p])) ** 2)) for p in names])
        logits = -dist / _TEMPERATURE
        prob = np.exp(logits - logits.max())
        prob /= prob.sum()
        best = int(np.argmax(prob))
        readings.append(
            WearReading(
                pattern=names[best],
                confidence=float(prob[best]),
                probabilities={p: float(v) for p, v in zip(names, prob, strict=True)},
                zones={z: float(np.clip(zones[z], 0.0, 1.0)) for z in ZONES},
                side=canon.side,
            )
        )
    return readings


def _wear_full(canon: CanonicalSole) -> np.ndarray:
    """(H, W) float32 wear at canonical resolution, 0 outside the sole."""
    gray = cv2.cvtColor(canon.image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    inside = canon.mask.astype(np.float32)
    # Keep the rim out of the contrast: erode so the sole/background edge is not tread.
    core = cv2.erode(canon.mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(np.float32)
    if core.sum() < 50:
        core = inside
    hp = gray - cv2.GaussianBlur(gray, (0, 0), 2.0)
    energy = _masked_blur(hp * hp, core, 5.0)
    contrast = np.sqrt(energy)  # RMS grey levels
    if core.any():
        ref = max(float(np.percentile(contrast[core > 0], 90)), _FRESH_CONTRAST)
    else:
        ref = _FRESH_CONTRAST
    wear = np.clip(1.0 - contrast / ref, 0.0, 1.0)
    return (wear * inside).astype(np.float32)


def _masked_blur(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of `values` over the pixels where `weight` > 0 (normalised convolution)."""
    num = cv2.GaussianBlur(values * weight, (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    return num / np.maximum(den, 1e-3)
