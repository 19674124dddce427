"""Find the outsoles in a photo: one binary mask per sole, left to right."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .errors import NoSoleFoundError
from .sole import SoleMask

#: Long side of the coarse image the soles are first found in.
_COARSE_SIDE = 256
#: Accepted range of a sole's length / width (second moments).
_ELONGATION = (1.8, 4.5)
#: Smallest sole solidity (area / convex hull area).
_MIN_SOLIDITY = 0.80
#: Sole area as a fraction of the photo.
_AREA = (0.02, 0.70)


def segment_outsole(rgb: np.ndarray, *, max_soles: int = 2) -> list[SoleMask]:
    """Find up to `max_soles` outsoles in a photo.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo at working resolution.
    max_soles : int
        Most soles to return (a pair side by side gives two).

    Returns
    -------
    list of SoleMask
        Left to right in the picture; each mask is (H, W) bool at the
        resolution of `rgb`.

    Raises
    ------
    NoSoleFoundError
        When no region has a sole's shape (area, solidity, elongation).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
    if max_soles < 1:
        raise ValueError(f"max_soles must be at least 1, got {max_soles}")
    h, w = rgb.shape[:2]
    f = min(1.0, _COARSE_SIDE / max(h, w))
    small = cv2.resize(
        rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
    )
    fg = _foreground(small)
    regions = _sole_regions(fg, max_soles)
    if not regions:
        raise NoSoleFoundError("no outsole found in the photo")
    out = []
    for region, quality in regions:
        mask = _upsample(region, (h, w))
        if mask.sum() < 20:
            continue
        ys, xs = np.nonzero(mask)
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        out.append(SoleMask(mask=mask, quality=float(quality), box=box))
    if not out:
        raise NoSoleFoundError("no outsole found in the photo")
    out.sort(key=lambda s: (s.box[0] + s.box[2]) / 2)
    return out


def _foreground(small: np.ndarray) -> np.ndarray:
    """Pixels unlike the photo's border, (h, w) bool."""
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    h, w = lab.shape[:2]
    b = max(2, round(0.04 * min(h, w)))
    border = np.concatenate(
        [
            lab[:b].reshape(-1, 3),
            lab[-b:].reshape(-1, 3),
            lab[:, :b].reshape(-1, 3),
            lab[:, -b:].reshape(-1, 3),
        ]
    )
    k = 4
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, _, centres = cv2.kmeans(border, k, None, crit, 1, cv2.KMEANS_PP_CENTERS)
    d = np.min(
        np.linalg.norm(lab.reshape(-1, 1, 3) - centres.reshape(1, k, 3), axis=2), axis=1
    ).reshape(h, w)
    d = cv2.GaussianBlur(d, (0, 0), 1.0)
    d8 = np.clip(d * (255.0 / max(float(d.max()), 1e-6)), 0, 255).astype(np.uint8)
    _, fg = cv2.threshold(d8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, kernel)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel)
    return _fill_holes(fg > 0)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.uint8)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.zeros_like(m)
    cv2.drawContours(out, contours, -1, 1, thickness=cv2.FILLED)
    return out > 0


def _shape_quality(region: np.ndarray, total: int) -> float:
    """0-1 sole-likeness of a region from area, solidity and elongation; 0 = not a sole."""
    area = int(region.sum())
    if not _AREA[0] <= area / total <= _AREA[1]:
        return 0.0
    ys, xs = np.nonzero(region)
    pts = np.stack([xs, ys], axis=1).astype(np.float64)
    evals = np.linalg.eigvalsh(np.cov((pts - pts.mean(0)).T))
    elong = math.sqrt(max(evals[1], 1e-9) / max(evals[0], 1e-9))
    if not _ELONGATION[0] <= elong <= _ELONGATION[1]:
        return 0.0
    contours, _ = cv2.findContours(
        region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    c = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(c)
    solidity = area / max(cv2.contourArea(hull), 1.0)
    if solidity < _MIN_SOLIDITY:
        return 0.0
    q_el = 1.0 - min(abs(math.log(elong / 2.7)) / math.log(4.5 / 2.7), 1.0)
    q_sol = (solidity - _MIN_SOLIDITY) / (1.0 - _MIN_SOLIDITY)
    return float(0.2 + 0.4 * q_el + 0.4 * q_sol)


def _sole_regions(fg: np.ndarray, max_soles: int) -> list[tuple[np.ndarray, float]]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg.astype(np.uint8), connectivity=4)
    total = fg.size
    found: list[tuple[np.ndarray, float]] = []
    for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[: 4 * max_soles] + 1:
        region = labels == i
        q = _shape_quality(region, total)
        if q > 0:
            found.append((region, q))
            continue
        if max_soles >= 2:
            for part in _split_pair(region):
                qp = _shape_quality(part, total)
                if qp > 0:
                    found.append((part, qp))
    found.sort(key=lambda rq: -rq[0].sum())
    return found[:max_soles]


def _split_pair(region: np.ndarray) -> list[np.ndarray]:
    """Split two touching soles at the distance transform's watershed."""
    dist = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 5)
    if dist.max() <= 0:
        return []
    peaks = (dist >= 0.6 * dist.max()).astype(np.uint8)
    n, markers = cv2.connectedComponents(peaks)
    if n - 1 != 2:
        return []
    markers = markers.astype(np.int32)
    markers[~region] = 0
    bg = np.zeros(region.shape + (3,), np.uint8)
    bg[..., 0] = np.clip(255 - dist * 255 / dist.max(), 0, 255).astype(np.uint8)
    bg[..., 1] = bg[..., 0]
    bg[..., 2] = bg[..., 0]
    cv2.watershed(bg, markers)
    return [(markers == k) & region for k in (1, 2)]


def _upsample(region: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Smoothly resize a coarse mask to (H, W): resize the blurred float mask, threshold."""
    m = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 0.7)
    big = cv2.resize(m, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return big >= 0.5


def upscale_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a working-resolution mask to the photo's own size without pixel steps.

    Parameters
    ----------
    mask : (h, w) bool ndarray
    size : tuple of int
        (width, height) to resize to, e.g. `LoadedImage.original_size`.

    Returns
    -------
    (height, width) bool ndarray
        The float mask, lightly smoothed when enlarging, resized linearly and
        thresholded at 0.5.
    """
    m = np.asarray(mask, dtype=np.float32)
    if (m.shape[1], m.shape[0]) == tuple(size):
        return m >= 0.5
    if size[0] > m.shape[1]:
        m = cv2.GaussianBlur(m, (0, 0), 0.6)
    return cv2.resize(m, tuple(size), interpolation=cv2.INTER_LINEAR) >= 0.5
