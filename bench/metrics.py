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
    """Equal error rate: where the false-accept and false-reject rates cross."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    if y.min(initial=1) == y.max(initial=0):
        return None
    best = 1.0
    for threshold in np.unique(s):
        false_reject = float(np.mean(s[y == 1] < threshold))
        false_accept = float(np.mean(s[y == 0] >= threshold))
        best = min(best, max(false_reject, false_accept))
    return best
