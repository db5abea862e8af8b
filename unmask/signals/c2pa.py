"""C2PA Content Credentials: a signed record of who made the file and how, checked offline.

Why it is the strongest signal when present: a valid manifest that declares ``trainedAlgorithmicMedia``
is the maker saying "AI made this"; a manifest whose hashes no longer match proves the content changed
after signing. A valid capture manifest supports authenticity, though an untrusted signer only proves
the file is unchanged since *someone* signed it. No manifest is the normal case and proves nothing.
"""

from __future__ import annotations

from unmask.media.types import MediaKind
from unmask.provenance.credentials import AI_SOURCE_TYPES, Credentials, describe_source_type, read_credentials
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal


@register_signal
class C2paSignal(Signal):
    name = "c2pa"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})
    needs = frozenset({Need.BYTES})
    description = "C2PA Content Credentials: signer, actions, AI-generated declarations, validation (offline)"

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        creds = read_credentials(ctx.media.path, ctx.media.mime)
        details = _details(creds)
        findings = _findings(creds)
        artifacts = []
        if creds.thumbnail and ctx.options.artifacts:
            artifacts.append(
                Artifact(
                    "c2pa-thumbnail",
                    "The thumbnail the signer stored in the manifest",
                    creds.thumbnail,
                    "image/jpeg",
                )
            )
        if creds.state in ("absent", "remote", "unreadable"):
            return Outcome.info(creds.explanation, findings=findings, details=details)
        score, confidence = _judgement(creds)
        summary = creds.explanation
        if creds.synthetic_declared:
            kinds = ", ".join(describe_source_type(s) for s in creds.source_types)
            summary = f"the Content Credentials declare the content {kinds} ({creds.explanation})"
        return Outcome.scored(score, confidence, summary, findings=findings, details=details, artifacts=artifacts)


def _judgement(creds: Credentials) -> tuple[float, float]:
    """Score and confidence, from the strongest statement the manifest makes."""
    intact = creds.state in ("valid", "trusted")
    if creds.ai_declared and intact:
        return 0.98, 0.95
    if creds.content_altered:
        return 0.85, 0.7
    if creds.ai_declared:
        return 0.9, 0.6
    if "algorithmicallyEnhanced" in creds.source_types and len(creds.source_types) == 1:
        return 0.65, 0.4
    if creds.synthetic_declared:
        return 0.9, 0.7 if intact else 0.5
    if creds.state == "trusted":
        return 0.15, 0.7
    if creds.state == "valid":
        return 0.3, 0.35
    return 0.6, 0.2


def _findings(creds: Credentials) -> list[Finding]:
    if creds.state in ("absent", "remote", "unreadable"):
        return [Finding(creds.explanation)]
    out = [Finding(creds.explanation, "fake" if creds.state == "invalid" else "real")]
    if creds.claim_generator:
        out.append(Finding(f"made with: {creds.claim_generator}"))
    if creds.signed_at:
        out.append(Finding(f"signed at {creds.signed_at}"))
    if creds.actions:
        out.append(Finding(f"recorded actions: {', '.join(creds.actions)}"))
    for source in creds.source_types:
        direction: Direction = "fake" if source in AI_SOURCE_TYPES else "neutral"
        out.append(Finding(f"digital source type: {describe_source_type(source)} ({source})", direction))
    out += [Finding(f"{f['code']}: {f['explanation']}", "neutral") for f in creds.failures]
    if creds.ingredients:
        out.append(Finding(f"{creds.ingredients} ingredient(s): made from earlier files"))
    return out


def _details(creds: Credentials) -> dict[str, object]:
    return {
        "state": creds.state,
        "failures": creds.failures,
        "signer": creds.signer,
        "issuer": creds.issuer,
        "signed_at": creds.signed_at,
        "claim_generator": creds.claim_generator,
        "title": creds.title,
        "actions": creds.actions,
        "digital_source_types": creds.source_types,
        "ai_generated_declared": creds.ai_declared,
        "synthetic_declared": creds.synthetic_declared,
        "manifests": creds.manifests,
        "ingredients": creds.ingredients,
    }
