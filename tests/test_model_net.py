import json

import numpy as np
import pytest
import torch
from test_model_helpers import paint_canonical

from shoewear.errors import ModelError
from shoewear.training.wear_net import WearNet, count_parameters, zone_levels_torch
from shoewear.wear.config import ModelConfig
from shoewear.wear.preprocess import zone_levels, zone_weights


@pytest.mark.parametrize(("batch", "sole_norm"), [(1, False), (3, True)])
def test_outputs_have_the_contract_shapes(batch, sole_norm):
    config = ModelConfig(sole_norm=sole_norm)
    net = WearNet(config).eval()
    with torch.no_grad():
        logits, wear = net(torch.rand(batch, 4, *config.input_size))
    assert logits.shape == (batch, len(config.classes))
    assert wear.shape == (batch, *config.map_size)
    assert float(wear.min()) >= 0 and float(wear.max()) <= 1


@pytest.mark.parametrize("bands", [1, 2])
def test_detail_variant_keeps_the_contract(bands):
    config = ModelConfig(detail=bands)
    net = WearNet(config).eval()
    with torch.no_grad():
        logits, wear = net(torch.rand(2, config.channels, *config.input_size))
    assert logits.shape == (2, len(config.classes)) and wear.shape == (2, 32, 16)
    assert count_parameters(net) <= 500_000


def test_detail_outside_the_sole_is_ignored():
    torch.manual_seed(0)
    net = WearNet(ModelConfig(detail=1)).eval()
    x = torch.rand(1, 5, 128, 64)
    x[:, 3] = 0
    x[:, 3, 20:100, 10:50] = 1
    y = x.clone()
    y[:, 4][x[:, 3] == 0] = 1.0
    z = x.clone()
    z[:, 4, 40:60, 20:30] = 1.0  # inside the sole: the reading must change
    with torch.no_grad():
        a, b, c = net(x), net(y), net(z)
    assert torch.allclose(a[0], b[0]) and torch.allclose(a[1], b[1])
    assert not torch.allclose(a[0], c[0])


def test_network_is_small():
    assert count_parameters(WearNet(ModelConfig())) <= 500_000


@pytest.mark.parametrize("sole_norm", [False, True])
def test_background_is_ignored(sole_norm):
    """Pixels outside the mask must not change the reading."""
    torch.manual_seed(0)
    net = WearNet(ModelConfig(sole_norm=sole_norm)).eval()
    x = torch.rand(1, 4, 128, 64)
    x[:, 3] = 0
    x[:, 3, 20:100, 10:50] = 1
    y = x.clone()
    y[:, :3][(x[:, 3:4] == 0).expand(-1, 3, -1, -1)] = 0.9
    with torch.no_grad():
        a, b = net(x), net(y)
    assert torch.allclose(a[0], b[0]) and torch.allclose(a[1], b[1])


def test_zone_levels_torch_matches_numpy_and_has_gradients():
    _, _, zones, _ = paint_canonical("medial", np.random.default_rng(0))
    w = zone_weights(zones, map_size=(32, 16))[None]
    maps = torch.rand(1, 32, 16, requires_grad=True)
    got = zone_levels_torch(maps, torch.from_numpy(w))
    assert np.allclose(got.detach().numpy(), zone_levels(maps.detach().numpy(), w), atol=1e-6)
    got.sum().backward()
    assert maps.grad is not None and float(maps.grad.abs().sum()) > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"input_size": (100, 64)}, "multiples of 16"),
        ({"map_size": (16, 8)}, "input_size / 4"),
        ({"widths": (8, 16)}, "4 channel counts"),
        ({"detail": 3}, "detail must be 0, 1 or 2"),
    ],
)
def test_config_rejects_inconsistent_sizes(change, message):
    with pytest.raises(ModelError, match=message):
        ModelConfig().replace(**change)


def test_config_written_with_detail_as_a_switch_reads_as_one_channel():
    data = json.loads(ModelConfig(detail=1).to_json())
    data["detail"] = True
    config = ModelConfig.from_json(json.dumps(data))
    assert config.detail == 1 and type(config.detail) is int and config.channels == 5


def test_config_json_round_trip():
    config = ModelConfig().replace(metrics={"val_accuracy": 0.9}, recipe={"seed": 3})
    again = ModelConfig.from_json(config.to_json())
    assert again == config and again.metrics == {"val_accuracy": 0.9}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: "{oops", "model config is not valid JSON"),
        (lambda d: json.dumps([d]), "must be a JSON object"),
        (lambda d: json.dumps({**d, "format_version": 99}), "format version 99 .*retrain"),
        (lambda d: json.dumps({**d, "classes": ["a", "b"]}), "classes \\['a', 'b'\\] do not"),
        (lambda d: json.dumps({**d, "zones": d["zones"][:3]}), "zones .* do not match"),
        (lambda d: json.dumps({**d, "colour": 1}), "unknown model config keys \\['colour'\\]"),
        (lambda d: json.dumps({**d, "widths": 16}), "'widths' must be a list, got 16"),
        (lambda d: json.dumps({**d, "widths": [8, 16]}), "4 channel counts"),
    ],
)
def test_config_from_json_refuses_bad_files_in_one_line(edit, message):
    data = json.loads(ModelConfig().to_json())
    with pytest.raises(ModelError, match=message) as err:
        ModelConfig.from_json(edit(data), source="m.onnx")
    assert str(err.value).startswith("m.onnx: ") and "\n" not in str(err.value)


def test_ensemble_reads_as_the_mean_of_its_members():
    from shoewear.training.wear_net import WearEnsemble, build_net

    torch.manual_seed(0)
    config = ModelConfig(detail=1, members=3)
    net = build_net(config).eval()
    assert isinstance(net, WearEnsemble) and len(net.members) == 3
    assert isinstance(build_net(ModelConfig()), WearNet)
    x = torch.rand(2, 5, 128, 64)
    with torch.no_grad():
        logits, wear = net(x)
        outs = [m(x) for m in net.members]
    probs = torch.stack([torch.softmax(lo, 1) for lo, _ in outs]).mean(0)
    assert torch.allclose(torch.softmax(logits, 1), probs, atol=1e-6)
    assert torch.allclose(wear, torch.stack([w for _, w in outs]).mean(0), atol=1e-7)
    assert not torch.allclose(outs[0][1], outs[1][1])  # members start apart
    assert count_parameters(net) == 3 * count_parameters(WearNet(ModelConfig(detail=1)))


@pytest.mark.parametrize("members", [0, 5, True])
def test_ensemble_size_is_checked(members):
    with pytest.raises(ModelError, match="members must be 1 to 4"):
        ModelConfig(members=members)
