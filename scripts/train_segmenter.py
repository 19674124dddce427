"""Train the sole segmenter shipped as models/sole_seg.onnx.

Draws synthetic photos (singles, pairs and photos without a sole) with
`shoewear.synth`, trains `SoleSegNet` on them and exports it to ONNX:

    .venv/bin/python scripts/train_segmenter.py --out models/sole_seg.onnx \
        [--n 6000] [--val 300] [--more 0] [--closer 0] [--seed 10000000] [--epochs 10] \
        [--cache data/seg] [--weights-out W.safetensors] [--init W.safetensors]

The drawn photos are cached as .npz under `--cache` (keyed by n, seed and
input side), so a second run with other training settings skips drawing.
Photo seeds start at `--seed`; the validation photos follow the training ones,
then `--more`, then `--closer` (photos cut to their soles' box, what the
pipeline's closer look sees). `--weights-out` keeps the trained weights
(safetensors) for a later `--init`, which starts training from them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _samples(n: int, seed: int, side: int, cache: Path | None, workers: int,
             closer: bool = False) -> dict:
    from shoewear.training.seg_data import make_samples, plan_samples

    name = f"seg_{n}_{seed}_{side}{'_closer' if closer else ''}.npz"
    path = cache / name if cache else None
    if path is not None and path.is_file():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    data = make_samples(plan_samples(n, seed, closer=closer), side, workers=workers)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **data)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "models" / "sole_seg.onnx"))
    ap.add_argument("--n", type=int, default=6000, help="training photos")
    ap.add_argument("--val", type=int, default=300, help="validation photos")
    ap.add_argument("--more", type=int, default=0,
                    help="more training photos, seeds after the validation ones (drawn and "
                         "cached apart, so a bigger set reuses the first draw)")
    ap.add_argument("--closer", type=int, default=0,
                    help="more training photos cut to their soles' box (the closer look's view)")
    ap.add_argument("--seed", type=int, default=10_000_000, help="first photo seed")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--input-side", type=int, default=256)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", default=str(ROOT / "data" / "seg"))
    ap.add_argument("--weights-out", default=None, help="also save the weights (safetensors)")
    ap.add_argument("--init", default=None, help="start from these weights (safetensors)")
    ap.add_argument("--precision", default="auto", metavar="{auto,fp32,bf16}",
                    help="arithmetic of the training steps, as for shoewear train")
    ap.add_argument("--device", default="cpu",
                    help="torch device of the training steps (default cpu; cuda on a GPU)")
    ap.add_argument("--draw-only", action="store_true", help="draw and cache the photos, then stop")
    args = ap.parse_args(argv)
    if args.init and not Path(args.init).is_file():
        ap.error(f"--init: no such file: {args.init}")

    import torch

    torch.set_num_threads(args.workers)
    try:
        kind = torch.device(args.device).type
    except RuntimeError as exc:
        ap.error(f"--device: {exc}")
    if kind == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: this machine has no CUDA GPU that torch can use")
    from shoewear.errors import UsageError
    from shoewear.segment.config import SegConfig
    from shoewear.training.precision import resolve_precision
    from shoewear.training.seg_train import export_segmenter, train_segmenter

    try:
        precision = resolve_precision(args.precision)
    except UsageError as exc:
        ap.error(str(exc))
    cache = Path(args.cache) if args.cache else None
    t0 = time.perf_counter()
    train = _samples(args.n, args.seed, args.input_side, cache, args.workers)
    val = _samples(args.val, args.seed + args.n, args.input_side, cache, args.workers)
    parts = [train]
    if args.more:
        parts.append(_samples(args.more, args.seed + args.n + args.val, args.input_side,
                              cache, args.workers))
    if args.closer:
        parts.append(_samples(args.closer, args.seed + args.n + args.val + args.more,
                              args.input_side, cache, args.workers, closer=True))
    if len(parts) > 1:
        train = {k: np.concatenate([p[k] for p in parts]) for k in train}
    drawn = time.perf_counter() - t0
    print(f"photos ready in {drawn:.0f} s", flush=True)
    if args.draw_only:
        return 0
    config = SegConfig(input_side=args.input_side)
    init = None
    if args.init:
        from safetensors.torch import load_file

        init = load_file(args.init)
    net, metrics = train_segmenter(train, val, config, epochs=args.epochs,
                                   batch_size=args.batch_size, lr=args.lr, init=init,
                                   precision=precision, device=args.device)
    if args.weights_out:
        from safetensors.torch import save_file

        save_file(net.state_dict(), args.weights_out)
    recipe = {
        "train_photos": args.n + args.more + args.closer, "closer_photos": args.closer,
        "val_photos": args.val, "first_seed": args.seed,
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "precision": precision, "device": args.device,
        "command": "python scripts/train_segmenter.py " + " ".join(argv or sys.argv[1:]),
    }
    config = config.replace(metrics=metrics, recipe=recipe)
    export_segmenter(net, config, args.out)
    print(f"validation: {metrics}; wrote {args.out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
