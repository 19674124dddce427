"""`shoewear evaluate`: measure a wear model on a folder of labelled photos."""

from __future__ import annotations

import argparse
import json

from ..errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure a wear model on labelled photos",
        description="Run the wear model on an ImageFolder tree DATA_DIR/<pattern>/*.jpg "
        "(optional labels.csv with zone levels and sides): accuracy, per-pattern precision, "
        "recall and F1, macro-F1, confusion matrix, zone-level MAE and side accuracy.",
    )
    p.add_argument("data_dir", metavar="DATA_DIR", help="folder of <pattern>/<photo> files")
    p.add_argument(
        "--model", default=None, metavar="M", help="ONNX model or its folder (default: shipped)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--confusion", metavar="PNG", default=None, help="save the confusion matrix")
    p.add_argument("--workers", type=int, default=2, help="processes preparing crops (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    from ..contract import PATTERNS
    from ..training.evaluate import evaluate_model

    result = evaluate_model(
        args.data_dir, model_path=args.model, workers=args.workers, progress=not args.quiet
    )
    if args.confusion:
        from ..training.plots import confusion_image, save_png

        try:
            save_png(args.confusion, confusion_image(result.confusion, PATTERNS))
        except OSError as exc:
            raise UsageError(f"--confusion: {exc}") from None
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(result.to_text())
        if args.confusion:
            print(f"confusion matrix saved to {args.confusion}")
    return 0
