"""The head-pose signal on the astronaut's real landmarks, as they are (one rigid head) and with the
central face turned against the outline, as when a synthesised face is pasted into a frame."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from unmask import samples
from unmask.config import ScanOptions
from unmask.faces import regions
from unmask.faces.find import find_faces
from unmask.faces.types import Face, FaceAnalysis, FaceTrack
from unmask.media.types import Frame, Media, MediaKind, Sampling
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.headpose import AGREE_DEG, pose_disagreement

SIZE = 512
_PIXELS = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (SIZE, SIZE, 3))


@pytest.fixture(scope="module")
def landmarks() -> np.ndarray:
    return find_faces(samples.astronaut())[0].landmarks


def _pasted(landmarks: np.ndarray, yaw: float, pitch: float) -> np.ndarray:
    """Turn every landmark inside the face outline by ``yaw`` and ``pitch`` degrees about the centre of
    the central face (landmark z is in pixels too), leaving the outline where the host head has it."""
    out = landmarks.astype(np.float64)
    inner = np.setdiff1d(np.arange(len(out)), regions.FACE_OVAL)
    centre = out[list(regions.CENTRAL_FACE)].mean(axis=0)
    rotation, _ = cv2.Rodrigues(np.radians([pitch, yaw, 0.0]))
    out[inner] = (out[inner] - centre) @ rotation.T + centre
    return out.astype(np.float32)


def _context(faces: list[np.ndarray], kind: MediaKind = MediaKind.IMAGE, artifacts: bool = False) -> AnalysisContext:
    fps = 25.0
    frames = [Frame(i, i, i / fps, _PIXELS) for i in range(len(faces))]
    track = FaceTrack(0, [Face(i, marks, track_id=0) for i, marks in enumerate(faces)])
    media = Media(
        path=Path("synthetic"),
        kind=kind,
        format="mp4" if kind is MediaKind.VIDEO else "png",
        mime="",
        size_bytes=0,
        sha256="0" * 64,
        frames=frames,
        sampling=Sampling(policy="dense", sampled_fps=fps) if kind is MediaKind.VIDEO else Sampling(policy="still"),
    )
    analysis = FaceAnalysis(tracks=[track], model="synthetic", frames_searched=len(frames), min_face_px=48)
    return AnalysisContext(media=media, faces=analysis, options=ScanOptions(artifacts=artifacts))


def _moving(landmarks: np.ndarray, count: int, yaw: float = 0.0, pitch: float = 0.0) -> list[np.ndarray]:
    """``count`` frames of the head drifting across the picture, with landmark jitter of half a pixel."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        marks = _pasted(landmarks, yaw, pitch) if yaw or pitch else landmarks.copy()
        marks[:, :2] += np.array([15 * np.sin(i / 9), 8 * np.cos(i / 13)]) + rng.normal(0, 0.5, (len(marks), 2))
        out.append(marks.astype(np.float32))
    return out


def _run(ctx: AnalysisContext):
    return run_signal(get_signal("headpose"), ctx)


def test_a_real_face_agrees_with_itself(landmarks) -> None:
    angle = pose_disagreement(Face(0, landmarks), Frame(0, 0, 0.0, _PIXELS))
    assert angle < AGREE_DEG
    result = _run(_context([landmarks]))
    assert result.status == "ok" and result.score is not None
    assert result.score <= 0.52
    assert 0.0 < result.confidence <= 0.5


def test_the_disagreement_follows_the_turn_of_the_pasted_face(landmarks) -> None:
    frame = Frame(0, 0, 0.0, _PIXELS)
    angles = [pose_disagreement(Face(0, _pasted(landmarks, yaw, 0.0)), frame) for yaw in (0, 8, 16, 24)]
    assert all(b > a + 3 for a, b in itertools.pairwise(angles))


@pytest.mark.parametrize(("yaw", "pitch"), [(22.0, 0.0), (0.0, 15.0), (15.0, 10.0)])
def test_a_pasted_face_scores_higher_in_a_still(landmarks, yaw: float, pitch: float) -> None:
    real = _run(_context([landmarks]))
    pasted = _run(_context([_pasted(landmarks, yaw, pitch)]))
    assert real.score is not None and pasted.score is not None
    assert pasted.score > real.score + 0.2
    assert pasted.confidence <= 0.5
    assert pasted.findings[0].direction == "fake"


def test_a_pasted_face_scores_higher_in_a_video(landmarks) -> None:
    real = _run(_context(_moving(landmarks, 60), MediaKind.VIDEO))
    pasted = _run(_context(_moving(landmarks, 60, yaw=16.0, pitch=8.0), MediaKind.VIDEO))
    assert real.score is not None and pasted.score is not None
    assert real.score <= 0.55
    assert pasted.score > real.score + 0.2
    assert real.details["faces"]["0"]["frames"] == 60
    assert pasted.details["median_deg"] > real.details["median_deg"] + 8
    assert any(f.time is not None for f in pasted.findings)
    assert real.confidence > _run(_context([landmarks])).confidence  # seconds of video beat one frame


def test_not_applicable_without_a_usable_face_or_with_a_fleeting_one(landmarks) -> None:
    faceless = _context([landmarks])
    faceless.faces = FaceAnalysis(min_face_px=48)
    assert _run(faceless).status == "not_applicable"

    tiny = _context([landmarks * np.array([0.05, 0.05, 0.05], dtype=np.float32)])
    assert _run(tiny).status == "not_applicable"

    fleeting = _run(_context(_moving(landmarks, 5), MediaKind.VIDEO))
    assert fleeting.status == "not_applicable" and "0.5 s" in fleeting.summary


def test_artifacts_only_when_asked(landmarks) -> None:
    assert _run(_context([landmarks])).artifacts == []
    still = _run(_context([_pasted(landmarks, 20.0, 0.0)], artifacts=True))
    assert [a.name for a in still.artifacts] == ["headpose-axes"]
    assert still.artifacts[0].data.startswith(b"\x89PNG")
    video = _run(_context(_moving(landmarks, 30), MediaKind.VIDEO, artifacts=True))
    assert [a.name for a in video.artifacts] == ["headpose-difference"]


def test_a_small_face_in_a_huge_frame_still_gets_a_pose(landmarks) -> None:
    """PnP refuses points that span too small an angle; the camera model keeps a 55 px face measurable."""
    small = landmarks * np.float32(0.5) + np.array([4000, 2000, 0], dtype=np.float32)
    ctx = _context([small])
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (4320, 8192, 3))
    ctx.media.frames = [Frame(0, 0, 0.0, huge)]
    result = _run(ctx)
    assert result.status == "ok", result.summary
    assert result.details["median_deg"] < AGREE_DEG
