"""C2PA Content Credentials: read and validate a manifest offline, and say what it means in plain words.

Remote manifests are never fetched (a scan must not call out to a URL chosen by the file's author);
such files are reported as "manifest stored remotely, not fetched".
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import c2pa

State = Literal["trusted", "valid", "invalid", "absent", "remote", "unreadable"]

AI_SOURCE_TYPES = {
    "trainedAlgorithmicMedia": "created by a generative AI model",
    "compositeWithTrainedAlgorithmicMedia": "composited with AI-generated elements",
    "algorithmicMedia": "created by an algorithm (not a camera)",
    "compositeSynthetic": "composited with synthetic elements",
    "algorithmicallyEnhanced": "enhanced by an algorithm",
}
GENERATIVE_SOURCE_TYPES = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"}
CAPTURE_SOURCE_TYPES = {
    "digitalCapture": "captured by a digital camera",
    "negativeFilm": "scanned from negative film",
    "positiveFilm": "scanned from positive film",
    "print": "scanned from a print",
    "minorHumanEdits": "a capture with minor human edits",
}

_FAILURE_WORDS = {
    "claimSignature.mismatch": "the signature does not match the claim (the manifest was altered after signing)",
    "claimSignature.missing": "the claim has no signature",
    "claimSignature.outsideValidity": "the signing certificate was not valid when the claim was signed",
    "signingCredential.untrusted": "the signer's certificate is not in the trust list (identity not verified)",
    "signingCredential.invalid": "the signer's certificate is invalid",
    "signingCredential.revoked": "the signer's certificate was revoked",
    "signingCredential.expired": "the signer's certificate has expired",
    "assertion.dataHash.mismatch": "the image data no longer matches the signed hash (pixels changed after signing)",
    "assertion.bmffHash.mismatch": "the media data no longer matches the signed hash (content changed after signing)",
    "assertion.boxesHash.mismatch": "the file's boxes no longer match the signed hash (content changed after signing)",
    "assertion.hashedURI.mismatch": "an assertion was altered after signing",
    "assertion.missing": "an assertion the claim refers to is missing",
    "assertion.action.malformed": "an action assertion is malformed",
    "ingredient.hashedURI.mismatch": "an ingredient was altered after signing",
    "manifest.inaccessible": "the manifest could not be read",
    "timeStamp.mismatch": "the signing timestamp does not match",
    "timeStamp.untrusted": "the signing timestamp authority is not trusted",
}
_IDENTITY_ONLY = {"signingCredential.untrusted", "signingCredential.ocsp.skipped", "timeStamp.untrusted"}
"""Failures that concern who signed, not whether the content changed: a self-made or unknown CA."""


@dataclass
class Credentials:
    """What a file's C2PA manifest says, and whether it holds up."""

    state: State
    explanation: str
    failures: list[dict[str, str]] = field(default_factory=list)
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    claim_generator: str | None = None
    title: str | None = None
    actions: list[str] = field(default_factory=list)
    source_types: list[str] = field(default_factory=list)
    manifests: int = 0
    ingredients: int = 0
    thumbnail: bytes | None = None

    @property
    def ai_declared(self) -> bool:
        """The manifest says a generative model made (part of) the content."""
        return any(t in GENERATIVE_SOURCE_TYPES for t in self.source_types)

    @property
    def synthetic_declared(self) -> bool:
        """Made or altered by an algorithm of any kind (generative, procedural or enhancement)."""
        return any(t in AI_SOURCE_TYPES for t in self.source_types)

    @property
    def content_altered(self) -> bool:
        """A failure about the content or claim itself, not only about the signer's identity."""
        return self.state == "invalid" and any(f["code"] not in _IDENTITY_ONLY for f in self.failures)


def _context(trust_anchors: str | None) -> c2pa.Context:
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False}}
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    return c2pa.Context(settings=c2pa.Settings.from_dict(settings))


def read_credentials(path: Path, mime: str, data: bytes | None = None, trust_anchors: str | None = None) -> Credentials:
    """Read and validate the C2PA manifest of ``path`` (never fetching anything)."""
    payload = data if data is not None else path.read_bytes()
    try:
        reader = c2pa.Reader(mime, io.BytesIO(payload), context=_context(trust_anchors))
    except Exception as exc:  # c2pa raises its own error classes per failure kind
        return _from_error(exc)
    with reader:
        return _from_reader(reader)


