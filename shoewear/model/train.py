"""Train the wear CNN on a data folder (torch).

`train_model` prepares the crops (cached), splits by photo stratified by
pattern, trains with augmentation and early stopping, checkpoints every
epoch to ``<out>/.train-state.safetensors`` (atomically, so ``resume=True``
picks up after an interruption) and only at the end replaces
``<out>/wear_cnn.safetensors`` and ``<out>/wear_cnn.onnx``, so a failed run
never destroys the previous model.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .. import __version__
from ..design import PATTERNS
from ..errors import ModelError, UsageError
from . import metrics
from .checkpoint import load_checkpoint, load_tensors, save_checkpoint, save_tensors
from .config import ModelConfig
from .data import SoleSet, class_counts, prepare_soles, stratified_split
from .export import export_onnx
from .net import WearNet, count_parameters, zone_levels_torch
from .precision import autocast, memory_format, resolve_precision

WEIGHTS_NAME = "wear_cnn.safetensors"
ONNX_NAME = "wear_cnn.onnx"
STATE_NAME = ".train-state.safetensors"
#: Weight of the zone-level L1 loss next to the pattern cross-entropy.
ZONE_LOSS_WEIGHT = 2.0


@dataclass(frozen=True)
class EpochStats:
    """Figures of one finished epoch."""

    epoch: int
    epochs: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    val_macro_f1: float
    val_zone_mae: float
    seconds: float
    best: bool


@dataclass
class TrainResult:
    """What `train_model` made."""

    weights: Path
    onnx: Path
    config: ModelConfig
    history: list[EpochStats]
    n_train: int
    n_val: int
    problems: list[str]
    stopped_early: bool
    resumed_from: int = 0
    seconds: float = 0.0
    export_max_diff: float = 0.0
    extras: dict = field(default_factory=dict)


def resolve_weights(path: str | Path) -> Path:
    """The safetensors file meant by `path` (a file, a folder, or an ONNX sibling)."""
    path = Path(path)
    if path.is_dir():
        path = path / WEIGHTS_NAME
    elif path.suffix == ".onnx":
        path = path.with_suffix(".safetensors")
    if not path.is_file():
        raise ModelError(f"no weights at {path}: --from needs a wear_cnn.safetensors or its folder")
    return path


def augment(
    x: torch.Tensor, weights: torch.Tensor, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomly perturb a batch of inputs the way photos differ.

    Colour (brightness, contrast, saturation, white balance), a small affine
    warp applied to image, mask and zone weights alike, blur and noise. No
    flips: medial/lateral and heel/toe are what the model must tell apart.

    Parameters
    ----------
    x : (B, C, H, W) float tensor
        RGB + mask (+ tread detail) in [0, 1]. The detail channels follow
        brightness and contrast (they are grey-level differences), the warp and
        the blur; noise goes on the colours only.
    weights : (B, 7, h, w) float tensor
        Zone weights of the wear map.
    gen : torch.Generator

    Returns
    -------
    x, weights
        Augmented copies.
    """
    b = x.shape[0]

    def u(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, *shape, generator=gen)

    rgb, alpha, fine = x[:, :3], x[:, 3:4], x[:, 4:]
    gray = rgb.mean(dim=1, keepdim=True)
    # Mild: worn rubber fades towards a dusty grey, so a sole's own contrast and
    # saturation are part of what tells light, even wear from none.
    saturation = u(0.85, 1.15, 1, 1, 1)
    # Saturation keeps the grey level, so the sole's mean grey is the mean of `gray`.
    mean = (gray * alpha).sum(dim=(1, 2, 3), keepdim=True) / (
        alpha.sum(dim=(1, 2, 3), keepdim=True) + 1e-6 / 3
    )
    contrast = u(0.85, 1.15, 1, 1, 1)
    brightness = u(0.8, 1.2, 1, 1, 1)
    gain = brightness * u(0.95, 1.05, 3, 1, 1)  # white balance
    offset = u(-0.05, 0.05, 1, 1, 1)
    # saturation, contrast, brightness, white balance and offset in one affine map:
    # gain * (mean + contrast * (gray + saturation * (rgb - gray) - mean)) + offset
    stretch = gain * contrast
    img = torch.empty_like(x)
    torch.mul(rgb, stretch * saturation, out=img[:, :3])
    img[:, :3].addcmul_(gray, stretch * (1 - saturation))
    img[:, :3].add_(gain * mean * (1 - contrast) + offset)
    img[:, 3:4] = alpha
    if fine.shape[1]:  # tread detail is a grey-level difference: it scales with both
        torch.mul(fine, contrast * brightness, out=img[:, 4:]).clamp_(0, 1)

    img, weights = random_warp(img, weights, u)

    blur = torch.nonzero(torch.rand(b, generator=gen) < 0.3).flatten()
    if len(blur):
        img[blur] = _blur3(img[blur])
    noise = torch.randn((b, 3, *img.shape[2:]), generator=gen) * u(0.0, 0.04, 1, 1, 1)
    img[:, :3].add_(noise).clamp_(0, 1)
    return img, weights


