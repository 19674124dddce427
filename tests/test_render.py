import numpy as np
import pytest
from conftest import foot_mask

from shoewear.align import align_sole
from shoewear.contract import CANON_SHAPE, PATTERNS, ZONES
from shoewear.draw import draw_canonical, draw_overlay
from shoewear.report import WearReading
from shoewear.sole import SoleMask


def _photo_and_canon(scale: float = 1.0):
    mask = foot_mask((300, 360), side="left", angle=40)
    rgb = np.full((300, 360, 3), 90, np.uint8)
    rgb[mask] = 160
    ys, xs = np.nonzero(mask)
    sole = SoleMask(mask=mask, quality=1.0, box=(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    return rgb, mask, align_sole(rgb, sole, scale=scale)


def _reading(pattern: str) -> WearReading:
    probs = {p: (0.9 if p == pattern else 0.1 / (len(PATTERNS) - 1)) for p in PATTERNS}
    return WearReading(pattern, 0.9, probs, dict.fromkeys(ZONES, 0.2), "left")


def test_overlay_draws_on_a_copy_along_the_outline():
    rgb, mask, canon = _photo_and_canon()
    before = rgb.copy()
    out = draw_overlay(rgb, [canon])
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert np.array_equal(rgb, before)
    changed = np.any(out != rgb, axis=2)
    edge = mask ^ np.roll(mask, 1, axis=0)
    assert changed[edge].mean() > 0.8  # the outline is drawn
    assert changed.mean() < 0.2  # and not much else


def test_overlay_in_working_pixels_matches_the_original():
    # The same sole found at half scale must be drawn at the same place on the small image.
    rgb, _, canon_full = _photo_and_canon(scale=1.0)
    _, _, canon_half = _photo_and_canon(scale=0.5)
    a = draw_overlay(rgb, [canon_full], scale=1.0)
    b = draw_overlay(rgb, [canon_half], scale=1.0)  # the wrong scale draws elsewhere
    assert np.mean(np.any(a != b, axis=2)) > 0.01
    c = draw_overlay(rgb, [canon_half], scale=0.5)
    assert np.mean(np.any(a != c, axis=2)) < 0.01


def test_overlay_label_and_wear_tint():
    rgb, mask, canon = _photo_and_canon()
    plain = draw_overlay(rgb, [canon])
    labelled = draw_overlay(rgb, [canon], [_reading("heel_lateral")])
    assert np.any(plain != labelled)
    hot = np.ones((64, 32), np.float32)
    tinted = draw_overlay(rgb, [canon], wear_maps=[hot])
    inside = mask & ~np.any(plain != rgb, axis=2)
    red_gain = tinted[inside, 0].astype(int) - tinted[inside, 2].astype(int)
    assert np.median(red_gain) > 60


@pytest.mark.parametrize("what", ["reports", "wear_maps"])
def test_overlay_refuses_mismatched_lists(what):
    rgb, _, canon = _photo_and_canon()
    kwargs = {"reports": [], "wear_maps": []}
    with pytest.raises(ValueError, match="for 1 soles"):
        draw_overlay(rgb, [canon], **{what: kwargs[what]})


@pytest.mark.parametrize("zoom", [1, 2, 3])
def test_canonical_view_with_heat_map(zoom):
    _, _, canon = _photo_and_canon()
    h, w = CANON_SHAPE
    plain = draw_canonical(canon, zoom=zoom)
    assert plain.shape == (h * zoom, w * zoom, 3) and plain.dtype == np.uint8
    heat = np.zeros((64, 32), np.float32)
    heat[:8] = 1.0  # toe worn
    hot = draw_canonical(canon, wear_map=heat, zoom=zoom)
    toe = canon.mask[: h // 16].repeat(zoom, 0).repeat(zoom, 1)
    heel = canon.mask[-h // 8 :].repeat(zoom, 0).repeat(zoom, 1)
    toe_px = hot[: h // 16 * zoom][toe].astype(int)
    heel_px = hot[-h // 8 * zoom :][heel].astype(int)
    assert np.median(toe_px[:, 0] - toe_px[:, 1]) > 40  # red at the toe
    assert np.median(heel_px[:, 1] - heel_px[:, 0]) > 20  # green at the heel
