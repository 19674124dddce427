import math

import numpy as np
import pytest
from conftest import foot_mask, toe_direction

from shoewear.align import align_sole, pair_sides
from shoewear.contract import CANON_SHAPE, ZONES
from shoewear.sole import SoleMask


def _sole(mask: np.ndarray) -> SoleMask:
    ys, xs = np.nonzero(mask)
    return SoleMask(mask=mask, quality=1.0, box=(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))


def _painted(mask: np.ndarray) -> np.ndarray:
    """Grey photo with a gradient on the sole: brighter towards the image's top."""
    h, w = mask.shape
    ramp = np.linspace(250, 50, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    img = np.where(mask, ramp, 120.0).astype(np.uint8)
    return np.dstack([img, img, img])


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("angle", [0, 35, 90, 150, 200, 270, 320])
def test_direction_and_side_from_outline(side, angle):
    mask = foot_mask(side=side, angle=angle)
    canon = align_sole(_painted(mask), _sole(mask))
    h, w = CANON_SHAPE
    heel = canon.to_photo @ [w / 2, h - 1, 1]
    toe = canon.to_photo @ [w / 2, 0, 1]
    assert (toe[:2] - heel[:2]) @ toe_direction(angle) > 0.9 * 220 * 0.9
    assert canon.side == side
    assert canon.side_confidence > 0.8


@pytest.mark.parametrize("side", ["left", "right"])
def test_canonical_frame_has_heel_down_and_medial_right(side):
    mask = foot_mask(side=side, angle=60)
    canon = align_sole(_painted(mask), _sole(mask))
    h, w = CANON_SHAPE
    assert canon.image.shape == (h, w, 3) and canon.image.dtype == np.uint8
    assert canon.mask.shape == (h, w) and canon.mask.dtype == bool
    widths = canon.mask.sum(axis=1)
    # forefoot (u 0.6-0.8) wider than the heel (u 0.1-0.3): heel at the bottom
    assert (
        widths[round(0.2 * h) : round(0.4 * h)].mean()
        > widths[round(0.7 * h) : round(0.9 * h)].mean()
    )
    # arch notch on the right (medial) side: the right edge retreats at u 0.35-0.55
    rows = slice(round(0.5 * h), round(0.6 * h))
    right_edge = w - 1 - canon.mask[rows, ::-1].argmax(axis=1)
    left_edge = canon.mask[rows].argmax(axis=1)
    assert (w - 1 - right_edge).mean() > left_edge.mean() + 5
    assert set(np.unique(canon.zones)) == set(range(-1, len(ZONES)))


def test_side_override_gives_confidence_one_and_mirrors():
    mask = foot_mask(side="right", angle=10)
    guessed = align_sole(_painted(mask), _sole(mask))
    told = align_sole(_painted(mask), _sole(mask), side="left")
    assert guessed.side == "right" and told.side == "left"
    assert told.side_confidence == 1.0
    assert np.array_equal(told.mask, guessed.mask[:, ::-1]) or (
        np.mean(told.mask != guessed.mask[:, ::-1]) < 0.01
    )


def test_weak_arch_lowers_confidence():
    strong = foot_mask(side="right", angle=0, arch=1.0)
    weak = foot_mask(side="right", angle=0, arch=0.0)
    c_strong = align_sole(_painted(strong), _sole(strong)).side_confidence
    c_weak = align_sole(_painted(weak), _sole(weak)).side_confidence
    assert c_weak < c_strong


def test_image_follows_the_sole():
    # The gradient is bright at the image's top; a toe-up sole keeps its bright toe at the top,
    # a toe-down one gets it at the bottom of the canonical image.
    for angle, toe_bright in ((0, True), (180, False)):
        mask = foot_mask(side="right", angle=angle)
        canon = align_sole(_painted(mask), _sole(mask))
        gray = canon.image.mean(axis=2)
        top = gray[20:60][canon.mask[20:60]].mean()
        bottom = gray[-60:-20][canon.mask[-60:-20]].mean()
        assert (top > bottom) == toe_bright


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25])
def test_geometry_is_in_original_pixels(scale):
    mask = foot_mask(side="left", angle=25)
    canon = align_sole(_painted(mask), _sole(mask), scale=scale)
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = canon.box
    assert x0 == pytest.approx(xs.min() / scale, abs=1 / scale + 1)
    assert x1 == pytest.approx((xs.max() + 1) / scale, abs=1 / scale + 1)
    assert y1 == pytest.approx((ys.max() + 1) / scale, abs=1 / scale + 1)
    # the outline lies inside the box and the canonical corners map near it
    assert canon.outline[:, 0].min() >= x0 - 1 and canon.outline[:, 0].max() <= x1 + 1
    centre = canon.to_photo @ [CANON_SHAPE[1] / 2, CANON_SHAPE[0] / 2, 1]
    assert x0 < centre[0] < x1 and y0 < centre[1] < y1
    # a canonical sole pixel maps onto a sole pixel of the working image
    cy, cx = np.argwhere(canon.mask)[len(np.argwhere(canon.mask)) // 2]
    px, py, _ = canon.to_photo @ [cx, cy, 1]
    assert mask[round((py + 0.5) * scale - 0.5), round((px + 0.5) * scale - 0.5)]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"side": "both"}, "side must be"), ({"scale": 0.0}, "scale must be positive")],
)
def test_bad_arguments(kwargs, words):
    mask = foot_mask()
    with pytest.raises(ValueError, match=words):
        align_sole(_painted(mask), _sole(mask), **kwargs)


