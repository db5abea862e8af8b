"""Where the ledger lives when no location is given: ``$UNMASK_LEDGER``, else the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from unmask.ledger.store import resolve_url


def test_default_is_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNMASK_LEDGER", raising=False)
    monkeypatch.setenv("UNMASK_DATA_DIR", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{(tmp_path / 'ledger.db').resolve()}"


def test_unmask_ledger_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNMASK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UNMASK_LEDGER", "postgresql://unmask@127.0.0.1:5432/ledger")
    assert resolve_url(None) == "postgresql+psycopg://unmask@127.0.0.1:5432/ledger"
    monkeypatch.setenv("UNMASK_LEDGER", str(tmp_path / "other.db"))
    assert resolve_url(None) == f"sqlite:///{(tmp_path / 'other.db').resolve()}"


def test_an_explicit_location_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNMASK_LEDGER", "postgresql://elsewhere/ledger")
    assert resolve_url(tmp_path / "mine.db") == f"sqlite:///{(tmp_path / 'mine.db').resolve()}"
