"""Shape evidence: how much a mask looks like an outsole seen from below."""

from __future__ import annotations

import math

import cv2
import numpy as np

#: Largest mean width-profile error (relative) of an accepted sole.
_MAX_SHAPE_ERROR = 0.1
#: Accepted length / width (second moments) and solidity of a final mask.
_ELONGATION = (2.0, 4.6)
_MIN_SOLIDITY = 0.85

# Half width of a typical sole (in sole lengths) at u = 0, 0.05, ..., 1 (heel to
# toe): the mean of many anatomical outlines, medial and lateral averaged.
_TEMPLATE_U = np.linspace(0.0, 1.0, 21)
_TEMPLATE_HALF = np.array(
    [0.050, 0.106, 0.127, 0.130, 0.134, 0.138, 0.140, 0.138, 0.135, 0.135, 0.142,
     0.154, 0.167, 0.178, 0.183, 0.181, 0.173, 0.160, 0.140, 0.101, 0.040]
)  # fmt: skip


def half_width(u: np.ndarray) -> np.ndarray:
    """Half width of the typical sole, in sole lengths, at `u` (0 heel, 1 toe)."""
    return np.interp(u, _TEMPLATE_U, _TEMPLATE_HALF)


def shape_error(mask: np.ndarray) -> float:
    """Mean relative difference between the mask's width profile and a sole's.

    The width across the long axis is measured in 32 slices and compared, in
    both heel/toe directions, with the template's after the best scaling.
    """
    ys, xs = np.nonzero(mask)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    c = pts.mean(0)
    _, vecs = np.linalg.eigh(np.cov((pts - c).T))
    t = (pts - c) @ vecs[:, 1]
    s = (pts - c) @ vecs[:, 0]
    n = 32
    b = np.clip(((t - t.min()) / (np.ptp(t) + 1e-9) * n).astype(int), 0, n - 1)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, b, s)
    np.maximum.at(hi, b, s)
    prof = np.where(np.isfinite(lo), hi - lo, 0.0) / (np.ptp(t) + 1e-9)
    ref = 2.0 * half_width((np.arange(n) + 0.5) / n)
    errs = []
    for p in (prof, prof[::-1]):
        k = float(p @ ref / (ref @ ref))
        errs.append(float(np.mean(np.abs(p - k * ref)) / (k * ref.mean() + 1e-9)))
    return min(errs)


def sole_quality(
    mask: np.ndarray,
    support: float,
    *,
    max_shape_error: float = _MAX_SHAPE_ERROR,
    min_solidity: float = _MIN_SOLIDITY,
) -> float:
    """0 when the mask is not sole-shaped, else support x shape agreement (0-1).

    Parameters
    ----------
    mask : (H, W) bool ndarray
    support : float
        0-1, how sure the segmentation is of the region.
    max_shape_error : float
        Largest accepted `shape_error`.
    min_solidity : float
        Smallest accepted area / convex hull area.
    """
    area = int(mask.sum())
    if area < 0.01 * mask.size:
        return 0.0
    step = max(1, round(max(mask.shape) / 256))
    small = mask[::step, ::step]
    ys, xs = np.nonzero(small)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    vals = np.linalg.eigvalsh(np.cov((pts - pts.mean(0)).T))
    elongation = math.sqrt(max(vals[1], 1e-9) / max(vals[0], 1e-9))
    contours, _ = cv2.findContours(small.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    solidity = small.sum() / max(cv2.contourArea(hull), 1.0)
    if not _ELONGATION[0] <= elongation <= _ELONGATION[1] or solidity < min_solidity:
        return 0.0
    err = shape_error(small)
    if err > max_shape_error:
        return 0.0
    return float(np.clip(support * (1.0 - err / (2 * max_shape_error)), 0.0, 1.0))


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a non-empty mask, x1 and y1 exclusive."""
    x, y, w, h = cv2.boundingRect(np.ascontiguousarray(mask, dtype=np.uint8))
    return x, y, x + w, y + h
