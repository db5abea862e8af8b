"""The calibrated fuser: a per-media-kind logistic regression over the signals' log-odds pushes.

Features. Each scored signal (status ``ok`` with a score) pushes by ``confidence x logit(score)`` (score
clipped like :mod:`unmask.fusion.logodds`): the push the rule-based fuser already uses. The model gives
each signal **two coefficients**, one for a push towards "manipulated" and one for a push towards "real",
because most detectors look for one kind of manipulation: face_blend finds no blending seam in a GAN
face because there is none, so its "nothing here" is weak evidence that the file is real while its
"found a seam" is strong evidence of a swap. One signed weight per signal cannot say that: with it,
every silent detector pushed generated faces towards real.

A signal that is not applicable, errored, only informative or did not run gives exactly 0, and the model
has **no intercept**: with no evidence the probability is exactly 0.5, and whether a signal ran can never
move the verdict by itself (an intercept would learn "the face signals usually run" and push every
faceless file). The training data is class-balanced, so a zero prior log-odds is the honest default.

Fitting (see :mod:`unmask.fusion.train`): L2-regularised towards the rule-based weight 1 (not 0), so a
signal that never fired in training keeps its rule-based push instead of being silenced; then a
temperature (Platt slope, no offset) fitted on cross-fitted (out-of-fold) scores of the fitting files is
folded into the coefficients. The unsure band is chosen on those scores too (see ``choose_band``).

Explanations stay per signal: each contribution is ``coefficient x push``, and the contributions sum
to the verdict's log-odds. A media kind without a model, or a trained signal whose version changed, falls
back to :class:`~unmask.fusion.logodds.LogOddsFuser`, and ``Verdict.method`` says why. A signal the model
was not trained on (a newly added one, or a declared-provenance signal the trainer leaves out on purpose)
contributes with the rule-based push ``weight x confidence x logit(score)``, named in the method, so
evidence is never silently dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask.fusion.logodds import LogOddsFuser, label_for
from unmask.report.model import Contribution, SignalResult, Verdict

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "fusion.json"
FORMAT = "unmask-fusion-lr/2"
_CLIP = 0.02


def _logit(p: float) -> float:
    p = min(max(p, _CLIP), 1 - _CLIP)
    return math.log(p / (1 - p))


def feature(result: SignalResult) -> float:
    """One signal's feature: its confidence-weighted log-odds, 0 when it has no score."""
    if result.status != "ok" or result.score is None:
        return 0.0
    return result.confidence * _logit(result.score)


def feature_vector(results: list[SignalResult], names: list[str]) -> list[float]:
    """The pushes of ``names`` in order; a signal missing from ``results`` gives 0."""
    by_name = {r.name: feature(r) for r in results}
    return [by_name.get(name, 0.0) for name in names]


def split_features(results: list[SignalResult], names: list[str]) -> list[float]:
    """The model's inputs: every signal's push towards manipulated (``>= 0``), then every signal's push
    towards real (``<= 0``), each in the order of ``names``; at most one of a signal's pair is non-zero."""
    pushes = feature_vector(results, names)
    return [max(x, 0.0) for x in pushes] + [min(x, 0.0) for x in pushes]


@dataclass(frozen=True)
class KindModel:
    """The fitted model of one media kind, as stored in ``fusion.json``."""

    media: str
    signals: dict[str, str]
    """Signal name -> version the model was trained on."""
    coefficients: dict[str, tuple[float, float]]
    """Per signal: (coefficient of a push towards manipulated, of a push towards real), with the
    calibration temperature already folded in."""
    band: tuple[float, float]
    trained_at: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KindModel:
        return cls(
            media=str(data["media"]),
            signals={str(k): str(v) for k, v in data["signals"].items()},
            coefficients={str(k): (float(v[0]), float(v[1])) for k, v in data["coefficients"].items()},
            band=(float(data["band"][0]), float(data["band"][1])),
            trained_at=str(data.get("trained_at", "")),
            metrics=dict(data.get("metrics", {})),
        )

    def version_mismatch(self, results: list[SignalResult]) -> str | None:
        """Why this model must not judge ``results`` (a trained signal now has another version), else None."""
        for r in results:
            trained = self.signals.get(r.name)
            if trained is not None and trained != r.version:
                return f"signal {r.name} is version {r.version}, the model was trained on {trained}"
        return None


class LearnedFuser:
    """Fuses with the per-kind calibrated model when one fits, else with the rule-based fuser."""

    name = "learned-lr-v2"

    def __init__(self, models: Mapping[str, KindModel], fallback: LogOddsFuser | None = None) -> None:
        self.models = dict(models)
        self.fallback = fallback or LogOddsFuser()

    @classmethod
    def from_file(cls, path: Path = WEIGHTS_PATH) -> LearnedFuser:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        return cls({m: KindModel.from_dict(d) for m, d in data.get("models", {}).items()})

    def fuse(self, results: list[SignalResult], weights: dict[str, float], media: str | None = None) -> Verdict:
        model = self.models.get(media or "")
        if model is None:
            return self._fall_back(results, weights, f"no learned model for {media or 'unknown'} media")
        mismatch = model.version_mismatch(results)
        if mismatch is not None:
            return self._fall_back(results, weights, mismatch)
        return self._fuse_with(model, results, weights)

    def _fuse_with(self, model: KindModel, results: list[SignalResult], weights: dict[str, float]) -> Verdict:
        contributions, untrained = [], []
        for r in results:
            x = feature(r)
            if x == 0.0:
                continue
            if r.name in model.coefficients:
                towards_fake, towards_real = model.coefficients[r.name]
                coefficient = towards_fake if x > 0 else towards_real
            else:
                coefficient = weights.get(r.name, 1.0)
                untrained.append(r.name)
            contributions.append(
                Contribution(signal=r.name, weight=round(coefficient, 4), log_odds=round(coefficient * x, 4))
            )
        total = sum(c.log_odds for c in contributions)
        probability = 1 / (1 + math.exp(-total))
        label = label_for(probability, model.band)
        method = (
            f"{self.name} ({model.media}, trained {model.trained_at}): sum of coefficient x confidence x logit(score), "
            "one coefficient for a push towards manipulated and one for a push towards real"
        )
        if untrained:
            method += f"; not in the model, rule weight used: {', '.join(sorted(untrained))}"
        return Verdict(
            probability=round(probability, 4),
            label=label,
            band=model.band,
            method=method,
            explanation=LogOddsFuser._explain(contributions, label),
            contributions=sorted(contributions, key=lambda c: -abs(c.log_odds)),
        )

    def _fall_back(self, results: list[SignalResult], weights: dict[str, float], why: str) -> Verdict:
        verdict = self.fallback.fuse(results, weights)
        return verdict.model_copy(update={"method": f"{verdict.method} (fallback: {why})"})


def load_default(path: Path = WEIGHTS_PATH) -> LearnedFuser | None:
    """The shipped learned fuser, or None when no weights file exists (or it is unreadable)."""
    if not path.is_file():
        return None
    try:
        return LearnedFuser.from_file(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
