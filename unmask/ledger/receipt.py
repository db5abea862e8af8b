"""Check a signing receipt (``OUT.receipt.json``, written by :mod:`unmask.provenance.sign`) offline.

A receipt is only evidence if each link in it is checked: the checkpoint note is signed by the log's
key, the entry's fields hash to the leaf hash, the leaf is included at its index under the
checkpoint's root, and (given the file) the file is the one the entry registers. With a server it can
also be shown that the receipt's checkpoint is a prefix of the log as it is now, i.e. the entry was
not dropped later. Each check yields one :class:`Check` so the CLI can print one line per check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.ledger import merkle
from unmask.ledger.checkpoint import Checkpoint, CheckpointError, NoteVerifier, open_checkpoint
from unmask.ledger.records import RECORD_FIELDS, Entry, Record
from unmask.ledger.remote import LogClient, RemoteError, Unreachable, consistency_problem, fetch_latest
from unmask.media import sha256_file


class ReceiptError(ValueError):
    """A receipt that is not a receipt: unreadable JSON or a missing or malformed field."""


@dataclass(frozen=True)
class Check:
    """One check's outcome, printed as ``<name>: ok|FAILED: <detail>``."""

    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {'ok' if self.ok else 'FAILED'}: {self.detail}"


@dataclass(frozen=True)
class Receipt:
    """The parts of a receipt the checks need, parsed (but not yet trusted)."""

    entry: Entry
    proof_index: int
    tree_size: int
    proof_leaf_hash: bytes
    proof_hashes: tuple[bytes, ...]
    note: str
    verifier_key: str | None


def _hex(value: object, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) != merkle.HASH_SIZE:
        raise ReceiptError(f"{what} is not {merkle.HASH_SIZE} bytes of hex")
    return raw


def parse_receipt(body: Any) -> Receipt:
    """The receipt's fields, or :class:`ReceiptError` naming the first one missing or malformed."""
    try:
        entry, proof = body["entry"], body["inclusion_proof"]
        record = Record(**{name: entry.get(name) for name in RECORD_FIELDS})
        parsed = Entry(int(entry["index"]), record, str(entry["registered_at"]), _hex(entry["leaf_hash"], "leaf_hash"))
        hashes = tuple(_hex(h, "an inclusion proof hash") for h in proof["hashes"])
        ledger = body.get("ledger") or {}
        return Receipt(
            entry=parsed,
            proof_index=int(proof["index"]),
            tree_size=int(proof["tree_size"]),
            proof_leaf_hash=_hex(proof["leaf_hash"], "inclusion_proof.leaf_hash"),
            proof_hashes=hashes,
            note=str(body["checkpoint"]),
            verifier_key=ledger.get("verifier_key"),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ReceiptError):
            raise
        raise ReceiptError(f"the receipt lacks or garbles a field: {exc.__class__.__name__}: {exc}") from exc


def load_receipt(path: Path) -> Receipt:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReceiptError(f"{path}: cannot read a JSON receipt: {exc}") from exc
    return parse_receipt(body)


def check_checkpoint(receipt: Receipt, verifier: NoteVerifier) -> tuple[Check, Checkpoint | None]:
    """The note must be signed by the log's key and name its origin; the proofs hang off its root."""
    try:
        checkpoint = open_checkpoint(receipt.note, verifier)
    except CheckpointError as exc:
        return Check("checkpoint", False, str(exc)), None
    return Check("checkpoint", True, f"signed by {verifier.name} (size {checkpoint.size})"), checkpoint


def check_entry(receipt: Receipt) -> Check:
    """The fields shown to a reader must be the ones the leaf hash (and so the tree) commits to."""
    entry = receipt.entry
    if not entry.matches_leaf_hash():
        return Check("entry", False, f"entry {entry.index}: its fields do not hash to its leaf hash")
    if receipt.proof_leaf_hash != entry.leaf_hash or receipt.proof_index != entry.index:
        return Check("entry", False, "the inclusion proof is for another leaf or index than the entry")
    return Check("entry", True, f"entry {entry.index}: its fields hash to its leaf hash")


def check_inclusion(receipt: Receipt, checkpoint: Checkpoint) -> Check:
    """RFC 9162 inclusion of the leaf at its index in the tree the signed checkpoint describes."""
    index, size = receipt.entry.index, receipt.tree_size
    if size != checkpoint.size:
        return Check("inclusion", False, f"the proof is for size {size}, the checkpoint for size {checkpoint.size}")
    if not merkle.verify_inclusion(receipt.entry.leaf_hash, index, size, receipt.proof_hashes, checkpoint.root):
        return Check("inclusion", False, f"the proof does not place entry {index} under the checkpoint's root")
    return Check("inclusion", True, f"entry {index} is included in the log of size {size}")


def check_file(receipt: Receipt, path: Path) -> Check:
    """The receipt is about a file only if that file's bytes are the ones registered."""
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return Check("file", False, f"{path}: {exc.strerror or exc}")
    if digest != receipt.entry.record.sha256:
        return Check("file", False, f"{path}: SHA-256 {digest} is not the registered {receipt.entry.record.sha256}")
    return Check("file", True, f"{path}: SHA-256 matches entry {receipt.entry.index}")


def check_server(client: LogClient, verifier: NoteVerifier, checkpoint: Checkpoint) -> Check:
    """The log as served now must extend the receipt's checkpoint (the entry was not rolled back)."""
    try:
        latest = fetch_latest(client, verifier).checkpoint
        problem = consistency_problem(client, checkpoint, latest)
    except Unreachable:
        raise  # not a verdict on the receipt: the caller reports it apart
    except (CheckpointError, RemoteError) as exc:
        return Check("consistency", False, str(exc))
    if problem:
        return Check("consistency", False, problem)
    return Check("consistency", True, f"the log grew from size {checkpoint.size} to {latest.size} consistently")


def verify_receipt(
    receipt: Receipt,
    verifier: NoteVerifier,
    file: Path | None = None,
    client: LogClient | None = None,
) -> Iterator[Check]:
    """Every check that applies, one at a time (so a caller can print each before the network one).

    The inclusion and server checks need a verified checkpoint and are left out when it fails.
    """
    signed, checkpoint = check_checkpoint(receipt, verifier)
    yield signed
    yield check_entry(receipt)
    if checkpoint is not None:
        yield check_inclusion(receipt, checkpoint)
    if file is not None:
        yield check_file(receipt, file)
    if checkpoint is not None and client is not None:
        yield check_server(client, verifier, checkpoint)
