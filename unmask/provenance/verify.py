"""Verify a file's provenance: C2PA credentials, the watermark, and the ledger, in one plain report.

The three answer different questions and fail differently, which is why all three are asked:

* C2PA says who signed *these exact bytes*; any edit breaks it (tampered), any re-encode strips it (none).
* The watermark survives re-encoding and resizing; its content id names the ledger entry of the original.
* The ledger matches the file exactly (SHA-256) or as a copy (PDQ Hamming distance <= 31), and proves
  the entry is in the signed, append-only log with an inclusion proof checked against its checkpoint.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import c2pa

from unmask.ledger import Entry, Ledger, LedgerError
from unmask.ledger.checkpoint import CheckpointError
from unmask.ledger.store import entry_from_row, resolve_url
from unmask.media import decode
from unmask.provenance import watermark
from unmask.provenance.credentials import Credentials, describe_source_type, read_credentials
from unmask.provenance.hashing import PDQ_MATCH_DISTANCE, hamming, keyframe_hashes, pdq
from unmask.provenance.keys import trust_anchors
from unmask.provenance.sign import SOFT_BINDING_LABEL

C2paState = Literal["trusted", "untrusted", "tampered", "invalid", "none", "remote", "unreadable"]
MatchKind = Literal["exact", "near", "watermark"]
_C2PA_WORDS: dict[str, str] = {
    "trusted": "valid and trusted",
    "untrusted": "valid but untrusted signer",
    "tampered": "tampered",
    "invalid": "invalid",
    "none": "none",
    "remote": "stored remotely (not fetched)",
    "unreadable": "present but unreadable",
}


@dataclass(frozen=True)
class C2paVerdict:
    state: C2paState
    words: str
    explanation: str
    failures: list[dict[str, str]] = field(default_factory=list)
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    source_types: list[str] = field(default_factory=list)
    soft_binding: str | None = None
    """The watermark content id the manifest declares (``c2pa.soft-binding`` with our algorithm)."""


@dataclass(frozen=True)
class WatermarkVerdict:
    found: bool
    content_id: str | None
    bit_errors: int
    confidence: float
    method: str
    frames: int


@dataclass(frozen=True)
class LedgerMatch:
    kind: MatchKind
    index: int
    registrant: str
    registered_at: str
    sha256: str
    media_type: str
    watermark_id: str | None
    distance: int | None
    """PDQ Hamming distance (0 for an exact match; None when matched only by the watermark id)."""
    proof_verified: bool
    checkpoint_size: int
    summary: str


@dataclass(frozen=True)
class LedgerVerdict:
    location: str
    available: bool
    size: int = 0
    matches: list[LedgerMatch] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class VerifyReport:
    """Everything ``unmask verify`` says about one file."""

    path: str
    mime: str
    sha256: str
    pdq: list[str]
    c2pa: C2paVerdict
    watermark: WatermarkVerdict
    ledger: LedgerVerdict

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The plain-words report, one statement per line."""
        c = self.c2pa
        out = [f"{self.path} ({self.mime}), SHA-256 {self.sha256}"]
        out.append(f"Content Credentials: {c.words}: {c.explanation}")
        if c.signed_at:
            out.append(f"  signed at {c.signed_at}")
        out += [f"  declared source: {describe_source_type(s)} ({s})" for s in c.source_types]
        out += [f"  {f['code']}: {f['explanation']}" for f in c.failures]
        w = self.watermark
        if w.found:
            fixed = f", {w.bit_errors} bit error(s) corrected" if w.bit_errors else ""
            out.append(
                f"Watermark: found ({w.method}), content id {w.content_id}, confidence {w.confidence:.2f}{fixed}"
            )
        else:
            out.append(f"Watermark: none found (confidence {w.confidence:.2f})")
        if c.soft_binding and w.found and c.soft_binding != w.content_id:
            out.append(f"  the manifest declares content id {c.soft_binding}, which differs from the watermark")
        out.append(f"Ledger: {self.ledger.note}")
        out += [f"  {m.summary}" for m in self.ledger.matches]
        return out


def c2pa_verdict(path: Path, mime: str, anchors: str | None) -> C2paVerdict:
    creds = read_credentials(path, mime, trust_anchors=anchors)
    state = _state(creds)
    binding = _soft_binding(path, mime) if creds.state in ("trusted", "valid", "invalid") else None
    return C2paVerdict(
        state=state,
        words=_C2PA_WORDS[state],
        explanation=creds.explanation,
        failures=creds.failures,
        signer=creds.signer,
        issuer=creds.issuer,
        signed_at=creds.signed_at,
        source_types=creds.source_types,
        soft_binding=binding,
    )


def _state(creds: Credentials) -> C2paState:
    if creds.state == "trusted":
        return "trusted"
    if creds.state == "valid":
        return "untrusted"
    if creds.state == "invalid":
        return "tampered" if creds.content_altered else "invalid"
    if creds.state == "absent":
        return "none"
    return creds.state


def _soft_binding(path: Path, mime: str) -> str | None:
    """The content id in our soft-binding assertion, if the manifest has one."""
    settings = c2pa.Settings.from_dict({"verify": {"remote_manifest_fetch": False}})
    try:
        with c2pa.Reader(mime, io.BytesIO(path.read_bytes()), context=c2pa.Context(settings=settings)) as reader:
            store = json.loads(reader.json())
    except Exception:  # an unreadable manifest simply declares nothing
        return None
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    for assertion in manifest.get("assertions", []):
        data = assertion.get("data") or {}
        if assertion.get("label") == SOFT_BINDING_LABEL and data.get("alg") == watermark.METHOD:
            for block in data.get("blocks", []):
                try:
                    return base64.b64decode(block.get("value", "")).hex()
                except ValueError:
                    continue
    return None


