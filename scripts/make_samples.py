"""Regenerate the app's sample photos in samples/ from the synthetic generator.

    .venv/bin/python scripts/make_samples.py [--out samples]

Each sample is a `shoewear.synth.generate_photo` picture with a fixed seed,
saved as a JPEG of at most `MAX_BYTES` (the quality is lowered until it fits),
then read back with `shoewear.pipeline.analyze` and the shipped networks, as
the app will read it: the script says what was found and exits 1 when a
sample is not read as the pattern and side it was painted with.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 200_000

#: file name -> generate_photo arguments (seed, pair, pattern, side).
SAMPLES: dict[str, dict] = {
    "sole_left.jpg": {"seed": 18, "pair": False, "pattern": "heel_lateral", "side": "left"},
    "sole_right.jpg": {"seed": 9, "pair": False, "pattern": "medial", "side": "right"},
    "pair.jpg": {"seed": 7, "pair": True, "pattern": "lateral_edge", "side": None},
}


def encode(rgb, *, max_bytes: int = MAX_BYTES) -> bytes:
    """JPEG bytes at the best quality (92 down to 60) that fits in `max_bytes`."""
    image = Image.fromarray(rgb)
    for quality in range(92, 59, -4):
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=quality, optimize=True, progressive=True)
        if buf.tell() <= max_bytes:
            return buf.getvalue()
    raise SystemExit(f"cannot fit the sample in {max_bytes} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "samples")
    parser.add_argument("--long-side", type=int, default=1024)
    args = parser.parse_args(argv)

    from shoewear.pipeline import Models, analyze
    from shoewear.synth import generate_photo

    models = Models.load()
    args.out.mkdir(parents=True, exist_ok=True)
    misread = 0
    for name, spec in SAMPLES.items():
        photo = generate_photo(
            spec["seed"],
            pair=spec["pair"],
            pattern=spec["pattern"],
            side=spec["side"],
            long_side=args.long_side,
        )
        data = encode(photo.rgb)
        (args.out / name).write_bytes(data)
        h, w = photo.rgb.shape[:2]
        report = analyze(data, models, name=name).report
        found = report.error or ", ".join(f"{s.side} {s.reading.pattern}" for s in report.soles)
        painted = sorted((s.side, s.pattern) for s in photo.soles)
        read = sorted((s.side, s.reading.pattern) for s in report.soles)
        ok = report.error is None and read == painted
        misread += not ok
        print(f"{args.out / name}: {w}x{h}, {len(data) / 1e3:.0f} kB; read as {found}"
              + ("" if ok else f" (MISREAD: painted {painted})"))
    return 1 if misread else 0


if __name__ == "__main__":
    sys.exit(main())
