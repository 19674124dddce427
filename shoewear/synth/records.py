"""What the generator returns: a photo and the truth about every sole in it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SynthSole:
    """The ground truth of one sole in a synthetic photo.

    Attributes
    ----------
    pattern : str
        Wear pattern the sole was painted with (one of `design.PATTERNS`).
    side : str
        "left" or "right".
    zones : dict
        `design.ZONES` name to the wear level actually painted, in [0, 1]
        (mean of the wear field over the zone, `zones.split_zones` on the
        canonical mask).
    tread : str
        Tread family (one of `TREAD_FAMILIES`).
    rotation_deg : float
        Angle of the heel-to-toe axis in the photo: 0 = toe up,
        counter-clockwise positive, in (-180, 180].
    heel_xy, toe_xy : tuple of float
        Photo pixels of the heel end (u = 0) and the toe tip (u = 1) of the
        canonical frame's centre line: mapping `heel_xy` to the canonical
        image's bottom centre and `toe_xy` to its top centre, with the same
        scale across, reproduces the canonical view the zones refer to.
    box : tuple of int
        (x0, y0, x1, y1) of `mask`, x1 and y1 exclusive.
    mask : (H, W) bool ndarray
        This sole: the whole outsole seen from below including the midsole
        rim, without the upper, the background or anything on top (a hand,
        a card).
    style : str
        Shoe style ("road", "trail", "racing", "court", "loose").
    occluded : float
        Share of the sole hidden by a hand or a card, in [0, 1].
    """

    pattern: str
    side: str
    zones: dict[str, float]
    tread: str
    rotation_deg: float
    heel_xy: tuple[float, float]
    toe_xy: tuple[float, float]
    box: tuple[int, int, int, int]
    mask: np.ndarray
    style: str = "road"
    occluded: float = 0.0


@dataclass(frozen=True)
class SynthPhoto:
    """A synthetic photo of one or two soles.

    Attributes
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo as decoded from its JPEG.
    soles : tuple of SynthSole
        Left to right in the picture (by box centre x).
    jpeg : bytes
        The JPEG file whose decoding is `rgb`.
    surface : str
        What the sole lies on.
    field : (H, W) uint8 ndarray or None
        The painted wear under every visible sole pixel of the photo, coded
        `FIELD_CODE_NONE` (no sole) or 1 + 254 * wear; None unless asked
        for (`generate_photo(..., field=True)`).
    """

    rgb: np.ndarray
    soles: tuple[SynthSole, ...]
    jpeg: bytes = b""
    surface: str = ""
    field: np.ndarray | None = None


#: Code of a field pixel that shows no sole (`SynthPhoto.field`).
FIELD_CODE_NONE = 0


def encode_field(wear: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Code wear in [0, 1] as uint8 1-255, and pixels where it is not known as 0.

    Parameters
    ----------
    wear : (H, W) float ndarray
    known : (H, W) bool ndarray

    Returns
    -------
    (H, W) uint8 ndarray
    """
    code = 1.0 + 254.0 * np.clip(np.asarray(wear, np.float32), 0.0, 1.0)
    return np.where(known, np.rint(code), FIELD_CODE_NONE).astype(np.uint8)


def decode_field(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of `encode_field`: wear (0 where not known) and where it is known."""
    code = np.asarray(code)
    known = code != FIELD_CODE_NONE
    wear = np.where(known, (code.astype(np.float32) - 1.0) / 254.0, 0.0).astype(np.float32)
    return wear, known
