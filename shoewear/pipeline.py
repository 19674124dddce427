"""One way through: load -> segment -> align/zones -> wear -> advice -> report.

`analyze` is the one call that the CLI, the app, the batch engine, training
data preparation and the benchmarks make. It wires the stages together; each
stage lives in its own module and knows nothing of the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ShoewearError
from .load import LoadedImage
from .report import PhotoReport, SoleReport
from .segment import SoleSegmenter
from .sole import CanonicalSole, SoleMask
from .wear import WearModel

#: What `analyze` takes as a photo: a file, its bytes, or an image already decoded.
Photo = str | os.PathLike | bytes | LoadedImage


@dataclass(frozen=True)
class Models:
    """The networks that read a photo, loaded once and used for many.

    Attributes
    ----------
    segmenter : SoleSegmenter
        Finds the soles.
    wear : WearModel or None
        Reads their wear; None when only the soles are wanted (training
        data preparation).
    """

    segmenter: SoleSegmenter
    wear: WearModel | None

    @classmethod
    def load(
        cls,
        *,
        segmenter: str | Path | None = None,
        wear: str | Path | None = None,
        with_wear: bool = True,
        threads: int = 2,
    ) -> Models:
        """Open the shipped networks, or the files given.

        Parameters
        ----------
        segmenter, wear : str, Path or None
            ONNX files (or the folders training wrote); None opens the
            shipped network.
        with_wear : bool
            False leaves the wear model out.
        threads : int
            onnxruntime threads of each network.

        Raises
        ------
        ModelError
            A network missing, damaged, altered or of another format.
        """
        return cls(
            segmenter=SoleSegmenter.load(segmenter, threads=threads),
            wear=WearModel.load(wear, threads=threads) if with_wear else None,
        )

    def info(self) -> dict[str, dict]:
        """The JSON ``"models"`` object: each network's name and sha256."""
        named = {"segmenter": self.segmenter.info.to_json()}
        if self.wear is not None:
            named["wear"] = self.wear.info.to_json()
        return named


@dataclass(frozen=True)
class Analysis:
    """A photo read through: the report, and what explains it.

    Attributes
    ----------
    report : PhotoReport
        What is said about the photo; ``report.error`` is set when it could
        not be read (and the rest is empty).
    image : LoadedImage or None
        The photo at working size; None when it could not be decoded.
    masks : tuple of SoleMask
        Each sole found, at working size, left to right.
    soles : tuple of CanonicalSole
        The same soles in the canonical frame.
    wear_maps : tuple of (h, w) float32 ndarray
        Each sole's wear map in [0, 1] (empty without a wear model).
    error : ShoewearError or None
        What stopped the reading (its message is ``report.error``).
    """

    report: PhotoReport
    image: LoadedImage | None = None
    masks: tuple[SoleMask, ...] = ()
    soles: tuple[CanonicalSole, ...] = ()
    wear_maps: tuple[np.ndarray, ...] = field(default=())
    error: ShoewearError | None = None


def analyze(
    photo: Photo,
    models: Models,
    *,
    name: str | None = None,
    side: str | None = None,
) -> Analysis:
    """Read one photo: find the soles, align them, read their wear, advise.

    Parameters
    ----------
    photo : str, PathLike, bytes or LoadedImage
        A photo file, the bytes of one (an upload), or a decoded photo.
    models : Models
        The networks (`Models.load`).
    name : str or None
        What the report calls the photo; default: the path, or "photo".
    side : {"left", "right"} or None
        The side of a single sole when the user knows it; None guesses it.
        Two soles are read as a pair, one left and one right shoe.

    Returns
    -------
    Analysis
        Never raises for a bad photo: the reason is in ``report.error``.
    """
    from .load import decode_image, load_image

    if name is None:
        name = str(photo) if isinstance(photo, str | os.PathLike) else "photo"
    info = models.info()
    try:
        if isinstance(photo, LoadedImage):
            image = photo
        elif isinstance(photo, bytes):
            image = decode_image(photo, name=name)
        else:
            image = load_image(photo)
    except ShoewearError as exc:
        return Analysis(PhotoReport(file=name, error=str(exc), models=info), error=exc)
    try:
        masks, soles = _find_soles(image, models.segmenter, side=side)
    except ShoewearError as exc:
        report = PhotoReport(file=name, error=str(exc), models=info)
        return Analysis(report, image=image, error=exc)
    if models.wear is None:
        report = PhotoReport(file=name, models=info)
        return Analysis(report, image=image, masks=tuple(masks), soles=tuple(soles))
    readings, maps = models.wear.read_with_maps(soles)
    report = _report(name, soles, readings, info)
    return Analysis(
        report, image=image, masks=tuple(masks), soles=tuple(soles), wear_maps=tuple(maps)
    )


def _find_soles(
    image: LoadedImage, segmenter: SoleSegmenter, *, side: str | None
) -> tuple[list[SoleMask], list[CanonicalSole]]:
    """Segment and align every sole, left to right.

    A side the user gives applies only to a single sole; two soles are
    taken for a pair and their sides read together (`align.pair_sides`).
    """
    from .align import align_sole, pair_sides
    from .segment import segment_outsole

    rgb, scale = image.rgb, image.scale
    found = segment_outsole(rgb, segmenter)
    told = side if len(found) == 1 else None
    canons = [align_sole(rgb, sole, scale=scale, side=told) for sole in found]
    if len(found) == 2:
        canons = pair_sides(rgb, found, canons, scale=scale)
    return found, canons


def _report(name, soles, readings, info: dict) -> PhotoReport:
    """Attach advice to each reading and compare a left/right pair."""
    from .advice import advise, compare_pair

    sole_reports = tuple(
        SoleReport(
            side=c.side,
            side_confidence=c.side_confidence,
            box=c.box,
            reading=r,
            advice=advise(r),
        )
        for c, r in zip(soles, readings, strict=True)
    )
    by_side = {s.side: s.reading for s in sole_reports}
    asymmetry = None
    if len(sole_reports) == 2 and {"left", "right"} <= by_side.keys():
        asymmetry = compare_pair(by_side["left"], by_side["right"])
    return PhotoReport(file=name, soles=sole_reports, asymmetry=asymmetry, models=info)


def pair_report(left: PhotoReport, right: PhotoReport) -> PhotoReport:
    """One report for a photo of the left shoe and one of the right, with their asymmetry.

    The first sole of each photo is taken; both photos must be read by the
    same models for the comparison to mean anything, and the left photo's
    models are named.
    """
    from .advice import compare_pair

    soles = left.soles[:1] + right.soles[:1]
    asymmetry = None
    if len(soles) == 2:
        asymmetry = compare_pair(soles[0].reading, soles[1].reading)
    return PhotoReport(
        file=f"{left.file} + {right.file}", soles=soles, asymmetry=asymmetry, models=left.models
    )