def test_mismatched_mask_is_refused():
    mask = foot_mask()
    with pytest.raises(ValueError, match="differ in shape"):
        align_sole(_painted(mask)[:-1], _sole(mask))


def _pair(left_arch: float) -> tuple[np.ndarray, list[SoleMask]]:
    """A photo of a right sole (left in the picture) and a left sole with arch `left_arch`."""
    shape = (300, 560)
    right = foot_mask(shape, side="right", angle=5, centre=(150, 150))
    left = foot_mask(shape, side="left", angle=-5, centre=(410, 150), arch=left_arch)
    return _painted(right | left), [_sole(right), _sole(left)]


def test_a_pair_is_read_as_one_left_and_one_right_sole():
    # A left sole with its arch bulging outward reads as a right one on its own.
    rgb, soles = _pair(left_arch=-1.5)
    alone = [align_sole(rgb, s) for s in soles]
    assert [c.side for c in alone] == ["right", "right"]
    assert alone[1].side_confidence < alone[0].side_confidence

    paired = pair_sides(rgb, soles, alone)
    assert [c.side for c in paired] == ["right", "left"]
    # both get the probability of that reading given both outlines
    logit = [math.log(c.side_confidence / (1 - c.side_confidence)) for c in alone]
    expected = 1 / (1 + math.exp(-(logit[0] - logit[1])))
    assert [c.side_confidence for c in paired] == pytest.approx([expected, expected])
    # the sole that changed side is mirrored the other way, as if its side had been told
    told = align_sole(rgb, soles[1], side="left")
    assert np.array_equal(paired[1].mask, told.mask)
    assert np.array_equal(paired[1].image, told.image)
    assert paired[0].image is alone[0].image


def test_a_pair_read_right_alone_keeps_its_sides_and_gains_confidence():
    rgb, soles = _pair(left_arch=1.0)
    alone = [align_sole(rgb, s) for s in soles]
    assert [c.side for c in alone] == ["right", "left"]
    paired = pair_sides(rgb, soles, alone)
    assert [c.side for c in paired] == ["right", "left"]
    assert all(p.side_confidence >= max(c.side_confidence for c in alone) for p in paired)
    assert all(p.image is c.image for p, c in zip(paired, alone, strict=True))


def test_pair_sides_needs_two_soles():
    rgb, soles = _pair(left_arch=1.0)
    with pytest.raises(ValueError, match="two soles"):
        pair_sides(rgb, soles[:1], [align_sole(rgb, soles[0])])


def test_the_pipeline_reads_the_sides_of_a_pair_together(monkeypatch):
    import shoewear.segment
    from shoewear.load import LoadedImage
    from shoewear.pipeline import _find_soles

    rgb, soles = _pair(left_arch=-1.5)
    image = LoadedImage(rgb=rgb, scale=1.0, original_size=rgb.shape[1::-1])
    monkeypatch.setattr(shoewear.segment, "segment_outsole", lambda image, seg: soles)
    _, canons = _find_soles(image, None, side=None)
    assert [c.side for c in canons] == ["right", "left"]
    # one sole alone keeps its own guess, or the side it is told
    monkeypatch.setattr(shoewear.segment, "segment_outsole", lambda image, seg: soles[1:])
    assert _find_soles(image, None, side=None)[1][0].side == "right"
    assert _find_soles(image, None, side="left")[1][0].side == "left"
