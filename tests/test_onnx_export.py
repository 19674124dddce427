"""Exported networks run by onnxruntime give torch's outputs, for any batch size."""

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import shoewear  # noqa: E402
from shoewear.errors import ModelError  # noqa: E402
from shoewear.segment.config import (  # noqa: E402
    SEG_CONFIG_KEY,
    SEG_INPUT_NAME,
    SEG_OUTPUT_NAME,
    SegConfig,
    shrink_photo,
    to_seg_input,
)
from shoewear.segment.runtime import SoleSegmenter  # noqa: E402
from shoewear.training.onnx_export import OPSET, export_onnx  # noqa: E402
from shoewear.training.seg_net import SoleSegNet  # noqa: E402
from shoewear.training.seg_train import export_segmenter  # noqa: E402
from shoewear.training.wear_net import build_net  # noqa: E402
from shoewear.wear.config import CONFIG_KEY, ModelConfig  # noqa: E402
from shoewear.wear.preprocess import to_network_input  # noqa: E402
from shoewear.wear.runtime import WearModel  # noqa: E402

#: Where the networks' source lies: torch's exporter notes it on every node.
SOURCE_ROOT = str(Path(shoewear.__file__).resolve().parent)
TINY_WEAR = {"widths": (4, 8, 8, 8), "head_width": 8}
ATOL = 1e-4


def _settle_batch_norm(net, *inputs):
    """Give the batch norms running statistics of their own, so eval mode is really exercised."""
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(*inputs)
    return net.eval()


def _quiet_export(export, *args):
    """Run an export, returning its result, what it printed and the warnings it raised."""
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        result = export(*args)
    return result, out.getvalue(), [str(w.message) for w in caught]


@pytest.fixture(
    scope="module",
    params=[{}, {"zone_inputs": True, "members": 2}],
    ids=["single", "ensemble_with_zone_inputs"],
)
def wear(request, tmp_path_factory):
    torch.manual_seed(0)
    config = ModelConfig(**TINY_WEAR, **request.param)
    net = build_net(config)
    zones = (torch.rand(8, len(config.zones), *config.map_size),) if config.zone_inputs else ()
    _settle_batch_norm(net, torch.rand(8, config.channels, *config.input_size), *zones)
    path = tmp_path_factory.mktemp("wear") / "wear_cnn.onnx"
    _, printed, warned = _quiet_export(export_onnx, net, config, path)
    return net, config, WearModel.load(path), printed, warned


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory):
    torch.manual_seed(1)
    config = SegConfig(input_side=64, widths=(4, 4, 8, 8, 8), decoder_width=4)
    net = _settle_batch_norm(SoleSegNet(config), torch.rand(4, 3, 64, 64))
    path = tmp_path_factory.mktemp("seg") / "sole_seg.onnx"
    _, printed, warned = _quiet_export(export_segmenter, net, config, path)
    return net, config, SoleSegmenter.load(path), printed, warned


def test_wear_export_prints_and_warns_nothing(wear):
    *_, printed, warned = wear
    assert printed == ""
    assert warned == []


def test_segmenter_export_prints_and_warns_nothing(segmenter):
    *_, printed, warned = segmenter
    assert printed == ""
    assert warned == []


def test_files_hold_the_config_and_nothing_of_the_machine_that_made_them(wear, segmenter):
    onnx = pytest.importorskip("onnx")
    for runtime, key in ((wear[2], CONFIG_KEY), (segmenter[2], SEG_CONFIG_KEY)):
        model = onnx.load(str(runtime.path))
        assert [p.key for p in model.metadata_props] == [key]
        assert not any(n.metadata_props for n in model.graph.node)
        assert not model.graph.metadata_props
        assert model.opset_import[0].version == OPSET
        assert SOURCE_ROOT.encode() not in runtime.path.read_bytes()


@pytest.mark.parametrize("batch", [1, 3])
def test_wear_model_matches_torch(wear, batch):
    net, config, model, *_ = wear
    rng = np.random.default_rng(batch)
    small = rng.integers(0, 256, (batch, *config.input_size, config.channels), np.uint8)
    weights = rng.random((batch, len(config.zones), *config.map_size), np.float32)
    probs, maps = model.predict(small, weights)
    zones = (torch.from_numpy(weights),) if config.zone_inputs else ()
    with torch.no_grad():
        logits, wear_map = net(torch.from_numpy(to_network_input(small)), *zones)
    assert probs.shape == (batch, len(config.classes))
    assert maps.shape == (batch, *config.map_size)
    np.testing.assert_allclose(probs, torch.softmax(logits, 1).numpy(), atol=ATOL)
    np.testing.assert_allclose(maps, wear_map.numpy(), atol=ATOL)


def test_wear_model_batch_axis_is_free(wear):
    model = wear[2]
    shapes = [i.shape[0] for i in model.session.get_inputs()]
    shapes += [o.shape[0] for o in model.session.get_outputs()]
    assert shapes == ["batch"] * len(shapes)


def test_segmenter_reads_a_photo_like_torch(segmenter):
    net, config, seg, *_ = segmenter
    rgb = np.random.default_rng(2).integers(0, 256, (90, 130, 3), np.uint8)
    logits, f = seg.logits(rgb)
    small, _ = shrink_photo(rgb, config.input_side)
    assert small.shape[:2] == (64, 64)  # 44 x 64, padded to the stride
    with torch.no_grad():
        ref = net(torch.from_numpy(to_seg_input(small))).numpy()[0]
    assert logits.shape == (2, round(90 * f), 64)
    np.testing.assert_allclose(logits, ref[:, : logits.shape[1], :64], atol=ATOL)


@pytest.mark.parametrize(("batch", "h", "w"), [(1, 64, 64), (3, 64, 96), (3, 128, 32)])
def test_segmenter_matches_torch_for_any_batch_and_size(segmenter, batch, h, w):
    net, _, seg, *_ = segmenter
    x = np.random.default_rng(batch + h).random((batch, 3, h, w), np.float32)
    (out,) = seg.session.run([SEG_OUTPUT_NAME], {SEG_INPUT_NAME: x})
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    assert out.shape == (batch, 2, h, w)
    np.testing.assert_allclose(out, ref, atol=ATOL)


def test_failed_export_is_one_line_and_leaves_no_file(tmp_path):
    config = ModelConfig(**TINY_WEAR)

    class Broken(torch.nn.Module):
        def forward(self, x):
            if x.sum() > 0:  # data-dependent control flow: torch.export refuses it
                return x[:, :7, 0, 0], x[:, 0, ::4, ::4]
            return x[:, :7, 0, 0], x[:, 1, ::4, ::4]

    path = tmp_path / "wear_cnn.onnx"
    with pytest.raises(ModelError, match=r"^ONNX export to .*wear_cnn\.onnx failed: .+") as info:
        export_onnx(Broken(), config, path)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
