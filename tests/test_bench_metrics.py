"""The benchmark's metrics must be right, or every AUC we report is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from metrics import auc, eer


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
