"""The shipped networks: package data, checked against their manifest's sha256."""

import hashlib
import json
import shutil

import pytest

import shoewear.models as models
from shoewear.errors import ModelError
from shoewear.pipeline import Models
from shoewear.segment import SoleSegmenter
from shoewear.wear import WearModel


@pytest.fixture
def copied(tmp_path, monkeypatch):
    """A copy of the shipped folder that the package reads instead of its own."""
    folder = tmp_path / "models"
    shutil.copytree(models._folder(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(models, "_folder", lambda: folder)
    return folder


@pytest.mark.parametrize(
    ("kind", "file"), [("segmenter", "sole_seg.onnx"), ("wear", "wear_cnn.onnx")]
)
def test_shipped_models_are_package_data_with_their_hash(kind, file):
    info = models.shipped(kind)
    assert info.shipped and info.path.name == file
    assert info.path.parent == models._folder()
    assert info.sha256 == hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert info.to_json() == {"name": info.name, "sha256": info.sha256}


def test_both_networks_are_named_with_their_hash():
    info = Models.load().info()
    manifest = json.loads((models._folder() / "manifest.json").read_text())["models"]
    assert info == {k: {"name": v["name"], "sha256": v["sha256"]} for k, v in manifest.items()}


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ("flip", "damaged or altered"),
        ("truncate", "damaged or altered"),
        ("delete", "is missing"),
    ],
)
@pytest.mark.parametrize(("cls", "file"), [(WearModel, "wear_cnn.onnx"),
                                           (SoleSegmenter, "sole_seg.onnx")])
def test_a_broken_shipped_model_is_refused_with_the_fix(copied, damage, match, cls, file):
    target = copied / file
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target.write_bytes(bytes(data[: len(data) // 3]))
    else:
        target.unlink()
    with pytest.raises(ModelError, match=match) as caught:
        cls.load()
    assert "reinstall shoewear" in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreadable_manifest_is_refused(copied):
    (copied / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="manifest cannot be read"):
        WearModel.load()


def test_a_given_file_is_named_by_its_file_and_hash(tmp_path):
    path = tmp_path / "mine.onnx"
    shutil.copy(models.shipped("wear").path, path)
    model = WearModel.load(path)
    assert model.info.name == "mine.onnx" and not model.info.shipped
    assert model.info.sha256 == models.shipped("wear").sha256
