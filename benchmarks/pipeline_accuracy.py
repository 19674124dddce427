"""Accuracy of the image stages (load -> segment -> align) on a fresh synthetic set.

Generates photos with `shoewear.synth` from seeds the code was never tuned on,
reads each photo's JPEG bytes with `shoewear.pipeline.analyze` and the
shipped segmenter (no wear model: only the soles are looked at), and prints:

- mask IoU per sole at the photo's full resolution against the generator's
  mask (median, 5th percentile), the masks upsampled as `--mask` writes them,
  and how much of the true sole the found ones miss and add;
- pairs split into the right two soles;
- heel/toe direction and left/right side of every found sole;
- negatives (photos without a sole) refused.

    .venv/bin/python benchmarks/pipeline_accuracy.py \
        [--singles 300] [--pairs 100] [--negatives 100] [--seed 900000] [--workers 2] \
        [--dump DIR]   # overlays of the failures, for looking at

The default set is 300 single-sole photos + 100 pairs = 500 soles, plus 100
negatives. Seeds start at `--seed`; singles, pairs and negatives use disjoint
seed ranges.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: IoU from which a found sole counts as the true one (pair split, direction, side).
MATCH_IOU = 0.8


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return float(np.count_nonzero(a & b) / union) if union else 0.0


_MODELS = None


def _soles_only():
    """The shipped segmenter without a wear model, opened once per worker process."""
    global _MODELS
    if _MODELS is None:
        from shoewear.pipeline import Models

        _MODELS = Models.load(with_wear=False, threads=1)
    return _MODELS


def _locate(photo, name: str):
    """`analyze` without a wear model; a photo without a sole gives no soles."""
    from shoewear.errors import NoSoleFoundError
    from shoewear.pipeline import analyze

    result = analyze(photo, _soles_only(), name=name)
    if result.error is not None and not isinstance(result.error, NoSoleFoundError):
        raise result.error
    return result


def _eval_photo(job: tuple[str, int, int]) -> dict:
    kind, seed, long_side = job
    import cv2

    cv2.setNumThreads(1)
    from shoewear.contract import CANON_SHAPE
    from shoewear.segment import upscale_mask
    from shoewear.synth import generate_negative, generate_photo

    if kind == "negative":
        rgb = generate_negative(seed, long_side=long_side)
        ok, enc = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        result = _locate(enc.tobytes(), f"neg{seed}")
        if result.error is not None:
            return {"kind": kind, "seed": seed, "refused": True}
        return {"kind": kind, "seed": seed, "refused": False, "found": len(result.masks)}

    photo = generate_photo(seed, pair=kind == "pair", long_side=long_side)
    t0 = time.perf_counter()
    result = _locate(photo.jpeg, f"{kind}{seed}")
    elapsed = time.perf_counter() - t0
    masks, canons = result.masks, result.soles
    size = result.image.original_size
    full = [upscale_mask(m.mask, size) for m in masks]
    truths = [s.mask for s in photo.soles]
    ious = np.array([[_iou(f, t) for t in truths] for f in full]).reshape(len(full), len(truths))
    soles = []
    used: set[int] = set()
    for j, truth in enumerate(photo.soles):
        i = int(np.argmax(ious[:, j])) if len(full) else -1
        iou = float(ious[i, j]) if i >= 0 else 0.0
        rec = {"iou": iou, "occluded": truth.occluded, "style": truth.style,
               "tread": truth.tread}
        if i >= 0 and iou >= MATCH_IOU and i not in used:
            used.add(i)
            area = max(1, np.count_nonzero(truth.mask))
            rec["missed"] = np.count_nonzero(truth.mask & ~full[i]) / area
            rec["added"] = np.count_nonzero(full[i] & ~truth.mask) / area
            c = canons[i]
            h, w = CANON_SHAPE
            heel = c.to_photo @ [w / 2 - 0.5, h - 1, 1]
            toe = c.to_photo @ [w / 2 - 0.5, 0, 1]
            true_dir = np.subtract(truth.toe_xy, truth.heel_xy)
            rec["direction_ok"] = bool((toe[:2] - heel[:2]) @ true_dir > 0)
            rec["side_ok"] = c.side == truth.side
            rec["side_conf"] = c.side_confidence
        soles.append(rec)
    out = {"kind": kind, "seed": seed, "soles": soles, "found": len(masks), "seconds": elapsed}
    if kind == "pair":
        out["split_ok"] = len(masks) == 2 and len(used) == 2
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--singles", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=100)
    ap.add_argument("--negatives", type=int, default=100)
    ap.add_argument("--seed", type=int, default=900_000)
    ap.add_argument("--long-side", type=int, default=1024)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--dump", default=None, help="write overlays of failures here")
    args = ap.parse_args(argv)

    jobs = [("single", args.seed + i, args.long_side) for i in range(args.singles)]
    jobs += [("pair", args.seed + 100_000 + i, args.long_side) for i in range(args.pairs)]
    jobs += [("negative", args.seed + 200_000 + i, args.long_side) for i in range(args.negatives)]
    t0 = time.perf_counter()
    context = multiprocessing.get_context("spawn")  # OpenCV threads do not survive fork
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        results = list(pool.map(_eval_photo, jobs, chunksize=4))
    wall = time.perf_counter() - t0

    soles = [s for r in results if r["kind"] != "negative" for s in r["soles"]]
    ious = np.array([s["iou"] for s in soles])
    matched = [s for s in soles if "side_ok" in s]
    pairs = [r for r in results if r["kind"] == "pair"]
    negs = [r for r in results if r["kind"] == "negative"]
    print(f"photos: {args.singles} single + {args.pairs} pairs = {len(soles)} soles, "
          f"{len(negs)} negatives (seeds from {args.seed}, long side {args.long_side}); "
          f"{wall:.0f} s")
    if len(ious):
        print(f"mask IoU (full resolution): median {np.median(ious):.4f}, "
              f"5th percentile {np.percentile(ious, 5):.4f}, mean {ious.mean():.4f}")
        print(f"soles found (IoU >= {MATCH_IOU}): {len(matched)}/{len(soles)} "
              f"= {len(matched) / len(soles):.1%}; IoU of those: median "
              f"{np.median(ious[ious >= MATCH_IOU]):.4f}" if len(matched) else "")
        print(f"IoU >= 0.92: {np.mean(ious >= 0.92):.1%} of soles, >= 0.97: "
              f"{np.mean(ious >= 0.97):.1%}")
    if matched:
        missed = np.mean([s["missed"] for s in matched])
        added = np.mean([s["added"] for s in matched])
        print(f"found soles, share of the true sole: missed {missed:.2%}, added {added:.2%} "
              "(mean)")
    if pairs:
        ok = sum(r["split_ok"] for r in pairs)
        print(f"pairs split into the right two soles: {ok}/{len(pairs)} = {ok / len(pairs):.1%}")
    if matched:
        d = sum(s["direction_ok"] for s in matched)
        s_ok = sum(s["side_ok"] for s in matched)
        print(f"heel/toe direction right: {d}/{len(matched)} = {d / len(matched):.1%}")
        print(f"left/right side right: {s_ok}/{len(matched)} = {s_ok / len(matched):.1%}")
    if negs:
        ref = sum(r["refused"] for r in negs)
        print(f"no-sole photos refused: {ref}/{len(negs)} = {ref / len(negs):.1%}")
    secs = [r["seconds"] for r in results if "seconds" in r]
    if secs:
        print(f"decode + segment + align per photo (analyze, one thread): median "
              f"{np.median(secs) * 1000:.0f} ms")
    bad = [
        (r["kind"], r["seed"], s)
        for r in results
        if r["kind"] != "negative"
        for s in r["soles"]
        if s["iou"] < 0.92 or not s.get("direction_ok", True) or not s.get("side_ok", True)
    ]
    for kind, seed, s in sorted(bad, key=lambda b: b[2]["iou"])[:40]:
        print(f"  weak: {kind} seed {seed}: iou {s['iou']:.3f} dir {s.get('direction_ok')} "
              f"side {s.get('side_ok')} occluded {s['occluded']:.2f} {s['style']} {s['tread']}")
    for r in negs:
        if not r["refused"]:
            print(f"  accepted negative: seed {r['seed']} ({r['found']} soles)")
    if args.dump:
        _dump(Path(args.dump), bad, [r for r in negs if not r["refused"]], args.long_side)
    return 0


def _dump(folder: Path, bad: list, negs: list, long_side: int) -> None:
    import cv2

    from shoewear.draw import draw_overlay
    from shoewear.synth import generate_negative, generate_photo

    folder.mkdir(parents=True, exist_ok=True)
    seen = set()
    for kind, seed, _ in bad:
        if (kind, seed) in seen:
            continue
        seen.add((kind, seed))
        photo = generate_photo(seed, pair=kind == "pair", long_side=long_side)
        result = _locate(photo.jpeg, f"{kind}{seed}")
        image = result.image
        rgb = image.rgb.copy()
        for s in photo.soles:
            small = cv2.resize(s.mask.astype(np.uint8), rgb.shape[1::-1]) > 0
            cs, _ = cv2.findContours(small.astype(np.uint8), cv2.RETR_EXTERNAL,
                                     cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(rgb, cs, -1, (255, 0, 255), 1)
        over = draw_overlay(rgb, result.soles, scale=image.scale)
        cv2.imwrite(str(folder / f"{kind}_{seed}.png"), cv2.cvtColor(over, cv2.COLOR_RGB2BGR))
    for r in negs:
        rgb = generate_negative(r["seed"], long_side=long_side)
        ok, enc = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        result = _locate(enc.tobytes(), f"neg{r['seed']}")
        over = draw_overlay(result.image.rgb, result.soles, scale=result.image.scale)
        cv2.imwrite(str(folder / f"neg_{r['seed']}.png"), cv2.cvtColor(over, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    sys.exit(main())
