"""`shoewear train-segmenter`: train the sole segmenter on synthetic photos and export it."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from ..errors import UsageError

DESCRIPTION = """\
Train the sole segmenter (the network that finds the outsoles in a photo) on
synthetic photos drawn by `shoewear synth`'s generator: single soles, pairs
and photos without a sole. The trained network is written as ONNX with its
config inside; `shoewear analyze --segmenter` reads with it.

Photo seeds start at --seed: the --n training photos, then the --val
validation ones, then --more, then --closer (photos cut to their soles' box,
what the pipeline's closer look sees). The drawn photos are cached as .npz
under --cache (keyed by count, seed and input side), so a second run with
other training settings skips drawing, and a bigger --more reuses the first
draw.
"""

EPILOG = """\
examples:
  shoewear train-segmenter --out seg/                 seg/sole_seg.onnx, default settings
  shoewear train-segmenter --out seg/v1.onnx --weights-out seg/v1.safetensors \\
      --n 6000 --val 300 --more 4000 --closer 4000 --epochs 10
  shoewear train-segmenter --out seg/v2.onnx --init seg/v1.safetensors \\
      --epochs 5 --lr 1e-3                            fine-tune the weights of a run
  shoewear train-segmenter --draw-only --n 6000       draw and cache the photos only
  shoewear train-segmenter --out seg/ --device cuda --workers 16
"""

PRECISIONS = ("auto", "fp32", "bf16")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-segmenter",
        help="train the sole segmenter on synthetic photos",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="FILE_OR_DIR", default=None,
                   help="the segmenter to write: a .onnx file, or a folder that gets "
                        "sole_seg.onnx (required unless --draw-only)")
    p.add_argument("--n", type=int, default=6000, help="training photos (default 6000)")
    p.add_argument("--val", type=int, metavar="N", default=300,
                   help="validation photos (default 300)")
    p.add_argument("--more", type=int, metavar="N", default=0,
                   help="more training photos, seeds after the validation ones (drawn and "
                        "cached apart, so a bigger set reuses the first draw; default 0)")
    p.add_argument("--closer", type=int, metavar="N", default=0,
                   help="more training photos cut to their soles' box (the closer look's view; "
                        "default 0)")
    p.add_argument("--seed", type=int, default=10_000_000,
                   help="first photo seed (default 10000000)")
    p.add_argument("--epochs", type=int, metavar="N", default=10, help="epochs (default 10)")
    p.add_argument("--batch-size", type=int, metavar="N", default=16,
                   help="photos per step (default 16)")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (default 3e-3)")
    p.add_argument("--input-side", type=int, default=256, metavar="PX",
                   help="long side of the network's view, a multiple of 32 (default 256)")
    p.add_argument("--workers", type=int, metavar="N", default=2,
                   help="processes drawing photos, and torch threads (default 2)")
    p.add_argument("--cache", default="data/seg", metavar="DIR",
                   help="folder caching the drawn photos (default data/seg; '' for none)")
    p.add_argument("--weights-out", metavar="FILE", default=None,
                   help="also save the weights (safetensors), for a later --init")
    p.add_argument("--init", metavar="FILE", default=None,
                   help="start from these weights (safetensors) instead of random ones")
    p.add_argument("--precision", choices=PRECISIONS, default="auto", metavar="{auto,fp32,bf16}",
                   help="arithmetic of the training steps, as for `shoewear train` (default auto)")
    p.add_argument("--device", default="cpu",
                   help="torch device of the training steps (default cpu; cuda on a GPU)")
    p.add_argument("--draw-only", action="store_true",
                   help="draw and cache the photos, then stop")
    p.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")


def _check(args: argparse.Namespace) -> Path | None:
    """Refuse bad values before anything heavy is imported; the file to write."""
    for flag, value, least in (
        ("--n", args.n, 1), ("--val", args.val, 1), ("--more", args.more, 0),
        ("--closer", args.closer, 0), ("--seed", args.seed, 0), ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1), ("--workers", args.workers, 1),
    ):
        if value < least:
            raise UsageError(f"{flag} must be at least {least}, got {value}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    if args.input_side < 64 or args.input_side % 32:
        raise UsageError(f"--input-side must be a multiple of 32 of at least 64, "
                         f"got {args.input_side}")
    if args.init and not Path(args.init).is_file():
        raise UsageError(f"--init: no such file: {args.init}")
    if args.cache and Path(args.cache).exists() and not Path(args.cache).is_dir():
        raise UsageError(f"--cache {args.cache!r} exists and is not a folder")
    if args.draw_only:
        return None
    if args.out is None:
        raise UsageError("--out is required (a .onnx file or a folder), unless --draw-only")
    from ..segment.runtime import ONNX_NAME

    out = Path(args.out)
    if out.suffix.lower() != ".onnx":
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {args.out!r} is neither a .onnx file nor a folder")
        out = out / ONNX_NAME
    if out.is_dir():
        raise UsageError(f"--out {args.out!r} is a folder; name a .onnx file or its folder")
    return out


def _samples(n: int, seed: int, side: int, cache: Path | None, *, workers: int,
             closer: bool = False, progress: bool = True) -> dict:
    """`seg_data.make_samples` of `n` photos from `seed`, read from or saved to `cache`."""
    import numpy as np

    from ..training.seg_data import make_samples, plan_samples

    name = f"seg_{n}_{seed}_{side}{'_closer' if closer else ''}.npz"
    path = cache / name if cache else None
    if path is not None and path.is_file():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    data = make_samples(plan_samples(n, seed, closer=closer), side, workers=workers,
                        progress=progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **data)
    return data


def _command(args: argparse.Namespace) -> str:
    """The command line that repeats this run (every option spelt out)."""
    parts = ["shoewear train-segmenter"]
    if args.out is not None:
        parts.append(f"--out {args.out}")
    parts += [
        f"--n {args.n}", f"--val {args.val}", f"--more {args.more}", f"--closer {args.closer}",
        f"--seed {args.seed}", f"--epochs {args.epochs}", f"--batch-size {args.batch_size}",
        f"--lr {args.lr:g}", f"--input-side {args.input_side}",
        f"--precision {args.precision}", f"--device {args.device}",
    ]
    if args.init:
        parts.append(f"--init {args.init}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    out = _check(args)

    import torch

    try:
        kind = torch.device(args.device).type
    except RuntimeError as exc:
        raise UsageError(f"--device: {str(exc).splitlines()[0]}") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: this machine has no CUDA GPU that torch can use")
    torch.set_num_threads(args.workers)

    import numpy as np

    from ..segment.config import SegConfig
    from ..training.precision import resolve_precision
    from ..training.seg_train import export_segmenter, train_segmenter

    precision = resolve_precision(args.precision)
    cache = Path(args.cache) if args.cache else None
    progress = not args.quiet
    t0 = time.perf_counter()

    def draw(n: int, seed: int, closer: bool = False) -> dict:
        return _samples(n, seed, args.input_side, cache, workers=args.workers, closer=closer,
                        progress=progress)

    train = draw(args.n, args.seed)
    val = draw(args.val, args.seed + args.n)
    parts = [train]
    if args.more:
        parts.append(draw(args.more, args.seed + args.n + args.val))
    if args.closer:
        parts.append(draw(args.closer, args.seed + args.n + args.val + args.more, closer=True))
    if len(parts) > 1:
        train = {k: np.concatenate([p[k] for p in parts]) for k in train}
    print(f"photos ready in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.draw_only:
        return 0
    config = SegConfig(input_side=args.input_side)
    init = None
    if args.init:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            init = load_file(args.init)
        except (SafetensorError, OSError) as exc:
            raise UsageError(f"--init {args.init}: not a safetensors file ({exc})") from None
    try:
        net, metrics = train_segmenter(train, val, config, epochs=args.epochs,
                                       batch_size=args.batch_size, lr=args.lr, init=init,
                                       precision=precision, device=args.device,
                                       progress=progress)
    except RuntimeError as exc:  # load_state_dict: the weights are another network's
        if init is None or "state_dict" not in str(exc):
            raise
        raise UsageError(f"--init {args.init}: weights of another network "
                         f"({str(exc).splitlines()[0]})") from None
    if args.weights_out:
        from safetensors.torch import save_file

        Path(args.weights_out).parent.mkdir(parents=True, exist_ok=True)
        save_file(net.state_dict(), args.weights_out)
    recipe = {
        "train_photos": args.n + args.more + args.closer, "closer_photos": args.closer,
        "val_photos": args.val, "first_seed": args.seed,
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "precision": precision, "device": args.device, "command": _command(args),
    }
    export_segmenter(net, config.replace(metrics=metrics, recipe=recipe), out)
    print(f"validation: sole IoU {metrics['sole_iou']:.4f}, core IoU {metrics['core_iou']:.4f} "
          f"({metrics['seconds']:.0f} s training); wrote {out} "
          f"({time.perf_counter() - t0:.0f} s in all)")
    return 0
