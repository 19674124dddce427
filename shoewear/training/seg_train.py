"""Train the sole segmenter on synthetic photos and export it to ONNX."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..segment.config import SEG_CONFIG_KEY, SEG_INPUT_NAME, SEG_OUTPUT_NAME, SegConfig
from .onnx_export import OPSET, export_program
from .precision import autocast, memory_format, resolve_precision
from .seg_net import SoleSegNet


def _augment(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> tuple:
    """Flips, transposes and colour changes of a batch; the targets follow the geometry."""
    if torch.rand(1, generator=gen).item() < 0.5:
        x, y = x.flip(-1), y.flip(-1)
    if torch.rand(1, generator=gen).item() < 0.5:
        x, y = x.flip(-2), y.flip(-2)
    if torch.rand(1, generator=gen).item() < 0.5:
        x, y = x.transpose(-1, -2), y.transpose(-1, -2)
    b = x.shape[0]
    gain = 1.0 + 0.25 * (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1)
    bias = 0.08 * (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1)
    cast = 1.0 + 0.08 * (torch.rand(b, 3, 1, 1, generator=gen) * 2 - 1)
    grey = x.mean(1, keepdim=True)
    sat = 1.0 + 0.4 * (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1)
    x = grey + (x - grey) * sat
    x = (x * gain * cast + bias).clamp(0, 1)
    return x.contiguous(), y.contiguous()


def seg_loss(logits: torch.Tensor, sole: torch.Tensor, core: torch.Tensor) -> torch.Tensor:
    """BCE on both channels plus a soft Dice on the sole (it keeps thin rims and small soles)."""
    bce = F.binary_cross_entropy_with_logits(logits[:, 0], sole)
    bce_core = F.binary_cross_entropy_with_logits(logits[:, 1], core)
    p = torch.sigmoid(logits[:, 0])
    inter = (p * sole).sum((1, 2))
    denom = p.sum((1, 2)) + sole.sum((1, 2))
    dice = 1 - (2 * inter + 1) / (denom + 1)
    return bce + 0.5 * bce_core + 0.5 * dice.mean()


def _batch(data: dict, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(data["image"][idx]).permute(0, 3, 1, 2).float() / 255.0
    sole = torch.from_numpy(data["sole"][idx]).float() / 255.0
    core = torch.from_numpy(data["core"][idx]).float()
    return x, torch.stack([sole, core], 1)


@torch.no_grad()
def evaluate_seg(net: SoleSegNet, data: dict, *, batch_size: int = 32) -> dict:
    """Mean IoU of sole and core masks (logit > 0) against the targets, at network scale."""
    net.eval()
    device = next(net.parameters()).device
    inter = np.zeros(2)
    union = np.zeros(2)
    ious = []
    for start in range(0, len(data["image"]), batch_size):
        idx = np.arange(start, min(start + batch_size, len(data["image"])))
        x, y = _batch(data, idx)
        pred = (net(x.to(device)) > 0).cpu()
        truth = torch.stack([y[:, 0] >= 0.5, y[:, 1] >= 0.5], 1)
        i = (pred & truth).sum((2, 3)).numpy()
        u = (pred | truth).sum((2, 3)).numpy()
        inter += i.sum(0)
        union += u.sum(0)
        has = truth[:, 0].sum((1, 2)).numpy() > 0
        ious.extend((i[has, 0] / np.maximum(u[has, 0], 1)).tolist())
    return {
        "sole_iou": float(inter[0] / max(union[0], 1)),
        "core_iou": float(inter[1] / max(union[1], 1)),
        "sole_iou_median": float(np.median(ious)) if ious else 0.0,
    }


def train_segmenter(
    train: dict,
    val: dict,
    config: SegConfig,
    *,
    epochs: int = 12,
    batch_size: int = 16,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
    init: dict | None = None,
    precision: str = "auto",
    device: str = "cpu",
) -> tuple[SoleSegNet, dict]:
    """Train a `SoleSegNet` with AdamW and a one-cycle schedule.

    Parameters
    ----------
    train, val : dict
        `seg_data.make_samples` outputs.
    init : dict, optional
        A state dict to start from (fine-tuning) instead of random weights.
    precision : {"auto", "fp32", "bf16"}
        Arithmetic and memory layout of the training steps
        (`precision.resolve_precision`, `precision.memory_format`).
    device : str
        torch device of the steps (``cpu``, or ``cuda`` on a machine with a
        GPU, where ``bf16`` autocasts to bfloat16 the same way). The random
        draws are the same on every device; the arithmetic is not, so a run
        on another device gives other (equally trained) weights.

    Returns
    -------
    net : SoleSegNet
        In eval mode.
    metrics : dict
        `evaluate_seg` on `val` after the last epoch, with the seconds spent.
    """
    from tqdm import tqdm

    precision = resolve_precision(precision)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = SoleSegNet(config)
    if init is not None:
        net.load_state_dict(init)
    layout = memory_format(precision)
    net = net.to(device=device, memory_format=layout)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    n = len(train["image"])
    steps = epochs * math.ceil(n / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(n)
        bar = tqdm(range(0, n, batch_size), desc=f"epoch {epoch + 1}/{epochs}",
                   disable=not progress, leave=False)
        total = 0.0
        for k, start in enumerate(bar):
            x, y = _batch(train, np.sort(order[start : start + batch_size]))
            x, y = _augment(x, y, gen)
            x, y = x.to(device), y.to(device)
            with autocast(precision, device):  # the network only: the loss stays float32
                logits = net(x.contiguous(memory_format=layout))
            loss = seg_loss(logits.float(), y[:, 0], y[:, 1])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / (k + 1):.4f}")
        metrics = evaluate_seg(net, val)
        if progress:
            print(f"epoch {epoch + 1}/{epochs}: loss {total / max(k + 1, 1):.4f}, "
                  f"val sole IoU {metrics['sole_iou']:.4f}, core IoU {metrics['core_iou']:.4f}",
                  flush=True)
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    return net.to(device="cpu", memory_format=torch.contiguous_format).eval(), metrics


def export_segmenter(net: SoleSegNet, config: SegConfig, path: str | Path,
                     *, opset: int = OPSET) -> Path:
    """Write the segmenter as ONNX (dynamic batch, height and width), config in its metadata.

    Raises
    ------
    ModelError
        When the export fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    side = config.input_side
    return export_program(
        net.eval(), (torch.rand(2, 3, side, side),), path,
        input_names=[SEG_INPUT_NAME], output_names=[SEG_OUTPUT_NAME],
        dynamic_shapes=({0: "batch", 2: "height", 3: "width"},),
        key=SEG_CONFIG_KEY, config_json=config.to_json(), opset=opset,
    )
