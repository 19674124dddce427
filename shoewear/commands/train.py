"""`shoewear train`: train or fine-tune the wear model on a folder of labelled photos."""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys

from ..errors import UsageError
from ..wear.config import WEIGHT_DECAY


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train or fine-tune the wear model on labelled photos",
        description="Train the wear CNN on an ImageFolder tree DATA_DIR/<pattern>/*.jpg "
        "(optional DATA_DIR/labels.csv with zone levels and sides). Crops are cached in "
        "DATA_DIR/.shoewear-cache (crops of other shoewear versions or formats are cleared out). "
        "The model in --out is replaced only when training "
        "succeeds; a run interrupted (Ctrl-C, SIGTERM: exit code 130) continues with --resume.",
    )
    p.add_argument("data_dir", metavar="DATA_DIR", help="folder of <pattern>/<photo> files")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the trained model")
    p.add_argument(
        "--epochs", type=int, default=None, help="most epochs (default 20, 8 with --from)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--from",
        dest="init_from",
        metavar="MODEL",
        default=None,
        help="fine-tune these weights (wear_cnn.safetensors or its folder)",
    )
    p.add_argument(
        "--val-split",
        type=float,
        default=0.1,
        metavar="F",
        help="fraction of photos per pattern kept for validation (default 0.1)",
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--batch-size", type=int, default=128, help="soles per step (default 128)")
    p.add_argument("--workers", type=int, default=2, help="processes preparing crops (default 2)")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=WEIGHT_DECAY,
        metavar="W",
        help=f"AdamW's decoupled weight decay (default {WEIGHT_DECAY:g})",
    )
    p.add_argument(
        "--patience", type=int, default=4, help="epochs without improvement before stopping"
    )
    p.add_argument(
        "--zone-inputs",
        action="store_true",
        help="the pattern classifier also sees the seven zone levels of the network's own "
        "wear map (from scratch only; a fine-tuned model keeps its architecture)",
    )
    p.add_argument(
        "--detail",
        type=int,
        nargs="?",
        const=1,
        default=None,
        choices=(0, 1, 2),
        metavar="N",
        help="channels of tread detail a new model also sees, measured on the canonical "
        "sole before it is shrunk: 1 = how sharp the lugs still are (the default, as the "
        "shipped model), 2 = also how much they stand out from the grooves, 0 = none",
    )
    p.add_argument(
        "--members",
        type=int,
        default=None,
        metavar="N",
        help="train N networks at once, from different seeds, and ship their average "
        "(an ensemble: steadier than one network, N times the inference work, which is "
        "small next to finding the sole). Each trains in its own process on its share of "
        "the CPU threads; default 1 (from scratch only)",
    )
    p.add_argument(
        "--precision",
        metavar="{auto,fp32,bf16}",
        default="auto",
        help="arithmetic of the training steps: bf16 runs the convolutions in bfloat16, "
        "about twice as fast on CPUs with AMX or AVX-512 BF16 (emulated and slower "
        "elsewhere); fp32 in full precision; auto (default) picks bf16 where the CPU has "
        "it natively. The model is saved and run in float32 either way",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _fmt(v: float, pct: bool = False) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{100 * v:.1f}%" if pct else f"{v:.3f}"


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Let SIGTERM (a job scheduler, `kill`) stop training the way Ctrl-C does.

    The epoch states stay for --resume, an ensemble's member processes are
    stopped and its temporary copy of the soles is removed; the exit code is 130.
    """
    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    with _sigterm_as_interrupt():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.patience < 1:
        raise UsageError(f"--patience must be at least 1, got {args.patience}")
    for flag, on in (
        ("--zone-inputs", args.zone_inputs),
        ("--detail", args.detail is not None),
        ("--members", args.members is not None),
    ):
        if on and args.init_from:
            raise UsageError(f"{flag} chooses the architecture of a new model; "
                             "with --from the model's own is kept")
    from ..wear.config import DEFAULT_DETAIL, MAX_MEMBERS, ModelConfig

    if args.members is not None and not 1 <= args.members <= MAX_MEMBERS:
        raise UsageError(f"--members must be 1 to {MAX_MEMBERS}, got {args.members}")
    from ..training.train import train_model

    members = args.members or 1
    if args.init_from:  # a fine-tuned model keeps its members
        from ..training.checkpoint import load_checkpoint
        from ..training.train import resolve_weights

        members = load_checkpoint(resolve_weights(args.init_from))[1].members

    def on_epoch(s) -> None:
        who = f"member {s.member + 1}: " if members > 1 else ""
        print(
            f"{who}epoch {s.epoch}/{s.epochs}: train loss {s.train_loss:.3f} acc "
            f"{_fmt(s.train_acc, True)} | val loss {s.val_loss:.3f} acc {_fmt(s.val_acc, True)} "
            f"macro-F1 {_fmt(s.val_macro_f1)} zone MAE {_fmt(s.val_zone_mae)} "
            f"({s.seconds:.0f} s){' *' if s.best else ''}",
            file=sys.stderr,
            flush=True,
        )

    result = train_model(
        args.data_dir,
        out_dir=args.out,
        epochs=args.epochs,
        seed=args.seed,
        init_from=args.init_from,
        val_split=args.val_split,
        resume=args.resume,
        batch_size=args.batch_size,
        workers=args.workers,
        lr=args.lr,
        weight_decay=args.weight_decay,
        patience=args.patience,
        precision=args.precision,
        arch=ModelConfig(
            zone_inputs=args.zone_inputs,
            detail=DEFAULT_DETAIL if args.detail is None else args.detail,
            members=args.members or 1,
        ),
        progress=not args.quiet,
        on_epoch=on_epoch,
        recipe={"command": "shoewear train " + " ".join(sys.argv[2:])} if sys.argv else None,
    )
    m = result.config.metrics
    if result.resumed_from:
        print(f"resumed after epoch {result.resumed_from}")
    print(
        f"trained on {result.n_train} soles, validated on {result.n_val}"
        f"{' (stopped early)' if result.stopped_early else ''} in {result.seconds:.0f} s"
    )
    if "member_epochs" in m:
        epochs = ", ".join(str(e) for e in m["member_epochs"])
        head = f"{len(m['member_epochs'])} members (best epochs {epochs}), together:"
    else:
        head = f"best epoch {m.get('epoch')}:"
    print(
        f"{head} val accuracy {_fmt(m.get('val_accuracy'), True)}, "
        f"macro-F1 {_fmt(m.get('val_macro_f1'))}, zone MAE {_fmt(m.get('val_zone_mae'))}"
    )
    print(f"wrote {result.weights} and {result.onnx}")
    for line in result.problems:
        print(f"skipped: {line}")
    return 0
