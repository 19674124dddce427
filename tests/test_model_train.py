import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from test_model_helpers import write_data_folder

from shoewear.contract import PATTERNS
from shoewear.errors import ModelError, UsageError
from shoewear.training.augment import augment, noise_bank
from shoewear.training.checkpoint import load_checkpoint
from shoewear.training.train import STATE_NAME, resolve_weights, train_model
from shoewear.wear.config import DEFAULT_DETAIL, WEIGHT_DECAY, ModelConfig
from shoewear.wear.runtime import WearModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_augment import augment_step_by_step  # noqa: E402


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_data_folder(root, per_class=3, seed=1)
    return root


def _train(data_dir, out, **kw):
    opts = {"epochs": 2, "seed": 0, "val_split": 0.3, "batch_size": 8, "workers": 1,
            "precision": "fp32"}
    opts.update(kw)
    return train_model(data_dir, out_dir=out, progress=False, **opts)


def test_augment_keeps_shapes_and_does_not_flip():
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(4, 4, 128, 64)
    x[:, 3, 10:60, 5:30] = 1  # a blob in the top-left quarter
    x[:, :3] = 0.5
    w = torch.zeros(4, 7, 32, 16)
    w[:, 0, 2:15, 1:7] = 1
    y, v = augment(x, w, gen)
    assert y.shape == x.shape and v.shape == w.shape
    assert float(y[:, :3].min()) >= 0 and float(y[:, :3].max()) <= 1
    rows, cols = torch.nonzero(y[:, 3] > 0.5)[:, 1:].float().mean(0)
    assert rows < 64 and cols < 32  # still top-left: no vertical or horizontal flip
    wrows, wcols = torch.nonzero(v[:, 0] > 0.5)[:, 1:].float().mean(0)
    assert wrows < 16 and wcols < 8
    y2, _ = augment(x, w, torch.Generator().manual_seed(0))
    assert torch.equal(y, y2)


def test_augment_draws_the_same_for_the_detail_channel():
    """A 5th channel leaves the augmentation of the first four untouched."""
    x = torch.rand(6, 5, 128, 64)
    w = torch.rand(6, 7, 32, 16)
    y5, v5 = augment(x, w, torch.Generator().manual_seed(3))
    y4, v4 = augment(x[:, :4].clone(), w, torch.Generator().manual_seed(3))
    assert torch.equal(y5[:, :4], y4) and torch.equal(v5, v4)
    assert y5.shape == x.shape and float(y5[:, 4].min()) >= 0 and float(y5[:, 4].max()) <= 1


@pytest.mark.parametrize("channels", [4, 5])
@pytest.mark.parametrize("bank", [False, True])
def test_augment_computes_the_step_by_step_augmentation(channels, bank):
    x = torch.rand(16, channels, 64, 32)
    x[:, 3] = (x[:, 3] > 0.3).float()
    w = torch.rand(16, 7, 16, 8)
    noise = noise_bank(torch.Generator().manual_seed(5), (3, 64, 32), size=8) if bank else None
    got, got_w = augment(x.clone(), w, torch.Generator().manual_seed(11), noise)
    want, want_w = augment_step_by_step(x.clone(), w, torch.Generator().manual_seed(11), noise)
    assert torch.allclose(got, want, atol=1e-5) and torch.equal(got_w, want_w)


