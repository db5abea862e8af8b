"""The speech front end: resampling to 16 kHz mono, voice activity, 2 s segments, band limits, features."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.signals.voices import RATE, espeak_speech, needs_espeak, recorded_like, write_wav
from unmask.errors import MediaError
from unmask.media.speech import (
    SEGMENT_S,
    fit_length,
    load_speech,
    speech_regions,
    speech_segments,
    telephone_band,
    to_speech_rate,
    voice_activity,
)
from unmask.models.voice_features import MODEL_BINS, lfcc, log_spectrogram
from unmask.samples import speech_like


def _tone_power(samples: np.ndarray, freq: float, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(spectrum[np.abs(freqs - freq) < 20].sum() / spectrum.sum())


def test_resampling_keeps_pitch_and_duration() -> None:
    t = np.arange(44_100) / 44_100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1)
    out = to_speech_rate(stereo, 44_100)
    assert out.dtype == np.float32 and len(out) == RATE
    assert _tone_power(out, 440) > 0.95


def test_load_speech_mixes_a_stereo_44k_file_to_16k_mono(tmp_path: Path) -> None:
    path = tmp_path / "stereo.flac"
    t = np.arange(2 * 44_100) / 44_100
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=44_100, layout="stereo")
        pcm = (0.3 * np.stack([np.sin(2 * np.pi * 300 * t), np.sin(2 * np.pi * 300 * t)]) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout="stereo")
        frame.sample_rate = 44_100
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    samples = load_speech(path)
    assert abs(len(samples) - 2 * RATE) < 200
    assert _tone_power(samples, 300) > 0.95


def test_load_speech_names_the_file_without_sound(tmp_path: Path) -> None:
    path = tmp_path / "picture.png"
    from PIL import Image

    Image.new("RGB", (8, 8)).save(path)
    with pytest.raises(MediaError, match=r"picture\.png"):
        load_speech(path)


def test_silence_and_steady_noise_hold_no_speech() -> None:
    silence = np.zeros(4 * RATE, np.float32)
    hiss = np.random.default_rng(0).normal(0, 0.05, 4 * RATE).astype(np.float32)
    for samples in (silence, hiss):
        assert not voice_activity(samples).any()
        assert speech_segments(samples) == []


def test_voice_activity_finds_the_talking_between_pauses() -> None:
    pause = np.zeros(RATE, np.float32)
    talk = speech_like(1.5)
    samples = np.concatenate([pause, talk, pause, talk, pause])
    samples = samples + np.random.default_rng(0).normal(0, 1e-3, len(samples)).astype(np.float32)
    regions = speech_regions(samples)
    assert len(regions) == 2
    (a0, a1), (b0, b1) = regions
    assert abs(a0 - 1.0) < 0.15 and abs(a1 - 2.5) < 0.15
    assert abs(b0 - 3.5) < 0.15 and abs(b1 - 5.0) < 0.15


def test_segments_are_two_seconds_of_mostly_speech() -> None:
    samples = recorded_like(8.0)
    segments = speech_segments(samples)
    assert segments
    for segment in segments:
        assert len(segment.samples) == int(SEGMENT_S * RATE)
        assert segment.end - segment.start == pytest.approx(SEGMENT_S)
        assert segment.speech_share >= 0.3
    starts = [s.start for s in segments]
    assert starts == sorted(starts) and starts[-1] <= 8.0 - SEGMENT_S


def test_a_short_utterance_is_one_segment_and_is_tiled_not_padded() -> None:
    word = speech_like(0.6)
    (segment,) = speech_segments(word)
    assert segment.start == 0.0 and segment.end == pytest.approx(0.6)
    fitted = fit_length(segment.samples, int(SEGMENT_S * RATE))
    assert len(fitted) == 2 * RATE and np.array_equal(fitted[: len(word)], word)
    assert np.array_equal(fitted[len(word) : 2 * len(word)], word)


def test_telephone_band_removes_what_a_phone_line_drops() -> None:
    t = np.arange(RATE) / RATE
    mix = (np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 6000 * t) + np.sin(2 * np.pi * 100 * t)).astype(np.float32)
    out = telephone_band(mix)
    assert _tone_power(out, 1000) > 0.97
    assert _tone_power(out, 6000) < 0.01 and _tone_power(out, 100) < 0.02


def test_features_have_the_model_shape_and_ignore_the_recording_level() -> None:
    samples = recorded_like(2.0)
    spec = log_spectrogram(samples)
    assert spec.shape == (MODEL_BINS, 1 + (len(samples) - 320) // 160)
    assert np.abs(spec - log_spectrogram(samples * 0.1)).max() < 0.02
    assert lfcc(samples).shape == (spec.shape[1], 60)


@needs_espeak
def test_espeak_speech_is_found_and_cut() -> None:
    speech = espeak_speech()
    regions = speech_regions(speech)
    assert regions and regions[0][0] < 0.5
    assert sum(b - a for a, b in regions) > 0.6 * len(speech) / RATE
    assert len(speech_segments(speech)) >= 2


def test_a_wav_with_speech_decodes_to_the_same_samples(tmp_path: Path) -> None:
    samples = recorded_like(3.0)
    back = load_speech(write_wav(tmp_path / "voice.wav", samples))
    assert len(back) == len(samples)
    assert np.max(np.abs(back - samples)) < 1e-3


def test_loud_mains_hum_does_not_hide_the_speech() -> None:
    pause = np.zeros(RATE, np.float32)
    samples = np.concatenate([pause, speech_like(1.5), pause])
    t = np.arange(len(samples)) / RATE
    hummed = samples + (0.5 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    (region,) = speech_regions(hummed)
    assert abs(region[0] - 1.0) < 0.15 and abs(region[1] - 2.5) < 0.15
