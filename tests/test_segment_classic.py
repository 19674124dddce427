import cv2
import numpy as np
import pytest
from test_align import foot_mask

from shoewear.errors import NoSoleFoundError
from shoewear.segment_classic import segment_classic


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def _floor(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([176, 160, 130], np.float32) + rng.normal(0, 6, (h, w, 3))


def _paint(img: np.ndarray, mask: np.ndarray, *, rim: bool = True) -> np.ndarray:
    """Checker tread inside `mask`, with a light midsole rim along its edge."""
    h, w = mask.shape
    yy, xx = np.mgrid[:h, :w]
    tread = np.where((xx // 5 + yy // 5) % 2 == 0, 45.0, 95.0)[..., None] * np.ones(3)
    out = np.where(mask[..., None], tread, img)
    if rim:
        inner = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        out[mask & ~inner] = (230, 230, 225)
    return out


def _photo(masks, size=(480, 640), seed=0) -> np.ndarray:
    img = _floor(*size, seed=seed)
    for m in masks:
        img = _paint(img, m)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("side", "angle"), [("left", 20), ("right", -35), ("right", 100)])
def test_painted_sole_is_found_exactly(side, angle):
    truth = foot_mask((480, 640), side=side, angle=angle, length=330)
    (sole,) = segment_classic(_photo([truth]))
    assert sole.mask.shape == truth.shape and sole.mask.dtype == bool
    assert _iou(sole.mask, truth) > 0.95
    ys, xs = np.nonzero(sole.mask)
    assert sole.box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert 0.0 < sole.quality <= 1.0


def test_pair_gives_two_soles_left_to_right():
    left = foot_mask((480, 640), side="left", angle=-8, length=330, centre=(215, 240))
    right = foot_mask((480, 640), side="right", angle=8, length=330, centre=(425, 240))
    soles = segment_classic(_photo([left, right]))
    assert len(soles) == 2
    assert _iou(soles[0].mask, left) > 0.9 and _iou(soles[1].mask, right) > 0.9
    (one,) = segment_classic(_photo([left, right]), max_soles=1)
    assert max(_iou(one.mask, left), _iou(one.mask, right)) > 0.9


def _blank():
    return np.clip(_floor(400, 500), 0, 255).astype(np.uint8)


def _card():
    img = np.clip(_floor(400, 500), 0, 255).astype(np.uint8)
    cv2.rectangle(img, (150, 120), (330, 260), (245, 245, 240), -1)
    cv2.putText(img, "4711", (170, 210), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 20), 3)
    return img


def _disk():
    img = _floor(400, 500)
    cv2.circle(img, (250, 200), 110, (40, 90, 40), -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def _ruler():
    img = _floor(400, 500)
    cv2.rectangle(img, (60, 180), (440, 205), (250, 250, 250), -1)
    for x in range(60, 440, 20):
        cv2.rectangle(img, (x, 180), (x + 10, 192), (10, 10, 10), -1)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("make", [_blank, _card, _disk, _ruler])
def test_photos_without_a_sole_are_refused(make):
    with pytest.raises(NoSoleFoundError, match="^no outsole found in the photo$"):
        segment_classic(make())


@pytest.mark.parametrize(
    ("rgb", "kwargs", "words"),
    [
        (np.zeros((50, 50), np.uint8), {}, "must be \\(H, W, 3\\) uint8"),
        (np.zeros((50, 50, 3), np.float32), {}, "must be \\(H, W, 3\\) uint8"),
        (np.zeros((50, 50, 3), np.uint8), {"max_soles": 0}, "max_soles must be at least 1"),
    ],
)
def test_bad_input(rgb, kwargs, words):
    with pytest.raises(ValueError, match=words):
        segment_classic(rgb, **kwargs)


def test_generated_photos_are_mostly_found():
    synth = pytest.importorskip("shoewear.synth")
    ious = []
    for seed in range(10):
        photo = synth.generate_photo(seed, long_side=512)
        try:
            found = segment_classic(photo.rgb)
        except NoSoleFoundError:
            found = []
        for truth in photo.soles:
            ious.append(max((_iou(f.mask, truth.mask) for f in found), default=0.0))
    assert np.median(ious) > 0.8


def test_generated_negatives_are_mostly_refused():
    synth = pytest.importorskip("shoewear.synth")
    refused = 0
    for seed in range(6):
        try:
            segment_classic(synth.generate_negative(seed, long_side=512))
        except NoSoleFoundError:
            refused += 1
    assert refused >= 3
