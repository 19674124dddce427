import csv

import numpy as np
import pytest
from PIL import Image

from shoewear.contract import PATTERNS
from shoewear.errors import UsageError
from shoewear.feedback import (
    ENV_VAR,
    LABEL_COLUMNS,
    feedback_dir,
    read_labels,
    save_feedback,
)


def _photo(h=60, w=40, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def test_feedback_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "fb"))
    assert feedback_dir() == tmp_path / "fb"


def test_feedback_dir_default_is_user_data(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert feedback_dir() == tmp_path / "shoewear" / "feedback"


def test_nothing_written_until_asked(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "fb"))
    feedback_dir()
    assert read_labels() == []
    assert not (tmp_path / "fb").exists()


@pytest.mark.parametrize("pattern", ["heel_lateral", "medial"])
@pytest.mark.parametrize("side", ["left", "right", "unknown"])
def test_save_writes_imagefolder_layout_and_label_row(tmp_path, pattern, side):
    saved = save_feedback(
        _photo(),
        pattern=pattern,
        side=side,
        predicted_pattern="even",
        source="/x/run.jpg",
        root=tmp_path,
    )
    assert saved.path.parent == tmp_path / pattern
    assert saved.path.suffix == ".jpg"
    assert Image.open(saved.path).size == (40, 60)
    rows = read_labels(tmp_path)
    assert len(rows) == 1
    assert rows[0]["file"] == f"{pattern}/{saved.path.name}"
    assert (rows[0]["pattern"], rows[0]["side"]) == (pattern, side)
    assert rows[0]["predicted_pattern"] == "even" and rows[0]["source"] == "run.jpg"
    with (tmp_path / "labels.csv").open() as fh:
        assert tuple(next(csv.reader(fh))) == LABEL_COLUMNS


def test_saving_the_same_photo_twice_keeps_both(tmp_path, monkeypatch):
    photo = _photo()
    a = save_feedback(photo, pattern="even", side="left", root=tmp_path)
    before = a.path.read_bytes()
    b = save_feedback(photo, pattern="even", side="left", root=tmp_path)
    assert a.path != b.path
    assert a.path.read_bytes() == before
    assert [r["file"] for r in read_labels(tmp_path)] == [
        f"even/{a.path.name}",
        f"even/{b.path.name}",
    ]


def test_existing_labels_are_kept(tmp_path):
    save_feedback(_photo(seed=1), pattern="forefoot", side="right", root=tmp_path)
    first = (tmp_path / "labels.csv").read_text()
    save_feedback(_photo(seed=2), pattern="unworn", side="left", root=tmp_path)
    text = (tmp_path / "labels.csv").read_text()
    assert text.startswith(first)
    assert len(read_labels(tmp_path)) == 2


def test_box_crops_to_one_sole(tmp_path):
    saved = save_feedback(
        _photo(100, 200), pattern="even", side="left", box=(100, 20, 150, 70), root=tmp_path
    )
    assert Image.open(saved.path).size == (58, 58)  # 50 px plus 8% margin each side


def test_box_poking_out_is_clipped(tmp_path):
    saved = save_feedback(
        _photo(100, 200), pattern="even", side="left", box=(-5, -5, 50, 50), root=tmp_path
    )
    assert Image.open(saved.path).size == (54, 54)  # 0..50 plus a 4 px margin, clipped at 0


def test_large_photo_is_shrunk(tmp_path):
    saved = save_feedback(
        np.zeros((3000, 100, 3), np.uint8), pattern="even", side="left", root=tmp_path
    )
    assert max(Image.open(saved.path).size) == 2048


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pattern": "sideways", "side": "left"}, "unknown wear pattern 'sideways'"),
        ({"pattern": "even", "side": "both"}, "side must be"),
        ({"pattern": "even", "side": "left", "box": (500, 0, 600, 10)}, "does not lie inside"),
    ],
)
def test_bad_labels_are_refused_and_nothing_written(tmp_path, kwargs, match):
    with pytest.raises(UsageError, match=match):
        save_feedback(_photo(), root=tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_every_pattern_is_accepted(tmp_path):
    for p in PATTERNS:
        save_feedback(_photo(8, 8), pattern=p, side="unknown", root=tmp_path)
    assert sorted(r["pattern"] for r in read_labels(tmp_path)) == sorted(PATTERNS)


def test_training_reads_the_saved_folder(tmp_path):
    data = pytest.importorskip("shoewear.training.data")
    save_feedback(_photo(seed=3), pattern="medial", side="right", root=tmp_path)
    save_feedback(_photo(seed=4), pattern="forefoot", side="left", root=tmp_path)
    items, problems = data.scan_folder(tmp_path)
    got = sorted((it.folder, it.rows[0].pattern, it.rows[0].side) for it in items)
    assert got == [("forefoot", "forefoot", "left"), ("medial", "medial", "right")]
    assert not problems.bad_rows
