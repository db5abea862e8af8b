"""The face-blend signal: the shipped model scores self-blended copies of a real face above the face
itself, and a picture without a usable face is not judged."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.errors import UnmaskError
from unmask.faces import analyze
from unmask.media import decode
from unmask.models.crops import face_crop_with_points
from unmask.models.faceset import largest_face
from unmask.models.runtime import FACE_BLEND, ShippedModel, face_blend_probabilities
from unmask.models.synthesis import self_blend
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.face_blend import blend_confidence, top_third_mean

needs_weights = pytest.mark.skipif(not FACE_BLEND.available(), reason="face_blend.onnx is not installed")


@needs_weights
def test_self_blended_face_scores_higher_than_the_original() -> None:
    image = samples.astronaut()
    face = largest_face(image)
    assert face is not None
    crop, points = face_crop_with_points(image, face)
    fakes = np.stack([self_blend(crop, points, np.random.default_rng(seed))[0] for seed in range(8)])
    real = float(face_blend_probabilities(crop[None])[0])
    blended = float(face_blend_probabilities(fakes).mean())
    assert blended > real + 0.15, (real, blended)


@needs_weights
def test_a_model_file_from_another_folder_is_scored_from_there(tmp_path: Path) -> None:
    """Benches compare a training run's ``--out`` with the shipped weights through the same scoring path."""
    crops = np.random.default_rng(0).integers(0, 255, (3, 112, 112, 3), dtype=np.uint8)
    missing = ShippedModel(FACE_BLEND.file, "unmask train face-blend", folder=tmp_path)
    with pytest.raises(UnmaskError, match=str(tmp_path)):
        face_blend_probabilities(crops, missing)
    shutil.copy(FACE_BLEND.path, tmp_path / FACE_BLEND.file)
    copied = face_blend_probabilities(crops, missing)
    np.testing.assert_allclose(copied, face_blend_probabilities(crops), atol=1e-6)


@needs_weights
def test_photo_gets_a_score_findings_and_a_crop_strip(media) -> None:
    decoded = decode(media.photo)
    result = run_signal(get_signal("face_blend"), AnalysisContext(media=decoded, faces=analyze(decoded)))
    assert result.status == "ok", result.summary
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert 0.0 < result.confidence <= 0.6
    assert result.findings and result.artifacts
    assert result.details["frames_scored"] == 1


def test_no_face_is_not_applicable(tmp_path: Path) -> None:
    path = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(path)
    decoded = decode(path)
    result = run_signal(get_signal("face_blend"), AnalysisContext(media=decoded, faces=analyze(decoded)))
    assert result.status == "not_applicable"
    assert "face" in result.summary


def test_video_score_is_the_mean_of_the_top_third() -> None:
    assert top_third_mean(np.array([0.1, 0.2, 0.9, 0.1, 0.8, 0.1])) == pytest.approx(0.85)
    assert top_third_mean(np.array([0.3])) == pytest.approx(0.3)


def test_confidence_is_moderate_and_lower_for_small_faces() -> None:
    big, small = blend_confidence(200, 1, video=False), blend_confidence(60, 1, video=False)
    assert 0.0 < small < big <= 0.6
    assert blend_confidence(200, 16, video=True) > blend_confidence(200, 2, video=True)
