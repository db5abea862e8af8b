"""Provenance: is unmask's invisible watermark in the picture, and is the file (or an original it is a
copy of) registered in the local transparency ledger?

This is the same check ``unmask verify`` makes, inside every scan, so one report holds both the
forensic guess and the proof. It judges nothing (status ``info``): a watermark or a ledger entry says
*who registered* a picture, not whether its content is true, and a registered original may itself be
AI-generated (the lab's benchmark fakes are registered and watermarked on purpose). The C2PA state is
the ``c2pa`` signal's job and the hashes the ``hashes`` signal's; this one reuses their PDQ hashes.
"""

from __future__ import annotations

from unmask.media.types import MediaKind
from unmask.provenance import watermark
from unmask.provenance.verify import ledger_verdict
from unmask.signals.base import AnalysisContext, Finding, Need, Outcome, Signal
from unmask.signals.hashes import perceptual_hashes
from unmask.signals.registry import register_signal


@register_signal
class ProvenanceSignal(Signal):
    name = "provenance"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.BYTES})
    description = "unmask's invisible watermark, and a match in the local ledger (exact, near-duplicate or by mark)"

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        media = ctx.media
        mark = watermark.detect_frames([f.pixels for f in media.frames])
        hashes = [h.hex for h in perceptual_hashes(ctx)]
        ledger = ledger_verdict(None, media.sha256, hashes, mark.content_id if mark.found else None)
        findings = [_watermark_finding(mark), Finding(f"ledger: {ledger.note}")]
        findings += [Finding(m.summary) for m in ledger.matches]
        details = {
            "watermark": {"found": mark.found, "content_id": mark.content_id, "method": mark.method},
            "ledger": {
                "location": ledger.location,
                "available": ledger.available,
                "entries": ledger.size,
                "matches": [
                    {"kind": m.kind, "index": m.index, "distance": m.distance, "proof_verified": m.proof_verified}
                    for m in ledger.matches
                ],
            },
        }
        summary = _summary(mark.found, mark.content_id, len(ledger.matches))
        return Outcome.info(summary, findings=findings, details=details)


def _watermark_finding(mark: watermark.WatermarkResult) -> Finding:
    if mark.found:
        return Finding(f"unmask watermark found ({mark.method}): content id {mark.content_id}")
    return Finding("no unmask watermark found")


def _summary(found: bool, content_id: str | None, matches: int) -> str:
    mark = f"watermark {content_id}" if found else "no watermark"
    ledger = f"{matches} ledger match{'es' if matches != 1 else ''}" if matches else "not in the local ledger"
    return f"{mark}; {ledger}"
