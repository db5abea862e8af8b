"""Exact and perceptual hashes, recorded in every report so copies can be matched later.

SHA-256 identifies the exact bytes; PDQ (Meta's 256-bit perceptual hash) survives re-encoding and
resizing (Hamming distance 0 after JPEG q75, ~10/256 after halving the size, ~116 for an unrelated
image, measured in ``../shared/notes/dependencies.md``), which is what the ledger matches copies by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash

PDQ_BITS = 256
PDQ_MATCH_DISTANCE = 31
"""Hamming distance at or under which two PDQ hashes are treated as the same picture (Meta's guidance)."""
PDQ_MIN_QUALITY = 50
"""PDQ's own quality score (0-100): flat or tiny pictures below this hash unreliably."""


@dataclass(frozen=True)
class PerceptualHash:
    hex: str
    quality: int
    time: float = 0.0


def pdq(pixels: np.ndarray) -> PerceptualHash:
    """PDQ hash of an RGB uint8 image, as 64 hex digits."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels, dtype=np.uint8))
    return PerceptualHash(hex=bits_to_hex(bits), quality=int(quality))


def bits_to_hex(bits: np.ndarray) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex-encoded hashes of equal length."""
    if len(a) != len(b):
        raise ValueError("hashes differ in length")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def keyframe_hashes(
    frames: list[tuple[float, np.ndarray]], per_second: float = 1.0, max_hashes: int = 64, min_distance: int = 16
) -> list[PerceptualHash]:
    """PDQ of about ``per_second`` frames per second of video (at most ``max_hashes``, evenly spread),
    dropping near-duplicates of the previous kept hash.

    One frame a second is what Meta's vPDQ samples by default: scenes rarely change faster, and a
    re-encoded or trimmed copy still shares most hashes, so the ledger can match a clip by any of its
    scenes, not only by its first frame.
    """
    if not frames:
        return []
    span = frames[-1][0] - frames[0][0]
    wanted = max(1, min(max_hashes, int(span * per_second) + 1, len(frames)))
    picks = sorted({round(i * (len(frames) - 1) / max(1, wanted - 1)) for i in range(wanted)})
    kept: list[PerceptualHash] = []
    for time, pixels in (frames[i] for i in picks):
        h = pdq(pixels)
        if kept and hamming(kept[-1].hex, h.hex) <= min_distance:
            continue
        kept.append(PerceptualHash(hex=h.hex, quality=h.quality, time=round(time, 3)))
    return kept
