"""Time decode + segment + align of a 12-megapixel JPEG, in process.

Makes a 4000 x 3000 JPEG of a synthetic sole (or pair) with sensor-like
noise, as a phone would send it, then times, each as the median of
`--repeat` runs:

- a plain full-size ``cv2.imread`` of the file (the reference),
- `load_image` (reduced-scale JPEG decode, EXIF orientation),
- `segment_outsole` and `align_sole` on the working image,
- all three together, and their ratio to the plain full-size read.

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 15] [--pair] [--seed 3]
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
    args = ap.parse_args(argv)

    from shoewear.align import align_sole
    from shoewear.errors import NoSoleFoundError
    from shoewear.load import load_image
    from shoewear.segment.soles import segment_outsole as _segment

    def segment_outsole(rgb):
        try:
            return _segment(rgb)
        except NoSoleFoundError:  # timed all the same: refusing is work too
            return []

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo_12mp.jpg"
        w, h = make_jpeg(path, seed=args.seed, pair=args.pair)
        mb = path.stat().st_size / 1e6
        image = load_image(path)
        soles = segment_outsole(image.rgb)

        def full_pipeline() -> None:
            img = load_image(path)
            for sole in segment_outsole(img.rgb):
                align_sole(img.rgb, sole, scale=img.scale)

        imread = _median_ms(lambda: cv2.imread(str(path)), args.repeat)
        decode = _median_ms(lambda: load_image(path), args.repeat)
        segment = _median_ms(lambda: segment_outsole(image.rgb), args.repeat)
        align = _median_ms(
            lambda: [align_sole(image.rgb, s, scale=image.scale) for s in soles], args.repeat
        )
        total = _median_ms(full_pipeline, args.repeat)

    print(
        f"photo: {w}x{h} JPEG, {mb:.1f} MB, {'pair' if args.pair else 'one sole'} "
        f"(seed {args.seed}); working image {image.rgb.shape[1]}x{image.rgb.shape[0]}; "
        f"{len(soles)} sole(s) found; median of {args.repeat}"
    )
    print(f"plain cv2.imread, full size:       {imread:7.1f} ms")
    print(f"load_image (reduced decode):       {decode:7.1f} ms")
    print(f"segment_outsole:                   {segment:7.1f} ms")
    print(f"align_sole (all soles):            {align:7.1f} ms")
    print(
        f"decode + segment + align:          {total:7.1f} ms "
        f"= {total / imread:.2f} x the plain imread (target {TARGET_MS:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
