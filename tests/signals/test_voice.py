"""The voice signal on real scans: espeak-ng speech vs a recorded-like voice, silence, the sound track of
a video, and the timeline plot. Uses the shipped weights (``unmask/models/weights/voice.onnx``)."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.signals.voices import RATE, espeak_speech, needs_espeak, recorded_like, write_wav
from unmask import ScanOptions, scan
from unmask.media.types import MediaKind
from unmask.models.voice_runtime import VOICE
from unmask.report.model import SignalResult
from unmask.signals.registry import signal_classes

pytestmark = pytest.mark.skipif(not VOICE.available(), reason="voice.onnx is not installed")
ONLY_VOICE = ScanOptions(signals=("voice",), find_faces=False)


def _voice(path: Path, options: ScanOptions = ONLY_VOICE) -> SignalResult:
    (result,) = [r for r in scan(path, options).signals if r.name == "voice"]
    return result


def _mp4(path: Path, samples: np.ndarray | None, seconds: float) -> Path:
    """A small grey H.264 clip, with ``samples`` as its AAC sound track when given."""
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono") if samples is not None else None
        for i in range(int(seconds * 10)):
            pixels = np.full((64, 64, 3), 100 + i % 50, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(video.encode(None))
        if sound is not None and samples is not None:
            for start in range(0, len(samples), 1024):
                frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="fltp", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


def test_voice_is_registered_for_audio_and_video() -> None:
    (cls,) = [c for c in signal_classes() if c.name == "voice"]
    assert cls.applies_to == frozenset({MediaKind.AUDIO, MediaKind.VIDEO})


def test_silence_is_not_applicable(tmp_path: Path) -> None:
    result = _voice(write_wav(tmp_path / "silence.wav", np.zeros(3 * RATE, np.float32)))
    assert result.status == "not_applicable" and "no speech" in result.summary
    assert result.score is None


def test_steady_hum_is_not_applicable(tmp_path: Path) -> None:
    t = np.arange(3 * RATE) / RATE
    hum = (0.2 * np.sin(2 * np.pi * 50 * t) + 0.01 * np.random.default_rng(0).normal(size=len(t))).astype(np.float32)
    assert _voice(write_wav(tmp_path / "hum.wav", hum)).status == "not_applicable"


@needs_espeak
def test_espeak_speech_scores_synthetic_with_a_timeline(tmp_path: Path) -> None:
    speech = np.concatenate([espeak_speech(), np.zeros(RATE // 2, np.float32), espeak_speech("Call me back.")])
    result = _voice(write_wav(tmp_path / "espeak.wav", speech))
    assert result.status == "ok" and result.score is not None
    assert result.score > 0.7
    segments = result.details["segments"]
    assert len(segments) == result.details["segments_scored"] >= 3
    assert all(s["end"] - s["start"] == pytest.approx(2.0) for s in segments)
    (timeline,) = [a for a in result.artifacts if a.name == "voice-timeline"]
    assert timeline.data is not None
    picture = Image.open(io.BytesIO(timeline.data))
    assert picture.width > 300 and picture.height > 100


@needs_espeak
def test_recorded_like_voice_scores_below_espeak(tmp_path: Path) -> None:
    recorded = _voice(write_wav(tmp_path / "room.wav", recorded_like(6.0)))
    synthetic = _voice(write_wav(tmp_path / "espeak.wav", espeak_speech()))
    assert recorded.status == synthetic.status == "ok"
    assert recorded.score is not None and synthetic.score is not None
    assert recorded.score < synthetic.score - 0.3


@needs_espeak
def test_the_sound_track_of_a_video_is_judged(tmp_path: Path) -> None:
    speech = espeak_speech()
    result = _voice(_mp4(tmp_path / "clip.mp4", speech, len(speech) / RATE))
    assert result.status == "ok" and result.score is not None and result.score > 0.7
    assert result.details["segments"][0]["start"] >= 0.0
    assert any(a.name == "voice-timeline" for a in result.artifacts)


def test_a_video_without_sound_is_not_applicable(tmp_path: Path) -> None:
    result = _voice(_mp4(tmp_path / "mute.mp4", None, 1.0))
    assert result.status == "not_applicable" and "audio" in result.summary
