"""Throughput of `shoewear synth`: photos per second for the whole command.

Usage: python benchmarks/bench_synth.py [-n 100] [--size 1024] [--workers 2] [--pairs 0]

1. Runs the CLI into a temporary folder (JPEGs, masks, labels.csv all written)
   and prints the photos per second it measured on the wall clock.
2. Generates a few photos in this process and prints the CPU time each took,
   which other work on a shared machine disturbs far less than wall time:
   first with glibc's default heap settings, then with the heap kept as the
   CLI's worker processes keep it (`shoewear.synth.dataset._keep_heap`), where
   freed image buffers are reused instead of being faulted in afresh. The
   second figure is the one that predicts the CLI.

Both figures come with the load average, so a busy machine can be told apart.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from shoewear.cli import main as cli_main


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _cpu_per_photo(generate_photo, seed: int, n: int, long_side: int) -> float:
    """Seconds of CPU per photo for photos seed + 1 .. seed + n (after one warm-up photo)."""
    generate_photo(seed, long_side=long_side, decode=False)  # warm caches
    t0 = time.process_time()
    for i in range(n):
        generate_photo(seed + 1 + i, long_side=long_side, decode=False)
    return (time.process_time() - t0) / n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=100)
    p.add_argument("--size", default="1024")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pairs", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cpu-photos", type=int, default=30, help="photos for the CPU-time figure")
    args = p.parse_args()
    load0 = _load()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set")
        start = time.perf_counter()
        rc = cli_main(["synth", out, "-n", str(args.n), "--seed", str(args.seed), "--size",
                       args.size, "--workers", str(args.workers), "--pairs", str(args.pairs),
                       "--quiet"])
        elapsed = time.perf_counter() - start
    if rc != 0:
        raise SystemExit(rc)
    print(f"CLI: {args.n} photos at --size {args.size}, {args.workers} workers, {args.pairs} "
          f"pairs: {elapsed:.1f} s wall, {args.n / elapsed:.1f} photos/s "
          f"(load average {load0:.1f} before, {_load():.1f} after)")

    import cv2

    from shoewear.commands.synth import parse_size
    from shoewear.synth import generate_photo
    from shoewear.synth.dataset import _keep_heap

    size = parse_size(args.size)
    long_side = size if isinstance(size, int) else (size[0] + size[1]) // 2
    cv2.setNumThreads(1)
    cpu_default = _cpu_per_photo(generate_photo, args.seed, args.cpu_photos, long_side)
    _keep_heap()  # as in the CLI's workers (cannot be undone, so measured second)
    cpu = _cpu_per_photo(generate_photo, args.seed, args.cpu_photos, long_side)
    print(f"in-process: {cpu * 1000:.0f} ms CPU per photo (one thread, --size {args.size}, "
          f"heap kept as in the CLI workers; {cpu_default * 1000:.0f} ms with the default heap), "
          f"i.e. at most {args.workers / cpu:.1f} photos/s on {args.workers} idle cores "
          f"before file writing (load average {_load():.1f})")


if __name__ == "__main__":
    main()
