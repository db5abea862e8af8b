"""Ranking and calibration metrics, with numpy and scipy only (no scikit-learn to install).

Labels are 1 for fake and 0 for real; scores are "probability of manipulation", higher = more fake.
Every metric returns ``None`` when it is undefined on the input (one class missing, no rows) instead of
a misleading 0 or NaN, so reports can print "-".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata


def auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve, 1 = fake always scored above real; ``None`` without both classes."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def eer(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Equal error rate: where the false-reject (fake missed) and false-accept (real flagged) rates
    cross, taken as their mean at the threshold where they are closest (ties in scores make the rates
    jump, so they rarely meet exactly). ``None`` without both classes."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    if len(np.unique(y)) < 2:
        return None
    fakes, reals = s[y == 1], s[y == 0]
    thresholds = np.append(np.unique(s), np.inf)
    false_reject = np.array([np.mean(fakes < t) for t in thresholds])
    false_accept = np.array([np.mean(reals >= t) for t in thresholds])
    closest = int(np.argmin(np.abs(false_reject - false_accept)))
    return float((false_reject[closest] + false_accept[closest]) / 2)


def roc_points(labels: Sequence[int], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray] | None:
    """False- and true-positive rates for every distinct threshold, from (0, 0) to (1, 1).

    Tied scores move both rates in one step (a diagonal segment), so the trapezoid area under these
    points equals :func:`auc`. ``None`` without both classes.
    """
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    return np.r_[0.0, fp / negatives], np.r_[0.0, tp / positives]


def ece(labels: Sequence[int], probabilities: Sequence[float], bins: int = 10) -> float | None:
    """Expected calibration error over ``bins`` equal-width bins of the predicted probability.

    The weighted mean, over bins, of |share of fakes in the bin - mean predicted probability in the bin|:
    0 when "70 %" really means 7 in 10 are fake. A probability of exactly 1 falls in the last bin.
    ``None`` without rows.
    """
    y, p = np.asarray(labels, dtype=float), np.asarray(probabilities, dtype=float)
    if len(y) == 0:
        return None
    index = np.minimum((p * bins).astype(int), bins - 1)
    gap = 0.0
    for b in np.unique(index):
        inside = index == b
        gap += inside.sum() * abs(y[inside].mean() - p[inside].mean())
    return float(gap / len(y))


def flagged(probabilities: Sequence[float], threshold: float) -> np.ndarray:
    """Which files the verdict calls "likely manipulated": strictly above ``threshold`` (the top of the
    unsure band), so "unsure" never counts as an accusation."""
    return np.asarray(probabilities, dtype=float) > threshold


def false_positive_rate(labels: Sequence[int], probabilities: Sequence[float], threshold: float) -> float | None:
    """Share of real files flagged as manipulated: the cost users feel most. ``None`` without reals."""
    y = np.asarray(labels)
    if not (y == 0).any():
        return None
    return float(flagged(probabilities, threshold)[y == 0].mean())


def accuracy(labels: Sequence[int], probabilities: Sequence[float], threshold: float) -> float | None:
    """Share of files where "flagged" (see :func:`flagged`) matches the label; ``None`` without rows."""
    y = np.asarray(labels)
    if len(y) == 0:
        return None
    return float((flagged(probabilities, threshold) == (y == 1)).mean())


def unsure_rate(probabilities: Sequence[float], band: tuple[float, float]) -> float | None:
    """Share of files whose probability lies inside the closed ``band`` (the verdict says "unsure")."""
    p = np.asarray(probabilities, dtype=float)
    if len(p) == 0:
        return None
    return float(((p >= band[0]) & (p <= band[1])).mean())
