"""The blink signal on synthetic faces: real MediaPipe landmarks of the astronaut photo, with the upper
eyelids moved towards the lower lids to make blinks at chosen times and of chosen lengths."""

from __future__ import annotations

from pathlib import Path

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
from unmask.signals.blink import eye_aspect_ratio

FPS = 25.0
_PIXELS = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (512, 512, 3))  # frame size without the memory


@pytest.fixture(scope="module")
def landmarks() -> np.ndarray:
    return find_faces(samples.astronaut())[0].landmarks


def _closed(landmarks: np.ndarray, amount: float) -> np.ndarray:
    """Move each eye's two upper-lid EAR points ``amount`` of the way to the lower-lid points below them."""
    out = landmarks.copy()
    for _, up1, up2, _, low2, low1 in (regions.RIGHT_EYE_EAR, regions.LEFT_EYE_EAR):
        for upper, lower in ((up1, low1), (up2, low2)):
            out[upper, :2] += amount * (out[lower, :2] - out[upper, :2])
    return out


def _blink_profile(times: np.ndarray, starts: list[float], duration: float) -> np.ndarray:
    """Eyelid closure in [0, 0.85] over time: a smooth close-and-open of ``duration`` at each start."""
    closure = np.zeros_like(times)
    for start in starts:
        inside = (times >= start) & (times <= start + duration)
        closure[inside] = 0.85 * np.sin(np.pi * (times[inside] - start) / duration)
    return closure


def _clip(
    landmarks: np.ndarray,
    seconds: float,
    starts: list[float],
    duration: float = 0.25,
    fps: float = FPS,
    blendshapes: bool = True,
    seed: int = 0,
) -> AnalysisContext:
    """A video context with one tracked face that blinks at ``starts``; the head drifts, the landmarks
    jitter by a third of a pixel and the eye opening breathes by 5 % (head pitch), as in real footage."""
    rng = np.random.default_rng(seed)
    times = np.arange(round(seconds * fps)) / fps
    closure = _blink_profile(times, starts, duration)
    frames, faces = [], []
    for i, (t, amount) in enumerate(zip(times, closure, strict=True)):
        marks = _closed(landmarks, float(amount))
        marks[:, 1] += (marks[:, 1] - marks[:, 1].mean()) * 0.05 * np.sin(2 * np.pi * t / 7)
        marks[:, :2] += np.array([6 * np.sin(t / 3), 4 * np.cos(t / 5)]) + rng.normal(0, 0.33, (len(marks), 2))
        shapes = {}
        if blendshapes:
            level = float(np.clip(0.08 + 0.9 * amount + rng.normal(0, 0.02), 0, 1))
            shapes = {"eyeBlinkLeft": level, "eyeBlinkRight": level}
        frames.append(Frame(index=i, source_index=i, time=float(t), pixels=_PIXELS))
        faces.append(Face(frame_index=i, landmarks=marks.astype(np.float32), blendshapes=shapes, track_id=0))
    media = Media(
        path=Path("synthetic.mp4"),
        kind=MediaKind.VIDEO,
        format="mp4",
        mime="video/mp4",
        size_bytes=0,
        sha256="0" * 64,
        frames=frames,
        duration=seconds,
        sampling=Sampling(policy="dense", source_fps=fps, sampled_fps=fps),
    )
    analysis = FaceAnalysis(
        tracks=[FaceTrack(0, faces)], model="synthetic", frames_searched=len(frames), min_face_px=48
    )
    return AnalysisContext(media=media, faces=analysis, options=ScanOptions(artifacts=False))


def _run(ctx: AnalysisContext):
    return run_signal(get_signal("blink"), ctx)


def _spread_starts(count: int, seconds: float, seed: int = 1) -> list[float]:
    """``count`` blink times at irregular intervals, as people blink."""
    rng = np.random.default_rng(seed)
    slots = np.linspace(1.0, seconds - 2.0, count)
    return [float(s + rng.uniform(-0.6, 0.6)) for s in slots]


def test_ear_drops_when_the_lids_close(landmarks) -> None:
    open_ear = eye_aspect_ratio(Face(0, landmarks))
    assert 0.2 < open_ear < 0.45
    assert eye_aspect_ratio(Face(0, _closed(landmarks, 0.8))) < 0.3 * open_ear


