"""Where a batch's results go, written so that a crash never loses a finished file.

Layout of ``OUT``::

    rows/part-<run>-<seq>.parquet   committed rows, one per file (read the folder with pandas/pyarrow/DuckDB)
    rows/_journal-<run>-<seq>.jsonl rows finished since the last part, one fsync'd JSON line each
    reports/<name>.<sha8>.json      the full JSON report of each scanned file
    rows/_lock                      held by the one run writing to OUT

Each finished row is appended to the journal and fsync'd before the next is taken, so a crash or
Ctrl-C loses only files still in flight. Every ``flush_rows`` rows (or ``flush_seconds``) the journal
becomes a Parquet part (written aside, fsync'd, renamed into place) and is deleted; the next run turns
any journal a crashed run left into its part first. Files starting with ``_`` are ignored by Parquet
readers, so ``rows/`` reads as one table at any moment.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from unmask.errors import UnmaskError

ROWS_DIR = "rows"
REPORTS_DIR = "reports"

SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("media_type", pa.string()),
        ("mime", pa.string()),
        ("verdict", pa.string()),
        ("probability", pa.float64()),
        ("scores", pa.map_(pa.string(), pa.float64())),
        ("statuses", pa.map_(pa.string(), pa.string())),
        ("faces", pa.int32()),
        ("pdq", pa.string()),
        ("error", pa.string()),
        ("error_kind", pa.string()),
        ("report_version", pa.string()),
        ("report", pa.string()),
        ("reused_from", pa.string()),
        ("ledger_entry", pa.int64()),
        ("match_exact", pa.list_(pa.int64())),
        ("match_near", pa.list_(pa.struct([("index", pa.int64()), ("distance", pa.int32())]))),
        ("timings_ms", pa.map_(pa.string(), pa.float64())),
        ("elapsed_ms", pa.float64()),
        ("worker", pa.string()),
        ("worker_peak_rss_mb", pa.float64()),
        ("finished_at", pa.timestamp("ms", tz="UTC")),
        ("run_id", pa.string()),
    ]
)
"""One row per file; a failure has ``error`` (one line) and ``error_kind`` and no verdict."""


class OutputBusyError(UnmaskError):
    """Another run is writing to the same OUT folder."""


def to_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (as the worker and driver make them) as a table of :data:`SCHEMA`; extra keys are dropped."""
    clean = []
    for row in rows:
        item = {name: row.get(name) for name in SCHEMA.names}
        if isinstance(item["finished_at"], str):
            item["finished_at"] = dt.datetime.fromisoformat(item["finished_at"])
        clean.append(item)
    return pa.Table.from_pylist(clean, schema=SCHEMA)


def report_name(path: str, sha256: str) -> str:
    """``<name>.<first 8 of sha256>.json``, as ``unmask scan --json`` names its reports."""
    return f"{Path(path).name}.{sha256[:8]}.json"


def write_report(out: Path, path: str, sha256: str, report_json: str) -> str:
    """Write a report atomically; returns its path relative to ``out`` (the row's ``report`` column)."""
    folder = out / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / report_name(path, sha256)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(report_json, encoding="utf-8")
    os.replace(tmp, target)
    return f"{REPORTS_DIR}/{target.name}"


class ResultWriter:
    """The single writer of ``OUT/rows``: journal each row durably, roll journals into Parquet parts."""

    def __init__(self, out: Path, run_id: str, flush_rows: int = 256, flush_seconds: float = 30.0) -> None:
        self.folder = out / ROWS_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.written = 0
        self._lock = _lock(self.folder)
        recover(self.folder)
        self._seq = 0
        self._pending: list[dict[str, Any]] = []
        self._journal: IO[str] | None = None
        self._opened_at = time.monotonic()

    def append(self, row: dict[str, Any]) -> None:
        """Make ``row`` durable now (journal + fsync); roll the journal into a part when it is big or old."""
        if self._journal is None:
            self._journal = self._journal_path(self._seq).open("a", encoding="utf-8")
            self._opened_at = time.monotonic()
        self._journal.write(json.dumps(_jsonable(row), separators=(",", ":")) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())
        self._pending.append(row)
        self.written += 1
        if len(self._pending) >= self.flush_rows or time.monotonic() - self._opened_at >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Turn the rows journaled so far into a Parquet part and drop the journal."""
        if self._journal is None:
            return
        self._journal.close()
        self._journal = None
        if self._pending:
            _write_part(self._part_path(self._seq), to_table(self._pending))
        self._journal_path(self._seq).unlink(missing_ok=True)
        self._pending = []
        self._seq += 1

    def close(self) -> None:
        self.flush()
        self._lock.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _journal_path(self, seq: int) -> Path:
        return self.folder / f"_journal-{self.run_id}-{seq:05d}.jsonl"

    def _part_path(self, seq: int) -> Path:
        return self.folder / f"part-{self.run_id}-{seq:05d}.parquet"


def _lock(folder: Path) -> IO[bytes]:
    """An exclusive lock on ``rows/_lock``; the kernel drops it when the process dies, however it dies."""
    handle = (folder / "_lock").open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OutputBusyError(f"{folder.parent}: another unmask batch is writing here") from None
    return handle


def recover(folder: Path) -> int:
    """Turn journals left by a crashed run into parts; returns how many rows were recovered."""
    recovered = 0
    for journal in sorted(folder.glob("_journal-*.jsonl")):
        stem = journal.name.removeprefix("_journal-").removesuffix(".jsonl")
        part = folder / f"part-{stem}.parquet"
        if not part.exists():
            rows = read_journal(journal)
            if rows:
                _write_part(part, to_table(rows))
                recovered += len(rows)
        journal.unlink()
    return recovered


def read_journal(journal: Path) -> list[dict[str, Any]]:
    """Complete lines of a journal; a line cut short by a crash is ignored (that file was in flight)."""
    rows = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _write_part(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f"_{path.name}.tmp")
    pq.write_table(table, tmp)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_rows(out: Path, latest: bool = True) -> pa.Table:
    """Every row under ``OUT`` (parts and live journals); ``latest`` keeps only the newest row per path.

    A file redone on a later run (say, after a read error) has an older row too; ``latest=False`` shows
    the history.
    """
    folder = out / ROWS_DIR
    tables = []
    if folder.is_dir() and any(folder.glob("part-*.parquet")):
        tables.append(pads.dataset(folder, format="parquet", schema=SCHEMA).to_table())
    journaled = [row for journal in sorted(folder.glob("_journal-*.jsonl")) for row in read_journal(journal)]
    if journaled:
        tables.append(to_table(journaled))
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    return _latest_per_path(table) if latest else table


def _latest_per_path(table: pa.Table) -> pa.Table:
    paths = table.column("path").to_pylist()
    finished = table.column("finished_at").to_pylist()
    best: dict[str, int] = {}
    for i, (path, when) in enumerate(zip(paths, finished, strict=True)):
        j = best.get(path)
        if j is None or (when is not None and (finished[j] is None or when >= finished[j])):
            best[path] = i
    return table.take(pa.array(sorted(best.values()), type=pa.int64()))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items() if k in SCHEMA.names}
