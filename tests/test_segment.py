from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import foot_mask

from shoewear.errors import ModelError, NoSoleFoundError
from shoewear.segment import SoleSegmenter
from shoewear.segment import soles as segment
from shoewear.segment.config import core_target
from shoewear.segment.soles import segment_outsole, soles_from_logits, upscale_mask

REAL_DEV = Path(__file__).resolve().parents[2] / "shared" / "real-dev"
SEGMENTER = SoleSegmenter.load()


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def _logits(masks: list[np.ndarray], f: int = 4) -> np.ndarray:
    """Ideal segmenter logits at 1/f scale for the given full-size sole masks."""
    h, w = masks[0].shape
    covers = [cv2.resize(m.astype(np.float32), (w // f, h // f), interpolation=cv2.INTER_AREA)
              for m in masks]
    u = np.clip(np.sum(covers, 0), 1e-3, 1 - 1e-3)
    core = core_target([c >= 0.5 for c in covers])
    return np.stack([np.log(u / (1 - u)), np.where(core, 6.0, -6.0)]).astype(np.float32)


def test_touching_pair_is_split_left_to_right():
    left = foot_mask((480, 640), side="left", angle=-4, length=330, centre=(262, 240))
    right = foot_mask((480, 640), side="right", angle=4, length=330, centre=(372, 240))
    right &= ~left
    assert (cv2.dilate(left.astype(np.uint8), np.ones((3, 3))) & right).any()  # they touch
    soles = soles_from_logits(_logits([left, right]), (480, 640))
    assert len(soles) == 2
    assert _iou(soles[0].mask, left) > 0.95 and _iou(soles[1].mask, right) > 0.95
    assert soles[0].box[0] < soles[1].box[0]
    (one,) = soles_from_logits(_logits([left, right]), (480, 640), max_soles=1)
    assert max(_iou(one.mask, left), _iou(one.mask, right)) > 0.95


def test_a_broken_core_still_gives_one_sole():
    truth = foot_mask((480, 640), side="right", angle=75, length=400)
    logits = _logits([truth])
    cut = np.zeros_like(truth)
    cv2.line(cut.view(np.uint8), (300, 0), (340, 479), 1, 40)  # glare across the sole
    small_cut = cv2.resize(cut.astype(np.uint8), logits.shape[:0:-1]) > 0
    logits[1][small_cut] = -6.0
    n, _ = cv2.connectedComponents((logits[1] > 0).astype(np.uint8))
    assert n - 1 == 2  # two core pieces
    (sole,) = soles_from_logits(logits, (480, 640))
    assert _iou(sole.mask, truth) > 0.97


def test_groupings_are_every_split_into_at_most_n_groups():
    from shoewear.segment.soles import _groupings

    assert list(_groupings([1], 2)) == [[[1]]]
    two = [sorted(map(sorted, g)) for g in _groupings([1, 2, 3], 2)]
    assert sorted(two) == [[[1], [2, 3]], [[1, 2], [3]], [[1, 2, 3]], [[1, 3], [2]]]
    assert len(list(_groupings([1, 2, 3, 4], 3))) == 14  # Stirling numbers: 1 + 7 + 6


def test_edges_fall_between_network_pixels():
    truth = foot_mask((480, 640), side="right", angle=30, length=330)
    (sole,) = soles_from_logits(_logits([truth], f=4), (480, 640))
    nearest = cv2.resize(cv2.resize(truth.astype(np.uint8), (160, 120),
                                    interpolation=cv2.INTER_NEAREST),
                         (640, 480), interpolation=cv2.INTER_NEAREST) > 0
    assert _iou(sole.mask, truth) > 0.98 > _iou(nearest, truth)
    ys, xs = np.nonzero(sole.mask)
    assert sole.box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert 0.0 < sole.quality <= 1.0


@pytest.mark.parametrize(
    "blob",
    [
        lambda m: cv2.circle(m, (320, 240), 120, 1, -1),  # round: not elongated
        lambda m: cv2.rectangle(m, (100, 220), (540, 260), 1, -1),  # a ruler: far too thin
        lambda m: m,  # nothing at all
    ],
)
def test_shapes_that_are_not_soles_give_nothing(blob):
    m = np.zeros((480, 640), np.uint8)
    blob(m)
    assert soles_from_logits(_logits([m.astype(bool)]), (480, 640)) == []


def test_stray_sole_pixels_without_a_core_are_dropped():
    truth = foot_mask((480, 640), side="left", angle=0, length=330, centre=(250, 240))
    logits = _logits([truth])
    logits[0, 20:30, 140:150] = 6.0  # a stray blob, no core
    (sole,) = soles_from_logits(logits, (480, 640))
    assert not sole.mask[80:120, 560:600].any()
    assert _iou(sole.mask, truth) > 0.97


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
        segment_outsole(rgb, SEGMENTER, **kwargs)


def test_tiny_photo_is_refused():
    with pytest.raises(NoSoleFoundError, match="^no outsole found in the photo$"):
        segment_outsole(np.zeros((10, 400, 3), np.uint8), SEGMENTER)


def test_generated_photos_are_found_exactly():
    synth = pytest.importorskip("shoewear.synth")
    ious, counts = [], []
    for seed in range(8):  # seeds far from the segmenter's training seeds
        photo = synth.generate_photo(seed, pair=seed % 2 == 1, long_side=640)
        try:
            found = segment_outsole(photo.rgb, SEGMENTER)
        except NoSoleFoundError:
            found = []
        counts.append(len(found) == len(photo.soles))
        for truth in photo.soles:
            ious.append(max((_iou(f.mask, truth.mask) for f in found), default=0.0))
    assert np.median(ious) > 0.95
    assert np.mean(counts) >= 0.75


def test_generated_negatives_are_refused():
    synth = pytest.importorskip("shoewear.synth")
    refused = 0
    for seed in range(8):
        try:
            segment_outsole(synth.generate_negative(seed, long_side=512), SEGMENTER)
        except NoSoleFoundError:
            refused += 1
    assert refused >= 7


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "no sole segmenter at"), (b"not an onnx file", "not a readable ONNX segmenter")],
)
def test_broken_segmenter_file_is_one_clear_error(tmp_path, content, words):
    path = tmp_path / "seg.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=words):
        SoleSegmenter.load(path)


