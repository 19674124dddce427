"""Choose the wear reader: the shipped CNN, a retrained one, or the classical estimate.

This is the one place that decides; the CLI and the app both ask it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError
from .report import WearReading
from .sole import CanonicalSole

#: Reads canonical soles and returns their readings and (h, w) wear maps in [0, 1].
ReadWithMaps = Callable[
    [Sequence[CanonicalSole]], tuple[list[WearReading], list[np.ndarray]]
]


@dataclass(frozen=True)
class Reader:
    """A wear reader, loaded once and used for many photos.

    Attributes
    ----------
    name : str
        What to call it in a sidebar or a log.
    read_with_maps : callable
        Canonical soles -> (readings, wear maps), in one pass.
    model_path : Path or None
        The CNN's ONNX file; None for the classical reading.
    problem : str
        Why the CNN is not in use although a model file is there; "" if none.
    """

    name: str
    read_with_maps: ReadWithMaps
    model_path: Path | None = None
    problem: str = ""

    def __call__(self, canons: Sequence[CanonicalSole]) -> list[WearReading]:
        return self.read_with_maps(canons)[0]


def _classical(problem: str = "") -> Reader:
    from .wear_classic import read_wear, wear_map

    return Reader(
        name="classical tread-contrast reading",
        read_with_maps=lambda canons: (read_wear(canons), [wear_map(c) for c in canons]),
        problem=problem,
    )


def load_reader(model_path: str | Path | None = None, *, fallback: bool = False) -> Reader:
    """Load the wear CNN, or the classical reader where there is no model.

    Parameters
    ----------
    model_path : str, Path or None
        An ONNX model or the folder `shoewear train --out` wrote. None uses
        ``$SHOEWEAR_MODEL`` or the shipped ``models/wear_cnn.onnx``, and the
        classical tread-contrast reader when that file does not exist.
    fallback : bool
        When the model file exists but cannot be loaded: True falls back to
        the classical reader and says why in `Reader.problem` (the app);
        False raises (the CLI, where a broken model must stop the run).

    Raises
    ------
    ModelError
        A model named explicitly, or present, that cannot be loaded (unless
        `fallback`).
    """
    try:
        from .model.runtime import WearModel, resolve_model_path
    except ImportError as exc:  # onnxruntime missing from a partial install
        if model_path is not None or not fallback:
            raise ModelError(f"the wear model cannot run here: {exc}") from exc
        return _classical(f"the wear model cannot run here ({exc})")

    if model_path is None and not resolve_model_path().is_file():
        return _classical()
    try:
        model = WearModel.load(model_path)
    except ModelError as exc:
        if not fallback:
            raise
        return _classical(f"the wear model could not be loaded: {exc}")
    return Reader(name="wear CNN", read_with_maps=model.read_with_maps, model_path=model.path)
