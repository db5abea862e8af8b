"""Limits and sampling policy for a scan, in one place.

The defaults keep one scan of any input within about 1.5 GB of memory on a laptop; every limit can be
changed per call (``ScanOptions``) or from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DecodeLimits:
    """What the decoder accepts before it refuses a file as hostile or too large."""

    max_file_bytes: int = 8 * 1024**3
    """Larger files are refused before they are opened."""
    max_image_pixels: int = 120_000_000
    """Pillow's decompression-bomb limit: an image with more pixels is refused (a 12,000 x 10,000 photo)."""
    max_duration_s: float = 4 * 3600.0
    """Videos and audio longer than this are refused (a runaway or hostile container)."""
    max_video_side: int = 8192
    """Videos wider or taller than this are refused."""


@dataclass(frozen=True)
class SamplingPolicy:
    """Which video frames are kept, documented in the README ("Frame sampling").

    * Every frame up to ``max_fps`` is kept, so blinks (100-400 ms) and frame-to-frame flicker stay visible.
    * Clips up to ``dense_seconds`` are sampled densely from start to end.
    * Longer clips are sampled as ``window_seconds`` runs of consecutive frames, spread evenly over the
      whole duration, with ``dense_seconds`` of frames in total: temporal cues survive, memory stays bounded.
    * If the kept frames would exceed ``frame_memory_bytes`` at native size, frames are downscaled (never
      below ``min_frame_side`` on the long side) before they are stored.
    """

    max_fps: float = 30.0
    dense_seconds: float = 60.0
    window_seconds: float = 2.0
    frame_memory_bytes: int = 1536 * 1024**2
    min_frame_side: int = 640
    audio_rate: int = 16_000
    """Audio is stored mono at this rate: speech models and the lip-sync envelope work at 16 kHz."""


@dataclass(frozen=True)
class ScanOptions:
    """Everything that changes what a scan does."""

    limits: DecodeLimits = field(default_factory=DecodeLimits)
    sampling: SamplingPolicy = field(default_factory=SamplingPolicy)
    signals: tuple[str, ...] | None = None
    """Names of the signals to run; ``None`` runs every registered signal that applies."""
    skip_signals: tuple[str, ...] = ()
    artifacts: bool = True
    """Render plots and heatmaps. Batch jobs that only keep scores turn this off to save time."""
    find_faces: bool = True
    signal_threads: int = field(default_factory=lambda: default_signal_threads())
    """Signals run side by side on this many threads (1: one after another); the result is the same either
    way. Batch workers already run one scan per core, so they pass 1; the server gives each scan process
    its share of the cores."""


def default_signal_threads() -> int:
    """Up to four threads, never more than the cores this process may use."""
    import os

    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
