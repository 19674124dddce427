"""Training photos for the sole segmenter, drawn by `shoewear.synth` (no torch here).

Each sample is a synthetic photo shrunk the way `seg_config.shrink_photo`
shrinks a photo at inference, padded to a square of `input_side`, with two
targets at the same scale: the soles' coverage (soft, 0-255, so the network
learns where the edge lies between pixels) and their cores
(`seg_config.core_target`).

A *closer* sample is what `segment.py`'s closer look sees: the photo cut to
the box of its soles plus a margin (for a photo without a sole, a random
box) before shrinking, so the soles fill most of the network's view.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from ..segment.config import core_target, shrink_photo

#: Shares of single-sole photos, pairs and photos without a sole.
KINDS = ("single", "pair", "negative")
KIND_SHARES = (0.5, 0.35, 0.15)
#: Margin around the soles' box of a closer sample, as a share of the box's long side
#: (the closer look uses 0.1; the spread stands for the first look's loose box).
CLOSER_MARGINS = (0.03, 0.25)


def plan_samples(n: int, seed: int, *, sizes: tuple[int, int] = (640, 1024),
                 closer: bool = False) -> list[tuple]:
    """(kind, photo seed, long side, closer) of `n` samples; photo seeds are `seed`, `seed` + 1, ...

    With `closer`, every sample is a closer one (see the module's docstring).
    """
    rng = np.random.default_rng(seed)
    kinds = rng.choice(len(KINDS), size=n, p=KIND_SHARES)
    longs = rng.integers(sizes[0], sizes[1] + 1, size=n)
    return [(KINDS[int(k)], seed + i, int(s), closer)
            for i, (k, s) in enumerate(zip(kinds, longs, strict=True))]


def closer_box(masks: list[np.ndarray], shape: tuple[int, int], seed: int
               ) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a closer sample: the soles' box plus a random margin.

    Without masks, a random box of 40-90% of each side of `shape`.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    if not masks:
        bw, bh = (int(rng.uniform(0.4, 0.9) * s) for s in (w, h))
        x0, y0 = int(rng.integers(0, w - bw + 1)), int(rng.integers(0, h - bh + 1))
        return x0, y0, x0 + bw, y0 + bh
    ys, xs = np.nonzero(np.any(masks, axis=0))
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    margin = rng.uniform(*CLOSER_MARGINS, size=4) * max(x1 - x0, y1 - y0) + 2
    return (max(0, int(x0 - margin[0])), max(0, int(y0 - margin[1])),
            min(w, int(x1 + margin[2]) + 1), min(h, int(y1 + margin[3]) + 1))


def make_sample(job: tuple, input_side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One training sample.

    Returns
    -------
    image : (S, S, 3) uint8 ndarray
    sole : (S, S) uint8 ndarray
        Coverage of the soles, 0-255.
    core : (S, S) uint8 ndarray
        0/1.
    """
    from ..synth import generate_negative, generate_photo

    kind, seed, long_side, closer = job
    if kind == "negative":
        rgb = generate_negative(seed, long_side=long_side)
        masks: list[np.ndarray] = []
    else:
        photo = generate_photo(seed, pair=kind == "pair", long_side=long_side)
        rgb = photo.rgb
        masks = [s.mask for s in photo.soles]
    if closer:
        x0, y0, x1, y1 = closer_box(masks, rgb.shape[:2], seed)
        rgb = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        masks = [m[y0:y1, x0:x1] for m in masks]
    small, f = shrink_photo(rgb, input_side)
    h, w = small.shape[:2]
    size = (max(1, round(rgb.shape[1] * f)), max(1, round(rgb.shape[0] * f)))
    covers = [cv2.resize(m.astype(np.float32), size, interpolation=cv2.INTER_AREA)
              for m in masks]
    sole = np.zeros((input_side, input_side), np.float32)
    core = np.zeros((input_side, input_side), bool)
    if covers:
        union = np.clip(np.sum(covers, axis=0), 0, 1)
        sole[: size[1], : size[0]] = union
        core[: size[1], : size[0]] = core_target([c >= 0.5 for c in covers])
    image = cv2.copyMakeBorder(small, 0, input_side - h, 0, input_side - w, cv2.BORDER_REPLICATE)
    return image, np.round(sole * 255).astype(np.uint8), core.astype(np.uint8)


def _work(args: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cv2.setNumThreads(1)
    return make_sample(*args)


def make_samples(
    jobs: list[tuple], input_side: int, *, workers: int = 2, progress: bool = True
) -> dict[str, np.ndarray]:
    """Draw every planned sample, in `workers` processes.

    Returns
    -------
    dict
        ``image`` (N, S, S, 3), ``sole`` (N, S, S) and ``core`` (N, S, S), uint8.
    """
    from tqdm import tqdm

    n = len(jobs)
    out = {
        "image": np.zeros((n, input_side, input_side, 3), np.uint8),
        "sole": np.zeros((n, input_side, input_side), np.uint8),
        "core": np.zeros((n, input_side, input_side), np.uint8),
    }
    args = [(j, input_side) for j in jobs]
    bar = tqdm(total=n, desc="segmenter photos", unit="photo", disable=not progress)
    if workers <= 1:
        results = map(_work, args)
        pool = None
    else:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        results = pool.map(_work, args, chunksize=8)
    try:
        for i, (image, sole, core) in enumerate(results):
            out["image"][i], out["sole"][i], out["core"][i] = image, sole, core
            bar.update()
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown()
    return out
