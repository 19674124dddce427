from pathlib import Path

import pytest

from shoewear.errors import ModelError
from shoewear.load import load_image
from shoewear.pipeline import find_soles
from shoewear.readers import load_reader

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "pair.jpg"


@pytest.fixture(scope="module")
def canons():
    image = load_image(SAMPLE)
    return find_soles(image.rgb, scale=image.scale)


def test_no_model_file_gives_the_classical_reader(monkeypatch, tmp_path, canons):
    monkeypatch.setenv("SHOEWEAR_MODEL", str(tmp_path / "absent.onnx"))
    reader = load_reader()
    assert reader.model_path is None and reader.problem == ""
    readings, maps = reader.read_with_maps(canons)
    assert len(readings) == len(maps) == len(canons)
    assert reader(canons) == readings


def test_a_broken_model_stops_the_cli_but_not_the_app(monkeypatch, tmp_path):
    broken = tmp_path / "wear_cnn.onnx"
    broken.write_bytes(b"not an onnx model")
    monkeypatch.setenv("SHOEWEAR_MODEL", str(broken))
    with pytest.raises(ModelError):
        load_reader()
    reader = load_reader(fallback=True)
    assert reader.model_path is None
    assert "could not be loaded" in reader.problem


def test_an_explicit_missing_model_is_an_error(tmp_path):
    with pytest.raises(ModelError):
        load_reader(tmp_path / "nowhere.onnx", fallback=False)
