"""Draw soles of a synthetic set beside their true wear and the wear maps of models.

One row per sole: the canonical crop the network reads, the wear painted on
it (the set's wear fields, `shoewear synth` writes them) and the wear map of
each model, all on one colour scale (0 = new tread, 1 = tread gone), with the
map's cell-by-cell error under it.

    .venv/bin/python scripts/make_wear_map_sheet.py data/devset \\
        [--model other.onnx --label other ...] --out docs/wear_maps.png

Without --model the sheet shows the shipped wear model; with them, those
models (name the shipped one with ``--model shipped`` to compare against it).
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

SCALE = 3  # screen pixels per input pixel
PAD = 6
CAPTION_H = 40


def _heat(wear: np.ndarray, cover: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A wear map as a TURBO heat map, drawn only where the sole is."""
    w8 = np.clip(np.rint(wear * 255), 0, 255).astype(np.uint8)
    rgb = cv2.applyColorMap(cv2.resize(w8, size, interpolation=cv2.INTER_NEAREST),
                            cv2.COLORMAP_TURBO)[..., ::-1]
    return (rgb * cover[..., None] + 255 * (1 - cover[..., None])).astype(np.uint8)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def main(argv: list[str] | None = None) -> int:
    from shoewear.contract import PATTERNS
    from shoewear.errors import ModelError
    from shoewear.training.data import prepare_soles
    from shoewear.wear import WearModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a folder written by `shoewear synth`")
    parser.add_argument("--model", action="append", default=None,
                        help="a wear model (.onnx or its folder, or 'shipped'); repeat to "
                             "compare (default: the shipped model)")
    parser.add_argument("--label", action="append", default=None,
                        help="column title of each --model, in order (default: its path)")
    parser.add_argument("-n", type=int, default=5, help="soles to draw (default 5)")
    parser.add_argument("--seed", type=int, default=3, help="which soles (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "wear_maps.png")
    args = parser.parse_args(argv)
    paths = [None if m == "shipped" else m for m in args.model or ["shipped"]]
    try:
        models = [WearModel.load(m) for m in paths]
    except ModelError as exc:
        parser.error(str(exc))
    labels = args.label or [
        m.info.name if p is None else p for m, p in zip(models, paths, strict=True)
    ]
    if len(labels) != len(models):
        parser.error("give one --label per --model")
    cfg = models[0].config
    data = prepare_soles(args.data, input_size=cfg.input_size, map_size=cfg.map_size,
                         detail=cfg.detail, progress=False)
    has_field = data.dense[:, 1].sum(axis=(1, 2)) > 0
    if not has_field.any():
        parser.error(f"{args.data} has no wear fields: make it with `shoewear synth`")
    rng = np.random.default_rng(args.seed)
    idx = np.sort(rng.choice(np.flatnonzero(has_field), size=min(args.n, has_field.sum()),
                             replace=False))
    weights = data.weights[idx].astype(np.float32)
    maps = [m.predict(data.small[idx], weights)[1] for m in models]

    h, w = cfg.input_size
    size = (w * SCALE, h * SCALE)
    titles = ["canonical sole", "true wear", *labels]
    cols = len(titles)
    sheet_w = cols * (size[0] + PAD) + PAD
    row_h = size[1] + CAPTION_H
    top = 30 + 34  # titles, then the colour scale
    sheet = Image.new("RGB", (sheet_w, top + len(idx) * (row_h + PAD)), "white")
    draw = ImageDraw.Draw(sheet)
    small_font, font = _font(13), _font(15)
    for c, title in enumerate(titles):
        draw.text((PAD + c * (size[0] + PAD), 8), title, fill="black", font=font)
    bar_x, bar_w = PAD + size[0] + PAD + 70, sheet_w - 2 * (size[0] + PAD) - 140
    ramp = np.linspace(0, 1, bar_w, dtype=np.float32)[None].repeat(12, axis=0)
    sheet.paste(Image.fromarray(_heat(ramp, np.ones_like(ramp), (bar_w, 12))), (bar_x, 38))
    draw.text((bar_x - 66, 36), "0 = new", fill="black", font=small_font)
    draw.text((bar_x + bar_w + 6, 36), "1 = gone", fill="black", font=small_font)
    for r, i in enumerate(idx):
        cover = cv2.resize(data.small[i][..., 3].astype(np.float32) / 255.0, size,
                           interpolation=cv2.INTER_LINEAR)
        target, weight = data.dense[i].astype(np.float32)
        truth = target / np.maximum(weight, 1e-6)
        crop = cv2.resize(data.small[i][..., :3], size, interpolation=cv2.INTER_NEAREST)
        # Rim cells hold a few known pixels only: draw the truth where a cell is mostly known.
        known = cv2.resize((weight > 0.25).astype(np.float32), size,
                           interpolation=cv2.INTER_NEAREST)
        tiles = [crop, _heat(truth, cover * known, size)]
        notes = [PATTERNS[data.labels[i]], ""]
        for m in maps:
            tiles.append(_heat(m[r], cover, size))
            err = float(np.sum(np.abs(m[r] - truth) * weight) / weight.sum())
            notes.append(f"cell error {err:.3f}")
        y = top + r * (row_h + PAD)
        for c, (tile, note) in enumerate(zip(tiles, notes, strict=True)):
            x = PAD + c * (size[0] + PAD)
            sheet.paste(Image.fromarray(tile), (x, y))
            draw.text((x, y + size[1] + 6), note, fill="black", font=small_font)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({len(idx)} soles, {len(models)} models)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
