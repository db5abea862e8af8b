"""Ledger storage through SQLAlchemy Core: SQLite (WAL, ``synchronous=FULL``) or PostgreSQL.

Four tables. ``ledger_entries`` holds each entry's fields, its canonical leaf bytes and leaf hash;
``ledger_nodes`` caches every completed perfect subtree hash above the leaves (about one row per
entry), which is what makes proofs for a million-entry log a few keyed reads; ``ledger_checkpoints``
keeps every signed tree head; ``ledger_head`` is one row holding the committed size, and the row that
writers lock. An append writes all four in one transaction, so a crash leaves either the whole batch
with its checkpoint or none of it. There is deliberately no update or delete here.

Durability: SQLite runs in WAL mode with ``synchronous=FULL`` (every commit fsyncs the WAL) and
writers start with ``BEGIN IMMEDIATE``; PostgreSQL keeps its default ``synchronous_commit=on`` and
writers take ``SELECT ... FOR UPDATE`` on the head row. Either way appends are serialised.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from unmask.ledger.keys import DB_FILE, data_dir
from unmask.ledger.merkle import NodeKey
from unmask.ledger.records import Entry, Record

_Index = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY is SQLite's fast rowid
_SCHEMA_LOCK = 0x756E6D61736B  # "unmask": advisory lock id that serialises schema creation

metadata = MetaData()
entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("pdq", String(64)),
    Column("c2pa_manifest_hash", String(512)),
    Column("watermark_id", String(512)),
    Column("media_type", String(512), nullable=False),
    Column("registrant", String(512), nullable=False),
    Column("registered_at", String(32), nullable=False),
    Column("leaf", LargeBinary, nullable=False),
)
nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)
checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("size", _Index, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)
head = Table(
    "ledger_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)
ENTRY_FIELDS = ("sha256", "pdq", "c2pa_manifest_hash", "watermark_id", "media_type", "registrant")
ENTRY_COLUMNS = ("idx", "leaf_hash", *ENTRY_FIELDS, "registered_at", "leaf")


class StorageError(RuntimeError):
    """The database is missing rows the ledger needs (tampering, or a broken restore)."""


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root: bytes
    note: str
    created_at: str


def entry_from_row(row: dict[str, Any]) -> Entry:
    """An :class:`Entry` as stored (fields unvalidated: the audit must see what is really there)."""
    record = Record(**{name: row[name] for name in ENTRY_FIELDS})
    return Entry(int(row["idx"]), record, row["registered_at"], bytes(row["leaf_hash"]))


def resolve_url(location: str | Path | None) -> str:
    """A database URL from a URL, a SQLite file path, a data directory, or None: ``$UNMASK_LEDGER`` when
    set (how ``unmask serve`` points its scan processes at a PostgreSQL ledger), else the data directory."""
    if location is None:
        location = os.environ.get("UNMASK_LEDGER") or data_dir()
    if isinstance(location, str) and "://" in location:
        return location.replace("postgresql://", "postgresql+psycopg://", 1)
    path = Path(location).expanduser()
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / DB_FILE
    return f"sqlite:///{path.resolve()}"


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer must hold the write lock from its first read of the head, or two appenders could
        # both read size n and collide; BEGIN IMMEDIATE takes it up front.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ledger_write") else "BEGIN")

    return engine


class Store:
    """A ledger database. Open it once per process; it is safe to share between threads."""

    def __init__(self, location: str | Path | None = None, *, synchronous: str = "FULL", create: bool = True) -> None:
        self.url = resolve_url(location)
        self.dialect = make_url(self.url).get_backend_name()
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(self.url, synchronous)
        elif self.dialect == "postgresql":
            self.engine = create_engine(self.url, pool_pre_ping=True)
        else:
            raise ValueError(f"unsupported ledger database {self.dialect!r}: use SQLite or PostgreSQL")
        if create:  # an auditor opens with create=False: re-creating a deleted head row would hide it
            self._create_schema()

    @property
    def sqlite_path(self) -> Path | None:
        database = make_url(self.url).database
        return Path(database) if self.dialect == "sqlite" and database and database != ":memory:" else None

    def _create_schema(self) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(ledger_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
                metadata.create_all(conn, checkfirst=True)
                dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
                conn.execute(dialect_insert(head).values(id=1, size=0).on_conflict_do_nothing())

    @contextmanager
    def writing(self) -> Iterator[Tx]:
        """A write transaction holding the ledger's append lock; commits (durably) on exit."""
        with self.engine.connect() as conn:
            conn.execution_options(ledger_write=True)
            with conn.begin():
                tx = Tx(conn)
                tx.size = tx.head_size(lock=True)
                yield tx

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A read transaction: one consistent snapshot for several queries."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                tx = Tx(conn)
                tx.size = tx.head_size()
                yield tx

    def close(self) -> None:
        self.engine.dispose()


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class Tx:
    """The ledger's queries, bound to one transaction. ``size`` is the committed size at its start."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.size = 0

    def head_size(self, lock: bool = False) -> int:
        query = select(head.c.size).where(head.c.id == 1)
        size = self.conn.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if size is None:
            raise StorageError("the ledger head row is missing")
        return int(size)

    def set_head(self, size: int) -> None:
        self.conn.execute(head.update().where(head.c.id == 1).values(size=size))

    def _insert_many(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain DB-API executemany: the append hot path, without per-row SQLAlchemy processing
        (which cost about half the time of a 1,000-entry batch)."""
        if not rows:
            return
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({_marks(len(columns))})"
        if self.conn.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        self.conn.exec_driver_sql(sql, list(rows))

    def insert_entries(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert_many(entries, ENTRY_COLUMNS, [tuple(r[c] for c in ENTRY_COLUMNS) for r in rows])

    def insert_nodes(self, completed: Sequence[tuple[int, int, bytes]]) -> None:
        self._insert_many(nodes, ("level", "idx", "hash"), completed)

    def insert_checkpoint(self, row: CheckpointRow) -> None:
        self.conn.execute(
            checkpoints.insert().values(size=row.size, root=row.root, note=row.note, created_at=row.created_at)
        )

    def perfect_hashes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Perfect subtree hashes: level 0 from the entries, higher levels from the node cache."""
        wanted = set(keys)
        by_level: dict[int, list[int]] = {}
        for level, i in sorted(wanted):
            by_level.setdefault(level, []).append(i)
        found: dict[NodeKey, bytes] = {}
        # Hand-written SQL on the proof hot path: building the equivalent SQLAlchemy expression costs
        # more than the look-ups. One "level = ? AND idx IN (...)" per level, OR-ed: SQLite turns that
        # into primary-key look-ups, where a row-value "(level, idx) IN (...)" scans the whole table.
        if leaves := by_level.pop(0, None):
            sql = f"SELECT 0, idx, leaf_hash FROM {entries.name} WHERE idx IN ({_marks(len(leaves))})"
            found.update(self._keyed(sql, leaves))
        if by_level:
            terms = " OR ".join(f"(level = {lv} AND idx IN ({_marks(len(ids))}))" for lv, ids in by_level.items())
            sql = f"SELECT level, idx, hash FROM {nodes.name} WHERE {terms}"
            found.update(self._keyed(sql, [i for ids in by_level.values() for i in ids]))
        if missing := wanted - found.keys():
            raise StorageError(f"{len(missing)} tree node(s) are missing, e.g. (level, index) {min(missing)}")
        return found

    def _keyed(self, sql: str, params: list[int]) -> dict[NodeKey, bytes]:
        if self.conn.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        rows = self.conn.exec_driver_sql(sql, tuple(params))
        return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}

    def entry_rows(self, start: int, end: int) -> list[dict[str, Any]]:
        """Entries with start <= index < end, in index order (gaps are simply absent)."""
        query = select(entries).where(entries.c.idx >= start, entries.c.idx < end).order_by(entries.c.idx)
        return [dict(row._mapping) for row in self.conn.execute(query)]

    def rows_by_sha256(self, sha256: str) -> list[dict[str, Any]]:
        query = select(entries).where(entries.c.sha256 == sha256).order_by(entries.c.idx)
        return [dict(row._mapping) for row in self.conn.execute(query)]

    def entries_after(self, index: int) -> int:
        """How many entry rows lie at or beyond ``index`` (should be none beyond the head)."""
        query = select(func.count()).select_from(entries).where(entries.c.idx >= index)
        return int(self.conn.execute(query).scalar_one())

    def node_rows(self, level: int, start: int, end: int) -> dict[int, bytes]:
        query = select(nodes.c.idx, nodes.c.hash).where(nodes.c.level == level, nodes.c.idx >= start, nodes.c.idx < end)
        return {int(i): bytes(h) for i, h in self.conn.execute(query)}

    def node_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(nodes)).scalar_one())

    def checkpoint_rows(self) -> list[CheckpointRow]:
        rows = self.conn.execute(select(checkpoints).order_by(checkpoints.c.size))
        return [CheckpointRow(int(r.size), bytes(r.root), r.note, r.created_at) for r in rows]

    def latest_checkpoint(self) -> CheckpointRow | None:
        query = select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)
        r = self.conn.execute(query).first()
        return CheckpointRow(int(r.size), bytes(r.root), r.note, r.created_at) if r else None

    def checkpoint_at(self, size: int) -> CheckpointRow | None:
        r = self.conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()
        return CheckpointRow(int(r.size), bytes(r.root), r.note, r.created_at) if r else None

    def analyze(self) -> None:
        """Refresh planner statistics after a bulk load (the bench's fast path)."""
        self.conn.execute(text("ANALYZE"))
