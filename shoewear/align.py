"""Warp a segmented sole into the canonical frame and tell its side.

The long axis comes from the mask's second moments. Which end is the heel
and which side is medial are read off the outline, as DESIGN.md describes:
the heel is the narrower end and the forefoot is widest near u = 0.7; the
outline curves inward far more on the medial side at the arch
(u = 0.35-0.55); the toe box leans medially. Viewed from below, toe up, a
right shoe has its medial side on the picture's right, so a sole whose
medial side lands on the right of the toe-up view is a right sole, and left
soles are mirrored into the canonical frame. The two soles of a pair are
read together, as one left and one right shoe (`pair_sides`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from .contract import CANON_SHAPE
from .sole import CanonicalSole, SoleMask
from .zones import split_zones

#: Rows of the provisional profile image used to read the outline.
_PROFILE_ROWS = 128
#: A side score of this size (in units of the sole's width) gives ~73% confidence.
_SIDE_SCORE_SCALE = 0.03


def align_sole(
    rgb: np.ndarray, sole: SoleMask, *, scale: float = 1.0, side: str | None = None
) -> CanonicalSole:
    """Warp one sole into the canonical frame and guess its side.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo at working resolution (the image `sole` was segmented in).
    sole : SoleMask
        The sole's mask, (H, W) bool.
    scale : float
        Working pixels per original-photo pixel; `box`, `outline` and
        `to_photo` of the result are in original-photo pixels.
    side : {"left", "right"} or None
        The side if known (confidence 1.0); None guesses it from the outline.

    Returns
    -------
    CanonicalSole
        Image, mask and zones of shape `design.CANON_SHAPE`, heel at the
        bottom, medial on the right. `to_photo` maps canonical pixel
        coordinates (x, y, 1) to original-photo pixel coordinates (pixel
        centres at integers).

    Raises
    ------
    ValueError
        When `side` is not one of the accepted values or the mask is empty
        or does not match `rgb`.
    """
    if side not in (None, "left", "right"):
        raise ValueError(f"side must be 'left', 'right' or None, got {side!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    mask = np.asarray(sole.mask, dtype=bool)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask {mask.shape} and image {rgb.shape[:2]} differ in shape")
    m8 = mask.astype(np.uint8)
    bx, by, bw, bh = cv2.boundingRect(m8)
    crop = m8[by : by + bh, bx : bx + bw]
    moments = cv2.moments(crop, binaryImage=True)
    if moments["m00"] < 20:
        raise ValueError("the sole mask is empty")
    contours, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    # The extreme projections of a region lie on its outline: use outline pixels only.
    edge = np.vstack([c[:, 0, :] for c in contours]).astype(np.float64) + (bx, by)
    xs, ys = edge[:, 0], edge[:, 1]

    direction, centre = _long_axis(moments, (bx, by))
    to_frame = _frame_affine(xs, ys, direction, centre, mirror=False)
    profile = _profile(mask, to_frame)
    if _toe_score(profile) < 0:  # the toe is at the bottom: turn the axis round
        direction = -direction
        to_frame = _frame_affine(xs, ys, direction, centre, mirror=False)
        profile = _profile(mask, to_frame)
    score = _medial_right_score(profile)
    if side is None:
        # A right sole seen from below, toe up, has its medial side on the right.
        guessed = "right" if score >= 0 else "left"
        confidence = _confidence(score / _SIDE_SCORE_SCALE)
        side_out, conf_out = guessed, confidence
    else:
        side_out, conf_out = side, 1.0
    mirror = side_out == "left"
    to_canon = _frame_affine(xs, ys, direction, centre, mirror=mirror)  # (2, 3) working -> canon

    h, w = CANON_SHAPE
    canon_mask = cv2.warpAffine(
        mask.astype(np.uint8) * 255, to_canon, (w, h), flags=cv2.INTER_LINEAR
    ) >= 128
    image = _warp_image(rgb, to_canon, (bx, by, bx + bw, by + bh))
    zones = split_zones(canon_mask)

    to_photo = _to_original(to_canon, scale)
    box = _box((bx, by, bx + bw, by + bh), scale, rgb.shape[:2])
    biggest = max(contours, key=cv2.contourArea)[:, 0, :].astype(np.float64) + (bx, by)
    outline = (biggest + 0.5) / scale - 0.5
    return CanonicalSole(
        image=image,
        mask=canon_mask,
        zones=zones,
        side=side_out,
        side_confidence=float(conf_out),
        box=box,
        to_photo=to_photo,
        outline=outline,
    )


def _long_axis(moments: dict, offset: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector of the largest second moment (sign arbitrary) and the centroid."""
    m00 = moments["m00"]
    centre = np.array([moments["m10"] / m00 + offset[0], moments["m01"] / m00 + offset[1]])
    cov = np.array([[moments["mu20"], moments["mu11"]], [moments["mu11"], moments["mu02"]]]) / m00
    evals, evecs = np.linalg.eigh(cov)
    return evecs[:, int(np.argmax(evals))], centre


