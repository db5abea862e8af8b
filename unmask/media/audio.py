"""Audio through PyAV (WAV, MP3, FLAC, M4A/AAC, OGG/Opus, and the sound track of videos).

Audio is stored once, mixed to mono float32 at the policy's rate (16 kHz): what speech models, voice
activity detection and the lip-sync envelope all work with.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.container
import numpy as np

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.errors import MediaError, MediaLimitError
from unmask.media.container import short_av_error
from unmask.media.types import AudioTrack


def decode_audio(
    path: Path,
    container: av.container.InputContainer,
    stream: av.AudioStream,
    policy: SamplingPolicy,
    limits: DecodeLimits,
    warnings: list[str],
) -> AudioTrack | None:
    """Decode one audio stream; ``None`` if it holds no samples (the caller decides if that is an error)."""
    cc = stream.codec_context
    rate = policy.audio_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    limit = int(limits.max_duration_s * rate)
    chunks: list[np.ndarray] = []
    total = 0
    start: float | None = None
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                if start is None and frame.time is not None:
                    start = max(0.0, float(frame.time))
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
            if total > limit:
                raise MediaLimitError(path, f"audio lasts over {limits.max_duration_s:.0f} s, above the limit")
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        warnings.append(f"audio decoding stopped after {total / rate:.1f} s: {short_av_error(exc)}")
    if not chunks:
        return None
    samples = np.clip(np.concatenate(chunks).astype(np.float32, copy=False), -1.0, 1.0)
    if samples.size == 0:
        return None
    return AudioTrack(
        samples=samples,
        sample_rate=rate,
        source_rate=int(cc.sample_rate or rate),
        channels=int(cc.channels or 1),
        codec=cc.name,
        start=start or 0.0,
    )


def require_audio(path: Path, track: AudioTrack | None, warnings: list[str]) -> AudioTrack:
    if track is None:
        reason = warnings[0] if warnings else "the audio stream is empty"
        raise MediaError(path, f"no decodable audio ({reason})")
    return track
