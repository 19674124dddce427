"""The `shoewear` command: a thin layer over the library.

Each verb lives in `shoewear/commands/<verb>.py` with two functions,
``add_parser(subparsers)`` and ``run(args) -> int``. Command modules import
nothing heavy at module level, so `shoewear --help` and every error path
stay fast and never import torch.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import ShoewearError

#: Verbs in the order `--help` lists them.
VERBS: tuple[str, ...] = ("analyze", "drills", "synth", "train", "evaluate", "train-segmenter")

EPILOG = """\
examples:
  shoewear analyze sole.jpg                 read one photo, print a report
  shoewear analyze pair.jpg --json          JSON Lines, one object per photo
  shoewear analyze photos/ --overlay out/   a folder; draw what was found
  shoewear drills heel_lateral              drills for a wear pattern
  shoewear synth data/ -n 2000 --seed 1     make a labelled synthetic set
  shoewear train data/ --out mymodel/       retrain the wear model
  shoewear evaluate test/ --model mymodel/  measure a model

exit codes: 0 all photos analysed, 1 some photo could not be, 2 usage error.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as DESIGN.md asks
        self.exit(2, f"shoewear: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shoewear",
        description="Read a running shoe's outsole wear from a photo: where each zone is worn, "
        "which wear pattern that makes, what it may say about running form, and drills to try. "
        "Wear is a hint, not a diagnosis.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shoewear {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", parser_class=_Parser)
    for verb in VERBS:
        module = importlib.import_module(f".commands.{verb.replace('-', '_')}", __package__)
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return 2
    module = importlib.import_module(f".commands.{args.verb.replace('-', '_')}", __package__)
    try:
        return int(module.run(args))
    except ShoewearError as exc:
        print(f"shoewear: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("shoewear: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`shoewear drills | head`): stop quietly, as
        # POSIX tools do, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:  # the disk or file system failed (full, read-only, gone): one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"shoewear: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
