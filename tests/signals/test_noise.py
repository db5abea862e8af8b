"""The noise signal: a face smoothed (as a swap's decoder or a beauty filter leaves it) or given other
noise than the rest of the photo scores clearly higher than the untouched photo; without a face the
most deviant region is found; pictures it cannot judge are reported as such."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.signals.pasted import faces_in, inner_face, run_saved
from unmask import samples
from unmask.faces import analyze
from unmask.faces.types import Face, FaceAnalysis, FaceTrack
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.report.model import SignalResult
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.noise import MAX_FRAMES, TYPICAL_Z, TYPICAL_Z_ANY


def with_noise(pixels: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
    return np.clip(pixels.astype(np.float32) + noise, 0, 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """The astronaut with mild, uniform sensor-like noise (sigma 3 grey levels)."""
    return with_noise(samples.astronaut(), 3.0, seed=1)


@pytest.fixture(scope="module")
def faces(photo: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> FaceAnalysis:
    return faces_in(photo, tmp_path_factory.mktemp("noise"))


def run_noise(
    pixels: np.ndarray, path: Path, faces: FaceAnalysis | None, quality: int = 95, artifacts: bool = False
) -> SignalResult:
    return run_saved("noise", pixels, path, faces, quality, artifacts)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_denoised_face_stands_out(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path, suffix: str) -> None:
    untouched = run_noise(photo, tmp_path / f"photo{suffix}", faces)
    smoothed = np.where(inner_face(faces, photo.shape), cv2.GaussianBlur(photo, (0, 0), 1.2), photo)
    denoised = run_noise(smoothed, tmp_path / f"denoised{suffix}", faces)
    assert untouched.status == denoised.status == "ok"
    assert untouched.score is not None and denoised.score is not None
    assert untouched.score <= 0.5 and abs(untouched.details["z"]) < TYPICAL_Z
    assert denoised.score - untouched.score >= 0.25
    assert denoised.details["z"] < -TYPICAL_Z and denoised.details["region"] == "face"
    assert any(f.direction == "fake" for f in denoised.findings)
    assert "less noise" in denoised.summary
    assert denoised.confidence > untouched.confidence


def test_much_noisier_face_stands_out_but_counts_less(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    untouched = run_noise(photo, tmp_path / "photo.png", faces)
    grainy = np.where(inner_face(faces, photo.shape), with_noise(samples.astronaut(), 30.0, seed=2), photo)
    noisier = run_noise(grainy, tmp_path / "grainy.png", faces)
    smoothed = np.where(inner_face(faces, photo.shape), cv2.GaussianBlur(photo, (0, 0), 1.2), photo)
    smoother = run_noise(smoothed, tmp_path / "smooth.png", faces)
    assert untouched.score is not None and noisier.score is not None and smoother.score is not None
    assert noisier.details["z"] > 2 * TYPICAL_Z
    assert noisier.score - untouched.score >= 0.15
    assert "more noise" in noisier.summary
    assert noisier.score < smoother.score  # a noisier face is common in real portraits: it counts a quarter


def test_without_a_face_the_most_deviant_region_is_found(photo: np.ndarray, tmp_path: Path) -> None:
    uniform = run_noise(photo, tmp_path / "photo.png", None)
    patched = photo.copy()
    patched[256:, 256:] = cv2.GaussianBlur(photo, (0, 0), 1.2)[256:, 256:]
    spliced = run_noise(patched, tmp_path / "patched.png", None)
    assert uniform.details["region"] == spliced.details["region"] == "most deviant cell"
    assert uniform.score is not None and spliced.score is not None
    assert uniform.score <= 0.5
    assert spliced.details["z"] < -TYPICAL_Z_ANY
    assert spliced.score - uniform.score >= 0.25


def test_noise_map_artifact(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    drawn = run_noise(photo, tmp_path / "photo.png", faces, artifacts=True)
    assert [a.name for a in drawn.artifacts] == ["noise-map"]
    assert drawn.artifacts[0].data[:2] == b"\xff\xd8" and drawn.artifacts[0].media_type == "image/jpeg"
    assert not run_noise(photo, tmp_path / "photo.png", faces, artifacts=False).artifacts


def test_video_reads_a_bounded_sample(media) -> None:
    decoded = decode(media.video)
    result = run_signal(get_signal("noise"), AnalysisContext(media=decoded, faces=analyze(decoded)))
    assert result.status == "ok" and result.score is not None
    assert 1 <= result.details["frames_measured"] <= MAX_FRAMES < len(decoded.frames)
    assert len(result.details["per_frame_z"]) == result.details["frames_measured"]


def test_pictures_it_cannot_judge(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    tiny = run_noise(photo[:80, :80], tmp_path / "tiny.png", None)
    assert tiny.status == "not_applicable" and "too small" in tiny.summary
    face = faces.tracks[0].faces[0]
    x0, y0 = int(face.box.x0) - 10, int(face.box.y0) - 10
    crop = np.ascontiguousarray(photo[y0 : int(face.box.y1) + 10, x0 : int(face.box.x1) + 10])
    moved = face.landmarks.copy()
    moved[:, :2] -= np.array([x0, y0], dtype=np.float32)
    close_up = FaceAnalysis(tracks=[FaceTrack(0, [Face(0, moved, track_id=0)])], min_face_px=48)
    filled = run_noise(crop, tmp_path / "close_up.png", close_up)
    assert filled.status == "not_applicable" and "fills the picture" in filled.summary
