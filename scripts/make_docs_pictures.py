"""Draw the README's pictures from a sample photo.

docs/analysed_sole.png -- left: the photo with the sole's outline, zones,
heel-to-toe axis and side; right: the sole in the canonical frame (heel at the
bottom, big-toe side on the right) with its wear map. Both come from the app's
`read_upload` (`shoewear.pipeline.analyze`, then `shoewear.draw.draw_analysis`)
with the networks of its `load_models`, so the picture shows exactly what the
app shows.

docs/app.png (with --screenshot) -- the app in headless Chromium after the
sample was uploaded; needs /usr/bin/chromium and playwright.

    .venv/bin/python scripts/make_docs_pictures.py [--sample samples/sole_left.jpg] [--screenshot]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEIGHT = 560
#: docs/app.png must stay under this many bytes.
SCREENSHOT_MAX_BYTES = 600_000
CHROMIUM = "/usr/bin/chromium"
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


def app_screenshot(sample: Path, out: Path, *, size: tuple[int, int] = (1400, 1800)) -> int:
    """Start the app, upload `sample` in Chromium, and save the page as a PNG under 600 kB."""
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The page shows the default feedback folder; nothing is saved while it is on screen.
    env = {k: v for k, v in os.environ.items() if k != "SHOEWEAR_FEEDBACK_DIR"}
    server = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
            "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print("error: the app did not start", file=sys.stderr)
                    return 1
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                page.goto(f"http://127.0.0.1:{port}", wait_until="domcontentloaded")
                upload = page.locator("input[type=file]").first
                upload.wait_for(state="attached", timeout=60_000)
                upload.set_input_files(str(sample))
                expect(page.get_by_text("Read in ").first).to_be_visible(timeout=60_000)
                page.wait_for_timeout(2000)  # let the charts draw
                png = page.screenshot(animations="disabled")
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    data = png
    colours = 256
    while len(data) > SCREENSHOT_MAX_BYTES and colours >= 32:
        # The page is mostly flat colour: a palette keeps it sharp at a fraction of the size.
        buf = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
        data = buf.getvalue()
        colours //= 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"wrote {out} ({image.width}x{image.height}, {len(data) / 1e3:.0f} kB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=ROOT / "samples" / "sole_left.jpg")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "analysed_sole.png")
    parser.add_argument(
        "--screenshot", action="store_true", help="also save the app's page as docs/app.png"
    )
    args = parser.parse_args(argv)
    if args.screenshot and app_screenshot(args.sample, ROOT / "docs" / "app.png"):
        return 1

    import streamlit_app as app

    result = app.read_upload(args.sample.read_bytes(), app.load_models(), name=args.sample.name)
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
