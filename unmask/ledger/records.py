"""What one ledger entry says, and the canonical bytes its leaf hash commits to.

The leaf is a canonical JSON object (sorted keys, no whitespace, UTF-8) of *every* stored field, so
that editing any column of a row changes the leaf hash and is caught by ``unmask ledger verify``.
Fields are validated on the way in: a canonical form is only canonical if there is one spelling of
each value (lowercase hex, UTC timestamps with a ``Z``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from unmask.ledger.merkle import leaf_hash

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_CONTROL = re.compile(r"[\x00-\x1f]")
MAX_TEXT = 512


class RecordError(ValueError):
    """A record that cannot go into the ledger as given."""


def _hex64(name: str, value: str | None, required: bool) -> str | None:
    if value is None:
        if required:
            raise RecordError(f"{name} is required")
        return None
    value = value.strip().lower()
    if not _HEX64.fullmatch(value):
        raise RecordError(f"{name} must be 64 hex digits")
    return value


def _text(name: str, value: str | None, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise RecordError(f"{name} is required")
        return None
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise RecordError(f"{name} must be at most {MAX_TEXT} printable characters")
    return value


@dataclass(frozen=True)
class Record:
    """A registration as submitted: the media's hashes and who registers it.

    ``sha256`` is the file's SHA-256, ``pdq`` its 256-bit PDQ perceptual hash (images, keyframes),
    ``c2pa_manifest_hash`` the hash of its active C2PA manifest, ``watermark_id`` a watermark payload.
    """

    sha256: str
    media_type: str
    registrant: str
    pdq: str | None = None
    c2pa_manifest_hash: str | None = None
    watermark_id: str | None = None

    def normalized(self) -> Record:
        """The same record in its one canonical spelling, or :class:`RecordError`."""
        return Record(
            sha256=_hex64("sha256", self.sha256, True) or "",
            media_type=_text("media_type", self.media_type, True) or "",
            registrant=_text("registrant", self.registrant, True) or "",
            pdq=_hex64("pdq", self.pdq, False),
            c2pa_manifest_hash=_text("c2pa_manifest_hash", self.c2pa_manifest_hash, False),
            watermark_id=_text("watermark_id", self.watermark_id, False),
        )


RECORD_FIELDS = tuple(f.name for f in fields(Record))
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utc_timestamp(moment: datetime | None = None) -> str:
    """UTC ISO 8601 with microseconds and ``Z``: one spelling per instant."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_leaf(record: Record, registered_at: str) -> bytes:
    """The bytes a leaf hash covers: sorted-key, whitespace-free UTF-8 JSON of every field."""
    if not _TIMESTAMP.fullmatch(registered_at):
        raise RecordError(f"registered_at {registered_at!r} is not a canonical UTC timestamp")
    body: dict[str, Any] = {name: getattr(record, name) for name in RECORD_FIELDS}
    body["registered_at"] = registered_at
    return _CANONICAL.encode(body).encode()


@dataclass(frozen=True)
class Entry:
    """An acknowledged ledger entry: committed, at ``index``, covered by every later checkpoint."""

    index: int
    record: Record
    registered_at: str
    leaf_hash: bytes

    @property
    def leaf(self) -> bytes:
        return canonical_leaf(self.record, self.registered_at)

    def matches_leaf_hash(self) -> bool:
        """Do the fields as stored still hash to the leaf hash the tree was built from?"""
        try:
            return leaf_hash(self.leaf) == self.leaf_hash
        except RecordError:
            return False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view (for the CLI and a future HTTP API)."""
        out: dict[str, Any] = {"index": self.index, "registered_at": self.registered_at}
        out.update({name: getattr(self.record, name) for name in RECORD_FIELDS})
        out["leaf_hash"] = self.leaf_hash.hex()
        return out
