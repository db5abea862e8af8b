"""The transparency ledger: an append-only RFC 9162 Merkle log of media registrations with signed
C2SP checkpoints, stored in SQLite or PostgreSQL (issue #5).

>>> from unmask.ledger import Ledger, Record
>>> with Ledger.open("/tmp/my-ledger") as ledger:          # doctest: +SKIP
...     [entry] = ledger.append([Record(sha256="ab" * 32, media_type="image/jpeg", registrant="me")])
...     proof = ledger.inclusion_proof(entry.index)
...     proof.verify(ledger.checkpoint().root)
True
"""

from unmask.ledger.audit import Audit
from unmask.ledger.checkpoint import Checkpoint, CheckpointError, NoteSigner, NoteVerifier
from unmask.ledger.log import ConsistencyProof, InclusionProof, Ledger, LedgerError, SignedCheckpoint
from unmask.ledger.records import Entry, Record, RecordError

__all__ = [
    "Audit",
    "Checkpoint",
    "CheckpointError",
    "ConsistencyProof",
    "Entry",
    "InclusionProof",
    "Ledger",
    "LedgerError",
    "NoteSigner",
    "NoteVerifier",
    "Record",
    "RecordError",
    "SignedCheckpoint",
]
