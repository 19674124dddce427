import cv2
import numpy as np
import pytest
from test_model_helpers import write_data_folder

from shoewear.contract import PATTERNS, ZONES
from shoewear.errors import DatasetError
from shoewear.training.crop_cache import CACHE_FOLDER, KEEP_SETS, cache_set, prune
from shoewear.training.data import (
    LabelRow,
    match_rows,
    prepare_soles,
    scan_folder,
    stratified_split,
)

SIZES = {"input_size": (128, 64), "map_size": (32, 16)}


def test_scan_folder_reports_odd_folders(tmp_path):
    write_data_folder(tmp_path, per_class=1, patterns=("even", "medial"))
    (tmp_path / "forefoot").mkdir()
    (tmp_path / "sandals").mkdir()
    (tmp_path / "sandals" / "a.jpg").write_bytes(b"x")
    (tmp_path / "masks").mkdir()  # the generator's masks are not a class
    (tmp_path / "masks" / "m.png").write_bytes(b"x")
    items, problems = scan_folder(tmp_path)
    assert sorted(it.folder for it in items) == ["even", "medial"]
    assert problems.unknown_folders == ["sandals/ (1 photos)"]
    assert problems.empty_classes == ["forefoot/"]
    assert items[0].rows[0].levels is not None and items[0].rows[0].box is not None


def test_scan_folder_without_photos_is_an_error(tmp_path):
    (tmp_path / "even").mkdir()
    with pytest.raises(DatasetError, match="no photos found"):
        scan_folder(tmp_path)
    with pytest.raises(DatasetError, match="no such data folder"):
        scan_folder(tmp_path / "missing")


def test_match_rows_by_box_iou():
    boxes = np.array([[0, 0, 10, 20], [30, 0, 40, 20]], float)
    sides = np.array(["left", "right"])
    rows = (
        LabelRow("medial", "right", box=(31, 1, 40, 21)),
        LabelRow("even", "left", box=(0, 0, 11, 19)),
        LabelRow("forefoot", "left", box=(100, 100, 120, 140)),  # not found
    )
    got = match_rows(boxes, sides, rows)
    assert [(i, r.pattern) for i, r in got] == [(0, "even"), (1, "medial")]


def test_match_rows_without_boxes():
    boxes = np.zeros((2, 4))
    sides = np.array(["left", "right"])
    one = (LabelRow("even"),)
    assert [i for i, _ in match_rows(boxes, sides, one)] == [0, 1]
    three = (LabelRow("even"), LabelRow("even"), LabelRow("even"))
    assert match_rows(boxes, sides, three) == []


def test_stratified_split_keeps_pairs_and_classes():
    labels = np.repeat(np.arange(3), 20)
    photo = np.arange(60) // 2  # pairs: two soles per photo
    train, val = stratified_split(labels, photo, fraction=0.2, seed=0)
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 60
    assert set(labels[val]) == {0, 1, 2}
    assert not set(photo[train]) & set(photo[val])
    again = stratified_split(labels, photo, fraction=0.2, seed=0)
    assert np.array_equal(again[1], val)


def test_prepare_soles_labels_caches_and_summarises(tmp_path):
    write_data_folder(tmp_path, per_class=1, patterns=("heel_lateral", "forefoot"))
    (tmp_path / "even").mkdir()
    (tmp_path / "even" / "broken.jpg").write_bytes(b"not a jpeg")
    blank = np.full((240, 320, 3), 128, np.uint8)
    cv2.imwrite(str(tmp_path / "even" / "blank.png"), blank)
    data = prepare_soles(tmp_path, workers=1, progress=False, **SIZES)
    assert len(data) == 2
    assert sorted(PATTERNS[i] for i in data.labels) == ["forefoot", "heel_lateral"]
    assert data.small.shape == (2, 128, 64, 4) and data.weights.shape == (2, len(ZONES), 32, 16)
    assert data.dense.shape == (2, 2, 32, 16) and not data.dense.any()  # no wear fields here
    assert np.isfinite(data.levels).all() and list(data.side_true) == ["right", "right"]
    assert data.problems.unreadable == ["even/broken.jpg"]
    assert data.problems.no_sole == ["even/blank.png"]
    cached = sorted((tmp_path / CACHE_FOLDER).glob("*/*.npz"))
    assert len(cached) == 4
    stamps = [p.stat().st_mtime_ns for p in cached]
    again = prepare_soles(tmp_path, workers=1, progress=False, **SIZES)
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # nothing redone
    assert np.array_equal(again.small, data.small)


