"""The decoded media object that every later stage shares.

A file is decoded exactly once into a :class:`Media`. Faces, signals and models read from it and never
open the file again (metadata and provenance signals read ``Media.path`` bytes, which is not decoding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True)
class Frame:
    """One picture: the still image, or a sampled video frame."""

    index: int
    """Position in the sampled sequence (0..n-1)."""
    source_index: int
    """Frame number in the stream (for a still image: 0)."""
    time: float
    """Presentation time in seconds."""
    pixels: np.ndarray
    """H x W x 3 uint8 RGB, upright (EXIF orientation applied)."""

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


@dataclass(frozen=True)
class AudioTrack:
    """The audio, mixed to mono float32 in [-1, 1] at ``sample_rate``."""

    samples: np.ndarray
    sample_rate: int
    source_rate: int
    channels: int
    codec: str
    start: float = 0.0
    """Presentation time of the first sample, on the same clock as :attr:`Frame.time` (a video's sound
    often starts before or after its first picture; lip sync must compare the two on one clock)."""

    @property
    def duration(self) -> float:
        return float(len(self.samples)) / self.sample_rate

    @property
    def end(self) -> float:
        """Presentation time just after the last sample."""
        return self.start + self.duration


@dataclass(frozen=True)
class Sampling:
    """How the frames were chosen, so a report can say what was looked at."""

    policy: str
    """``"still"``, ``"dense"`` (every frame up to max_fps) or ``"windows"``."""
    source_fps: float | None = None
    sampled_fps: float | None = None
    source_frames: int | None = None
    source_size: tuple[int, int] | None = None
    """(width, height) of the stream."""
    scale: float = 1.0
    """Stored frame size / source size (1.0 unless the memory budget asked for downscaling)."""
    windows: tuple[tuple[float, float], ...] = ()


@dataclass
class Media:
    """A decoded file: pictures, sound and the metadata the container held."""

    path: Path
    kind: MediaKind
    format: str
    """Content type found from the bytes, e.g. ``"jpeg"``, ``"mp4"``, ``"flac"``."""
    mime: str
    size_bytes: int
    sha256: str
    frames: list[Frame] = field(default_factory=list)
    audio: AudioTrack | None = None
    duration: float | None = None
    sampling: Sampling = field(default_factory=lambda: Sampling(policy="still"))
    metadata: dict[str, Any] = field(default_factory=dict)
    """What the container said: EXIF/XMP/PNG text for images, format and stream tags for A/V."""

    @property
    def width(self) -> int | None:
        return self.frames[0].width if self.frames else None

    @property
    def height(self) -> int | None:
        return self.frames[0].height if self.frames else None

    @property
    def fps(self) -> float | None:
        return self.sampling.sampled_fps

    def read_bytes(self) -> bytes:
        """The file's bytes, for signals that parse containers (C2PA, metadata). Not a decode."""
        return self.path.read_bytes()
