"""Write a labelled synthetic data set to disk (ImageFolder layout plus masks and labels.csv).

Layout::

    OUT_DIR/<pattern>/<id>.jpg      one photo; a pair goes in the folder of the
                                    pattern of its left sole in the picture
    OUT_DIR/masks/<id>.png          0/255 union of the soles of the photo
    OUT_DIR/masks/<id>_<k>.png      each sole of a pair, k = 0 left, 1 right
    OUT_DIR/fields/<id>.png         the painted wear under each sole pixel
                                    (`records.encode_field`: 0 no sole, 1-255 wear)
    OUT_DIR/labels.csv              one row per sole
"""

from __future__ import annotations

import csv
import multiprocessing
import sys
from pathlib import Path

import cv2
import numpy as np

from ..contract import PATTERNS, ZONES
from ..errors import UsageError
from .photo import generate_photo
from .seeds import seed_sequence

#: Columns of labels.csv, in order.
LABEL_COLUMNS: tuple[str, ...] = (
    "file", "sole", "n_soles", "pattern", "side", *ZONES, "rotation_deg",
    "x0", "y0", "x1", "y1", "heel_x", "heel_y", "toe_x", "toe_y", "tread", "style",
    "occluded", "width", "height", "mask", "field",
)


def _check(out_dir: Path, n: int, pairs: int, long_side: int | tuple[int, int],
           workers: int) -> tuple[int, int]:
    if not isinstance(n, int | np.integer) or n < 1:
        raise UsageError(f"n must be at least 1 photo; got {n!r}")
    if not isinstance(pairs, int | np.integer) or pairs < 0:
        raise UsageError(f"pairs must be 0 or more; got {pairs!r}")
    if pairs > n:
        raise UsageError(f"pairs ({pairs}) cannot exceed the number of photos n ({n})")
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise UsageError(f"workers must be at least 1; got {workers!r}")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output folder {str(out_dir)!r} exists and is not a folder")
    if isinstance(long_side, tuple | list):
        if len(long_side) != 2:
            raise UsageError(f"size range must be (min, max); got {long_side!r}")
        lo, hi = (int(x) for x in long_side)
    else:
        lo = hi = int(long_side)
    if not 64 <= lo <= hi <= 8000:
        raise UsageError(f"image size must lie in 64..8000 pixels with min <= max; "
                         f"got {long_side!r}")
    return lo, hi


def plan(n: int, seed: int, pairs: int, size: tuple[int, int]) -> list[dict]:
    """What each photo of a data set will be (seed, pattern, pair, size).

    Patterns cycle through `design.PATTERNS` in a shuffled order so the
    classes stay balanced; `pairs` photos, spread by the seed, hold a pair.

    Returns
    -------
    list of dict
        One job per photo with keys id, seed, pattern, pair, long_side.
    """
    rng = np.random.default_rng(seed_sequence(seed, 31))
    is_pair = np.zeros(n, bool)
    is_pair[rng.choice(n, size=pairs, replace=False)] = True
    order = []
    while len(order) < n:
        order.extend(rng.permutation(len(PATTERNS)).tolist())
    seeds = rng.integers(0, 2**62, size=n)
    sizes = rng.integers(size[0], size[1] + 1, size=n)
    return [
        {"id": f"{i:06d}", "seed": int(seeds[i]), "pattern": PATTERNS[order[i]],
         "pair": bool(is_pair[i]), "long_side": int(sizes[i])}
        for i in range(n)
    ]


#: PNG settings for the 0/255 masks: no row filters (libpng's adaptive choice costs
#: three times the rest of the encode and gains nothing on two-level images) and
#: run-length deflate, which suits long runs of 0 and 255 (files about a third the size).
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE,
               cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
#: PNG settings for the wear fields: the "up" filter turns their smooth rows into
#: runs of near-zero steps (files 0.4 times the size of the masks' settings, as fast).
_FIELD_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER,
                     cv2.IMWRITE_PNG_FILTER_UP, cv2.IMWRITE_PNG_STRATEGY,
                     cv2.IMWRITE_PNG_STRATEGY_RLE]


