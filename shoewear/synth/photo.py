"""Compose a synthetic photo: soles on a surface, with props, light and a camera.

Randomness comes from independent streams spawned from the seed (scene,
first sole, second sole, placement, props, camera), so fixing an argument
such as `side` or `pattern` changes nothing else in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..contract import PATTERNS
from ..errors import UsageError
from . import camera, props
from .outline import outline_edges
from .records import SynthPhoto, SynthSole, encode_field
from .render import render_sole, render_sole_columns
from .scene import background, colourise, noise
from .seeds import seed_sequence
from .sole_model import SoleModel, rewear, sample_sole

#: Longest side the scene is drawn at; bigger photos are upscaled from it.
WORK_LONG_SIDE = 1280

#: Soles longer than this (pixels) are rendered at 80% and scaled up by the warp.
RENDER_FULL = 520

_ASPECTS = (4 / 3, 3 / 2, 16 / 9, 1.0, 5 / 4)


@dataclass
class _Placed:
    """A sole placed in the working frame (mutable while the photo is built)."""

    model: SoleModel
    side: str
    matrix: np.ndarray  # (2, 3) canvas -> work pixels
    length: int  # canvas height in pixels
    polygon: np.ndarray  # (N, 2) outline in work pixels
    alpha: np.ndarray | None = None  # (H, W) float32 coverage in the work frame
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # (x0, y0, x1, y1): alpha is 0 outside


def _streams(seed: int, pair: bool) -> list[np.random.Generator]:
    root = seed_sequence(seed, int(pair), 7)
    return [np.random.default_rng(s) for s in root.spawn(6)]


def _check_args(pattern: str | None, side: str | None, long_side: int) -> None:
    if pattern is not None and pattern not in PATTERNS:
        raise UsageError(f"pattern must be one of {', '.join(PATTERNS)}; got {pattern!r}")
    if side is not None and side not in ("left", "right"):
        raise UsageError(f"side must be 'left' or 'right'; got {side!r}")
    if not isinstance(long_side, int | np.integer) or not 64 <= long_side <= 8000:
        raise UsageError(f"long_side must be an integer from 64 to 8000 pixels; got {long_side!r}")


def _unit_polygon(model: SoleModel, side: str) -> np.ndarray:
    """Outline in canvas units (canvas height 1, width 0.5), mirrored for a left sole."""
    t = np.linspace(0.0, np.pi, 121)
    u = 0.5 - 0.5 * np.cos(t)
    x_lat, x_med = outline_edges(model.outline, u)
    axis = 0.25 - 0.5 * (x_lat.min() + x_med.max())
    xs = np.concatenate([axis + x_med, (axis + x_lat)[::-1]])
    ys = np.concatenate([1.0 - u, (1.0 - u)[::-1]])
    if side == "left":
        xs = 0.5 - xs
    return np.stack([xs, ys], axis=1)


def _rotation(theta_deg: float) -> np.ndarray:
    t = np.deg2rad(theta_deg)
    return np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])


def _draw_rotation(rng: np.random.Generator) -> float:
    r = rng.random()
    if r < 0.55:
        return float(rng.normal(0.0, 12.0))
    if r < 0.72:
        return float(180.0 + rng.normal(0.0, 12.0))
    return float(rng.uniform(-180.0, 180.0))


def _place(rng: np.random.Generator, models: list[SoleModel], sides: list[str],
           shape: tuple[int, int]) -> list[_Placed]:
    """Choose rotation, size and position of one sole or a pair."""
    h, w = shape
    theta = _draw_rotation(rng)
    thetas = [theta] + [theta + float(rng.normal(0, 4.0)) for _ in models[1:]]
    centres = [np.zeros(2)]
    if len(models) == 2:
        p0, p1 = _unit_polygon(models[0], sides[0]), _unit_polygon(models[1], sides[1])
        touching = rng.random() < 0.3
        gap = 0.0 if touching else float(rng.uniform(0.01, 0.15))
        sep = (p0[:, 0].max() - 0.25) + (0.25 - p1[:, 0].min()) + gap + 0.004
        shift = float(rng.normal(0.0, 0.05))
        centres.append(np.array([sep, shift]))
    unit = []
    for model, th, c in zip(models, thetas, centres, strict=True):
        # Both mirror images count, so a left and a right sole get the same placement.
        poly = np.concatenate([_unit_polygon(model, "left"), _unit_polygon(model, "right")])
        unit.append((poly - (0.25, 0.5) + c) @ _rotation(th).T)
    allpts = np.concatenate(unit)
    lo, hi = allpts.min(0), allpts.max(0)
    ext = hi - lo
    small = rng.random() < 0.12
    fill = rng.uniform(0.35, 0.55) if small else rng.uniform(0.6, 0.94)
    length = fill * min(w / ext[0], h / ext[1])
    span = ext * length
    origin = np.array([rng.uniform(0, w - span[0]), rng.uniform(0, h - span[1])]) - lo * length
    placed = []
    for model, side, th, c in zip(models, sides, thetas, centres, strict=True):
        hs = max(2 * int(round(length / 2)), 32)  # even, so the canvas is exactly hs x hs/2
        ws = hs // 2
        rot = _rotation(th)
        centre = origin + (c @ rot.T) * length
        flip = np.array([[-1.0, 0, ws], [0, 1, 0], [0, 0, 1]]) if side == "left" else np.eye(3)
        shift_c = np.array([[1.0, 0, -ws / 2], [0, 1, -hs / 2], [0, 0, 1]])
        rot3 = np.eye(3)
        rot3[:2, :2] = rot * (length / hs)
        move = np.array([[1.0, 0, centre[0]], [0, 1, centre[1]], [0, 0, 1]])
        m = (move @ rot3 @ shift_c @ flip)[:2]
        poly = _unit_polygon(model, "right") * hs  # canvas pixels of the unflipped render
        poly = np.concatenate([poly, np.ones((len(poly), 1))], 1) @ (
            move @ rot3 @ shift_c @ flip).T
        placed.append(_Placed(model=model, side=side, matrix=m, length=hs, polygon=poly[:, :2]))
    return placed


def _warp_canvas(rgba: np.ndarray, matrix: np.ndarray, shape: tuple[int, int]
                 ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Warp an RGBA canvas into the bounding box it covers in the work frame.

    Parameters
    ----------
    rgba : (h, w, 4) float32 ndarray
        Colour and coverage, with the rim of `props.with_rim`.
    matrix : (2, 3) float ndarray
        Canvas pixels to work pixels.
    shape : tuple of int
        (H, W) of the work frame.

    Returns
    -------
    rgb : (h', w', 3) float32 ndarray
    alpha : (h', w') float32 ndarray
    origin : tuple of int
        Work-frame pixel (x0, y0) of the boxes' top-left pixel.
    """
    h, w = shape
    ch, cw = rgba.shape[:2]
    corners = np.array([[0, 0, 1], [cw, 0, 1], [0, ch, 1], [cw, ch, 1]], float) @ matrix.T
    x0 = int(max(np.floor(corners[:, 0].min()) - 1, 0))
    y0 = int(max(np.floor(corners[:, 1].min()) - 1, 0))
    x1 = int(min(np.ceil(corners[:, 0].max()) + 2, w))
    y1 = int(min(np.ceil(corners[:, 1].max()) + 2, h))
    m = matrix.copy()
    m[:, 2] -= (x0, y0)
    size = (max(x1 - x0, 1), max(y1 - y0, 1))
    rgb, alpha = props.warp_rgba(rgba, m, size)
    return rgb, alpha, (x0, y0)


