"""Classification and zone-level figures (numpy only)."""

from __future__ import annotations

import numpy as np


def confusion_matrix(truth: np.ndarray, pred: np.ndarray, *, n_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class).

    Parameters
    ----------
    truth, pred : (N,) int ndarrays
        Class indices in ``[0, n_classes)``.
    n_classes : int

    Returns
    -------
    (n_classes, n_classes) int64 ndarray
        Row = true class, column = predicted class.
    """
    truth = np.asarray(truth, dtype=np.int64)
    pred = np.asarray(pred, dtype=np.int64)
    if truth.shape != pred.shape:
        raise ValueError(f"truth {truth.shape} and pred {pred.shape} differ in shape")
    if truth.size and (
        min(truth.min(), pred.min()) < 0 or max(truth.max(), pred.max()) >= n_classes
    ):
        raise ValueError(f"class indices must lie in [0, {n_classes})")
    return np.bincount(truth * n_classes + pred, minlength=n_classes**2).reshape(
        n_classes, n_classes
    )


def per_class_scores(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix.

    A class never predicted has precision 0; a class with no support has
    recall 0 (and F1 0), as scikit-learn's ``zero_division=0``.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (float64) and ``support`` (int64), each (K,).
    """
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support.astype(np.int64),
    }


def macro_f1(cm: np.ndarray) -> float:
    """Mean F1 over the classes that occur in the truth."""
    scores = per_class_scores(cm)
    present = scores["support"] > 0
    return float(scores["f1"][present].mean()) if present.any() else 0.0


def accuracy(cm: np.ndarray) -> float:
    """Fraction on the diagonal (0 for an empty matrix)."""
    total = cm.sum()
    return float(np.trace(cm) / total) if total else 0.0


def zone_mae(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute error over the zone levels that are known.

    Parameters
    ----------
    pred, truth : (N, 7) float ndarrays
        Zone levels; NaN in `truth` marks an unknown level.

    Returns
    -------
    float
        NaN when no level is known.
    """
    pred = np.asarray(pred, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if pred.shape != truth.shape:
        raise ValueError(f"pred {pred.shape} and truth {truth.shape} differ in shape")
    known = np.isfinite(truth)
    return float(np.abs(pred[known] - truth[known]).mean()) if known.any() else float("nan")


def map_mae(maps: np.ndarray, dense: np.ndarray) -> tuple[float, int]:
    """Mean absolute error of wear maps, cell by cell, against the true wear.

    Parameters
    ----------
    maps : (N, h, w) float ndarray
        Predicted wear per cell.
    dense : (N, 2, h, w) float ndarray
        `preprocess.dense_target`: true wear x weight, and the weight.

    Returns
    -------
    (float, int)
        The weighted MAE (NaN when no cell has a weight) and the number of
        soles with a weighted cell.
    """
    maps = np.asarray(maps, np.float64)
    dense = np.asarray(dense, np.float64)
    weight = dense[:, 1]
    n = int((weight.sum(axis=(1, 2)) > 0).sum())
    total = weight.sum()
    if not total > 0:
        return float("nan"), 0
    return float(np.abs(maps * weight - dense[:, 0]).sum() / total), n


def side_accuracy(found: np.ndarray, truth: np.ndarray) -> tuple[float, int]:
    """Fraction of soles whose found side equals a known true side.

    Returns
    -------
    accuracy : float
        NaN when no true side is known.
    n : int
        Soles with a known ("left"/"right") true side.
    """
    found = np.asarray(found)
    truth = np.asarray(truth)
    known = np.isin(truth, ["left", "right"])
    n = int(known.sum())
    return (float((found[known] == truth[known]).mean()) if n else float("nan")), n
