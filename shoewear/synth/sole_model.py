"""One synthetic sole: everything random about it, drawn once.

A `SoleModel` holds the outline, tread, colours, inserts, marks and the wear
field of one sole, so the same sole can be rendered at any size (the photo's
scale or the canonical 256 x 128) and always looks the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..contract import CANON_SHAPE, PATTERNS
from .outline import OutlineParams, place_outline, sample_outline
from .tread import TreadParams, sample_tread
from .wear import measure_levels, sample_levels, wear_field

#: Outsole rubber colours (RGB in [0, 1]) and how often they are drawn.
RUBBERS: tuple[tuple[tuple[float, float, float], float], ...] = (
    ((0.07, 0.07, 0.08), 0.26),
    ((0.17, 0.17, 0.18), 0.13),
    ((0.42, 0.42, 0.43), 0.09),
    ((0.84, 0.84, 0.82), 0.1),
    ((0.6, 0.4, 0.24), 0.08),
    ((0.74, 0.6, 0.42), 0.04),
    ((0.14, 0.26, 0.6), 0.05),
    ((0.68, 0.14, 0.14), 0.04),
    ((0.9, 0.45, 0.1), 0.05),
    ((0.22, 0.5, 0.28), 0.03),
    ((0.85, 0.8, 0.2), 0.03),
    ((0.1, 0.52, 0.55), 0.04),
    ((0.88, 0.45, 0.6), 0.03),
    ((0.38, 0.24, 0.58), 0.03),
)

#: Midsole foam colours.
FOAMS: tuple[tuple[tuple[float, float, float], float], ...] = (
    ((0.93, 0.93, 0.91), 0.34),
    ((0.88, 0.84, 0.76), 0.12),
    ((0.68, 0.69, 0.71), 0.1),
    ((0.16, 0.16, 0.17), 0.1),
    ((0.84, 0.94, 0.3), 0.06),
    ((0.6, 0.75, 0.92), 0.07),
    ((0.95, 0.6, 0.7), 0.05),
    ((0.97, 0.6, 0.3), 0.05),
    ((0.62, 0.9, 0.78), 0.05),
    ((0.45, 0.46, 0.6), 0.06),
)

#: Insert layouts: how rubber of a second colour or bare foam splits the sole.
LAYOUTS: tuple[str, ...] = ("full", "two_tone", "midfoot_foam", "lateral_strip", "heel_insert")


@dataclass(frozen=True)
class SoleModel:
    """All the random choices of one sole.

    Attributes
    ----------
    pattern : str
        Wear pattern drawn (one of `design.PATTERNS`).
    outline : OutlineParams
    tread : TreadParams
    length_mm : float
        Sole length in millimetres (sets the tread's scale on the sole).
    depth_mm : float
        Groove depth in millimetres (sets how strongly the relief shades).
    rubber, rubber2, foam, dirt : tuple of float
        RGB colours in [0, 1].
    layout : str
        One of `LAYOUTS`.
    rim_mm : float
        Width of the midsole rim visible around the tread.
    flex : bool
        Deep transverse flex grooves across the forefoot.
    rings : bool
        Pivot rings under the ball of the foot.
    logo : str
        Text moulded into the sole ("" for none).
    logo_u : float
        Where along the sole the text sits.
    dirt_level : float
        How much dirt sits in the grooves, in [0, 1].
    field : (H, W) float32 ndarray
        Wear in the canonical frame, shape `design.CANON_SHAPE`.
    mask : (H, W) bool ndarray
        The sole in the canonical frame.
    zones : dict
        Zone name to the mean painted wear (measured on `field` over `mask`).
    noise_seed : int
        Seed of the fine texture noise used when rendering.
    """

    pattern: str
    outline: OutlineParams
    tread: TreadParams
    length_mm: float
    depth_mm: float
    rubber: tuple[float, float, float]
    rubber2: tuple[float, float, float]
    foam: tuple[float, float, float]
    dirt: tuple[float, float, float]
    layout: str
    rim_mm: float
    flex: bool
    rings: bool
    logo: str
    logo_u: float
    dirt_level: float
    field: np.ndarray
    mask: np.ndarray
    zones: dict[str, float]
    noise_seed: int


def _pick_colour(rng: np.random.Generator, table) -> tuple[float, float, float]:
    colours = [c for c, _ in table]
    weights = np.array([w for _, w in table], dtype=np.float64)
    base = np.array(colours[rng.choice(len(colours), p=weights / weights.sum())])
    return tuple(float(x) for x in np.clip(base + rng.normal(0, 0.03, 3), 0.02, 0.98))


def _contrast(a, b) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).sum())


def sample_sole(
    rng: np.random.Generator,
    *,
    pattern: str | None = None,
    tread: str | None = None,
    style: str | None = None,
) -> SoleModel:
    """Draw one sole.

    Parameters
    ----------
    rng : numpy.random.Generator
    pattern : str or None
        Wear pattern; None draws one uniformly from `design.PATTERNS`.
    tread : str or None
        Tread family; None draws one that suits the shoe's style.
    style : str or None
        Shoe style (`outline.STYLES`); None draws one.

    Returns
    -------
    SoleModel
    """
    drawn = str(PATTERNS[int(rng.integers(len(PATTERNS)))])  # drawn always: streams stay aligned
    pattern = drawn if pattern is None else pattern
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    wear_rng = np.random.default_rng(rng.integers(2**63))
    outline = sample_outline(rng, style=style)
    tread_params = sample_tread(rng, family=tread, style=outline.style)
    rubber = _pick_colour(rng, RUBBERS)
    rubber2 = _pick_colour(rng, RUBBERS)
    foam = _pick_colour(rng, FOAMS)
    for _ in range(4):  # a foam that shows up against the rubber, as on most shoes
        if _contrast(foam, rubber) > 0.35:
            break
        foam = _pick_colour(rng, FOAMS)
    layout = str(rng.choice(LAYOUTS, p=[0.36, 0.2, 0.22, 0.1, 0.12]))
    if outline.style in ("court", "loose"):
        layout = str(rng.choice(("full", "two_tone")))
    rim = {"road": (2.0, 5.0), "trail": (2.0, 4.5), "racing": (1.5, 4.0), "court": (4.0, 8.0),
           "loose": (0.6, 1.4)}[outline.style]
    levels = sample_levels(wear_rng, pattern)
    field = wear_field(wear_rng, outline, pattern, levels, shape=CANON_SHAPE)
    mask = place_outline(outline, CANON_SHAPE[0]).mask
    letters = "ABCDEFGHIKLMNOPRSTUVWXZ"
    logo = ""
    if rng.random() < 0.6:
        logo = "".join(rng.choice(list(letters), size=int(rng.integers(3, 8))))
    return SoleModel(
        pattern=pattern,
        outline=outline,
        tread=tread_params,
        length_mm=float(rng.uniform(245.0, 310.0)),
        depth_mm=float(rng.uniform(4.0, 6.5) if outline.style == "trail" else
                       rng.uniform(2.0, 4.0)),
        rubber=rubber,
        rubber2=rubber2,
        foam=foam,
        dirt=tuple(float(x) for x in rng.uniform(0.25, 0.55) * np.array([1.0, 0.9, 0.75])),
        layout=layout,
        rim_mm=float(rng.uniform(*rim)),
        flex=tread_params.family not in ("flex_grooves", "lugs") and bool(rng.random() < 0.35),
        rings=outline.style in ("court", "road", "loose") and bool(rng.random() < 0.15),
        logo=logo,
        logo_u=float(rng.choice([0.15, 0.42, 0.47, 0.6])),
        dirt_level=float(rng.uniform(0.0, 0.6) * (0.3 if pattern == "unworn" else 1.0)),
        field=field,
        mask=mask,
        zones=measure_levels(field, mask),
        noise_seed=int(rng.integers(2**31)),
    )


def rewear(model: SoleModel, rng: np.random.Generator, pattern: str) -> SoleModel:
    """The same shoe model with freshly drawn wear (the other sole of a pair).

    Returns
    -------
    SoleModel
        Outline, tread and colours of `model`; new pattern, wear field,
        dirt and texture noise.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    levels = sample_levels(rng, pattern)
    field = wear_field(rng, model.outline, pattern, levels, shape=CANON_SHAPE)
    return replace(
        model,
        pattern=pattern,
        field=field,
        zones=measure_levels(field, model.mask),
        dirt_level=float(rng.uniform(0.0, 0.6) * (0.3 if pattern == "unworn" else 1.0)),
        noise_seed=int(rng.integers(2**31)),
    )
