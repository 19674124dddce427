"""`shoewear analyze`: read the wear off sole photos.

Nothing heavy is imported at module level: `shoewear analyze --help` stays
fast and never imports torch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import UsageError

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
  shoewear analyze photos/ --mask masks/        masks/<path in photos/>_mask.png (0/255),
                                                mirroring the folder's tree
  shoewear analyze sole.jpg --side left         you know the side: skip the guess
  shoewear analyze photos/ --scheduler local    on a local Dask cluster ([cluster] extra)

output: text when printing to a terminal, else JSON Lines (see DESIGN.md);
a photo that fails gets a line whose "error" says why, the others go on.
Every report names the networks that read it ("models": name and sha256);
--model and --segmenter read with your own (from `shoewear train` and
`shoewear train-segmenter`), never silently with others.
exit codes: 0 every photo analysed, 1 some photo could not be (or a shipped
network is broken, or the Dask scheduler cannot be reached), 2 usage error
(a --model or --segmenter that cannot be opened included).
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
                   help="wear model: an ONNX file or the folder `shoewear train` wrote "
                        "(default: the shipped model)")
    p.add_argument("--segmenter", metavar="PATH", default=None,
                   help="sole segmenter: an ONNX file or the folder `shoewear train-segmenter` "
                        "wrote (default: the shipped one)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="photos read in parallel (default: 2 for folders, else 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="read on Dask: 'local' starts a local cluster of --workers processes, "
                        "else the address of a running scheduler (tcp://host:8786)")


def run(args: argparse.Namespace) -> int:
    from ..batch import Job, ModelFiles, collect_photos, output_paths, run_batch

    fmt = "json" if args.json else args.format
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    named = collect_photos(args.photos)
    if not named:
        raise UsageError("no image files found in " + ", ".join(args.photos))
    walked = any(Path(item).is_dir() for item in args.photos)
    photos = [photo for photo, _ in named]
    masks = [None] * len(photos)
    overlays = [None] * len(photos)
    if args.mask is not None:
        masks = output_paths(named, args.mask, "_mask.png")
    if args.overlay is not None:
        target = Path(args.overlay)
        if target.suffix.lower() in (".png", ".jpg", ".jpeg") and not target.is_dir():
            if len(photos) > 1:
                raise UsageError(f"--overlay {args.overlay} is one file but there are "
                                 f"{len(photos)} photos: give a folder")
            overlays = [str(target)]
        else:
            overlays = output_paths(named, target, "_overlay.png")
    jobs = [
        Job(photo=p, side=args.side, mask=m, overlay=o)
        for p, m, o in zip(photos, masks, overlays, strict=True)
    ]
    workers = args.workers or (min(2, os.cpu_count() or 1) if walked else 1)
    models = ModelFiles(segmenter=args.segmenter, wear=args.model)
    _check_given(models)
    failed = 0
    for report in run_batch(jobs, models=models, workers=workers, scheduler=args.scheduler,
                            progress=walked):
        if report.error is not None:
            failed += 1
            print(f"shoewear: {report.file}: {report.error}", file=sys.stderr)
        _print(report, fmt)
    return 1 if failed else 0


def _check_given(files) -> None:
    """A --model or --segmenter that cannot be opened is a usage error (exit 2)."""
    from ..errors import ModelError
    from ..segment import SoleSegmenter
    from ..wear import WearModel

    for flag, path, cls in (("--segmenter", files.segmenter, SoleSegmenter),
                            ("--model", files.wear, WearModel)):
        if path is not None:
            try:
                cls.load(path, threads=1)
            except ModelError as exc:
                raise UsageError(f"{flag} {path}: {exc}") from None


def _print(report, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False), flush=True)
        return
    from ..textreport import format_report

    print(format_report(report), flush=True)
