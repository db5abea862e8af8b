"""The GAN-fingerprint signal: the shipped model scores up-sampled copies of a photograph it never saw
above the photograph itself, the signal reports findings and a heatmap, and tiny pictures are not judged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask.media import decode
from unmask.models.gan_runtime import GAN_FINGERPRINT, patch_probabilities
from unmask.models.gan_spec import cut, grid_boxes
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.gan_fingerprint import MAX_CONFIDENCE, gan_confidence

needs_weights = pytest.mark.skipif(not GAN_FINGERPRINT.available(), reason="gan_fingerprint.onnx is not installed")


def _score(pixels: np.ndarray) -> float:
    return float(patch_probabilities(cut(pixels, grid_boxes(pixels.shape[1], pixels.shape[0], 24))).mean())


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """scikit-image's coffee cup: a real photograph, not a face, never in the training data."""
    from skimage import data

    return np.ascontiguousarray(np.asarray(data.coffee(), dtype=np.uint8))


@needs_weights
@pytest.mark.parametrize("method", ["nearest", "tconv"])
def test_up_sampled_copy_scores_higher_than_the_photo(photo: np.ndarray, method: str) -> None:
    pytest.importorskip("torch")
    from unmask.models.upsampling import pseudo_fake

    fake, _ = pseudo_fake(photo, np.random.default_rng(3), method=method)
    real, made = _score(photo), _score(fake)
    assert made > real + 0.25, (real, made)


@needs_weights
def test_picture_gets_a_score_findings_and_a_heatmap(tmp_path: Path, photo: np.ndarray) -> None:
    path = tmp_path / "coffee.png"
    Image.fromarray(photo).save(path)
    result = run_signal(get_signal("gan_fingerprint"), AnalysisContext(media=decode(path), faces=None))
    assert result.status == "ok", result.summary
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert 0.0 < result.confidence <= MAX_CONFIDENCE
    assert result.findings and result.artifacts
    assert result.details["picture_patches"] > 16 and result.details["face_patches"] == 0


def test_tiny_picture_is_not_applicable(tmp_path: Path) -> None:
    path = tmp_path / "tiny.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 200, 3), dtype=np.uint8)).save(path)
    result = run_signal(get_signal("gan_fingerprint"), AnalysisContext(media=decode(path), faces=None))
    assert result.status == "not_applicable"
    assert "too small" in result.summary or "not installed" in result.summary


def test_confidence_drops_for_small_compressed_and_video() -> None:
    full = gan_confidence(48, None, video=False)
    assert full == pytest.approx(MAX_CONFIDENCE)
    assert gan_confidence(2, None, video=False) < full
    assert gan_confidence(48, 60, video=False) < gan_confidence(48, 85, video=False) < full
    assert gan_confidence(48, None, video=True) < full


def test_grid_stays_native_and_within_the_limit() -> None:
    boxes = grid_boxes(1920, 1080, 48)
    assert 30 <= len(boxes) <= 48
    assert all(x1 - x0 == 64 and y1 - y0 == 64 and x1 <= 1920 and y1 <= 1080 for x0, y0, x1, y1 in boxes)
    assert grid_boxes(63, 500) == []
