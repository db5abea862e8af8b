"""Find ledger entries for a file or a hash: exact (SHA-256) and near-duplicate (PDQ) matches.

A :class:`Matcher` keeps a :class:`~unmask.ledger.index.PdqIndex` beside an open :class:`Ledger`
without touching the ledger's storage: the index lives in memory, is built at start-up from the
``pdq`` column, and :meth:`Matcher.refresh` pulls in entries committed since (by this process or by
any other writer to the same database), so it is always a prefix of the log.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from unmask.config import DecodeLimits
from unmask.ledger.index import MIH_RADIUS, PdqIndex, parse_hex
from unmask.ledger.log import Ledger
from unmask.ledger.records import Entry, Record
from unmask.ledger.store import entries
from unmask.media import MediaKind, decode
from unmask.provenance.hashing import PerceptualHash, hamming, keyframe_hashes, pdq

_PAGE = 100_000  # rows per start-up query: bounded memory while reading a large log


@dataclass(frozen=True)
class Match:
    """A registered entry whose PDQ hash lies ``distance`` bits from the query's."""

    entry: Entry
    distance: int


@dataclass(frozen=True)
class FileMatch:
    """What the ledger knows about a file: entries with its exact bytes, and near-duplicates."""

    sha256: str
    mime: str
    pdq: list[PerceptualHash] = field(default_factory=list)
    exact: list[Entry] = field(default_factory=list)
    near: list[Match] = field(default_factory=list)


class Matcher:
    """Exact and near-duplicate look-ups over one ledger; thread-safe."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.index = PdqIndex()
        self.indexed_size = 0
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> int:
        """Index the entries committed since the last call; returns how many hashes were added."""
        with self._lock:
            added = 0
            while True:
                with self.ledger.store.reading() as tx:
                    start, end = self.indexed_size, min(tx.size, self.indexed_size + _PAGE)
                    query = select(entries.c.idx, entries.c.pdq).where(
                        entries.c.idx >= start, entries.c.idx < end, entries.c.pdq.is_not(None)
                    )
                    rows = tx.conn.execute(query).all()
                if start == end:
                    return added
                self._add([int(r[0]) for r in rows], [r[1] for r in rows], bulk=start == 0)
                self.indexed_size, added = end, added + len(rows)

    def _add(self, indices: list[int], hexes: list[str], bulk: bool) -> None:
        """Add (index, hash) pairs, skipping any stored hash that is not 64 hex digits."""
        try:
            parse_hex(hexes)
        except ValueError:
            good = [i for i, h in enumerate(hexes) if _is_pdq(h)]
            indices, hexes = [indices[i] for i in good], [hexes[i] for i in good]
        if bulk and not len(self.index):
            self.index = PdqIndex.build(indices, hexes)
        elif hexes:
            self.index.add_many(indices, hexes)

    def append(self, records: Sequence[Record]) -> list[Entry]:
        """Append to the ledger and make the new hashes searchable at once."""
        appended = self.ledger.append(records)
        self.refresh()
        return appended

    def match_hash(self, pdq_hex: str, max_distance: int = MIH_RADIUS, limit: int = 10) -> list[Match]:
        """Entries whose PDQ hash is within ``max_distance`` bits, nearest first."""
        self.refresh()
        hits = self.index.search(pdq_hex, max_distance, limit)
        return [Match(self.ledger.entry(i), d) for i, d in hits]

    def match_sha256(self, sha256: str) -> list[Entry]:
        return self.ledger.find_sha256(sha256)

    def match_file(
        self, path: str | Path, max_distance: int = MIH_RADIUS, limit: int = 10, limits: DecodeLimits | None = None
    ) -> FileMatch:
        """Decode ``path``; exact matches by SHA-256, near ones by the PDQ of the image or keyframes.

        Raises :class:`~unmask.errors.MediaError` (one-line reason) when the file cannot be decoded.
        """
        media = decode(path, limits)
        hashes = (
            [pdq(media.frames[0].pixels)]
            if media.kind is MediaKind.IMAGE
            else keyframe_hashes([(f.time, f.pixels) for f in media.frames])
        )
        best: dict[int, Match] = {}
        for h in hashes:  # a video matches an entry through any of its keyframes; keep the closest
            for m in self.match_hash(h.hex, max_distance, limit):
                if m.entry.index not in best or m.distance < best[m.entry.index].distance:
                    best[m.entry.index] = m
        near = sorted(best.values(), key=lambda m: (m.distance, m.entry.index))[:limit]
        return FileMatch(media.sha256, media.mime, hashes, self.match_sha256(media.sha256), near)


def _is_pdq(value: str) -> bool:
    try:
        return len(value) == 64 and hamming(value, value) == 0
    except (TypeError, ValueError):
        return False
