"""Ranking and calibration metrics, with numpy and scipy only (no scikit-learn to install).

Labels are 1 for fake and 0 for real; scores are "probability of manipulation", higher = more fake.
Every metric returns ``None`` when it is undefined on the input (one class missing, no rows) instead of
a misleading 0 or NaN, so reports can print "-".

Small labelled sets give rough numbers (a dev set of 50 reals and 6 GAN faces), so AUC, ECE and AUC drops
also come with a bootstrap interval (:func:`auc_interval`, :func:`ece_interval`,
:func:`auc_drop_interval`): how far the number would move on another draw of files like these. It is
what tells a real change from two files changing places.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata


def auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve, 1 = fake always scored above real; ``None`` without both classes."""
    y = np.asarray(labels)
    if not _both_classes(y):
        return None
    return float(auc_of_rows(y, np.asarray(scores, dtype=float), _every_row(len(y)))[0])


def auc_of_rows(labels: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """:func:`auc` of every row of indices in ``rows`` at once (each row must hold both classes): the
    Mann-Whitney statistic from the ranks of each row's scores, ties sharing their mean rank."""
    y, ranks = labels[rows], rankdata(scores[rows], axis=1)
    positives = y.sum(axis=1)
    negatives = y.shape[1] - positives
    return np.asarray(
        (np.where(y == 1, ranks, 0).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)
    )


def _both_classes(labels: np.ndarray) -> bool:
    return bool(len(labels)) and 0 < int(labels.sum()) < len(labels)


def _every_row(n: int) -> np.ndarray:
    """The indices of a whole set as one row: the batched metrics applied to the set itself."""
    return np.arange(n)[None, :]


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
    return float(ece_of_rows(y, p, _every_row(len(y)), bins)[0])


def ece_of_rows(labels: np.ndarray, probabilities: np.ndarray, rows: np.ndarray, bins: int = 10) -> np.ndarray:
    """:func:`ece` of every row of indices in ``rows`` at once: per bin, |sum of labels - sum of
    probabilities| is the bin's count times its gap, so the ECE is their sum over the row's length."""
    y, p = labels[rows].astype(float), probabilities[rows]
    index = np.minimum((p * bins).astype(int), bins - 1)
    gaps = sum(np.abs(np.where(index == b, y - p, 0.0).sum(axis=1)) for b in range(bins))
    return np.asarray(gaps / rows.shape[1])


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


BOOTSTRAP_RESAMPLES = 1000
LEVEL = 0.95
Interval = tuple[float, float]


def class_resamples(labels: Sequence[int], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> np.ndarray:
    """``resamples`` x n row indices: each row of the result is one bootstrap draw in which every class is
    drawn with replacement from its own files, as many as it has. Keeping the class counts keeps every draw
    measurable (an AUC needs both classes) and measures what the set's own mix would give. Seeded, so an
    evaluation prints the same interval twice."""
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    columns = [rng.choice(rows, size=(resamples, len(rows))) for rows in (np.flatnonzero(y == c) for c in (0, 1))]
    return np.concatenate([c for c in columns if c.size], axis=1) if y.size else np.zeros((resamples, 0), int)


def percentile_interval(values: np.ndarray, level: float = LEVEL) -> Interval:
    """The central ``level`` share of ``values``: the bootstrap percentile interval."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def auc_interval(labels: Sequence[int], scores: Sequence[float]) -> Interval | None:
    """Bootstrap interval of :func:`auc`; ``None`` without both classes."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    if not _both_classes(y):
        return None
    return percentile_interval(auc_of_rows(y, s, class_resamples(labels)))


def ece_interval(labels: Sequence[int], probabilities: Sequence[float]) -> Interval | None:
    """Bootstrap interval of :func:`ece`; ``None`` without rows. ECE is biased upwards on few files (a
    bin's gap is never negative), so read the interval as how large a miss the set can tell from noise."""
    if len(labels) == 0:
        return None
    y, p = np.asarray(labels), np.asarray(probabilities, dtype=float)
    return percentile_interval(ece_of_rows(y, p, class_resamples(labels)))


def auc_drop_interval(labels: Sequence[int], before: Sequence[float], after: Sequence[float]) -> Interval | None:
    """Bootstrap interval of ``auc(before) - auc(after)`` on the same files, drawn together (paired), so
    what the two scans of a file share does not widen it; ``None`` without both classes."""
    y, b, a = np.asarray(labels), np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if not _both_classes(y):
        return None
    rows = class_resamples(labels)
    return percentile_interval(auc_of_rows(y, b, rows) - auc_of_rows(y, a, rows))
