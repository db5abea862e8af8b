"""Ranking metrics for the benchmarks; they live in :mod:`unmask.evaluation.metrics` (``unmask eval``)."""

from unmask.evaluation.metrics import auc, auc_interval, eer

__all__ = ["auc", "auc_interval", "eer"]
