import cv2
import numpy as np
import pytest
from test_model_helpers import paint_canonical, sole_mask

from shoewear.contract import ZONES
from shoewear.wear.preprocess import (
    dense_target,
    shrink_sole,
    to_network_input,
    tread_detail,
    zone_levels,
    zone_weights,
)
from shoewear.zones import zone_means


@pytest.mark.parametrize("size", [(128, 64), (64, 32)])
def test_shrink_sole_stacks_mask_coverage(size):
    rgb, mask, _, _ = paint_canonical("even", np.random.default_rng(0))
    small = shrink_sole(rgb, mask, size=size)
    assert small.shape == (*size, 4) and small.dtype == np.uint8
    assert abs(small[..., 3].mean() / 255 - mask.mean()) < 0.01


def test_tread_detail_sees_sharp_lugs_but_not_the_outline():
    mask = sole_mask()
    h, w = mask.shape
    yy, xx = np.mgrid[:h, :w]
    lugs = np.where((xx // 3 + yy // 3) % 2, 150, 60).astype(np.uint8)
    sharp = np.dstack([lugs] * 3)
    sharp[~mask] = 240  # a bright floor around a dark sole
    soft = cv2.GaussianBlur(sharp, (0, 0), 1.5)
    soft[~mask] = 240
    plain = np.full_like(sharp, 90)
    plain[~mask] = 240
    inside = mask & (cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    assert tread_detail(plain, mask, bands=2).max() < 0.5  # the outline adds nothing
    edges = tread_detail(sharp, mask, bands=2)
    assert edges.shape == (*mask.shape, 2)
    assert edges[inside].mean(axis=0).min() > 10
    softer = tread_detail(soft, mask)[..., 0]
    assert softer[inside].mean() < 0.5 * edges[..., 0][inside].mean()
    assert not edges[~mask].any()
    with pytest.raises(ValueError, match="bands"):
        tread_detail(sharp, mask, bands=3)


def test_worn_zones_have_less_tread_detail():
    rgb, mask, zones, _ = paint_canonical("heel_central", np.random.default_rng(0))
    detail = tread_detail(rgb, mask)[..., 0]
    heel = detail[np.isin(zones, [ZONES.index("heel_medial"), ZONES.index("heel_lateral")])]
    ball = detail[zones == ZONES.index("forefoot_lateral")]
    assert heel.mean() < 0.7 * ball.mean()


@pytest.mark.parametrize("bands", [1, 2])
def test_shrink_sole_with_detail_adds_channels(bands):
    rgb, mask, _, _ = paint_canonical("forefoot", np.random.default_rng(1))
    plain = shrink_sole(rgb, mask, size=(128, 64))
    small = shrink_sole(rgb, mask, size=(128, 64), detail=bands)
    assert small.shape == (128, 64, 4 + bands) and small.dtype == np.uint8
    assert np.array_equal(small[..., :4], plain)
    extra = small[..., 4:]
    assert extra[plain[..., 3] == 0].max() == 0 and extra.max(axis=(0, 1)).min() > 0
    assert to_network_input(small[None]).shape == (1, 4 + bands, 128, 64)


def test_shrink_sole_rejects_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        shrink_sole(np.zeros((8, 8, 3), np.float32), np.zeros((8, 8), bool), size=(4, 4))
    with pytest.raises(ValueError, match="differ in shape"):
        shrink_sole(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 4), bool), size=(4, 4))


def test_to_network_input_is_channels_first_unit_range():
    small = np.random.default_rng(0).integers(0, 256, (2, 16, 8, 4), dtype=np.uint8)
    x = to_network_input(small)
    assert x.shape == (2, 4, 16, 8) and x.dtype == np.float32
    assert np.allclose(x[1, 2], small[1, :, :, 2] / 255.0)
    with pytest.raises(ValueError, match=r"\(B, h, w, 4 to 6\)"):
        to_network_input(small[..., :3])


def test_zone_weights_cover_the_sole():
    _, mask, zones, _ = paint_canonical("even", np.random.default_rng(0))
    w = zone_weights(zones, map_size=(32, 16))
    assert w.shape == (len(ZONES), 32, 16)
    assert np.isclose(w.sum(), mask.sum() / 64)  # 8 x 8 pixels per cell
    assert w.sum(axis=0).max() <= 1.0 + 1e-6


@pytest.mark.parametrize("pattern", ["heel_lateral", "medial", "unworn"])
def test_zone_levels_agree_with_zone_means_oracle(pattern):
    """A map constant per zone at full resolution gives back each zone's value."""
    rng = np.random.default_rng(5)
    _, _, zones, levels = paint_canonical(pattern, rng)
    full = np.zeros(zones.shape)
    for z in range(len(ZONES)):
        full[zones == z] = levels[z]
    w = zone_weights(zones, map_size=(256, 128))
    got = zone_levels(full[None].astype(np.float32), w[None])[0]
    oracle = zone_means(full, zones)
    assert np.allclose(got, [oracle[z] for z in ZONES], atol=1e-5)


def test_zone_levels_of_a_uniform_map_are_uniform():
    _, _, zones, _ = paint_canonical("even", np.random.default_rng(0))
    w = zone_weights(zones, map_size=(32, 16))[None]
    got = zone_levels(np.full((1, 32, 16), 0.4, np.float32), w)
    assert np.allclose(got, 0.4, atol=1e-5)
    with pytest.raises(ValueError, match="do not fit"):
        zone_levels(np.zeros((1, 16, 8)), w)


def test_zone_weights_rejects_sizes_that_do_not_divide():
    with pytest.raises(ValueError, match="multiple"):
        zone_weights(np.zeros((256, 128), np.int8), map_size=(30, 16))


def test_dense_target_is_the_cell_mean_of_known_sole_pixels():
    rng = np.random.default_rng(2)
    _, mask, zones, _ = paint_canonical("medial", rng)
    wear = rng.uniform(0, 1, mask.shape).astype(np.float32)
    known = np.ones_like(mask)
    known[:, :20] = False  # a strip of the photo without a painted field
    got = dense_target(wear, known, mask, map_size=(32, 16))
    assert got.shape == (2, 32, 16) and got.dtype == np.float32
    sel = mask & known
    # The weight is the share of each 8 x 8 cell that counts, the first channel wear x weight.
    assert np.isclose(got[1].sum(), sel.sum() / 64)
    assert np.isclose(got[0].sum(), (wear * sel).sum() / 64, rtol=1e-5)
    cell = (slice(14 * 8, 15 * 8), slice(8 * 8, 9 * 8))  # inside the sole, all known
    assert got[1, 14, 8] == 1.0
    assert got[0, 14, 8] == pytest.approx(float(wear[cell].mean()), rel=1e-5)
    assert (got[:, :, :2] == 0).all()  # columns 0-15 are not known
    # Weighted by the zone weights, the targets average to the zones' mean wear.
    w = zone_weights(zones, map_size=(32, 16))
    flat = np.zeros(mask.shape, np.float32)
    flat[mask] = 0.3
    uniform = dense_target(flat, mask, mask, map_size=(32, 16))
    ratio = uniform[0] / np.maximum(uniform[1], 1e-6)
    assert np.allclose(zone_levels(ratio[None], w[None]), 0.3, atol=1e-5)
    with pytest.raises(ValueError, match="multiple"):
        dense_target(wear, known, mask, map_size=(30, 16))
