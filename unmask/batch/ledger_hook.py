"""``--match`` and ``--register``: each scanned file against the ledger, on the driver.

The driver does this rather than the workers because a ledger has one writer (each append is a signed
checkpoint) and the PDQ index is an in-memory structure best kept once: workers already send each
file's SHA-256 and PDQ hashes back in its row, so the ledger never has to decode anything.
A file is matched before it is registered, so a file never matches its own registration.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from unmask.ledger.index import MIH_RADIUS
from unmask.ledger.log import Ledger
from unmask.ledger.matcher import Matcher
from unmask.ledger.records import Record

DEFAULT_REGISTRANT = "unmask batch"


class LedgerHook:
    """Fills ``match_exact``/``match_near`` and ``ledger_entry`` of successful rows."""

    def __init__(
        self, location: str | None, *, match: bool, register: bool, registrant: str = DEFAULT_REGISTRANT
    ) -> None:
        self.match = match
        self.register = register
        self.registrant = registrant
        self.ledger = Ledger.open(location)
        self.matcher = Matcher(self.ledger)

    def apply(self, row: dict[str, Any]) -> None:
        """Match and/or register one row in place; failures (no SHA-256 of decodable media) are left alone."""
        if row.get("error") or not row.get("sha256"):
            return
        hashes = list(row.get("pdq_all") or ([row["pdq"]] if row.get("pdq") else []))
        if self.match:
            row["match_exact"] = [e.index for e in self.matcher.match_sha256(row["sha256"])]
            row["match_near"] = self._near(hashes)
        if self.register:
            existing = self.ledger.find_sha256(row["sha256"])
            if existing:
                row["ledger_entry"] = existing[0].index
            else:
                record = Record(
                    sha256=row["sha256"],
                    media_type=row.get("mime") or "application/octet-stream",
                    registrant=self.registrant,
                    pdq=row.get("pdq"),
                )
                [entry] = self.matcher.append([record])
                row["ledger_entry"] = entry.index

    def _near(self, hashes: list[str]) -> list[dict[str, int]]:
        """Entries within :data:`MIH_RADIUS` bits of any of the file's hashes, closest distance kept."""
        best: dict[int, int] = {}
        for h in hashes:
            for m in self.matcher.match_hash(h, MIH_RADIUS):
                best[m.entry.index] = min(m.distance, best.get(m.entry.index, m.distance))
        return [{"index": i, "distance": d} for i, d in sorted(best.items(), key=lambda kv: (kv[1], kv[0]))]

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> LedgerHook:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
