"""Measure a wear model on a labelled data folder (onnxruntime, no torch)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..contract import PATTERNS, ZONES
from ..wear.preprocess import zone_levels
from ..wear.runtime import WearModel
from . import metrics
from .data import prepare_soles


@dataclass(frozen=True)
class EvalResult:
    """Figures of a model on a data folder.

    Attributes
    ----------
    model : str
        The model file measured.
    n_photos, n_soles : int
        Photos in the folder and labelled soles found and matched.
    n_missed : int
        Labelled soles (rows with boxes) the pipeline did not find.
    accuracy, macro_f1 : float
        Pattern accuracy and mean F1 over the present classes.
    per_class : dict
        Pattern -> {"precision", "recall", "f1", "support"}.
    confusion : (7, 7) int ndarray
        Row = true pattern, column = predicted.
    zone_mae : float
        Mean absolute error of the zone levels (NaN without labels.csv levels).
    zone_mae_per_zone : dict
        Zone -> MAE.
    map_mae : float
        Mean absolute error of the wear map cell by cell, on soles whose
        photo has a wear field (`shoewear synth` writes them); NaN without.
    n_map : int
        Soles with a wear field.
    side_accuracy : float
        Found side vs labels.csv side (NaN when no side is known).
    n_side : int
        Soles with a known side.
    problems : list of str
        What was skipped in the folder.
    """

    model: str
    n_photos: int
    n_soles: int
    n_missed: int
    accuracy: float
    macro_f1: float
    per_class: dict
    confusion: np.ndarray
    zone_mae: float
    zone_mae_per_zone: dict
    side_accuracy: float
    n_side: int
    map_mae: float = float("nan")
    n_map: int = 0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain JSON-ready dict (NaN becomes null)."""
        return {
            "model": self.model,
            "photos": self.n_photos,
            "soles": self.n_soles,
            "soles_missed": self.n_missed,
            "accuracy": _num(self.accuracy),
            "macro_f1": _num(self.macro_f1),
            "per_class": {
                k: {m: _num(v) if m != "support" else int(v) for m, v in d.items()}
                for k, d in self.per_class.items()
            },
            "confusion": {"classes": list(PATTERNS), "matrix": self.confusion.tolist()},
            "zone_mae": _num(self.zone_mae),
            "zone_mae_per_zone": {k: _num(v) for k, v in self.zone_mae_per_zone.items()},
            "map_mae": _num(self.map_mae),
            "map_soles": self.n_map,
            "side_accuracy": _num(self.side_accuracy),
            "side_soles": self.n_side,
            "problems": self.problems,
        }

    def to_text(self) -> str:
        """A human report: headline figures, per-class table, confusion matrix."""
        lines = [
            f"model      {self.model}",
            f"photos     {self.n_photos}   soles {self.n_soles}   missed {self.n_missed}",
            f"accuracy   {_pct(self.accuracy)}   macro-F1 {_fmt(self.macro_f1)}",
            f"zone MAE   {_fmt(self.zone_mae)}   side accuracy {_pct(self.side_accuracy)}"
            f" ({self.n_side} soles with a known side)",
            *([f"map MAE    {_fmt(self.map_mae)}   (cell by cell, {self.n_map} soles with a"
               " wear field)"] if self.n_map else []),
            "",
            f"{'pattern':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>7}",
        ]
        for name, d in self.per_class.items():
            lines.append(
                f"{name:<14}{_fmt(d['precision']):>10}{_fmt(d['recall']):>8}"
                f"{_fmt(d['f1']):>7}{d['support']:>7}"
            )
        short = [p[:6] for p in PATTERNS]
        lines += [
            "",
            "confusion (rows true, columns predicted)",
            " " * 14 + "".join(f"{s:>7}" for s in short),
        ]
        for name, row in zip(PATTERNS, self.confusion, strict=True):
            lines.append(f"{name:<14}" + "".join(f"{int(v):>7}" for v in row))
        lines += [f"skipped: {p}" for p in self.problems]
        return "\n".join(lines)


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


def _fmt(v: float) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.3f}"


def _pct(v: float) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def evaluate_model(
    data_dir: str | Path,
    *,
    model: WearModel | None = None,
    model_path: str | Path | None = None,
    workers: int = 2,
    progress: bool = True,
) -> EvalResult:
    """Run a model on every labelled sole of a data folder and score it.

    Parameters
    ----------
    data_dir : str or Path
        ImageFolder tree with optional labels.csv (as for training).
    model : WearModel or None
        An open model; else `model_path` is loaded (None: the shipped model).
    model_path : str, Path or None
    workers : int
        Processes preparing uncached crops.
    progress : bool
        tqdm bar while preparing crops.

    Returns
    -------
    EvalResult

    Raises
    ------
    DatasetError, ModelError
    """
    if model is None:
        model = WearModel.load(model_path)
    data = prepare_soles(
        data_dir,
        input_size=model.config.input_size,
        map_size=model.config.map_size,
        detail=model.config.detail,
        workers=workers,
        progress=progress,
    )
    weights = data.weights.astype(np.float32)
    probs, maps = model.predict(data.small, weights)
    levels = zone_levels(maps, weights)
    pred = probs.argmax(axis=1)
    cm = metrics.confusion_matrix(data.labels, pred, n_classes=len(PATTERNS))
    scores = metrics.per_class_scores(cm)
    per_class = {
        name: {k: (float(scores[k][i]) if k != "support" else int(scores[k][i])) for k in scores}
        for i, name in enumerate(PATTERNS)
    }
    per_zone = {
        name: metrics.zone_mae(levels[:, i : i + 1], data.levels[:, i : i + 1])
        for i, name in enumerate(ZONES)
    }
    side_acc, n_side = metrics.side_accuracy(data.side_found, data.side_true)
    map_err, n_map = metrics.map_mae(maps, data.dense)
    return EvalResult(
        model=str(model.path),
        n_photos=len(data.files),
        n_soles=len(data),
        n_missed=data.problems.missed,
        accuracy=metrics.accuracy(cm),
        macro_f1=metrics.macro_f1(cm),
        per_class=per_class,
        confusion=cm,
        zone_mae=metrics.zone_mae(levels, data.levels),
        zone_mae_per_zone=per_zone,
        side_accuracy=side_acc,
        n_side=n_side,
        map_mae=map_err,
        n_map=n_map,
        problems=data.problems.lines(),
    )
