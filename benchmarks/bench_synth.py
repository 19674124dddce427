"""Throughput of `shoewear synth`: photos per second for the whole command.

Usage: python benchmarks/bench_synth.py [-n 100] [--size 1024] [--workers 2] [--pairs 0]

Runs the CLI into a temporary folder (JPEGs, masks, labels.csv all written)
and prints the photos per second it measured. Other work on the machine
slows it down, so note how busy the machine was.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from shoewear.cli import main as cli_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=100)
    p.add_argument("--size", default="1024")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pairs", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set")
        start = time.perf_counter()
        rc = cli_main(["synth", out, "-n", str(args.n), "--seed", str(args.seed), "--size",
                       args.size, "--workers", str(args.workers), "--pairs", str(args.pairs),
                       "--quiet"])
        elapsed = time.perf_counter() - start
    if rc != 0:
        raise SystemExit(rc)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.n} photos at --size {args.size}, {args.workers} workers, {args.pairs} pairs: "
          f"{elapsed:.1f} s, {args.n / elapsed:.1f} photos/s (load average before end {load:.1f})")


if __name__ == "__main__":
    main()
