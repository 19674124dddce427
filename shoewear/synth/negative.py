"""Photos with no sole in them, for checking that segmentation refuses them."""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import UsageError
from . import camera, props
from .scene import SURFACES, background
from .seeds import seed_sequence

#: What a negative photo may show besides the surface.
NEGATIVE_KINDS: tuple[str, ...] = ("bare", "hand", "side_shoe", "objects", "card_ruler")


def generate_negative(seed: int, *, long_side: int = 1024) -> np.ndarray:
    """A photo without any outsole: a bare surface, a hand, a shoe from the side, clutter.

    Parameters
    ----------
    seed : int
        Same seed, same image.
    long_side : int
        Longest side in pixels (64 to 8000).

    Returns
    -------
    (H, W, 3) uint8 ndarray
        RGB as decoded from a JPEG.
    """
    if not isinstance(long_side, int | np.integer) or not 64 <= long_side <= 8000:
        raise UsageError(f"long_side must be an integer from 64 to 8000 pixels; got {long_side!r}")
    rng = np.random.default_rng(seed_sequence(seed, 9))
    aspect = float(rng.choice([4 / 3, 3 / 2, 16 / 9, 1.0]))
    long_work = min(int(long_side), 1280)
    short = max(int(round(long_work / aspect)), 8)
    hw = (long_work, short) if rng.random() < 0.55 else (short, long_work)
    surfaces = [s for s in SURFACES]
    image, _ = background(rng, hw, surface=str(rng.choice(surfaces)))
    kind = str(rng.choice(NEGATIVE_KINDS))
    h, w = hw
    size = min(h, w)

    def centre() -> tuple[float, float]:
        return float(rng.uniform(0.2, 0.8) * w), float(rng.uniform(0.2, 0.8) * h)

    if kind == "hand":
        patch, alpha = props.hand(rng, int(size * rng.uniform(0.3, 0.6)))
        props.blit(image, patch, alpha, centre(), float(rng.uniform(-180, 180)))
    elif kind == "side_shoe":
        patch, alpha = props.side_shoe(rng, int(max(h, w) * rng.uniform(0.45, 0.85)))
        props.blit(image, patch, alpha, centre(), float(rng.normal(0, 15)))
    elif kind == "objects":
        for _ in range(int(rng.integers(1, 6))):
            patch, alpha = props.clutter(rng, int(size * rng.uniform(0.1, 0.45)))
            props.blit(image, patch, alpha, centre(), float(rng.uniform(-180, 180)))
    elif kind == "card_ruler":
        patch, alpha = props.ruler(rng, int(max(h, w) * rng.uniform(0.4, 0.8)))
        props.blit(image, patch, alpha, centre(), float(rng.uniform(-180, 180)))
        patch, alpha = props.card(rng, int(size * rng.uniform(0.2, 0.4)))
        props.blit(image, patch, alpha, centre(), float(rng.uniform(-30, 30)))
    if rng.random() < 0.3:
        camera.glare(rng, image)
    gain, cast = camera.light_field(rng, hw)
    image *= gain[..., None]
    image = camera.blur_and_noise(rng, image)
    rgb8 = camera.to_uint8(image, cast)
    if max(hw) != long_side:
        scale = long_side / max(hw)
        rgb8 = cv2.resize(rgb8, (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1)),
                          interpolation=cv2.INTER_LINEAR)
    _, decoded = camera.jpeg_round_trip(rgb8, int(rng.integers(50, 96)))
    return decoded
