"""Ranking metrics for the benchmarks: AUC (Mann-Whitney) and EER, with no scikit-learn needed."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def auc(labels: list[int], scores: list[float]) -> float | None:
    """Area under the ROC curve, 1 = fake always scored above real; ``None`` without both classes."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def eer(labels: list[int], scores: list[float]) -> float | None:
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
