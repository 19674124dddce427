"""One way through: load -> segment -> align/zones -> wear -> advice -> report.

This module only wires the stages together; each stage lives in its own
module and knows nothing of the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .errors import ShoewearError
from .report import PhotoReport, SoleReport, WearReading
from .sole import CanonicalSole, SoleMask

#: Reads wear off canonical soles: the CNN (`model.runtime.WearModel.read`)
#: or the classical tread-contrast estimate (`wear_classic.read_wear`).
WearReader = Callable[[Sequence[CanonicalSole]], list[WearReading]]


def locate_soles(
    rgb: np.ndarray, *, scale: float = 1.0, side: str | None = None
) -> tuple[list[SoleMask], list[CanonicalSole]]:
    """Segment and align every sole in an RGB image, left to right.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo at working resolution.
    scale : float
        Working pixels per original-photo pixel; boxes and outlines of the
        canonical soles are given in original-photo pixels.
    side : {"left", "right"} or None
        The side the user says the sole is; None guesses it. It applies only
        when one sole is found. Two soles are taken for a pair, one left and
        one right shoe, and their sides are read together
        (`align.pair_sides`).

    Returns
    -------
    masks : list of SoleMask
        The segmentation at working resolution.
    canons : list of CanonicalSole
        The same soles in the canonical frame.

    Raises
    ------
    NoSoleFoundError
        When nothing in the photo looks like an outsole.
    """
    from .align import align_sole, pair_sides
    from .segment import segment_outsole

    found = segment_outsole(rgb)
    told = side if len(found) == 1 else None
    canons = [align_sole(rgb, sole, scale=scale, side=told) for sole in found]
    if len(found) == 2:
        canons = pair_sides(rgb, found, canons, scale=scale)
    return found, canons


def find_soles(
    rgb: np.ndarray, *, scale: float = 1.0, side: str | None = None
) -> list[CanonicalSole]:
    """Segment and align every sole in an RGB image, left to right (see `locate_soles`).

    Raises
    ------
    NoSoleFoundError
        When nothing in the photo looks like an outsole.
    """
    return locate_soles(rgb, scale=scale, side=side)[1]


def get_reader(model_path: str | Path | None = None) -> WearReader:
    """The wear reader: the one place that chooses between the CNN and the classical estimate.

    Parameters
    ----------
    model_path : str or Path or None
        A trained wear model (ONNX file or its folder). None uses the wear
        CNN at ``$SHOEWEAR_MODEL`` or the shipped ``models/wear_cnn.onnx``,
        and the classical tread-contrast reader (`wear_classic.read_wear`)
        when there is no such file.

    Raises
    ------
    ModelError
        When a model is asked for (or present) but cannot be loaded.
    """
    from .readers import load_reader

    return load_reader(model_path)


def report_soles(
    name: str, canons: Sequence[CanonicalSole], readings: Sequence[WearReading]
) -> PhotoReport:
    """Attach advice to each reading and compare a left/right pair."""
    from .advice import advise, compare_pair

    soles = tuple(
        SoleReport(
            side=c.side,
            side_confidence=c.side_confidence,
            box=c.box,
            reading=r,
            advice=advise(r),
        )
        for c, r in zip(canons, readings, strict=True)
    )
    by_side = {s.side: s.reading for s in soles}
    asymmetry = None
    if len(soles) == 2 and {"left", "right"} <= by_side.keys():
        asymmetry = compare_pair(by_side["left"], by_side["right"])
    return PhotoReport(file=name, soles=soles, asymmetry=asymmetry)


def analyze_rgb(
    rgb: np.ndarray,
    reader: WearReader,
    *,
    name: str = "photo",
    scale: float = 1.0,
    side: str | None = None,
) -> tuple[PhotoReport, list[CanonicalSole]]:
    """Analyse a decoded photo; errors come back inside the report."""
    try:
        canons = find_soles(rgb, scale=scale, side=side)
        report = report_soles(name, canons, reader(canons))
    except ShoewearError as exc:
        return PhotoReport(file=name, error=str(exc)), []
    return report, canons


def analyze_photo(
    path: str | Path, reader: WearReader, *, side: str | None = None
) -> tuple[PhotoReport, list[CanonicalSole]]:
    """Load and analyse one photo file; errors come back inside the report."""
    from .load import load_image

    path = Path(path)
    try:
        image = load_image(path)
    except ShoewearError as exc:
        return PhotoReport(file=str(path), error=str(exc)), []
    return analyze_rgb(image.rgb, reader, name=str(path), scale=image.scale, side=side)
