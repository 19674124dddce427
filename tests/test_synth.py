import csv
from dataclasses import replace

import cv2
import numpy as np
import pytest

from shoewear.cli import main
from shoewear.contract import CANON_SHAPE, PATTERNS, ZONES
from shoewear.errors import UsageError
from shoewear.synth import (
    PATTERN_PROTOTYPES,
    TREAD_FAMILIES,
    SynthPhoto,
    generate_negative,
    generate_photo,
    render_canonical,
    write_dataset,
)
from shoewear.synth.records import decode_field, encode_field
from shoewear.synth.render import render_sole
from shoewear.synth.sole_model import sample_sole
from shoewear.zones import split_zones

SMALL = 384


def _canonical_mask(sole, shape=(256, 128)):
    """Warp a sole's photo mask into the canonical frame using heel_xy / toe_xy."""
    return _canonical_view(sole, sole.mask.astype(np.uint8), shape) > 0


def _canonical_view(sole, image, shape=(256, 128)):
    """Warp a photo-sized image (nearest pixel) into a sole's canonical frame."""
    h, w = shape
    heel, toe = np.array(sole.heel_xy), np.array(sole.toe_xy)
    axis = toe - heel
    length = np.linalg.norm(axis)
    up = axis / length
    right = np.array([-up[1], up[0]])  # picture-right when the toe points up
    s = length / h
    # canonical (x, y) -> photo: heel + (x - w/2) * s * right + (h - y) * s * up
    m = np.array([
        [s * right[0], -s * up[0], heel[0] - w / 2 * s * right[0] + h * s * up[0]],
        [s * right[1], -s * up[1], heel[1] - w / 2 * s * right[1] + h * s * up[1]],
    ])
    canon = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    return canon[:, ::-1] if sole.side == "left" else canon


def _arch_insets(mask):
    """How far each side's edge pulls in at the arch, relative to the forefoot."""
    h = mask.shape[0]
    rows = lambda lo, hi: slice(int((1 - hi) * h), int((1 - lo) * h))  # noqa: E731
    cols = np.arange(mask.shape[1])
    def edges(sl):
        m = mask[sl]
        m = m[m.any(1)]
        left = np.where(m, cols, 10**6).min(1)
        right = np.where(m, cols, -1).max(1)
        return left, right
    fl, fr = edges(rows(0.62, 0.78))
    al, ar = edges(rows(0.4, 0.5))
    return float(al.mean() - fl.min()), float(fr.max() - ar.mean())  # lateral, medial


def test_generate_photo_is_deterministic():
    a = generate_photo(11, long_side=SMALL)
    b = generate_photo(11, long_side=SMALL)
    c = generate_photo(12, long_side=SMALL)
    assert a.jpeg == b.jpeg and np.array_equal(a.rgb, b.rgb)
    assert a.soles[0].zones == b.soles[0].zones
    assert a.jpeg != c.jpeg


def test_photo_is_the_decoded_jpeg_of_the_requested_size():
    p = generate_photo(3, long_side=SMALL)
    assert isinstance(p, SynthPhoto)
    assert p.rgb.dtype == np.uint8 and p.rgb.ndim == 3 and max(p.rgb.shape[:2]) == SMALL
    decoded = cv2.cvtColor(cv2.imdecode(np.frombuffer(p.jpeg, np.uint8), cv2.IMREAD_COLOR),
                           cv2.COLOR_BGR2RGB)
    assert np.abs(decoded.astype(int) - p.rgb.astype(int)).mean() < 1.0


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("pair", [False, True])
def test_masks_boxes_and_axis_agree(seed, pair):
    p = generate_photo(seed, pair=pair, long_side=SMALL)
    assert len(p.soles) == (2 if pair else 1)
    centres = [0.5 * (s.box[0] + s.box[2]) for s in p.soles]
    assert centres == sorted(centres)
    if pair:
        assert {s.side for s in p.soles} == {"left", "right"}
        assert not (p.soles[0].mask & p.soles[1].mask).any()
    for s in p.soles:
        assert s.mask.shape == p.rgb.shape[:2] and s.mask.dtype == bool
        assert s.mask.sum() > 200
        ys, xs = np.nonzero(s.mask)
        assert s.box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert s.pattern in PATTERNS and s.side in ("left", "right")
        assert s.tread in TREAD_FAMILIES
        assert set(s.zones) == set(ZONES)
        assert all(0.0 <= v <= 1.0 for v in s.zones.values())
        assert -180.0 < s.rotation_deg <= 180.0
        # The heel-to-toe segment spans the mask along its own direction.
        heel, toe = np.array(s.heel_xy), np.array(s.toe_xy)
        axis = toe - heel
        length = np.linalg.norm(axis)
        t = ((np.stack([xs, ys], 1) + 0.5 - heel) @ axis) / length**2
        if s.occluded < 0.01:
            assert t.min() == pytest.approx(0.0, abs=0.04)
            assert t.max() == pytest.approx(1.0, abs=0.04)
        # Rotation agrees with the heel -> toe direction (0 = toe up, counter-clockwise +).
        rad = np.deg2rad(s.rotation_deg)
        assert np.allclose(axis / length, [-np.sin(rad), -np.cos(rad)], atol=1e-6)


