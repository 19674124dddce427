"""Anatomical sole outlines in the canonical frame.

An outline is drawn as a right sole seen from below, toe up: the medial side
(arch, big toe) lies at positive x, which is the picture's right. Lengths are
in units of the sole's length; ``u`` runs from the heel (0) to the toe tip (1).
A left sole is the mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Shoe styles the outline sampler knows; they shape width, arch and toe.
STYLES: tuple[str, ...] = ("road", "trail", "racing", "court", "loose")


@dataclass(frozen=True)
class OutlineParams:
    """Shape of one sole outline (all lengths as fractions of the sole length).

    Attributes
    ----------
    style : str
        One of `STYLES`.
    width : float
        Widest forefoot width.
    heel_width : float
        Heel width as a fraction of `width`.
    medial_share : float
        Share of the forefoot width on the medial side of the axis.
    arch_medial, arch_lateral : float
        Depth of the arch concavity as a fraction of each side's half width.
    arch_u : float
        Centre of the arch concavity along u.
    ball_u : float
        Where the forefoot is widest.
    toe_lean : float
        Medial shift of the toe tip.
    heel_cap : float
        Length of the rounded heel cap.
    toe_cap_medial, toe_cap_lateral : float
        Length of the rounded toe cap on each side (the lateral one is longer,
        so the toe box leans medially).
    """

    style: str
    width: float
    heel_width: float
    medial_share: float
    arch_medial: float
    arch_lateral: float
    arch_u: float
    ball_u: float
    toe_lean: float
    heel_cap: float
    toe_cap_medial: float
    toe_cap_lateral: float


def sample_outline(rng: np.random.Generator, *, style: str | None = None) -> OutlineParams:
    """Draw a random outline of a given or random style.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    style : str or None
        One of `STYLES`; None picks one.

    Returns
    -------
    OutlineParams
    """
    drawn = str(rng.choice(STYLES, p=[0.42, 0.2, 0.14, 0.12, 0.12]))  # keeps streams aligned
    style = drawn if style is None else style
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    width = {"road": (0.355, 0.405), "trail": (0.37, 0.42), "racing": (0.32, 0.36),
             "court": (0.35, 0.40), "loose": (0.34, 0.40)}[style]
    arch_m = {"road": (0.28, 0.5), "trail": (0.2, 0.38), "racing": (0.35, 0.55),
              "court": (0.12, 0.28), "loose": (0.25, 0.5)}[style]
    return OutlineParams(
        style=style,
        width=float(rng.uniform(*width)),
        heel_width=float(rng.uniform(0.62, 0.74)),
        medial_share=float(rng.uniform(0.47, 0.53)),
        arch_medial=float(rng.uniform(*arch_m)),
        arch_lateral=float(rng.uniform(0.02, 0.1)),
        arch_u=float(rng.uniform(0.41, 0.48)),
        ball_u=float(rng.uniform(0.66, 0.73)),
        toe_lean=float(rng.uniform(0.012, 0.035)),
        heel_cap=float(rng.uniform(0.09, 0.14)),
        toe_cap_medial=float(rng.uniform(0.1, 0.16)),
        toe_cap_lateral=float(rng.uniform(0.22, 0.3)),
    )


def _smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def outline_edges(params: OutlineParams, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lateral and medial edge positions at each `u`.

    Parameters
    ----------
    params : OutlineParams
    u : (N,) float ndarray
        Positions along the sole, in [0, 1].

    Returns
    -------
    x_lateral, x_medial : (N,) float ndarray
        Edge x in sole lengths, medial positive; ``x_lateral <= x_medial``.
        The axis (x = 0) runs through the heel end.
    """
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    p = params
    fore = p.width
    heel = p.width * p.heel_width
    # Width along the sole: flat through the heel, widest at the ball, easing to the toe.
    knots_u = np.array([0.0, 0.16, 0.36, p.ball_u, 0.88, 1.0])
    knots_w = np.array([heel, heel * 1.01, heel + 0.55 * (fore - heel), fore, fore * 0.9,
                        fore * 0.72])
    base = np.interp(u, knots_u, knots_w)
    # Smooth the piecewise-linear profile with a short cosine blend on u.
    base = 0.5 * base + 0.25 * np.interp(np.clip(u - 0.05, 0, 1), knots_u, knots_w) \
        + 0.25 * np.interp(np.clip(u + 0.05, 0, 1), knots_u, knots_w)
    share = p.medial_share
    # The medial half takes a little more width towards the toe (big toe).
    med_share = share + 0.04 * _smoothstep(0.6, 1.0, u)
    hw_m = base * med_share
    hw_l = base * (1.0 - med_share)
    arch = np.exp(-0.5 * ((u - p.arch_u) / 0.105) ** 2)
    hw_m = hw_m * (1.0 - p.arch_medial * arch)
    hw_l = hw_l * (1.0 - p.arch_lateral * np.exp(-0.5 * ((u - p.arch_u - 0.03) / 0.1) ** 2))
    heel_t = np.clip((p.heel_cap - u) / p.heel_cap, 0.0, 1.0)
    heel_round = np.sqrt(1.0 - heel_t**2)
    tm = np.clip((u - (1.0 - p.toe_cap_medial)) / p.toe_cap_medial, 0.0, 1.0)
    tl = np.clip((u - (1.0 - p.toe_cap_lateral)) / p.toe_cap_lateral, 0.0, 1.0)
    hw_m = hw_m * heel_round * np.sqrt(1.0 - tm**2)
    hw_l = hw_l * heel_round * np.sqrt(1.0 - tl**1.6)
    centre = p.toe_lean * _smoothstep(0.55, 1.0, u)
    return centre - hw_l, centre + hw_m