def _bbox(points: np.ndarray, margin: float, shape: tuple[int, int]
          ) -> tuple[int, int, int, int]:
    """Integer box (x0, y0, x1, y1) around points plus a margin, clipped to the frame."""
    h, w = shape
    x0 = int(np.clip(np.floor(points[:, 0].min() - margin), 0, w))
    y0 = int(np.clip(np.floor(points[:, 1].min() - margin), 0, h))
    x1 = int(np.clip(np.ceil(points[:, 0].max() + margin) + 1, 0, w))
    y1 = int(np.clip(np.ceil(points[:, 1].max() + margin) + 1, 0, h))
    return x0, y0, x1, y1


def _side_wall(rng: np.random.Generator, image: np.ndarray, sole: _Placed,
               cover: np.ndarray) -> None:
    """Draw the shoe's upper and midsole side wall peeking out past the outline."""
    length = sole.length
    ang = rng.uniform(0, 2 * np.pi)
    d = np.array([np.cos(ang), np.sin(ang)]) * length * rng.uniform(0.015, 0.06)
    x0, y0, x1, y1 = _bbox(sole.polygon, 1.6 * float(np.abs(d).max()) + 3, image.shape[:2])
    if x1 <= x0 or y1 <= y0:
        return
    h, w = y1 - y0, x1 - x0
    poly = sole.polygon - (x0, y0)
    upper_mask = np.zeros((h, w), np.uint8)
    band_mask = np.zeros((h, w), np.uint8)
    for t in np.linspace(0.0, 1.0, 5):
        cv2.fillPoly(upper_mask, [np.round((poly + d * (0.6 + 0.9 * t)) * 4).astype(np.int32)],
                     255, cv2.LINE_AA, shift=2)
        cv2.fillPoly(band_mask, [np.round((poly + d * 0.6 * t) * 4).astype(np.int32)], 255,
                     cv2.LINE_AA, shift=2)
    if rng.random() < 0.35:  # the upper bulges over the arch, seen from below
        hull = cv2.convexHull(np.round(poly * 4).astype(np.int32))
        cv2.fillPoly(upper_mask, [hull], 255, cv2.LINE_AA, shift=2)
    upper = rng.uniform(0.05, 0.95, 3).astype(np.float32)
    if rng.random() < 0.4:
        upper = np.full(3, rng.uniform(0.05, 0.95), np.float32)
    tex = 0.75 + 0.12 * noise(rng, (h, w), (h // 6, w // 6))
    a_up = upper_mask.astype(np.float32) / 255.0
    region = image[y0:y1, x0:x1]
    props.over(region, colourise(tex, upper), a_up)
    foam = np.array(sole.model.foam, np.float32) * np.float32(rng.uniform(0.55, 0.85))
    a_band = band_mask.astype(np.float32) / 255.0
    props.over(region, foam, a_band)
    sub = cover[y0:y1, x0:x1]
    np.maximum(sub, np.maximum(a_up, a_band), out=sub)


def _shadow(rng: np.random.Generator, image: np.ndarray, cover: np.ndarray,
            light: np.ndarray) -> None:
    """Soft drop shadow of the objects on the floor, away from the light."""
    h, w = image.shape[:2]
    small = np.ascontiguousarray(cover[::4, ::4])  # it gets blurred anyway
    off = -light * max(h, w) * rng.uniform(0.003, 0.02) / 4
    m = np.array([[1.0, 0, off[0]], [0, 1, off[1]]])
    small = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]))
    small = cv2.GaussianBlur(small, (0, 0), max(h, w) * rng.uniform(0.003, 0.012) / 4 + 0.5)
    strength = rng.uniform(0.25, 0.6)
    # Darken only where there is shadow (most of the frame has none).
    rows = np.flatnonzero(small.max(axis=1) > 1e-3)
    cols = np.flatnonzero(small.max(axis=0) > 1e-3)
    if len(rows) == 0:
        return
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    sub = cv2.resize(small[r0:r1, c0:c1], ((c1 - c0) * 4, (r1 - r0) * 4),
                     interpolation=cv2.INTER_LINEAR)
    y0, x0 = r0 * 4, c0 * 4
    y1, x1 = min(y0 + sub.shape[0], h), min(x0 + sub.shape[1], w)
    factor = sub[:y1 - y0, :x1 - x0] * np.float32(-strength)
    factor += 1.0
    props.modulate(image[y0:y1, x0:x1], factor)