def test_mask_covers_the_drawn_sole_in_canonical_render():
    rgb, mask, zones = render_canonical(4)
    assert rgb.shape == (*CANON_SHAPE, 3) and mask.shape == CANON_SHAPE
    drawn = rgb.max(axis=2) > 0
    # Everything drawn is sole, and the sole is drawn (bar anti-aliased edge pixels).
    assert (drawn & ~mask).sum() <= 0.03 * mask.sum()
    assert (mask & ~drawn).sum() <= 0.02 * mask.sum()
    assert mask[0].any() and mask[-1].any()  # toe tip on the top row, heel on the bottom row


@pytest.mark.parametrize("seed", range(6))
def test_canonical_render_has_the_arch_on_the_medial_right(seed):
    _, mask, _ = render_canonical(seed)
    lateral, medial = _arch_insets(mask)
    assert medial > 2.0 * lateral + 2.0


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_photo_sides_follow_design_convention(seed):
    """From below, toe up: a right sole's arch is on the picture's right, a left's on the left."""
    for side in ("left", "right"):
        p = generate_photo(seed, side=side, long_side=512)
        s = p.soles[0]
        if s.occluded > 0.01:
            continue
        lateral, medial = _arch_insets(_canonical_mask(s))
        assert s.side == side
        assert medial > lateral + 2.0, (side, lateral, medial)


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_pair_soles_follow_design_convention(seed):
    p = generate_photo(seed, pair=True, long_side=512)
    for s in p.soles:
        if s.occluded > 0.01:
            continue
        lateral, medial = _arch_insets(_canonical_mask(s))
        assert medial > lateral + 2.0, (s.side, lateral, medial)


@pytest.mark.parametrize("seed", [3, 30])
def test_left_and_right_soles_mirror_each_other(seed):
    left = generate_photo(seed, side="left", long_side=SMALL).soles[0]
    right = generate_photo(seed, side="right", long_side=SMALL).soles[0]
    # Same placement, mirrored shape: the canonical views coincide after un-mirroring.
    a, b = _canonical_mask(left), _canonical_mask(right)
    iou = (a & b).sum() / (a | b).sum()
    assert iou > 0.85
    # And in the photo itself the two outlines are mirror images about the sole axis.
    assert left.heel_xy == pytest.approx(right.heel_xy, abs=1.0)
    assert left.toe_xy == pytest.approx(right.toe_xy, abs=1.0)
    assert not np.array_equal(left.mask, right.mask)


def _local_contrast(gray):
    """Relative tread contrast: local standard deviation over local mean brightness."""
    mean = cv2.blur(gray, (5, 5))
    sq = cv2.blur(gray * gray, (5, 5))
    return np.sqrt(np.clip(sq - mean * mean, 0, None)) / (mean + 0.03)


@pytest.mark.parametrize("tread", ["herringbone", "waffle", "lugs", "hexagon"])
def test_painted_wear_lowers_tread_contrast_where_levels_are_high(tread):
    losses, levels = [], []
    for seed in range(8):
        model = sample_sole(np.random.default_rng(seed), tread=tread)
        new = replace(model, field=np.zeros_like(model.field), dirt_level=0.0)
        model = replace(model, dirt_level=0.0)
        h = CANON_SHAPE[0] * 2
        worn_rgb, _, mask = render_sole(model, h)
        new_rgb, _, _ = render_sole(new, h)
        labels = split_zones(mask)
        inner = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        c_worn = _local_contrast(worn_rgb.mean(2))
        c_new = _local_contrast(new_rgb.mean(2))
        for i, zone in enumerate(ZONES):
            sel = (labels == i) & inner
            if sel.sum() < 50:
                continue
            losses.append(1.0 - c_worn[sel].mean() / max(c_new[sel].mean(), 1e-6))
            levels.append(model.zones[zone])
    r = np.corrcoef(levels, losses)[0, 1]
    assert r > 0.6, r


def test_reported_zones_are_the_painted_field_means():
    model = sample_sole(np.random.default_rng(7), pattern="heel_lateral")
    labels = split_zones(model.mask)
    for i, zone in enumerate(ZONES):
        assert model.zones[zone] == pytest.approx(float(model.field[labels == i].mean()), abs=1e-5)
    assert model.zones["heel_lateral"] > model.zones["heel_medial"]
    assert model.zones["heel_lateral"] > model.zones["forefoot_medial"]


