"""Fusion: many signal results in, one verdict out.

The pipeline calls :func:`fuse` and knows nothing about how it decides, so a calibrated, learned fuser
(issue #4) replaces the rule below by registering itself as the default, without touching any signal.
"""

from __future__ import annotations

from typing import Protocol

from unmask.fusion.learned import LearnedFuser, load_default
from unmask.fusion.logodds import LogOddsFuser
from unmask.report.model import SignalResult, Verdict


class Fuser(Protocol):
    """Anything that turns signal results into a :class:`Verdict`."""

    name: str

    def fuse(self, results: list[SignalResult], weights: dict[str, float], media: str | None = None) -> Verdict: ...


_default: Fuser = load_default() or LogOddsFuser()
"""The calibrated fuser when ``weights/fusion.json`` ships (``unmask train fusion`` writes it), else the rule."""


def set_default_fuser(fuser: Fuser) -> None:
    """Replace the fuser the pipeline uses (e.g. with a calibrated model)."""
    global _default
    _default = fuser


def default_fuser() -> Fuser:
    """The fuser :func:`fuse` uses now."""
    return _default


def fuse(results: list[SignalResult], weights: dict[str, float] | None = None, media: str | None = None) -> Verdict:
    """The verdict for one file from the results of all signals that ran on it; ``media`` (image, video,
    audio) lets a learned fuser pick the model of that kind."""
    return _default.fuse(results, weights or {}, media)


__all__ = ["Fuser", "LearnedFuser", "LogOddsFuser", "default_fuser", "fuse", "set_default_fuser"]
