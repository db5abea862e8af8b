"""Media decoding: one call turns a file into a :class:`Media` that every later stage shares.

The type is found from the bytes (:mod:`unmask.media.sniff`), then one decoder per kind reads it:
:mod:`~unmask.media.image`, :mod:`~unmask.media.video`, :mod:`~unmask.media.audio`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.errors import MediaError, MediaLimitError, UnsupportedMediaError
from unmask.media.audio import decode_audio, require_audio
from unmask.media.container import audio_stream, describe, open_container, video_stream
from unmask.media.image import decode_image
from unmask.media.sniff import HEAD_BYTES, describe_unknown, sniff
from unmask.media.types import AudioTrack, Frame, Media, MediaKind, Sampling
from unmask.media.video import decode_video

__all__ = ["AudioTrack", "Frame", "Media", "MediaKind", "Sampling", "decode", "sha256_file"]

_EXTENSIONS = {
    "jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "png": {".png"},
    "gif": {".gif"},
    "tiff": {".tif", ".tiff"},
    "bmp": {".bmp", ".dib"},
    "webp": {".webp"},
    "heic": {".heic", ".heif"},
    "heif": {".heic", ".heif"},
    "avif": {".avif"},
    "mp4": {".mp4", ".m4v", ".mov", ".3gp"},
    "mov": {".mov", ".mp4", ".qt"},
    "3gp": {".3gp", ".3g2", ".mp4"},
    "webm": {".webm", ".mkv"},
    "mkv": {".mkv", ".mka", ".webm"},
    "avi": {".avi"},
    "wav": {".wav", ".wave"},
    "mp3": {".mp3"},
    "aac": {".aac"},
    "m4a": {".m4a", ".mp4", ".aac"},
    "flac": {".flac"},
    "ogg": {".ogg", ".oga", ".opus", ".ogv"},
    "mpeg": {".mpg", ".mpeg"},
    "mpegts": {".ts", ".mts", ".m2ts"},
}


def sha256_file(path: str | Path) -> str:
    """The file's SHA-256 (hex): the identity reports, the ledger, resumed batches and model cards use."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def decode(path: str | Path, limits: DecodeLimits | None = None, policy: SamplingPolicy | None = None) -> Media:
    """Decode ``path`` once. Raises :class:`~unmask.errors.MediaError` with a one-line reason on bad input."""
    path = Path(path)
    limits = limits or DecodeLimits()
    policy = policy or SamplingPolicy()
    size = _check_file(path, limits)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    sniffed = sniff(head)
    if sniffed is None:
        raise UnsupportedMediaError(path, describe_unknown(head))
    media = Media(
        path=path,
        kind=sniffed.kind,
        format=sniffed.format,
        mime=sniffed.mime,
        size_bytes=size,
        sha256=sha256_file(path),
    )
    suffix = path.suffix.lower()
    if suffix and suffix not in _EXTENSIONS.get(sniffed.format, {suffix}):
        media.metadata["extension_mismatch"] = {"extension": suffix, "content": sniffed.format}
    if sniffed.kind is MediaKind.IMAGE:
        frame, meta, thumbnail = decode_image(path, limits)
        media.frames = [frame]
        media.metadata.update(meta)
        if thumbnail is not None:
            media.metadata["exif_thumbnail"] = thumbnail
        return media
    _decode_av(media, limits, policy)
    return media


def _check_file(path: Path, limits: DecodeLimits) -> int:
    if not path.exists():
        raise MediaError(path, "no such file")
    if not path.is_file():
        raise MediaError(path, "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(path, "empty file (0 bytes)")
    if size > limits.max_file_bytes:
        raise MediaLimitError(
            path, f"file is {size / 1e9:.1f} GB, above the {limits.max_file_bytes / 1e9:.1f} GB limit"
        )
    return size


def _decode_av(media: Media, limits: DecodeLimits, policy: SamplingPolicy) -> None:
    """Video and audio containers: the streams decide the kind (an .mp4 may hold only sound)."""
    warnings: list[str] = []
    with open_container(media.path) as container:
        media.metadata.update(describe(container))
        vstream, astream = video_stream(container), audio_stream(container)
        if vstream is None and astream is None:
            raise MediaError(media.path, "container holds no audio or video stream")
        if vstream is not None:
            media.kind = MediaKind.VIDEO
            decoded = decode_video(media.path, container, vstream, policy, limits)
            media.frames, media.sampling, media.duration = decoded.frames, decoded.sampling, decoded.duration
            warnings.extend(decoded.warnings)
        else:
            media.kind = MediaKind.AUDIO
            media.sampling = Sampling(policy="audio")
            if media.mime.startswith("video/"):
                media.mime = "audio/" + media.mime.split("/", 1)[1]
    if astream is not None:
        with open_container(media.path) as container:
            stream = audio_stream(container)
            assert stream is not None
            track = decode_audio(media.path, container, stream, policy, limits, warnings)
        if media.kind is MediaKind.AUDIO:
            track = require_audio(media.path, track, warnings)
            media.duration = track.duration
            if track.duration > limits.max_duration_s:
                raise MediaLimitError(media.path, "audio is longer than the duration limit")
        media.audio = track
    if warnings:
        media.metadata["decode_warnings"] = warnings
