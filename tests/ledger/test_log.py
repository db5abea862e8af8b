"""The Ledger API on both backends: append, look-ups, proofs checked against signed checkpoints."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.ledger.helpers import make_records
from unmask.ledger import Ledger, LedgerError, Record, RecordError, merkle
from unmask.ledger.checkpoint import open_checkpoint


def test_append_returns_committed_entries_and_signs_a_checkpoint(ledger: Ledger) -> None:
    assert ledger.size() == 0
    assert ledger.checkpoint().size == 0 and ledger.checkpoint().root == merkle.EMPTY_ROOT
    first = ledger.append(make_records(5, "a"))
    second = ledger.append(make_records(7, "b"))
    assert [e.index for e in first + second] == list(range(12))
    assert ledger.size() == 12
    signed = ledger.checkpoint()
    assert open_checkpoint(signed.note, ledger.verifier).size == 12
    assert signed.root == merkle.root_hash(merkle.MemoryTree(e.leaf_hash for e in first + second), 12)
    stored = ledger.entry(8)
    assert stored == second[3]
    assert stored.matches_leaf_hash()
    assert ledger.find_sha256(second[3].record.sha256.upper()) == [stored]
    assert ledger.find_sha256("0" * 64) == []
    assert ledger.append([]) == []
    with pytest.raises(LedgerError):
        ledger.entry(12)


def test_proofs_verify_against_every_checkpoint(ledger: Ledger) -> None:
    sizes, roots = [], []
    for n in (1, 2, 5, 8, 13):
        ledger.append(make_records(n, f"batch{n}"))
        signed = ledger.checkpoint()
        sizes.append(signed.size)
        roots.append(signed.root)
    for size, root in zip(sizes, roots, strict=True):
        assert ledger.root(size) == root
        for index in range(size):
            proof = ledger.inclusion_proof(index, size)
            assert proof.leaf_hash == ledger.entry(index).leaf_hash
            assert proof.verify(root)
            assert not proof.verify(roots[0] if root != roots[0] else roots[-1])
    for i, (size1, root1) in enumerate(zip(sizes, roots, strict=True)):
        for size2, root2 in zip(sizes[i:], roots[i:], strict=True):
            assert ledger.consistency_proof(size1, size2).verify(root1, root2)
    latest = ledger.inclusion_proof(3)
    assert latest.size == sizes[-1] and latest.verify(roots[-1])
    with pytest.raises(LedgerError):
        ledger.inclusion_proof(3, sizes[-1] + 1)
    with pytest.raises(LedgerError):
        ledger.consistency_proof(5, 2)


def test_honest_log_verifies(ledger: Ledger) -> None:
    for n in (3, 1, 30, 64, 2):
        ledger.append(make_records(n, f"b{n}"))
    report = ledger.verify()
    assert report.ok, report.problems
    assert (report.size, report.checkpoints) == (100, 5)


def test_invalid_records_are_refused_before_anything_is_written(ledger: Ledger) -> None:
    good = make_records(1)[0]
    for bad in (
        Record(sha256="xyz", media_type="image/png", registrant="me"),
        Record(sha256="a" * 64, media_type="", registrant="me"),
        Record(sha256="a" * 64, media_type="image/png", registrant="me", pdq="12"),
        Record(sha256="a" * 64, media_type="image/png", registrant="line\nbreak"),
    ):
        with pytest.raises(RecordError):
            ledger.append([good, bad])
    assert ledger.size() == 0


def test_concurrent_appenders_are_serialised(location: str, key_path: Path) -> None:
    Ledger.open(location, key_path=key_path).close()  # one key and schema before the race
    acked: list[int] = []
    errors: list[BaseException] = []

    def appender(tag: str) -> None:
        try:
            with Ledger.open(location, key_path=key_path) as mine:
                for batch in range(8):
                    acked.extend(e.index for e in mine.append(make_records(5, f"{tag}{batch}")))
        except BaseException as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(tag,)) for tag in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(acked) == list(range(120))
    with Ledger.open(location, key_path=key_path) as ledger:
        assert ledger.verify().ok
        assert ledger.verify().checkpoints == 24


def test_signing_key_is_created_once_with_private_mode(location: str, key_path: Path) -> None:
    with Ledger.open(location, key_path=key_path) as first:
        verifier = first.verifier
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key_path.read_text().startswith("PRIVATE+KEY+unmask.local/ledger+")
    with Ledger.open(location, key_path=key_path) as second:
        assert second.verifier == verifier
