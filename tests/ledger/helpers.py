"""Shared helpers for the ledger tests."""

from __future__ import annotations

import hashlib

from unmask.ledger import Record


def make_records(n: int, tag: str = "r") -> list[Record]:
    """Distinct, valid records; every optional field filled in on some of them."""
    out = []
    for i in range(n):
        digest = hashlib.sha256(f"{tag}/{i}".encode()).hexdigest()
        out.append(
            Record(
                sha256=digest,
                media_type=("image/jpeg", "video/mp4", "audio/wav")[i % 3],
                registrant=f"{tag}-registrant",
                pdq=digest[::-1] if i % 2 else None,
                c2pa_manifest_hash=f"sha256:{digest[:16]}" if i % 3 == 0 else None,
                watermark_id=f"wm-{i}" if i % 4 == 0 else None,
            )
        )
    return out
