"""The blend signal: a face pasted with other noise, blur or skin tone than its host scores clearly
higher than the untouched photo, and faces it cannot judge are reported as such."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.config import ScanOptions
from unmask.faces import regions
from unmask.faces.find import find_faces, to_face
from unmask.faces.types import Face, FaceAnalysis, FaceTrack
from unmask.media.types import Frame, Media, MediaKind, Sampling
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.blend import MAX_FRAMES, TYPICAL_Z


@pytest.fixture(scope="module")
def portrait() -> tuple[np.ndarray, np.ndarray]:
    image = samples.astronaut()
    return image, to_face(find_faces(image)[0], 0, 0).landmarks


def pasted(portrait: tuple[np.ndarray, np.ndarray], donor: np.ndarray) -> np.ndarray:
    """The photo with its inner face (the face outline shrunk to 85 %, feathered) taken from ``donor``:
    how a face swap blends its rendered face into the host frame."""
    pixels, marks = portrait
    oval = marks[list(regions.FACE_OVAL), :2]
    centre = oval.mean(axis=0)
    mask = np.zeros(pixels.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(centre + 0.85 * (oval - centre)).astype(np.int32)], 255)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 2.0)[..., None]
    return (alpha * donor.astype(np.float32) + (1 - alpha) * pixels).round().clip(0, 255).astype(np.uint8)


def blurred(pixels: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(pixels, (0, 0), 1.5)


def resampled(pixels: np.ndarray, factor: float = 0.5) -> np.ndarray:
    """Down- and up-sampled, as a 256 px decoder's face is when pasted into a larger frame."""
    height, width = pixels.shape[:2]
    small = cv2.resize(pixels, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def renoised(pixels: np.ndarray, sigma: float = 6.0) -> np.ndarray:
    noise = np.random.default_rng(7).normal(0.0, sigma, pixels.shape)
    return (pixels.astype(np.float32) + noise).clip(0, 255).astype(np.uint8)


def tinted(pixels: np.ndarray, da: float = 12.0, db: float = 0.0) -> np.ndarray:
    """A redder (or, with db, yellower) skin tone, in Lab units."""
    lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 1] += da
    lab[..., 2] += db
    return cv2.cvtColor(lab.clip(0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def context(pixels: np.ndarray, marks: np.ndarray | None, frames: int = 1, artifacts: bool = True) -> AnalysisContext:
    media = Media(
        path=Path("portrait.png"),
        kind=MediaKind.IMAGE if frames == 1 else MediaKind.VIDEO,
        format="png",
        mime="image/png",
        size_bytes=0,
        sha256="0" * 64,
        frames=[Frame(i, i, i / 25, pixels) for i in range(frames)],
        sampling=Sampling(policy="still" if frames == 1 else "dense", sampled_fps=25.0 if frames > 1 else None),
    )
    tracks = [] if marks is None else [FaceTrack(0, [Face(i, marks.copy(), track_id=0) for i in range(frames)])]
    faces = FaceAnalysis(tracks=tracks, model="test", frames_searched=frames, min_face_px=48)
    return AnalysisContext(media=media, faces=faces, options=ScanOptions(artifacts=artifacts))


def judge(pixels: np.ndarray, marks: np.ndarray | None, frames: int = 1, artifacts: bool = True):
    return run_signal(get_signal("blend"), context(pixels, marks, frames, artifacts))


def test_untouched_photo_looks_like_a_real_face(portrait) -> None:
    result = judge(*portrait)
    assert result.status == "ok" and result.score is not None
    assert result.score <= 0.45
    assert all(abs(z) <= TYPICAL_Z for z in result.details["z"].values())
    assert not any(f.direction == "fake" for f in result.findings)


@pytest.mark.parametrize(
    ("name", "donor", "margin"),
    [
        ("blurred", blurred, 0.3),
        ("resampled", resampled, 0.2),
        ("renoised", renoised, 0.2),
        ("tinted", tinted, 0.15),
    ],
)
def test_pasted_face_with_other_statistics_scores_higher(portrait, name: str, donor, margin: float) -> None:
    original = judge(*portrait)
    fake = judge(pasted(portrait, donor(portrait[0])), portrait[1])
    assert fake.status == "ok"
    assert fake.score - original.score >= margin, (name, fake.details)
    assert any(f.direction == "fake" for f in fake.findings)
    assert "differs from its surroundings" in fake.summary


def test_each_tell_moves_its_own_measure(portrait) -> None:
    z = {
        name: judge(pasted(portrait, f(portrait[0])), portrait[1]).details["z"]
        for name, f in (("blurred", blurred), ("renoised", renoised), ("tinted", tinted))
    }
    assert z["blurred"]["noise_outside"] < -TYPICAL_Z  # the pasted face is smoother than its surroundings
    assert z["renoised"]["noise_ring"] > TYPICAL_Z  # ... noisier than the skin along its border
    assert z["tinted"]["chroma_ring"] > TYPICAL_Z  # ... another skin tone


def test_a_paste_of_the_same_statistics_is_not_flagged(portrait) -> None:
    """The paste itself (feathered mask, re-quantised pixels) is not what the signal reacts to."""
    same = judge(pasted(portrait, portrait[0].copy()), portrait[1])
    assert same.score is not None and same.score <= 0.45


def test_heatmap_is_drawn_only_when_asked(portrait) -> None:
    result = judge(pasted(portrait, blurred(portrait[0])), portrait[1])
    assert len(result.artifacts) == 1
    picture = Image.open(io.BytesIO(result.artifacts[0].data))
    assert min(picture.size) >= 256
    assert not judge(*portrait, artifacts=False).artifacts


def test_small_face_is_not_applicable_and_says_why(portrait) -> None:
    pixels, marks = portrait
    small = cv2.resize(pixels, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    result = judge(small, marks * 0.5)
    assert result.status == "not_applicable"
    assert "face too small" in result.summary


def test_no_face_is_not_applicable(portrait) -> None:
    result = judge(portrait[0], None)
    assert result.status == "not_applicable"
    assert "no face" in result.summary


def test_video_measures_a_bounded_sample_and_still_sees_the_paste(portrait) -> None:
    original = judge(portrait[0], portrait[1], frames=20)
    fake = judge(pasted(portrait, blurred(portrait[0])), portrait[1], frames=20)
    assert original.details["frames_measured"] == fake.details["frames_measured"] == MAX_FRAMES
    assert fake.score - original.score >= 0.3
