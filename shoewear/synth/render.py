"""Render a `SoleModel` as seen from below, toe up, on a canvas of the canonical proportions.

The tread is a height map; wear cuts it down from the top (lugs flatten and
round off, grooves get shallower and fade), worn rubber turns smooth and
changes colour, and where the rubber is gone the midsole foam shows through.
The relief is shaded by one light, grooves collect shadow and dirt.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .outline import across_coordinate, place_outline
from .scene import noise
from .sole_model import SoleModel
from .tread import flex_groove_overlay, pivot_rings, tread_height


def _smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = (x - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    np.maximum(t, 0.0, out=t)
    np.minimum(t, 1.0, out=t)
    return t * t * (3.0 - 2.0 * t)


def _logo_mask(model: SoleModel, shape: tuple[int, int], axis_x: float) -> np.ndarray:
    """Moulded text running along the sole, as a coverage map in [0, 1]."""
    h, w = shape
    if not model.logo or h < 96:
        return np.zeros(shape, np.float32)
    letter_h = max(int(0.055 * h * model.outline.width / 0.38 * 0.5), 6)
    scale = letter_h / 22.0
    thick = max(1, int(round(scale * 2.2)))
    (tw, th), base = cv2.getTextSize(model.logo, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    patch = np.zeros((th + base + 4, tw + 4), np.uint8)
    cv2.putText(patch, model.logo, (2, th + 1), cv2.FONT_HERSHEY_DUPLEX, scale, 255, thick,
                cv2.LINE_AA)
    patch = np.rot90(patch, 1)  # text reads from heel to toe
    ph, pw = patch.shape
    if ph > 0.35 * h or pw > 0.3 * w:
        return np.zeros(shape, np.float32)
    cy = int((1.0 - model.logo_u) * h - ph / 2)
    cx = int(axis_x - pw / 2)
    out = np.zeros(shape, np.float32)
    y0, x0 = max(cy, 0), max(cx, 0)
    y1, x1 = min(cy + ph, h), min(cx + pw, w)
    out[y0:y1, x0:x1] = patch[y0 - cy:y1 - cy, x0 - cx:x1 - cx] / 255.0
    return out


def _scuffs(rng: np.random.Generator, wear: np.ndarray, where: np.ndarray, px_mm: float
            ) -> np.ndarray:
    """Short scratches along the running direction where the sole is worn (brightness offsets).

    They are scattered in proportion to ``wear * where``, sampled every 8 pixels.
    """
    h, w = wear.shape
    small = wear[::8, ::8] * where[::8, ::8]  # only this grid sets where scratches go
    total = float(small.sum())
    out = np.zeros((h, w), np.float32)
    if total < 1.0:
        return out
    n = int(min(total * 0.6, 400) * rng.uniform(0.3, 1.0))
    p = (small / total).ravel()
    cells = rng.choice(p.size, size=n, p=p)
    ys = (cells // small.shape[1]) * 8 + rng.integers(0, 8, n)
    xs = (cells % small.shape[1]) * 8 + rng.integers(0, 8, n)
    lengths = rng.uniform(2.0, 12.0, n) / px_mm
    angles = rng.normal(np.pi / 2, 0.35, n)
    values = rng.choice([-0.08, 0.06, 0.1], size=n)
    dx, dy = np.cos(angles) * lengths / 2, np.sin(angles) * lengths / 2
    # End points as Python ints up front (truncated like int()); the loop only draws.
    ends = np.stack([xs - dx, ys - dy, xs + dx, ys + dy], axis=1).astype(np.int64).tolist()
    for (xa, ya, xb, yb), val in zip(ends, values.tolist(), strict=True):
        cv2.line(out, (xa, ya), (xb, yb), val, 1)
    return out


def _layout_maps(model: SoleModel, u: np.ndarray, v: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Second-colour rubber and bare-foam areas of the sole's layout."""
    lay = model.layout
    if lay == "full":
        return np.zeros(u.shape, bool), np.zeros(u.shape, bool)
    bend = 0.02 + 0.015 * (model.noise_seed % 5 - 2)  # boundaries curve across the sole
    wave = bend * (v * v - 0.3)
    second = np.zeros(u.shape, bool)
    foam = np.zeros(u.shape, bool)
    if lay == "two_tone":
        second = u + wave < 0.33
    elif lay == "midfoot_foam":
        foam = ((u - 0.43 + wave) / 0.135) ** 2 + _fourth(v / 0.9) < 1.0
    elif lay == "lateral_strip":
        second = (v < -0.35) & (u < 0.62)
    elif lay == "heel_insert":
        second = (u < 0.26) & (np.abs(v) < 0.55)
        foam = ((u - 0.43 + wave) / 0.1) ** 2 + _fourth(v / 0.6) < 1.0
    return second, foam


