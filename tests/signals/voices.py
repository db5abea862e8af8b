"""Speech fixtures for the voice tests, all made here (no recording is shipped, so no licence question):
espeak-ng speech, and a "recorded-like" voice built the way a physical voice and a room make sound."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, lfilter, sosfilt

RATE = 16_000
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410), (300, 870, 2240))
"""F1-F3 of /a/, /i/, /e/, /o/, /u/ (Peterson and Barney 1952, adult male averages)."""

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def espeak_speech(text: str = "Please transfer the money to the new account before the end of the day.") -> np.ndarray:
    """espeak-ng's formant synthesis of ``text`` at 16 kHz (the caller skips when espeak-ng is missing)."""
    from unmask.models.voice_data import _wav_samples

    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True, timeout=30).stdout
    return _wav_samples(wav)


def recorded_like(seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """A voice as a throat, a mouth, a room and a microphone make it: glottal pulses with jitter and
    shimmer and a wandering pitch, breath noise, five vowels' formants, fricative bursts between
    syllables, a short room reverberation and the microphone's noise floor."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = 120 + 15 * np.sin(2 * np.pi * 0.3 * t) + 5 * np.sin(2 * np.pi * 1.7 * t)
    source = np.zeros(n)
    position = 0.0
    while position < n - 1:
        period = RATE / f0[int(position)] * (1 + 0.012 * rng.standard_normal())
        i = int(position)
        width = int(0.6 * period)
        pulse = np.sin(np.linspace(0, np.pi, width)) ** 2 * (1 + 0.08 * rng.standard_normal())
        end = min(n, i + width)
        source[i:end] += pulse[: end - i]
        position += period
    source = np.diff(source, prepend=0.0) + 0.04 * rng.standard_normal(n)
    voice = np.zeros(n)
    syllable = int(0.22 * RATE)
    for k, start in enumerate(range(0, n, syllable)):
        chunk = source[start : start + syllable]
        shaped = chunk
        for formant, bandwidth in zip(VOWELS[k % len(VOWELS)], (90, 110, 160), strict=True):
            r = np.exp(-np.pi * bandwidth / RATE)
            shaped = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * formant / RATE), r * r], shaped)
        envelope = np.sin(np.linspace(0, np.pi, len(chunk))) ** 0.5
        voice[start : start + len(chunk)] = shaped * envelope
        if k % 3 == 2:
            burst = sosfilt(butter(4, [3500, 7000], "bandpass", fs=RATE, output="sos"), rng.standard_normal(1200))
            voice[start : start + 1200] += 0.3 * burst * np.max(np.abs(shaped))
    gaps = (np.sin(2 * np.pi * 0.45 * t) > -0.6).astype(float)
    voice *= np.convolve(gaps, np.ones(800) / 800, mode="same")
    room = rng.standard_normal(int(0.25 * RATE)) * np.exp(-np.arange(int(0.25 * RATE)) / (0.05 * RATE))
    room[0] = 8.0
    voice = np.convolve(voice, room)[:n]
    voice /= np.max(np.abs(voice)) * 2.5
    hiss = sosfilt(butter(1, 2000, "lowpass", fs=RATE, output="sos"), rng.standard_normal(n)) * 0.002
    return (voice + hiss).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """16-bit mono WAV."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path
