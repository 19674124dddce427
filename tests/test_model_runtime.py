import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from test_model_helpers import canonical_sole

from shoewear.contract import PATTERNS, ZONES
from shoewear.errors import ModelError
from shoewear.report import WearReading
from shoewear.training.checkpoint import load_checkpoint, save_checkpoint
from shoewear.training.onnx_export import export_onnx
from shoewear.training.wear_net import WearNet
from shoewear.wear.config import CONFIG_KEY, FORMAT_VERSION, ModelConfig
from shoewear.wear.preprocess import shrink_sole, to_network_input, zone_weights
from shoewear.wear.runtime import WearModel


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    config = ModelConfig()
    net = WearNet(config)
    # non-trivial batch-norm statistics, so eval mode is really exercised
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.rand(8, 4, *config.input_size))
    net.eval()
    root = tmp_path_factory.mktemp("model")
    save_checkpoint(root / "wear_cnn.safetensors", net, config)
    export_onnx(net, config, root / "wear_cnn.onnx")
    return net, config, root


def test_onnx_runtime_matches_torch(exported):
    net, config, root = exported
    model = WearModel.load(root / "wear_cnn.onnx")
    small = np.random.default_rng(0).integers(0, 256, (5, *config.input_size, 4), np.uint8)
    probs, maps = model.predict(small, batch_size=3)  # dynamic batch: 3 then 2
    with torch.no_grad():
        logits, wear = net(torch.from_numpy(to_network_input(small)))
    assert np.abs(torch.softmax(logits, 1).numpy() - probs).max() < 1e-4
    assert np.abs(wear.numpy() - maps).max() < 1e-4


def test_checkpoint_round_trip_rebuilds_the_network(exported):
    net, _, root = exported
    again, config = load_checkpoint(root / "wear_cnn.safetensors")
    x = torch.rand(2, 4, *config.input_size)
    with torch.no_grad():
        assert torch.allclose(net(x)[0], again(x)[0], atol=1e-6)


def test_weights_file_is_as_readable_as_the_onnx_file(exported):
    """Both files get the usual permissions (the umask's), not private ones."""
    import os

    _, _, root = exported
    mode = (root / "wear_cnn.safetensors").stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask


def test_read_gives_readings_and_maps(exported):
    _, config, root = exported
    model = WearModel.load(root)  # a folder means its wear_cnn.onnx
    soles = [canonical_sole("heel_lateral", 1)[0], canonical_sole("even", 2, side="left")[0]]
    readings, maps = model.read_with_maps(soles)
    assert [type(r) for r in readings] == [WearReading, WearReading]
    assert readings[1].side == "left"
    for r in readings:
        assert tuple(r.probabilities) == PATTERNS and tuple(r.zones) == ZONES
        assert sum(r.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert r.confidence == max(r.probabilities.values())
        assert all(0.0 <= v <= 1.0 for v in r.zones.values())
    assert maps[0].shape == config.map_size
    assert model.read(soles) == readings
    assert model.read([]) == []
    # the batched call equals one sole at a time
    assert model.read(soles[1:])[0] == readings[1]
    small = shrink_sole(soles[0].image, soles[0].mask, size=config.input_size)
    assert np.allclose(model.predict(small[None])[1][0], maps[0])


def test_missing_model_is_named(tmp_path):
    with pytest.raises(ModelError, match="no wear model at .*nothing.onnx"):
        WearModel.load(tmp_path / "nothing.onnx")


def test_a_folder_means_its_wear_cnn(exported):
    model = WearModel.load(exported[2])
    assert model.path == exported[2] / "wear_cnn.onnx" and not model.info.shipped


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_damaged_onnx_is_refused(exported, tmp_path, damage):
    data = (exported[2] / "wear_cnn.onnx").read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"not a model" * 50)
    with pytest.raises(ModelError, match="truncated or damaged"):
        WearModel.load(bad)


def _with_config(src, dst, **changes):
    model = onnx.load(str(src))
    entry = next(p for p in model.metadata_props if p.key == CONFIG_KEY)
    data = json.loads(entry.value)
    data.update(changes)
    entry.value = json.dumps(data)
    onnx.save(model, str(dst))
    return dst


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"classes": list(reversed(PATTERNS))}, "do not match the wear patterns"),
        ({"format_version": FORMAT_VERSION + 1}, "format version"),
        ({"input_size": [64, 32], "map_size": [16, 8]}, "do not fit its config"),
    ],
)
def test_mismatching_config_is_refused(exported, tmp_path, changes, message):
    bad = _with_config(exported[2] / "wear_cnn.onnx", tmp_path / "bad.onnx", **changes)
    with pytest.raises(ModelError, match=message):
        WearModel.load(bad)


def test_tampered_checkpoint_is_refused(exported, tmp_path):
    data = bytearray((exported[2] / "wear_cnn.safetensors").read_bytes())
    data[-100] ^= 0xFF  # flip bits in the last tensor's bytes
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_checkpoint(bad)
    bad.write_bytes(bytes(data[:200]))
    with pytest.raises(ModelError, match="not a readable safetensors"):
        load_checkpoint(bad)


def test_runtime_does_not_import_torch(exported):
    code = (
        "import sys\n"
        "from shoewear.wear.runtime import WearModel\n"
        f"m = WearModel.load({str(exported[2])!r})\n"
        "import numpy as np\n"
        "m.predict(np.zeros((1, 128, 64, 4), np.uint8))\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_model_with_zone_inputs_reads_like_torch(tmp_path):
    torch.manual_seed(1)
    config = ModelConfig(sole_norm=True, zone_inputs=True)
    net = WearNet(config).eval()
    path = export_onnx(net, config, tmp_path / "wear_cnn.onnx")
    model = WearModel.load(path)
    soles = [canonical_sole("medial", 3)[0], canonical_sole("unworn", 4)[0]]
    readings, maps = model.read_with_maps(soles)
    small = np.stack([shrink_sole(s.image, s.mask, size=config.input_size) for s in soles])
    weights = np.stack([zone_weights(s.zones, map_size=config.map_size) for s in soles])
    with torch.no_grad():
        logits, wear = net(torch.from_numpy(to_network_input(small)), torch.from_numpy(weights))
    probs = torch.softmax(logits, 1).numpy()
    assert np.abs(probs[1] - list(readings[1].probabilities.values())).max() < 1e-4
    assert np.abs(wear.numpy() - np.stack(maps)).max() < 1e-4
    with pytest.raises(ValueError, match="zone weights"):
        model.predict(small)


def test_model_with_the_detail_channel_reads_like_torch(tmp_path):
    torch.manual_seed(2)
    config = ModelConfig(detail=1)
    net = WearNet(config).eval()
    model = WearModel.load(export_onnx(net, config, tmp_path / "wear_cnn.onnx"))
    soles = [canonical_sole("heel_central", 5)[0], canonical_sole("even", 6)[0]]
    readings, maps = model.read_with_maps(soles)
    small = np.stack([shrink_sole(s.image, s.mask, size=config.input_size, detail=1)
                      for s in soles])
    with torch.no_grad():
        logits, wear = net(torch.from_numpy(to_network_input(small)))
    probs = torch.softmax(logits, 1).numpy()
    assert np.abs(probs[0] - list(readings[0].probabilities.values())).max() < 1e-4
    assert np.abs(wear.numpy() - np.stack(maps)).max() < 1e-4
    with pytest.raises(ValueError, match=r"128, 64, 5\)"):
        model.predict(small[..., :4])
