"""The lip-sync signal on synthetic talking faces: the mouth opens with a speech-like voice, or with the
same voice moved 0.4 s, or with another voice entirely.

The voice is aperiodic on purpose (random syllable and pause lengths): a strictly periodic syllable train
correlates with itself shifted by whole periods, which would hide an offset from any method.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unmask import samples
from unmask.config import ScanOptions
from unmask.faces import regions
from unmask.faces.find import find_faces
from unmask.faces.types import Face, FaceAnalysis, FaceTrack
from unmask.media.types import AudioTrack, Frame, Media, MediaKind, Sampling
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.lipsync import SYNC_WINDOW, mouth_opening

RATE = 16_000
FPS = 25.0
LIP_LEAD = 0.04
"""The synthetic lips open 40 ms before the sound, as real lips tend to."""


@pytest.fixture(scope="module")
def landmarks() -> np.ndarray:
    return find_faces(samples.astronaut())[0].landmarks


def syllables(seconds: float, seed: int) -> np.ndarray:
    """A speech-like loudness envelope at RATE: syllables of 0.1-0.3 s, gaps of 0.05-0.3 s, some pauses."""
    rng = np.random.default_rng(seed)
    envelope = np.zeros(int(seconds * RATE))
    t = 0.1
    while t < seconds:
        length = rng.uniform(0.1, 0.3)
        start, stop = int(t * RATE), min(int((t + length) * RATE), len(envelope))
        if stop > start:
            envelope[start:stop] = np.sin(np.linspace(0, np.pi, stop - start)) ** 0.7 * rng.uniform(0.5, 1.0)
        t += length + rng.uniform(0.05, 0.3) + (rng.uniform(0.3, 0.6) if rng.random() < 0.15 else 0.0)
    return envelope


def voice(envelope: np.ndarray, pitch: float = 140.0) -> np.ndarray:
    t = np.arange(len(envelope)) / RATE
    harmonics = sum(np.sin(2 * np.pi * pitch * k * t) / k for k in range(1, 10))
    noise = np.random.default_rng(1).normal(0.0, 0.002, len(t))
    return (0.25 * harmonics * envelope + noise).astype(np.float32)


def make_talk(
    landmarks: np.ndarray,
    mouth_envelope: np.ndarray,
    audio: np.ndarray | None,
    seconds: float,
    jaw: bool = False,
    seed: int = 0,
) -> AnalysisContext:
    """A face whose inner lips part by ``mouth_envelope`` (sampled LIP_LEAD early at each frame), with
    ``audio`` as the sound track. ``jaw`` also fills MediaPipe's jawOpen blendshape."""
    rng = np.random.default_rng(seed)
    n = round(seconds * FPS)
    top, bottom = regions.INNER_LIP_TOP, regions.INNER_LIP_BOTTOM
    left, right = regions.MOUTH_CORNERS
    width = float(np.linalg.norm(landmarks[left, :2] - landmarks[right, :2]))
    frames, faces = [], []
    for i in range(n):
        t = i / FPS
        opening = 0.45 * float(mouth_envelope[min(len(mouth_envelope) - 1, int((t + LIP_LEAD) * RATE))])
        marks = landmarks.copy()
        marks[:, :2] += rng.normal(0.0, 0.3, (len(marks), 2))  # detector noise, pixels
        marks[bottom, :2] = marks[top, :2] + [0.0, opening * width]
        shapes = {"jawOpen": float(np.clip(opening * 1.6 + rng.normal(0, 0.03), 0, 1))} if jaw else {}
        frames.append(Frame(index=i, source_index=i, time=t, pixels=np.zeros((8, 8, 3), np.uint8)))
        faces.append(Face(frame_index=i, landmarks=marks.astype(np.float32), blendshapes=shapes, track_id=0))
    media = Media(
        path=Path("talk.mp4"),
        kind=MediaKind.VIDEO,
        format="mp4",
        mime="video/mp4",
        size_bytes=0,
        sha256="0" * 64,
        frames=frames,
        audio=None if audio is None else AudioTrack(audio, RATE, RATE, 1, "pcm_s16le"),
        duration=seconds,
        sampling=Sampling(policy="dense", source_fps=FPS, sampled_fps=FPS, source_frames=n),
    )
    analysis = FaceAnalysis(tracks=[FaceTrack(0, faces)], model="synthetic", frames_searched=n, min_face_px=48)
    return AnalysisContext(media=media, faces=analysis, options=ScanOptions(artifacts=False))


def _run(ctx: AnalysisContext):
    return run_signal(get_signal("lipsync"), ctx)


