"""Draw what shoewear found: outlines, axes, zones and wear over the photo or the canonical sole."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .contract import CANON_SHAPE, ZONE_BANDS
from .report import SoleReport, WearReading
from .sole import CanonicalSole

_OUTLINE = (40, 220, 60)
_AXIS = (255, 200, 0)
_ZONE = (255, 255, 255)
_LABEL_BG = (20, 20, 20)


def draw_analysis(result) -> tuple[np.ndarray, list[np.ndarray]]:
    """The pictures that explain a reading: the photo with what was found, and each sole.

    Parameters
    ----------
    result : pipeline.Analysis
        A photo read through, without error.

    Returns
    -------
    overlay : (H, W, 3) uint8 ndarray
        `draw_overlay` of the photo at working size.
    soles : list of (h, w, 3) uint8 ndarray
        `draw_canonical` of each sole with its wear map, in `result.soles` order.
    """
    image = result.image
    maps = list(result.wear_maps) or [None] * len(result.soles)
    overlay = draw_overlay(
        image.rgb, result.soles, result.report.soles, wear_maps=list(result.wear_maps),
        scale=image.scale,
    )
    soles = [draw_canonical(c, wear_map=m) for c, m in zip(result.soles, maps, strict=True)]
    return overlay, soles


def draw_overlay(
    rgb: np.ndarray,
    canons: Sequence[CanonicalSole],
    reports: Sequence[SoleReport | WearReading] | None = None,
    *,
    wear_maps: Sequence[np.ndarray] | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Draw each sole's outline, heel-to-toe axis, zone boundaries and side over the photo.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo the soles were found in, at `scale` working pixels per
        original pixel (1.0 for the original photo).
    canons : sequence of CanonicalSole
        The soles (their geometry is in original-photo pixels).
    reports : sequence of SoleReport or WearReading, optional
        One per sole; adds the wear pattern to each label.
    wear_maps : sequence of (h, w) float ndarray, optional
        One per sole, wear in [0, 1] in the canonical frame; tinted red over
        the sole.
    scale : float
        Pixels of `rgb` per original-photo pixel.

    Returns
    -------
    (H, W, 3) uint8 ndarray
        A new image; `rgb` is not modified.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be (H, W, 3), got {rgb.shape}")
    if reports is not None and len(reports) != len(canons):
        raise ValueError(f"{len(reports)} reports for {len(canons)} soles")
    if wear_maps is not None and len(wear_maps) != len(canons):
        raise ValueError(f"{len(wear_maps)} wear maps for {len(canons)} soles")
    out = np.ascontiguousarray(rgb, dtype=np.uint8).copy()
    h, w = out.shape[:2]
    thick = max(1, round(max(h, w) / 400))
    for i, canon in enumerate(canons):
        to_img = _to_image(canon.to_photo, scale)  # canonical -> this image's pixels
        if wear_maps is not None:
            out = _tint(out, wear_maps[i], canon, to_img)
        outline = (canon.outline + 0.5) * scale - 0.5
        if len(outline) >= 3:
            cv2.polylines(out, [_pts(outline)], True, _OUTLINE, thick + 1, cv2.LINE_AA, shift=4)
        for seg in _zone_segments(canon.mask):
            cv2.line(out, *_pts(_apply(to_img, seg)), _ZONE, thick, cv2.LINE_AA, shift=4)
        ch, cw = CANON_SHAPE
        heel_toe = _apply(to_img, np.array([[cw / 2 - 0.5, ch - 1.0], [cw / 2 - 0.5, 0.0]]))
        p0, p1 = _pts(heel_toe)
        cv2.arrowedLine(out, p0, p1, _AXIS, thick + 1, cv2.LINE_AA, shift=4, tipLength=0.06)
        cv2.circle(out, p0, 4 * 16 * thick, _AXIS, -1, cv2.LINE_AA, shift=4)
        label = f"{canon.side} {canon.side_confidence:.0%}"
        if reports is not None:
            r = reports[i]
            pattern = r.reading.pattern if isinstance(r, SoleReport) else r.pattern
            label += f" | {pattern}"
        x0, y0 = canon.box[0] * scale, canon.box[1] * scale
        _label(out, label, (int(x0), int(y0)), thick)
    return out


def draw_canonical(
    canon: CanonicalSole, *, wear_map: np.ndarray | None = None, zoom: int = 2
) -> np.ndarray:
    """The canonical sole with its zone grid, and wear as a heat map if given.

    Parameters
    ----------
    canon : CanonicalSole
    wear_map : (h, w) float ndarray, optional
        Wear in [0, 1] in the canonical frame, any resolution.
    zoom : int
        Integer enlargement of `design.CANON_SHAPE`.

    Returns
    -------
    (H * zoom, W * zoom, 3) uint8 ndarray
        Heel at the bottom, medial on the right; outside the sole is grey.
    """
    if zoom < 1:
        raise ValueError(f"zoom must be at least 1, got {zoom}")
    h, w = CANON_SHAPE
    img = canon.image.astype(np.float32)
    mask = canon.mask
    if wear_map is not None:
        heat = _heat(cv2.resize(np.asarray(wear_map, np.float32), (w, h)))
        img = 0.45 * img + 0.55 * heat
    img[~mask] = 0.6 * img[~mask] + 0.4 * 128
    big = cv2.resize(img.clip(0, 255).astype(np.uint8), (w * zoom, h * zoom), cv2.INTER_NEAREST)
    to_big = np.array([[zoom, 0, (zoom - 1) / 2], [0, zoom, (zoom - 1) / 2], [0, 0, 1.0]])
    for seg in _zone_segments(mask):
        cv2.line(big, *_pts(_apply(to_big, seg)), _ZONE, 1, cv2.LINE_AA, shift=4)
    cv2.putText(
        big, "medial", (w * zoom - 52, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, _ZONE, 1, cv2.LINE_AA
    )
    cv2.putText(big, "lateral", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, _ZONE, 1, cv2.LINE_AA)
    return big


def _zone_segments(mask: np.ndarray) -> list[np.ndarray]:
    """Zone boundaries in canonical pixel coordinates: ((x0, y0), (x1, y1)) segments."""
    h, w = mask.shape
    rows_any = mask.any(axis=1)
    if not rows_any.any():
        return []
    first = np.where(rows_any, mask.argmax(axis=1), w // 2).astype(float)
    last = np.where(rows_any, w - 1 - mask[:, ::-1].argmax(axis=1), w // 2).astype(float)
    segs = []
    for band, (_, hi) in ZONE_BANDS.items():
        if band == "toe":
            continue
        row = min(h - 1, max(0, round((1.0 - hi) * h - 0.5)))
        segs.append(np.array([[first[row], row], [last[row], row]], dtype=float))
    # The midline, from the heel to the start of the toe band, row by row.
    top = round((1.0 - ZONE_BANDS["toe"][0]) * h)
    rows = [r for r in range(top, h, 4) if rows_any[r]]
    for a, b in zip(rows[:-1], rows[1:], strict=False):
        segs.append(
            np.array([[(first[a] + last[a]) / 2, a], [(first[b] + last[b]) / 2, b]], dtype=float)
        )
    return segs


def _to_image(to_photo: np.ndarray, scale: float) -> np.ndarray:
    """Canonical pixels -> pixels of an image with `scale` pixels per original pixel."""
    s = np.array([[scale, 0, 0.5 * scale - 0.5], [0, scale, 0.5 * scale - 0.5], [0, 0, 1.0]])
    return s @ np.asarray(to_photo, dtype=np.float64)


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.hstack([pts, np.ones((len(pts), 1))]) @ m.T
    return p[:, :2] / p[:, 2:3]


def _pts(pts: np.ndarray) -> np.ndarray | tuple[tuple[int, int], ...]:
    q = np.round(np.asarray(pts) * 16).astype(np.int32)
    if len(q) == 2:
        return (tuple(int(v) for v in q[0]), tuple(int(v) for v in q[1]))
    return q.reshape(-1, 1, 2)


def _heat(wear: np.ndarray) -> np.ndarray:
    """Wear in [0, 1] -> RGB float, green (new) through yellow to red (worn)."""
    v = np.clip(wear, 0, 1)[..., None]
    green = np.array([40, 200, 60], np.float32)
    yellow = np.array([250, 220, 40], np.float32)
    red = np.array([230, 30, 30], np.float32)
    return np.where(
        v < 0.5, green + (yellow - green) * (v * 2), yellow + (red - yellow) * (v * 2 - 1)
    )


def _tint(
    out: np.ndarray, wear: np.ndarray, canon: CanonicalSole, to_img: np.ndarray
) -> np.ndarray:
    h, w = CANON_SHAPE
    ih, iw = out.shape[:2]
    wear_c = cv2.resize(np.asarray(wear, np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    m = to_img[:2]
    warped = cv2.warpAffine(wear_c, m, (iw, ih), flags=cv2.INTER_LINEAR, borderValue=0)
    inside = cv2.warpAffine(
        canon.mask.astype(np.float32), m, (iw, ih), flags=cv2.INTER_LINEAR, borderValue=0
    )
    alpha = (0.6 * np.clip(warped, 0, 1) * np.clip(inside, 0, 1))[..., None]
    red = np.array([230, 30, 30], np.float32)
    return (out * (1 - alpha) + red * alpha).clip(0, 255).astype(np.uint8)


def _label(out: np.ndarray, text: str, corner: tuple[int, int], thick: int) -> None:
    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.45 * thick
    (tw, th), base = cv2.getTextSize(text, font, size, thick)
    x = min(max(corner[0], 0), max(out.shape[1] - tw - 4, 0))
    y = max(corner[1] - 4, th + 4)
    cv2.rectangle(out, (x, y - th - 4), (x + tw + 4, y + base), _LABEL_BG, -1)
    cv2.putText(out, text, (x + 2, y - 2), font, size, (255, 255, 255), thick, cv2.LINE_AA)