def test_field_codes_round_trip():
    wear = np.array([[0.0, 0.5, 1.0, 0.3]], np.float32)
    known = np.array([[True, True, True, False]])
    code = encode_field(wear, known)
    assert code.dtype == np.uint8 and code.tolist() == [[1, 128, 255, 0]]
    back, seen = decode_field(code)
    assert np.array_equal(seen, known) and back[0, 3] == 0.0
    assert np.allclose(back[known], wear[known], atol=0.5 / 254)


@pytest.mark.parametrize(("seed", "pair"), [(3, False), (8, True), (21, False)])
def test_photo_field_is_the_painted_wear_under_each_sole(seed, pair):
    plain = generate_photo(seed, pair=pair, long_side=SMALL)
    p = generate_photo(seed, pair=pair, long_side=SMALL, field=True)
    assert plain.field is None and p.field.shape == p.rgb.shape[:2]
    assert np.array_equal(p.rgb, plain.rgb)  # the field draws nothing random
    wear, known = decode_field(p.field)
    union = np.logical_or.reduce([s.mask for s in p.soles])
    near = cv2.dilate(union.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (known & union).sum() > 0.98 * union.sum()
    assert not (known & ~near).any()  # nothing off the soles
    for s in p.soles:
        if s.occluded > 0.01:
            continue
        # Seen in the sole's canonical frame, the field's zone means are its labels.
        canon = _canonical_mask(s)
        cwear, cknown = decode_field(_canonical_view(s, p.field))
        zones = split_zones(canon)
        for i, zone in enumerate(ZONES):
            sel = (zones == i) & cknown
            assert float(cwear[sel].mean()) == pytest.approx(s.zones[zone], abs=0.03)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_prototypes_cover_every_pattern_and_zone(pattern):
    proto = PATTERN_PROTOTYPES[pattern]
    assert set(proto) == set(ZONES) and all(0 <= v <= 1 for v in proto.values())
    levels = [sample_sole(np.random.default_rng(s), pattern=pattern).zones for s in range(4)]
    mean = {z: np.mean([lv[z] for lv in levels]) for z in ZONES}
    top = max(proto, key=proto.get)
    if pattern == "unworn":
        assert max(mean.values()) < 0.12
    elif pattern == "even":
        assert 0.1 < np.mean(list(mean.values())) < 0.45
        assert max(mean.values()) - min(mean.values()) < 0.35
    else:
        assert mean[top] >= np.median(list(mean.values())) + 0.1


def test_every_pattern_and_tread_family_is_reachable():
    assert len(TREAD_FAMILIES) >= 8
    patterns, treads = set(), set()
    for seed in range(120):
        m = sample_sole(np.random.default_rng(seed))
        patterns.add(m.pattern)
        treads.add(m.tread.family)
    assert patterns == set(PATTERNS)
    assert treads == set(TREAD_FAMILIES)


@pytest.mark.parametrize("tread", TREAD_FAMILIES)
def test_each_tread_family_renders(tread):
    rgb, mask, zones = render_canonical(5, tread=tread, pattern="unworn")
    gray = rgb.mean(2)[mask]
    assert gray.std() > 2.0  # some visible pattern


def test_pattern_and_side_arguments_are_obeyed():
    p = generate_photo(9, pair=True, pattern="medial", long_side=SMALL)
    assert [s.pattern for s in p.soles] == ["medial", "medial"]
    q = generate_photo(9, side="left", long_side=SMALL)
    assert q.soles[0].side == "left"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"pattern": "flat"}, "pattern must be one of"),
    ({"side": "up"}, "side must be"),
    ({"long_side": 10}, "long_side must be"),
])
def test_generate_photo_rejects_bad_arguments(kwargs, match):
    with pytest.raises(UsageError, match=match):
        generate_photo(0, **kwargs)


def test_negative_is_deterministic_and_sized():
    a = generate_negative(4, long_side=320)
    b = generate_negative(4, long_side=320)
    assert a.dtype == np.uint8 and max(a.shape[:2]) == 320 and np.array_equal(a, b)
    with pytest.raises(UsageError, match="long_side"):
        generate_negative(0, long_side=0)


