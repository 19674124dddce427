"""`shoewear synth`: write a labelled synthetic data set."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError

DESCRIPTION = """\
Generate synthetic photos of worn running-shoe soles with their ground truth.

Layout of OUT_DIR:
  <pattern>/<id>.jpg     one folder per wear pattern (ImageFolder); a photo of a
                         pair goes in the folder of its LEFT sole's pattern (left
                         in the picture); labels.csv lists both soles
  masks/<id>.png         0/255 union of the photo's soles
  masks/<id>_0.png, _1   each sole of a pair, left then right in the picture
  fields/<id>.png        the true wear under every sole pixel: 0 off the soles,
                         1-255 for wear 0-1; training fits the wear map to it
  labels.csv             one row per sole: file, pattern, side, n_soles, the
                         seven zone levels, rotation, box x0,y0,x1,y1, tread,
                         ..., mask and field files
The same --seed writes identical files.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="make a labelled synthetic data set of sole photos",
                       description=DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (created if missing)")
    p.add_argument("-n", type=int, required=True, metavar="N", help="number of photos")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--pairs", type=int, default=0, metavar="K",
                   help="how many of the N photos show a left and a right sole (default 0)")
    p.add_argument("--size", default="1024", metavar="LONG_SIDE|MIN-MAX",
                   help="longest side in pixels, or a range drawn per photo (default 1024)")
    p.add_argument("--preview", metavar="SHEET", default=None,
                   help="also draw a labelled contact sheet of the first min(N, 48) photos")
    p.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def parse_size(text: str) -> int | tuple[int, int]:
    """Parse "1024" or "640-4000" into a long side or a (min, max) range.

    Raises
    ------
    UsageError
        When the text is not one or two positive integers in 64..8000.
    """
    parts = str(text).split("-")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or not all(64 <= v <= 8000 for v in values) or (
            len(values) == 2 and values[0] > values[1]):
        raise UsageError(f"--size must be LONG_SIDE or MIN-MAX in 64..8000 pixels; got {text!r}")
    return values[0] if len(values) == 1 else (values[0], values[1])


def run(args: argparse.Namespace) -> int:
    out = Path(args.out_dir)
    size = parse_size(args.size)
    if args.n < 1:
        raise UsageError(f"-n must be at least 1; got {args.n}")
    if args.pairs < 0:
        raise UsageError(f"--pairs must be 0 or more; got {args.pairs}")
    if args.pairs > args.n:
        raise UsageError(f"--pairs ({args.pairs}) cannot exceed -n ({args.n})")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1; got {args.workers}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"OUT_DIR {str(out)!r} exists and is not a folder")
    if args.preview is not None and Path(args.preview).suffix.lower() not in (
            ".png", ".jpg", ".jpeg"):
        raise UsageError(f"--preview must end in .png or .jpg; got {args.preview!r}")

    from ..synth import write_dataset

    labels = write_dataset(out, n=args.n, seed=args.seed, pairs=args.pairs, long_side=size,
                           workers=args.workers, progress=not args.quiet)
    if args.preview is not None:
        import cv2

        from ..synth.preview import sheet_from_dataset

        sheet = sheet_from_dataset(out, n=min(args.n, 48))
        if not cv2.imwrite(str(args.preview), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, 85]):
            raise UsageError(f"could not write the preview to {args.preview!r}")
    print(f"wrote {args.n} photos to {out} (labels: {labels})")
    return 0
