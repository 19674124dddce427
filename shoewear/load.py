"""Read photo files into 8-bit RGB arrays at working size.

This is the only module of shoewear that reads image files. It refuses files
that are too big or decompression bombs *before* decoding them, decodes large
JPEGs directly at a reduced DCT scale, as coarse as the stages allow (much
faster than a full decode and a resize), applies the EXIF orientation and
converts every mode (grayscale, palette, RGBA, 16-bit, CMYK) to 8-bit RGB.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageLoadError

#: Files larger than this (bytes) are refused before decoding: 40 MB.
MAX_FILE_BYTES: int = 40 * 1024 * 1024
#: Images with more pixels than this (width x height, read from the header)
#: are refused before decoding: 100 megapixels.
MAX_PIXELS: int = 100_000_000
#: Images whose short side is below this many pixels cannot show a sole.
MIN_SIDE: int = 32
#: Images longer than this many times their width cannot show a sole.
MAX_ASPECT: float = 8.0
#: Default long side of the working image, in pixels.
DEFAULT_MAX_SIDE: int = 1024
#: A JPEG longer than the working size is decoded at the coarsest DCT scale
#: (1/2, 1/4 or 1/8) that keeps its long side at least this many pixels: a
#: 12 MP phone photo (4000 px) comes out at 500 px, the size of the photos the
#: models are trained on, at a third less decoding than at 1/4.
DRAFT_MIN_SIDE: int = 500

_EXIF_ORIENTATION = 0x0112
_HEIF_REGISTERED = False


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo at working size.

    Attributes
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo, EXIF orientation applied, long side at most the `max_side`
        it was loaded with.
    scale : float
        Working pixels per original pixel (<= 1); divide working coordinates
        by it to get original-photo pixels.
    original_size : tuple of int
        (width, height) of the photo after EXIF orientation.
    """

    rgb: np.ndarray
    scale: float
    original_size: tuple[int, int]


