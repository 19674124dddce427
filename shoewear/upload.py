"""Analyse an uploaded photo's bytes into a report and the pictures that explain it.

The browser app makes exactly one call per upload, `analyze_upload`; a left
and a right photo are joined with `pair_report`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .errors import ShoewearError
from .readers import Reader
from .report import PhotoReport

#: Largest upload taken, in bytes (the app's `server.maxUploadSize` agrees).
UPLOAD_MAX_BYTES = 25 * 1024 * 1024


@dataclass
class Analysis:
    """What the page shows for one photo.

    Attributes
    ----------
    report : PhotoReport
        The report; `report.error` set when the photo could not be read.
    overlay : (H, W, 3) uint8 ndarray or None
        The photo with outline, zones and side drawn on it.
    soles : list of (h, w, 3) uint8 ndarray
        Each sole in the canonical frame with its wear map, as in `report.soles`.
    rgb : (H, W, 3) uint8 ndarray or None
        The photo at working size.
    scale : float
        Working pixels per original-photo pixel.
    seconds : float
        Time from the bytes to the pictures.
    """

    report: PhotoReport
    overlay: np.ndarray | None = None
    soles: list[np.ndarray] = field(default_factory=list)
    rgb: np.ndarray | None = None
    scale: float = 1.0
    seconds: float = 0.0


def analyze_upload(
    data: bytes,
    reader: Reader,
    *,
    name: str = "upload",
    side: str | None = None,
    max_bytes: int = UPLOAD_MAX_BYTES,
) -> Analysis:
    """Analyse the bytes of an uploaded photo as the page does.

    Parameters
    ----------
    data : bytes
        The whole image file.
    reader : Reader
        From `make_reader`.
    name : str
        The file's name, for the report and error messages.
    side : {"left", "right"} or None
        The side the user says a single sole is; None guesses it.

    Returns
    -------
    Analysis
        Never raises for a bad photo: the message is in ``report.error``.
    """
    from .load import decode_image
    from .pipeline import analyze_rgb
    from .render import draw_canonical, draw_overlay

    t0 = time.perf_counter()
    if len(data) > max_bytes:
        return Analysis(
            PhotoReport(
                file=name,
                error=f"{name}: {len(data) / 2**20:.1f} MB is over the app's "
                f"{max_bytes / 2**20:.0f} MB limit; send a smaller photo",
            )
        )
    try:
        image = decode_image(data, name=name)  # the CLI's working size
    except ShoewearError as exc:
        return Analysis(PhotoReport(file=name, error=str(exc)))
    maps: list[np.ndarray] = []

    def read(canons):  # keeps the wear maps of the same pass for the pictures
        readings, found = reader.read_with_maps(canons)
        maps[:] = found
        return readings

    report, canons = analyze_rgb(image.rgb, read, name=name, scale=image.scale, side=side)
    if report.error:
        return Analysis(report, rgb=image.rgb, scale=image.scale)
    overlay = draw_overlay(image.rgb, canons, report.soles, wear_maps=maps, scale=image.scale)
    soles = [draw_canonical(c, wear_map=m) for c, m in zip(canons, maps, strict=True)]
    return Analysis(
        report,
        overlay=overlay,
        soles=soles,
        rgb=image.rgb,
        scale=image.scale,
        seconds=time.perf_counter() - t0,
    )


def pair_report(left: Analysis, right: Analysis) -> PhotoReport:
    """One report for a left photo and a right photo, with their asymmetry."""
    from .advice import compare_pair

    soles = left.report.soles[:1] + right.report.soles[:1]
    asymmetry = None
    if len(soles) == 2:
        asymmetry = compare_pair(soles[0].reading, soles[1].reading)
    return PhotoReport(
        file=f"{left.report.file} + {right.report.file}", soles=soles, asymmetry=asymmetry
    )
