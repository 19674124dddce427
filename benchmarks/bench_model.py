"""Time a wear model where users feel it: cold start, a folder, and the network alone.

1. Cold start: the whole process of ``shoewear analyze photo.jpg --json`` on a
   12-megapixel JPEG against ``python -c "import cv2; cv2.imread('photo.jpg')"``
   (medians of --repeat runs each, interleaved), with the peak memory of the
   analyze process.
2. A folder: ``shoewear analyze DIR --json --workers 2`` over --batch 12 MP
   JPEGs, photos/s for the whole command.
3. The network alone (``WearModel.read``) on canonical soles, soles/s.

    .venv/bin/python benchmarks/bench_model.py [--repeat 5] [--batch 24] [--model M]

The model is the shipped one unless --model names another ONNX file or the
folder `shoewear train` wrote; the commands then read with ``--model M``.
The measurements are those of `benchmarks/bench_speed.py`, which holds the
speed targets and checks them for the shipped models.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_speed import compile_package, measure_cold, measure_folder, write_folder, write_photo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold-start runs (default 5)")
    parser.add_argument("--batch", type=int, default=24, help="photos in the folder (default 24)")
    parser.add_argument("--workers", type=int, default=2, help="--workers of the folder run")
    parser.add_argument("--model", default=None,
                        help="ONNX file or training folder (default: the shipped model)")
    args = parser.parse_args(argv)

    from shoewear.errors import ModelError
    from shoewear.wear import WearModel

    try:
        model = WearModel.load(args.model)
    except ModelError as exc:
        parser.error(str(exc))
    # Only a model of one's own is named: the plain command is what users of the shipped one run.
    extra = ("--model", str(model.path)) if args.model is not None else ()
    print(f"model: {model.info.name} ({model.path}, sha256 {model.info.sha256[:12]}...)")
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo = tmp / "photo.jpg"
        write_photo(photo, 7)
        print(f"photo: 4000x3000 JPEG, {photo.stat().st_size / 1e6:.1f} MB")
        cold = measure_cold(photo, repeat=args.repeat, extra=extra)
        print(f"cold start, median of {args.repeat}:")
        print(f"  python -c 'import cv2; cv2.imread(photo)'  {cold.imread_s:.3f} s")
        print(f"  shoewear analyze photo.jpg --json          {cold.analyze_s:.3f} s")
        print(f"  ratio {cold.ratio:.2f}; peak memory of analyze {cold.peak_mib:.0f} MiB")

        folder = tmp / "batch"
        write_folder(folder, args.batch)
        many = measure_folder(folder, args.batch, workers=args.workers, runs=1, extra=extra)
        print(f"folder: {args.batch} 12 MP JPEGs (every fourth a pair), --workers "
              f"{args.workers}, in {many.seconds:.2f} s, peak {many.peak_mib:.0f} MiB in one "
              f"process: {many.photos_per_s:.1f} photos/s for the whole command")
        if many.unread:
            print(f"  not read (timed all the same): "
                  f"{', '.join(Path(p).name for p in many.unread)}")

    from shoewear.sole import CanonicalSole
    from shoewear.synth import render_canonical
    from shoewear.zones import split_zones

    # The network alone, on purpose: soles rendered straight into the canonical frame.
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
