"""The evaluation metrics must be right, or every AUC, EER and calibration error we report is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from unmask.evaluation.metrics import (
    accuracy,
    auc,
    auc_drop_interval,
    auc_interval,
    auc_of_rows,
    class_resamples,
    ece,
    ece_interval,
    ece_of_rows,
    eer,
    false_positive_rate,
    roc_points,
    unsure_rate,
)

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


def _noisy_set(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores where fakes score higher on average (AUC about 0.76), with many ties broken."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)


def test_resamples_keep_each_class_and_its_count() -> None:
    y = np.array([0] * 7 + [1] * 3)
    rows = class_resamples(y, resamples=200, seed=1)
    assert rows.shape == (200, 10) and (y[rows].sum(axis=1) == 3).all()
    assert (rows == class_resamples(y, resamples=200, seed=1)).all()
    assert set(rows[:, :7].ravel()) <= set(range(7)) and len(set(rows[:, :7].ravel())) == 7  # drawn with replacement


def test_batched_auc_and_ece_equal_the_one_at_a_time_metrics() -> None:
    y, s = _noisy_set(120, 3)
    rows = class_resamples(y, resamples=40)
    assert auc_of_rows(y, s, rows) == pytest.approx([auc(y[r], s[r]) for r in rows])
    assert ece_of_rows(y, s, rows) == pytest.approx([ece(y[r], s[r]) for r in rows])


def test_intervals_hold_the_estimate_and_narrow_with_more_files() -> None:
    small, large = _noisy_set(60, 0), _noisy_set(3000, 0)
    low, high = auc_interval(*small) or (0, 0)
    assert low < (auc(*small) or 0) < high and high - low > 0.15
    low_large, high_large = auc_interval(*large) or (0, 0)
    assert low_large < (auc(*large) or 0) < high_large and high_large - low_large < 0.05
    assert auc_interval(*small) == auc_interval(*small)  # seeded: the same interval twice
    assert auc_interval([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == (1.0, 1.0)
    assert auc_interval([1, 1], [0.2, 0.3]) is None and ece_interval([], []) is None


def test_ece_interval_tells_an_overconfident_detector_from_a_calibrated_one() -> None:
    """200 files. One detector says 0.8-1.0 for files of which half are fake (ECE about 0.4); the other's
    probabilities come true as often as they say. The two intervals do not meet."""
    rng = np.random.default_rng(7)
    y = np.array([0, 1] * 100)
    overconfident = rng.uniform(0.8, 1.0, 200)
    low, high = ece_interval(y, overconfident) or (0, 0)
    assert 0.3 < low < (ece(y, overconfident) or 0) < high < 0.5
    calibrated = rng.uniform(0, 1, 200)
    outcomes = (rng.random(200) < calibrated).astype(int)
    assert (ece_interval(outcomes, calibrated) or (1, 1))[1] < low


def test_a_paired_drop_interval_separates_a_real_loss_from_none() -> None:
    y, before = _noisy_set(200, 5)
    assert auc_drop_interval(y, before, before) == (0.0, 0.0)
    rng = np.random.default_rng(6)
    blurred = 0.3 * before + 0.7 * rng.random(200)  # most of the evidence gone
    low, high = auc_drop_interval(y, before, blurred) or (0, 0)
    drop = (auc(y, before) or 0) - (auc(y, blurred) or 0)
    assert 0 < low < drop < high
    assert auc_drop_interval([1, 1], [0.1, 0.2], [0.2, 0.1]) is None


def test_bench_still_imports_the_moved_metrics() -> None:
    from metrics import auc as bench_auc

    assert bench_auc is auc
