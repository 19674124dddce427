"""Time one training step of the wear CNN in each memory layout and precision.

A step is what `shoewear train` does per batch: the forward pass, the
losses, the backward pass and the optimiser update, on random inputs of the
shipped architecture (batch 128, 2 threads). Four ways are timed,
interleaved round by round so that load from outside hits them alike:

- float32, channels-first batches (the baseline);
- float32, channels-last network and batches;
- bfloat16 convolutions, channels-first;
- bfloat16 convolutions, channels-last (what ``--precision auto`` trains
  with on CPUs with native bfloat16).

    .venv/bin/python benchmarks/bench_train_step.py [--rounds 7] [--steps 4]

Prints the median milliseconds per step of each and its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shoewear.training.fit import step_loss  # noqa: E402
from shoewear.training.precision import native_bf16  # noqa: E402
from shoewear.training.wear_net import WearNet  # noqa: E402
from shoewear.wear.config import DEFAULT_DETAIL, ModelConfig  # noqa: E402

WAYS = [("fp32", False), ("fp32", True), ("bf16", False), ("bf16", True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--steps", type=int, default=4, help="steps per round (default 4)")
    parser.add_argument("--batch", type=int, default=128, help="soles per step (default 128)")
    args = parser.parse_args(argv)

    torch.set_num_threads(2)
    torch.manual_seed(0)
    config = ModelConfig(detail=DEFAULT_DETAIL)
    h, w = config.input_size
    mh, mw = config.map_size
    x = torch.rand(args.batch, config.channels, h, w)
    # The maps of `fit.batch_tensors`: zone weights, then the dense wear target and its weight.
    zones = torch.zeros(args.batch, len(config.zones) + 2, mh, mw)
    zones[:, :-2, mh // 8 : -mh // 8, mw // 8 : -mw // 8] = 1.0 / len(config.zones)
    zones[:, -1] = zones[:, :-2].sum(dim=1)
    zones[:, -2] = torch.rand(mh, mw) * zones[:, -1]
    y = torch.arange(args.batch) % len(config.classes)
    levels = torch.rand(args.batch, len(config.zones))
    nets = {}
    for precision, last in WAYS:
        torch.manual_seed(0)
        net = WearNet(config)
        fmt = torch.channels_last if last else torch.contiguous_format
        nets[precision, last] = (
            net.to(memory_format=fmt).train(),
            torch.optim.AdamW(net.parameters(), lr=1e-3),
            x.contiguous(memory_format=fmt),
        )

    def step(way: tuple[str, bool]) -> None:
        net, opt, batch = nets[way]
        loss, _, _ = step_loss(net, batch, zones, y, levels, way[0])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for way in WAYS:  # warm-up: first calls pick kernels
        for _ in range(2):
            step(way)
    times: dict[tuple[str, bool], list[float]] = {way: [] for way in WAYS}
    for _ in range(args.rounds):
        for way in WAYS:
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step(way)
            times[way].append((time.perf_counter() - t0) / args.steps)

    print(f"training step, batch {args.batch}, {torch.get_num_threads()} threads, "
          f"native bfloat16 on this CPU: {'yes' if native_bf16() else 'no'}; "
          f"median of {args.rounds} rounds of {args.steps} steps")
    base = statistics.median(times[WAYS[0]])
    for way in WAYS:
        ms = statistics.median(times[way])
        layout = "channels-last " if way[1] else "channels-first"
        print(f"  {way[0]} {layout}: {ms * 1000:6.0f} ms per step = {ms / base:.2f}× baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
