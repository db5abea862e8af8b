"""Forensic signals, one module each. A module registers its signal with :func:`register_signal`;
the pipeline finds it through :func:`select_signals` and never names it."""

from unmask.signals.base import AnalysisContext, Artifact, Finding, Need, Outcome, Signal
from unmask.signals.registry import get_signal, register_signal, select_signals, signal_classes

__all__ = [
    "AnalysisContext",
    "Artifact",
    "Finding",
    "Need",
    "Outcome",
    "Signal",
    "get_signal",
    "register_signal",
    "select_signals",
    "signal_classes",
]
