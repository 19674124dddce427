"""Painted soles for the model tests: a canonical sole, a photo of it, a data folder.

The painter is the oracle of these tests: each pattern paints known zone
levels, and tread contrast fades where the sole is worn.
"""

import csv

import cv2
import numpy as np
import pytest

from shoewear.contract import CANON_SHAPE, PATTERNS, ZONES
from shoewear.patterns import PATTERN_DEFS
from shoewear.sole import CanonicalSole
from shoewear.zones import split_zones


def sole_mask(shape=CANON_SHAPE):
    """(H, W) bool: a sole outline, heel at the bottom, wide forefoot at the top."""
    h, w = shape
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (w // 2, int(h * 0.8)), (int(w * 0.3), int(h * 0.17)), 0, 0, 360, 255, -1)
    cv2.ellipse(
        m, (int(w * 0.54), int(h * 0.32)), (int(w * 0.42), int(h * 0.3)), 0, 0, 360, 255, -1
    )
    cv2.rectangle(m, (int(w * 0.22), int(h * 0.45)), (int(w * 0.72), int(h * 0.8)), 255, -1)
    return m > 0


def paint_canonical(pattern, rng):
    """A canonical sole with the pattern's wear painted in.

    Returns
    -------
    rgb : (256, 128, 3) uint8, mask : (256, 128) bool, zones : (256, 128) int8,
    levels : (7,) float64 painted zone levels (the pattern's prototype, jittered).
    """
    mask = sole_mask()
    h, w = mask.shape
    zones = split_zones(mask)
    yy, xx = np.mgrid[:h, :w]
    tread = ((xx // 6 + yy // 6) % 2).astype(np.float32)
    proto = PATTERN_DEFS[pattern].prototype  # ZONES order
    levels = np.clip(np.array(list(proto.values())) + rng.normal(0, 0.03, 7), 0, 1)
    wear = np.zeros((h, w), np.float32)
    for z in range(len(ZONES)):
        wear[zones == z] = levels[z]
    wear = cv2.GaussianBlur(wear, (0, 0), 4)
    gray = rng.uniform(40, 120) + 60 * tread * (1 - wear) + 50 * wear
    rgb = np.dstack([gray, gray * rng.uniform(0.9, 1.1), gray * rng.uniform(0.9, 1.1)])
    rgb = np.clip(rgb + rng.normal(0, 4, rgb.shape), 0, 255).astype(np.uint8)
    rgb[~mask] = (200, 200, 200)
    return rgb, mask, zones, levels


def canonical_sole(pattern, seed=0, side="right"):
    """A `CanonicalSole` painted with `pattern`, and its painted levels."""
    rgb, mask, zones, levels = paint_canonical(pattern, np.random.default_rng(seed))
    sole = CanonicalSole(
        image=rgb,
        mask=mask,
        zones=zones,
        side=side,
        side_confidence=0.9,
        box=(0, 0, 128, 256),
        to_photo=np.eye(3),
        outline=np.zeros((0, 2)),
    )
    return sole, levels


def paint_photo(pattern, rng, size=(240, 320)):
    """A photo of one painted right sole on a plain background, and its box."""
    rgb, mask, _, levels = paint_canonical(pattern, rng)
    h, w = size
    out = np.full((h, w, 3), rng.integers(190, 240, 3), np.uint8)
    scale = 0.75 * h / 256
    m = cv2.getRotationMatrix2D((64, 128), rng.uniform(-30, 30), scale)
    m[:, 2] += (w / 2 - 64, h / 2 - 128)
    warped = cv2.warpAffine(rgb, m, (w, h))
    where = cv2.warpAffine(mask.astype(np.uint8), m, (w, h)) > 0
    out[where] = warped[where]
    ys, xs = np.nonzero(where)
    return out, levels, (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def write_data_folder(root, *, per_class=2, seed=0, patterns=PATTERNS, labels=True):
    """Write an ImageFolder tree of painted photos (and labels.csv). Returns the rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in patterns:
        (root / p).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img, levels, box = paint_photo(p, rng)
            rel = f"{p}/{p}_{i:03d}.jpg"
            cv2.imwrite(str(root / rel), img[..., ::-1])
            rows.append(
                {
                    "file": rel,
                    "pattern": p,
                    "side": "right",
                    **{z: f"{v:.4f}" for z, v in zip(ZONES, levels, strict=True)},
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                }
            )
    if labels:
        with (root / "labels.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return rows


@pytest.mark.parametrize("pattern", PATTERNS)
def test_painted_levels_can_be_read_back_from_the_tread_contrast(pattern):
    rgb, mask, zones, levels = paint_canonical(pattern, np.random.default_rng(3))
    assert rgb.shape == (*CANON_SHAPE, 3) and mask.any()
    # Red is base + 60 * tread * (1 - wear) + 50 * wear (+ noise), so the contrast
    # between tread squares and grooves is 60 * (1 - wear) whatever the base.
    h, w = mask.shape
    yy, xx = np.mgrid[:h, :w]
    tread = ((xx // 6 + yy // 6) % 2).astype(bool)
    red = rgb[..., 0].astype(np.float64)
    for z, zone in enumerate(ZONES):
        # away from zone borders, where the blur mixes neighbouring levels
        core = cv2.erode((zones == z).astype(np.uint8), np.ones((21, 21), np.uint8)) > 0
        contrast = red[core & tread].mean() - red[core & ~tread].mean()
        assert 1 - contrast / 60 == pytest.approx(levels[z], abs=0.03), zone


def test_painted_photo_is_found_by_the_pipeline(models):
    from shoewear.load import LoadedImage
    from shoewear.pipeline import analyze

    rgb, _, box = paint_photo("even", np.random.default_rng(1))
    image = LoadedImage(rgb=rgb, scale=1.0, original_size=rgb.shape[1::-1])
    soles = analyze(image, models).soles
    assert len(soles) == 1
    x0, y0, x1, y1 = soles[0].box
    inter = max(0, min(x1, box[2]) - max(x0, box[0])) * max(0, min(y1, box[3]) - max(y0, box[1]))
    union = (x1 - x0) * (y1 - y0) + (box[2] - box[0]) * (box[3] - box[1]) - inter
    assert inter / union > 0.7
