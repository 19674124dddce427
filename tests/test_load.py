import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from shoewear.errors import ImageLoadError
from shoewear.load import MAX_FILE_BYTES, MAX_PIXELS, LoadedImage, decode_image, load_image


def _noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _encode(image: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels, with almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "HEIF"])
def test_formats_load_as_rgb8_at_working_size(fmt, tmp_path):
    if fmt == "HEIF":
        pillow_heif = pytest.importorskip("pillow_heif")
        pillow_heif.register_heif_opener()
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(_encode(Image.fromarray(_noise(240, 320)), fmt))
    img = load_image(path, max_side=160)
    assert isinstance(img, LoadedImage)
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (120, 160, 3)
    assert img.original_size == (320, 240)
    assert img.scale == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("L", "PNG"),
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("1", "PNG"),
    ],
)
def test_modes_convert_to_rgb8(mode, fmt):
    gray = np.tile(np.linspace(0, 255, 96, dtype=np.uint8), (64, 1))
    rgb = np.dstack([gray, gray, gray])
    data = _encode(Image.fromarray(rgb).convert(mode), fmt)
    out = decode_image(data).rgb
    assert out.shape == (64, 96, 3) and out.dtype == np.uint8
    # left dark, right bright, whatever the mode
    assert out[:, :10].mean() < 80 < 170 < out[:, -10:].mean()


def test_rgba_transparent_parts_become_white():
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[16:48, 16:48] = (10, 20, 30, 255)
    out = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG")).rgb
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[32, 32].tolist() == [10, 20, 30]


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_16_bit_images_scale_to_8_bit(ext):
    ramp = np.tile(np.linspace(0, 65535, 80).astype(np.uint16), (48, 1))
    for arr in (ramp, np.dstack([ramp, ramp, ramp])):
        ok, enc = cv2.imencode(ext, arr)
        assert ok
        out = decode_image(enc.tobytes()).rgb
        assert out.dtype == np.uint8 and out.shape == (48, 80, 3)
        assert out[:, 0].max() <= 2 and out[:, -1].min() >= 253


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation):
    rgb = _noise(40, 60, seed=orientation)
    image = Image.fromarray(rgb)
    exif = image.getexif()
    exif[0x0112] = orientation
    data = _encode(image, "PNG", exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))
    out = decode_image(data)
    assert np.array_equal(out.rgb, expected)
    assert out.original_size == (expected.shape[1], expected.shape[0])


def test_large_jpeg_is_decoded_reduced_and_oriented():
    # A 1600x1200 JPEG with orientation 6 (rotate 90 clockwise): a bright
    # block in its top-left corner must end up top-right.
    rgb = np.full((1200, 1600, 3), 40, np.uint8)
    rgb[:300, :400] = 230
    image = Image.fromarray(rgb)
    exif = image.getexif()
    exif[0x0112] = 6
    out = decode_image(_encode(image, "JPEG", exif=exif.tobytes(), quality=90), max_side=400)
    assert out.original_size == (1200, 1600)
    assert out.rgb.shape == (400, 300, 3)  # 1/4 DCT scale, no resize needed
    assert out.scale == pytest.approx(0.25)
    assert out.rgb[:50, -50:].mean() > 200 and out.rgb[:50, :50].mean() < 80


@pytest.mark.parametrize(
    ("size", "working"),
    [
        ((4000, 3000), (500, 375)),  # a 12 MP phone photo: 1/8
        ((1333, 2000), (334, 500)),  # an odd size still gets its exact 1/4
        ((1100, 825), (550, 413)),  # just over the working size: 1/2
        ((1024, 768), (1024, 768)),  # fits: decoded whole
    ],
)
def test_big_jpegs_decode_at_the_coarsest_scale_keeping_500_px(size, working):
    w, h = size
    ramp = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    rgb = np.broadcast_to(ramp, (h, w, 3)).astype(np.uint8)
    out = decode_image(_encode(Image.fromarray(rgb), "JPEG", quality=85))
    assert (out.rgb.shape[1], out.rgb.shape[0]) == working
    assert out.original_size == size
    assert out.scale == pytest.approx(working[0] / w)


def test_working_size_never_exceeds_max_side():
    data = _encode(Image.fromarray(_noise(700, 1000)), "JPEG")
    out = decode_image(data, max_side=333)
    assert max(out.rgb.shape[:2]) <= 333
    assert out.scale == pytest.approx(out.rgb.shape[1] / 1000)


def _not_image(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("this is not a photo\n" * 20)
    return p, "not an image"


def _truncated(tmp_path):
    p = tmp_path / "cut.jpg"
    data = _encode(Image.fromarray(_noise(200, 300)), "JPEG")
    p.write_bytes(data[: len(data) // 2])
    return p, "truncated"


def _empty(tmp_path):
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    return p, "empty"


def _directory(tmp_path):
    p = tmp_path / "folder.jpg"
    p.mkdir()
    return p, "directory"


def _missing(tmp_path):
    return tmp_path / "nowhere.jpg", "no such file"


def _bomb(tmp_path):
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_header(100_000, 100_000))
    return p, "megapixel"


def _big_header(tmp_path):
    p = tmp_path / "huge.png"
    side = int((MAX_PIXELS * 1.2) ** 0.5)  # over our limit, under Pillow's own
    p.write_bytes(_png_header(side, side))
    return p, "megapixel limit"


def _one_pixel(tmp_path):
    p = tmp_path / "dot.png"
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(p)
    return p, "1x1 image cannot show a sole"


def _sliver(tmp_path):
    p = tmp_path / "sliver.png"
    Image.fromarray(np.zeros((10, 100_000), np.uint8)).save(p)
    return p, "100000x10 image cannot show a sole"


@pytest.mark.parametrize(
    "make",
    [_not_image, _truncated, _empty, _directory, _missing, _bomb, _big_header, _one_pixel, _sliver],
)
def test_bad_files_raise_one_line_error_naming_the_file(make, tmp_path):
    path, words = make(tmp_path)
    with pytest.raises(ImageLoadError, match=words) as exc:
        load_image(path)
    message = str(exc.value)
    assert path.name in message and "\n" not in message


def test_file_over_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr("shoewear.load.MAX_FILE_BYTES", 1000)
    p = tmp_path / "big.png"
    Image.fromarray(_noise(100, 100)).save(p)
    with pytest.raises(ImageLoadError, match="over the"):
        load_image(p)
    assert MAX_FILE_BYTES >= 20 * 1024 * 1024  # phone photos must pass


def test_decode_image_names_the_upload():
    with pytest.raises(ImageLoadError, match="^my_upload.heic: not an image"):
        decode_image(b"GIF89a garbage" * 4, name="my_upload.heic")