def random_warp(
    img: torch.Tensor, weights: torch.Tensor, u: Callable[..., torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """A small random affine warp (rotation, scale, aspect, shift) of a batch and its zone weights.

    `u(lo, hi)` draws one uniform value per sole; the draws are made in a fixed
    order, so the same generator gives the same warps.
    """
    angle = u(-4.0, 4.0) * math.pi / 180.0
    scale = u(0.94, 1.06)
    aspect = u(0.95, 1.05)
    tx, ty = u(-0.04, 0.04), u(-0.03, 0.03)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * aspect, -sin, tx], dim=1),
            torch.stack([sin * aspect, cos, ty], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    img = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    wgrid = F.affine_grid(theta, list(weights.shape), align_corners=False)
    weights = F.grid_sample(weights, wgrid, mode="bilinear", align_corners=False)
    return img, weights


def _blur3(img: torch.Tensor) -> torch.Tensor:
    """The 3 x 3 binomial blur ([1, 2, 1] / 4 each way), edges replicated."""
    p = F.pad(img, (1, 1, 1, 1), mode="replicate")
    rows = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]
    return (rows[..., :-2] + 2 * rows[..., 1:-1] + rows[..., 2:]) * (1 / 16)


def _batch_tensors(data: SoleSet, index: np.ndarray) -> tuple[torch.Tensor, ...]:
    x = torch.from_numpy(data.small[index]).permute(0, 3, 1, 2).float().div_(255.0)
    w = torch.from_numpy(data.weights[index].astype(np.float32))
    y = torch.from_numpy(data.labels[index])
    lv = torch.from_numpy(data.levels[index])
    return x, w, y, lv


