"""Pictures of model results (cv2 only)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text_size(text: str, scale: float) -> tuple[int, int]:
    (w, h), base = cv2.getTextSize(text, _FONT, scale, 1)
    return w, h + base


def confusion_image(cm: np.ndarray, classes: Sequence[str], *, cell: int = 56) -> np.ndarray:
    """Draw a confusion matrix: rows are the truth, columns the prediction.

    Cells are shaded by the row-normalised rate (recall on the diagonal) and
    show the count.

    Parameters
    ----------
    cm : (K, K) int ndarray
        Counts, row = true class, column = predicted class.
    classes : sequence of str
        K class names.
    cell : int
        Cell size in pixels.

    Returns
    -------
    (H, W, 3) uint8 ndarray
        RGB picture.
    """
    cm = np.asarray(cm)
    k = len(classes)
    if cm.shape != (k, k):
        raise ValueError(f"cm must be ({k}, {k}) for {k} classes, got {cm.shape}")
    scale = 0.45
    label_w = max(_text_size(c, scale)[0] for c in classes) + 12
    title_h = 28
    top = title_h + label_w
    left = label_w + 24
    h, w = top + k * cell + 8, left + k * cell + 8
    img = np.full((h, w, 3), 255, np.uint8)
    rows = cm.sum(axis=1, keepdims=True)
    rate = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    for i in range(k):
        for j in range(k):
            x0, y0 = left + j * cell, top + i * cell
            r = rate[i, j]
            if i == j:  # green for the right answers
                colour = (int(255 - 200 * r), int(255 - 60 * r), int(255 - 200 * r))
            else:  # red, amplified: off-diagonal rates are small
                v = min(1.0, 4.0 * r)
                colour = (255, int(255 - 200 * v), int(255 - 200 * v))
            cv2.rectangle(img, (x0, y0), (x0 + cell, y0 + cell), colour, -1)
            cv2.rectangle(img, (x0, y0), (x0 + cell, y0 + cell), (180, 180, 180), 1)
            text = str(int(cm[i, j]))
            tw, th = _text_size(text, scale)
            cv2.putText(
                img,
                text,
                (x0 + (cell - tw) // 2, y0 + (cell + th) // 2 - 3),
                _FONT,
                scale,
                (0, 0, 0),
                1,
                cv2.LINE_AA,
            )
    for i, name in enumerate(classes):
        tw, th = _text_size(name, scale)
        y = top + i * cell + (cell + th) // 2 - 3
        cv2.putText(img, name, (left - tw - 6, y), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
        # column labels are drawn on a strip and turned upright
        strip = np.full((cell, label_w, 3), 255, np.uint8)
        cv2.putText(strip, name, (4, (cell + th) // 2 - 3), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
        turned = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)
        img[title_h : title_h + label_w, left + i * cell : left + (i + 1) * cell] = turned
    cv2.putText(img, "predicted", (left, 18), _FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    side = np.full((24, k * cell, 3), 255, np.uint8)
    cv2.putText(side, "true", (4, 17), _FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    img[top : top + k * cell, 0:24] = cv2.rotate(side, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return img


def save_png(path: str, rgb: np.ndarray) -> None:
    """Write an RGB picture as PNG (raises OSError when it cannot be written)."""
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1])):
        raise OSError(f"cannot write {path}")
