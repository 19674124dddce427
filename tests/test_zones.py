import numpy as np
import pytest

from shoewear.contract import ZONE_BANDS, ZONES, zone_of
from shoewear.zones import split_zones, zone_means


def _rect_mask(h=100, w=40, x0=5, x1=35):
    mask = np.zeros((h, w), bool)
    mask[:, x0:x1] = True
    return mask


def test_every_zone_present_and_outside_is_minus_one():
    mask = _rect_mask()
    labels = split_zones(mask)
    assert set(np.unique(labels[mask])) == set(range(len(ZONES)))
    assert (labels[~mask] == -1).all()


def test_heel_at_bottom_toe_at_top_medial_on_right():
    labels = split_zones(_rect_mask())
    assert ZONES[labels[-1, 30]] == "heel_medial"
    assert ZONES[labels[-1, 8]] == "heel_lateral"
    assert ZONES[labels[0, 20]] == "toe"
    assert ZONES[labels[50, 30]] == "midfoot_medial"  # row 50 of 100: u = 0.495


@pytest.mark.parametrize("band", ["heel", "midfoot", "forefoot"])
def test_band_rows_follow_design_u_ranges(band):
    h = 200
    labels = split_zones(_rect_mask(h=h))
    lo, hi = ZONE_BANDS[band]
    u = 1.0 - (np.arange(h) + 0.5) / h
    rows = np.flatnonzero((u >= lo) & (u < hi))
    names = {ZONES[v] for v in np.unique(labels[rows][labels[rows] >= 0])}
    assert names == {f"{band}_medial", f"{band}_lateral"}


def test_midline_follows_an_offset_sole():
    mask = np.zeros((60, 60), bool)
    mask[:, 30:50] = True  # sole sits right of the image centre
    labels = split_zones(mask)
    row = labels[-1]
    assert ZONES[row[35]] == "heel_lateral" and ZONES[row[45]] == "heel_medial"


def test_zone_means_recovers_painted_values():
    mask = _rect_mask()
    labels = split_zones(mask)
    painted = np.zeros(mask.shape)
    painted[labels == ZONES.index("heel_lateral")] = 0.8
    means = zone_means(painted, labels)
    assert means["heel_lateral"] == pytest.approx(0.8)
    assert all(v == 0 for k, v in means.items() if k != "heel_lateral")


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="2-D"):
        split_zones(np.zeros((4, 4, 3), bool))
    with pytest.raises(ValueError, match="differ in shape"):
        zone_means(np.zeros((3, 3)), np.zeros((4, 4), int))


@pytest.mark.parametrize(
    ("u", "medial", "zone"),
    [(0.1, True, "heel_medial"), (0.3, False, "midfoot_lateral"), (0.7, True, "forefoot_medial"),
     (0.85, False, "toe"), (1.0, True, "toe")],
)
def test_zone_of(u, medial, zone):
    assert zone_of(u, medial) == zone


def test_zone_of_rejects_out_of_range():
    with pytest.raises(ValueError, match="u must lie"):
        zone_of(1.5, True)


def test_a_notch_in_the_outline_barely_moves_the_midline():
    mask = _rect_mask(h=120, w=40, x0=5, x1=35)
    notched = mask.copy()
    notched[60:62, 5:25] = False  # a two-row bite out of the lateral side
    medial = ZONES.index("midfoot_medial")
    plain = (split_zones(mask)[60:62] == medial).sum()
    bitten = (split_zones(notched)[60:62] == medial).sum()
    # A raw row midline would jump to the middle of what is left of the
    # row and hand two thirds of the medial half to the lateral side.
    assert bitten >= 0.6 * plain
