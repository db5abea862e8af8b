"""The transparency ledger: an append-only, signed, RFC 9162 Merkle log of media registrations.

Every :meth:`Ledger.append` batch is one database transaction that writes the entries, the perfect
subtree hashes they complete, a freshly signed checkpoint and the new head size; the method returns
only after that transaction has committed durably, so an *acknowledged* entry survives a crash.
Proofs are served from the node cache (see :mod:`unmask.ledger.merkle`), so they stay O(log n) reads.

The public API takes and returns plain typed values (:class:`Record`, :class:`Entry`, the proof and
checkpoint dataclasses), so a CLI and HTTP routes can call it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from unmask.ledger import merkle
from unmask.ledger.audit import Audit, audit
from unmask.ledger.checkpoint import Checkpoint, NoteSigner, NoteVerifier, open_checkpoint, sign_checkpoint
from unmask.ledger.keys import DEFAULT_ORIGIN, KEY_FILE, data_dir, load_or_create_signer
from unmask.ledger.records import Entry, Record, canonical_leaf, utc_timestamp
from unmask.ledger.store import ENTRY_FIELDS, CheckpointRow, Store, Tx, entry_from_row


class LedgerError(LookupError):
    """A request the ledger cannot answer: an index or size beyond the log, an unknown entry."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """A tree head and the signed note that carries it (what clients save and compare later)."""

    checkpoint: Checkpoint
    note: str

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


@dataclass(frozen=True)
class InclusionProof:
    """The audit path of the entry at ``index`` in the tree of ``size`` leaves."""

    index: int
    size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]

    def verify(self, root: bytes) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.index, self.size, self.hashes, root)


@dataclass(frozen=True)
class ConsistencyProof:
    """The proof that the ``size1`` tree is a prefix of the ``size2`` tree."""

    size1: int
    size2: int
    hashes: tuple[bytes, ...]

    def verify(self, root1: bytes, root2: bytes) -> bool:
        return merkle.verify_consistency(self.size1, self.size2, self.hashes, root1, root2)


def default_key_path(store: Store) -> Path:
    """A SQLite ledger keeps its key beside the database file; a server database in the data dir."""
    return (store.sqlite_path.parent if store.sqlite_path else data_dir()) / KEY_FILE


class Ledger:
    """An open ledger: a :class:`Store` and the key that signs its checkpoints."""

    def __init__(self, store: Store, signer: NoteSigner) -> None:
        self.store = store
        self.signer = signer

    @classmethod
    def open(
        cls,
        location: str | Path | None = None,
        *,
        key_path: Path | None = None,
        origin: str = DEFAULT_ORIGIN,
        synchronous: str = "FULL",
    ) -> Ledger:
        """Open (creating if needed) the ledger at a SQLite path, a data dir or a database URL."""
        store = Store(location, synchronous=synchronous)
        return cls(store, load_or_create_signer(key_path or default_key_path(store), origin))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def verifier(self) -> NoteVerifier:
        return self.signer.verifier

    def size(self) -> int:
        with self.store.reading() as tx:
            return tx.size

    def append(self, records: Sequence[Record]) -> list[Entry]:
        """Add a batch; returns its entries once committed with a new signed checkpoint."""
        normalized = [r.normalized() for r in records]
        if not normalized:
            return []
        registered_at = utc_timestamp()
        leaves = [canonical_leaf(r, registered_at) for r in normalized]
        hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
        with self.store.writing() as tx:
            start = tx.size
            frontier = self._frontier(tx, start)
            completed = [node for h in hashes for node in frontier.append(h)]
            tx.insert_entries(
                [self._row(start + i, r, registered_at, leaves[i], hashes[i]) for i, r in enumerate(normalized)]
            )
            tx.insert_nodes(completed)
            checkpoint = Checkpoint(self.origin, frontier.size, frontier.root())
            note = sign_checkpoint(checkpoint, self.signer)
            tx.insert_checkpoint(CheckpointRow(checkpoint.size, checkpoint.root, note, utc_timestamp()))
            tx.set_head(frontier.size)
        return [Entry(start + i, r, registered_at, hashes[i]) for i, r in enumerate(normalized)]

    @staticmethod
    def _frontier(tx: Tx, size: int) -> merkle.CompactRange:
        keys = merkle.CompactRange.keys(size)
        found = tx.perfect_hashes(keys)
        return merkle.CompactRange(size, [found[k] for k in keys])

    @staticmethod
    def _row(index: int, record: Record, registered_at: str, leaf: bytes, leaf_hash: bytes) -> dict[str, Any]:
        row: dict[str, Any] = {name: getattr(record, name) for name in ENTRY_FIELDS}
        row.update(idx=index, leaf_hash=leaf_hash, leaf=leaf, registered_at=registered_at)
        return row

    def entry(self, index: int) -> Entry:
        with self.store.reading() as tx:
            rows = tx.entry_rows(index, index + 1) if 0 <= index < tx.size else []
        if not rows:
            raise LedgerError(f"no entry {index} in the ledger")
        return entry_from_row(rows[0])

    def find_sha256(self, sha256: str) -> list[Entry]:
        """Every entry registering this file hash, oldest first."""
        with self.store.reading() as tx:
            return [entry_from_row(r) for r in tx.rows_by_sha256(sha256.strip().lower()) if r["idx"] < tx.size]

    def checkpoint(self) -> SignedCheckpoint:
        """The latest signed checkpoint (for an empty ledger, a signed size-0 one)."""
        with self.store.reading() as tx:
            row = tx.latest_checkpoint()
        if row is None:
            empty = Checkpoint(self.origin, 0, merkle.EMPTY_ROOT)
            return SignedCheckpoint(empty, sign_checkpoint(empty, self.signer))
        return SignedCheckpoint(open_checkpoint(row.note, self.verifier), row.note)

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        """Audit path for entry ``index`` in the tree of ``size`` leaves (default: the whole log)."""
        with self.store.reading() as tx:
            size = tx.size if size is None else size
            if not 0 <= index < size <= tx.size:
                raise LedgerError(f"no entry {index} in a tree of size {size} (the log has {tx.size})")
            leaf = tx.perfect_hashes([(0, index)])[(0, index)]
            return InclusionProof(index, size, leaf, tuple(merkle.inclusion_proof(tx, index, size)))

    def consistency_proof(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        """Proof that the ``size1`` tree is a prefix of the ``size2`` tree (default: the whole log)."""
        with self.store.reading() as tx:
            size2 = tx.size if size2 is None else size2
            if not 0 <= size1 <= size2 <= tx.size:
                raise LedgerError(f"no consistency proof from {size1} to {size2} (the log has {tx.size})")
            return ConsistencyProof(size1, size2, tuple(merkle.consistency_proof(tx, size1, size2)))

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` entries, from the node cache."""
        with self.store.reading() as tx:
            size = tx.size if size is None else size
            if not 0 <= size <= tx.size:
                raise LedgerError(f"no tree of size {size} (the log has {tx.size})")
            return merkle.root_hash(tx, size)

    def verify(self, verifier: NoteVerifier | None = None) -> Audit:
        """Recompute everything from the stored rows; see :func:`unmask.ledger.audit.audit`."""
        return audit(self.store, verifier or self.verifier)
