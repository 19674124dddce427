"""Time the training augmentation against the same one written step by step.

`shoewear.training.augment.augment` fuses the colour changes into one affine map
per channel, writes straight into one output tensor and blurs with shifted
sums instead of a depthwise convolution. The baseline below is the same
augmentation written one operation at a time (the random draws are the same,
so the outputs agree to float rounding: tests/test_model_train.py checks it).
Training also takes its noise from a bank drawn once (`augment.noise_bank`)
instead of drawing fresh Gaussian noise for every batch; the third way times
that. All run on the same random batches of the shipped input (batch 128, RGB +
mask + one detail channel, 128 x 64), interleaved round by round.

    .venv/bin/python benchmarks/bench_augment.py [--rounds 9] [--batch 128] [--threads 1]

Prints the median milliseconds per batch of each and its ratio to the baseline.
Each member of an ensemble trains on one thread, so ``--threads 1`` is what
``shoewear train --members 2`` sees.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shoewear.training.augment import augment, noise_bank, random_warp  # noqa: E402


def augment_step_by_step(
    x: torch.Tensor,
    weights: torch.Tensor,
    gen: torch.Generator,
    noise: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`augment` written out one operation at a time: the baseline (and the tests' reference)."""
    b = x.shape[0]

    def u(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(b, *shape, generator=gen)

    rgb, alpha, fine = x[:, :3], x[:, 3:4], x[:, 4:]
    gray = rgb.mean(dim=1, keepdim=True)
    rgb = gray + (rgb - gray) * u(0.85, 1.15, 1, 1, 1)
    mean = (rgb * alpha).sum(dim=(1, 2, 3), keepdim=True) / (
        3 * alpha.sum(dim=(1, 2, 3), keepdim=True) + 1e-6
    )
    contrast = u(0.85, 1.15, 1, 1, 1)
    rgb = mean + (rgb - mean) * contrast
    brightness = u(0.8, 1.2, 1, 1, 1)
    rgb = rgb * brightness * u(0.95, 1.05, 3, 1, 1)
    rgb = rgb + u(-0.05, 0.05, 1, 1, 1)
    if fine.shape[1]:
        fine = (fine * (contrast * brightness)).clamp(0, 1)
    img = torch.cat([rgb, alpha, fine], dim=1)
    c = img.shape[1]
    img, weights = random_warp(img, weights, u)  # the same in both: not what is compared
    blur = torch.rand(b, generator=gen) < 0.3
    if blur.any():
        k = torch.tensor([0.25, 0.5, 0.25])
        kernel = (k[:, None] * k[None, :]).expand(c, 1, 3, 3).contiguous()
        img[blur] = F.conv2d(F.pad(img[blur], (1, 1, 1, 1), mode="replicate"), kernel, groups=c)
    if noise is None:  # fresh Gaussian noise for every batch
        field = torch.randn(img[:, :3].shape, generator=gen)
    else:  # a field of the bank per sole, with a random sign
        field = noise[torch.randint(len(noise), (b,), generator=gen)]
        field = field * (torch.randint(2, (b, 1, 1, 1), generator=gen) * 2 - 1)
    field = field * u(0.0, 0.04, 1, 1, 1)
    return torch.cat([(img[:, :3] + field).clamp(0, 1), img[:, 3:]], dim=1), weights


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    x = torch.rand(args.batch, 5, 128, 64)
    x[:, 3] = (x[:, 3] > 0.2).float()
    w = torch.rand(args.batch, 7, 32, 16)
    bank = noise_bank(torch.Generator().manual_seed(0), (3, 128, 64))
    ways = {
        "step by step (baseline)": augment_step_by_step,
        "fused, fresh noise": augment,
        "fused, noise bank (train)": lambda x, w, gen: augment(x, w, gen, bank),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for r in range(args.rounds + 1):
        for name, fn in ways.items():
            gen = torch.Generator().manual_seed(r)
            t0 = time.perf_counter()
            fn(x, w, gen)
            if r:  # the first round warms up
                times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["step by step (baseline)"])
    print(f"augmentation of a batch of {args.batch} (median of {args.rounds} rounds, "
          f"{args.threads} threads):")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"  {name:26s} {1000 * t:6.1f} ms  {t / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