def test_augment_noise_from_the_bank():
    """Each sole gets one bank field, with a sign and strength of its own; the rest is untouched."""
    x = torch.full((64, 4, 32, 16), 0.5)
    x[:, 3] = 1.0
    w = torch.rand(64, 7, 8, 4)
    bank = noise_bank(torch.Generator().manual_seed(1), (3, 32, 16), size=4)
    assert bank.shape == (4, 3, 32, 16) and abs(float(bank.std()) - 1) < 0.05
    quiet = torch.zeros_like(bank)
    got, got_w = augment(x.clone(), w, torch.Generator().manual_seed(2), bank)
    flat, flat_w = augment(x.clone(), w, torch.Generator().manual_seed(2), quiet)
    assert torch.equal(got_w, flat_w) and torch.equal(got[:, 3], flat[:, 3])
    diff = got[:, :3] - flat[:, :3]
    assert float(diff.abs().max()) > 0.01  # noise is there
    assert float(diff.abs().max()) < 0.04 * 5  # and as weak as drawn (under five sigma)
    # every sole's noise is a multiple of one field of the bank (away from clamped pixels)
    fields = bank.flatten(1)
    for d in diff.flatten(1)[:8]:
        corr = (fields @ d).abs() / (fields.norm(dim=1) * d.norm() + 1e-12)
        assert float(corr.max()) > 0.6
    proj = diff.flatten(1) @ fields.T  # (64, 4)
    nearest = proj.gather(1, proj.abs().argmax(1, keepdim=True))
    assert nearest.min() < 0 < nearest.max()  # both signs are drawn


def test_train_with_the_detail_channel(data_dir, tmp_path):
    result = _train(data_dir, tmp_path / "m", arch=ModelConfig(detail=1))
    model = WearModel.load(result.onnx)
    assert model.config.detail and model.config.channels == 5
    sets = sorted(p.name for p in (data_dir / ".shoewear-cache").iterdir() if p.is_dir())
    assert any(name.endswith("-c5") for name in sets)


def test_train_writes_a_working_model(data_dir, tmp_path):
    result = _train(data_dir, tmp_path)
    assert result.weights.is_file() and result.onnx.is_file()
    assert result.export_max_diff < 1e-4
    assert len(result.history) == 2 and result.n_train + result.n_val == 3 * len(PATTERNS)
    assert not (tmp_path / STATE_NAME).exists()
    model = WearModel.load(tmp_path)
    assert model.config.detail == DEFAULT_DETAIL  # the architecture `shoewear train` makes
    assert model.config.metrics["n_train"] == result.n_train
    assert model.config.recipe["soles_per_class"] == dict.fromkeys(PATTERNS, 3)
    _, config = load_checkpoint(result.weights)
    assert config == model.config


def test_interrupted_run_keeps_old_model_and_resumes(data_dir, tmp_path):
    _train(data_dir, tmp_path, epochs=1)
    old = (tmp_path / "wear_cnn.onnx").read_bytes()

    def stop(stats):
        if stats.epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _train(data_dir, tmp_path, epochs=3, on_epoch=stop)
    assert (tmp_path / "wear_cnn.onnx").read_bytes() == old
    assert (tmp_path / STATE_NAME).is_file()

    with pytest.raises(UsageError, match="epochs 3"):
        _train(data_dir, tmp_path, epochs=4, resume=True)
    with pytest.raises(UsageError, match="precision fp32"):
        _train(data_dir, tmp_path, epochs=3, resume=True, precision="bf16")
    with pytest.raises(UsageError, match=f"weight_decay {WEIGHT_DECAY:g}"):
        _train(data_dir, tmp_path, epochs=3, resume=True, weight_decay=0.01)
    with pytest.raises(UsageError, match="lr 0.003"):
        _train(data_dir, tmp_path, epochs=3, resume=True, lr=0.01)
    seen = []
    result = _train(data_dir, tmp_path, epochs=3, resume=True, on_epoch=seen.append)
    assert result.resumed_from == 1
    assert [s.epoch for s in seen] == [2, 3] and len(result.history) == 3
    assert (tmp_path / "wear_cnn.onnx").read_bytes() != old


