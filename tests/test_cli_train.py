import json

import cv2
import pytest
from test_model_helpers import write_data_folder

from shoewear.cli import main
from shoewear.contract import PATTERNS, ZONES


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_data_folder(root, per_class=2, seed=4)
    (root / "sandals").mkdir()
    return root


def test_train_then_evaluate(data_dir, tmp_path, capsys):
    out = tmp_path / "model"
    code = main(
        ["train", str(data_dir), "--out", str(out), "--epochs", "2", "--batch-size", "8",
         "--val-split", "0.3", "--workers", "1", "--quiet"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "epoch 2/2" in captured.err
    assert f"wrote {out / 'wear_cnn.safetensors'}" in captured.out
    assert "skipped: 1 folders not named after a pattern: sandals/" in captured.out

    png = tmp_path / "cm.png"
    code = main(
        ["evaluate", str(data_dir), "--model", str(out), "--json", "--confusion", str(png),
         "--workers", "1", "--quiet"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["soles"] == 2 * len(PATTERNS) and report["soles_missed"] == 0
    assert report["confusion"]["classes"] == list(PATTERNS)
    assert sum(map(sum, report["confusion"]["matrix"])) == report["soles"]
    assert set(report["zone_mae_per_zone"]) == set(ZONES)
    assert report["side_soles"] == report["soles"]
    assert report["map_mae"] is None and report["map_soles"] == 0  # painted: no wear fields
    assert cv2.imread(str(png)) is not None

    assert main(["evaluate", str(data_dir), "--model", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "macro-F1" in text and "confusion (rows true, columns predicted)" in text
    assert "map MAE" not in text

    # Photos of `shoewear synth` carry wear fields: the map is also scored cell by cell.
    synth = tmp_path / "synth"
    assert main(["synth", str(synth), "-n", "3", "--seed", "5", "--size", "560",
                 "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(synth), "--model", str(out), "--json", "--workers", "1",
                 "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["soles"] >= 2 and report["map_soles"] == report["soles"]
    assert 0.0 < report["map_mae"] < 1.0


def test_ensemble_trains_from_the_command_line(data_dir, tmp_path, capsys):
    from shoewear.wear.runtime import WearModel

    out = tmp_path / "model"
    code = main(
        ["train", str(data_dir), "--out", str(out), "--epochs", "1", "--batch-size", "8",
         "--val-split", "0.3", "--workers", "1", "--members", "2", "--quiet"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "member 1: epoch 1/1" in captured.err and "member 2: epoch 1/1" in captured.err
    assert "2 members (best epochs 1, 1), together: val accuracy" in captured.out
    assert WearModel.load(out / "wear_cnn.onnx").config.members == 2


def test_zone_inputs_model_trains_and_reads(data_dir, tmp_path, capsys):
    from shoewear.wear.runtime import WearModel

    out = tmp_path / "model"
    code = main(
        ["train", str(data_dir), "--out", str(out), "--epochs", "1", "--batch-size", "8",
         "--val-split", "0.3", "--workers", "1", "--zone-inputs", "--quiet"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert WearModel.load(out / "wear_cnn.onnx").config.zone_inputs
    assert main(["evaluate", str(data_dir), "--model", str(out), "--json", "--workers", "1",
                 "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["soles"] == 2 * len(PATTERNS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "{tmp}/none", "--out", "{tmp}/m", "--quiet"], "no such data folder"),
        (["evaluate", "{data}", "--model", "{tmp}/none.onnx", "--quiet"], "no wear model at"),
        (["train", "{data}", "--out", "{tmp}/m", "--workers", "0"], "--workers"),
        (["train", "{data}", "--out", "{tmp}/m", "--zone-inputs", "--from", "{tmp}/m0"],
         "--zone-inputs"),
        (["train", "{data}", "--out", "{tmp}/m", "--detail", "1", "--from", "{tmp}/m0"],
         "--detail chooses the architecture"),
        (["train", "{data}", "--out", "{tmp}/m", "--precision", "fp16", "--quiet"],
         "precision must be one of auto, fp32, bf16"),
        (["train", "{data}", "--out", "{tmp}/m", "--members", "5", "--quiet"],
         "--members must be 1 to 4"),
        (["train", "{data}", "--out", "{tmp}/m", "--weight-decay", "-0.5", "--quiet"],
         "--weight-decay must lie in [0, 1)"),
        (["train", "{data}", "--out", "{tmp}/m", "--members", "2", "--from", "{tmp}/m0"],
         "--members chooses the architecture"),
    ],
)
def test_errors_are_one_line(data_dir, tmp_path, capsys, argv, message):
    argv = [a.format(tmp=tmp_path, data=data_dir) for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (1, 2)
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_sigterm_stops_an_ensemble_cleanly(data_dir, tmp_path):
    """SIGTERM stops the members, keeps their states for --resume and removes the soles copy."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    out = tmp_path / "model"
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen(
        [sys.executable, "-m", "shoewear", "train", str(data_dir), "--out", str(out),
         "--epochs", "200", "--batch-size", "8", "--val-split", "0.3", "--workers", "1",
         "--members", "2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".train-state.member*")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert (out / ".soles").is_dir()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "shoewear: interrupted"
    assert not (out / ".soles").exists() and not (out / "wear_cnn.onnx").exists()
    states = sorted(out.glob(".train-state.member*"))
    stamps = [p.stat().st_mtime_ns for p in states]
    time.sleep(2)  # a member still running would write its next epoch's state by now
    assert states and [p.stat().st_mtime_ns for p in states] == stamps


def test_a_full_disk_is_one_line_and_keeps_the_previous_model(tmp_path, capsys, monkeypatch):
    """An OSError deep inside (here: no space left while caching crops) is one line, exit 1."""
    import errno

    from shoewear.training import data as data_module

    data_dir = tmp_path / "data"  # nothing cached yet: the crops must be written
    write_data_folder(data_dir, per_class=1, seed=5)
    out = tmp_path / "model"
    out.mkdir()
    (out / "wear_cnn.onnx").write_bytes(b"the previous model")

    def full(file, **arrays):
        raise OSError(errno.ENOSPC, "No space left on device", str(file))

    monkeypatch.setattr(data_module.np, "savez", full)
    code = main(["train", str(data_dir), "--out", str(out), "--epochs", "1", "--workers", "1",
                 "--quiet", "--batch-size", "8", "--val-split", "0.3"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("shoewear: error: ") and "No space left on device" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (out / "wear_cnn.onnx").read_bytes() == b"the previous model"
