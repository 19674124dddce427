"""`shoewear drills`."""

from __future__ import annotations

import argparse

from ..errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("drills", help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    raise UsageError("'drills' is not available in this version yet")
