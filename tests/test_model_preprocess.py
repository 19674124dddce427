import numpy as np
import pytest
from test_model_helpers import paint_canonical

from shoewear.design import ZONES
from shoewear.model.preprocess import shrink_sole, to_network_input, zone_levels, zone_weights
from shoewear.zones import zone_means


@pytest.mark.parametrize("size", [(128, 64), (64, 32)])
def test_shrink_sole_stacks_mask_coverage(size):
    rgb, mask, _, _ = paint_canonical("even", np.random.default_rng(0))
    small = shrink_sole(rgb, mask, size=size)
    assert small.shape == (*size, 4) and small.dtype == np.uint8
    assert abs(small[..., 3].mean() / 255 - mask.mean()) < 0.01


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
    with pytest.raises(ValueError, match=r"\(B, h, w, 4\)"):
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
