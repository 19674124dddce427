"""Time the wear model where users feel it: cold start and batch throughput.

1. Cold start: the whole process of ``shoewear analyze photo.jpg --json`` on a
   12-megapixel JPEG against ``python -c "import cv2; cv2.imread('photo.jpg')"``
   (median wall time of --repeat runs each), with the peak memory of the
   analyze process (``ru_maxrss`` of the child, from ``os.wait4``).
2. Batch: ``shoewear analyze DIR --json`` over --batch 12 MP JPEGs, photos/s
   for the whole command; and the model alone (``WearModel.read``) on
   canonical soles, soles/s.

    .venv/bin/python benchmarks/bench_model.py [--repeat 5] [--batch 24] [--model M]

The model is the shipped one (models/wear_cnn.onnx) unless --model names
another; it reaches analyze through ``SHOEWEAR_MODEL``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD_RATIO_TARGET = 2.0
PEAK_MIB_TARGET = 300.0
BATCH_TARGET = 20.0


def make_photo(seed: int, *, pair: bool = False) -> bytes:
    """A 4000 x 3000 (12 MP) JPEG of a synthetic sole, as a phone would send."""
    from shoewear.synth import generate_photo

    rgb = generate_photo(seed, pair=pair, long_side=1600).rgb
    h, w = rgb.shape[:2]
    size = (4000, 3000) if w >= h else (3000, 4000)
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run a command; return wall seconds, peak memory (MiB) and exit code."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"  {' '.join(argv[:3])} ... exited {proc.returncode}: {err.strip()[-300:]}")
    return wall, usage.ru_maxrss / 1024.0, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold-start runs (default 5)")
    parser.add_argument("--batch", type=int, default=24, help="photos in the batch (default 24)")
    parser.add_argument("--model", default=None, help="ONNX model (default: the shipped one)")
    args = parser.parse_args(argv)

    from shoewear.wear.runtime import WearModel, resolve_model_path

    model_path = resolve_model_path(args.model)
    env = dict(os.environ, SHOEWEAR_MODEL=str(model_path), PYTHONPATH=str(ROOT))
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo = tmp / "photo.jpg"
        photo.write_bytes(make_photo(7))
        print(f"model: {model_path}")
        print(f"photo: 4000x3000 JPEG, {photo.stat().st_size / 1e6:.1f} MB")

        # Bytecode for shoewear's own modules, as the first run of an installed package leaves
        # it: where PYTHONDONTWRITEBYTECODE is set (as on this project's machines) every run
        # would otherwise compile the sources afresh, which no user's second run does.
        subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "shoewear")], check=True,
                       env=dict(env, PYTHONDONTWRITEBYTECODE=""))
        imread = [py, "-c", f"import cv2; cv2.imread({str(photo)!r})"]
        analyze = [py, "-m", "shoewear", "analyze", str(photo), "--json"]
        run_child(imread, env)  # warm the page cache
        run_child(analyze, env)
        base, cold, peaks, codes = [], [], [], []
        for _ in range(args.repeat):
            base.append(run_child(imread, env)[0])
            wall, peak, code = run_child(analyze, env)
            cold.append(wall)
            peaks.append(peak)
            codes.append(code)
        b, c, p = statistics.median(base), statistics.median(cold), max(peaks)
        print(f"cold start, median of {args.repeat}:")
        print(f"  python -c 'import cv2; cv2.imread(photo)'  {b:.3f} s")
        print(f"  shoewear analyze photo.jpg --json          {c:.3f} s  (exit codes {codes})")
        print(f"  ratio {c / b:.2f} (target <= {COLD_RATIO_TARGET})")
        print(f"  peak memory of analyze {p:.0f} MiB (target <= {PEAK_MIB_TARGET:.0f})")

        folder = tmp / "batch"
        folder.mkdir()
        for i in range(args.batch):
            (folder / f"p{i:03d}.jpg").write_bytes(make_photo(100 + i, pair=i % 4 == 0))
        batch_cmd = [py, "-m", "shoewear", "analyze", str(folder), "--json"]
        wall, peak, code = run_child(batch_cmd, env)
        print(f"batch: {args.batch} 12 MP JPEGs (a quarter of them pairs) in {wall:.2f} s, "
              f"exit {code}, peak {peak:.0f} MiB")
        print(f"  {args.batch / wall:.1f} photos/s for the whole command "
              f"(target >= {BATCH_TARGET:.0f})")

    model = WearModel.load(model_path)
    from shoewear.sole import CanonicalSole
    from shoewear.synth import render_canonical
    from shoewear.zones import split_zones

    soles = []
    for s in range(64):
        rgb, mask, _levels = render_canonical(s)
        soles.append(CanonicalSole(rgb, mask, split_zones(mask),
                                   "right", 1.0, (0, 0, 1, 1), np.eye(3), np.zeros((0, 2))))
    model.read(soles[:4])
    t0 = time.perf_counter()
    for _ in range(5):
        model.read(soles)
    dt = (time.perf_counter() - t0) / 5
    print(f"model alone: {len(soles) / dt:.0f} soles/s (batches of {len(soles)}, "
          f"{1000 * dt / len(soles):.2f} ms per sole)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