def _fourth(x: np.ndarray) -> np.ndarray:
    """x ** 4 as two squarings: NumPy's float32 ``** 4`` of negative numbers is ~60x slower."""
    x2 = x * x
    return x2 * x2


def render_sole(
    model: SoleModel,
    height: int,
    *,
    light: tuple[float, float] = (0.5, -0.7),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render a sole toe up, medial on the right (the canonical frame's layout).

    Parameters
    ----------
    model : SoleModel
    height : int
        Canvas height H (the sole's length in pixels); the width is H // 2.
    light : tuple of float
        (x, y) direction the light comes from in the canvas, image axes.

    Returns
    -------
    rgb : (H, W, 3) float32 ndarray
        Colour in [0, 1] (meaningful where `alpha` > 0).
    alpha : (H, W) float32 ndarray
        Anti-aliased coverage of the sole.
    mask : (H, W) bool ndarray
        The sole (outline including the midsole rim).
    """
    rgba, c0, alpha, mask = render_sole_columns(model, height, light=light)
    rgb = np.zeros(alpha.shape + (3,), np.float32)
    rgb[:, c0:c0 + rgba.shape[1]] = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
    return rgb, alpha, mask


def render_sole_columns(
    model: SoleModel,
    height: int,
    *,
    light: tuple[float, float] = (0.5, -0.7),
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """`render_sole` as one RGBA array, only for the canvas columns the sole covers.

    The photo composer warps just these columns (`alpha` is zero outside
    them), colour and coverage together in one 4-channel warp, which OpenCV
    does faster than a 3-channel and a 1-channel one (`props.warp_rgba`).

    Parameters
    ----------
    model : SoleModel
    height : int
        Canvas height H; the width is H // 2.
    light : tuple of float
        (x, y) direction the light comes from in the canvas, image axes.

    Returns
    -------
    rgba : (H, c1 - c0, 4) float32 ndarray
        Colour in [0, 1] and coverage (`alpha`) of canvas columns c0 .. c1 - 1.
    c0 : int
        First canvas column of `rgba`.
    alpha : (H, W) float32 ndarray
        Anti-aliased coverage of the sole on the whole canvas (zero outside
        the columns of `rgba`).
    mask : (H, W) bool ndarray
        The sole (outline including the midsole rim).
    """
    rng = np.random.default_rng(model.noise_seed)
    outline = place_outline(model.outline, height)
    h, w = outline.shape
    # Work only on the columns the sole covers (about three quarters of the canvas).
    cols = np.flatnonzero(outline.alpha.any(axis=0))
    c0, c1 = (max(int(cols[0]) - 2, 0), min(int(cols[-1]) + 3, w)) if len(cols) else (0, w)
    wc = c1 - c0
    sole_mask = outline.mask[:, c0:c1]
    px_mm = model.length_mm / h
    xs = (np.arange(c0, c1, dtype=np.float32) + 0.5 - outline.axis_x) * px_mm
    ys = (h - np.arange(h, dtype=np.float32) - 0.5) * px_mm
    x_mm = np.broadcast_to(xs[None, :], (h, wc))
    y_mm = np.broadcast_to(ys[:, None], (h, wc))
    u = y_mm / model.length_mm
    v = across_coordinate(model.outline, outline, columns=(c0, c1))

    # Pad so the canvas border (which the toe and heel touch) counts as outside.
    mask_u8 = cv2.copyMakeBorder(sole_mask.astype(np.uint8), 2, 2, 2, 2, cv2.BORDER_CONSTANT,
                                 value=0)
    dist = cv2.distanceTransform(mask_u8, cv2.DIST_L2, 3)[2:-2, 2:-2]  # px inside the outline
    # The midsole flares at the heel and under the ball, so its rim shows wider there.
    u_rows = (h - np.arange(h, dtype=np.float32) - 0.5) / h
    flare = (1.0 + 0.9 * np.exp(-u_rows / 0.12) + 0.3 * np.exp(-((u_rows - 0.7) / 0.1) ** 2))
    rim_px = (model.rim_mm / px_mm) * flare[:, None]  # (H, 1)

    height_map = tread_height(model.tread, x_mm, y_mm, px_mm=px_mm)
    if model.flex:
        height_map = np.minimum(height_map, flex_groove_overlay(
            y_mm, x_mm, rng, length_mm=model.length_mm, px_mm=px_mm))
    if model.rings:
        centre = (0.35 * model.outline.width * model.length_mm * 0.5, 0.7 * model.length_mm)
        rings, inside = pivot_rings(x_mm, y_mm, centre, radius=0.22 * model.outline.width
                                    * model.length_mm, px_mm=px_mm)
        height_map = np.where(inside, rings, height_map)
    logo = _logo_mask(model, (h, w), outline.axis_x)[:, c0:c1]
    second, foam_area = _layout_maps(model, u, v)
    # Bare foam carries only a shallow moulded texture.
    height_map = np.where(foam_area, 0.75 + 0.25 * height_map, height_map)
    height_map = np.maximum(height_map, logo * 0.95)

    # The rubber meets the rim in a narrow groove, then the rim is flat.
    tread_zone = dist > rim_px
    edge_groove = np.clip(np.abs(dist - rim_px) / max(0.8 / px_mm, 0.8), 0.0, 1.0)
    height_map = np.where(tread_zone, np.minimum(height_map, 0.35 + 0.65 * edge_groove), 1.0)

    wear = cv2.resize(model.field, (w, h), interpolation=cv2.INTER_LINEAR)[:, c0:c1]
    # Tread depth goes fastest at first (lug edges round off), so mid levels read clearly.
    wear = np.sqrt(wear) * np.sqrt(np.sqrt(wear))  # wear ** 0.75, cheaper than np.power
    wear = np.where(tread_zone, wear, wear * 0.35)
    period_px = model.tread.period / px_mm
    sigma = max(0.2 * period_px, 0.6)
    blurred = cv2.GaussianBlur(height_map, (0, 0), sigma)
    rounded = height_map + (blurred - height_map) * np.clip(1.5 * wear, 0.0, 1.0)
    top = 1.0 - wear
    surface = np.minimum(rounded, top)
    groove = np.clip(top - surface, 0.0, 1.0)
    worn_flat = np.clip((rounded - top) / 0.12, 0.0, 1.0) * _smoothstep(0.04, 0.3, wear)

    # Colour is a per-pixel mix of a few paints: mixing weights keep it to 2-D arrays.
    palette = np.array([model.rubber, model.rubber2, model.foam, (0.5, 0.48, 0.45), model.dirt],
                       np.float32)  # (5, 3): rubber, rubber 2, foam, worn grey, dirt
    rubber_w = np.where(foam_area, 0.0, 1.0).astype(np.float32)
    second_w = rubber_w * second
    first_w = rubber_w - second_w
    foam_w = 1.0 - rubber_w
    if model.tread.groove_is_foam:
        gf = 1.0 - _smoothstep(0.2, 0.6, height_map)
        foam_w = foam_w + (first_w + second_w) * gf
        first_w = first_w * (1.0 - gf)
        second_w = second_w * (1.0 - gf)
    # Worn rubber loses its fresh finish and drifts towards a dusty mid grey; ground-in
    # dust settles in what is left of the grooves, so a worn area looks uniform.
    fade = np.clip(0.6 * _smoothstep(0.03, 0.6, wear) + 0.4 * worn_flat, 0.0, 0.9) * 0.55
    # (`scene.noise` upsamples coarse grids in two cheap steps; for fields this smooth that
    # is as good as one bicubic step.)
    blotch = 0.07 * noise(rng, (h, wc), (9, 5)) + 0.025 * noise(rng, (h, wc), (30, 15))
    show = _smoothstep(0.66, 1.0, wear + blotch) * tread_zone  # foam showing through
    keep = (1.0 - fade) * (1.0 - show)
    grey_w = fade * (1.0 - show)
    first_w *= keep
    second_w *= keep
    foam_w = foam_w * keep + show
    rim = ~tread_zone
    rim_is_rubber = model.outline.style in ("loose", "court")
    first_w[rim] = 1.0 if rim_is_rubber else 0.0
    second_w[rim] = 0.0
    foam_w[rim] = 0.0 if rim_is_rubber else 1.0
    grey_w[rim] = 0.0
    d = model.dirt_level * 0.8 * groove
    clean = 1.0 - d
    weights = (first_w * clean, second_w * clean, foam_w * clean, grey_w * clean, d)

    # Relief shading from the worn height map.
    z = surface * (model.depth_mm / px_mm)
    z = np.where(sole_mask, z, 0.0).astype(np.float32)
    gx = cv2.Sobel(z, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(z, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    lx, ly = float(light[0]), float(light[1])
    lz = 0.9
    norm = math.sqrt(lx * lx + ly * ly + lz * lz)  # a Python float keeps the maps float32
    ndotl = (-gx * lx - gy * ly + lz) / (np.sqrt(gx * gx + gy * gy + 1.0) * norm)
    shade = 0.4 + 0.6 * np.clip(ndotl, 0.0, 1.2) / (lz / norm)
    shade *= 1.0 - 0.45 * groove  # grooves sit in shadow
    bevel = np.clip(dist / np.maximum(rim_px * 1.3, 2.0), 0.0, 1.0)
    with np.errstate(divide="ignore"):  # log(0) = -inf, and exp(-inf) = 0 as 0 ** 0.7
        bevel = 0.55 + 0.45 * np.exp(0.7 * np.log(bevel))  # ** 0.7; NumPy's pow is slower
    shade *= bevel
    grain = 1.0 + 0.05 * noise(rng, (h, wc), (h // 2 + 2, w // 2 + 2)) * (1.0 - worn_flat)
    # Abrasion streaks run along the sole where the rubber has been ground smooth.
    grain += 0.025 * noise(rng, (h, wc), (h // 24 + 2, w // 4 + 2)) * worn_flat
    grain += _scuffs(rng, wear, tread_zone, px_mm)
    shine = 0.11 * worn_flat * np.clip(ndotl, 0.0, 1.0)
    shade *= grain

    # Colour is a per-pixel mix of a few paints, shaded and lit. Each channel is built as a
    # 2-D plane (scaleAdd: one pass per paint) and the planes merged at the end: NumPy
    # passes over (H, W, 3) with a (H, W, 1) operand are several times slower.
    planes = []
    for c in range(3):
        acc = weights[0] * palette[0, c]
        for k in range(1, 5):
            cv2.scaleAdd(weights[k], float(palette[k, c]), acc, dst=acc)
        acc *= shade
        acc += shine
        np.clip(acc, 0.0, 1.0, out=acc)
        planes.append(acc)
    rgba = cv2.merge(planes + [np.ascontiguousarray(outline.alpha[:, c0:c1])])
    return rgba, c0, outline.alpha, outline.mask
