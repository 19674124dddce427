"""Run the exported sole segmenter with onnxruntime (no torch import).

`SoleSegmenter.load()` opens the shipped segmenter (or an explicit file);
`SoleSegmenter.logits` gives the sole and core logits of a photo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..models import ModelInfo, locate
from ..onnxfile import open_session
from .config import (
    SEG_CHANNELS,
    SEG_CONFIG_KEY,
    SEG_INPUT_NAME,
    SEG_OUTPUT_NAME,
    SegConfig,
    shrink_photo,
    to_seg_input,
)

#: File name of the segmenter inside a model folder.
ONNX_NAME = "sole_seg.onnx"


class SoleSegmenter:
    """The segmenter behind an onnxruntime session; use `SoleSegmenter.load`."""

    def __init__(self, session: object, config: SegConfig, info: ModelInfo) -> None:
        self.session = session
        self.config = config
        self.info = info

    @property
    def path(self) -> Path:
        return self.info.path

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int = 2) -> SoleSegmenter:
        """Open the shipped segmenter, or the ONNX segmenter at `path`.

        Parameters
        ----------
        path : str, Path or None
            An ONNX file written by `shoewear train-segmenter`, or the folder
            holding its ``sole_seg.onnx``; None opens the shipped one.
        threads : int
            onnxruntime intra-op threads.

        Raises
        ------
        ModelError
            Missing, damaged or altered file, no shoewear segmenter config
            inside, another format version, or inputs/outputs that do not fit.
        """
        info = locate("segmenter", path, what="sole segmenter", inside=ONNX_NAME)
        path = info.path
        session, text = open_session(path, key=SEG_CONFIG_KEY, what="segmenter",
                                     threads=threads)
        config = SegConfig.from_json(text, source=str(path))
        inputs = [(i.name, i.shape[1]) for i in session.get_inputs()]
        outputs = [(o.name, o.shape[1]) for o in session.get_outputs()]
        if inputs != [(SEG_INPUT_NAME, 3)] or outputs != [(SEG_OUTPUT_NAME, len(SEG_CHANNELS))]:
            raise ModelError(f"{path}: the segmenter's inputs/outputs do not fit its config")
        return cls(session, config, info)

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
