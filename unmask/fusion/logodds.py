"""The rule-based fuser used until a calibrated model exists: confidence-weighted log-odds.

Each scored signal contributes ``weight x confidence x logit(score)`` (the score clipped to
[0.02, 0.98] so that no single signal is ever infinitely sure); the sum, passed through the logistic
function, is the fused probability. Signals with no lean (score 0.5) or no confidence add nothing, so a
file with no usable evidence lands at 0.5, inside the "unsure" band. This is naive Bayes with damped
likelihood ratios: simple, explainable per signal, and wrong in a known way (it double-counts correlated
signals), which is why a learned, calibrated fuser replaces it.
"""

from __future__ import annotations

import math

from unmask.report.model import Contribution, Label, SignalResult, Verdict

UNSURE_BAND = (0.3, 0.7)
_CLIP = 0.02


def _logit(p: float) -> float:
    p = min(max(p, _CLIP), 1 - _CLIP)
    return math.log(p / (1 - p))


def label_for(probability: float, band: tuple[float, float] = UNSURE_BAND) -> Label:
    if probability < band[0]:
        return "likely real"
    if probability > band[1]:
        return "likely manipulated"
    return "unsure"


class LogOddsFuser:
    name = "log-odds-v1"

    def __init__(self, band: tuple[float, float] = UNSURE_BAND) -> None:
        self.band = band

    def fuse(self, results: list[SignalResult], weights: dict[str, float], media: str | None = None) -> Verdict:
        """``media`` is accepted for the :class:`~unmask.fusion.Fuser` protocol; the rule ignores it."""
        contributions = [
            Contribution(
                signal=r.name,
                weight=weights.get(r.name, 1.0),
                log_odds=round(weights.get(r.name, 1.0) * r.confidence * _logit(r.score), 4),
            )
            for r in results
            if r.status == "ok" and r.score is not None
        ]
        total = sum(c.log_odds for c in contributions)
        probability = 1 / (1 + math.exp(-total))
        label = label_for(probability, self.band)
        return Verdict(
            probability=round(probability, 4),
            label=label,
            band=self.band,
            method=f"{self.name}: sum of weight x confidence x logit(score) over scored signals",
            explanation=self._explain(contributions, label),
            contributions=sorted(contributions, key=lambda c: -abs(c.log_odds)),
        )

    @staticmethod
    def _explain(contributions: list[Contribution], label: Label) -> str:
        active = [c for c in contributions if abs(c.log_odds) > 0.05]
        if not active:
            return "no signal found evidence either way; the verdict stays unsure"
        fake = [c.signal for c in active if c.log_odds > 0]
        real = [c.signal for c in active if c.log_odds < 0]
        parts = []
        if fake:
            parts.append("towards manipulated: " + ", ".join(fake))
        if real:
            parts.append("towards real: " + ", ".join(real))
        return f"{label}; " + "; ".join(parts)