def _loss(
    net: WearNet,
    x: torch.Tensor,
    w: torch.Tensor,
    y: torch.Tensor,
    lv: torch.Tensor,
    precision: str = "fp32",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    with autocast(precision):  # the network only: the losses stay float32
        logits, wear = net(x, w if net.config.zone_inputs else None)
    logits, wear = logits.float(), wear.float()
    ce = F.cross_entropy(logits, y, label_smoothing=0.05)
    pred_levels = zone_levels_torch(wear, w)  # (B, 7)
    known = torch.isfinite(lv) & (w.sum(dim=(2, 3)) > 0)
    if known.any():
        zone = (pred_levels[known] - lv[known]).abs().mean()
    else:
        zone = torch.zeros((), dtype=ce.dtype)
    return ce + ZONE_LOSS_WEIGHT * zone, logits, pred_levels


@torch.no_grad()
def predict_set(
    net: WearNet, data: SoleSet, *, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray, float]:
    """Run `net` on every sole of `data`.

    Returns
    -------
    probs : (N, 7) float32 ndarray
    levels : (N, 7) float32 ndarray
    loss : float
        Mean training loss (without augmentation).
    """
    net.eval()
    probs, levels, total = [], [], 0.0
    for start in range(0, len(data), batch_size):
        idx = np.arange(start, min(start + batch_size, len(data)))
        x, w, y, lv = _batch_tensors(data, idx)
        loss, logits, pred_levels = _loss(net, x, w, y, lv)
        total += float(loss) * len(idx)
        probs.append(torch.softmax(logits, dim=1).numpy())
        levels.append(pred_levels.numpy())
    return np.concatenate(probs), np.concatenate(levels), total / max(1, len(data))


def _fingerprint(data: SoleSet) -> str:
    h = hashlib.sha1()
    h.update("\n".join(data.files).encode())
    h.update(data.labels.tobytes())
    h.update(np.nan_to_num(data.levels, nan=-1.0).tobytes())
    return h.hexdigest()[:16]


def _lr_at(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def _save_state(
    path: Path,
    net: WearNet,
    best: dict[str, torch.Tensor],
    opt: torch.optim.Optimizer,
    meta: dict,
) -> None:
    tensors = {f"net.{k}": v for k, v in net.state_dict().items()}
    tensors.update({f"best.{k}": v for k, v in best.items()})
    for idx, state in opt.state_dict()["state"].items():
        for key, value in state.items():
            tensors[f"opt.{idx}.{key}"] = torch.as_tensor(value)
    save_tensors(path, tensors, {"state": json.dumps(meta)})


def _load_state(
    path: Path, net: WearNet, opt: torch.optim.Optimizer
) -> tuple[dict[str, torch.Tensor], dict]:
    tensors, meta_raw = load_tensors(path)
    meta = json.loads(meta_raw["state"])
    net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
    best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
    state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, idx, key = k.split(".", 2)
            state.setdefault(int(idx), {})[key] = v
    sd = opt.state_dict()
    sd["state"] = state
    opt.load_state_dict(sd)
    return best, meta


def train_model(
    data_dir: str | Path,
    *,
    out_dir: str | Path,
    epochs: int | None = None,
    seed: int = 0,
    init_from: str | Path | None = None,
    val_split: float = 0.1,
    resume: bool = False,
    batch_size: int = 128,
    workers: int = 2,
    lr: float | None = None,
    patience: int = 4,
    threads: int | None = None,
    precision: str = "auto",
    progress: bool = True,
    on_epoch: Callable[[EpochStats], None] | None = None,
    recipe: dict | None = None,
    arch: ModelConfig | None = None,
    soles: SoleSet | None = None,
) -> TrainResult:
    """Train (or fine-tune) the wear CNN on a data folder and export it.

    Parameters
    ----------
    data_dir : str or Path
        ImageFolder tree ``<pattern>/<photo>``, optional labels.csv.
    out_dir : str or Path
        Gets ``wear_cnn.safetensors`` and ``wear_cnn.onnx`` (replaced only at
        the end of a successful run) and the resumable training state.
    epochs : int or None
        Most epochs; None means 20 from scratch, 8 when fine-tuning.
    seed : int
        Seeds the split, the initialisation, shuffling and augmentation.
    init_from : str, Path or None
        Weights to fine-tune (a ``.safetensors`` file or its folder); the
        architecture comes from that file.
    val_split : float
        Fraction of photos per pattern held out for validation and early stopping.
    resume : bool
        Continue an interrupted run from ``<out_dir>/.train-state.safetensors``.
    batch_size, workers, lr, patience : training knobs
        ``lr`` None means 3e-3 from scratch, 1e-3 when fine-tuning; training
        stops after `patience` epochs without a better validation loss.
    threads : int or None
        torch CPU threads (None keeps torch's default).
    precision : {"auto", "fp32", "bf16"}
        Arithmetic and memory layout of the training steps
        (`precision.resolve_precision`, `precision.memory_format`).
    progress : bool
        tqdm bars on stderr.
    on_epoch : callable or None
        Called with each epoch's `EpochStats`.
    recipe : dict or None
        Extra provenance stored in the model config (e.g. the synth command).
    arch : ModelConfig or None
        Architecture and input size of a model trained from scratch (None:
        the default `ModelConfig`); ignored with `init_from`.
    soles : SoleSet or None
        Already prepared soles to train on instead of preparing `data_dir`.

    Returns
    -------
    TrainResult

    Raises
    ------
    DatasetError
        Unusable data folder.
    ModelError
        Unreadable ``init_from``, or a failed export.
    UsageError
        Bad knobs, or ``resume`` when the data changed since the interrupted run.
    """
    from tqdm import tqdm

    t_start = time.perf_counter()
    if batch_size < 2:
        raise UsageError(f"--batch-size must be at least 2, got {batch_size}")
    if not 0.0 <= val_split < 1.0:
        raise UsageError(f"--val-split must lie in [0, 1), got {val_split}")
    precision = resolve_precision(precision)
    if threads:
        torch.set_num_threads(int(threads))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / STATE_NAME

    torch.manual_seed(seed)
    if init_from is not None:
        init_path = resolve_weights(init_from)
        net, base_config = load_checkpoint(init_path)
        config = base_config.replace(metrics={}, recipe={})
    else:
        init_path = None
        config = (arch or ModelConfig()).replace(metrics={}, recipe={})
        net = WearNet(config)
    fine_tune = init_path is not None
    layout = memory_format(precision)
    net = net.to(memory_format=layout)
    epochs = int(epochs if epochs is not None else (8 if fine_tune else 20))
    if epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {epochs}")
    base_lr = float(lr if lr is not None else (1e-3 if fine_tune else 3e-3))

    data = soles
    if data is None:
        data = prepare_soles(
            data_dir,
            input_size=config.input_size,
            map_size=config.map_size,
            detail=config.detail,
            workers=workers,
            progress=progress,
        )
    train_idx, val_idx = stratified_split(data.labels, data.photo, fraction=val_split, seed=seed)
    if len(train_idx) < 2:
        raise UsageError(f"only {len(train_idx)} training soles after the split; need more photos")
    train_set, val_set = data.subset(train_idx), data.subset(val_idx)
    fingerprint = _fingerprint(data)

    opt = torch.optim.AdamW(net.parameters(), lr=base_lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total_steps = epochs * steps_per_epoch
    warmup = min(steps_per_epoch, max(1, total_steps // 20)) if not fine_tune else 1

    best = {k: v.detach().clone() for k, v in net.state_dict().items()}
    best_loss, bad_epochs, start_epoch = math.inf, 0, 0
    history: list[EpochStats] = []
    if resume and state_path.is_file():
        best, meta = _load_state(state_path, net, opt)
        if meta.get("fingerprint") != fingerprint:
            raise UsageError(
                f"{data_dir}: the data changed since the interrupted run; "
                "train again without --resume"
            )
        was = (meta.get("epochs"), meta.get("seed"), meta.get("precision", precision))
        if was != (epochs, seed, precision):
            raise UsageError(
                f"--resume needs the interrupted run's --epochs {was[0]}, --seed {was[1]} "
                f"and --precision {was[2]}"
            )
        start_epoch = int(meta["epoch"])
        best_loss, bad_epochs = float(meta["best_loss"]), int(meta["bad_epochs"])
        history = [EpochStats(**h) for h in meta["history"]]
    resumed_from = start_epoch

    stopped_early = False
    for epoch in range(start_epoch, epochs):
        if bad_epochs >= patience and len(val_set):
            stopped_early = True
            break
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(seed * 1000 + epoch)
        torch.manual_seed(seed * 1000 + epoch)
        order = torch.randperm(len(train_set), generator=gen).numpy()
        net.train()
        if fine_tune:  # few photos: keep the batch-norm statistics learnt on many
            for m in net.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.eval()
        seen, correct, loss_sum = 0, 0, 0.0
        bar = tqdm(
            total=len(order),
            desc=f"epoch {epoch + 1}/{epochs}",
            unit="sole",
            disable=not progress,
            dynamic_ncols=True,
            leave=False,
        )
        for s, start in enumerate(range(0, len(order), batch_size)):
            idx = order[start : start + batch_size]
            if len(idx) < 2:  # batch norm needs two samples
                continue
            for group in opt.param_groups:
                group["lr"] = _lr_at(epoch * steps_per_epoch + s, total_steps, base_lr, warmup)
            x, w, y, lv = _batch_tensors(train_set, idx)
            x, w = augment(x, w, gen)  # channels-first: the first convolution goes channels-last
            loss, logits, _ = _loss(net, x, w, y, lv, precision)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(idx)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += loss.item() * len(idx)
            bar.update(len(idx))
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}")
        bar.close()

        if len(val_set):
            probs, levels, val_loss = predict_set(net, val_set)
            cm = metrics.confusion_matrix(val_set.labels, probs.argmax(1), n_classes=len(PATTERNS))
            val_acc, val_f1 = metrics.accuracy(cm), metrics.macro_f1(cm)
            val_mae = metrics.zone_mae(levels, val_set.levels)
        else:
            val_loss, val_acc, val_f1, val_mae = (
                loss_sum / max(1, seen),
                math.nan,
                math.nan,
                math.nan,
            )
        improved = val_loss < best_loss - 1e-4
        if improved:
            best_loss, bad_epochs = val_loss, 0
            best = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            bad_epochs += 1
        stats = EpochStats(
            epoch=epoch + 1,
            epochs=epochs,
            train_loss=loss_sum / max(1, seen),
            train_acc=correct / max(1, seen),
            val_loss=float(val_loss),
            val_acc=val_acc,
            val_macro_f1=val_f1,
            val_zone_mae=val_mae,
            seconds=time.perf_counter() - t0,
            best=improved,
        )
        history.append(stats)
        _save_state(
            state_path,
            net,
            best,
            opt,
            {
                "epoch": epoch + 1,
                "epochs": epochs,
                "seed": seed,
                "precision": precision,
                "best_loss": best_loss,
                "bad_epochs": bad_epochs,
                "fingerprint": fingerprint,
                "history": [s.__dict__ for s in history],
            },
        )
        if on_epoch is not None:
            on_epoch(stats)

    net.load_state_dict(best)
    net = net.to(memory_format=torch.contiguous_format)
    net.eval()
    best_stats = min(history, key=lambda s: s.val_loss) if history else None
    metrics_json = {}
    if best_stats is not None:
        metrics_json = {
            "epoch": best_stats.epoch,
            "val_accuracy": _round(best_stats.val_acc),
            "val_macro_f1": _round(best_stats.val_macro_f1),
            "val_zone_mae": _round(best_stats.val_zone_mae),
            "val_loss": _round(best_stats.val_loss),
            "n_train": int(len(train_set)),
            "n_val": int(len(val_set)),
        }
    recipe_json = {
        "data": str(Path(data_dir)),
        "soles_per_class": class_counts(data.labels),
        "photos": len(data.files),
        "epochs_run": len(history),
        "epochs": epochs,
        "seed": seed,
        "val_split": val_split,
        "batch_size": batch_size,
        "lr": base_lr,
        "precision": precision,
        "fine_tuned_from": str(init_path) if init_path else None,
        "parameters": count_parameters(net),
        "shoewear_version": __version__,
        **(recipe or {}),
    }
    config = config.replace(metrics=metrics_json, recipe=recipe_json)
    net.config = config

    weights_path, onnx_path = out_dir / WEIGHTS_NAME, out_dir / ONNX_NAME
    tmp_weights = out_dir / f".{WEIGHTS_NAME}.new"
    tmp_onnx = out_dir / f".{ONNX_NAME}.new"
    try:
        save_checkpoint(tmp_weights, net, config)
        export_onnx(net, config, tmp_onnx)
        diff = _check_export(net, config, tmp_onnx, val_set if len(val_set) else train_set)
        if diff > 1e-4:
            raise ModelError(f"the ONNX export differs from the torch model by {diff:.2e}")
        os.replace(tmp_weights, weights_path)
        os.replace(tmp_onnx, onnx_path)
    finally:
        tmp_weights.unlink(missing_ok=True)
        tmp_onnx.unlink(missing_ok=True)
    state_path.unlink(missing_ok=True)
    return TrainResult(
        weights=weights_path,
        onnx=onnx_path,
        config=config,
        history=history,
        n_train=int(len(train_set)),
        n_val=int(len(val_set)),
        problems=data.problems.lines(),
        stopped_early=stopped_early,
        resumed_from=resumed_from,
        seconds=time.perf_counter() - t_start,
        export_max_diff=diff,
    )


def _round(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


def _check_export(net: WearNet, config: ModelConfig, onnx_path: Path, data: SoleSet) -> float:
    """Largest difference between torch and onnxruntime outputs on a few soles."""
    from .runtime import WearModel

    idx = np.arange(min(16, len(data)))
    model = WearModel.load(onnx_path)
    weights = data.weights[idx].astype(np.float32)
    probs, maps = model.predict(data.small[idx], weights)
    x = torch.from_numpy(data.small[idx]).permute(0, 3, 1, 2).float().div_(255.0)
    with torch.no_grad():
        logits, wear = net(x, torch.from_numpy(weights) if config.zone_inputs else None)
    return float(
        max(
            np.abs(torch.softmax(logits, 1).numpy() - probs).max(),
            np.abs(wear.numpy() - maps).max(),
        )
    )
