"""Fusion: many signal results in, one verdict out.

The pipeline calls :func:`fuse` and knows nothing about how it decides, so a calibrated, learned fuser
(issue #4) replaces the rule below by registering itself as the default, without touching any signal.
"""

from __future__ import annotations

from typing import Protocol

from unmask.fusion.logodds import LogOddsFuser
from unmask.report.model import SignalResult, Verdict


class Fuser(Protocol):
    """Anything that turns signal results into a :class:`Verdict`."""

    name: str

    def fuse(self, results: list[SignalResult], weights: dict[str, float]) -> Verdict: ...


_default: Fuser = LogOddsFuser()


def set_default_fuser(fuser: Fuser) -> None:
    """Replace the fuser the pipeline uses (e.g. with a calibrated model)."""
    global _default
    _default = fuser


def fuse(results: list[SignalResult], weights: dict[str, float] | None = None) -> Verdict:
    """The verdict for one file from the results of all signals that ran on it."""
    return _default.fuse(results, weights or {})


__all__ = ["Fuser", "LogOddsFuser", "fuse", "set_default_fuser"]
