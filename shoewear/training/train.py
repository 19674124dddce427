"""Train the wear CNN on a data folder (torch).

`train_model` prepares the crops (cached), splits by photo stratified by
pattern, trains with augmentation and early stopping (`fit.fit`; the
members of an ensemble side by side, `members.train_members`), checkpoints
every epoch to ``<out>/.train-state.safetensors`` (atomically, so
``resume=True`` picks up after an interruption) and only at the end
replaces ``<out>/wear_cnn.safetensors`` and ``<out>/wear_cnn.onnx``, so a
failed run never destroys the previous model.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..errors import ModelError, UsageError
from ..wear.config import DEFAULT_DETAIL, WEIGHT_DECAY, ModelConfig
from .checkpoint import load_checkpoint, save_checkpoint
from .data import SoleSet, class_counts, prepare_soles, stratified_split
from .fit import DENSE_LOSS_WEIGHT, BarReport, EpochStats, Fit, fit, validate
from .onnx_export import export_onnx
from .precision import memory_format, resolve_precision
from .wear_net import WearEnsemble, WearNet, build_net, count_parameters

WEIGHTS_NAME = "wear_cnn.safetensors"
ONNX_NAME = "wear_cnn.onnx"
STATE_NAME = ".train-state.safetensors"


@dataclass
class TrainResult:
    """What `train_model` made.

    ``history`` holds every member's epochs (`EpochStats.member` tells whose).
    """

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


def _fingerprint(data: SoleSet) -> str:
    h = hashlib.sha1()
    h.update("\n".join(data.files).encode())
    h.update(data.labels.tobytes())
    h.update(np.nan_to_num(data.levels, nan=-1.0).tobytes())
    return h.hexdigest()[:16]

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
    weight_decay: float = WEIGHT_DECAY,
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
    batch_size, workers, lr, weight_decay, patience : training knobs
        ``lr`` None means 3e-3 from scratch, 1e-3 when fine-tuning;
        `weight_decay` is AdamW's decoupled decay; training stops after
        `patience` epochs without a better validation loss.
    threads : int or None
        torch CPU threads (None keeps torch's default); an ensemble's members
        train side by side in their own processes and share them out.
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
        Architecture, input size and ensemble members of a model trained from
        scratch (None: that of ``shoewear train``, `ModelConfig` with
        `config.DEFAULT_DETAIL` detail channels); ignored with `init_from`.
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
    t_start = time.perf_counter()
    if batch_size < 2:
        raise UsageError(f"--batch-size must be at least 2, got {batch_size}")
    if not 0.0 <= val_split < 1.0:
        raise UsageError(f"--val-split must lie in [0, 1), got {val_split}")
    if not 0.0 <= weight_decay < 1.0:
        raise UsageError(f"--weight-decay must lie in [0, 1), got {weight_decay}")
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
        config = (arch or ModelConfig(detail=DEFAULT_DETAIL)).replace(metrics={}, recipe={})
        net = build_net(config) if config.members == 1 else None  # members start in their own
    fine_tune = init_path is not None
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
    val_set = data.subset(val_idx)  # the training soles are copied where they are trained
    knobs = dict(
        epochs=epochs,
        seed=seed,
        base_lr=base_lr,
        weight_decay=weight_decay,
        batch_size=batch_size,
        patience=patience,
        precision=precision,
        resume=resume,
        fingerprint=_fingerprint(data),
    )
    report = BarReport(progress, on_epoch, members=config.members)
    try:
        if config.members == 1:
            net = net.to(memory_format=memory_format(precision))
            fits = [
                fit(net, data.subset(train_idx), val_set, fine_tune=fine_tune,
                    state_path=state_path, report=report, **knobs)
            ]
        else:
            from .members import train_members

            fits = train_members(
                data,
                train_idx,
                val_idx,
                config_json=config.to_json(),
                members=config.members,
                init_path=init_path,
                out_dir=out_dir,
                threads=max(1, (threads or torch.get_num_threads()) // config.members),
                report=report,
                **knobs,
            )
    finally:
        report.close()

    net = build_net(config)
    parts = [net] if config.members == 1 else list(net.members)
    for part, f in zip(parts, fits, strict=True):
        part.load_state_dict(f.best)
    net.eval()
    history = [s for f in fits for s in f.history]
    metrics_json = _metrics(net, fits, val_set, n_train=len(train_idx))
    recipe_json = {
        "data": str(Path(data_dir)),
        "soles_per_class": class_counts(data.labels),
        "photos": len(data.files),
        "epochs_run": max(len(f.history) for f in fits),
        "epochs": epochs,
        "seed": seed,
        "val_split": val_split,
        "batch_size": batch_size,
        "lr": base_lr,
        "weight_decay": weight_decay,
        # Soles with a wear field (from `shoewear synth`) also train the map cell by cell.
        "soles_with_wear_field": int((data.dense[:, 1].sum(axis=(1, 2)) > 0).sum()),
        "dense_loss_weight": DENSE_LOSS_WEIGHT,
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
        probe = val_set if len(val_set) else data.subset(train_idx[:16])
        diff = _check_export(net, config, tmp_onnx, probe)
        if diff > 1e-4:
            raise ModelError(f"the ONNX export differs from the torch model by {diff:.2e}")
        os.replace(tmp_weights, weights_path)
        os.replace(tmp_onnx, onnx_path)
    finally:
        tmp_weights.unlink(missing_ok=True)
        tmp_onnx.unlink(missing_ok=True)
    state_path.unlink(missing_ok=True)
    if config.members > 1:
        from .members import state_name

        for k in range(config.members):
            (out_dir / state_name(k)).unlink(missing_ok=True)
    return TrainResult(
        weights=weights_path,
        onnx=onnx_path,
        config=config,
        history=history,
        n_train=int(len(train_idx)),
        n_val=int(len(val_set)),
        problems=data.problems.lines(),
        stopped_early=any(f.stopped_early for f in fits),
        resumed_from=min(f.resumed_from for f in fits),
        seconds=time.perf_counter() - t_start,
        export_max_diff=diff,
    )


def _metrics(
    net: WearNet | WearEnsemble, fits: list[Fit], val_set: SoleSet, *, n_train: int
) -> dict:
    """Validation figures of the model written: the best epoch's, or the ensemble's own."""
    if not any(f.history for f in fits):
        return {}
    if len(fits) == 1:
        best = min(fits[0].history, key=lambda s: s.val_loss)
        figures = (best.val_loss, best.val_acc, best.val_macro_f1, best.val_zone_mae)
        head: dict = {"epoch": best.epoch}
    else:
        figures = validate(net, val_set) if len(val_set) else (math.nan,) * 4
        head = {
            "member_epochs": [
                min(f.history, key=lambda s: s.val_loss).epoch if f.history else None
                for f in fits
            ]
        }
    loss, acc, f1, mae = figures
    return {
        **head,
        "val_accuracy": _round(acc),
        "val_macro_f1": _round(f1),
        "val_zone_mae": _round(mae),
        "val_loss": _round(loss),
        "n_train": int(n_train),
        "n_val": int(len(val_set)),
    }


def _round(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


def _check_export(
    net: WearNet | WearEnsemble, config: ModelConfig, onnx_path: Path, data: SoleSet
) -> float:
    """Largest difference between torch and onnxruntime outputs on a few soles."""
    from ..wear.runtime import WearModel

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
