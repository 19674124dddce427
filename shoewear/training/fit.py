"""The epochs of one wear network (torch): steps, validation, early stopping, resumable state.

`fit` trains one `WearNet` on prepared soles. `train.train_model` calls it
once, or once per member of an ensemble in parallel processes
(`members.train_members`); what it has to say along the way (batches done,
epochs finished) goes to a `Report`, so the caller decides how progress is
shown.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from ..contract import PATTERNS
from ..errors import UsageError
from ..wear.config import WEIGHT_DECAY
from . import metrics
from .augment import augment, noise_bank
from .checkpoint import load_tensors, save_tensors
from .data import SoleSet
from .precision import autocast
from .wear_net import WearEnsemble, WearNet, zone_levels_torch

#: Weight of the zone-level L1 loss next to the pattern cross-entropy.
ZONE_LOSS_WEIGHT = 2.0
#: Weight of the cell-by-cell L1 loss of the wear map, where the data has wear fields.
DENSE_LOSS_WEIGHT = 2.0


@dataclass(frozen=True)
class EpochStats:
    """Figures of one finished epoch (of ensemble member `member`)."""

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
    member: int = 0


@dataclass
class Fit:
    """What `fit` made: the best weights and how the epochs went."""

    best: dict[str, torch.Tensor]
    history: list[EpochStats]
    stopped_early: bool
    resumed_from: int


class Report(Protocol):
    """Where `fit` tells its progress."""

    def start(self, member: int, epoch: int, epochs: int, total: int) -> None:
        """An epoch of `total` training soles begins."""

    def advance(self, member: int, n: int, loss: float, acc: float) -> None:
        """`n` more soles done; running mean loss and accuracy of the epoch."""

    def end(self, member: int) -> None:
        """The epoch's training steps are done."""

    def epoch(self, stats: EpochStats) -> None:
        """The epoch is validated and its state saved."""


def batch_tensors(data: SoleSet, index: np.ndarray) -> tuple[torch.Tensor, ...]:
    """Inputs (float, [0, 1]), zone weights, labels, zone levels and dense wear targets.

    The zone weights and the dense targets come as one (B, 9, h, w) tensor
    of maps (7 zone weights, then wear x weight and weight), so that
    `augment` warps them together.
    """
    x = torch.from_numpy(data.small[index]).permute(0, 3, 1, 2).float().div_(255.0)
    maps = np.concatenate([data.weights[index], data.dense[index]], axis=1)
    m = torch.from_numpy(maps.astype(np.float32))
    y = torch.from_numpy(data.labels[index])
    lv = torch.from_numpy(data.levels[index])
    return x, m, y, lv


