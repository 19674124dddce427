"""Small frozen records passed between the image stages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SoleMask:
    """One outsole found in a photo (output of `segment_outsole`).

    Attributes
    ----------
    mask : (H, W) bool ndarray
        The whole outsole seen from below, in the coordinates of the image
        that was segmented.
    quality : float
        0-1, how sole-like the region's shape evidence is.
    box : tuple of int
        (x0, y0, x1, y1) of the mask, x1 and y1 exclusive.
    """

    mask: np.ndarray
    quality: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class CanonicalSole:
    """A sole warped to the canonical frame (output of `align_sole`).

    Attributes
    ----------
    image : (H, W, 3) uint8 ndarray
        RGB, shape `design.CANON_SHAPE`: heel at the bottom, medial on the right.
    mask : (H, W) bool ndarray
        The sole in the canonical frame.
    zones : (H, W) int8 ndarray
        Zone index per pixel (`zones.split_zones`), -1 outside.
    side : str
        "left", "right" or "unknown".
    side_confidence : float
        0-1 confidence in `side`.
    box : tuple of int
        (x0, y0, x1, y1) in pixels of the original photo.
    to_photo : (3, 3) float ndarray
        Maps canonical (x, y, 1) to original-photo pixel coordinates.
    outline : (N, 2) float ndarray
        The sole's outline in original-photo pixel coordinates.
    """

    image: np.ndarray
    mask: np.ndarray
    zones: np.ndarray
    side: str
    side_confidence: float
    box: tuple[int, int, int, int]
    to_photo: np.ndarray
    outline: np.ndarray