@dataclass(frozen=True)
class CanvasOutline:
    """An outline placed on a canvas of the canonical proportions (H, H/2).

    Attributes
    ----------
    shape : tuple of int
        (H, W) of the canvas, W = H // 2.
    polygon : (N, 2) float ndarray
        Outline vertices (x, y) in canvas pixels.
    axis_x : float
        Canvas x of the sole's axis (x = 0 of `outline_edges`).
    alpha : (H, W) float32 ndarray
        Anti-aliased coverage in [0, 1].
    mask : (H, W) bool ndarray
        ``alpha >= 0.5``.
    """

    shape: tuple[int, int]
    polygon: np.ndarray
    axis_x: float
    alpha: np.ndarray
    mask: np.ndarray


def place_outline(params: OutlineParams, height: int) -> CanvasOutline:
    """Draw the outline on a canvas whose rows span the sole from toe to heel.

    The sole's length fills the canvas height exactly (heel at the bottom
    edge, toe tip at the top edge, as in the canonical frame) and its width
    is centred.

    Parameters
    ----------
    params : OutlineParams
    height : int
        Canvas height H in pixels; the width is H // 2.

    Returns
    -------
    CanvasOutline
    """
    h = int(height)
    w = h // 2
    t = np.linspace(0.0, np.pi, 181)
    u = 0.5 - 0.5 * np.cos(t)  # dense near both ends, where the outline turns fast
    x_lat, x_med = outline_edges(params, u)
    axis_x = w / 2.0 - 0.5 * (x_lat.min() + x_med.max()) * h
    y = (1.0 - u) * h
    xs = np.concatenate([axis_x + x_med * h, (axis_x + x_lat * h)[::-1]])
    ys = np.concatenate([y, y[::-1]])
    polygon = np.stack([xs, ys], axis=1)
    canvas = np.zeros((h, w), dtype=np.uint8)
    pts = np.round((polygon - 0.5) * 16).astype(np.int32)  # pixel centres at +0.5
    cv2.fillPoly(canvas, [pts], 255, lineType=cv2.LINE_AA, shift=4)
    alpha = canvas.astype(np.float32) / 255.0
    return CanvasOutline(shape=(h, w), polygon=polygon, axis_x=float(axis_x), alpha=alpha,
                         mask=alpha >= 0.5)


def across_coordinate(params: OutlineParams, outline: CanvasOutline, *,
                      columns: tuple[int, int] | None = None) -> np.ndarray:
    """Signed position across the sole for every canvas pixel.

    Parameters
    ----------
    params : OutlineParams
    outline : CanvasOutline
    columns : tuple of int or None
        (c0, c1): only canvas columns c0 .. c1 - 1 (a renderer that works on
        the sole's columns saves the rest); None for all.

    Returns
    -------
    (H, W) float32 ndarray
        -1 at the lateral edge, 0 on the row's midline, +1 at the medial edge
        (values beyond +-1 lie outside the sole); (H, c1 - c0) with `columns`.
    """
    h, w = outline.shape
    c0, c1 = (0, w) if columns is None else columns
    u = 1.0 - (np.arange(h) + 0.5) / h
    x_lat, x_med = outline_edges(params, u)
    mid = outline.axis_x + 0.5 * (x_lat + x_med) * h
    half = np.maximum(0.5 * (x_med - x_lat) * h, 0.5)
    xs = np.arange(c0, c1, dtype=np.float32) + 0.5
    return ((xs[None, :] - mid[:, None]) / half[:, None]).astype(np.float32)