def _frame_affine(
    xs: np.ndarray, ys: np.ndarray, direction: np.ndarray, centre: np.ndarray, *, mirror: bool
) -> np.ndarray:
    """(2, 3) affine from working pixels to the canonical frame.

    `direction` (heel to toe) points up in the frame; the frame's right is
    `direction` turned a quarter turn the way that keeps the picture's
    handedness, mirrored when `mirror`. The sole's extent along and across
    fills the frame.
    """
    h, w = CANON_SHAPE
    d = np.asarray(direction, dtype=np.float64)
    r = np.array([-d[1], d[0]])  # the picture's right when d points up
    if mirror:
        r = -r
    px = xs.astype(np.float64) - centre[0]
    py = ys.astype(np.float64) - centre[1]
    t = px * d[0] + py * d[1]
    s = px * r[0] + py * r[1]
    t0, t1 = t.min() - 0.5, t.max() + 0.5
    s0, s1 = s.min() - 0.5, s.max() + 0.5
    ky = h / (t1 - t0)  # canonical rows per working pixel along the sole
    kx = w / (s1 - s0)
    # row = (t1 - t) * ky - 0.5 ; col = (s - s0) * kx - 0.5
    a = np.array(
        [
            [kx * r[0], kx * r[1], -kx * (r @ centre) - kx * s0 - 0.5],
            [-ky * d[0], -ky * d[1], ky * (d @ centre) + ky * t1 - 0.5],
        ]
    )
    return a


def _profile(mask: np.ndarray, to_frame: np.ndarray) -> np.ndarray:
    """Left and right edges of the sole per row of a (128, 64) toe-up frame.

    Returns
    -------
    (R, 2) float ndarray
        Column of the first and last sole pixel in each row divided by the
        frame width (NaN where a row is empty); row 0 is the toe end.
    """
    h, w = CANON_SHAPE
    rows, cols = _PROFILE_ROWS, _PROFILE_ROWS * w // h
    small = np.diag([cols / w, rows / h]) @ to_frame
    small[:, 2] += np.array([cols / w, rows / h]) * 0.5 - 0.5
    m = cv2.warpAffine(mask.astype(np.uint8) * 255, small, (cols, rows), flags=cv2.INTER_LINEAR)
    m = m >= 128
    anyrow = m.any(axis=1)
    first = m.argmax(axis=1).astype(np.float64)
    last = (cols - 1 - m[:, ::-1].argmax(axis=1)).astype(np.float64)
    edges = np.stack([first, last + 1.0], axis=1) / cols
    edges[~anyrow] = np.nan
    return edges


