"""`analyze`: one call from a photo (file, bytes or decoded) to the report and its pictures."""

import subprocess
import sys
from pathlib import Path

import pytest

import shoewear
from shoewear.errors import ImageLoadError, NoSoleFoundError
from shoewear.load import load_image
from shoewear.pipeline import Models, analyze, pair_report

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_a_path_bytes_and_a_decoded_photo_read_alike(models):
    path = SAMPLES / "pair.jpg"
    by_path = analyze(path, models)
    by_bytes = analyze(path.read_bytes(), models, name=str(path))
    decoded = analyze(load_image(path), models, name=str(path))
    assert by_path.report.error is None and len(by_path.report.soles) == 2
    assert by_path.report.to_json() == by_bytes.report.to_json() == decoded.report.to_json()
    assert len(by_path.masks) == len(by_path.soles) == len(by_path.wear_maps) == 2
    assert by_path.report.asymmetry is not None
    assert {s.side for s in by_path.report.soles} == {"left", "right"}


def test_errors_come_back_in_the_report_with_their_kind(models, tmp_path):
    bad = analyze(b"not a photo", models, name="x.jpg")
    assert isinstance(bad.error, ImageLoadError) and bad.report.error == str(bad.error)
    assert bad.image is None and bad.report.soles == () and bad.report.models == models.info()
    grey = tmp_path / "grey.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(grey), np.full((300, 400, 3), 128, np.uint8))
    none = analyze(grey, models)
    assert isinstance(none.error, NoSoleFoundError) and none.image is not None


def test_without_a_wear_model_only_the_soles_are_found(models):
    only = Models(segmenter=models.segmenter, wear=None)
    result = analyze(SAMPLES / "sole_left.jpg", only)
    assert result.error is None and len(result.soles) == 1
    assert result.report.soles == () and result.wear_maps == ()
    assert set(result.report.models) == {"segmenter"}


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_side_told_is_the_side_read(models, side):
    (sole,) = analyze(SAMPLES / "sole_right.jpg", models, side=side).report.soles
    assert sole.side == side and sole.side_confidence == 1.0


def test_a_left_and_a_right_photo_make_one_pair_report(models):
    left = analyze(SAMPLES / "sole_left.jpg", models).report
    right = analyze(SAMPLES / "sole_right.jpg", models).report
    pair = pair_report(left, right)
    assert [s.side for s in pair.soles] == ["left", "right"]
    assert pair.asymmetry is not None and pair.models == left.models


def test_the_package_exports_the_one_call_lazily():
    assert shoewear.analyze is analyze and shoewear.Models is Models
    code = "import sys, shoewear; print('numpy' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False False"
    with pytest.raises(AttributeError, match="no attribute"):
        shoewear.nothing  # noqa: B018
