"""Time the reading of a 12-megapixel JPEG in process, stage by stage and whole.

Makes a 4000 x 3000 JPEG of a synthetic sole (or pair) with sensor-like
noise, as a phone would send it, opens the shipped networks once, then
times, each as the median of `--repeat` runs:

- a plain full-size ``cv2.imread`` of the file (the reference),
- each image stage on its own: `load_image` (reduced-scale JPEG decode, EXIF
  orientation), `segment_outsole` and `align_sole` on the working image, and
  the wear model on the aligned soles,
- `pipeline.analyze` without the wear model (decode + segment + align) and
  with it (the whole reading, advice included), and their ratios to the
  plain full-size read.

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 15] [--pair] [--seed 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Decode + segment + align of one sole, on two threads.
TARGET_MS = 60.0


def make_jpeg(path: Path, *, seed: int, pair: bool) -> tuple[int, int]:
    """Write a 12 MP JPEG of a synthetic photo; return its (width, height)."""
    from shoewear.synth import generate_photo

    rgb = generate_photo(seed, pair=pair, long_side=1600).rgb
    h, w = rgb.shape[:2]
    size = (4000, 3000) if w >= h else (3000, 4000)
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.int16)
    big += np.random.default_rng(seed).normal(0.0, 3.0, big.shape).astype(np.int16)
    big = np.clip(big, 0, 255).astype(np.uint8)
    cv2.imwrite(str(path), cv2.cvtColor(big, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return size


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--pair", action="store_true", help="a pair instead of one sole")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2,
                    help="onnxruntime threads of each network (default 2, as the CLI's one photo)")
    args = ap.parse_args(argv)

    from shoewear.align import align_sole
    from shoewear.errors import NoSoleFoundError
    from shoewear.load import load_image
    from shoewear.pipeline import Models, analyze
    from shoewear.segment import segment_outsole

    models = Models.load(threads=args.threads)
    soles_only = Models(segmenter=models.segmenter, wear=None)

    def segment(rgb):
        try:
            return segment_outsole(rgb, models.segmenter)
        except NoSoleFoundError:  # timed all the same: refusing is work too
            return []

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo_12mp.jpg"
        w, h = make_jpeg(path, seed=args.seed, pair=args.pair)
        mb = path.stat().st_size / 1e6
        image = load_image(path)
        soles = segment(image.rgb)
        canons = [align_sole(image.rgb, s, scale=image.scale) for s in soles]
        result = analyze(path, models)
        if result.error is not None and not isinstance(result.error, NoSoleFoundError):
            print(f"error: {result.report.error}", file=sys.stderr)
            return 1

        imread = _median_ms(lambda: cv2.imread(str(path)), args.repeat)
        decode = _median_ms(lambda: load_image(path), args.repeat)
        seg_ms = _median_ms(lambda: segment(image.rgb), args.repeat)
        align = _median_ms(
            lambda: [align_sole(image.rgb, s, scale=image.scale) for s in soles], args.repeat
        )
        wear = _median_ms(lambda: models.wear.read_with_maps(canons), args.repeat)
        located = _median_ms(lambda: analyze(path, soles_only), args.repeat)
        whole = _median_ms(lambda: analyze(path, models), args.repeat)

    found = ", ".join(f"{s.side} {s.reading.pattern}" for s in result.report.soles) or "refused"
    print(
        f"photo: {w}x{h} JPEG, {mb:.1f} MB, {'pair' if args.pair else 'one sole'} "
        f"(seed {args.seed}); working image {image.rgb.shape[1]}x{image.rgb.shape[0]}; "
        f"found: {found}; median of {args.repeat}, {args.threads} onnxruntime threads"
    )
    rows = [
        ("plain cv2.imread, full size", imread, ""),
        ("load_image (reduced decode)", decode, ""),
        ("segment_outsole", seg_ms, ""),
        ("align_sole (all soles)", align, ""),
        ("wear model (all soles)", wear, ""),
        ("analyze, no wear model (decode + segment + align)", located,
         f" = {located / imread:.2f} x the plain imread (target {TARGET_MS:.0f} ms: "
         f"{'ok' if located <= TARGET_MS else 'MISSED'})"),
        ("analyze, the whole reading", whole, f" = {whole / imread:.2f} x the plain imread"),
    ]
    for label, ms, note in rows:
        print(f"{label + ':':51s} {ms:6.1f} ms{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
