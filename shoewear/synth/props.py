"""Things that share a photo with a sole: cards, scale bars, hands, clutter, shoes from the side.

Each prop is drawn as a small RGB patch with an alpha map, then placed with
`blit`, which returns where it landed so callers can cut it out of a sole's
mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from .scene import noise

#: Skin tones (RGB in [0, 1]).
SKIN: tuple[tuple[float, float, float], ...] = (
    (0.93, 0.76, 0.64), (0.85, 0.64, 0.5), (0.72, 0.52, 0.38), (0.55, 0.38, 0.26),
    (0.38, 0.25, 0.17), (0.95, 0.8, 0.7),
)


def over(region: np.ndarray, src: np.ndarray, alpha: np.ndarray) -> None:
    """Composite `src` over `region` in place: region = src * alpha + region * (1 - alpha).

    Parameters
    ----------
    region : (h, w, 3) float32 ndarray
        Modified in place (may be a view into a bigger image).
    src : (h, w, 3) float32 ndarray, or (3,) colour
    alpha : (h, w) float32 ndarray
        Coverage in [0, 1].
    """
    src = np.asarray(src, np.float32)
    if src.ndim == 1:
        # Three constant planes merged: broadcasting a length-3 axis is several times slower.
        src = cv2.merge([np.full(region.shape[:2], c, np.float32) for c in src.tolist()])
    alpha = np.ascontiguousarray(alpha, np.float32)
    # OpenCV reads and writes a view with a row stride in place (no copy in, none out).
    out = cv2.blendLinear(np.ascontiguousarray(src), region, alpha, 1.0 - alpha, dst=region)
    if out is not region:  # an array OpenCV could not wrap: copy the result back
        region[...] = out


def modulate(region: np.ndarray, factor: np.ndarray) -> None:
    """Multiply every channel of `region` by a per-pixel factor, in place.

    Parameters
    ----------
    region : (h, w, 3) float32 ndarray
        Modified in place (may be a view into a bigger image).
    factor : (h, w) float32 ndarray
    """
    # Expanding the factor to three channels first (one cheap OpenCV pass) beats NumPy
    # broadcasting a (h, w, 1) operand, whose innermost loop is only three long.
    factor3 = cv2.cvtColor(np.ascontiguousarray(factor, np.float32), cv2.COLOR_GRAY2RGB)
    np.multiply(region, factor3, out=region)


def blit(image: np.ndarray, patch: np.ndarray, alpha: np.ndarray, centre: tuple[float, float],
         angle_deg: float, *, scale: float = 1.0) -> np.ndarray:
    """Paste a patch, rotated about its centre, onto an image in place.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
        Modified in place.
    patch : (h, w, 3) float32 ndarray
    alpha : (h, w) float32 ndarray
        Coverage of the patch in [0, 1].
    centre : tuple of float
        (x, y) in image pixels where the patch centre lands.
    angle_deg : float
        Counter-clockwise rotation on screen.
    scale : float
        Magnification of the patch (smooth props are drawn small and enlarged).

    Returns
    -------
    (H, W) float32 ndarray
        Coverage the patch left on the image.
    """
    cover = np.zeros(image.shape[:2], np.float32)
    landed = blit_box(image, patch, alpha, centre, angle_deg, scale=scale)
    if landed is not None:
        a, (x0, y0) = landed
        cover[y0:y0 + a.shape[0], x0:x0 + a.shape[1]] = a
    return cover


def blit_box(image: np.ndarray, patch: np.ndarray, alpha: np.ndarray,
             centre: tuple[float, float], angle_deg: float, *, scale: float = 1.0
             ) -> tuple[np.ndarray, tuple[int, int]] | None:
    """`blit`, returning the coverage only in the box the patch landed in.

    Callers that merge many covers save a full-frame array and pass per prop.

    Parameters
    ----------
    image, patch, alpha, centre, angle_deg, scale
        As for `blit`.

    Returns
    -------
    tuple or None
        ``(a, (x0, y0))``: coverage `a` (h', w') whose top-left pixel is image
        pixel (x0, y0); None when the patch misses the image.
    """
    H, W = image.shape[:2]
    h, w = alpha.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, float(scale))
    m[:, 2] += np.array(centre) - np.array([w / 2.0, h / 2.0])
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ m.T
    x0 = int(max(np.floor(corners[:, 0].min()), 0))
    y0 = int(max(np.floor(corners[:, 1].min()), 0))
    x1 = int(min(np.ceil(corners[:, 0].max()) + 1, W))
    y1 = int(min(np.ceil(corners[:, 1].max()) + 1, H))
    if x1 <= x0 or y1 <= y0:
        return None
    m[:, 2] -= (x0, y0)
    m[:, 2] -= m[:, :2].sum(axis=1)  # the rim shifts the patch's pixels by one
    rgba = with_rim(cv2.merge([*cv2.split(np.asarray(patch, np.float32)),
                               np.asarray(alpha, np.float32)]))
    rgb, a = warp_rgba(rgba, m, (x1 - x0, y1 - y0))
    over(image[y0:y1, x0:x1], rgb, a)
    return a, (x0, y0)


def with_rim(rgba: np.ndarray) -> np.ndarray:
    """Add a one-pixel rim that repeats the colour and has zero coverage, for `warp_rgba`.

    Parameters
    ----------
    rgba : (h, w, 4) float32 ndarray
        Colour and coverage.

    Returns
    -------
    (h + 2, w + 2, 4) float32 ndarray
        Pixel (x, y) of `rgba` is pixel (x + 1, y + 1) here.
    """
    out = cv2.copyMakeBorder(rgba, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    out[[0, -1], :, 3] = 0.0
    out[:, [0, -1], 3] = 0.0
    return out


def warp_rgba(rgba: np.ndarray, matrix: np.ndarray, size: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Warp colour and coverage together (bilinear), as a patch is pasted.

    The result equals warping the colour with a replicated border and the
    coverage with a zero one wherever the coverage is not zero, provided
    `rgba` has the rim `with_rim` adds: every such output pixel then samples
    the patch only. One 4-channel warp with a constant border is several
    times faster than those two (OpenCV's replicated border is slow where
    the output lies outside the patch, and three channels are slower than four).

    Parameters
    ----------
    rgba : (h, w, 4) float32 ndarray
        From `with_rim`.
    matrix : (2, 3) float ndarray
        `rgba` pixels to output pixels.
    size : tuple of int
        (width, height) of the output.

    Returns
    -------
    rgb : (height, width, 3) float32 ndarray
    alpha : (height, width) float32 ndarray
    """
    out = cv2.warpAffine(rgba, matrix, size, flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.cvtColor(out, cv2.COLOR_RGBA2RGB), cv2.extractChannel(out, 3)


def card(rng: np.random.Generator, width: int) -> tuple[np.ndarray, np.ndarray]:
    """An ID card or label in a sleeve, with printed lines and a handwritten number.

    Returns
    -------
    patch : (h, w, 3) float32 ndarray
    alpha : (h, w) float32 ndarray
    """
    w = max(int(width), 24)
    h = int(w * rng.uniform(1.2, 1.6)) if rng.random() < 0.6 else int(w * rng.uniform(0.55, 0.7))
    paper = np.clip(np.array([0.95, 0.95, 0.93]) + rng.normal(0, 0.02, 3), 0, 1)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (paper * 255).astype(np.uint8)
    ink = (25, 25, 38)
    m = max(w // 12, 2)
    cv2.rectangle(img, (m, m), (w - m, h - m), ink, max(w // 100, 1))
    for i in range(int(rng.integers(2, 5))):
        y = m * 2 + i * max(h // 10, 4)
        cv2.line(img, (m * 2, y), (int(w * rng.uniform(0.4, 0.85)), y), ink, max(w // 120, 1))
    text = "".join(rng.choice(list("0123456789/"), size=int(rng.integers(2, 7))))
    scale = w / 150.0
    cv2.putText(img, text, (m * 2, int(h * 0.75)), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, scale,
                ink, max(int(scale * 3), 1), cv2.LINE_AA)
    img = img.astype(np.float32) / 255.0
    if rng.random() < 0.5:  # a glossy plastic sleeve
        img += 0.12 * np.clip(noise(rng, (h, w), (2, 3)), 0, 1)[..., None]
    alpha = np.ones((h, w), np.float32)
    return np.clip(img, 0, 1), alpha


def ruler(rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """A forensic scale bar: white strip, black and white squares, ticks.

    Returns
    -------
    patch : (h, w, 3) float32 ndarray
        Long axis vertical.
    alpha : (h, w) float32 ndarray
    """
    h = max(int(length), 40)
    w = max(int(h * rng.uniform(0.045, 0.08)), 6)
    img = np.ones((h, w, 3), np.float32) * np.float32(rng.uniform(0.88, 0.97))
    step = max(h // int(rng.integers(18, 32)), 2)
    sq = max(w // 3, 1)
    for i, y in enumerate(range(0, h, step)):
        if i % 2 == 0:
            img[y:y + step, :sq] = 0.08
        img[y:y + 1, sq:sq + w // 3] = 0.1
    cv2.line(img, (w - 2, 0), (w - 2, h), (0.1, 0.1, 0.1), 1)
    return img, np.ones((h, w), np.float32)


def hand(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A hand seen from above with its forearm, fingertips at the top edge of the patch.

    Sometimes only the thumb reaches forward (the fingers hold the shoe from
    behind); sometimes the forearm wears a sleeve, sometimes the hand a glove.

    Returns
    -------
    patch : (h, w, 3) float32 ndarray
    alpha : (h, w) float32 ndarray
        The topmost covered row is the patch's first row.
    """
    s = max(int(size), 30)
    h, w = int(s * 2.6), int(s * 1.6)
    m = np.zeros((h, w), np.uint8)
    creases = np.zeros((h, w), np.uint8)
    palm_c = (w // 2, int(s * 1.12))
    palm_ax = (int(s * 0.4), int(s * 0.44))
    cv2.ellipse(m, palm_c, palm_ax, 0, 0, 360, 255, -1, cv2.LINE_AA)
    arm_w = int(s * rng.uniform(0.55, 0.7))
    cv2.rectangle(m, (palm_c[0] - arm_w // 2, palm_c[1]), (palm_c[0] + arm_w // 2, h), 255, -1)
    fw = max(int(s * 0.17), 2)
    thumb_only = rng.random() < 0.3
    spread = rng.uniform(0.0, 0.22)
    nails = []
    if not thumb_only:
        for i, frac in enumerate((0.52, 0.62, 0.58, 0.44)):
            base = np.array([palm_c[0] + (i - 1.5) * s * 0.19, palm_c[1] - s * 0.3])
            ang = (i - 1.5) * spread + rng.normal(0, 0.05)
            d = np.array([np.sin(ang), -np.cos(ang)])
            tip = base + d * frac * s
            width = fw * (1.0 if i < 3 else 0.85)
            cv2.line(m, tuple(int(x) for x in base), tuple(int(x) for x in tip), 255,
                     int(width), cv2.LINE_AA)
            for k in (0.45, 0.75):  # knuckle creases
                c = base + d * frac * s * k
                n = np.array([-d[1], d[0]]) * width * 0.35
                cv2.line(creases, tuple(int(x) for x in c - n), tuple(int(x) for x in c + n), 255,
                         max(int(width * 0.08), 1), cv2.LINE_AA)
            nails.append((tip - d * width * 0.35, width, ang))
    side = 1 if rng.random() < 0.5 else -1
    base = (palm_c[0] + side * int(s * 0.3), palm_c[1] - int(s * 0.05))
    reach = 0.55 if thumb_only else 0.38
    tip = (base[0] + side * int(s * (0.12 if thumb_only else 0.38)), base[1] - int(s * reach))
    cv2.line(m, base, tip, 255, int(fw * 1.25), cv2.LINE_AA)
    alpha = m.astype(np.float32) / 255.0
    skin = np.array(SKIN[int(rng.integers(len(SKIN)))], np.float32) + rng.normal(0, 0.03, 3)
    dist = cv2.distanceTransform((m > 127).astype(np.uint8), cv2.DIST_L2, 3)
    shade = 0.68 + 0.32 * np.clip(dist / (fw * 0.55), 0, 1)
    shade *= 1.0 - 0.25 * creases.astype(np.float32) / 255.0
    img = skin[None, None, :] * shade[..., None]
    if rng.random() < 0.7:
        for centre, width, ang in nails:
            cv2.ellipse(img, (int(centre[0]), int(centre[1])),
                        (max(int(width * 0.3), 1), max(int(width * 0.38), 1)),
                        float(np.rad2deg(ang)), 0, 360,
                        tuple(float(x) for x in np.clip(skin * 1.06 + 0.04, 0, 1)), -1)
    if rng.random() < 0.6:  # a sleeve over the forearm
        cuff = palm_c[1] + int(s * rng.uniform(0.5, 0.8))
        sleeve = rng.uniform(0.05, 0.9, 3).astype(np.float32)
        img[cuff:] = sleeve * shade[cuff:, :, None]
        alpha[cuff:] = np.maximum(alpha[cuff:], 0.0)
    if rng.random() < 0.15:  # a glove
        img = rng.uniform(0.1, 0.9, 3).astype(np.float32) * shade[..., None]
    rows = np.flatnonzero(alpha.max(axis=1) > 0.5)
    top = int(rows[0]) if len(rows) else 0
    return np.clip(img[top:], 0, 1).astype(np.float32), alpha[top:]


def clutter(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A random object: a phone, a cup, a pen, a box, a tool.

    Returns
    -------
    patch : (h, w, 3) float32 ndarray
    alpha : (h, w) float32 ndarray
    """
    s = max(int(size), 12)
    kind = int(rng.integers(4))
    colour = rng.uniform(0.05, 0.95, 3).astype(np.float32)
    if kind == 0:  # phone / box
        h, w = s, int(s * rng.uniform(0.4, 0.9))
        m = np.zeros((h, w), np.uint8)
        r = max(w // 8, 1)
        cv2.rectangle(m, (r, 0), (w - r, h), 255, -1)
        cv2.rectangle(m, (0, r), (w, h - r), 255, -1)
    elif kind == 1:  # cup / disc
        h = w = s
        m = np.zeros((h, w), np.uint8)
        cv2.circle(m, (w // 2, h // 2), s // 2 - 1, 255, -1, cv2.LINE_AA)
    elif kind == 2:  # pen / stick
        h, w = s, max(s // 12, 3)
        m = np.full((h, w), 255, np.uint8)
    else:  # an irregular blob (a bag, a tool)
        h = w = s
        m = np.zeros((h, w), np.uint8)
        ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        rad = s * 0.5 * rng.uniform(0.5, 0.95, 12)
        pts = np.stack([w / 2 + rad * np.cos(ang), h / 2 + rad * np.sin(ang)], 1)
        cv2.fillPoly(m, [pts.astype(np.int32)], 255, cv2.LINE_AA)
    alpha = m.astype(np.float32) / 255.0
    shade = 0.8 + 0.2 * noise(rng, (h, w), (2, 2))
    return np.clip(colour * shade[..., None], 0, 1).astype(np.float32), alpha


def _smooth_closed(points: np.ndarray, n: int = 200) -> np.ndarray:
    """A closed curve through control points (periodic Catmull-Rom), (n, 2)."""
    p = np.asarray(points, np.float64)
    k = len(p)
    t = np.linspace(0, k, n, endpoint=False)
    i = np.floor(t).astype(int)
    f = (t - i)[:, None]
    p0, p1, p2, p3 = p[(i - 1) % k], p[i % k], p[(i + 1) % k], p[(i + 2) % k]
    return 0.5 * (2 * p1 + (-p0 + p2) * f + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f**2
                  + (-p0 + 3 * p1 - 3 * p2 + p3) * f**3)


def side_shoe(rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """A sneaker seen from the side: upper, laces, midsole, a thin outsole edge; no tread face.

    Returns
    -------
    patch : (h, w, 3) float32 ndarray
        Toe pointing right.
    alpha : (h, w) float32 ndarray
    """
    L = max(int(length), 60)
    h = int(L * 0.46)
    mid = rng.uniform(0.13, 0.22)  # midsole height / h
    spring = rng.uniform(0.04, 0.12)  # toe spring
    collar = rng.uniform(0.0, 0.1)
    # Outline of the whole shoe, heel on the left, going round clockwise.
    ctrl = np.array([
        [0.02, 0.93], [0.01, 0.55], [0.03, 0.12 + collar], [0.1, 0.04], [0.2, 0.1 + collar],
        [0.3, 0.2], [0.45, 0.24], [0.62, 0.33], [0.8, 0.47], [0.93, 0.6 - spring],
        [0.995, 0.75 - spring], [0.97, 0.88 - spring], [0.85, 0.97 - spring * 0.5],
        [0.5, 0.985], [0.15, 0.985],
    ]) * np.array([L, h])
    outline = _smooth_closed(ctrl)
    m = np.zeros((h, L), np.uint8)
    cv2.fillPoly(m, [np.round(outline * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)
    alpha = m.astype(np.float32) / 255.0
    upper = rng.uniform(0.05, 0.95, 3).astype(np.float32)
    foam = np.clip(np.full(3, rng.uniform(0.55, 0.97)) + rng.normal(0, 0.04, 3), 0, 1)
    rubber = np.full(3, rng.uniform(0.05, 0.4), np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None] / h
    xs = np.arange(L, dtype=np.float32)[None, :] / L
    # The midsole band follows the bottom, rising with the toe spring.
    rise = spring * np.clip((xs - 0.7) / 0.3, 0, 1) ** 2
    band_top = 1.0 - mid - rise
    in_mid = ys > band_top
    in_rubber = ys > 0.975 - rise * 0.8
    img = np.empty((h, L, 3), np.float32)
    img[:] = upper
    img *= (0.86 + 0.08 * noise(rng, (h, L), (6, 12))
            + 0.03 * noise(rng, (h, L), (h // 3, L // 3)))[..., None]
    img = np.where(in_mid[..., None], foam.astype(np.float32), img)
    img = np.where(in_rubber[..., None], rubber, img)
    ink = tuple(float(x) for x in np.clip(upper * 0.5 + rng.uniform(0, 0.5, 3), 0, 1))
    for i in range(6):  # laces across the eyelet row
        x = int(L * (0.42 + i * 0.055))
        y = int(h * (0.22 + i * 0.045))
        cv2.line(img, (x, y), (x + int(L * 0.045), y + int(h * 0.06)), (0.92, 0.92, 0.9),
                 max(L // 140, 1), cv2.LINE_AA)
    cv2.ellipse(img, (int(L * 0.5), int(h * (0.62 - mid * 0.3))), (int(L * 0.2), int(h * 0.1)),
                float(rng.uniform(-5, 15)), 0, 180, ink, max(L // 70, 2), cv2.LINE_AA)
    cv2.line(img, (int(L * 0.03), int(h * 0.3)), (int(L * 0.14), int(h * 0.3)), ink,
             max(L // 120, 1), cv2.LINE_AA)  # heel tab stitching
    return np.clip(img, 0, 1).astype(np.float32), alpha
