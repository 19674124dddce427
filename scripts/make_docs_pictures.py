"""Draw docs/analysed_sole.png: a sample photo as the app reads it, next to its wear map.

Left: the photo with the sole's outline, zones, heel-to-toe axis and side;
right: the sole in the canonical frame (heel at the bottom, big-toe side on
the right) with its wear map. Both come from `streamlit_app.analyze_upload`,
so the picture shows exactly what the app shows.

    .venv/bin/python scripts/make_docs_pictures.py [--sample samples/sole_left.jpg]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEIGHT = 560
GAP = 24
CAPTION_H = 44


def side_by_side(photo: np.ndarray, soles: list[np.ndarray], captions: list[str]) -> np.ndarray:
    """The pictures scaled to one height, side by side on white, each with a caption."""
    pictures = [photo, *soles]
    scaled = [
        cv2.resize(p, (round(p.shape[1] * HEIGHT / p.shape[0]), HEIGHT), cv2.INTER_AREA)
        for p in pictures
    ]
    width = sum(p.shape[1] for p in scaled) + GAP * (len(scaled) + 1)
    canvas = Image.new("RGB", (width, HEIGHT + CAPTION_H + GAP), "white")
    draw = ImageDraw.Draw(canvas)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 18)
    except OSError:
        font = ImageFont.load_default(size=18)
    x = GAP
    for picture, caption in zip(scaled, captions, strict=True):
        canvas.paste(Image.fromarray(picture), (x, GAP))
        draw.text((x, GAP + HEIGHT + 10), caption, font=font, fill=(60, 60, 60))
        x += picture.shape[1] + GAP
    return np.asarray(canvas)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=ROOT / "samples" / "sole_left.jpg")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "analysed_sole.png")
    args = parser.parse_args(argv)

    import streamlit_app as app

    result = app.analyze_upload(args.sample.read_bytes(), app.make_reader(), name=args.sample.name)
    if result.report.error:
        print(f"error: {result.report.error}", file=sys.stderr)
        return 1
    sole = result.report.soles[0]
    r = sole.reading
    captions = [
        f"{args.sample.name}: outline, zones, heel-to-toe axis, side",
        *[
            f"{s.side} sole: {s.reading.pattern.replace('_', ' ')} ({s.reading.confidence:.0%})"
            for s in result.report.soles
        ],
    ]
    picture = side_by_side(result.overlay, result.soles, captions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture).save(args.out, optimize=True)
    print(
        f"wrote {args.out} ({picture.shape[1]}x{picture.shape[0]}): {sole.side} sole, "
        f"{r.pattern} {r.confidence:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