def _ledger_location(location: str | None) -> tuple[str, bool]:
    """The ledger URL, and whether it exists (verifying must not create an empty ledger)."""
    url = resolve_url(location)
    if url.startswith("sqlite:///"):
        return url, Path(url.removeprefix("sqlite:///")).is_file()
    return url, True


def _all_entries(log: Ledger) -> list[Entry]:
    with log.store.reading() as tx:
        return [entry_from_row(r) for r in tx.entry_rows(0, tx.size)]


def _near(entries: list[Entry], hashes: list[str]) -> list[tuple[Entry, int]]:
    """Entries within PDQ distance 31 of any of ``hashes``, closest first (PdqIndex when present)."""
    with_pdq = [e for e in entries if e.record.pdq]
    best: dict[int, int] = {}
    try:
        from unmask.ledger.index import PdqIndex

        index = PdqIndex.build([e.index for e in with_pdq], [e.record.pdq or "" for e in with_pdq])
        for h in hashes:
            for i, d in index.search(h, PDQ_MATCH_DISTANCE, limit=10):
                best[i] = min(d, best.get(i, d))
    except (ImportError, AttributeError, TypeError):  # the index is being built alongside; scan instead
        for e in with_pdq:
            d = min(hamming(e.record.pdq or "", h) for h in hashes)
            if d <= PDQ_MATCH_DISTANCE:
                best[e.index] = d
    by_index = {e.index: e for e in with_pdq}
    return sorted(((by_index[i], d) for i, d in best.items()), key=lambda pair: (pair[1], pair[0].index))


def _match(log: Ledger, entry: Entry, kind: MatchKind, distance: int | None) -> LedgerMatch:
    checkpoint = log.checkpoint()  # its signature is checked against the ledger's key on the way in
    proof = log.inclusion_proof(entry.index, checkpoint.size)
    verified = proof.leaf_hash == entry.leaf_hash and entry.matches_leaf_hash() and proof.verify(checkpoint.root)
    who = f"entry {entry.index}, registered by {entry.record.registrant} on {entry.registered_at[:10]}"
    summary = {
        "exact": f"this exact file is {who}",
        "near": f"this looks like a re-encoded or edited copy of {who} (PDQ distance {distance})",
        "watermark": f"its watermark names {who}",
    }[kind]
    proof_words = "verified" if verified else "FAILED"
    summary += f"; inclusion proof {proof_words} against the signed checkpoint of size {checkpoint.size}"
    return LedgerMatch(
        kind,
        entry.index,
        entry.record.registrant,
        entry.registered_at,
        entry.record.sha256,
        entry.record.media_type,
        entry.record.watermark_id,
        distance,
        verified,
        checkpoint.size,
        summary,
    )


def ledger_verdict(location: str | None, sha256: str, hashes: list[str], content_id: str | None) -> LedgerVerdict:
    url, exists = _ledger_location(location)
    if not exists:
        return LedgerVerdict(url, False, note=f"no ledger at {url.removeprefix('sqlite:///')}")
    try:
        with Ledger.open(location) as log:
            entries = _all_entries(log)
            found: list[tuple[Entry, MatchKind, int | None]] = [
                (e, "exact", 0) for e in entries if e.record.sha256 == sha256
            ]
            if not found and hashes:
                found = [(e, "near", d) for e, d in _near(entries, hashes)]
            seen = {e.index for e, _, _ in found}
            if content_id:
                found += [
                    (e, "watermark", None)
                    for e in entries
                    if e.record.watermark_id == content_id and e.index not in seen
                ]
            matches = [_match(log, e, kind, d) for e, kind, d in found]
    except (CheckpointError, LedgerError) as exc:
        return LedgerVerdict(url, True, note=f"the ledger cannot be trusted: {exc}")
    kinds = sorted({m.kind for m in matches})
    note = f"{len(entries)} entries searched; " + (f"matched ({', '.join(kinds)})" if matches else "no match")
    return LedgerVerdict(url, True, len(entries), matches, note)


def verify_file(path: Path, ledger: str | None = None, keys_directory: Path | None = None) -> VerifyReport:
    """Check ``path``'s C2PA credentials, watermark and ledger registration."""
    media = decode(path)
    pixels = [f.pixels for f in media.frames]
    if len(pixels) == 1:
        hashes = [pdq(pixels[0]).hex]
    else:
        hashes = [h.hex for h in keyframe_hashes([(f.time, f.pixels) for f in media.frames])]
    found = watermark.detect_frames(pixels)  # no frames (audio): reported as not found, 0 frames
    mark = WatermarkVerdict(
        found.found, found.content_id, found.bit_errors, found.confidence, found.method, len(pixels)
    )
    return VerifyReport(
        path=str(path),
        mime=media.mime,
        sha256=media.sha256,
        pdq=hashes,
        c2pa=c2pa_verdict(Path(path), media.mime, trust_anchors(keys_directory)),
        watermark=mark,
        ledger=ledger_verdict(ledger, media.sha256, hashes, found.content_id if found.found else None),
    )