def test_fine_tune_from_a_model(data_dir, tmp_path):
    base = _train(data_dir, tmp_path / "base", epochs=1)
    tuned = _train(data_dir, tmp_path / "tuned", init_from=base.onnx, epochs=1)
    assert tuned.config.recipe["fine_tuned_from"] == str(base.weights)
    assert tuned.config.recipe["lr"] == pytest.approx(1e-3)
    with pytest.raises(ModelError, match="--from"):
        resolve_weights(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"val_split": 1.0}, "--val-split"), ({"batch_size": 1}, "--batch-size"),
     ({"weight_decay": -0.1}, "--weight-decay")],
)
def test_bad_knobs_are_usage_errors(data_dir, tmp_path, kw, message):
    with pytest.raises(UsageError, match=message):
        _train(data_dir, tmp_path, **kw)


def test_weight_decay_shrinks_the_weights_and_is_recorded(data_dir, tmp_path):
    def weight_norm(result):
        net, config = load_checkpoint(result.weights)
        norm = sum(float(p.detach().square().sum()) for p in net.parameters() if p.ndim >= 2)
        return norm, config.recipe["weight_decay"]

    plain = weight_norm(_train(data_dir, tmp_path / "plain", weight_decay=0.0, lr=0.05))
    decayed = weight_norm(_train(data_dir, tmp_path / "decayed", weight_decay=0.9, lr=0.05))
    assert plain[1] == 0.0 and decayed[1] == 0.9
    assert decayed[0] < 0.9 * plain[0]


def test_training_learns_the_painted_patterns(tmp_path):
    """A few epochs on painted soles beat chance on held-out photos by far."""
    from shoewear.training.evaluate import evaluate_model

    write_data_folder(tmp_path / "train", per_class=12, seed=2)
    write_data_folder(tmp_path / "test", per_class=4, seed=3)
    torch.manual_seed(0)
    _train(tmp_path / "train", tmp_path / "m", epochs=12, val_split=0.0, batch_size=16)
    result = evaluate_model(tmp_path / "test", model_path=tmp_path / "m", workers=1, progress=False)
    assert result.accuracy > 0.6  # chance is 1/7
    assert result.zone_mae < 0.15
    assert np.trace(result.confusion) == round(result.accuracy * result.n_soles)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_both_precisions_train_a_float32_model(data_dir, tmp_path, precision):
    result = _train(data_dir, tmp_path, epochs=1, precision=precision)
    assert result.config.recipe["precision"] == precision
    assert result.export_max_diff < 1e-4  # the saved network runs in float32
    net, _ = load_checkpoint(result.weights)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert all(p.is_contiguous() for p in net.parameters())


def test_precision_auto_follows_the_cpu_and_bad_values_are_refused():
    from shoewear.training.precision import native_bf16, resolve_precision

    assert resolve_precision("auto") == ("bf16" if native_bf16() else "fp32")
    assert resolve_precision("fp32") == "fp32"
    with pytest.raises(UsageError, match="precision must be one of auto, fp32, bf16"):
        resolve_precision("fp16")


def test_bf16_steps_follow_the_float32_ones():
    """The same step in both precisions gives nearly the same loss."""
    from shoewear.training.fit import step_loss
    from shoewear.training.wear_net import WearNet
    from shoewear.wear.config import ModelConfig

    torch.manual_seed(0)
    net = WearNet(ModelConfig()).to(memory_format=torch.channels_last)
    x = torch.rand(8, 4, 128, 64).contiguous(memory_format=torch.channels_last)
    w = torch.zeros(8, 9, 32, 16)  # 7 zone weights, then the dense target and its weight
    w[:, :7, 4:28, 2:14] = 1 / 7
    w[:, 8, 4:28, 2:14] = 1.0
    w[:, 7] = torch.rand(32, 16) * w[:, 8]
    y = torch.arange(8) % 7
    lv = torch.rand(8, 7)
    full, _, _ = step_loss(net, x, w, y, lv, "fp32")
    half, logits, levels = step_loss(net, x, w, y, lv, "bf16")
    assert logits.dtype == torch.float32 and levels.dtype == torch.float32
    assert half.item() == pytest.approx(full.item(), rel=0.02)
    assert half.item() != full.item()  # the convolutions did run in bfloat16


