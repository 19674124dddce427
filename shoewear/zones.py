"""Split a canonical sole into the anatomical zones of DESIGN.md."""

from __future__ import annotations

import numpy as np

from .contract import ZONE_BANDS, ZONES


def split_zones(mask: np.ndarray) -> np.ndarray:
    """Label every pixel of a canonical sole with its zone.

    Parameters
    ----------
    mask : (H, W) bool ndarray
        The sole in the canonical frame (heel at the bottom row, medial on
        the right).

    Returns
    -------
    (H, W) int8 ndarray
        Index into `ZONES` for each sole pixel, -1 outside the sole. Medial
        and lateral halves split at the sole's midline: the middle of the
        mask's extent in each row, smoothed along the sole so that a notch
        in the outline does not swing it.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {mask.shape}")
    h, w = mask.shape
    labels = np.full((h, w), -1, dtype=np.int8)
    cols = np.arange(w)
    rows_any = mask.any(axis=1)
    first = np.where(rows_any, mask.argmax(axis=1), 0)
    last = np.where(rows_any, w - 1 - mask[:, ::-1].argmax(axis=1), w - 1)
    midline = _smooth_rows((first + last) / 2.0, rows_any, window=max(3, h // 12))  # (H,)
    u = 1.0 - (np.arange(h) + 0.5) / h  # (H,)
    index = {name: i for i, name in enumerate(ZONES)}
    for band, (lo, hi) in ZONE_BANDS.items():
        in_band = (u >= lo) & ((u < hi) if band != "toe" else (u <= hi))
        rows = np.flatnonzero(in_band)
        if band == "toe":
            labels[rows] = index["toe"]
            continue
        medial = cols[None, :] >= midline[rows, None]  # (R, W)
        labels[rows] = np.where(medial, index[f"{band}_medial"], index[f"{band}_lateral"])
    labels[~mask] = -1
    return labels


def _smooth_rows(values: np.ndarray, valid: np.ndarray, *, window: int) -> np.ndarray:
    """Moving average of a per-row profile over the rows that hold the sole.

    A raw row-by-row midline jumps at every notch of the outline (a lug, a
    hand's edge); the anatomical midline of a sole bends slowly.
    """
    if not valid.any():
        return values
    rows = np.flatnonzero(valid)
    filled = np.interp(np.arange(values.size), rows, values[rows])  # (H,)
    kernel = np.ones(window) / window
    padded = np.pad(filled, window // 2, mode="edge")
    return np.convolve(padded, kernel, mode="valid")[: values.size]


def zone_means(values: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Average a per-pixel map over each zone.

    Parameters
    ----------
    values : (H, W) float ndarray
        A per-pixel quantity, e.g. wear in [0, 1], at the resolution of `labels`.
    labels : (H, W) int ndarray
        Zone indices from `split_zones` (-1 outside the sole).

    Returns
    -------
    dict
        Zone name to mean value; a zone with no pixels gets 0.0.
    """
    if values.shape != labels.shape:
        raise ValueError(f"values {values.shape} and labels {labels.shape} differ in shape")
    flat = labels.ravel().astype(np.int64)
    inside = flat >= 0
    sums = np.bincount(flat[inside], weights=values.ravel()[inside], minlength=len(ZONES))
    counts = np.bincount(flat[inside], minlength=len(ZONES))
    return {
        name: float(sums[i] / counts[i]) if counts[i] else 0.0 for i, name in enumerate(ZONES)
    }