def _write_one(job: dict, out_dir: str) -> list[dict]:
    """Generate one photo and write its files; returns its label rows."""
    out = Path(out_dir)
    pair = job["pair"]
    # A pair keeps a free pattern for its second sole; the photo's folder is its left sole's.
    photo = generate_photo(job["seed"], pair=pair, pattern=None if pair else job["pattern"],
                           long_side=job["long_side"], decode=False, field=True)
    folder = photo.soles[0].pattern
    rel = f"{folder}/{job['id']}.jpg"
    (out / rel).write_bytes(photo.jpeg)
    union = np.zeros(photo.rgb.shape[:2], bool)
    for s in photo.soles:
        union |= s.mask
    params = _PNG_PARAMS
    cv2.imwrite(str(out / "masks" / f"{job['id']}.png"), union.astype(np.uint8) * 255, params)
    field_rel = f"fields/{job['id']}.png"
    cv2.imwrite(str(out / field_rel), photo.field, _FIELD_PNG_PARAMS)
    rows = []
    h, w = photo.rgb.shape[:2]
    for k, s in enumerate(photo.soles):
        mask_rel = f"masks/{job['id']}.png"
        if len(photo.soles) > 1:
            mask_rel = f"masks/{job['id']}_{k}.png"
            cv2.imwrite(str(out / mask_rel), s.mask.astype(np.uint8) * 255, params)
        rows.append({
            "file": rel, "sole": k, "n_soles": len(photo.soles), "pattern": s.pattern,
            "side": s.side, **{z: f"{s.zones[z]:.4f}" for z in ZONES},
            "rotation_deg": f"{s.rotation_deg:.2f}",
            "x0": s.box[0], "y0": s.box[1], "x1": s.box[2], "y1": s.box[3],
            "heel_x": f"{s.heel_xy[0]:.1f}", "heel_y": f"{s.heel_xy[1]:.1f}",
            "toe_x": f"{s.toe_xy[0]:.1f}", "toe_y": f"{s.toe_xy[1]:.1f}",
            "tread": s.tread, "style": s.style, "occluded": f"{s.occluded:.3f}",
            "width": w, "height": h, "mask": mask_rel, "field": field_rel,
        })
    return rows


def _work(args: tuple[dict, str]) -> list[dict]:
    return _write_one(*args)


def write_dataset(
    out_dir: str | Path,
    *,
    n: int,
    seed: int,
    pairs: int = 0,
    long_side: int | tuple[int, int] = 1024,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Generate `n` photos into an ImageFolder tree with masks and labels.csv.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing files of the same names are overwritten.
    n : int
        Number of photos (>= 1).
    seed : int
        The same seed writes identical files.
    pairs : int
        How many of the `n` photos show a left and a right sole (0..n).
    long_side : int or (int, int)
        Longest side of every photo, or a (min, max) range drawn per photo.
    workers : int
        Processes generating in parallel.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Path
        The labels.csv written.

    Raises
    ------
    UsageError
        On bad arguments.
    """
    out = Path(out_dir)
    size = _check(out, n, pairs, long_side, workers)
    out.mkdir(parents=True, exist_ok=True)
    for name in (*PATTERNS, "masks", "fields"):
        (out / name).mkdir(exist_ok=True)
    jobs = [(job, str(out)) for job in plan(int(n), int(seed), int(pairs), size)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="photo", file=sys.stderr, desc="synth")
    rows: list[dict] = []
    if workers == 1:
        results = map(_work, jobs)
        for r in results:
            rows.extend(r)
            if bar:
                bar.update()
    else:
        # Not "fork": a forked child can hang on thread pools (OpenCV's) the parent started.
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ctx.Pool(int(workers), initializer=_init_worker) as pool:
            for r in pool.imap(_work, jobs, chunksize=2):
                rows.extend(r)
                if bar:
                    bar.update()
    if bar:
        bar.close()
    labels = out / "labels.csv"
    with labels.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(LABEL_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return labels


def _init_worker() -> None:
    # One thread per worker process: the pool already uses the cores.
    cv2.setNumThreads(1)
    _keep_heap()


def _keep_heap() -> None:
    """Let glibc reuse freed image buffers instead of returning them to the OS each time.

    Every photo allocates and frees the same few large arrays; by default each
    is a fresh mmap, and the page faults cost about a tenth of the run.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 256 * 1024 * 1024)
    libc.mallopt(m_trim_threshold, 512 * 1024 * 1024)