def test_write_dataset_tree_labels_and_masks(tmp_path):
    out = tmp_path / "data"
    labels = write_dataset(out, n=4, seed=2, pairs=1, long_side=(300, 360), workers=1,
                           progress=False)
    rows = list(csv.DictReader(labels.open()))
    assert len(rows) == 5  # three singles and one pair
    files = {r["file"] for r in rows}
    assert len(files) == 4
    for r in rows:
        path = out / r["file"]
        assert path.exists() and path.parent.name in PATTERNS
        mask = cv2.imread(str(out / r["mask"]), cv2.IMREAD_GRAYSCALE)
        img = cv2.imread(str(path))
        assert mask.shape == img.shape[:2] and set(np.unique(mask)) <= {0, 255}
        ys, xs = np.nonzero(mask)
        assert (int(r["x0"]), int(r["y0"]), int(r["x1"]), int(r["y1"])) == (
            xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert 300 <= max(img.shape[:2]) <= 360
        code = cv2.imread(str(out / r["field"]), cv2.IMREAD_UNCHANGED)
        assert code.shape == mask.shape and code.dtype == np.uint8
        wear, known = decode_field(code)
        assert known[mask > 0].mean() > 0.98
    pair_rows = [r for r in rows if r["n_soles"] == "2"]
    assert len(pair_rows) == 2 and pair_rows[0]["file"].startswith(pair_rows[0]["pattern"])
    # Same seed, same bytes, whatever the number of workers.
    again = write_dataset(tmp_path / "again", n=4, seed=2, pairs=1, long_side=(300, 360),
                          workers=2, progress=False)
    assert again.read_bytes() == labels.read_bytes()
    for f in files:
        assert (out / f).read_bytes() == (tmp_path / "again" / f).read_bytes()


def test_cli_writes_dataset_and_preview(tmp_path, capsys):
    out = tmp_path / "set"
    sheet = tmp_path / "sheet.jpg"
    rc = main(["synth", str(out), "-n", "3", "--seed", "5", "--pairs", "1", "--size", "320",
               "--workers", "1", "--quiet", "--preview", str(sheet)])
    assert rc == 0
    assert (out / "labels.csv").exists() and sheet.exists()
    assert len(list(out.glob("*/*.jpg"))) == 3
    assert cv2.imread(str(sheet)) is not None
    assert "wrote 3 photos" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "match"), [
    (["-n", "0"], "-n must be at least 1"),
    (["-n", "3", "--size", "big"], "--size must be"),
    (["-n", "3", "--size", "900-600"], "--size must be"),
    (["-n", "3", "--pairs", "-1"], "--pairs must be 0 or more"),
    (["-n", "3", "--pairs", "4"], "cannot exceed"),
    (["-n", "3", "--preview", "x.gif"], "--preview must end"),
])
def test_cli_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, match):
    rc = main(["synth", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and match in err


def test_cli_out_dir_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert main(["synth", str(f), "-n", "1"]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0, "seed": 0}, "n must be at least 1"),
    ({"n": 2, "seed": 0, "pairs": 3}, "cannot exceed"),
    ({"n": 2, "seed": 0, "pairs": -1}, "pairs must be 0 or more"),
    ({"n": 2, "seed": 0, "long_side": (900, 600)}, "image size must lie"),
])
def test_write_dataset_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(UsageError, match=match):
        write_dataset(tmp_path / "o", progress=False, **kwargs)


def test_contact_sheet_lays_out_one_tile_per_photo():
    from shoewear.synth.preview import contact_sheet

    photos = [generate_photo(s, pair=s == 1, long_side=256) for s in range(3)]
    sheet = contact_sheet(photos, cols=2)
    assert sheet.dtype == np.uint8 and sheet.shape == (2 * 242, 2 * 242, 3)
    assert sheet[242:, 242:].min() == 255  # the fourth cell stays empty


@pytest.mark.parametrize(("text", "expected"), [("1024", 1024), ("640-4000", (640, 4000))])
def test_parse_size_accepts_one_side_or_a_range(text, expected):
    from shoewear.commands.synth import parse_size

    assert parse_size(text) == expected


def test_light_and_quantise_round_and_saturate():
    from shoewear.synth.camera import to_uint8

    img = np.array([[[0.0, 0.5, 2.0]]], np.float32)
    assert to_uint8(img, np.array([1.0, 1.0, 1.0])).tolist() == [[[0, 128, 255]]]
    assert to_uint8(img, np.array([1.0, 0.5, 1.0]))[0, 0, 1] == 64


@pytest.mark.parametrize("seed", [-1, 2**40 + 3, 2**70])
def test_any_integer_seed_works_and_high_bits_count(seed):
    a = generate_photo(seed, long_side=128)
    b = generate_photo(seed + 2**32, long_side=128)
    assert a.soles and a.jpeg != b.jpeg


@pytest.mark.parametrize("seed", [2, 9])
def test_render_canonical_is_the_sole_of_the_single_photo(seed):
    _, mask, zones = render_canonical(seed, pattern="forefoot")
    photo = generate_photo(seed, pattern="forefoot", long_side=256)
    assert photo.soles[0].zones == zones
    assert zones["forefoot_medial"] > zones["heel_medial"]
    assert mask.shape == CANON_SHAPE
