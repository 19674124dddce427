"""`shoewear train`."""

from __future__ import annotations

import argparse

from ..errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("train", help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    raise UsageError("'train' is not available in this version yet")
