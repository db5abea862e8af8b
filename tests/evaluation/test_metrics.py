"""The evaluation metrics must be right, or every AUC, EER and calibration error we report is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from unmask.evaluation.metrics import accuracy, auc, ece, eer, false_positive_rate, roc_points, unsure_rate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def test_auc_perfect_inverted_and_tied() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert auc([1, 1], [0.2, 0.3]) is None


def test_auc_matches_pair_counting() -> None:
    labels, scores = [0, 1, 0, 1, 1, 0], [0.3, 0.6, 0.7, 0.2, 0.9, 0.1]
    pairs = [
        (p, n)
        for p, lp in zip(scores, labels, strict=True)
        if lp
        for n, ln in zip(scores, labels, strict=True)
        if not ln
    ]
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert auc(labels, scores) == pytest.approx(expected)


def test_eer() -> None:
    assert eer([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 0.0
    assert eer([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]) == 0.5


def test_eer_without_both_classes_and_with_ties() -> None:
    assert eer([], []) is None
    assert eer([1, 1], [0.2, 0.3]) is None
    # every fake tied with the lowest real, so the rates jump from (FR 0, FA 1) straight to (1, 2/3):
    # they are closest there, and the EER is their mean (worse than chance, as the scores are)
    assert eer([1, 1, 0, 0, 0], [0.45, 0.45, 0.45, 0.6, 0.7]) == pytest.approx(5 / 6)


def test_roc_points_start_at_origin_end_at_one_and_integrate_to_the_auc() -> None:
    labels, scores = [0, 1, 0, 1, 1, 0], [0.3, 0.6, 0.7, 0.2, 0.9, 0.1]
    points = roc_points(labels, scores)
    assert points is not None
    fpr, tpr = points
    # thresholds 0.9, 0.7, 0.6, 0.3, 0.2, 0.1: one file passes each time
    assert fpr.tolist() == pytest.approx([0, 0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1])
    assert tpr.tolist() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1, 1])
    assert np.trapezoid(tpr, fpr) == pytest.approx(auc(labels, scores))


def test_roc_points_take_ties_in_one_diagonal_step() -> None:
    points = roc_points([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert points is not None
    assert points[0].tolist() == [0, 1] and points[1].tolist() == [0, 1]
    assert roc_points([1, 1], [0.1, 0.2]) is None


def test_ece_by_hand() -> None:
    # bin [0.1, 0.2): two reals at 0.1 → gap 0.1; bin [0.9, 1]: a fake at 0.9 and a real at 1.0 →
    # share of fakes 0.5 vs mean probability 0.95 → gap 0.45. Weighted: (2 x 0.1 + 2 x 0.45) / 4
    assert ece([0, 0, 1, 0], [0.1, 0.1, 0.9, 1.0]) == pytest.approx(0.275)
    assert ece([0, 1], [0.0, 1.0]) == 0.0  # perfectly sure and right
    assert ece([0, 1, 0, 1], [0.55] * 4) == pytest.approx(0.05)
    assert ece([], []) is None


def test_threshold_metrics_treat_unsure_as_not_flagged() -> None:
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    probs = [0.1, 0.5, 0.7, 0.8, 0.2, 0.69, 0.71, 0.99]
    # flagged (P > 0.7): one real (0.8) and two fakes (0.71, 0.99); exactly 0.7 stays unsure
    assert false_positive_rate(labels, probs, 0.7) == pytest.approx(1 / 4)
    assert accuracy(labels, probs, 0.7) == pytest.approx((3 + 2) / 8)
    assert unsure_rate(probs, (0.3, 0.7)) == pytest.approx(3 / 8)  # 0.5, 0.7, 0.69
    assert false_positive_rate([1, 1], [0.9, 0.9], 0.7) is None
    assert accuracy([], [], 0.7) is None and unsure_rate([], (0.3, 0.7)) is None


def test_bench_still_imports_the_moved_metrics() -> None:
    from metrics import auc as bench_auc

    assert bench_auc is auc
