"""Time the browser app's upload -> result on a 12-megapixel photo.

Runs the app's `read_upload`, the one call the page makes for an upload
(`shoewear.pipeline.analyze` on the bytes: decode, segment, align, read the
wear, advise; then the overlay and the wear maps drawn), on a synthetic
12-megapixel JPEG, with the networks loaded once beforehand (`load_models`)
as the server does. Also times the report downloads, which are built only
when their button is pressed.

    .venv/bin/python benchmarks/bench_app.py [--repeat 5] [--pair]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 1.5


def make_photo(*, pair: bool) -> bytes:
    """A 12 MP JPEG of a synthetic sole or pair, with sensor-like noise, as a phone sends it."""
    from shoewear.synth import generate_photo

    # The seeds of the shipped samples (scripts/make_samples.py).
    seed, pattern, side = (7, "lateral_edge", None) if pair else (18, "heel_lateral", "left")
    rgb = generate_photo(seed, pair=pair, pattern=pattern, side=side, long_side=1024).rgb
    h, w = rgb.shape[:2]
    f = (12_000_000 / (w * h)) ** 0.5  # enlarge to 12 MP, keeping the aspect ratio
    size = (round(w * f), round(h * f))
    big = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.int16)
    noise = np.random.default_rng(0).normal(0.0, 3.0, big.shape).astype(np.int16)
    big = np.clip(big + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--pair", action="store_true", help="a pair in one photo")
    args = parser.parse_args(argv)

    import streamlit_app as app
    from shoewear.report_files import report_pdf, report_png

    data = make_photo(pair=args.pair)
    t0 = time.perf_counter()
    models = app.load_models()
    load_s = time.perf_counter() - t0
    names = ", ".join(f"{k} {v['name']}" for k, v in models.info().items())
    print(f"networks: {names}; loaded once in {load_s:.2f} s")
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
    kind = "pair" if args.pair else "one sole"
    print(f"photo: {w}x{h} ({w * h / 1e6:.1f} MP) JPEG, {len(data) / 1e6:.1f} MB, {kind}")

    first = None
    times = []
    for i in range(args.repeat + 1):
        t0 = time.perf_counter()
        result = app.read_upload(data, models, name="bench.jpg")
        dt = time.perf_counter() - t0
        if result.report.error:
            print(f"error: {result.report.error}")
            return 1
        if i == 0:
            first = dt
        else:
            times.append(dt)
    median = statistics.median(times)
    soles = ", ".join(f"{s.side} {s.reading.pattern}" for s in result.report.soles)
    print(f"found: {soles}")
    verdict = "ok" if median <= TARGET_S else "MISSED"
    print(
        f"upload -> result: first {first:.3f} s, median of {len(times)} {median:.3f} s, "
        f"min {min(times):.3f} s (target <= {TARGET_S} s: {verdict})"
    )

    photos = [result.overlay]
    t0 = time.perf_counter()
    png = report_png(result.report, photos=photos, soles=result.soles)
    png_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = report_pdf(result.report, photos=photos, soles=result.soles)
    pdf_s = time.perf_counter() - t0
    print(
        f"downloads (built on click): PNG {png_s:.2f} s ({len(png) / 1e3:.0f} kB), "
        f"PDF {pdf_s:.2f} s ({len(pdf) / 1e3:.0f} kB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