def test_normal_blinking_is_counted_and_leans_real(landmarks) -> None:
    starts = _spread_starts(15, 60.0)
    result = _run(_clip(landmarks, 60.0, starts))
    assert result.status == "ok" and result.score is not None
    assert result.details["blinks"] == 15
    found = np.array(result.details["times_s"])
    assert np.abs(found - np.array(starts)).max() < 0.15
    assert all(0.1 <= d <= 0.4 for d in result.details["durations_s"])
    assert result.score < 0.5
    assert "15 blinks in 60 s" in result.summary and "8–21" in result.summary
    timed = [f for f in result.findings if f.time is not None]
    assert len(timed) == 15


def test_no_blinks_for_a_minute_scores_much_higher(landmarks) -> None:
    normal = _run(_clip(landmarks, 60.0, _spread_starts(15, 60.0)))
    none = _run(_clip(landmarks, 60.0, []))
    assert none.details["blinks"] == 0
    assert none.score is not None and normal.score is not None
    assert none.score > normal.score + 0.4
    assert none.score > 0.85 and none.confidence > 0.35
    assert any(f.direction == "fake" for f in none.findings)


def test_second_long_closures_score_higher_than_blinks(landmarks) -> None:
    starts = _spread_starts(15, 60.0)
    normal = _run(_clip(landmarks, 60.0, starts))
    slow = _run(_clip(landmarks, 60.0, starts, duration=1.0))
    assert slow.details["long_blinks"] >= 14
    assert slow.score is not None and normal.score is not None
    assert slow.score > normal.score + 0.3
    assert "longer than a blink" in " ".join(f.text for f in slow.findings)


def test_evidence_and_confidence_grow_with_the_time_watched(landmarks) -> None:
    short = _run(_clip(landmarks, 10.0, []))
    long = _run(_clip(landmarks, 60.0, []))
    assert short.status == long.status == "ok"
    assert short.score is not None and long.score is not None
    assert short.score < 0.65 < long.score
    assert short.confidence < 0.2 < long.confidence
    assert any("says little" in f.text for f in short.findings)


def test_ear_alone_still_finds_blinks(landmarks) -> None:
    with_shapes = _run(_clip(landmarks, 30.0, _spread_starts(8, 30.0)))
    without = _run(_clip(landmarks, 30.0, _spread_starts(8, 30.0), blendshapes=False))
    assert with_shapes.details["blinks"] == without.details["blinks"] == 8
    none = _run(_clip(landmarks, 30.0, [], blendshapes=False))
    assert none.details["blinks"] == 0
    assert none.score is not None and without.score is not None and none.score > without.score + 0.2


def test_not_applicable_to_stills_short_clips_slow_frame_rates_or_no_face(landmarks) -> None:
    still = _clip(landmarks, 1 / FPS, [])
    still.media.kind = MediaKind.IMAGE
    assert _run(still).status == "not_applicable"

    short = _run(_clip(landmarks, 3.0, [1.0]))
    assert short.status == "not_applicable" and "only 3.0 s" in short.summary

    slow = _run(_clip(landmarks, 30.0, [5.0], fps=6.0))
    assert slow.status == "not_applicable" and "frames a second" in slow.summary

    faceless = _clip(landmarks, 30.0, [])
    faceless.faces = FaceAnalysis(min_face_px=48)
    assert _run(faceless).status == "not_applicable"


def test_timeline_artifact_only_when_asked(landmarks) -> None:
    ctx = _clip(landmarks, 12.0, [3.0, 8.0])
    assert _run(ctx).artifacts == []
    ctx.options = ScanOptions(artifacts=True)
    ctx.shared.clear()
    result = _run(ctx)
    assert len(result.artifacts) == 1 and result.artifacts[0].data.startswith(b"\x89PNG")


def test_only_the_seconds_with_a_face_count(landmarks) -> None:
    ctx = _clip(landmarks, 40.0, [])
    assert ctx.faces is not None
    track = ctx.faces.tracks[0]
    track.faces = [f for f in track.faces if not 10.0 <= ctx.media.frames[f.frame_index].time < 20.0]
    result = _run(ctx)
    assert abs(result.details["seconds_observed"] - 30.0) < 0.2
    assert "in 30 s" in result.summary
