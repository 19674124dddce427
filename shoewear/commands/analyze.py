"""`shoewear analyze`: read the wear off sole photos.

Nothing heavy is imported at module level: `shoewear analyze --help` stays
fast and never imports torch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

#: File name endings `analyze` picks up when it walks a folder.
IMAGE_SUFFIXES: tuple[str, ...] = (
    ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif",
)

DESCRIPTION = """\
Find each outsole in the photos (one sole, or a pair side by side), turn it
heel-down into the canonical frame, tell left from right, and read the wear of
seven zones: the wear pattern, what it may say about running form, and drills.
Photograph the sole from below, the whole sole in the frame, on a plain floor
if you can. Wear is a hint, not a diagnosis."""

EPILOG = """\
examples:
  shoewear analyze sole.jpg                     a readable report
  shoewear analyze left.jpg right.jpg --json    JSON Lines, one object per photo
  shoewear analyze photos/ --json > out.jsonl   every image in a folder, both cores
  shoewear analyze pair.jpg --overlay pair_seen.png
                                                draw the outline, axis, zones, side
  shoewear analyze photos/ --mask masks/        masks/<photo>_mask.png (0/255)
  shoewear analyze sole.jpg --side left         you know the side: skip the guess

output: text when printing to a terminal, else JSON Lines (see DESIGN.md);
a photo that fails gets a line whose "error" says why, the others go on.
exit codes: 0 every photo analysed, 1 some photo could not be, 2 usage error.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="read the wear off sole photos",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("photos", nargs="+", metavar="PHOTO_OR_DIR",
                   help="photo files, or folders to walk for images")
    p.add_argument("--format", choices=("text", "json"), default=None,
                   help="text or JSON Lines (default: text on a terminal, else json)")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("--mask", metavar="DIR", default=None,
                   help="write DIR/<stem>_mask.png, the outsole mask at the photo's size")
    p.add_argument("--overlay", metavar="DIR_OR_FILE", default=None,
                   help="draw what was found: a .png/.jpg file for one photo, else a folder "
                        "of <stem>_overlay.png")
    p.add_argument("--side", choices=("left", "right"), default=None,
                   help="the side of a single sole, when you know it (overrides the guess)")
    p.add_argument("--model", metavar="PATH", default=None,
                   help="wear model (ONNX file or folder from `shoewear train`); default: the "
                        "shipped model, or the classical tread-contrast reading without one")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="photos analysed in parallel (default: 2 for folders, else 1)")


@dataclass(frozen=True)
class _Job:
    path: str
    side: str | None
    mask_dir: str | None
    overlay: str | None  # the file to write, or None
    model: str | None = None


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else args.format
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    _reader(args.model)  # a model that cannot be loaded stops here, once
    paths, walked = _collect(args.photos)
    if not paths:
        raise UsageError("no image files found in " + ", ".join(args.photos))
    overlay_file = None
    overlay_dir = None
    if args.overlay is not None:
        target = Path(args.overlay)
        if target.suffix.lower() in (".png", ".jpg", ".jpeg") and not target.is_dir():
            if len(paths) > 1:
                raise UsageError(f"--overlay {args.overlay} is one file but there are "
                                 f"{len(paths)} photos: give a folder")
            overlay_file = target
        else:
            overlay_dir = target
    for d in (args.mask, overlay_dir):
        if d is not None:
            try:
                Path(d).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot create folder {d}: {exc.strerror or exc}") from None
    if overlay_file is not None and overlay_file.parent != Path():
        overlay_file.parent.mkdir(parents=True, exist_ok=True)

    jobs = []
    for p in paths:
        ov = None
        if overlay_file is not None:
            ov = str(overlay_file)
        elif overlay_dir is not None:
            ov = str(overlay_dir / f"{Path(p).stem}_overlay.png")
        jobs.append(_Job(path=p, side=args.side, mask_dir=args.mask, overlay=ov, model=args.model))

    workers = args.workers or (min(2, os.cpu_count() or 1) if walked else 1)
    failed = 0
    for report in _run_jobs(jobs, workers=min(workers, len(jobs)), progress=walked):
        if report.error is not None:
            failed += 1
            print(f"shoewear: {report.file}: {report.error}", file=sys.stderr)
        _print(report, fmt)
    return 1 if failed else 0


