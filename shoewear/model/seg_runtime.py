"""Run the exported sole segmenter with onnxruntime (no torch import).

`load_segmenter()` finds the shipped segmenter (or the file named by
``$SHOEWEAR_SEGMENTER``, or an explicit path) once per process;
`SoleSegmenter.logits` gives the sole and core logits of a photo.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .onnxfile import open_session
from .seg_config import (
    SEG_CHANNELS,
    SEG_CONFIG_KEY,
    SEG_INPUT_NAME,
    SEG_OUTPUT_NAME,
    SegConfig,
    shrink_photo,
    to_seg_input,
)

#: The segmenter shipped with the package.
DEFAULT_SEGMENTER: Path = Path(__file__).resolve().parents[2] / "models" / "sole_seg.onnx"


def resolve_segmenter_path(path: str | Path | None = None) -> Path:
    """`path`, else ``$SHOEWEAR_SEGMENTER``, else `DEFAULT_SEGMENTER`."""
    if path is None:
        env = os.environ.get("SHOEWEAR_SEGMENTER")
        path = Path(env) if env else DEFAULT_SEGMENTER
    return Path(path)


class SoleSegmenter:
    """The segmenter behind an onnxruntime session; use `SoleSegmenter.load`."""

    def __init__(self, session: object, config: SegConfig, path: Path) -> None:
        self.session = session
        self.config = config
        self.path = path

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int = 2) -> SoleSegmenter:
        """Open an ONNX segmenter written by `seg_train.export_segmenter`.

        Raises
        ------
        ModelError
            Missing or unreadable file, no shoewear segmenter config inside,
            another format version, or inputs/outputs that do not fit.
        """
        path = resolve_segmenter_path(path)
        if not path.is_file():
            raise ModelError(
                f"no sole segmenter at {path}: run scripts/train_segmenter.py or set "
                "SHOEWEAR_SEGMENTER"
            )
        session, text = open_session(path, key=SEG_CONFIG_KEY, what="segmenter",
                                     threads=threads)
        config = SegConfig.from_json(text, source=str(path))
        inputs = [(i.name, i.shape[1]) for i in session.get_inputs()]
        outputs = [(o.name, o.shape[1]) for o in session.get_outputs()]
        if inputs != [(SEG_INPUT_NAME, 3)] or outputs != [(SEG_OUTPUT_NAME, len(SEG_CHANNELS))]:
            raise ModelError(f"{path}: the segmenter's inputs/outputs do not fit its config")
        return cls(session, config, path)

    def logits(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        """Sole and core logits of a photo at the network's scale.

        Parameters
        ----------
        rgb : (H, W, 3) uint8 ndarray

        Returns
        -------
        logits : (2, h, w) float32 ndarray
            `seg_config.SEG_CHANNELS`, cropped to the photo (padding removed):
            h = round(H * f), w = round(W * f).
        f : float
            Network pixels per photo pixel.
        """
        small, f = shrink_photo(rgb, self.config.input_side)
        (out,) = self.session.run([SEG_OUTPUT_NAME], {SEG_INPUT_NAME: to_seg_input(small)})
        h = max(1, round(rgb.shape[0] * f))
        w = max(1, round(rgb.shape[1] * f))
        return np.ascontiguousarray(out[0, :, :h, :w], dtype=np.float32), f


@functools.lru_cache(maxsize=4)
def _cached(path: Path, mtime: float) -> SoleSegmenter:
    return SoleSegmenter.load(path)


def load_segmenter(path: str | Path | None = None) -> SoleSegmenter | None:
    """The segmenter at `path` (see `resolve_segmenter_path`), loaded once per process.

    Returns None, so that the classical segmentation takes over, when
    ``$SHOEWEAR_SEGMENTER`` is ``classical``, or when no path is given, the
    variable is unset and nothing lies at `DEFAULT_SEGMENTER`.

    Raises
    ------
    ModelError
        When a segmenter is asked for (or present) but cannot be loaded.
    """
    env = os.environ.get("SHOEWEAR_SEGMENTER")
    if path is None and env == "classical":
        return None
    resolved = resolve_segmenter_path(path)
    if path is None and not env and not resolved.is_file():
        return None
    if not resolved.is_file():
        raise ModelError(f"no sole segmenter at {resolved}")
    return _cached(resolved.resolve(), resolved.stat().st_mtime)