def _dust(rng: np.random.Generator, image: np.ndarray, sole: _Placed, scale: float) -> None:
    """Dust specks and a faint haze on a sole (they stay part of the sole)."""
    x0, y0, x1, y1 = _bbox(sole.polygon, 2, image.shape[:2])
    where = sole.alpha[y0:y1, x0:x1]
    h, w = where.shape
    if h < 4 or w < 4:
        return
    layer = np.zeros((h, w), np.float32)
    n = int(h * w * rng.uniform(0.0, 0.0015))
    r_max = max(int(1.5 * scale), 1)
    for _ in range(n):
        r = int(rng.integers(1, r_max + 1))
        cv2.circle(layer, (int(rng.integers(w)), int(rng.integers(h))), r,
                   float(rng.uniform(0.3, 0.9)), -1)
    haze = np.clip(noise(rng, (h, w), (8, 8)), 0, 1) * rng.uniform(0.0, 0.25)
    layer = np.maximum(layer, haze) * where
    tint = np.array([0.75, 0.72, 0.68], np.float32)
    region = image[y0:y1, x0:x1]
    props.over(region, tint, layer)


#: Grid step (pixels) of the map `_free_spot` searches.
_SPOT_STEP = 8


def _coarse(busy: np.ndarray) -> np.ndarray:
    """Every `_SPOT_STEP`-th pixel of a coverage map (nearest neighbour), for `_free_spot`."""
    h, w = busy.shape
    f = _SPOT_STEP
    return cv2.resize(busy, (w // f + 1, h // f + 1), interpolation=cv2.INTER_NEAREST)


def _free_spot(rng: np.random.Generator, busy: np.ndarray, radius: float
               ) -> tuple[float, float] | None:
    """A point at least `radius` away from everything busy (None if there is none).

    `busy` is the coverage map subsampled by `_coarse` (thresholding commutes with
    nearest-neighbour sampling, so the full frame is never thresholded).
    """
    f = _SPOT_STEP
    free = cv2.distanceTransform((busy <= 0.05).astype(np.uint8), cv2.DIST_L2, 3) * f
    ys, xs = np.nonzero(free > radius)
    if len(ys) == 0:
        return None
    i = int(rng.integers(len(ys)))
    return float(xs[i] * f + f / 2), float(ys[i] * f + f / 2)


def _paste_max(cover: np.ndarray, landed: tuple[np.ndarray, tuple[int, int]] | None) -> None:
    """Merge a coverage box returned by `props.blit_box` into a full-frame map, in place."""
    if landed is None:
        return
    a, (x0, y0) = landed
    sub = cover[y0:y0 + a.shape[0], x0:x0 + a.shape[1]]
    np.maximum(sub, a, out=sub)


def _props(rng: np.random.Generator, image: np.ndarray, busy: np.ndarray, length: float
           ) -> np.ndarray:
    """Scale bars, ID cards and clutter next to the soles; returns their coverage."""
    cover = np.zeros(image.shape[:2], np.float32)
    items = []
    if rng.random() < 0.3:
        items.append(props.ruler(rng, int(length * rng.uniform(0.6, 1.05))))
    if rng.random() < 0.25:
        items.append(props.card(rng, int(length * rng.uniform(0.22, 0.4))))
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.3 else 0):
        items.append(props.clutter(rng, int(length * rng.uniform(0.1, 0.4))))
    busy_small = _coarse(busy) if items else None
    for patch, alpha in items:
        radius = 0.5 * float(np.hypot(*alpha.shape))
        spot = _free_spot(rng, np.maximum(busy_small, _coarse(cover)), radius * 0.75)
        if spot is None:
            continue
        angle = float(rng.normal(0, 8)) if rng.random() < 0.7 else float(rng.uniform(-90, 90))
        _paste_max(cover, props.blit_box(image, patch, alpha, spot, angle))
    return cover


def _hand(rng: np.random.Generator, image: np.ndarray, sole: _Placed
          ) -> tuple[np.ndarray, tuple[int, int]] | None:
    """A hand holding the sole at the heel, the toe or a side; returns `props.blit_box`'s box."""
    hs = sole.length
    ws = hs // 2
    where = rng.integers(3)
    m = np.vstack([sole.matrix, [0, 0, 1]])
    if where == 0:
        grip, inward = np.array([ws / 2, hs]), np.array([0.0, -1.0])
    elif where == 1:
        grip, inward = np.array([ws / 2, 0.0]), np.array([0.0, 1.0])
    else:
        s = 1 if rng.random() < 0.5 else -1
        grip = np.array([ws / 2 + s * ws * 0.42, hs * rng.uniform(0.3, 0.7)])
        inward = np.array([-s * 1.0, 0.0])
    g = (m @ np.array([grip[0], grip[1], 1.0]))[:2]
    dvec = m[:2, :2] @ inward
    dvec /= np.linalg.norm(dvec) + 1e-9
    size = sole.length * rng.uniform(0.42, 0.52)
    patch, alpha = props.hand(rng, int(size / 2))  # a hand is smooth: draw at half size
    ph = alpha.shape[0] * 2
    overlap = sole.length * rng.uniform(0.08, 0.26)
    centre = g + dvec * (overlap - ph / 2)
    angle = float(np.rad2deg(np.arctan2(-dvec[0], -dvec[1])))
    return props.blit_box(image, patch, alpha, (float(centre[0]), float(centre[1])), angle,
                          scale=2.0)


def _canonical_points(sole: _Placed) -> np.ndarray:
    """Heel end and toe tip of the canonical centre line, in work pixels."""
    hs = sole.length
    ws = hs // 2
    m = np.vstack([sole.matrix, [0, 0, 1]])
    # The left-sole flip maps x -> ws - x, so the centre line stays where it is.
    pts = np.array([[ws / 2, hs, 1.0], [ws / 2, 0.0, 1.0]]) @ m.T
    return pts[:, :2]


def _angle(heel: np.ndarray, toe: np.ndarray) -> float:
    d = toe - heel
    a = float(np.rad2deg(np.arctan2(-d[0], -d[1])))
    return a if a > -180.0 else a + 360.0


def _field_layer(placed: list[_Placed], masks: list[np.ndarray], shape: tuple[int, int]
                 ) -> np.ndarray:
    """The painted wear of every visible sole pixel in the work frame, as (wear, seen).

    Returns
    -------
    (H, W, 2) float32 ndarray
        Channel 0 is wear times channel 1, which is 1 where a sole shows
        (its mask above 0.5) and 0 elsewhere, so that warping both and
        dividing gives the wear back.
    """
    layer = np.zeros((*shape, 2), np.float32)
    for s, m in zip(placed, masks, strict=True):
        x0, y0, x1, y1 = s.box  # the mask is 0 outside it: warp the field into it only
        if x1 <= x0 or y1 <= y0:
            continue
        canvas = cv2.resize(s.model.field, (s.length // 2, s.length),
                            interpolation=cv2.INTER_LINEAR)
        to_box = s.matrix.copy()
        to_box[:, 2] -= (x0, y0)
        wear = cv2.warpAffine(canvas, to_box, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
        seen = (m[y0:y1, x0:x1] > 0.5).astype(np.float32)
        # The soles' masks do not overlap (a later sole hides an earlier one): add.
        layer[y0:y1, x0:x1, 0] += wear * seen
        layer[y0:y1, x0:x1, 1] += seen
    return layer


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if len(ys) == 0:
        return (0, 0, 0, 0)
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def generate_photo(
    seed: int,
    *,
    pair: bool = False,
    pattern: str | None = None,
    side: str | None = None,
    long_side: int = 1024,
    decode: bool = True,
    field: bool = False,
) -> SynthPhoto:
    """Make one synthetic photo of a sole (or a pair) with its ground truth.

    Parameters
    ----------
    seed : int
        Everything random follows from it: the same (seed, arguments) give
        identical photos.
    pair : bool
        Put a left and a right sole side by side (the same shoe model, each
        sole with its own wear); they touch sometimes.
    pattern : str or None
        Wear pattern of every sole; None draws each uniformly from
        `design.PATTERNS`.
    side : {"left", "right"} or None
        The side of the single sole, or for a pair the side of the sole
        drawn first; None draws it.
    long_side : int
        Longest side of the photo in pixels (scenes bigger than
        `WORK_LONG_SIDE` are drawn at that size and upscaled).
    decode : bool
        False skips decoding the JPEG (for writers that only need the file);
        `rgb` is then the image as it went into the encoder.
    field : bool
        Also return the painted wear under each visible sole pixel
        (`SynthPhoto.field`), carried through the same camera geometry as
        the masks. It draws nothing random: the photo is the same either way.

    Returns
    -------
    SynthPhoto
        `rgb` is the decoded JPEG; `soles` are ordered left to right.

    Raises
    ------
    UsageError
        On a bad pattern, side or size.
    """
    _check_args(pattern, side, long_side)
    r_scene, r_sole0, r_sole1, r_place, r_props, r_cam = _streams(seed, pair)

    # Frame: orientation and aspect.
    aspect = float(r_scene.choice(_ASPECTS))
    portrait = r_scene.random() < 0.55
    out_long = int(long_side)
    out_short = max(int(round(out_long / aspect)), 1)
    out_hw = (out_long, out_short) if portrait else (out_short, out_long)
    work_long = min(out_long, WORK_LONG_SIDE)
    work_scale = work_long / out_long
    work_hw = (max(int(round(out_hw[0] * work_scale)), 8),
               max(int(round(out_hw[1] * work_scale)), 8))

    # Soles: a pair is one shoe model, mirrored, with independent wear.
    drawn_side = "left" if r_sole0.random() < 0.5 else "right"
    first_side = side or drawn_side
    first = sample_sole(r_sole0, pattern=pattern)
    models, sides = [first], [first_side]
    if pair:
        second_pattern = pattern or str(PATTERNS[int(r_sole1.integers(len(PATTERNS)))])
        models.append(rewear(first, r_sole1, second_pattern))
        sides.append("right" if first_side == "left" else "left")
        if r_place.random() < 0.5:
            models.reverse()
            sides.reverse()
    else:
        r_place.random()
    placed = _place(r_place, models, sides, work_hw)

    image, surface = background(r_scene, work_hw)
    light_ang = r_scene.uniform(0, 2 * np.pi)
    light = np.array([np.cos(light_ang), np.sin(light_ang)])
    objects = np.zeros(work_hw, np.float32)
    walls = [(s.model.outline.style != "loose" and r_props.random() < 0.45) for s in placed]
    for s in placed:  # footprint for the shadow
        cv2.fillPoly(objects, [np.round(s.polygon * 4).astype(np.int32)], 1.0, cv2.LINE_AA,
                     shift=2)
    _shadow(r_scene, image, objects, light)
    for s, wall in zip(placed, walls, strict=True):
        if wall:
            _side_wall(r_props, image, s, objects)

    # Render and paste each sole; a later sole hides an earlier one where they touch.
    for s in placed:
        rot = s.matrix[:, :2] / np.linalg.norm(s.matrix[:, 0])
        canvas_light = rot.T @ light  # photo light direction seen from the canvas
        # Big soles are rendered a little smaller and scaled up by the warp (for speed).
        hr = s.length if s.length <= RENDER_FULL else 2 * int(max(RENDER_FULL, 0.8 * s.length) / 2)
        # Only the canvas columns the sole covers are rendered and warped (alpha is 0 elsewhere).
        rgba, c0, _, _ = render_sole_columns(
            s.model, hr, light=(float(canvas_light[0]), float(canvas_light[1])))
        rgba = props.with_rim(rgba)  # see `props.warp_rgba`
        to_work = s.matrix @ np.diag([s.length / hr, s.length / hr, 1.0]) @ np.array(
            [[1.0, 0.0, c0 - 1.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])
        wrgb, wa, (x0, y0) = _warp_canvas(rgba, to_work, work_hw)
        ys, xs = slice(y0, y0 + wa.shape[0]), slice(x0, x0 + wa.shape[1])
        props.over(image[ys, xs], wrgb, wa)
        for other in placed:  # outside this box the new sole covers nothing
            if other.alpha is not None:
                other.alpha[ys, xs] *= 1.0 - wa
        full = np.zeros(work_hw, np.float32)
        full[ys, xs] = wa
        s.alpha = full
        s.box = (x0, y0, x0 + wa.shape[1], y0 + wa.shape[0])
    soles_alpha = placed[0].alpha
    for s in placed[1:]:
        soles_alpha = np.maximum(soles_alpha, s.alpha)
    if r_props.random() < 0.45:
        for s in placed:
            _dust(r_props, image, s, scale=max(work_hw) / 800)

    # Things on top: props beside the soles, sometimes a hand holding one.
    busy = np.maximum(objects, soles_alpha)
    cover = _props(r_props, image, busy, float(placed[0].length))
    if not pair and r_props.random() < 0.18:
        _paste_max(cover, _hand(r_props, image, placed[0]))
    if r_cam.random() < 0.2:
        camera.glare(r_cam, image, where=soles_alpha > 0.5 if r_cam.random() < 0.6 else None)
    gain, cast = camera.light_field(r_cam, work_hw)
    props.modulate(image, gain)
    if r_cam.random() < 0.04:
        camera.scratched_plate(r_cam, image)

    # Each sole's visible part; a sole's alpha is 0 outside its box, so work in the box.
    masks, occluded = [], []
    for s in placed:
        x0, y0, x1, y1 = s.box
        sub = s.alpha[y0:y1, x0:x1]
        m = np.zeros(work_hw, np.float32)
        m[y0:y1, x0:x1] = sub * (1.0 - cover[y0:y1, x0:x1])
        masks.append(m)
        occluded.append(1.0 - float((m[y0:y1, x0:x1] > 0.5).sum())
                        / max(float((sub > 0.5).sum()), 1.0))
    points = [_canonical_points(s) for s in placed]
    layer = _field_layer(placed, masks, work_hw) if field else None

    # Camera geometry: mild perspective, sometimes a wide-angle lens.
    if r_cam.random() < 0.7:
        hom = camera.perspective_matrix(r_cam, work_hw, strength=float(r_cam.uniform(0.0, 0.07)))
        size = (work_hw[1], work_hw[0])
        # Through RGBA: OpenCV warps four float channels faster than three.
        image = cv2.cvtColor(cv2.warpPerspective(
            cv2.cvtColor(image, cv2.COLOR_RGB2RGBA), hom, size, flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE), cv2.COLOR_RGBA2RGB)
        masks = [camera.warp_perspective_box(m, s.box, hom, size)
                 for m, s in zip(masks, placed, strict=True)]
        if layer is not None:  # 0 outside the soles' boxes
            boxes = np.array([s.box for s in placed])
            union = (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))
            layer = camera.warp_perspective_box(layer, union, hom, size)
        points = [camera.map_points(hom, p) for p in points]
    if r_cam.random() < 0.08:
        k = float(r_cam.uniform(0.08, 0.3))
        mx, my = camera.barrel_maps(work_hw, k)
        image = cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        masks = [cv2.remap(m, mx, my, cv2.INTER_LINEAR) for m in masks]
        if layer is not None:
            layer = cv2.remap(layer, mx, my, cv2.INTER_LINEAR)
        points = [camera.barrel_points(work_hw, k, p) for p in points]
    image = camera.blur_and_noise(r_cam, image)

    rgb8 = camera.to_uint8(image, cast)
    if work_hw != out_hw:
        rgb8 = cv2.resize(rgb8, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_LINEAR)
        masks = [cv2.resize(m, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_LINEAR)
                 for m in masks]
        if layer is not None:
            layer = cv2.resize(layer, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_LINEAR)
    scale_xy = np.array([out_hw[1] / work_hw[1], out_hw[0] / work_hw[0]])
    quality = int(r_cam.integers(50, 96))
    data, decoded = camera.jpeg_round_trip(rgb8, quality, decode=decode)

    soles = []
    for s, m, pts, occ in zip(placed, masks, points, occluded, strict=True):
        mask = m > 0.5
        pts = pts * scale_xy
        heel, toe = pts[0], pts[1]
        soles.append(SynthSole(
            pattern=s.model.pattern,
            side=s.side,
            zones=dict(s.model.zones),
            tread=s.model.tread.family,
            rotation_deg=_angle(heel, toe),
            heel_xy=(float(heel[0]), float(heel[1])),
            toe_xy=(float(toe[0]), float(toe[1])),
            box=_box(mask),
            mask=mask,
            style=s.model.outline.style,
            occluded=float(np.clip(occ, 0.0, 1.0)),
        ))
    soles.sort(key=lambda t: 0.5 * (t.box[0] + t.box[2]))
    code = None
    if layer is not None:  # (wear x seen, seen): bilinear warps mix both alike
        seen = layer[..., 1] > 0.5
        code = encode_field(layer[..., 0] / np.maximum(layer[..., 1], 1e-6), seen)
    return SynthPhoto(rgb=rgb8 if decoded is None else decoded, soles=tuple(soles), jpeg=data,
                      surface=surface, field=code)


def render_canonical(seed: int, *, pattern: str | None = None, tread: str | None = None
                     ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Render a sole straight into the canonical frame, without a photo around it.

    With the same seed and pattern (and `tread=None`) it is the sole of
    ``generate_photo(seed, pattern=pattern)`` (single-sole photos).

    Parameters
    ----------
    seed : int
    pattern : str or None
        Wear pattern; None draws one.
    tread : str or None
        Tread family; None draws one.

    Returns
    -------
    rgb : (256, 128, 3) uint8 ndarray
        Heel at the bottom, medial on the right (`design.CANON_SHAPE`), on black.
    mask : (256, 128) bool ndarray
    zones : dict
        Zone name to painted wear level.
    """
    from ..contract import CANON_SHAPE

    _check_args(pattern, None, 1024)
    rng = _streams(seed, False)[1]
    rng.random()  # the side draw of `generate_photo`
    model = sample_sole(rng, pattern=pattern, tread=tread)
    rgb, alpha, mask = render_sole(model, CANON_SHAPE[0])
    out = (np.clip(rgb * alpha[..., None], 0, 1) * 255 + 0.5).astype(np.uint8)
    return out, mask, dict(model.zones)

