"""Open audio/video containers with PyAV and describe what they hold.

Shared by the video and audio decoders so both read streams, tags and durations the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av
import av.container

from unmask.errors import MediaError


@contextmanager
def open_container(path: Path) -> Iterator[av.container.InputContainer]:
    """Open for reading; any FFmpeg failure becomes a one-line :class:`MediaError`."""
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(path, f"corrupt or unreadable container: {short_av_error(exc)}") from None
    try:
        yield container
    finally:
        container.close()


def short_av_error(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:200]


def video_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    """The main video stream, ignoring cover art (an MP3's album picture is not video)."""
    for stream in container.streams.video:
        disposition = getattr(stream, "disposition", 0)
        attached = getattr(av.stream.Disposition, "attached_pic", None)
        if attached is not None and disposition & attached:
            continue
        if stream.codec_context is None:
            continue
        return stream
    return None


def audio_stream(container: av.container.InputContainer) -> av.AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None


def container_duration(container: av.container.InputContainer) -> float | None:
    """Duration in seconds from the container, else the longest stream; ``None`` when unknown."""
    if container.duration:
        return float(container.duration) / av.time_base
    best = None
    for stream in container.streams:
        if stream.duration and stream.time_base:
            seconds = float(stream.duration * stream.time_base)
            best = seconds if best is None else max(best, seconds)
    return best


def describe(container: av.container.InputContainer) -> dict[str, Any]:
    """Container and stream metadata as JSON-friendly values (tags, codecs, encoder strings)."""
    streams = []
    for stream in container.streams:
        entry: dict[str, Any] = {
            "index": stream.index,
            "type": stream.type,
            "codec": stream.codec_context.name if stream.codec_context else None,
            "tags": {str(k): str(v)[:500] for k, v in (stream.metadata or {}).items()},
        }
        if stream.type == "video":
            cc: Any = stream.codec_context  # the stream type narrows it; the stubs do not
            entry.update(
                width=cc.width,
                height=cc.height,
                pix_fmt=cc.pix_fmt,
                fps=float(stream.average_rate) if stream.average_rate else None,
                frames=stream.frames or None,
                profile=cc.profile,
            )
        elif stream.type == "audio":
            audio: Any = stream.codec_context
            entry.update(sample_rate=audio.sample_rate, channels=audio.channels, profile=audio.profile)
        bit_rate = getattr(stream, "bit_rate", None)
        if bit_rate:
            entry["bit_rate"] = bit_rate
        streams.append(entry)
    return {
        "container": container.format.name,
        "container_long_name": container.format.long_name,
        "duration_s": container_duration(container),
        "bit_rate": container.bit_rate or None,
        "tags": {str(k): str(v)[:500] for k, v in (container.metadata or {}).items()},
        "streams": streams,
    }
