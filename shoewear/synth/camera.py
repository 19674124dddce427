"""What the camera does to a scene: light, perspective, lens, blur, noise, JPEG."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from .scene import noise

_GRAIN: dict[int, np.ndarray] = {}


def _grain_tile(size: int) -> np.ndarray:
    """A fixed tile of unit Gaussian noise, made once per process (crops of it vary)."""
    if size not in _GRAIN:
        _GRAIN[size] = np.random.default_rng(1234).standard_normal(
            (size, size, 3), dtype=np.float32)
    return _GRAIN[size]


def light_field(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Light falling off across the frame with vignetting, plus a colour cast and exposure.

    Parameters
    ----------
    shape : tuple of int
        (H, W) of the image.

    Returns
    -------
    gain : (H, W) float32 ndarray
        Brightness factor per pixel.
    cast : (3,) float32 ndarray
        Per-channel factor (white balance times exposure); apply it with `to_uint8`.
    """
    h, w = shape
    sh, sw = h // 8 + 2, w // 8 + 2  # light varies slowly: work at 1/8 size
    gain = 1.0 + rng.uniform(0.0, 0.35) * noise(rng, (sh, sw), (2, 2))
    if rng.random() < 0.6:
        ys = (np.arange(sh, dtype=np.float32) - sh / 2) / (0.5 * max(sh, sw))
        xs = (np.arange(sw, dtype=np.float32) - sw / 2) / (0.5 * max(sh, sw))
        gain *= 1.0 - rng.uniform(0.05, 0.35) * (ys[:, None] ** 2 + xs[None, :] ** 2)
    gain = cv2.resize(gain.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    cast = np.clip(rng.normal(1.0, 0.06, 3), 0.8, 1.2).astype(np.float32)
    cast *= np.float32(rng.uniform(0.75, 1.2))  # exposure
    return gain, cast


def to_uint8(image: np.ndarray, cast: np.ndarray) -> np.ndarray:
    """Apply a per-channel factor and quantise to 8 bits (rounded, saturated).

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
        RGB, nominally in [0, 1].
    cast : (3,) float ndarray

    Returns
    -------
    (H, W, 3) uint8 ndarray
    """
    # One pass: a per-channel scalar product whose 8-bit output OpenCV rounds and saturates.
    factors = [float(c) * 255.0 for c in np.asarray(cast, np.float64).reshape(3)]
    return cv2.multiply(np.ascontiguousarray(image, np.float32), (*factors, 0.0),
                        dtype=cv2.CV_8U)


def glare(rng: np.random.Generator, image: np.ndarray, *, where: np.ndarray | None = None
          ) -> np.ndarray:
    """Add one to three soft specular highlights (a flash or a lamp), in place.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
    where : (H, W) bool ndarray or None
        Preferred area for the highlights (e.g. the sole); None anywhere.
    """
    h, w = image.shape[:2]
    f = 4  # highlights are soft: draw and blur them at a quarter of the size
    layer = np.zeros((h // f + 1, w // f + 1), np.float32)
    ys, xs = (np.nonzero(where) if where is not None and where.any() else (None, None))
    for _ in range(int(rng.integers(1, 4))):
        if ys is not None:
            i = int(rng.integers(len(ys)))
            c = (int(xs[i]) // f, int(ys[i]) // f)
        else:
            c = (int(rng.integers(w)) // f, int(rng.integers(h)) // f)
        axes = (int(rng.uniform(0.006, 0.04) * max(h, w) / f) + 1,
                int(rng.uniform(0.003, 0.02) * max(h, w) / f) + 1)
        cv2.ellipse(layer, c, axes, float(rng.uniform(0, 180)), 0, 360,
                    float(rng.uniform(0.25, 0.9)), -1)
    sigma = max(h, w) * rng.uniform(0.004, 0.015) / f + 0.5
    layer = cv2.resize(cv2.GaussianBlur(layer, (0, 0), sigma), (w, h),
                       interpolation=cv2.INTER_LINEAR)
    blue = np.float32(rng.uniform(1.0, 1.15))  # a flash is a little cold
    # Three planes merged: NumPy broadcasting a (H, W, 1) operand is several times slower.
    image += cv2.merge([layer, layer, layer * blue])
    return image


def scratched_plate(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Fine bright scratches over the whole frame, as when shooting through acrylic, in place."""
    h, w = image.shape[:2]
    layer = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(20, 120))):
        x, y = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        ang = float(rng.uniform(0, np.pi))
        ln = float(rng.uniform(0.02, 0.3) * max(h, w))
        p0 = (int(x - np.cos(ang) * ln / 2), int(y - np.sin(ang) * ln / 2))
        p1 = (int(x + np.cos(ang) * ln / 2), int(y + np.sin(ang) * ln / 2))
        cv2.line(layer, p0, p1, float(rng.uniform(0.05, 0.35)), 1, cv2.LINE_AA)
    image += cv2.cvtColor(layer, cv2.COLOR_GRAY2RGB)
    return image


def perspective_matrix(rng: np.random.Generator, shape: tuple[int, int], *, strength: float
                       ) -> np.ndarray:
    """A mild perspective warp that keeps the frame filled.

    The output frame's corners sample points pulled inside the source frame,
    so no border ever shows.

    Returns
    -------
    (3, 3) float64 ndarray
        Maps source pixel (x, y, 1) to output pixel coordinates.
    """
    h, w = shape
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    inset = rng.uniform(0.0, strength, (4, 2)) * np.array([w, h])
    src = dst + np.where(dst == 0, 1, -1) * inset.astype(np.float32)
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to (N, 2) points."""
    pts = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ matrix.T
    return pts[:, :2] / pts[:, 2:3]


def warp_perspective_box(image: np.ndarray, box: tuple[int, int, int, int], matrix: np.ndarray,
                         size: tuple[int, int]) -> np.ndarray:
    """``cv2.warpPerspective`` (bilinear, zero border) of a map that is zero outside a box.

    Only the part of the output the box can reach is computed, which for a
    sole's mask is a fraction of the frame.

    Parameters
    ----------
    image : (H, W) or (H, W, C) float32 ndarray
        Zero outside `box`.
    box : tuple of int
        (x0, y0, x1, y1) in `image` pixels.
    matrix : (3, 3) float ndarray
        Homography from `image` pixels to output pixels (a mild one: the box
        stays on the near side of the horizon).
    size : tuple of int
        (width, height) of the output.

    Returns
    -------
    (height, width) or (height, width, C) float32 ndarray
    """
    w, h = size
    out = np.zeros((h, w, *image.shape[2:]), image.dtype)
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return out
    corners = map_points(matrix, np.array([[x0 - 1, y0 - 1], [x1, y0 - 1], [x0 - 1, y1],
                                           [x1, y1]], np.float64))
    margin = 2  # bilinear taps and rounding
    ox0 = int(np.clip(np.floor(corners[:, 0].min()) - margin, 0, w))
    oy0 = int(np.clip(np.floor(corners[:, 1].min()) - margin, 0, h))
    ox1 = int(np.clip(np.ceil(corners[:, 0].max()) + margin + 1, 0, w))
    oy1 = int(np.clip(np.ceil(corners[:, 1].max()) + margin + 1, 0, h))
    if ox1 <= ox0 or oy1 <= oy0:
        return out
    # The same mapping between the two boxes' own pixel grids.
    local = (np.array([[1.0, 0.0, -ox0], [0.0, 1.0, -oy0], [0.0, 0.0, 1.0]]) @ matrix
             @ np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]]))
    out[oy0:oy1, ox0:ox1] = cv2.warpPerspective(np.ascontiguousarray(image[y0:y1, x0:x1]), local,
                                                (ox1 - ox0, oy1 - oy0), flags=cv2.INTER_LINEAR)
    return out


def barrel_maps(shape: tuple[int, int], k: float) -> tuple[np.ndarray, np.ndarray]:
    """Remap tables of a barrel (fisheye-like) lens distortion.

    Returns
    -------
    map_x, map_y : (H, W) float32 ndarray
        Source coordinates of every output pixel (for `cv2.remap`).
    """
    h, w = shape
    c = np.array([w / 2.0, h / 2.0], np.float32)
    norm = 0.5 * float(np.hypot(w, h))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = (xs - c[0]) / norm, (ys - c[1]) / norm
    r2 = dx * dx + dy * dy
    # Pull the corners in so the frame stays filled.
    f = (1.0 + k * r2) / (1.0 + k)
    return (c[0] + dx * f * norm).astype(np.float32), (c[1] + dy * f * norm).astype(np.float32)


def barrel_points(shape: tuple[int, int], k: float, points: np.ndarray) -> np.ndarray:
    """Where source points land under `barrel_maps` (solved by fixed-point iteration)."""
    h, w = shape
    c = np.array([w / 2.0, h / 2.0])
    norm = 0.5 * float(np.hypot(w, h))
    src = (np.asarray(points, np.float64) - c) / norm
    out = src.copy()
    for _ in range(20):
        r2 = (out**2).sum(axis=1, keepdims=True)
        out = src * (1.0 + k) / (1.0 + k * r2)
    return c + out * norm


def blur_and_noise(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Defocus or motion blur, then sensor noise.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray

    Returns
    -------
    (H, W, 3) float32 ndarray
    """
    r = rng.random()
    own = False  # whether `image` is a new array here that the noise may go into in place
    if r < 0.55:
        image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.3, 1.4)))
        own = True
    elif r < 0.65:
        n = int(rng.integers(3, 9))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0 / n
        m = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, m, (n, n))
        kernel /= max(kernel.sum(), 1e-6)
        image = cv2.filter2D(image, -1, kernel)
        own = True
    sigma = float(rng.uniform(0.003, 0.025))
    h, w = image.shape[:2]
    # Sensor noise: a random crop of a fixed noise tile, scaled by the scene's brightness.
    tile = _grain_tile(1408)
    if h > tile.shape[0] or w > tile.shape[1]:
        tile = np.tile(tile, (-(-h // tile.shape[0]), -(-w // tile.shape[1]), 1))
    oy = int(rng.integers(0, tile.shape[0] - h + 1))
    ox = int(rng.integers(0, tile.shape[1] - w + 1))
    level = sigma * (0.6 + float(image[::16, ::16].mean()))
    return cv2.scaleAdd(tile[oy:oy + h, ox:ox + w], level, image, dst=image if own else None)


def jpeg_round_trip(rgb: np.ndarray, quality: int, *, decode: bool = True
                    ) -> tuple[bytes, np.ndarray | None]:
    """Encode as JPEG and decode again, in memory.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
    quality : int
        JPEG quality, 1-95.
    decode : bool
        False skips decoding (when only the file is needed).

    Returns
    -------
    data : bytes
        The JPEG file.
    decoded : (H, W, 3) uint8 ndarray or None
        The image as a reader of `data` sees it.
    """
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    data = buf.getvalue()
    if not decode:
        return data, None
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    return data, decoded
