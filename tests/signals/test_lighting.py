"""The lighting signal: catchlights that agree between the eyes score low, ones that cannot come from
the same light score high, and eyes it cannot judge are reported as such."""

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

SCALE = 2
"""The astronaut's irises are ~4 px in radius; at twice the size (~8 px) a drawn catchlight is a few pixels."""


@pytest.fixture(scope="module")
def portrait() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut at twice the size, with natural catchlights painted out, and its landmarks."""
    image = samples.astronaut()
    marks = to_face(find_faces(image)[0], 0, 0).landmarks * SCALE
    big = cv2.resize(image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    face = Face(0, marks)
    for group in (regions.RIGHT_IRIS, regions.LEFT_IRIS):
        centre, radius = _iris(face, group)
        mask = np.zeros(big.shape[:2], np.uint8)
        cv2.circle(mask, _px(centre), round(radius * 0.9), 1, -1)
        inside = mask.astype(bool)
        big[inside] = np.median(big[inside], axis=0).astype(np.uint8)
    return big, marks


def _iris(face: Face, group: tuple[int, ...]) -> tuple[np.ndarray, float]:
    points = face.points(group)
    return points[0], float(np.linalg.norm(points[1:] - points[0], axis=1).mean())


def _px(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))


def with_catchlights(
    portrait: tuple[np.ndarray, np.ndarray],
    right: tuple[float, float] | None,
    left: tuple[float, float] | None,
    sizes: tuple[float, float] = (0.22, 0.22),
) -> np.ndarray:
    """Draw a bright disc at ``(dx, dy)`` iris radii from each iris centre (None: no catchlight)."""
    pixels, marks = portrait
    out = pixels.copy()
    face = Face(0, marks)
    for group, offset, size in ((regions.RIGHT_IRIS, right, sizes[0]), (regions.LEFT_IRIS, left, sizes[1])):
        if offset is None:
            continue
        centre, radius = _iris(face, group)
        spot = centre + np.array(offset) * radius
        cv2.circle(
            out,
            (round(spot[0] * 16), round(spot[1] * 16)),
            round(size * radius * 16),
            (252, 252, 250),
            -1,
            cv2.LINE_AA,
            shift=4,
        )
    return out


def context(pixels: np.ndarray, marks: np.ndarray, frames: int = 1, artifacts: bool = True) -> AnalysisContext:
    kind = MediaKind.IMAGE if frames == 1 else MediaKind.VIDEO
    media = Media(
        path=Path("portrait.png"),
        kind=kind,
        format="png",
        mime="image/png",
        size_bytes=0,
        sha256="0" * 64,
        frames=[Frame(i, i, i / 25, pixels) for i in range(frames)],
        sampling=Sampling(policy="still" if frames == 1 else "dense", sampled_fps=25.0 if frames > 1 else None),
    )
    track = FaceTrack(0, [Face(i, marks.copy(), track_id=0) for i in range(frames)])
    faces = FaceAnalysis(tracks=[track], model="test", frames_searched=frames, min_face_px=48)
    return AnalysisContext(media=media, faces=faces, options=ScanOptions(artifacts=artifacts))


def judge(pixels: np.ndarray, marks: np.ndarray, **kwargs: int | bool):
    return run_signal(get_signal("lighting"), context(pixels, marks, **kwargs))  # type: ignore[arg-type]


def test_catchlights_in_opposite_places_score_far_higher(portrait) -> None:
    # the photo is lit from the picture's left (its own catchlights sat up-left of the pupils)
    same = judge(with_catchlights(portrait, (-0.3, -0.25), (-0.3, -0.25)), portrait[1])
    opposite = judge(with_catchlights(portrait, (-0.35, -0.3), (0.35, 0.3)), portrait[1])
    assert same.status == opposite.status == "ok"
    assert same.details["offset_difference"] < 0.2
    assert opposite.details["offset_difference"] > 0.8
    assert opposite.score - same.score >= 0.3
    assert same.score < 0.5 < opposite.score
    assert any(f.direction == "fake" for f in opposite.findings)


def test_catchlights_of_different_size_score_higher(portrait) -> None:
    same = judge(with_catchlights(portrait, (-0.15, -0.15), (-0.15, -0.15)), portrait[1])
    sized = judge(with_catchlights(portrait, (-0.15, -0.15), (-0.15, -0.15), sizes=(0.12, 0.4)), portrait[1])
    assert sized.details["offset_difference"] < 0.15  # same place, different size
    assert sized.details["shape_iou"] < same.details["shape_iou"] - 0.3
    assert sized.score - same.score >= 0.1


def test_shading_from_the_other_side_than_the_catchlights_raises_the_score(portrait) -> None:
    pixels, marks = portrait
    ramp = np.linspace(1.3, 0.7, pixels.shape[1], dtype=np.float32)[None, :, None]
    lit_from_left = (pixels.astype(np.float32) * ramp).clip(0, 255).astype(np.uint8)
    lit = (lit_from_left, marks)
    agree = judge(with_catchlights(lit, (-0.4, -0.2), (-0.4, -0.2)), marks)
    oppose = judge(with_catchlights(lit, (0.4, -0.2), (0.4, -0.2)), marks)
    assert agree.details["shading_agreement"] > 0.5
    assert oppose.details["shading_agreement"] < -0.2
    assert oppose.score - agree.score >= 0.1


def test_no_catchlight_is_not_applicable(portrait) -> None:
    result = judge(*portrait)
    assert result.status == "not_applicable"
    assert "no catchlight to compare" in result.summary


def test_catchlight_in_one_eye_only_leans_weakly_fake(portrait) -> None:
    result = judge(with_catchlights(portrait, (0.3, -0.3), None), portrait[1])
    assert result.status == "ok" and result.score is not None and result.score > 0.5
    assert result.confidence <= 0.2
    assert "one eye" in result.summary


def test_small_eyes_are_not_applicable(portrait) -> None:
    pixels, marks = portrait
    small = cv2.resize(pixels, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    result = judge(small, marks * 0.25)
    assert result.status == "not_applicable"
    assert "eyes too small" in result.summary


def test_closed_eyes_are_not_applicable(portrait) -> None:
    closed = portrait[1].copy()
    for upper, lower in ((160, 144), (158, 153), (385, 380), (387, 373)):
        closed[upper, :2] = closed[lower, :2]
    result = judge(with_catchlights(portrait, (0.3, -0.3), (0.3, -0.3)), closed)
    assert result.status == "not_applicable"
    assert "closed" in result.summary


def test_artifact_shows_both_eyes_and_only_when_asked(portrait) -> None:
    pixels = with_catchlights(portrait, (0.3, -0.3), (-0.3, 0.3))
    shown = judge(pixels, portrait[1])
    assert len(shown.artifacts) == 1
    picture = Image.open(io.BytesIO(shown.artifacts[0].data))
    assert picture.width > 2 * picture.height  # two eye crops side by side
    assert not judge(pixels, portrait[1], artifacts=False).artifacts


def test_video_measures_a_bounded_sample(portrait) -> None:
    pixels = with_catchlights(portrait, (0.35, -0.3), (-0.35, 0.3))
    result = judge(pixels, portrait[1], frames=20)
    assert result.status == "ok"
    assert result.details["frames_compared"] == 8
    assert result.score is not None and result.score > 0.6
