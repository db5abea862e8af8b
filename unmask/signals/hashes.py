"""Hashes: the exact (SHA-256) and perceptual (PDQ) fingerprints of the media, for later matching.

This signal judges nothing (status ``info``); it puts the hashes in every report so that a copy can be
matched against registered originals in the ledger without scanning the file again.
"""

from __future__ import annotations

from unmask.media.types import MediaKind
from unmask.provenance.hashing import PDQ_MIN_QUALITY, PerceptualHash, keyframe_hashes, pdq
from unmask.signals.base import AnalysisContext, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal


def perceptual_hashes(ctx: AnalysisContext) -> list[PerceptualHash]:
    """PDQ of the picture, or of about one video frame a second; computed once per scan and shared (the
    provenance signal matches the same hashes against the ledger)."""
    frames = ctx.media.frames

    def compute() -> list[PerceptualHash]:
        if not frames:
            return []
        if ctx.media.kind is MediaKind.IMAGE:
            return [pdq(frames[0].pixels)]
        return keyframe_hashes([(f.time, f.pixels) for f in frames])

    hashes: list[PerceptualHash] = ctx.derived("hashes.pdq", compute)
    return hashes


@register_signal
class HashesSignal(Signal):
    name = "hashes"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})
    needs = frozenset({Need.BYTES})
    description = "SHA-256 of the bytes and PDQ perceptual hashes of the picture (per video: of sampled frames)"

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        media = ctx.media
        details: dict[str, object] = {"sha256": media.sha256}
        findings = [Finding(f"SHA-256 {media.sha256}")]
        if media.kind is MediaKind.IMAGE and media.frames:
            h = perceptual_hashes(ctx)[0]
            details["pdq"] = {"hash": h.hex, "quality": h.quality}
            findings.append(Finding(f"PDQ {h.hex} (quality {h.quality})"))
            if h.quality < PDQ_MIN_QUALITY:
                findings.append(Finding("the picture is too flat for a reliable perceptual hash"))
        elif media.frames:
            hashes = perceptual_hashes(ctx)
            details["pdq_frames"] = [{"time": h.time, "hash": h.hex, "quality": h.quality} for h in hashes]
            findings.append(Finding(f"{len(hashes)} distinct PDQ frame hashes over {len(media.frames)} sampled frames"))
        summary = f"SHA-256 {media.sha256[:16]}…" + (" and PDQ recorded" if media.frames else "")
        return Outcome.info(summary, findings=findings, details=details)
