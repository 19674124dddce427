"""Keep photos a user has corrected, laid out for `shoewear train`.

The folder is an ImageFolder tree, one sub-folder per wear pattern::

    <root>/<pattern>/<id>.jpg
    <root>/labels.csv          file,pattern,side,predicted_pattern,predicted_side,source,saved_at

`file` is relative to the root. Nothing here ever overwrites a file: each
photo gets a fresh id, is written with exclusive creation, and labels.csv is
only appended to.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .contract import PATTERNS
from .errors import ShoewearError, UsageError

#: Environment variable that names the feedback folder.
ENV_VAR = "SHOEWEAR_FEEDBACK_DIR"

LABELS_FILE = "labels.csv"
LABEL_COLUMNS: tuple[str, ...] = (
    "file",
    "pattern",
    "side",
    "predicted_pattern",
    "predicted_side",
    "source",
    "saved_at",
)

#: Longest side of a saved photo, in pixels: enough for training, small on disk.
MAX_SAVED_SIDE = 2048


class FeedbackError(ShoewearError):
    """The feedback folder could not be written."""


@dataclass(frozen=True)
class SavedFeedback:
    """Where a corrected photo went.

    Attributes
    ----------
    path : Path
        The JPEG written, ``<root>/<pattern>/<id>.jpg``.
    root : Path
        The feedback folder.
    row : dict
        The labels.csv row written for it.
    """

    path: Path
    root: Path
    row: dict[str, str]


def feedback_dir() -> Path:
    """The feedback folder: ``$SHOEWEAR_FEEDBACK_DIR``, else the user's data folder.

    Returns
    -------
    Path
        ``$SHOEWEAR_FEEDBACK_DIR`` when set and not empty, otherwise
        ``$XDG_DATA_HOME/shoewear/feedback`` (``~/.local/share/shoewear/feedback``).
        The folder is not created here.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "shoewear" / "feedback"


def save_feedback(
    rgb: np.ndarray,
    *,
    pattern: str,
    side: str,
    predicted_pattern: str = "",
    predicted_side: str = "",
    source: str = "",
    box: tuple[int, int, int, int] | None = None,
    root: str | Path | None = None,
) -> SavedFeedback:
    """Save a photo with the labels a user gave it.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo.
    pattern : str
        The wear pattern the user says is right, one of `design.PATTERNS`.
    side : {"left", "right", "unknown"}
        The side the user says it is.
    predicted_pattern, predicted_side : str
        What shoewear had said, kept for later comparison.
    source : str
        Where the photo came from (its file name), for the record only.
    box : tuple of int, optional
        (x0, y0, x1, y1) in pixels of `rgb`: save only this sole, with a
        margin of 8% around it, so one saved photo holds one labelled sole.
        The part of the box outside the image is ignored.
    root : path, optional
        The feedback folder; `feedback_dir()` when None.

    Returns
    -------
    SavedFeedback

    Raises
    ------
    UsageError
        For an unknown pattern or side, or an image that is not RGB.
    FeedbackError
        When the folder cannot be written.
    """
    if pattern not in PATTERNS:
        raise UsageError(f"unknown wear pattern {pattern!r}; use one of {', '.join(PATTERNS)}")
    if side not in ("left", "right", "unknown"):
        raise UsageError(f"side must be 'left', 'right' or 'unknown', got {side!r}")
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise UsageError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    if box is not None:
        rgb = _crop(rgb, box)
    jpeg = _encode_jpeg(rgb)
    root = Path(root).expanduser() if root is not None else feedback_dir()
    folder = root / pattern
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = _write_new(folder, jpeg)
        row = {
            "file": path.relative_to(root).as_posix(),
            "pattern": pattern,
            "side": side,
            "predicted_pattern": predicted_pattern,
            "predicted_side": predicted_side,
            "source": Path(source).name if source else "",
            "saved_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        _append_row(root / LABELS_FILE, row)
    except OSError as exc:
        raise FeedbackError(f"cannot write to the feedback folder {root}: {exc.strerror}") from exc
    return SavedFeedback(path=path, root=root, row=row)


def read_labels(root: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of ``<root>/labels.csv``, oldest first; [] when there is none.

    Parameters
    ----------
    root : path, optional
        The feedback folder; `feedback_dir()` when None.
    """
    path = (Path(root).expanduser() if root is not None else feedback_dir()) / LABELS_FILE
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _crop(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    # A box drawn from a rounded outline may poke out by a pixel: keep what lies inside.
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x0 >= x1 or y0 >= y1:
        raise UsageError(f"box {box} does not lie inside the {w}x{h} image")
    mx, my = round(0.08 * (x1 - x0)), round(0.08 * (y1 - y0))
    return rgb[max(0, y0 - my) : min(h, y1 + my), max(0, x0 - mx) : min(w, x1 + mx)]


def _encode_jpeg(rgb: np.ndarray) -> bytes:
    image = Image.fromarray(rgb)
    if max(image.size) > MAX_SAVED_SIDE:
        image.thumbnail((MAX_SAVED_SIDE, MAX_SAVED_SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def _write_new(folder: Path, data: bytes) -> Path:
    """Write `data` under a fresh name; 'x' mode fails rather than overwrite."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S")
    digest = hashlib.sha1(data).hexdigest()[:10]
    for n in range(1000):
        name = f"{stamp}_{digest}{f'_{n}' if n else ''}.jpg"
        try:
            with (folder / name).open("xb") as fh:
                fh.write(data)
        except FileExistsError:
            continue
        return folder / name
    raise FeedbackError(f"no free file name left in {folder}")


def _append_row(path: Path, row: dict[str, str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LABEL_COLUMNS, lineterminator="\n")
    try:
        with path.open("x", newline="", encoding="utf-8") as fh:
            writer.writeheader()
            fh.write(buf.getvalue())
    except FileExistsError:
        pass
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LABEL_COLUMNS, lineterminator="\n")
    writer.writerow(row)
    # One write in append mode: rows from two sessions never interleave.
    with path.open("a", newline="", encoding="utf-8") as fh:
        fh.write(buf.getvalue())
