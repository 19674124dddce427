"""Backgrounds a sole is photographed on.

Each surface is a float32 RGB image in [0, 1] made from a few layers of
band-limited noise, cheap enough to make one per photo.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Surfaces `background` can draw, with how often each is drawn.
SURFACES: dict[str, float] = {
    "wood": 0.14,
    "tiles": 0.12,
    "carpet": 0.1,
    "concrete": 0.12,
    "paper": 0.1,
    "cardboard": 0.08,
    "grass": 0.06,
    "cloth": 0.09,
    "steel": 0.06,
    "asphalt": 0.06,
    "wall": 0.07,
}


def noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]
          ) -> np.ndarray:
    """Band-limited noise in about [-1, 1].

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
        (H, W) of the result.
    cells : tuple of int
        (rows, cols) of the coarse random grid that is upsampled.

    Returns
    -------
    (H, W) float32 ndarray
    """
    coarse = rng.uniform(-1.0, 1.0, size=(max(int(cells[0]), 2), max(int(cells[1]), 2)))
    coarse = coarse.astype(np.float32)
    h, w = shape
    ch, cw = coarse.shape
    if h >= 8 * ch and w >= 8 * cw and h >= 64 and w >= 64:
        # Bicubic to a quarter of the size, then bilinear: smooth and four times cheaper.
        mid = cv2.resize(coarse, (w // 4, h // 4), interpolation=cv2.INTER_CUBIC)
        return cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


_FINE: list[np.ndarray] = []


def _fine(rng: np.random.Generator, shape: tuple[int, int], factor: int = 2) -> np.ndarray:
    """Pixel-scale Gaussian noise at 1/factor resolution: a random crop of a fixed tile."""
    if not _FINE:
        _FINE.append(np.random.default_rng(4321).standard_normal((1400, 1400), np.float32))
    tile = _FINE[0]
    h, w = shape
    gh, gw = h // factor + 1, w // factor + 1
    if gh > tile.shape[0] or gw > tile.shape[1]:
        tile = np.tile(tile, (-(-gh // tile.shape[0]), -(-gw // tile.shape[1])))
    oy = int(rng.integers(0, tile.shape[0] - gh + 1))
    ox = int(rng.integers(0, tile.shape[1] - gw + 1))
    small = tile[oy:oy + gh, ox:ox + gw]
    if rng.random() < 0.5:
        small = small.T if small.shape[0] == small.shape[1] else small[::-1]
    return cv2.resize(np.ascontiguousarray(small), (w, h), interpolation=cv2.INTER_LINEAR)


def _jitter(rng: np.random.Generator, colour, amount: float = 0.05) -> np.ndarray:
    return np.clip(np.asarray(colour, np.float32) + rng.normal(0, amount, 3), 0.02, 0.98
                   ).astype(np.float32)


def colourise(gray: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """An RGB image ``gray * colour``.

    Parameters
    ----------
    gray : (H, W) float ndarray
    colour : (3,) float

    Returns
    -------
    (H, W, 3) float32 ndarray
    """
    return _mix([np.asarray(gray, np.float32)], np.asarray(colour, np.float64).reshape(3, 1))


def _mix(planes: list[np.ndarray], matrix: np.ndarray) -> np.ndarray:
    """RGB image whose channel c is ``sum_k matrix[c, k] * planes[k]``.

    Each channel is made as a 2-D plane (cv2.scaleAdd adds a term in one pass) and the
    three merged: cheaper than NumPy passes over (H, W, 3) with a (H, W, 1) operand, and
    than cv2.transform, which has no fast path from one or two channels to three.

    Parameters
    ----------
    planes : list of (H, W) float32 ndarray
    matrix : (3, K) float ndarray
        K is the number of planes.

    Returns
    -------
    (H, W, 3) float32 ndarray
    """
    out = []
    for row in np.asarray(matrix, np.float64).tolist():
        acc = planes[0] * np.float32(row[0])
        for plane, weight in zip(planes[1:], row[1:], strict=True):
            cv2.scaleAdd(plane, weight, acc, dst=acc)
        out.append(acc)
    return cv2.merge(out)


def _wood(rng, shape):
    h, w = shape
    vertical = rng.random() < 0.5
    length, across = (h, w) if vertical else (w, h)
    n = int(rng.integers(3, 9))
    base = _jitter(rng, rng.choice([[0.55, 0.38, 0.22], [0.7, 0.55, 0.38], [0.4, 0.26, 0.16],
                                    [0.78, 0.68, 0.52]]), 0.04)
    edges = np.sort(rng.uniform(0, across, n - 1))
    idx = np.searchsorted(edges, np.arange(across))
    tone = rng.uniform(0.82, 1.12, n).astype(np.float32)[idx]  # (across,)
    seam = np.zeros(across, np.float32)
    for e in edges:
        seam += np.exp(-0.5 * ((np.arange(across, dtype=np.float32) - e) / 1.2) ** 2)
    profile = tone * (1.0 - 0.5 * np.clip(seam, 0, 1))  # (across,)
    # Grain runs along the planks: long cells along, narrow across.
    cells = (6, across // 3) if vertical else (across // 3, 6)
    grain = noise(rng, (h, w), cells)
    field = 1.0 + 0.12 * grain
    field *= profile[None, :] if vertical else profile[:, None]
    return colourise(field, base)


def _tiles(rng, shape):
    h, w = shape
    size = rng.uniform(0.12, 0.45) * max(h, w)
    base = _jitter(rng, rng.choice([[0.85, 0.84, 0.8], [0.55, 0.55, 0.56], [0.7, 0.6, 0.5],
                                    [0.3, 0.3, 0.32], [0.8, 0.75, 0.65]]), 0.04)
    grout = _jitter(rng, [0.5, 0.48, 0.45], 0.1)
    # Square tiles are drawn axis-aligned from 1-D profiles, then the frame is turned a little.
    angle = float(rng.uniform(-12.0, 12.0))
    pad = int(0.12 * max(h, w)) + 2
    ph, pw = h + 2 * pad, w + 2 * pad
    fy = np.arange(ph, dtype=np.float32) / size + rng.uniform(0, 1)
    fx = np.arange(pw, dtype=np.float32) / size + rng.uniform(0, 1)
    tones = rng.uniform(0.9, 1.08, 17).astype(np.float32)
    # Tile (row i, column j) has tone (13 i + 7 j) mod 17. Only 17 distinct rows of tones
    # exist, so build those and copy whole rows (a per-pixel lookup is far slower).
    row_id = (np.floor(fy).astype(np.int32) * 13) % 17
    col_id = (np.floor(fx).astype(np.int32) * 7) % 17
    tone_rows = tones[(np.arange(17)[:, None] + col_id[None, :]) % 17]  # (17, pw)
    gap = (1.5 + rng.uniform(0, 2.0)) / size
    line_y = (np.abs(fy - np.round(fy)) < gap).astype(np.float32)
    line_x = (np.abs(fx - np.round(fx)) < gap).astype(np.float32)
    line = np.maximum(line_y[:, None], line_x[None, :])  # grout where either is 1
    mottled = noise(rng, (ph, pw), (12, 12))
    mottled *= 0.05
    mottled += 1.0
    mottled *= tone_rows[row_id]
    m = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, 1.0)
    m[:, 2] -= pad
    mottled = cv2.warpAffine(mottled, m, (w, h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT)
    line = cv2.warpAffine(line, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # colour = mottled * (1 - line) * base + line * grout
    mottled -= mottled * line
    return _mix([mottled, line], np.stack([base, grout], axis=1))


def _carpet(rng, shape):
    base = _jitter(rng, rng.choice([[0.45, 0.4, 0.35], [0.3, 0.32, 0.4], [0.55, 0.3, 0.28],
                                    [0.6, 0.58, 0.55], [0.25, 0.3, 0.25]]), 0.05)
    field = 1.0 + 0.22 * _fine(rng, shape, 1) * 0.6 + 0.08 * noise(rng, shape, (8, 8))
    return colourise(field, base)


def _concrete(rng, shape):
    base = _jitter(rng, [0.55, 0.54, 0.52], 0.06)
    field = (1.0 + 0.1 * noise(rng, shape, (6, 6)) + 0.05 * noise(rng, shape, (40, 40))
             + 0.05 * _fine(rng, shape, 1))
    return colourise(field, base)


def _paper(rng, shape):
    base = _jitter(rng, rng.choice([[0.93, 0.93, 0.92], [0.95, 0.93, 0.86], [0.88, 0.9, 0.93]]),
                   0.02)
    field = 1.0 + 0.03 * noise(rng, shape, (3, 3)) + 0.01 * _fine(rng, shape, 2)
    img = colourise(field, base)
    if rng.random() < 0.3:  # graph paper
        h, w = shape
        step = int(rng.integers(12, 40))
        img[::step, :] *= 0.85
        img[:, ::step] *= 0.85
    return img


def _cardboard(rng, shape):
    base = _jitter(rng, [0.72, 0.58, 0.4], 0.04)
    h, w = shape
    field = 1.0 + 0.06 * noise(rng, shape, (4, 4)) + 0.03 * _fine(rng, shape, 2)
    img = colourise(field, base)
    if rng.random() < 0.5:  # a seam or tape line across the box
        y = int(rng.integers(h // 5, 4 * h // 5))
        img[y:y + max(2, h // 200)] *= 0.8
    return img


def _grass(rng, shape):
    base = _jitter(rng, [0.25, 0.45, 0.15], 0.05)
    h, w = shape
    blades = noise(rng, shape, (h // 3, w // 14)) * 0.5 + noise(rng, shape, (h // 14, w // 3)) * 0.5
    field = 1.0 + 0.35 * blades + 0.2 * noise(rng, shape, (6, 6))
    img = colourise(field, base)
    img[..., 0] += 0.08 * np.clip(noise(rng, shape, (5, 5)), 0, 1)  # dry patches
    return img


def _cloth(rng, shape):
    h, w = shape
    base = _jitter(rng, rng.choice([[0.92, 0.92, 0.9], [0.8, 0.85, 0.9], [0.9, 0.85, 0.75]]),
                   0.03)
    folds = 1.0 + 0.08 * noise(rng, shape, (4, 5))
    motif = _jitter(rng, rng.choice([[0.2, 0.45, 0.2], [0.2, 0.2, 0.25], [0.7, 0.2, 0.2],
                                     [0.2, 0.3, 0.6]]), 0.06)
    step = int(rng.uniform(0.05, 0.12) * max(h, w))
    r = max(int(step * rng.uniform(0.12, 0.25)), 2)
    layer = np.zeros(shape, np.uint8)
    ys = list(range(-step, h + step, step))
    xs = list(range(-step, w + step, step))
    jit = rng.integers(-step // 6, step // 6 + 1, size=(len(ys), len(xs), 2))
    angs = rng.uniform(0, 180, size=(len(ys), len(xs)))
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            cx = x + (step // 2 if j % 2 else 0) + int(jit[j, i, 0])
            cy = y + int(jit[j, i, 1])
            cv2.ellipse(layer, (cx, cy), (r, int(r * 1.5)), float(angs[j, i]), 0, 360, 255, -1,
                        cv2.LINE_AA)
            if i % 3 == 0:
                cv2.circle(layer, (cx, cy), max(r // 3, 1), 120, -1, cv2.LINE_AA)
    a = layer.astype(np.float32) * np.float32(1.0 / 255.0)
    # colour = folds * ((1 - a) * base + a * motif) = folds * base + folds * a * (motif - base)
    return _mix([folds, folds * a], np.stack([base, motif - base], axis=1))


def _steel(rng, shape):
    h, w = shape
    base = _jitter(rng, [0.45, 0.47, 0.5], 0.05)
    brushed = noise(rng, shape, (h // 2, 4))
    field = 1.0 + 0.06 * brushed + 0.1 * noise(rng, shape, (3, 3)) + 0.02 * _fine(rng, shape, 1)
    img = colourise(field, base)
    for _ in range(int(rng.integers(0, 8))):  # marks and scratches
        p0 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p1 = (p0[0] + int(rng.integers(-w // 8, w // 8)),
              p0[1] + int(rng.integers(-h // 30, h // 30)))
        cv2.line(img, p0, p1, tuple(float(x) for x in base * 0.5), int(rng.integers(1, 4)))
    return img


def _asphalt(rng, shape):
    base = _jitter(rng, [0.25, 0.25, 0.26], 0.04)
    field = 1.0 + 0.35 * _fine(rng, shape, 1) * 0.6 + 0.1 * noise(rng, shape, (5, 5))
    return colourise(field, base)


def _wall(rng, shape):
    base = _jitter(rng, rng.choice([[0.9, 0.88, 0.84], [0.75, 0.8, 0.82], [0.85, 0.78, 0.65],
                                    [0.6, 0.62, 0.6]]), 0.04)
    field = 1.0 + 0.04 * noise(rng, shape, (3, 3)) + 0.02 * _fine(rng, shape, 1)
    return colourise(field, base)


_SURFACE_FUNCS = {
    "wood": _wood, "tiles": _tiles, "carpet": _carpet, "concrete": _concrete, "paper": _paper,
    "cardboard": _cardboard, "grass": _grass, "cloth": _cloth, "steel": _steel,
    "asphalt": _asphalt, "wall": _wall,
}


def background(rng: np.random.Generator, shape: tuple[int, int], *, surface: str | None = None
               ) -> tuple[np.ndarray, str]:
    """Draw a surface to photograph a sole on.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
        (H, W) in pixels.
    surface : str or None
        One of `SURFACES`; None draws one.

    Returns
    -------
    image : (H, W, 3) float32 ndarray
        RGB in [0, 1].
    surface : str
        The surface drawn.
    """
    if surface is None:
        names = list(SURFACES)
        p = np.array([SURFACES[n] for n in names])
        surface = names[int(rng.choice(len(names), p=p / p.sum()))]
    if surface not in _SURFACE_FUNCS:
        raise ValueError(f"surface must be one of {tuple(SURFACES)}, got {surface!r}")
    img = np.asarray(_SURFACE_FUNCS[surface](rng, shape), np.float32)
    np.clip(img, 0.0, 1.0, out=img)
    return img, surface
