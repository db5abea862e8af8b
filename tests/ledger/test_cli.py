"""``unmask ledger verify`` catches rows edited or deleted behind the ledger's back (both backends)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from tests.ledger.helpers import make_records
from unmask.cli import main
from unmask.ledger import Ledger, merkle


def run_verify(location: str, key_path: Path, *extra: str) -> Result:
    verifier = str(Ledger.open(location, key_path=key_path).verifier)
    return CliRunner().invoke(main, ["ledger", "verify", location, "--key", verifier, *extra])


def tamper(location: str, *statements: str) -> None:
    """Change the database directly with SQL, as someone with write access to it could."""
    url = location if "://" in location else f"sqlite:///{location}"
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    for n in (10, 15, 20):  # checkpoints at sizes 10, 25, 45
        ledger.append(make_records(n, f"b{n}"))
    return ledger


def test_honest_ledger_verifies(filled: Ledger, location: str, key_path: Path) -> None:
    result = run_verify(location, key_path)
    assert result.exit_code == 0, result.output
    assert result.output == "ok: 45 entries, 3 checkpoints verified\n"


def test_edited_and_deleted_rows_are_reported(filled: Ledger, location: str, key_path: Path) -> None:
    tamper(
        location,
        "UPDATE ledger_entries SET registrant = 'mallory' WHERE idx = 17",
        "DELETE FROM ledger_entries WHERE idx = 30",
    )
    result = run_verify(location, key_path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "entry 17: stored fields do not match its leaf hash" in lines
    assert "entry 30 is missing" in lines
    assert "checkpoint 3 (size 45): root does not match the entries" in lines
    assert not any(line.startswith("ok") for line in lines)


def test_rewritten_leaf_hash_breaks_the_signed_roots(filled: Ledger, location: str, key_path: Path) -> None:
    forged = filled.entry(3)
    edited = replace(forged, record=replace(forged.record, registrant="mallory"))
    new_hash = merkle.leaf_hash(edited.leaf).hex()
    hex_literal = f"X'{new_hash}'" if "://" not in location else f"'\\x{new_hash}'::bytea"
    leaf_literal = f"X'{edited.leaf.hex()}'" if "://" not in location else f"'\\x{edited.leaf.hex()}'::bytea"
    tamper(
        location,
        f"UPDATE ledger_entries SET registrant = 'mallory', leaf_hash = {hex_literal}, leaf = {leaf_literal} "
        "WHERE idx = 3",
    )
    result = run_verify(location, key_path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "checkpoint 1 (size 10): root does not match the entries" in lines
    assert "checkpoint 3 (size 45): root does not match the entries" in lines


def test_deleted_latest_checkpoint_and_forged_note_are_reported(filled: Ledger, location: str, key_path: Path) -> None:
    tamper(
        location,
        "DELETE FROM ledger_checkpoints WHERE size = 45",
        "UPDATE ledger_checkpoints SET note = REPLACE(note, '\n10\n', '\n11\n') WHERE size = 10",
    )
    lines = run_verify(location, key_path).output.splitlines()
    assert "the log size is 45 but its latest checkpoint's size is 25" in lines
    forged = "checkpoint 1 (size 10): the signature by unmask.local/ledger does not verify"
    assert forged in lines


def test_saved_checkpoint_must_be_consistent(filled: Ledger, location: str, key_path: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"
    saved.write_text(filled.checkpoint().note)
    filled.append(make_records(4, "later"))
    result = run_verify(location, key_path, "--checkpoint", str(saved))
    assert result.exit_code == 0, result.output
    assert "consistent with the saved checkpoint" in result.output

    with Ledger.open(tmp_path / "fork.db", key_path=key_path) as fork:  # same key, different history
        fork.append(make_records(10, "fork"))
        saved.write_text(fork.checkpoint().note)
    result = run_verify(location, key_path, "--checkpoint", str(saved))
    assert result.exit_code == 1
    assert "saved checkpoint (size 10) is not consistent with the latest checkpoint (size 49)" in result.output


def test_info_prints_size_root_checkpoint_and_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Ledger.open(data) as ledger:
        ledger.append(make_records(3))
        root = ledger.checkpoint().root.hex()
    result = CliRunner().invoke(main, ["ledger", "info", str(data)])
    assert result.exit_code == 0, result.output
    assert "size:         3" in result.output and root in result.output
    assert "verifier key: unmask.local/ledger+" in result.output
    assert "— unmask.local/ledger " in result.output
    # verify finds the key beside a SQLite database on its own
    result = CliRunner().invoke(main, ["ledger", "verify", str(data / "ledger.db")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["ledger", "verify", str(tmp_path / "nothing.db")])
    assert result.exit_code == 2
