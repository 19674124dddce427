"""Run the exported wear CNN with onnxruntime (no torch import).

`WearModel.load()` opens the shipped model (or an explicit file), checks its
config, and `WearModel.read` turns canonical soles into `WearReading`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..models import ModelInfo, locate
from ..onnxfile import open_session
from ..report import WearReading
from ..sole import CanonicalSole
from .config import CONFIG_KEY, INPUT_NAME, OUTPUT_NAMES, ZONES_INPUT_NAME, ModelConfig
from .preprocess import shrink_sole, to_network_input, zone_levels, zone_weights

#: File name of the ONNX model inside a model folder (`shoewear train --out`).
ONNX_NAME = "wear_cnn.onnx"


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class WearModel:
    """The wear CNN behind an onnxruntime session.

    Use `WearModel.load`; the constructor takes an open session.
    """

    def __init__(self, session: object, config: ModelConfig, info: ModelInfo) -> None:
        self.session = session
        self.config = config
        self.info = info

    @property
    def path(self) -> Path:
        return self.info.path

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int = 2) -> WearModel:
        """Open an ONNX model written by `shoewear train`.

        Parameters
        ----------
        path : str, Path or None
            ONNX file or a folder holding ``wear_cnn.onnx``; None opens the
            shipped model.
        threads : int
            onnxruntime intra-op threads.

        Raises
        ------
        ModelError
            Missing file, a file that is not a valid ONNX model (truncated,
            altered), no shoewear config inside, classes that do not match
            `design.PATTERNS`, a different format version, or inputs/outputs
            that do not fit the config.
        """
        info = locate("wear", path, what="wear model", inside=ONNX_NAME)
        path = info.path
        session, text = open_session(path, key=CONFIG_KEY, what="model", threads=threads)
        config = ModelConfig.from_json(text, source=str(path))
        inputs = session.get_inputs()
        outputs = [o.name for o in session.get_outputs()]
        h, w = config.input_size
        expected = [(INPUT_NAME, [config.channels, h, w])]
        if config.zone_inputs:
            expected.append((ZONES_INPUT_NAME, [len(config.zones), *config.map_size]))
        found = [(i.name, list(i.shape[1:])) for i in inputs]
        if found != expected or outputs != list(OUTPUT_NAMES):
            raise ModelError(f"{path}: the network's inputs/outputs do not fit its config")
        return cls(session, config, info)

    def predict(
        self, small: np.ndarray, weights: np.ndarray | None = None, *, batch_size: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the network on shrunk soles.

        Parameters
        ----------
        small : (B, h, w, C) uint8 ndarray
            `preprocess.shrink_sole` outputs at `config.input_size`.
        weights : (B, 7, h/4, w/4) float ndarray or None
            `preprocess.zone_weights` of each sole; needed when
            ``config.zone_inputs``, ignored otherwise.
        batch_size : int
            Soles per onnxruntime call.

        Returns
        -------
        probabilities : (B, 7) float32 ndarray
            Pattern probabilities in `design.PATTERNS` order.
        maps : (B, h/4, w/4) float32 ndarray
            Wear maps in [0, 1].
        """
        small = np.asarray(small)
        c = self.config.channels
        if small.ndim != 4 or small.shape[1:] != (*self.config.input_size, c):
            raise ValueError(
                f"expected (B, {self.config.input_size[0]}, {self.config.input_size[1]}, {c}) "
                f"inputs, got {small.shape}"
            )
        if self.config.zone_inputs:
            if weights is None or len(weights) != len(small):
                raise ValueError("this model needs the zone weights of every sole")
            weights = np.asarray(weights, dtype=np.float32)
        probs, maps = [], []
        for start in range(0, len(small), batch_size):
            feed = {INPUT_NAME: to_network_input(small[start : start + batch_size])}
            if self.config.zone_inputs:
                feed[ZONES_INPUT_NAME] = np.ascontiguousarray(weights[start : start + batch_size])
            logits, wear = self.session.run(list(OUTPUT_NAMES), feed)
            probs.append(_softmax(logits.astype(np.float64)).astype(np.float32))
            maps.append(wear.astype(np.float32))
        if not probs:
            mh, mw = self.config.map_size
            return np.zeros((0, len(self.config.classes)), np.float32), np.zeros((0, mh, mw))
        return np.concatenate(probs), np.concatenate(maps)

    def read_with_maps(
        self, canons: Sequence[CanonicalSole]
    ) -> tuple[list[WearReading], list[np.ndarray]]:
        """Read wear off canonical soles, in one batched network call.

        Returns
        -------
        readings : list of WearReading
            One per sole, with the sole's side.
        maps : list of (h, w) float32 ndarray
            The wear map of each sole (heel at the bottom, medial on the right),
            the picture that explains the reading.
        """
        if not canons:
            return [], []
        small = np.stack(
            [
                shrink_sole(c.image, c.mask, size=self.config.input_size,
                            detail=self.config.detail)
                for c in canons
            ]
        )
        weights = np.stack([zone_weights(c.zones, map_size=self.config.map_size) for c in canons])
        probs, maps = self.predict(small, weights)
        levels = zone_levels(maps, weights)
        readings = [
            _reading(p, lv, c.side, self.config)
            for p, lv, c in zip(probs, levels, canons, strict=True)
        ]
        return readings, list(maps)

    def read(self, canons: Sequence[CanonicalSole]) -> list[WearReading]:
        """Read wear off canonical soles (a `pipeline.WearReader`)."""
        return self.read_with_maps(canons)[0]

    def __call__(self, canons: Sequence[CanonicalSole]) -> list[WearReading]:
        return self.read(canons)

    def wear_maps(self, canons: Sequence[CanonicalSole]) -> list[np.ndarray]:
        """The (h, w) float32 wear map of each sole."""
        return self.read_with_maps(canons)[1]


def _reading(probs: np.ndarray, levels: np.ndarray, side: str, config: ModelConfig) -> WearReading:
    best = int(np.argmax(probs))
    return WearReading(
        pattern=config.classes[best],
        confidence=float(probs[best]),
        probabilities={name: float(p) for name, p in zip(config.classes, probs, strict=True)},
        zones={
            name: float(np.clip(v, 0.0, 1.0)) for name, v in zip(config.zones, levels, strict=True)
        },
        side=side,
    )
