"""The ELA signal: a face pasted from a more strongly compressed copy scores clearly higher than the
untouched JPEG; lossless files and pictures without a face still work at lower confidence; pictures it
cannot judge are reported as such."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.signals.pasted import faces_in, inner_face, run_saved
from unmask import samples
from unmask.faces.types import FaceAnalysis
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.report.model import SignalResult
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.ela import ARTIFACT_SIDE, TYPICAL_GHOST

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def jpeg_round_trip(pixels: np.ndarray, quality: int) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(samples.jpeg_bytes_of(pixels, quality))).convert("RGB"))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """The astronaut as a camera would hand it over: once through JPEG at quality 92."""
    return jpeg_round_trip(samples.astronaut(), 92)


@pytest.fixture(scope="module")
def faces(photo: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> FaceAnalysis:
    return faces_in(photo, tmp_path_factory.mktemp("ela"))


def run_ela(
    pixels: np.ndarray, path: Path, faces: FaceAnalysis | None, quality: int = 90, artifacts: bool = False
) -> SignalResult:
    return run_saved("ela", pixels, path, faces, quality, artifacts)


@pytest.mark.parametrize("source_quality", [40, 60])
def test_face_pasted_from_a_stronger_compression_stands_out(
    photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path, source_quality: int
) -> None:
    untouched = run_ela(photo, tmp_path / "photo.jpg", faces)
    pasted = np.where(inner_face(faces, photo.shape), jpeg_round_trip(photo, source_quality), photo)
    spliced = run_ela(pasted, tmp_path / "spliced.jpg", faces)
    assert untouched.status == spliced.status == "ok"
    assert untouched.score is not None and spliced.score is not None
    assert untouched.score <= 0.5
    assert spliced.score - untouched.score >= 0.2
    assert min(spliced.details["ghost_z"].values()) < -TYPICAL_GHOST
    assert min(untouched.details["ghost_z"].values()) > -TYPICAL_GHOST
    assert any(f.direction == "fake" and "ghost" in f.text for f in spliced.findings)
    assert spliced.confidence > untouched.confidence
    assert any("weak on re-saved" in f.text for f in spliced.findings)


def test_lossless_file_runs_at_lower_confidence(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    as_jpeg = run_ela(photo, tmp_path / "photo.jpg", faces)
    as_png = run_ela(photo, tmp_path / "photo.png", faces)
    assert as_png.status == "ok" and as_png.details["jpeg_quality"] is None
    assert as_png.confidence < as_jpeg.confidence
    assert any("PNG, not JPEG" in f.text for f in as_png.findings)


def test_without_a_face_the_most_deviant_region_is_tested(photo: np.ndarray, tmp_path: Path) -> None:
    plain = run_ela(photo, tmp_path / "photo.jpg", None)
    corner = photo.copy()
    corner[256:, 256:] = jpeg_round_trip(photo, 40)[256:, 256:]
    spliced = run_ela(corner, tmp_path / "corner.jpg", None)
    assert plain.details["region"] == spliced.details["region"] == "most deviant cell"
    assert plain.score is not None and spliced.score is not None
    assert spliced.score - plain.score >= 0.2
    assert any(f.direction == "fake" and "lowest region" in f.text for f in spliced.findings)
    assert spliced.confidence <= 0.2


def test_ela_map_artifact(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    drawn = run_ela(photo, tmp_path / "photo.jpg", faces, artifacts=True)
    assert [a.name for a in drawn.artifacts] == ["ela-map"]
    data = drawn.artifacts[0].data
    assert data.startswith(PNG_SIGNATURE) and drawn.artifacts[0].media_type == "image/png"
    assert max(Image.open(io.BytesIO(data)).size) <= ARTIFACT_SIDE
    assert not run_ela(photo, tmp_path / "photo.jpg", faces, artifacts=False).artifacts


def test_pictures_it_cannot_judge(media, photo: np.ndarray, tmp_path: Path) -> None:
    video = run_signal(get_signal("ela"), AnalysisContext(media=decode(media.video), faces=None))
    assert video.status == "not_applicable" and "video" in video.summary
    tiny = run_ela(photo[:64, :64], tmp_path / "tiny.jpg", None)
    assert tiny.status == "not_applicable" and "too small" in tiny.summary
