import subprocess
import sys

import pytest

from shoewear.cli import main

TINY = ["--n", "4", "--val", "2", "--epochs", "1", "--input-side", "64", "--batch-size", "2",
        "--workers", "1", "--quiet"]


def test_tiny_run_writes_a_segmenter_the_pipeline_opens(tmp_path, capsys):
    pytest.importorskip("torch")
    from shoewear.segment.runtime import SoleSegmenter

    cache = tmp_path / "cache"
    args = [*TINY, "--cache", str(cache), "--seed", "123"]
    code = main(["train-segmenter", "--out", str(tmp_path / "seg"),
                 "--weights-out", str(tmp_path / "w.safetensors"), *args])
    out = capsys.readouterr().out
    assert code == 0, out
    path = tmp_path / "seg" / "sole_seg.onnx"  # a folder --out gets the usual file name
    assert f"wrote {path}" in out
    seg = SoleSegmenter.load(tmp_path / "seg")
    assert seg.config.input_side == 64
    assert 0.0 <= seg.config.metrics["sole_iou"] <= 1.0
    recipe = seg.config.recipe
    assert recipe["train_photos"] == 4 and recipe["val_photos"] == 2
    assert recipe["first_seed"] == 123 and recipe["epochs"] == 1
    assert recipe["command"].startswith("shoewear train-segmenter --out ")
    assert "--seed 123 " in recipe["command"]
    assert (tmp_path / "w.safetensors").stat().st_size > 0
    assert sorted(p.name for p in cache.iterdir()) == ["seg_2_127_64.npz", "seg_4_123_64.npz"]

    # A second draw of the same photos comes from the cache.
    stamps = {p: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert main(["train-segmenter", "--draw-only", *args]) == 0
    assert "photos ready" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == stamps


def test_weights_of_another_network_are_a_usage_error(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(3)}, str(tmp_path / "other.safetensors"))
    code = main(["train-segmenter", "--out", str(tmp_path / "seg.onnx"), *TINY,
                 "--cache", str(tmp_path / "cache"), "--init", str(tmp_path / "other.safetensors")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("shoewear: error: --init ") and "another network" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "seg.onnx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--out is required"),
        (["--out", "s.onnx", "--n", "0"], "--n must be at least 1, got 0"),
        (["--out", "s.onnx", "--val", "0"], "--val must be at least 1, got 0"),
        (["--out", "s.onnx", "--closer", "-1"], "--closer must be at least 0, got -1"),
        (["--out", "s.onnx", "--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--out", "s.onnx", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["--out", "s.onnx", "--workers", "0"], "--workers must be at least 1"),
        (["--out", "s.onnx", "--lr", "-1"], "--lr must be a positive number, got -1.0"),
        (["--out", "s.onnx", "--lr", "nan"], "--lr must be a positive number"),
        (["--out", "s.onnx", "--input-side", "100"], "--input-side must be a multiple of 32"),
        (["--out", "s.onnx", "--input-side", "32"], "of at least 64, got 32"),
        (["--out", "s.onnx", "--init", "missing.safetensors"], "--init: no such file"),
        (["--out", "s.onnx", "--precision", "fp16"], "invalid choice: 'fp16'"),
        (["--out", "s.onnx", "--n", "many"], "invalid int value: 'many'"),
    ],
)
def test_bad_values_are_one_line_usage_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["train-segmenter", *argv])
    except SystemExit as exc:  # argparse's own checks
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("shoewear: error: ") and message in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_but_not_onnx_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    assert main(["train-segmenter", "--out", str(tmp_path / "notes.txt")]) == 2
    assert "is neither a .onnx file nor a folder" in capsys.readouterr().err


def test_help_and_usage_errors_do_not_import_torch():
    code = (
        "import sys\n"
        "from shoewear.cli import main\n"
        "try:\n    main(['train-segmenter', '--help'])\nexcept SystemExit:\n    pass\n"
        "rc = main(['train-segmenter', '--out', 's.onnx', '--epochs', '0'])\n"
        "print(rc, 'torch' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "examples:" in out.stdout and "--draw-only" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "2 False"


def test_recipe_command_repeats_the_run():
    from shoewear.cli import build_parser
    from shoewear.commands.train_segmenter import _command

    args = build_parser().parse_args(["train-segmenter", "--out", "seg/", "--lr", "0.001",
                                      "--init", "w.safetensors", "--more", "5"])
    again = build_parser().parse_args(_command(args).split()[1:])
    assert vars(again) == vars(args)
