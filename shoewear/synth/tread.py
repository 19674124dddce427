"""Tread families: height maps of outsole rubber patterns.

Every family is a function of position in millimetres on the sole that
returns a height in [0, 1] (1 = top of a lug, 0 = floor of a groove), with
sloped walls about one pixel wide so small renders do not alias too badly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Tread family names; `SynthSole.tread` is one of them.
TREAD_FAMILIES: tuple[str, ...] = (
    "herringbone",
    "hexagon",
    "bars",
    "lugs",
    "waffle",
    "zigzag",
    "pods",
    "flex_grooves",
    "diamond",
    "nubs",
)

#: Which families suit each shoe style (used when the family is drawn at random).
STYLE_FAMILIES: dict[str, tuple[str, ...]] = {
    "road": ("herringbone", "hexagon", "bars", "waffle", "zigzag", "pods", "flex_grooves",
             "diamond", "nubs"),
    "trail": ("lugs", "lugs", "hexagon", "waffle", "zigzag", "diamond", "bars"),
    "racing": ("herringbone", "bars", "nubs", "flex_grooves", "diamond", "pods", "hexagon"),
    "court": ("herringbone", "herringbone", "zigzag", "diamond", "nubs", "flex_grooves"),
    "loose": TREAD_FAMILIES,
}


@dataclass(frozen=True)
class TreadParams:
    """One tread pattern.

    Attributes
    ----------
    family : str
        One of `TREAD_FAMILIES`.
    period : float
        Main repeat length in mm.
    duty : float
        Share of a period that is lug (the rest is groove).
    angle : float
        Rotation of the pattern in radians.
    aspect : float
        Secondary shape factor (chevron slope, cell aspect, ...).
    offset : tuple of float
        Phase shift of the pattern in mm.
    groove_is_foam : bool
        True when the grooves show midsole foam (separate rubber pods).
    """

    family: str
    period: float
    duty: float
    angle: float
    aspect: float
    offset: tuple[float, float]
    groove_is_foam: bool = False


def sample_tread(
    rng: np.random.Generator, *, family: str | None = None, style: str = "road"
) -> TreadParams:
    """Draw a random tread of a given family, or of one that suits `style`.

    Returns
    -------
    TreadParams
    """
    drawn = str(rng.choice(STYLE_FAMILIES.get(style, TREAD_FAMILIES)))  # keeps streams aligned
    family = drawn if family is None else family
    if family not in TREAD_FAMILIES:
        raise ValueError(f"tread family must be one of {TREAD_FAMILIES}, got {family!r}")
    period, duty = {
        "herringbone": ((3.2, 6.0), (0.5, 0.66)),
        "hexagon": ((7.0, 15.0), (0.72, 0.88)),
        "bars": ((6.0, 14.0), (0.55, 0.78)),
        "lugs": ((11.0, 19.0), (0.55, 0.75)),
        "waffle": ((5.5, 10.0), (0.55, 0.75)),
        "zigzag": ((7.0, 14.0), (0.7, 0.85)),
        "pods": ((14.0, 26.0), (0.7, 0.86)),
        "flex_grooves": ((14.0, 28.0), (0.8, 0.9)),
        "diamond": ((5.0, 11.0), (0.68, 0.85)),
        "nubs": ((3.5, 7.5), (0.45, 0.7)),
    }[family]
    # Most patterns run square to the sole; some are turned.
    base = float(rng.choice([0.0, 0.0, 0.0, np.pi / 4, np.pi / 2]))
    angle = base + float(rng.normal(0.0, 0.12))
    return TreadParams(
        family=family,
        period=float(rng.uniform(*period)),
        duty=float(rng.uniform(*duty)),
        angle=angle,
        aspect=float(rng.uniform(0.3, 1.0)),
        offset=(float(rng.uniform(0, 50)), float(rng.uniform(0, 50))),
        groove_is_foam=family == "pods" and bool(rng.random() < 0.8),
    )


def _wall(d: np.ndarray, wall: float) -> np.ndarray:
    """Height from a signed distance to the lug edge (mm, positive inside)."""
    return np.clip(0.5 + d * (1.0 / (2.0 * float(wall))), 0.0, 1.0)


def _tri(t: np.ndarray) -> np.ndarray:
    """Triangle wave in [0, 1] with period 1."""
    return np.abs(t - np.floor(t) - 0.5) * 2.0


def _stripes(phase: np.ndarray, period: float, duty: float) -> np.ndarray:
    """Signed distance (mm) to the nearest groove of a striped pattern."""
    return (duty * 0.5 - np.abs(phase - np.floor(phase) - 0.5)) * period


def _herringbone(x, y, p):
    width = p.period * (2.0 + 3.0 * p.aspect)
    phase = (y + _tri(x / width) * width * (0.6 + 0.6 * p.aspect)) / p.period
    return _stripes(phase, p.period, p.duty)


def _zigzag(x, y, p):
    width = p.period * (1.0 + 1.5 * p.aspect)
    phase = (y + _tri(x / width) * width * 0.8) / p.period
    return _stripes(phase, p.period, p.duty)


def _bars(x, y, p):
    phase = (y + (p.aspect - 0.6) * x * x / 40.0) / p.period
    d = _stripes(phase, p.period, p.duty)
    if p.aspect > 0.65:  # a longitudinal centre groove through the bars
        d = np.minimum(d, np.abs(x) - 1.2)
    return d


def _cells(x, y, sx, sy):
    """Nearest centre of a staggered lattice: local offsets (dx, dy) in mm."""
    sx, sy = float(sx), float(sy)  # a NumPy float64 scalar would turn float32 maps to float64
    lx1 = x - sx * np.round(x / sx)
    ly1 = y - sy * np.round(y / sy)
    x2 = x - sx / 2
    y2 = y - sy / 2
    lx2 = x2 - sx * np.round(x2 / sx)
    ly2 = y2 - sy * np.round(y2 / sy)
    first = lx1 * lx1 + ly1 * ly1 <= lx2 * lx2 + ly2 * ly2
    return np.where(first, lx1, lx2), np.where(first, ly1, ly2)


def _hexagon(x, y, p):
    s = p.period
    dx, dy = _cells(x, y, s * np.sqrt(3.0), s)
    hexd = np.maximum(np.abs(dy), np.abs(dx * 0.8660254 + dy * 0.5))
    hexd = np.maximum(hexd, np.abs(dx * 0.8660254 - dy * 0.5))
    return p.duty * s * 0.5 - hexd


def _pods(x, y, p):
    s = p.period
    dx, dy = _cells(x, y, s * np.sqrt(3.0), s)
    rx = 0.5 * s * p.duty * (1.0 + 0.4 * p.aspect)
    ry = 0.5 * s * p.duty
    return (1.0 - np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2)) * min(rx, ry)


def _lugs(x, y, p):
    sx = p.period
    sy = p.period * (0.8 + 0.4 * p.aspect)
    dx, dy = _cells(x, y, sx, sy * 2.0)
    dy = dy - (p.aspect - 0.3) * 0.6 * np.abs(dx)  # chevron lugs
    return np.minimum(0.5 * p.duty * sx - np.abs(dx), 0.32 * p.duty * sy * 2 - np.abs(dy))


def _waffle(x, y, p):
    fx = np.abs(x / p.period - np.floor(x / p.period) - 0.5) * p.period
    fy = np.abs(y / p.period - np.floor(y / p.period) - 0.5) * p.period
    return p.duty * p.period * 0.5 - np.maximum(fx, fy)


def _diamond(x, y, p):
    a = 0.45 + 0.5 * p.aspect
    c, s = float(np.cos(a)), float(np.sin(a))
    d1 = _stripes((x * c + y * s) / p.period, p.period, p.duty)
    d2 = _stripes((-x * c + y * s) / p.period, p.period, p.duty)
    return np.minimum(d1, d2)


def _nubs(x, y, p):
    dx, dy = _cells(x, y, p.period, p.period * (0.9 + 0.5 * p.aspect))
    return p.duty * p.period * 0.5 - np.sqrt(dx * dx + dy * dy)


def _flex_grooves(x, y, p):
    d = _stripes((y + 0.15 * x * (p.aspect - 0.5)) / p.period, p.period, p.duty)
    d = np.minimum(d, np.abs(x) - 1.5)
    # Fine siping between the flex grooves: shallow, so it only reaches half depth.
    sipe = _stripes(y / 2.5, 2.5, 0.7)
    return np.where(sipe < 0, np.minimum(d, 0.25), d)


_FAMILY: dict[str, Callable[[np.ndarray, np.ndarray, TreadParams], np.ndarray]] = {
    "herringbone": _herringbone,
    "hexagon": _hexagon,
    "bars": _bars,
    "lugs": _lugs,
    "waffle": _waffle,
    "zigzag": _zigzag,
    "pods": _pods,
    "flex_grooves": _flex_grooves,
    "diamond": _diamond,
    "nubs": _nubs,
}


def tread_height(params: TreadParams, x_mm: np.ndarray, y_mm: np.ndarray, *,
                 px_mm: float) -> np.ndarray:
    """Tread height at sole positions.

    Parameters
    ----------
    params : TreadParams
    x_mm, y_mm : (H, W) float32 ndarray
        Position across (medial positive) and along (toe positive) the sole, mm.
    px_mm : float
        Millimetres per pixel; sets the width of the sloped lug walls.

    Returns
    -------
    (H, W) float32 ndarray
        Height in [0, 1].
    """
    # Python floats keep the maps float32 (a NumPy float64 scalar would promote them, and
    # float32 is ample for millimetres on a sole); the families run at half the memory traffic.
    c, s = float(np.cos(params.angle)), float(np.sin(params.angle))
    x_mm = np.asarray(x_mm, np.float32)
    y_mm = np.asarray(y_mm, np.float32)
    xr = x_mm * c + y_mm * s + params.offset[0]
    yr = -x_mm * s + y_mm * c + params.offset[1]
    d = _FAMILY[params.family](xr, yr, params)
    wall = max(0.75 * px_mm, 0.35)
    return _wall(d, wall).astype(np.float32, copy=False)


def flex_groove_overlay(y_mm: np.ndarray, x_mm: np.ndarray, rng: np.random.Generator, *,
                        length_mm: float, px_mm: float) -> np.ndarray:
    """A few deep transverse flex grooves across the forefoot.

    Returns
    -------
    (H, W) float32 ndarray
        Height cap in [0, 1]: 0 inside a groove, 1 elsewhere.
    """
    cap = np.ones(y_mm.shape, dtype=np.float32)
    n = int(rng.integers(2, 5))
    wall = max(0.75 * px_mm, 0.35)
    for u in np.sort(rng.uniform(0.58, 0.86, size=n)).tolist():  # floats: the map stays float32
        slope = rng.normal(0.0, 0.12)
        width = rng.uniform(1.5, 3.5)
        d = np.abs(y_mm - u * length_mm - slope * x_mm) - width / 2
        cap = np.minimum(cap, _wall(d, wall))
    return cap


def pivot_rings(x_mm: np.ndarray, y_mm: np.ndarray, centre: tuple[float, float], *,
                radius: float, px_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Concentric pivot rings (a common court and walking shoe feature).

    Returns
    -------
    height : (H, W) float32 ndarray
        Ring height in [0, 1].
    inside : (H, W) bool ndarray
        Where the rings replace the tread.
    """
    r = np.sqrt((x_mm - centre[0]) ** 2 + (y_mm - centre[1]) ** 2)
    period = radius / 3.5
    d = _stripes(r / period, period, 0.55)
    d = np.where(r < period * 0.6, 1.0, d)
    wall = max(0.75 * px_mm, 0.35)
    return _wall(d, wall).astype(np.float32), r < radius
