import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import write_foot_photo

from shoewear.cli import main
from shoewear.contract import PATTERNS, ZONES


def _photo(path, **kwargs):
    return write_foot_photo(path, **kwargs)


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_one_photo_json_line_follows_design(tmp_path, capsys):
    photo = tmp_path / "sole.png"
    _photo(photo, side="left")
    assert main(["analyze", str(photo), "--json"]) == 0
    (obj,) = _lines(capsys.readouterr().out)
    assert obj["file"] == str(photo) and obj["error"] is None
    (sole,) = obj["soles"]
    assert sole["side"] == "left"
    assert 0.0 <= sole["side_confidence"] <= 1.0
    assert sole["pattern"] in PATTERNS and set(sole["probabilities"]) == set(PATTERNS)
    assert set(sole["zones"]) == set(ZONES)
    x0, y0, x1, y1 = sole["box"]
    assert 0 <= x0 < x1 <= 640 and 0 <= y0 < y1 <= 480
    assert sole["caveats"]


def test_failures_get_an_error_line_and_exit_1(tmp_path, capsys):
    good = tmp_path / "good.png"
    _photo(good)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 400, 3), 128, np.uint8))
    missing = tmp_path / "missing.jpg"
    code = main(["analyze", str(good), str(bad), str(blank), str(missing), "--format", "json"])
    assert code == 1
    captured = capsys.readouterr()
    objs = _lines(captured.out)
    assert [o["file"] for o in objs] == [str(good), str(bad), str(blank), str(missing)]
    assert objs[0]["error"] is None
    assert "not an image" in objs[1]["error"]
    assert "no outsole" in objs[2]["error"]
    assert "no such file" in objs[3]["error"]
    assert all(o["soles"] == [] for o in objs[1:])
    errors = captured.err.strip().splitlines()
    assert len(errors) == 3 and "Traceback" not in captured.err


def test_mask_is_written_at_the_photo_size(tmp_path, capsys):
    photo = tmp_path / "big.jpg"
    truth = _photo(photo, size=(1500, 2000), angle=-30)  # loaded at 1/2 scale
    out = tmp_path / "masks"
    assert main(["analyze", str(photo), "--json", "--mask", str(out)]) == 0
    written = cv2.imread(str(out / "big_mask.png"), cv2.IMREAD_UNCHANGED)
    assert written.shape == truth.shape and written.dtype == np.uint8
    assert set(np.unique(written)) <= {0, 255}
    found = written > 0
    assert (found & truth).sum() / (found | truth).sum() > 0.95


def test_overlay_file_and_folder(tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    _photo(a)
    _photo(b, seed=1, side="left")
    assert main(["analyze", str(a), "--json", "--overlay", str(tmp_path / "seen.png")]) == 0
    drawn = cv2.imread(str(tmp_path / "seen.png"))
    assert drawn.shape == (480, 640, 3)
    assert np.any(drawn != cv2.imread(str(a)))
    assert main(["analyze", str(a), str(b), "--json", "--overlay", str(tmp_path / "ov")]) == 0
    assert sorted(p.name for p in (tmp_path / "ov").iterdir()) == [
        "a_overlay.png",
        "b_overlay.png",
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_folder_is_walked_in_order(tmp_path, capsys, workers):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    _photo(folder / "b.png", seed=2)
    _photo(folder / "sub" / "c.jpg", seed=3, side="left")
    _photo(folder / "a.png", seed=1)
    (folder / "notes.txt").write_text("ignored")
    code = main(["analyze", str(folder), "--json", "--workers", str(workers)])
    assert code == 0
    objs = _lines(capsys.readouterr().out)
    assert [o["file"] for o in objs] == [
        str(folder / "a.png"),
        str(folder / "b.png"),
        str(folder / "sub" / "c.jpg"),
    ]
    assert [o["soles"][0]["side"] for o in objs] == ["right", "right", "left"]


def test_side_option_overrides_the_guess(tmp_path, capsys):
    photo = tmp_path / "r.png"
    _photo(photo, side="right")
    assert main(["analyze", str(photo), "--json", "--side", "left"]) == 0
    (obj,) = _lines(capsys.readouterr().out)
    assert obj["soles"][0]["side"] == "left" and obj["soles"][0]["side_confidence"] == 1.0


def test_text_format_is_readable(tmp_path, capsys):
    photo = tmp_path / "sole.png"
    _photo(photo)
    assert main(["analyze", str(photo), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.strip() and not out.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["analyze", "x.jpg", "--side", "middle"], "invalid choice"),
        (["analyze"], "required"),
        (["analyze", "x.jpg", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_bad_workers_and_empty_folder_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path), "--workers", "0"]) == 2
    assert main(["analyze", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--workers" in err[0] and "no image files" in err[1]


def test_one_overlay_file_for_many_photos_is_a_usage_error(tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    _photo(a)
    _photo(b)
    assert main(["analyze", str(a), str(b), "--overlay", str(tmp_path / "o.png")]) == 2
    assert "give a folder" in capsys.readouterr().err


def test_help_teaches_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    for words in ("examples:", "--overlay", "--mask", "--side", "exit codes"):
        assert words in out


def test_analyze_runs_without_torch(tmp_path):
    photo = tmp_path / "sole.png"
    _photo(photo)
    code = (
        "import sys\nfrom shoewear.cli import main\n"
        f"rc = main(['analyze', {str(photo)!r}, '--json'])\n"
        "print(rc, 'torch' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stderr.strip().splitlines()[-1] == "0 False"


def test_missing_model_is_one_error_line(tmp_path, capsys):
    photo = tmp_path / "sole.png"
    _photo(photo)
    code = main(["analyze", str(photo), "--json", "--model", str(tmp_path / "none.onnx")])
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "--model" in captured.err
    assert "no wear model at" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("flag", ["--model", "--segmenter"])
@pytest.mark.parametrize("content", [b"", b"not an onnx file" * 100])
def test_a_broken_model_argument_is_a_usage_error(tmp_path, capsys, flag, content):
    photo = tmp_path / "sole.png"
    _photo(photo)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    assert main(["analyze", str(photo), "--json", flag, str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and flag in captured.err


def test_a_broken_shipped_model_is_exit_1_and_nothing_is_read(tmp_path, capsys, monkeypatch):
    import shutil

    import shoewear.models as models

    folder = tmp_path / "models"
    shutil.copytree(models._folder(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (folder / "wear_cnn.onnx").write_bytes((folder / "wear_cnn.onnx").read_bytes()[:1000])
    monkeypatch.setattr(models, "_folder", lambda: folder)
    monkeypatch.setattr("shoewear.batch._OPEN", {})
    photo = tmp_path / "sole.png"
    _photo(photo)
    assert main(["analyze", str(photo), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "damaged or altered" in captured.err and "reinstall" in captured.err


def test_every_report_names_both_models(tmp_path, capsys):
    from shoewear.models import shipped

    photo = tmp_path / "sole.png"
    _photo(photo)
    assert main(["analyze", str(photo), "--json"]) == 0
    (obj,) = _lines(capsys.readouterr().out)
    for kind in ("segmenter", "wear"):
        assert obj["models"][kind] == {"name": shipped(kind).name, "sha256": shipped(kind).sha256}