def step_loss(
    net: WearNet | WearEnsemble,
    x: torch.Tensor,
    maps: torch.Tensor,
    y: torch.Tensor,
    lv: torch.Tensor,
    precision: str = "fp32",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pattern cross-entropy plus weighted zone-level and cell-level L1.

    `maps` is `batch_tensors`' (B, 9, h, w): zone weights, then the dense
    wear target as (wear x weight, weight); cells of weight 0 (soles
    without a wear field) add nothing. Also returns the logits and zone levels.
    """
    w, dense = maps[:, :7], maps[:, 7:]
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
    loss = ce + ZONE_LOSS_WEIGHT * zone
    cell_w = dense[:, 1]
    total_w = cell_w.sum()
    if total_w > 0:  # |wear - target| x weight = |wear x weight - (wear x weight target)|
        cells = (wear * cell_w - dense[:, 0]).abs().sum() / total_w
        loss = loss + DENSE_LOSS_WEIGHT * cells
    return loss, logits, pred_levels


@torch.no_grad()
def predict_set(
    net: WearNet | WearEnsemble, data: SoleSet, *, batch_size: int = 256
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
        x, maps, y, lv = batch_tensors(data, idx)
        loss, logits, pred_levels = step_loss(net, x, maps, y, lv)
        total += float(loss) * len(idx)
        probs.append(torch.softmax(logits, dim=1).numpy())
        levels.append(pred_levels.numpy())
    return np.concatenate(probs), np.concatenate(levels), total / max(1, len(data))


def validate(net: WearNet | WearEnsemble, val_set: SoleSet) -> tuple[float, float, float, float]:
    """Loss, accuracy, macro-F1 and zone MAE of `net` on `val_set`."""
    probs, levels, val_loss = predict_set(net, val_set)
    cm = metrics.confusion_matrix(val_set.labels, probs.argmax(1), n_classes=len(PATTERNS))
    return (
        val_loss,
        metrics.accuracy(cm),
        metrics.macro_f1(cm),
        metrics.zone_mae(levels, val_set.levels),
    )


def lr_at(step: int, total: int, base: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to 2% of `base`."""
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


def read_state_meta(path: Path) -> dict:
    """The bookkeeping (epoch, knobs, history) of a training state file."""
    _, meta_raw = load_tensors(path)
    return json.loads(meta_raw["state"])


def check_state(
    meta: dict,
    *,
    fingerprint: str,
    epochs: int,
    seed: int,
    precision: str,
    base_lr: float,
    weight_decay: float,
) -> None:
    """Refuse to resume a state written for other data or other knobs.

    A state from before the learning rate and weight decay were recorded is
    taken to have had the ones asked for now.

    Raises
    ------
    UsageError
    """
    if meta.get("fingerprint") != fingerprint:
        raise UsageError("the data changed since the interrupted run; train again without resuming")
    was = (
        meta.get("epochs"),
        meta.get("seed"),
        meta.get("precision", precision),
        meta.get("lr", base_lr),
        meta.get("weight_decay", weight_decay),
    )
    if was != (epochs, seed, precision, base_lr, weight_decay):
        raise UsageError(
            f"resuming needs the interrupted run's epochs {was[0]}, seed {was[1]}, "
            f"precision {was[2]}, lr {was[3]:g} and weight_decay {was[4]:g}"
        )


def fit(
    net: WearNet,
    train_set: SoleSet,
    val_set: SoleSet,
    *,
    epochs: int,
    seed: int,
    base_lr: float,
    fine_tune: bool,
    batch_size: int,
    patience: int,
    precision: str,
    state_path: Path,
    resume: bool,
    fingerprint: str,
    report: Report,
    member: int = 0,
    weight_decay: float = WEIGHT_DECAY,
) -> Fit:
    """Train `net` in place for up to `epochs` epochs and return its best weights.

    Member ``k`` of an ensemble draws its shuffling and augmentation from
    seed ``seed + k`` (member 0 trains as a single network would). The state
    (weights, best weights, optimiser, history) is written atomically to
    `state_path` after every epoch; with `resume` an existing state is picked
    up, provided `fingerprint`, `epochs`, `seed`, `precision`, `base_lr` and
    `weight_decay` match (`check_state`).

    `weight_decay` is AdamW's decoupled decay, on every parameter.

    Raises
    ------
    UsageError
        ``resume`` with a state from other data or other knobs.
    """
    opt = torch.optim.AdamW(net.parameters(), lr=base_lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total_steps = epochs * steps_per_epoch
    warmup = min(steps_per_epoch, max(1, total_steps // 20)) if not fine_tune else 1
    draw_seed = seed + member
    # photo noise comes from a bank drawn once (the same again on --resume)
    noise = noise_bank(torch.Generator().manual_seed(draw_seed), (3, *net.config.input_size))

    best = {k: v.detach().clone() for k, v in net.state_dict().items()}
    best_loss, bad_epochs, start_epoch = math.inf, 0, 0
    history: list[EpochStats] = []
    if resume and state_path.is_file():
        best, meta = _load_state(state_path, net, opt)
        check_state(meta, fingerprint=fingerprint, epochs=epochs, seed=seed, precision=precision,
                    base_lr=base_lr, weight_decay=weight_decay)
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
        gen = torch.Generator().manual_seed(draw_seed * 1000 + epoch)
        torch.manual_seed(draw_seed * 1000 + epoch)
        order = torch.randperm(len(train_set), generator=gen).numpy()
        net.train()
        if fine_tune:  # few photos: keep the batch-norm statistics learnt on many
            for m in net.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.eval()
        seen, correct, loss_sum = 0, 0, 0.0
        report.start(member, epoch + 1, epochs, len(order))
        for s, start in enumerate(range(0, len(order), batch_size)):
            idx = order[start : start + batch_size]
            if len(idx) < 2:  # batch norm needs two samples
                continue
            for group in opt.param_groups:
                group["lr"] = lr_at(epoch * steps_per_epoch + s, total_steps, base_lr, warmup)
            x, maps, y, lv = batch_tensors(train_set, idx)
            # channels-first: the first convolution goes channels-last
            x, maps = augment(x, maps, gen, noise)
            loss, logits, _ = step_loss(net, x, maps, y, lv, precision)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(idx)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += loss.item() * len(idx)
            report.advance(member, len(idx), loss_sum / seen, correct / seen)
        report.end(member)

        if len(val_set):
            val_loss, val_acc, val_f1, val_mae = validate(net, val_set)
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
            member=member,
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
                "lr": base_lr,
                "weight_decay": weight_decay,
                "best_loss": best_loss,
                "bad_epochs": bad_epochs,
                "fingerprint": fingerprint,
                "history": [s.__dict__ for s in history],
            },
        )
        report.epoch(stats)
    return Fit(best=best, history=history, stopped_early=stopped_early, resumed_from=resumed_from)


class BarReport:
    """A `Report` drawing one tqdm bar per member on stderr and passing epochs on."""

    def __init__(self, progress: bool, on_epoch=None, members: int = 1) -> None:
        self.progress = progress
        self.on_epoch = on_epoch
        self.members = members
        self.bars: dict[int, object] = {}

    def start(self, member: int, epoch: int, epochs: int, total: int) -> None:
        from tqdm import tqdm

        who = f"member {member + 1}/{self.members} " if self.members > 1 else ""
        self.bars[member] = tqdm(
            total=total,
            desc=f"{who}epoch {epoch}/{epochs}",
            unit="sole",
            disable=not self.progress,
            dynamic_ncols=True,
            leave=False,
            position=member,
        )

    def advance(self, member: int, n: int, loss: float, acc: float) -> None:
        bar = self.bars.get(member)
        if bar is not None:
            bar.update(n)
            bar.set_postfix(loss=f"{loss:.3f}", acc=f"{acc:.3f}")

    def end(self, member: int) -> None:
        bar = self.bars.pop(member, None)
        if bar is not None:
            bar.close()

    def epoch(self, stats: EpochStats) -> None:
        if self.on_epoch is not None:
            self.on_epoch(stats)

    def close(self) -> None:
        """Close bars left open (an interrupted run)."""
        for member in list(self.bars):
            self.end(member)
