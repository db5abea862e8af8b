from __future__ import annotations

import pytest

from unmask.fusion.logodds import LogOddsFuser, label_for
from unmask.report.model import SignalResult, Verdict


def fuse(results: list[SignalResult], weights: dict[str, float] | None = None) -> Verdict:
    """The rule itself, not the default fuser (which is the learned one when its weights ship)."""
    return LogOddsFuser().fuse(results, weights or {})


def _result(name: str, score: float | None, confidence: float, status: str = "ok") -> SignalResult:
    return SignalResult(name=name, version="1", status=status, score=score, confidence=confidence, summary=name)


def test_no_evidence_is_unsure() -> None:
    verdict = fuse([_result("hashes", None, 0.0, "info")])
    assert verdict.probability == 0.5 and verdict.label == "unsure"


def test_strong_fake_evidence_wins() -> None:
    verdict = fuse([_result("metadata", 0.97, 0.9), _result("c2pa", None, 0, "info")])
    assert verdict.label == "likely manipulated" and verdict.probability > 0.9
    assert verdict.contributions[0].signal == "metadata"


def test_confidence_scales_the_push() -> None:
    weak = fuse([_result("a", 0.9, 0.1)]).probability
    strong = fuse([_result("a", 0.9, 0.9)]).probability
    assert 0.5 < weak < strong


def test_opposing_signals_cancel() -> None:
    verdict = fuse([_result("a", 0.9, 0.5), _result("b", 0.1, 0.5)])
    assert verdict.probability == pytest.approx(0.5)


def test_weights_apply() -> None:
    results = [_result("a", 0.9, 0.5)]
    assert fuse(results, {"a": 2.0}).probability > fuse(results, {"a": 1.0}).probability


def test_single_signal_is_never_certain() -> None:
    assert fuse([_result("a", 1.0, 1.0)]).probability <= 0.98 + 1e-9


def test_errors_and_not_applicable_do_not_count() -> None:
    verdict = fuse([_result("a", None, 0, "error"), _result("b", None, 0, "not_applicable")])
    assert verdict.contributions == [] and verdict.label == "unsure"


@pytest.mark.parametrize(
    ("p", "label"), [(0.1, "likely real"), (0.5, "unsure"), (0.3, "unsure"), (0.71, "likely manipulated")]
)
def test_labels(p: float, label: str) -> None:
    assert label_for(p) == label


def test_band_is_configurable() -> None:
    verdict = LogOddsFuser(band=(0.1, 0.9)).fuse([_result("a", 0.8, 1.0)], {})
    assert verdict.label == "unsure" and verdict.band == (0.1, 0.9)