def test_upscale_mask_is_smooth_and_sized():
    small = foot_mask((120, 160), angle=30, length=90)
    big = upscale_mask(small, (640, 480))
    assert big.shape == (480, 640) and big.dtype == bool
    truth = foot_mask((480, 640), angle=30, length=360)
    nearest = cv2.resize(small.astype(np.uint8), (640, 480), interpolation=cv2.INTER_NEAREST) > 0
    assert _iou(big, truth) > _iou(nearest, truth) > 0.9
    assert np.array_equal(upscale_mask(small, (160, 120)), small)


def test_real_photos_do_not_crash():
    if not REAL_DEV.is_dir():
        pytest.skip("real-dev photos not available")
    from shoewear.load import load_image

    for path in sorted(REAL_DEV.glob("*.jpg")):
        image = load_image(path, max_side=512)
        try:
            soles = segment_outsole(image.rgb, SEGMENTER)
        except NoSoleFoundError:
            continue
        assert 1 <= len(soles) <= 2
        assert all(s.mask.shape == image.rgb.shape[:2] for s in soles)


def test_candidate_box_bounds_sole_regions_with_a_core():
    from shoewear.segment.soles import _candidate_box

    truth = foot_mask((480, 640), side="left", angle=10, length=200, centre=(200, 200))
    logits = _logits([truth])  # network scale f = 1/4
    x0, y0, x1, y1 = _candidate_box(logits, 0.25, (480, 640))
    ys, xs = np.nonzero(truth)
    assert x0 < xs.min() and y0 < ys.min() and x1 > xs.max() and y1 > ys.max()
    margin = 0.1 * max(np.ptp(xs), np.ptp(ys)) + 2 / 0.25 + 4  # the margin, rounding, no more
    assert x1 - x0 < np.ptp(xs) + 2 * margin and y1 - y0 < np.ptp(ys) + 2 * margin
    no_core = logits.copy()
    no_core[1] = -6.0
    assert _candidate_box(no_core, 0.25, (480, 640)) is None
    big = foot_mask((480, 640), side="left", angle=90, length=600)
    assert _candidate_box(_logits([big]), 0.25, (480, 640)) is None  # most of the photo


def test_a_closer_look_tightens_small_soles(monkeypatch):

    synth = pytest.importorskip("shoewear.synth")
    photos = []
    for seed in (11, 12, 13, 16):  # the photos shrunk to half size on a plain floor
        photo = synth.generate_photo(seed, long_side=640)
        h, w = photo.rgb.shape[:2]
        canvas = np.empty((h, w, 3), np.uint8)
        canvas[:] = np.median(photo.rgb.reshape(-1, 3), 0).astype(np.uint8)
        truth = np.zeros((h, w), bool)
        y0, x0 = h // 4, w // 3
        small = (w // 2, h // 2)
        canvas[y0 : y0 + small[1], x0 : x0 + small[0]] = cv2.resize(photo.rgb, small,
                                                                    interpolation=cv2.INTER_AREA)
        truth[y0 : y0 + small[1], x0 : x0 + small[0]] = cv2.resize(
            photo.soles[0].mask.astype(np.uint8), small, interpolation=cv2.INTER_AREA) > 0
        photos.append((canvas, truth))

    def mean_iou() -> float:
        ious = []
        for rgb, truth in photos:
            try:
                found = segment_outsole(rgb, SEGMENTER)
            except NoSoleFoundError:
                found = []
            ious.append(max((_iou(f.mask, truth) for f in found), default=0.0))
        return float(np.mean(ious))

    closer = mean_iou()
    monkeypatch.setattr(segment, "_CLOSER_BELOW", 0.0)  # the first look alone
    first = mean_iou()
    assert closer > 0.9 and closer > first + 0.01
