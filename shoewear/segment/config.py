"""The sole segmenter's configuration and input preparation (no torch here).

The segmenter is a small fully convolutional network that looks at the whole
photo shrunk to a long side of `SegConfig.input_side` pixels and gives, per
pixel, two logits:

- ``sole``: the pixel belongs to an outsole (the mask `--mask` writes);
- ``core``: the pixel lies deep inside one sole (its distance to the sole's
  edge is at least `CORE_DEPTH` of the sole's largest such distance), so the
  cores of two touching soles stay apart and seed one sole each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..errors import ModelError
from ..jsonconfig import JsonConfig, build_config, config_fields

#: Bumped whenever the meaning of the segmenter's inputs or outputs changes.
SEG_FORMAT_VERSION = 1
#: Metadata key holding the JSON config in the ONNX file.
SEG_CONFIG_KEY = "shoewear_segmenter"
SEG_INPUT_NAME = "photo"
SEG_OUTPUT_NAME = "logits"
#: Output channels, in order.
SEG_CHANNELS = ("sole", "core")
#: Share of a sole's deepest inside distance from which a pixel is its core.
CORE_DEPTH = 0.4
#: The network's input sides are padded to multiples of this (its total stride).
SEG_STRIDE = 32


@dataclass(frozen=True)
class SegConfig(JsonConfig):
    """What rebuilds the segmenter and prepares its input.

    Attributes
    ----------
    input_side : int
        The photo is shrunk (area interpolation) to this long side.
    widths : tuple of int
        Channels of the five encoder stages (strides 2 to 32).
    decoder_width : int
        Channels of the decoder at stride 4 and 8 (stride 2 uses the first width).
    mean, std : tuple of float
        RGB normalisation of inputs in [0, 1], applied inside the network.
    format_version : int
    metrics : dict
        Figures measured on held-out photos when the segmenter was trained.
    recipe : dict
        How it was made (data seeds, sizes, epochs, command).
    """

    input_side: int = 256
    widths: tuple[int, ...] = (16, 24, 40, 64, 96)
    decoder_width: int = 32
    mean: tuple[float, float, float] = (0.45, 0.45, 0.45)
    std: tuple[float, float, float] = (0.25, 0.25, 0.25)
    format_version: int = SEG_FORMAT_VERSION
    metrics: dict = field(default_factory=dict, compare=False)
    recipe: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.input_side % SEG_STRIDE or self.input_side < 64:
            raise ModelError(
                f"input_side must be a multiple of {SEG_STRIDE} of at least 64, "
                f"got {self.input_side}"
            )
        if len(self.widths) != 5:
            raise ModelError(f"widths must hold 5 channel counts, got {self.widths}")

    @classmethod
    def from_json(cls, text: str, *, source: str = "segmenter") -> SegConfig:
        """Parse and validate a config written by `to_json`.

        Raises
        ------
        ModelError
            Unreadable JSON, another format version or unknown keys.
        """
        data = config_fields(cls, text, source=source, what="segmenter",
                             version=SEG_FORMAT_VERSION, tuples=("widths", "mean", "std"))
        return build_config(cls, data, source=source, what="segmenter")


def shrink_photo(rgb: np.ndarray, input_side: int) -> tuple[np.ndarray, float]:
    """The photo at the network's scale, padded to multiples of `SEG_STRIDE`.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
    input_side : int
        Long side after shrinking (photos already smaller are enlarged).

    Returns
    -------
    small : (h, w, 3) uint8 ndarray
        Shrunk photo, edge-replicated on the right and bottom up to the
        next multiple of `SEG_STRIDE`.
    f : float
        Network pixels per photo pixel.
    """
    h, w = rgb.shape[:2]
    f = input_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    small = cv2.resize(rgb, size, interpolation=interp)
    ph = -size[1] % SEG_STRIDE
    pw = -size[0] % SEG_STRIDE
    if ph or pw:
        small = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return small, f


def to_seg_input(small: np.ndarray) -> np.ndarray:
    """(B, h, w, 3) or (h, w, 3) uint8 -> (B, 3, h, w) float32 in [0, 1]."""
    x = np.asarray(small, dtype=np.float32) / 255.0
    if x.ndim == 3:
        x = x[None]
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def core_target(masks: list[np.ndarray]) -> np.ndarray:
    """The ``core`` channel's truth: each sole's deep inside, the soles kept apart.

    Parameters
    ----------
    masks : list of (h, w) bool ndarray
        One mask per sole.

    Returns
    -------
    (h, w) bool ndarray
    """
    out = None
    for m in masks:
        m8 = np.ascontiguousarray(m, dtype=np.uint8)
        if out is None:
            out = np.zeros(m8.shape, bool)
        if not m8.any():
            continue
        d = cv2.distanceTransform(cv2.copyMakeBorder(m8, 1, 1, 1, 1, cv2.BORDER_CONSTANT, 0),
                                  cv2.DIST_L2, 5)[1:-1, 1:-1]
        out |= d >= CORE_DEPTH * d.max()
    return out
