import numpy as np
import pytest

from shoewear.errors import ModelError
from shoewear.segment.config import (
    SEG_STRIDE,
    SegConfig,
    core_target,
    shrink_photo,
    to_seg_input,
)


def test_config_round_trips_and_refuses_bad_files():
    config = SegConfig(metrics={"sole_iou": 0.9}, recipe={"epochs": 1})
    back = SegConfig.from_json(config.to_json())
    assert back == config and back.metrics == {"sole_iou": 0.9}
    with pytest.raises(ModelError, match="not valid JSON"):
        SegConfig.from_json("{oops")
    with pytest.raises(ModelError, match="format version 99"):
        SegConfig.from_json(config.to_json().replace('"format_version": 1', '"format_version": 99'))
    with pytest.raises(ModelError, match="unknown segmenter config keys \\['colour'\\]"):
        SegConfig.from_json(config.to_json()[:-1] + ', "colour": 1}')
    with pytest.raises(ModelError, match="multiple of 32"):
        SegConfig(input_side=250)


@pytest.mark.parametrize(("h", "w"), [(480, 640), (1024, 577), (100, 90), (2000, 300)])
def test_shrink_photo_pads_to_the_stride(h, w):
    small, f = shrink_photo(np.zeros((h, w, 3), np.uint8), 256)
    assert f == pytest.approx(256 / max(h, w))
    assert max(small.shape[:2]) == 256 and small.shape[0] % SEG_STRIDE == 0
    assert small.shape[1] % SEG_STRIDE == 0
    assert round(h * f) <= small.shape[0] < round(h * f) + SEG_STRIDE
    x = to_seg_input(small)
    assert x.shape == (1, 3, *small.shape[:2]) and x.dtype == np.float32


def test_core_keeps_touching_soles_apart():
    a = np.zeros((60, 100), bool)
    b = np.zeros((60, 100), bool)
    a[10:50, 10:50] = True
    b[10:50, 50:90] = True  # shares an edge with a
    core = core_target([a, b])
    assert core[30, 30] and core[30, 70]
    assert not core[:, 45:55].any()
    assert not core[~(a | b)].any()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_tiny_segmenter_learns_exports_and_runs_without_torch(tmp_path, precision):
    torch = pytest.importorskip("torch")
    from shoewear.segment.runtime import SoleSegmenter
    from shoewear.training.seg_data import make_samples, plan_samples
    from shoewear.training.seg_net import SoleSegNet
    from shoewear.training.seg_train import evaluate_seg, export_segmenter, train_segmenter

    torch.set_num_threads(2)
    config = SegConfig(input_side=96, widths=(8, 8, 16, 16, 16), decoder_width=8)
    data = make_samples(plan_samples(24, 7_000_000, sizes=(256, 320)), 96, workers=1,
                        progress=False)
    assert data["image"].shape == (24, 96, 96, 3)
    assert data["sole"].max() == 255 and data["core"].max() == 1
    net, metrics = train_segmenter(data, data, config, epochs=6, batch_size=8, lr=1e-2,
                                   progress=False, precision=precision)
    assert all(p.dtype == torch.float32 and p.is_contiguous() for p in net.parameters())
    untrained = evaluate_seg(SoleSegNet(config), data)
    assert metrics["sole_iou"] > untrained["sole_iou"] + 0.05
    path = export_segmenter(net, config.replace(metrics=metrics), tmp_path / "seg.onnx")
    seg = SoleSegmenter.load(path)
    assert seg.config.metrics["sole_iou"] == pytest.approx(metrics["sole_iou"])
    rgb = np.ascontiguousarray(data["image"][0][:80, :90])
    logits, f = seg.logits(rgb)
    assert f == pytest.approx(96 / 90)
    assert logits.shape == (2, 85, 96)  # the photo at network scale, padding cut off
    small, _ = shrink_photo(rgb, 96)
    assert small.shape[:2] == (96, 96)
    with torch.no_grad():
        ref = net(torch.from_numpy(to_seg_input(small))).numpy()[0]
    np.testing.assert_allclose(logits, ref[:, :85, :96], atol=1e-4)


def test_closer_box_bounds_the_soles_with_a_margin():
    from shoewear.training.seg_data import CLOSER_MARGINS, closer_box

    a = np.zeros((400, 600), bool)
    a[100:300, 200:260] = True
    b = np.zeros_like(a)
    b[120:310, 300:350] = True
    for seed in range(20):
        x0, y0, x1, y1 = closer_box([a, b], a.shape, seed)
        long = max(350 - 200, 310 - 100)
        lo, hi = CLOSER_MARGINS[0] * long, CLOSER_MARGINS[1] * long + 3
        assert lo <= 200 - x0 <= hi and lo <= 100 - y0 <= hi
        assert lo <= x1 - 350 <= hi and lo <= y1 - 310 <= hi
    edge = np.zeros_like(a)
    edge[0:50, 0:40] = True  # against the photo's corner: the box stays inside
    assert closer_box([edge], a.shape, 0)[:2] == (0, 0)
    for seed in range(20):  # no sole: a random box of 40-90% of each side
        x0, y0, x1, y1 = closer_box([], a.shape, seed)
        assert x0 >= 0 and x1 <= 600 and y0 >= 0 and y1 <= 400
        assert 0.4 * 600 - 1 <= x1 - x0 <= 0.9 * 600 and 0.4 * 400 - 1 <= y1 - y0 <= 0.9 * 400


def test_closer_samples_fill_the_view_with_their_soles():
    from shoewear.training.seg_data import make_sample

    def extent(sole):
        ys, xs = np.nonzero(sole >= 128)
        return max(xs.max() - xs.min(), ys.max() - ys.min()) + 1

    for seed in (7_000_100, 7_000_101, 7_000_102):
        whole = make_sample(("single", seed, 400, False), 128)
        near = make_sample(("single", seed, 400, True), 128)
        assert extent(near[1]) > extent(whole[1])
        assert extent(near[1]) >= 128 / (1 + 2 * 0.25) - 2  # at most the widest margins


def test_segmenter_training_starts_from_given_weights():
    torch = pytest.importorskip("torch")
    from shoewear.training.seg_data import make_samples, plan_samples
    from shoewear.training.seg_net import SoleSegNet
    from shoewear.training.seg_train import train_segmenter

    config = SegConfig(input_side=64, widths=(8, 8, 8, 8, 8), decoder_width=8)
    data = make_samples(plan_samples(4, 7_000_200, sizes=(160, 200)), 64, workers=1,
                        progress=False)
    torch.manual_seed(123)
    start = SoleSegNet(config).state_dict()
    # A learning rate too small to move anything: the result is the starting point.
    net, _ = train_segmenter(data, data, config, epochs=1, batch_size=4, lr=1e-12,
                             progress=False, init=start, precision="fp32")
    fresh, _ = train_segmenter(data, data, config, epochs=1, batch_size=4, lr=1e-12,
                               progress=False, precision="fp32")
    key = "enc.0.0.0.weight"
    torch.testing.assert_close(net.state_dict()[key], start[key])
    assert not torch.allclose(fresh.state_dict()[key], start[key])
