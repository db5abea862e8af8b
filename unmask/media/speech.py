"""The speech front end: 16 kHz mono samples, voice-activity detection and fixed-length segments.

Why segments: a synthetic-voice detector judges a few seconds at a time (vocoder and codec traces are
local), a clip can mix real and cloned speech, and a per-segment score is what the report's timeline
shows. Why an energy VAD rather than a learned one: it needs no model, runs in microseconds a frame,
and is only asked "is someone talking here?", not "who?". It compares each 20 ms frame with the
clip's own noise floor and peak, so it adapts to quiet and loud recordings, and rejects digital
silence and steady hum or hiss (no frame stands out of a flat floor).

Shared by the ``voice`` signal (scan time, from :class:`~unmask.media.types.AudioTrack`), by training
(:mod:`unmask.models.voice_data`) and by ``bench/``, so the model always sees the same cuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt, sosfiltfilt

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.errors import MediaError
from unmask.media.types import AudioTrack

SPEECH_RATE = 16_000
"""Hz: what the anti-spoofing field works at (ASVspoof is 16 kHz) and what the decoder already delivers."""
FRAME_S = 0.02
HOP_S = 0.01
SILENCE_DBFS = -55.0
"""Frames quieter than this (RMS, dB below full scale) are never speech: digital or near silence."""
ABOVE_FLOOR_DB = 12.0
"""A speech frame stands this far above the clip's noise floor (its 10th-percentile frame level)."""
BELOW_PEAK_DB = 40.0
"""…and no further than this below its loud frames (98th percentile): keeps breaths and room tone out."""
MIN_RANGE_DB = 8.0
"""Speech rises and falls: a clip whose loud frames are within this of its floor is steady noise or hum.
A short clip that is nearly all speech has a high "floor"; its threshold is then at most
:data:`NEAR_PEAK_DB` below the peak."""
NEAR_PEAK_DB = 10.0
BRIDGE_S = 0.3
"""Pauses shorter than this inside speech belong to it (between words)."""
MIN_SPEECH_S = 0.15
"""Shorter bursts (a click, a door) are not speech."""
SEGMENT_S = 2.0
"""Length of one scored segment (the model's training crop)."""
SEGMENT_HOP_S = 1.0
MIN_SEGMENT_SPEECH = 0.3
"""A segment is kept when at least this share of it is speech."""


@dataclass(frozen=True)
class Segment:
    """A window of the track that holds speech, with its position on the track's clock."""

    start: float
    end: float
    samples: np.ndarray
    speech_share: float