def test_prepare_soles_without_labels_uses_folders(tmp_path):
    write_data_folder(tmp_path, per_class=1, patterns=("medial",), labels=False)
    data = prepare_soles(tmp_path, workers=1, progress=False, **SIZES)
    assert PATTERNS[data.labels[0]] == "medial"
    assert np.isnan(data.levels).all() and data.side_true[0] == "unknown"


def test_prepare_soles_with_nothing_usable_is_an_error(tmp_path):
    (tmp_path / "even").mkdir()
    (tmp_path / "even" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DatasetError, match="no labelled sole.*unreadable"):
        prepare_soles(tmp_path, workers=1, progress=False, **SIZES)


def test_a_new_pipeline_version_clears_out_old_crops(tmp_path, monkeypatch, capsys):
    """Sets of crops not used lately go; the one in use and the last other one stay."""
    import shoewear.training.data as data_mod

    write_data_folder(tmp_path, per_class=1, patterns=("medial",))
    cache = tmp_path / CACHE_FOLDER
    cache.mkdir()
    (cache / "loose.npz").write_bytes(b"x" * 10)  # where earlier versions kept crops
    (cache / "notes.txt").write_text("not a crop")
    for version in ("v1", "v2", "v3"):
        monkeypatch.setattr(data_mod, "pipeline_version", lambda v=version: v)
        prepare_soles(tmp_path, workers=1, progress=True, **SIZES)
    sets = sorted(d.name for d in cache.iterdir() if d.is_dir())
    assert len(sets) == KEEP_SETS and sets[0].startswith("v2-") and sets[1].startswith("v3-")
    assert all(len(list((cache / d).glob("*.npz"))) == 1 for d in sets)
    assert not (cache / "loose.npz").exists() and (cache / "notes.txt").is_file()
    err = capsys.readouterr().err
    # the loose file, then v1
    assert "removed 1 cached crops of other pipeline versions or crop formats" in err


def test_prune_keeps_the_set_in_use_and_what_is_not_a_crop(tmp_path):
    old = cache_set(tmp_path, "old", (128, 64), (32, 16))
    (old / "a.npz").write_bytes(b"12345")
    (old / "readme.txt").write_text("mine")
    newer = cache_set(tmp_path, "newer", (128, 64), (32, 16))
    (newer / "b.npz").write_bytes(b"1")
    import os

    os.utime(old / ".used", (1, 1))  # used long ago
    in_use = cache_set(tmp_path, "now", (128, 64), (32, 16))
    (in_use / "c.npz").write_bytes(b"1")
    assert prune(tmp_path, keep=in_use) == (1, 5)
    assert (in_use / "c.npz").is_file() and (newer / "b.npz").is_file()
    assert (old / "readme.txt").is_file()  # the folder stays: it holds something else
    assert prune(tmp_path, keep=in_use) == (0, 0)


def test_prepare_soles_reads_the_wear_fields_of_synth(tmp_path):
    """Each found sole gets its wear field cell by cell, in the frame of its crop."""
    from shoewear.synth import write_dataset

    write_dataset(tmp_path, n=4, seed=11, pairs=2, long_side=(560, 640), workers=1,
                  progress=False)
    data = prepare_soles(tmp_path, workers=1, progress=False, **SIZES)
    assert len(data) >= 4
    for k in range(len(data)):
        target, weight = data.dense[k].astype(np.float32)
        assert weight.sum() > 0.8 * data.weights[k].astype(np.float32).sum()
        # The zone means of the cell targets are the zone levels of labels.csv.
        w = data.weights[k].astype(np.float32)
        got = (w * target).sum(axis=(1, 2)) / np.maximum((w * weight).sum(axis=(1, 2)), 1e-6)
        assert np.abs(got - data.levels[k]).mean() < 0.03