def _band(profile: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Rows of `profile` whose u (heel = 0 at the bottom) lies in [lo, hi)."""
    n = len(profile)
    u = 1.0 - (np.arange(n) + 0.5) / n
    return profile[(u >= lo) & (u < hi)]


def _toe_score(profile: np.ndarray) -> float:
    """Positive when the toe is at the top of the frame (row 0)."""
    width = profile[:, 1] - profile[:, 0]
    prof = np.stack([width, width], axis=1)
    fore = np.nanmean(_band(prof, 0.60, 0.80)[:, 0])
    heel = np.nanmean(_band(prof, 0.12, 0.30)[:, 0])
    fore_r = np.nanmean(_band(prof[::-1], 0.60, 0.80)[:, 0])
    heel_r = np.nanmean(_band(prof[::-1], 0.12, 0.30)[:, 0])
    return float((fore - heel) - (fore_r - heel_r))


def _medial_right_score(profile: np.ndarray) -> float:
    """Positive when the medial side is on the frame's right (toe up).

    Two clues, in units of the sole's width: how much deeper the arch
    concavity is on the right than on the left (depth measured from the
    line joining the heel's and the forefoot's widest points on each side),
    and how far the toe box leans to the right.
    """
    n = len(profile)
    u = 1.0 - (np.arange(n) + 0.5) / n
    left, right = profile[:, 0], profile[:, 1]

    def concavity(edge: np.ndarray, outward: float) -> float:
        # outward: +1 when larger values point away from the sole (right edge)
        e = outward * edge
        heel_rows = (u >= 0.10) & (u < 0.35) & np.isfinite(e)
        fore_rows = (u >= 0.55) & (u < 0.85) & np.isfinite(e)
        arch_rows = (u >= 0.35) & (u < 0.55) & np.isfinite(e)
        if not (heel_rows.any() and fore_rows.any() and arch_rows.any()):
            return 0.0
        ih = np.flatnonzero(heel_rows)[np.nanargmax(e[heel_rows])]
        jf = np.flatnonzero(fore_rows)[np.nanargmax(e[fore_rows])]
        ua, ub = u[ih], u[jf]
        line = e[ih] + (e[jf] - e[ih]) * (u[arch_rows] - ua) / (ub - ua)
        return float(np.mean(line - e[arch_rows]))

    arch = concavity(right, +1.0) - concavity(left, -1.0)
    toe_rows = (u >= 0.88) & np.isfinite(left)
    body_rows = (u >= 0.10) & (u < 0.85) & np.isfinite(left)
    lean = 0.0
    if toe_rows.any() and body_rows.any():
        toe_mid = np.mean((left[toe_rows] + right[toe_rows]) / 2)
        body_mid = np.mean((left[body_rows] + right[body_rows]) / 2)
        lean = float(toe_mid - body_mid)
    return arch + 0.5 * lean


def _warp_image(
    rgb: np.ndarray, to_canon: np.ndarray, box: tuple[int, int, int, int]
) -> np.ndarray:
    """Warp the sole's pixels to the canonical frame, low-passed to avoid aliasing."""
    h, w = CANON_SHAPE
    pad = 4
    x0, y0 = max(box[0] - pad, 0), max(box[1] - pad, 0)
    x1, y1 = min(box[2] + pad, rgb.shape[1]), min(box[3] + pad, rgb.shape[0])
    crop = rgb[y0:y1, x0:x1]
    shift = to_canon.copy()
    shift[:, 2] += to_canon[:, :2] @ np.array([x0, y0], dtype=np.float64)
    # Shrink factor of the warp: how many working pixels land in one canonical pixel.
    shrink = 1.0 / math.sqrt(abs(np.linalg.det(to_canon[:, :2])))
    if shrink > 1.5:
        sigma = 0.45 * shrink
        crop = cv2.GaussianBlur(crop, (0, 0), sigmaX=sigma, sigmaY=sigma)
    return cv2.warpAffine(
        crop, shift, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _to_original(to_canon: np.ndarray, scale: float) -> np.ndarray:
    """(3, 3) map from canonical pixels to original-photo pixels."""
    full = np.vstack([to_canon, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(full)  # canonical -> working pixels
    # working index -> original index: (x + 0.5) / scale - 0.5
    s = np.array([[1 / scale, 0, 0.5 / scale - 0.5], [0, 1 / scale, 0.5 / scale - 0.5], [0, 0, 1]])
    return s @ inv


def _box(
    box: tuple[int, int, int, int], scale: float, shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A working-pixel box (x1, y1 exclusive) in original pixels, clipped to the photo."""
    hmax, wmax = round(shape[0] / scale), round(shape[1] / scale)
    return (
        max(0, math.floor(box[0] / scale)),
        max(0, math.floor(box[1] / scale)),
        min(wmax, math.ceil(box[2] / scale)),
        min(hmax, math.ceil(box[3] / scale)),
    )


def pair_sides(
    rgb: np.ndarray,
    soles: list[SoleMask],
    canons: list[CanonicalSole],
    *,
    scale: float = 1.0,
) -> list[CanonicalSole]:
    """Read the two soles of a pair as one left and one right shoe.

    Each outline alone gives log-odds ``l`` that its sole is a right one
    (`align_sole`'s guess and confidence: ``confidence = sigmoid(|l|)``). A
    pair holds one shoe of each side, so the sole with the higher odds is the
    right one and the other the left one, with the probability of that
    reading given both outlines, ``sigmoid(|l0 - l1|)``, as the confidence
    of both. A sole whose side changes is aligned again, mirrored the other
    way.

    Parameters
    ----------
    rgb, scale
        As for `align_sole`.
    soles, canons : list of SoleMask, list of CanonicalSole
        The two soles and their `align_sole` guesses, in the same order.

    Returns
    -------
    list of CanonicalSole
        The two soles with their sides read together.

    Raises
    ------
    ValueError
        When there are not exactly two soles.
    """
    if len(soles) != 2 or len(canons) != 2:
        raise ValueError(f"a pair is two soles, got {len(soles)} masks and {len(canons)} soles")
    odds = [_right_log_odds(c) for c in canons]
    first = "right" if odds[0] >= odds[1] else "left"
    sides = (first, "left" if first == "right" else "right")
    confidence = _confidence(odds[0] - odds[1])
    out = []
    for sole, canon, side in zip(soles, canons, sides, strict=True):
        if canon.side != side:
            canon = align_sole(rgb, sole, scale=scale, side=side)
        out.append(replace(canon, side_confidence=confidence))
    return out


def _confidence(log_odds: float) -> float:
    """Confidence in the likelier of two sides: sigmoid(|log_odds|)."""
    return 1.0 / (1.0 + math.exp(-abs(log_odds)))


def _right_log_odds(canon: CanonicalSole) -> float:
    """Log-odds that `canon` is a right sole: `_confidence` inverted, signed by its side."""
    p = min(max(canon.side_confidence, 0.5), 1.0 - 1e-12)
    odds = math.log(p / (1.0 - p))
    return odds if canon.side == "right" else -odds
