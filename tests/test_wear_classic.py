import numpy as np
import pytest
from test_align import foot_mask

from shoewear.design import CANON_SHAPE, PATTERNS, ZONES
from shoewear.sole import CanonicalSole
from shoewear.wear_classic import WEAR_MAP_SHAPE, read_wear, wear_map
from shoewear.zones import split_zones


def _canon(worn: dict[str, float], *, seed: int = 0) -> CanonicalSole:
    """A canonical right sole with checker tread whose contrast fades by `worn` per zone."""
    h, w = CANON_SHAPE
    mask = foot_mask((h, w), length=h - 2, side="right")
    zones = split_zones(mask)
    yy, xx = np.mgrid[:h, :w]
    checker = np.where((xx // 3 + yy // 3) % 2 == 0, 1.0, -1.0)
    amp = np.full((h, w), 60.0)
    for name, level in worn.items():
        amp[zones == ZONES.index(name)] = 60.0 * (1.0 - level)
    noise = np.random.default_rng(seed).normal(0, 1.0, (h, w))
    gray = np.clip(110 + amp * checker + noise, 0, 255)
    image = np.dstack([gray, gray, gray]).astype(np.uint8)
    return CanonicalSole(
        image=image,
        mask=mask,
        zones=zones,
        side="right",
        side_confidence=0.9,
        box=(0, 0, w, h),
        to_photo=np.eye(3),
        outline=np.zeros((0, 2)),
    )


def test_fresh_tread_reads_unworn():
    (reading,) = read_wear([_canon({})])
    assert reading.pattern == "unworn"
    assert max(reading.zones.values()) < 0.25
    assert set(reading.zones) == set(ZONES)
    assert set(reading.probabilities) == set(PATTERNS)
    assert sum(reading.probabilities.values()) == pytest.approx(1.0)
    assert reading.confidence == pytest.approx(max(reading.probabilities.values()))
    assert reading.side == "right"


@pytest.mark.parametrize(
    ("worn", "pattern"),
    [
        ({"heel_lateral": 0.9}, "heel_lateral"),
        ({"heel_lateral": 0.85, "heel_medial": 0.85}, "heel_central"),
        ({"forefoot_medial": 0.8, "forefoot_lateral": 0.8, "toe": 0.8}, "forefoot"),
        ({"forefoot_medial": 0.85, "heel_medial": 0.5, "toe": 0.5}, "medial"),
        ({"heel_lateral": 0.6, "midfoot_lateral": 0.7, "forefoot_lateral": 0.7}, "lateral_edge"),
    ],
)
def test_painted_wear_is_recovered(worn, pattern):
    (reading,) = read_wear([_canon(worn)])
    assert reading.pattern == pattern
    worn_mean = np.mean([reading.zones[z] for z in worn])
    fresh_mean = np.mean([reading.zones[z] for z in ZONES if z not in worn])
    assert worn_mean > fresh_mean + 0.3


def test_readings_keep_the_order_of_the_soles():
    readings = read_wear([_canon({}), _canon({"heel_lateral": 0.9})])
    assert [r.pattern for r in readings] == ["unworn", "heel_lateral"]
    assert read_wear([]) == []


def test_wear_map_shape_range_and_location():
    m = wear_map(_canon({"toe": 0.9}))
    assert m.shape == WEAR_MAP_SHAPE and m.dtype == np.float32
    assert m.min() >= 0.0 and m.max() <= 1.0
    h = WEAR_MAP_SHAPE[0]
    assert m[: round(0.1 * h)].max() > 0.6  # the toe band is at the top
    assert np.median(m[round(0.5 * h) : round(0.9 * h)]) < 0.3
