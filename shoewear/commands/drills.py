"""`shoewear drills`: list drills and strength work, all or for one wear pattern."""

from __future__ import annotations

import argparse
import json
import textwrap

from ..contract import PATTERNS
from ..errors import UsageError

#: What PATTERN may be: a wear pattern or a left/right difference.
CHOICES: tuple[str, ...] = (*PATTERNS, "asymmetry")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drills",
        help="drills and strength work, all or for one wear pattern",
        description="List drills, strength exercises and habits with how to do them and how "
        "much. Give a wear pattern to see only the ones linked to it, strongest evidence "
        "first. Wear is a hint, not a diagnosis.",
        epilog=f"patterns: {', '.join(CHOICES)}",
    )
    p.add_argument(
        "pattern",
        nargs="?",
        metavar="PATTERN",
        help="a wear pattern (see below); leave out for every drill",
    )
    p.add_argument(
        "--kind",
        choices=("drill", "strength", "habit"),
        help="only this kind of entry",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of text")


def run(args: argparse.Namespace) -> int:
    from ..advice import drills_for
    from ..knowledge import load_knowledge

    if args.pattern is not None and args.pattern not in CHOICES:
        raise UsageError(
            f"unknown wear pattern {args.pattern!r}; choose one of: {', '.join(CHOICES)}"
        )
    knowledge = load_knowledge()
    drills = drills_for(args.pattern, knowledge=knowledge)
    if args.kind:
        drills = [d for d in drills if d.kind == args.kind]
    if args.json:
        rows = [
            {
                "id": d.id,
                "name": d.name,
                "kind": d.kind,
                "how": d.how,
                "dose": d.dose,
                "trains": d.trains,
            }
            for d in drills
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if args.pattern is None:
        title = "All drills, strength work and habits"
    elif args.pattern == "asymmetry":
        title = "For a left/right difference in wear"
    else:
        title = f"For the '{args.pattern}' wear pattern"
    print(title + (f" ({args.kind} only)" if args.kind else "") + ":")
    if not drills:
        note = (
            knowledge.patterns[args.pattern].reassurance
            if args.pattern in knowledge.patterns
            else "nothing listed"
        )
        print(textwrap.fill(note, width=78, initial_indent="  ", subsequent_indent="  "))
        return 0
    for d in drills:
        print()
        print(f"  {d.name}  [{d.kind}]")
        for label, text in (("how", d.how), ("dose", d.dose), ("trains", d.trains)):
            print(
                textwrap.fill(
                    text,
                    width=78,
                    initial_indent=f"    {label + ':':<8}",
                    subsequent_indent=" " * 12,
                )
            )
    return 0