def to_speech_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at 16 kHz (polyphase resampling; a no-op at 16 kHz)."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.asarray(mono, dtype=np.float32)
    if rate == SPEECH_RATE:
        return mono
    g = gcd(SPEECH_RATE, rate)
    return resample_poly(mono, SPEECH_RATE // g, rate // g).astype(np.float32)


def track_samples(track: AudioTrack) -> np.ndarray:
    """A decoded track's samples at 16 kHz (the decoder's policy rate is 16 kHz unless someone changed it)."""
    return to_speech_rate(track.samples, track.sample_rate)


def load_speech(path: Path, limits: DecodeLimits | None = None) -> np.ndarray:
    """Decode the first audio stream of any file (audio or video) to 16 kHz mono float32, for training and
    benchmarks; scans use the track the pipeline already decoded. Raises :class:`MediaError` in one line."""
    from unmask.media.audio import decode_audio, require_audio
    from unmask.media.container import audio_stream, open_container

    warnings: list[str] = []
    policy = SamplingPolicy()
    with open_container(path) as container:
        stream = audio_stream(container)
        if stream is None:
            raise MediaError(path, "no audio stream")
        track = decode_audio(path, container, stream, policy, limits or DecodeLimits(), warnings)
    return track_samples(require_audio(path, track, warnings))


def frame_levels(samples: np.ndarray, rate: int = SPEECH_RATE) -> np.ndarray:
    """RMS level in dBFS of each 20 ms frame, every 10 ms (frame ``i`` starts at ``i * HOP_S``)."""
    frame, hop = int(FRAME_S * rate), int(HOP_S * rate)
    if len(samples) < frame:
        samples = np.pad(samples, (0, frame - len(samples)))
    count = 1 + (len(samples) - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    power = np.mean(np.square(samples[idx], dtype=np.float64), axis=1)
    return (10.0 * np.log10(power + 1e-12)).astype(np.float32)


def voice_activity(samples: np.ndarray, rate: int = SPEECH_RATE) -> np.ndarray:
    """One bool per 10 ms hop: is this frame speech? Energy in the speech band (250-4000 Hz, so mains hum
    and rumble cannot mask the syllables) against the clip's own floor and peak, with short pauses
    bridged and short bursts dropped."""
    levels = frame_levels(_speech_band(samples, rate), rate)
    floor, peak = np.percentile(levels, 10), np.percentile(levels, 98)
    if peak - floor < MIN_RANGE_DB:
        return np.zeros(len(levels), dtype=bool)
    threshold = max(SILENCE_DBFS, min(floor + ABOVE_FLOOR_DB, peak - NEAR_PEAK_DB), peak - BELOW_PEAK_DB)
    active = levels > threshold
    active = _fill_short(active, False, int(BRIDGE_S / HOP_S))
    return _fill_short(active, True, int(MIN_SPEECH_S / HOP_S))


def _speech_band(samples: np.ndarray, rate: int) -> np.ndarray:
    high = min(4000.0, 0.45 * rate)
    sos = butter(4, [250.0, high], btype="bandpass", fs=rate, output="sos")
    return np.asarray(sosfilt(sos, samples), dtype=np.float32)


def _fill_short(mask: np.ndarray, value: bool, shorter_than: int) -> np.ndarray:
    """Flip runs of ``value`` shorter than ``shorter_than`` frames (inner runs only when bridging pauses)."""
    out = mask.copy()
    for start, end in _runs(mask, value):
        inner = start > 0 and end < len(mask)
        if end - start < shorter_than and (value or inner):
            out[start:end] = not value
    return out


def _runs(mask: np.ndarray, value: bool) -> list[tuple[int, int]]:
    """Half-open index ranges where ``mask == value``."""
    padded = np.r_[False, mask == value, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def speech_regions(samples: np.ndarray, rate: int = SPEECH_RATE) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of speech."""
    active = voice_activity(samples, rate)
    end_of = len(samples) / rate
    return [(a * HOP_S, min(end_of, b * HOP_S + FRAME_S)) for a, b in _runs(active, True)]


def speech_segments(
    samples: np.ndarray, rate: int = SPEECH_RATE, length: float = SEGMENT_S, hop: float = SEGMENT_HOP_S
) -> list[Segment]:
    """Windows of ``length`` seconds every ``hop`` seconds that are at least :data:`MIN_SEGMENT_SPEECH`
    speech. A clip shorter than one window with any speech gives one segment: the whole clip."""
    active = voice_activity(samples, rate)
    if not active.any():
        return []
    duration = len(samples) / rate
    if duration <= length:
        return [Segment(0.0, duration, samples, float(active.mean()))]
    speech_at = np.r_[0, np.cumsum(active)]
    starts = np.arange(0.0, duration - length + 1e-9, hop)
    if duration - length - starts[-1] > 0.25 * hop:
        starts = np.r_[starts, duration - length]
    segments = []
    for start in starts:
        a, b = round(start / HOP_S), min(len(active), round((start + length) / HOP_S))
        share = float(speech_at[b] - speech_at[a]) / max(1, b - a)
        if share >= MIN_SEGMENT_SPEECH:
            i = round(start * rate)
            segments.append(Segment(float(start), float(start + length), samples[i : i + int(length * rate)], share))
    return segments


def trim_silence(samples: np.ndarray, rate: int = SPEECH_RATE) -> np.ndarray:
    """The samples from the first to the last speech frame (training crops then land on speech)."""
    regions = speech_regions(samples, rate)
    if not regions:
        return samples
    a, b = int(regions[0][0] * rate), int(regions[-1][1] * rate)
    return samples[a:b] if b - a >= int(MIN_SPEECH_S * rate) else samples


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """Exactly ``length`` samples: a centred crop, or the clip repeated (a short utterance is tiled, not
    zero-padded, so the model never sees artificial digital silence)."""
    if len(samples) >= length:
        start = (len(samples) - length) // 2
        return samples[start : start + length]
    if len(samples) == 0:
        return np.zeros(length, dtype=np.float32)
    reps = -(-length // len(samples))
    return np.tile(samples, reps)[:length]


_PHONE = butter(6, [300, 3400], btype="bandpass", fs=SPEECH_RATE, output="sos")
_LOWPASS_4K = butter(8, 3800, btype="lowpass", fs=SPEECH_RATE, output="sos")


def telephone_band(samples: np.ndarray) -> np.ndarray:
    """The 300-3400 Hz band of a narrow-band phone call (ITU-T G.712), still at 16 kHz."""
    return sosfiltfilt(_PHONE, samples).astype(np.float32)


def narrow_band(samples: np.ndarray) -> np.ndarray:
    """The 4 kHz band limit of an 8 kHz recording, still at 16 kHz."""
    return sosfiltfilt(_LOWPASS_4K, samples).astype(np.float32)
