"""Ledger fixtures: every storage-level test runs on SQLite and on a throwaway PostgreSQL cluster.

The cluster is started once per test session (per xdist worker) with initdb + pg_ctl in a temporary
directory on a free loopback port, as the ``postgres`` user when the tests run as root, and removed at
the end. Each test gets its own schema in it, so tests stay independent without a cluster each.
Without PostgreSQL binaries the ``postgresql`` parameter is skipped with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from unmask.ledger import Ledger
from unmask.ledger.pgtemp import TempCluster, find_bindir

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin")
    cluster = TempCluster(bindir, durable=False)
    try:
        cluster.start()
    except (RuntimeError, OSError) as exc:
        cluster.stop()
        pytest.skip(f"could not start a throwaway PostgreSQL cluster: {exc}")
    yield cluster.url
    cluster.stop()


def fresh_pg_schema(base_url: str) -> str:
    """A new empty schema in the session cluster; the URL puts it first on the search path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{base_url}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh ledger lives: a SQLite file, or a PostgreSQL URL with a fresh schema."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return fresh_pg_schema(request.getfixturevalue("pg_url"))


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.key"


@pytest.fixture
def ledger(location: str, key_path: Path) -> Iterator[Ledger]:
    with Ledger.open(location, key_path=key_path) as opened:
        yield opened