def _collect(items: list[str]) -> tuple[list[str], bool]:
    """Photo paths in order; folders are walked (sorted). True when a folder was given."""
    paths: list[str] = []
    walked = False
    for item in items:
        p = Path(item)
        if p.is_dir():
            walked = True
            found = sorted(
                q for q in p.rglob("*") if q.suffix.lower() in IMAGE_SUFFIXES and q.is_file()
            )
            paths.extend(str(q) for q in found)
        else:
            paths.append(item)  # a missing file gets its own error line
    return paths, walked


def _run_jobs(jobs: list[_Job], *, workers: int, progress: bool) -> Iterator:
    """Analyse every job; reports come back in the order of `jobs`.

    With more than one worker, this process analyses photos too, beside
    ``workers - 1`` helper processes: it starts on the first photo at once
    instead of waiting for the helpers to start, and one process fewer is
    started in all.
    """
    bar = None
    if progress:  # tqdm costs a noticeable share of a one-photo run's start-up
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="photo", file=sys.stderr, dynamic_ncols=True)
    tick = bar.update if bar is not None else (lambda: None)
    try:
        if workers <= 1:
            for job in jobs:
                yield _analyze_job(job)
                tick()
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        # "spawn": OpenCV's thread pool does not survive a fork of a process that used it.
        context = multiprocessing.get_context("spawn")
        helpers = workers - 1
        done: dict[int, object] = {}
        running: dict = {}
        todo = iter(range(len(jobs)))
        emitted = 0
        _init_worker()  # this process is one of the workers now
        with ProcessPoolExecutor(
            max_workers=helpers, initializer=_init_worker, mp_context=context
        ) as pool:
            while emitted < len(jobs):
                # Keep two photos queued per helper (it never waits for this process to hand
                # it the next one), then take one here.
                while len(running) < 2 * helpers and (i := next(todo, None)) is not None:
                    running[pool.submit(_analyze_job, jobs[i])] = i
                mine = next(todo, None)
                if mine is not None:
                    done[mine] = _analyze_job(jobs[mine])
                elif running:
                    wait(running, return_when=FIRST_COMPLETED)
                for future in [f for f in running if f.done()]:
                    done[running.pop(future)] = future.result()
                while emitted in done:
                    yield done.pop(emitted)
                    emitted += 1
                    tick()
    finally:
        if bar is not None:
            bar.close()


_READERS: dict = {}


def _reader(model: str | None):
    """The wear reader for `model`, loaded once per process (`pipeline.get_reader`)."""
    if model not in _READERS:
        from ..pipeline import get_reader

        _READERS[model] = get_reader(model)
    return _READERS[model]


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already


def _analyze_job(job: _Job):
    """Analyse one photo and write its mask and overlay; errors come back in the report."""
    import numpy as np

    from ..errors import ShoewearError
    from ..load import load_image
    from ..pipeline import locate_soles, report_soles
    from ..report import PhotoReport

    try:
        image = load_image(job.path)
        masks, canons = locate_soles(image.rgb, scale=image.scale, side=job.side)
        readings, wear_maps = _reader(job.model).read_with_maps(canons)
        report = report_soles(job.path, canons, readings)
    except ShoewearError as exc:
        return PhotoReport(file=job.path, error=str(exc))
    try:
        if job.mask_dir is not None:
            union = np.zeros(image.rgb.shape[:2], dtype=bool)
            for m in masks:
                union |= m.mask
            _write_mask(union, image.original_size,
                        Path(job.mask_dir) / f"{Path(job.path).stem}_mask.png")
        if job.overlay is not None:
            from ..render import draw_overlay

            over = draw_overlay(
                image.rgb, canons, report.soles, wear_maps=wear_maps, scale=image.scale
            )
            _write_rgb(over, Path(job.overlay))
    except OSError as exc:
        return PhotoReport(
            file=job.path, soles=report.soles, asymmetry=report.asymmetry,
            error=f"cannot write output: {exc.strerror or exc}",
        )
    return report


def _write_mask(mask, size: tuple[int, int], path: Path) -> None:
    """Write the mask at the photo's own (width, height) as 0/255."""
    import cv2
    import numpy as np

    from ..segment import upscale_mask

    if not cv2.imwrite(str(path), np.where(upscale_mask(mask, size), 255, 0).astype(np.uint8)):
        raise OSError(f"could not write {path}")


def _write_rgb(rgb, path: Path) -> None:
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")


def _print(report, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False), flush=True)
        return
    try:
        from ..textreport import format_report
    except ImportError:  # the text report is not in this build: fall back to JSON
        print(json.dumps(report.to_json(), ensure_ascii=False), flush=True)
        return
    print(format_report(report), flush=True)
