"""The browser app under Streamlit's AppTest: samples, uploads, pairs, corrections, bad input."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from shoewear.contract import PATTERNS
from shoewear.feedback import ENV_VAR, read_labels

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
SAMPLES = ROOT / "samples"
TITLES = {p.replace("_", " ").capitalize(): p for p in PATTERNS}

sys.path.insert(0, str(ROOT))
import streamlit_app as app  # noqa: E402

UPLOAD_MAX_BYTES = app.UPLOAD_MAX_BYTES


@pytest.fixture(scope="module")
def photos() -> dict[str, bytes]:
    """The shipped sample photos: a left sole, a right sole and a pair."""
    return {
        key: (SAMPLES / name).read_bytes()
        for key, name in (
            ("left", "sole_left.jpg"),
            ("right", "sole_right.jpg"),
            ("pair", "pair.jpg"),
        )
    }


@pytest.fixture
def at(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "feedback"))
    test = AppTest.from_file(APP, default_timeout=60)
    test.run()
    assert not test.exception
    return test


def _upload(at: AppTest, name: str, data: bytes, key: str = "upload") -> None:
    mime = "image/png" if name.endswith(".png") else "image/jpeg"
    at.file_uploader(key=key).set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception


def _patterns_shown(at: AppTest) -> list[str]:
    return [TITLES[m.value] for m in at.metric if m.label == "Wear pattern"]


def test_empty_page_shows_the_caveats(at):
    assert not at.error
    assert any("not a diagnosis" in i.value for i in at.info)
    assert not at.metric


def test_sidebar_tells_where_feedback_goes_and_how_to_retrain(at, tmp_path):
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert str(tmp_path / "feedback") in text
    assert any("shoewear train" in c.value for c in at.sidebar.code)


@pytest.mark.parametrize("sample", ["sole_left.jpg", "pair.jpg"])
def test_sample_photo_gives_a_full_result(at, sample):
    assert (SAMPLES / sample).is_file(), "the app ships its sample photos"
    at.radio(key="mode").set_value("Try a sample").run()
    at.selectbox(key="sample").set_value(SAMPLES / sample).run()
    assert not at.exception and not at.error
    patterns = _patterns_shown(at)
    assert len(patterns) == (2 if sample == "pair.jpg" else 1)
    assert [m.label for m in at.metric].count("Runner-up") == len(patterns)
    assert len(at.expander) > len(patterns)  # drills besides the correction panels
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"Report (PNG)", "Report (PDF)", "Report (JSON)"}
    assert len(at.get("vega_lite_chart")) >= 1  # the zone chart
    assert any("not a diagnosis" in i.value for i in at.info)


def test_upload_shows_pattern_and_drills(at, photos):
    _upload(at, "run.jpg", photos["left"])
    assert not at.error
    assert len(_patterns_shown(at)) == 1
    assert any(e.label for e in at.expander if not e.label.startswith("Wrong?"))


def test_pair_photo_gets_two_tabs(at, photos):
    _upload(at, "pair.jpg", photos["pair"])
    assert len(at.tabs) == 2
    assert len(_patterns_shown(at)) == 2


def test_left_and_right_photos_get_the_asymmetry_panel(at, photos):
    at.radio(key="mode").set_value("Left and right photos").run()
    at.file_uploader(key="upload_left").set_value(("l.jpg", photos["left"], "image/jpeg"))
    at.file_uploader(key="upload_right").set_value(("r.jpg", photos["right"], "image/jpeg"))
    at.run()
    assert not at.exception and not at.error
    assert "Left and right" in [s.value for s in at.subheader]
    sides = [m.value for m in at.metric if m.label == "Side"]
    assert sides == ["left", "right"]
    panel = [*at.warning, *at.success]
    assert any("wear" in p.value.lower() for p in panel)


@pytest.mark.parametrize("side", ["left", "right"])
def test_side_override(at, photos, side):
    at.sidebar.radio(key="side_override").set_value(side).run()
    _upload(at, "run.jpg", photos["right"])
    shown = [m for m in at.metric if m.label == "Side"]
    assert [m.value for m in shown] == [side]


def test_correction_saved_only_when_asked(at, photos, tmp_path):
    _upload(at, "run.jpg", photos["left"])
    root = tmp_path / "feedback"
    predicted = _patterns_shown(at)[0]
    corrected = next(p for p in PATTERNS if p != predicted)
    at.selectbox(key="fix_pattern_0").set_value(corrected).run()
    at.selectbox(key="fix_side_0").set_value("right").run()
    assert not root.exists()  # choosing is not saving
    at.button(key="save_0").click().run()
    assert not at.exception
    rows = read_labels(root)
    assert len(rows) == 1
    assert (rows[0]["pattern"], rows[0]["side"]) == (corrected, "right")
    assert rows[0]["predicted_pattern"] == predicted
    assert (root / rows[0]["file"]).is_file()
    assert any(str(root) in s.value for s in at.success)


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("notes.jpg", b"this is not an image", "not an image"),
        ("blank.png", None, "sole"),
        ("huge.jpg", b"\xff" * (UPLOAD_MAX_BYTES + 1), "25 mb limit"),
    ],
)
def test_bad_input_is_a_friendly_error_and_the_app_goes_on(at, photos, name, data, match):
    if data is None:  # a plain grey picture: an image, but no sole in it
        buf = io.BytesIO()
        Image.new("RGB", (400, 300), (128, 128, 128)).save(buf, format="PNG")
        data = buf.getvalue()
    _upload(at, name, data)
    assert len(at.error) == 1
    assert match in at.error[0].value.lower()
    assert at.error[0].value.count(name) == 1  # the file is named once, not twice
    assert not at.metric
    _upload(at, "run.jpg", photos["left"])
    assert not at.error
    assert len(_patterns_shown(at)) == 1


def test_models_are_loaded_once_per_server(monkeypatch, photos, tmp_path):
    import streamlit as st

    calls = []
    real = app.load_models

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    st.cache_resource.clear()
    monkeypatch.setattr(app, "load_models", counting)
    script = (
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "import streamlit_app\nstreamlit_app.main()\n"
    )
    for name in ("a.jpg", "b.jpg"):
        test = AppTest.from_string(script, default_timeout=60)
        test.run()
        _upload(test, name, photos["left" if name == "a.jpg" else "right"])
        assert len(_patterns_shown(test)) == 1
    assert len(calls) == 1
    st.cache_resource.clear()


def test_read_upload_is_the_whole_computation(photos):
    models = app.load_models()
    result = app.read_upload(photos["left"], models, name="run.jpg")
    assert result.report.error is None
    assert result.overlay is not None and result.overlay.shape[2] == 3
    assert len(result.soles) == len(result.report.soles) == 1
    assert set(result.report.models) == {"segmenter", "wear"}
    bad = app.read_upload(b"nope", models, name="x.jpg")
    assert bad.report.error and bad.overlay is None


@pytest.mark.parametrize(
    ("folder", "model_dir", "expect"),
    [
        (Path("/data/fb"), Path("/srv/models"), "shoewear train /data/fb --from /srv/models --out"),
        (Path("/my data/fb"), None, "shoewear train '/my data/fb' --out"),
    ],
)
def test_retrain_command(folder, model_dir, expect):
    command = app.retrain_command(folder, model_dir=model_dir)
    assert command.startswith(expect)
    assert ("--from" in command) == (model_dir is not None)
    assert "SHOEWEAR_MODEL=models/retrained" in command


@pytest.mark.parametrize(
    ("fmt", "name"), [("PNG", "s.png"), ("WEBP", "s.webp"), ("HEIF", "s.heic")]
)
def test_upload_formats(at, fmt, name):
    if fmt == "HEIF":
        pillow_heif = pytest.importorskip("pillow_heif")
        pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.open(SAMPLES / "sole_left.jpg").save(buf, format=fmt)
    _upload(at, name, buf.getvalue())
    assert not at.error
    assert len(_patterns_shown(at)) == 1


def test_camera_photo(at, photos):
    at.radio(key="mode").set_value("Take a photo").run()
    at.camera_input(key="camera").set_value(("camera.jpg", photos["right"], "image/jpeg")).run()
    assert not at.exception and not at.error
    assert len(_patterns_shown(at)) == 1


def test_the_models_that_read_are_named(at, photos):
    _upload(at, "run.jpg", photos["left"])
    shown = " ".join(c.value for c in at.caption)
    assert "sole_seg" in shown and "wear_cnn" in shown and "sha256" in shown


@pytest.mark.parametrize(
    ("content", "match"), [(b"not a model", "not a readable onnx"), (None, "no wear model at")]
)
def test_a_bad_model_stops_the_app_with_one_line(monkeypatch, tmp_path, content, match):
    import streamlit as st

    bad = tmp_path / "wear_cnn.onnx"
    if content is not None:
        bad.write_bytes(content)
    monkeypatch.setenv("SHOEWEAR_MODEL", str(bad))
    st.cache_resource.clear()
    test = AppTest.from_file(APP, default_timeout=60)
    test.run()
    st.cache_resource.clear()
    assert not test.exception
    assert len(test.error) == 1 and match in test.error[0].value.lower()
    assert not test.file_uploader  # nothing is read with other networks


@pytest.fixture(scope="module")
def untrained_model(tmp_path_factory) -> Path:
    """An untrained wear CNN exported as the shipped model is (weights and ONNX)."""
    torch = pytest.importorskip("torch")
    from shoewear.training.checkpoint import save_checkpoint
    from shoewear.training.onnx_export import export_onnx
    from shoewear.training.wear_net import WearNet
    from shoewear.wear.config import ModelConfig

    torch.manual_seed(0)
    config = ModelConfig()
    net = WearNet(config).eval()
    root = tmp_path_factory.mktemp("model")
    save_checkpoint(root / "wear_cnn.safetensors", net, config)
    export_onnx(net, config, root / "wear_cnn.onnx")
    return root


def test_the_cnn_reads_uploads_with_its_wear_maps(monkeypatch, untrained_model, photos):
    monkeypatch.setenv("SHOEWEAR_MODEL", str(untrained_model))
    models = app.load_models()
    assert models.wear.info.path.parent == untrained_model and not models.wear.info.shipped
    result = app.read_upload(photos["pair"], models, name="pair.jpg")
    assert result.report.error is None
    assert len(result.soles) == len(result.report.soles) >= 1
    assert all(p in PATTERNS for p in (s.reading.pattern for s in result.report.soles))
    assert result.report.models["wear"]["name"] == "wear_cnn.onnx"
    command = app.retrain_command(Path("/fb"), model_dir=app._model_dir(models))
    assert f"--from {untrained_model}" in command