def test_step_loss_adds_the_cell_error_of_the_wear_map():
    """Cells with a weight add DENSE_LOSS_WEIGHT x their mean |map - target|; others nothing."""
    from shoewear.training.fit import DENSE_LOSS_WEIGHT, step_loss
    from shoewear.training.wear_net import WearNet
    from shoewear.wear.config import ModelConfig

    torch.manual_seed(0)
    net = WearNet(ModelConfig()).eval()
    x = torch.rand(4, 4, 128, 64)
    maps = torch.zeros(4, 9, 32, 16)
    maps[:, :7, 4:28, 2:14] = 1 / 7
    y, lv = torch.arange(4), torch.rand(4, 7)
    plain, _, _ = step_loss(net, x, maps, y, lv)
    with torch.no_grad():
        _, wear = net(x)
    maps[:, 8, 4:28, 2:14] = 1.0
    maps[:, 7] = wear * maps[:, 8]
    exact, _, _ = step_loss(net, x, maps, y, lv)
    assert exact.item() == pytest.approx(plain.item(), abs=1e-6)
    maps[:, 7] = (wear + 0.1) * maps[:, 8]
    off, _, _ = step_loss(net, x, maps, y, lv)
    assert off.item() - plain.item() == pytest.approx(DENSE_LOSS_WEIGHT * 0.1, rel=1e-4)


def test_ensemble_members_train_side_by_side(data_dir, tmp_path):
    """Member 0 of an ensemble is the network a single run with the same seed makes."""
    from shoewear.training.members import state_name

    threads = torch.get_num_threads()
    try:
        single = _train(data_dir, tmp_path / "one", threads=1, arch=ModelConfig())
    finally:
        torch.set_num_threads(threads)
    seen = []
    result = _train(data_dir, tmp_path / "two", threads=2, arch=ModelConfig(members=2),
                    on_epoch=seen.append)
    assert sorted((s.member, s.epoch) for s in seen) == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert len(result.history) == 4 and result.export_max_diff < 1e-4
    model = WearModel.load(result.onnx)
    assert model.config.members == 2
    assert model.config.metrics["member_epochs"] == [
        min((s for s in seen if s.member == k), key=lambda s: s.val_loss).epoch for k in (0, 1)
    ]
    assert model.config.recipe["parameters"] == 2 * single.config.recipe["parameters"]
    ensemble, _ = load_checkpoint(result.weights)
    alone, _ = load_checkpoint(single.weights)
    first, second = ensemble.members[0].state_dict(), ensemble.members[1].state_dict()
    for name, value in alone.state_dict().items():
        assert torch.allclose(first[name], value, atol=1e-6), name
    assert not torch.allclose(first["stem.0.weight"], second["stem.0.weight"])
    assert not any((tmp_path / "two" / state_name(k)).exists() for k in (0, 1))
    assert not (tmp_path / "two" / ".soles").exists()

    tuned = _train(data_dir, tmp_path / "tuned", init_from=result.weights, epochs=1)
    assert tuned.config.members == 2 and len(tuned.history) == 2


def test_interrupted_ensemble_resumes(data_dir, tmp_path):
    from shoewear.training.members import state_name

    def stop(stats):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _train(data_dir, tmp_path, epochs=2, arch=ModelConfig(members=2), on_epoch=stop)
    assert not (tmp_path / "wear_cnn.onnx").exists()
    assert any((tmp_path / state_name(k)).is_file() for k in (0, 1))
    with pytest.raises(UsageError, match="epochs 2"):
        _train(data_dir, tmp_path, epochs=3, arch=ModelConfig(members=2), resume=True)
    result = _train(data_dir, tmp_path, epochs=2, arch=ModelConfig(members=2), resume=True)
    assert result.resumed_from >= 0 and result.onnx.is_file()
    assert sorted((s.member, s.epoch) for s in result.history) == [(0, 1), (0, 2), (1, 1), (1, 2)]
