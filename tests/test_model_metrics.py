import numpy as np
import pytest

from shoewear.training import metrics


def test_confusion_matrix_counts_pairs():
    cm = metrics.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], n_classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert metrics.accuracy(cm) == pytest.approx(4 / 6)


def test_confusion_matrix_rejects_bad_indices():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        metrics.confusion_matrix([0, 3], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.confusion_matrix([0, 1], [0], n_classes=3)


def test_per_class_scores_by_hand():
    cm = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    s = metrics.per_class_scores(cm)
    assert s["precision"] == pytest.approx([1 / 2, 1 / 2, 1.0])
    assert s["recall"] == pytest.approx([1 / 2, 1.0, 2 / 3])
    f1_2 = 2 * 1.0 * (2 / 3) / (1 + 2 / 3)
    assert s["f1"] == pytest.approx([0.5, 2 / 3, f1_2])
    assert metrics.macro_f1(cm) == pytest.approx((0.5 + 2 / 3 + f1_2) / 3)


def test_macro_f1_ignores_absent_classes_and_never_predicted_scores_zero():
    cm = np.array([[2, 0, 0], [1, 0, 0], [0, 0, 0]])
    s = metrics.per_class_scores(cm)
    assert s["precision"][1] == 0 and s["f1"][1] == 0
    assert metrics.macro_f1(cm) == pytest.approx((0.8 + 0.0) / 2)


def test_zone_mae_skips_unknown_levels():
    pred = np.array([[0.1, 0.5], [0.2, 0.2]])
    truth = np.array([[0.2, np.nan], [0.5, 0.2]])
    assert metrics.zone_mae(pred, truth) == pytest.approx((0.1 + 0.3 + 0.0) / 3)
    assert np.isnan(metrics.zone_mae(pred, np.full_like(pred, np.nan)))


@pytest.mark.parametrize(
    ("found", "truth", "expected", "n"),
    [
        (["left", "right", "left"], ["left", "left", "unknown"], 0.5, 2),
        (["right"], ["unknown"], float("nan"), 0),
    ],
)
def test_side_accuracy(found, truth, expected, n):
    acc, count = metrics.side_accuracy(np.array(found), np.array(truth))
    assert count == n
    assert (np.isnan(acc) and np.isnan(expected)) or acc == pytest.approx(expected)


def test_map_mae_weights_cells_and_skips_soles_without_a_field():
    maps = np.array([[[0.2, 0.5]], [[0.9, 0.9]]])  # (2 soles, 1 x 2 cells)
    dense = np.zeros((2, 2, 1, 2))
    dense[0, 1] = [1.0, 0.5]  # weights of the first sole's cells
    dense[0, 0] = np.array([0.3, 0.1]) * dense[0, 1]  # true wear x weight
    err, n = metrics.map_mae(maps, dense)  # the second sole has no field
    assert n == 1
    assert err == pytest.approx((1.0 * 0.1 + 0.5 * 0.4) / 1.5)
    assert np.isnan(metrics.map_mae(maps, np.zeros_like(dense))[0])