def load_image(path: str | os.PathLike, *, max_side: int = DEFAULT_MAX_SIDE) -> LoadedImage:
    """Read a photo file as 8-bit RGB at working size.

    Parameters
    ----------
    path : str or path-like
        A JPEG, PNG, WebP, BMP, TIFF or HEIC/HEIF file.
    max_side : int
        Longest side of the working image in pixels. A JPEG longer than this
        is decoded at the coarsest DCT reduction (1/2, 1/4, 1/8) that keeps
        its long side at least ``min(DRAFT_MIN_SIDE, max_side)`` (a 4000 px
        phone photo comes out at 500 px); other formats are shrunk to fit.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageLoadError
        When the file is missing, a directory, empty, larger than
        `MAX_FILE_BYTES`, not an image, truncated, more than `MAX_PIXELS`
        pixels, or of an absurd size; the message is one line naming the file.
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise ImageLoadError(f"{name}: no such file")
    if path.is_dir():
        raise ImageLoadError(f"{name}: is a directory, not an image file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageLoadError(f"{name}: cannot read ({exc.strerror or exc})") from None
    _check_file_size(name, size)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageLoadError(f"{name}: cannot read ({exc.strerror or exc})") from None
    return decode_image(data, name=name, max_side=max_side)


def decode_image(
    data: bytes, *, name: str = "upload", max_side: int = DEFAULT_MAX_SIDE
) -> LoadedImage:
    """Decode the bytes of an image file (e.g. a browser upload) as `load_image` does.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        Names the image in error messages.
    max_side : int
        Longest side of the working image in pixels.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageLoadError
        See `load_image`.
    """
    if max_side < MIN_SIDE:
        raise ValueError(f"max_side must be at least {MIN_SIDE}, got {max_side}")
    _check_file_size(name, len(data))
    if data[4:8] == b"ftyp":  # an ISO media file (HEIC/HEIF): only then pay for its opener
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ImageLoadError(
            f"{name}: refused, the header claims more than {MAX_PIXELS / 1e6:.0f} megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageLoadError(f"{name}: not an image file shoewear can read") from None
    with image:
        return _decode(image, data, name, max_side)


def _check_file_size(name: str, size: int) -> None:
    if size == 0:
        raise ImageLoadError(f"{name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise ImageLoadError(
            f"{name}: refused, {size / 1e6:.1f} MB is over the "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB limit"
        )


def _register_heif() -> None:
    global _HEIF_REGISTERED
    if not _HEIF_REGISTERED:
        try:
            import pillow_heif
        except ImportError:  # HEIC support is optional at run time
            pass
        else:
            pillow_heif.register_heif_opener()
        _HEIF_REGISTERED = True


def _decode(image: Image.Image, data: bytes, name: str, max_side: int) -> LoadedImage:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name}: refused, {width}x{height} is over the "
            f"{MAX_PIXELS / 1e6:.0f} megapixel limit"
        )
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageLoadError(f"{name}: a {width}x{height} image cannot show a sole")
    try:
        orientation = int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # a damaged EXIF block must not stop the photo  # noqa: BLE001
        orientation = 1
    if image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK", "YCbCr"):
        k = _draft_scale(max(width, height), max_side)
        if k > 1:
            # Pillow picks the scale as size // requested: asking for the floor
            # gets exactly 1/k (the ceiling would fall back to 1/(k/2) or less).
            image.draft(image.mode, (width // k, height // k))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
            rgb = _to_rgb8(image, data)
    except ImageLoadError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        detail = "truncated or damaged" if "truncat" in str(exc).lower() else "damaged"
        raise ImageLoadError(f"{name}: the image data is {detail}") from None
    rgb = _orient(rgb, orientation)
    h, w = rgb.shape[:2]
    if max(h, w) > max_side:
        f = max_side / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    scale = rgb.shape[1] / width
    return LoadedImage(rgb=np.ascontiguousarray(rgb), scale=scale, original_size=(width, height))


def _draft_scale(long_side: int, max_side: int) -> int:
    """The JPEG DCT scale divisor (1, 2, 4 or 8) to decode a photo at.

    1 when the photo fits `max_side`; otherwise the largest divisor that keeps
    the long side at least ``min(DRAFT_MIN_SIDE, max_side)``, and at least 2.
    """
    if long_side <= max_side:
        return 1
    floor = min(DRAFT_MIN_SIDE, max_side)
    k = 2
    while k < 8 and long_side / (2 * k) >= floor:
        k *= 2
    return k


def _to_rgb8(image: Image.Image, data: bytes) -> np.ndarray:
    mode = image.mode
    if mode in ("RGB",):
        return np.asarray(image)
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(image).astype(np.float64)
        top = 65535.0 if mode.startswith("I;16") or a.max() > 255 else 255.0
        gray = np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA")).astype(np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        # Transparent parts become white, like a product photo's background.
        return (rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    try:
        return np.asarray(image.convert("RGB"))
    except (ValueError, OSError):
        return _cv2_fallback(data)


def _cv2_fallback(data: bytes) -> np.ndarray:
    """Decode modes Pillow cannot convert (e.g. 16-bit RGB TIFF) with OpenCV."""
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ValueError("undecodable")
    if arr.dtype == np.uint16:
        arr = (arr // 257).astype(np.uint8)
    elif arr.dtype != np.uint8:
        arr = cv2.normalize(arr, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    if arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)


def _orient(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation tag (1-8) to an (H, W, 3) array."""
    if orientation == 2:
        return rgb[:, ::-1]
    if orientation == 3:
        return rgb[::-1, ::-1]
    if orientation == 4:
        return rgb[::-1]
    if orientation == 5:
        return rgb.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(rgb, -1)
    if orientation == 7:
        return rgb.transpose(1, 0, 2)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(rgb, 1)
    return rgb
