"""Independent verification of a ledger database: what catches rows edited or deleted behind its back.

The audit trusts nothing in the database but the public key: it checks every checkpoint's signature,
recomputes every leaf hash from the stored fields, rebuilds the tree from the leaves in O(log n)
memory (a compact range, chunk by chunk) and compares its root at every checkpoint's size, compares
every cached node with the rebuilt one, and checks each checkpoint is consistent with the next using
a proof served from the database and verified per RFC 9162. Each problem is one line of text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from unmask.ledger import merkle
from unmask.ledger.checkpoint import Checkpoint, CheckpointError, NoteVerifier, open_checkpoint
from unmask.ledger.records import canonical_leaf
from unmask.ledger.store import CheckpointRow, StorageError, Store, Tx, entry_from_row

CHUNK = 1 << 15
MAX_PER_KIND = 20
_PLACEHOLDER = bytes(merkle.HASH_SIZE)


@dataclass
class Audit:
    """The outcome: the size audited, how many checkpoints, and one line per problem."""

    size: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    _counts: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, message: str) -> None:
        """Record a problem; after MAX_PER_KIND of one kind, only count them (one edit can cascade)."""
        self._counts[kind] += 1
        if self._counts[kind] <= MAX_PER_KIND:
            self.problems.append(message)

    def finish(self) -> Audit:
        for kind, count in self._counts.items():
            if count > MAX_PER_KIND:
                self.problems.append(f"... and {count - MAX_PER_KIND} more problems of kind '{kind}'")
        return self


@dataclass(frozen=True)
class _Signed:
    ordinal: int
    checkpoint: Checkpoint

    @property
    def label(self) -> str:
        return f"checkpoint {self.ordinal} (size {self.checkpoint.size})"


def audit(store: Store, verifier: NoteVerifier) -> Audit:
    """Verify the whole ledger in one read snapshot."""
    with store.reading() as tx:
        report = Audit(size=tx.size)
        signed = _check_checkpoints(tx, verifier, report)
        _check_tree(tx, {s.checkpoint.size: s for s in signed}, report)
        _check_consistency(tx, signed, report)
    return report.finish()


def _check_checkpoints(tx: Tx, verifier: NoteVerifier, report: Audit) -> list[_Signed]:
    rows = tx.checkpoint_rows()
    report.checkpoints = len(rows)
    signed: list[_Signed] = []
    for ordinal, row in enumerate(rows, 1):
        if (checkpoint := _open(row, ordinal, verifier, report)) is not None:
            signed.append(_Signed(ordinal, checkpoint))
    if tx.size and (not rows or rows[-1].size != tx.size):
        latest = rows[-1].size if rows else "none"
        report.add("head", f"the log size is {tx.size} but its latest checkpoint's size is {latest}")
    for s in signed:
        if s.checkpoint.size > tx.size:
            report.add("head", f"{s.label} lies beyond the log size {tx.size}")
    return [s for s in signed if s.checkpoint.size <= tx.size]


def _open(row: CheckpointRow, ordinal: int, verifier: NoteVerifier, report: Audit) -> Checkpoint | None:
    label = f"checkpoint {ordinal} (size {row.size})"
    try:
        checkpoint = open_checkpoint(row.note, verifier)
    except CheckpointError as exc:
        report.add("signature", f"{label}: {exc}")
        return None
    if (checkpoint.size, checkpoint.root) != (row.size, row.root):
        report.add("signature", f"{label}: stored size or root differ from its signed note")
    return checkpoint


def _check_tree(tx: Tx, at_size: dict[int, _Signed], report: Audit) -> None:
    """Stream the entries, rebuild the tree, compare leaves, cached nodes and checkpoint roots."""
    frontier = merkle.CompactRange()
    for start in range(0, tx.size, CHUNK):
        end = min(start + CHUNK, tx.size)
        rows = {int(r["idx"]): r for r in tx.entry_rows(start, end)}
        completed: list[tuple[int, int, bytes]] = []
        for index in range(start, end):
            row = rows.get(index)
            if row is None:
                report.add("missing", f"entry {index} is missing")
            else:
                _check_entry(row, report)
            completed += frontier.append(bytes(row["leaf_hash"]) if row else _PLACEHOLDER)
            if (signed := at_size.get(frontier.size)) and signed.checkpoint.root != frontier.root():
                report.add("root", f"{signed.label}: root does not match the entries")
        _check_nodes(tx, completed, report)
    if extra := tx.entries_after(tx.size):
        report.add("extra", f"{extra} entries lie beyond the log size {tx.size}")
    expected_nodes = tx.size - tx.size.bit_count()
    if (stored := tx.node_count()) > expected_nodes:
        report.add("node", f"the node cache holds {stored - expected_nodes} rows that are no node of the tree")


def _check_entry(row: dict[str, Any], report: Audit) -> None:
    entry = entry_from_row(row)
    if not entry.matches_leaf_hash():
        report.add("entry", f"entry {entry.index}: stored fields do not match its leaf hash")
    elif bytes(row["leaf"]) != canonical_leaf(entry.record, entry.registered_at):
        report.add("entry", f"entry {entry.index}: stored leaf bytes do not match its fields")


def _check_nodes(tx: Tx, completed: list[tuple[int, int, bytes]], report: Audit) -> None:
    by_level: dict[int, dict[int, bytes]] = {}
    for level, index, h in completed:
        by_level.setdefault(level, {})[index] = h
    for level, expected in by_level.items():
        stored = tx.node_rows(level, min(expected), max(expected) + 1)
        for index, h in expected.items():
            if stored.get(index) != h:
                state = "is missing" if index not in stored else "does not match the entries"
                report.add("node", f"tree node (level {level}, index {index}) in the cache {state}")


def _check_consistency(tx: Tx, signed: list[_Signed], report: Audit) -> None:
    for older, newer in pairwise(signed):
        a, b = older.checkpoint, newer.checkpoint
        try:
            proof = merkle.consistency_proof(tx, a.size, b.size)
        except StorageError as exc:
            report.add("consistency", f"{older.label} cannot be proved consistent with {newer.label}: {exc}")
            continue
        if not merkle.verify_consistency(a.size, b.size, proof, a.root, b.root):
            report.add("consistency", f"{older.label} is not consistent with {newer.label}")


def check_saved(store: Store, verifier: NoteVerifier, note: str) -> list[str]:
    """Problems between a checkpoint saved earlier and the log now (rollback, fork, bad signature)."""
    try:
        saved = open_checkpoint(note, verifier)
    except CheckpointError as exc:
        return [f"saved checkpoint: {exc}"]
    with store.reading() as tx:
        latest = tx.latest_checkpoint()
        try:
            current = open_checkpoint(latest.note, verifier) if latest else None
        except CheckpointError as exc:
            return [f"latest checkpoint: {exc}"]
        size = current.size if current else 0
        if saved.size > size:
            return [f"saved checkpoint (size {saved.size}) is ahead of the log (size {size}): it was rolled back"]
        root = current.root if current else merkle.EMPTY_ROOT
        try:
            proof = merkle.consistency_proof(tx, saved.size, size)
        except StorageError as exc:
            return [f"saved checkpoint (size {saved.size}) cannot be proved consistent: {exc}"]
    if not merkle.verify_consistency(saved.size, size, proof, saved.root, root):
        return [f"saved checkpoint (size {saved.size}) is not consistent with the latest checkpoint (size {size})"]
    return []