def _from_error(exc: Exception) -> Credentials:
    text = str(exc)
    kind = type(exc).__name__
    if "ManifestNotFound" in kind or "ManifestNotFound" in text or "no JUMBF" in text:
        return Credentials(state="absent", explanation="no C2PA manifest in the file")
    if "remote manifest" in text.lower():
        url = text.rsplit(" ", 1)[-1]
        return Credentials(
            state="remote",
            explanation=f"the manifest is stored remotely ({url}) and was not fetched (offline)",
        )
    if "NotSupported" in kind or "type is unsupported" in text.lower():
        return Credentials(state="absent", explanation="this file type cannot carry a C2PA manifest")
    reason = text.split(":", 1)[-1].strip() if ":" in text else text
    return Credentials(state="unreadable", explanation=f"a C2PA manifest is present but cannot be validated: {reason}")


def _from_reader(reader: c2pa.Reader) -> Credentials:
    store = json.loads(reader.json())
    active_label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(active_label, {})
    raw_state = (reader.get_validation_state() or "").lower()
    results = reader.get_validation_results() or {}
    failures = [
        {
            "code": f.get("code", ""),
            "explanation": _FAILURE_WORDS.get(f.get("code", ""), f.get("explanation", "")),
        }
        for f in (results.get("activeManifest") or {}).get("failure", [])
    ]
    state: State = "trusted" if raw_state == "trusted" else "valid" if raw_state == "valid" else "invalid"
    signature = manifest.get("signature_info") or {}
    actions, sources = _actions(manifest)
    creds = Credentials(
        state=state,
        explanation="",
        failures=failures,
        signer=signature.get("common_name") or signature.get("issuer"),
        issuer=signature.get("issuer"),
        signed_at=signature.get("time"),
        claim_generator=manifest.get("claim_generator") or _generator_info(manifest),
        title=manifest.get("title"),
        actions=actions,
        source_types=sources,
        manifests=len(store.get("manifests", {})),
        ingredients=len(manifest.get("ingredients", [])),
        thumbnail=_thumbnail(reader, manifest),
    )
    creds.explanation = _explain(creds)
    return creds


def _generator_info(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info") or []
    names = [f"{i.get('name', '')}/{i.get('version', '')}".rstrip("/") for i in info if isinstance(i, dict)]
    return " ".join(names) or None


def _actions(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    actions: list[str] = []
    sources: list[str] = []
    for assertion in manifest.get("assertions", []):
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions", []):
            actions.append(str(action.get("action", "")).removeprefix("c2pa."))
            source = action.get("digitalSourceType")
            if source:
                sources.append(str(source).rstrip("/").rsplit("/", 1)[-1])
    return actions, sorted(set(sources))


def _thumbnail(reader: c2pa.Reader, manifest: dict[str, Any]) -> bytes | None:
    identifier = (manifest.get("thumbnail") or {}).get("identifier")
    if not identifier:
        return None
    try:
        out = io.BytesIO()
        reader.resource_to_stream(identifier, out)
        return out.getvalue() or None
    except Exception:
        return None


def _explain(creds: Credentials) -> str:
    who = f"signed by {creds.signer}" if creds.signer else "signed"
    if creds.state == "trusted":
        return f"valid Content Credentials, {who} (a trusted signer)"
    if creds.state == "valid":
        untrusted = any(f["code"] == "signingCredential.untrusted" for f in creds.failures)
        tail = "; the signer is not on a trust list, so the identity is unverified" if untrusted else ""
        return f"valid Content Credentials, {who}{tail}"
    reasons = "; ".join(f["explanation"] for f in creds.failures if f["code"] not in _IDENTITY_ONLY)
    return f"Content Credentials fail validation: {reasons or 'see the failure codes'}"


def describe_source_type(source: str) -> str:
    return AI_SOURCE_TYPES.get(source) or CAPTURE_SOURCE_TYPES.get(source) or source
