from __future__ import annotations

from pathlib import Path

from unmask.batch.ledger_hook import LedgerHook
from unmask.batch.worker import FileTask, scan_file
from unmask.config import ScanOptions
from unmask.ledger import Ledger


def test_match_then_register_then_a_copy_matches_the_registration(corpus: Path, tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.db")
    options = ScanOptions(artifacts=False, signals=("hashes",))
    row, _ = scan_file(FileTask(str(corpus / "photo.jpg")), options, "v")
    with LedgerHook(ledger, match=True, register=True, registrant="newsroom") as hook:
        hook.apply(row)
    assert row["match_exact"] == [] and row["match_near"] == []  # matched before it was registered
    assert row["ledger_entry"] == 0
    with Ledger.open(ledger) as log:
        entry = log.entry(0)
    assert entry.record.registrant == "newsroom" and entry.record.pdq == row["pdq"]

    again, _ = scan_file(FileTask(str(corpus / "photo.jpg")), options, "v")
    broken, _ = scan_file(FileTask(str(corpus / "broken.jpg")), options, "v")
    with LedgerHook(ledger, match=True, register=True) as hook:
        hook.apply(again)
        hook.apply(broken)
    assert again["match_exact"] == [0] and again["match_near"] == [{"index": 0, "distance": 0}]
    assert again["ledger_entry"] == 0  # already registered: not appended twice
    assert "ledger_entry" not in broken and "match_exact" not in broken
    with Ledger.open(ledger) as log:
        assert log.size() == 1