SECONDS = 6.0


@pytest.fixture(scope="module")
def talk() -> np.ndarray:
    return syllables(SECONDS, seed=3)


def delayed(samples_: np.ndarray, seconds: float) -> np.ndarray:
    shift = int(seconds * RATE)
    return np.concatenate([np.zeros(shift, np.float32), samples_[:-shift]])


def test_synced_lips_lean_real_and_peak_near_zero(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, talk, voice(talk), SECONDS))
    assert result.status == "ok", result.summary
    assert result.score is not None and result.score < 0.45
    assert SYNC_WINDOW[0] <= result.details["peak_offset_s"] <= SYNC_WINDOW[1]
    assert result.details["sync_correlation"] > 0.5
    assert result.findings[0].direction == "real"


def test_audio_moved_by_0_4_s_is_found_as_an_offset(landmarks, talk) -> None:
    synced = _run(make_talk(landmarks, talk, voice(talk), SECONDS))
    late = _run(make_talk(landmarks, talk, delayed(voice(talk), 0.4), SECONDS))
    assert synced.score is not None and late.score is not None
    assert late.score >= synced.score + 0.15
    assert abs(late.details["peak_offset_s"] - (0.4 + LIP_LEAD)) <= 0.05
    assert late.findings[0].direction == "fake" and "ms late" in late.findings[0].text


def test_a_different_voice_is_found_as_no_sync(landmarks, talk) -> None:
    synced = _run(make_talk(landmarks, talk, voice(talk), SECONDS))
    other = syllables(SECONDS, seed=11)
    dubbed = _run(make_talk(landmarks, talk, voice(other, pitch=210.0), SECONDS))
    assert synced.score is not None and dubbed.score is not None
    assert dubbed.score >= synced.score + 0.15
    assert dubbed.details["sync_correlation"] < synced.details["sync_correlation"] - 0.3


def test_jaw_blendshape_is_used_when_present(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, talk, voice(talk), SECONDS, jaw=True))
    assert result.score is not None and result.score < 0.45
    assert result.details["sync_correlation"] > 0.5


def test_plot_and_modest_confidence(landmarks, talk) -> None:
    ctx = make_talk(landmarks, talk, voice(talk), SECONDS)
    ctx.options = ScanOptions(artifacts=True)
    result = _run(ctx)
    assert result.artifacts and result.artifacts[0].data.startswith(b"\x89PNG")
    assert 0.0 < result.confidence <= 0.3
    short = _run(make_talk(landmarks, talk, voice(talk), 2.5))
    assert short.status == "ok" and short.confidence < result.confidence


def test_no_audio_is_not_applicable(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, talk, None, SECONDS))
    assert result.status == "not_applicable" and "no audio" in result.summary


def test_silence_is_not_applicable(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, talk, np.zeros(int(SECONDS * RATE), np.float32), SECONDS))
    assert result.status == "not_applicable" and "silent" in result.summary


def test_steady_music_is_not_applicable(landmarks, talk) -> None:
    t = np.arange(int(SECONDS * RATE)) / RATE
    notes = np.array([220.0, 247.0, 262.0, 294.0, 330.0, 349.0])
    step = (t / 0.6).astype(int)  # a new chord every 0.6 s, no pauses
    chord = sum(np.sin(2 * np.pi * notes[(step + k) % len(notes)] * t) for k in range(3))
    result = _run(make_talk(landmarks, talk, (0.1 * chord).astype(np.float32), SECONDS))
    assert result.status == "not_applicable"
    assert "music" in result.summary


def test_too_short_is_not_applicable(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, talk, voice(talk), 1.5))
    assert result.status == "not_applicable" and "too short" in result.summary


def test_a_still_mouth_cannot_be_judged(landmarks, talk) -> None:
    result = _run(make_talk(landmarks, np.zeros_like(talk), voice(talk), SECONDS))
    assert result.status == "info" and "hardly moves" in result.summary


def test_no_face_is_not_applicable(landmarks, talk) -> None:
    ctx = make_talk(landmarks, talk, voice(talk), SECONDS)
    ctx.faces = FaceAnalysis(tracks=[], min_face_px=48)
    result = _run(ctx)
    assert result.status == "not_applicable" and "no face" in result.summary


def test_mouth_opening_is_size_independent(landmarks) -> None:
    face = Face(0, landmarks.copy())
    bigger = Face(0, landmarks * 2.0)
    assert mouth_opening(face) == pytest.approx(mouth_opening(bigger), rel=1e-4)
