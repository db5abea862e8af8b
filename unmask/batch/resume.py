"""Resuming a batch: which files are already done, by SHA-256 and report version.

A file is done when ``OUT`` holds a row for its bytes (SHA-256) made under the same *report version*
(schema, unmask version, every signal's version and the scan options), and that row is a result or a
failure the bytes themselves cause. Unreadable files and internal errors are retried.

Hashing millions of files again just to learn they are done would cost a full read of the collection,
so the planner first compares ``stat``: a path whose size and modification time match its done row is
skipped without being opened. Anything else goes to the workers, which hash it and skip the scan when
the hash is known (a renamed or copied file), and the driver copies the earlier result to the new path.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from unmask.batch.results import read_rows
from unmask.batch.worker import ERROR_MEDIA, FileTask
from unmask.config import ScanOptions
from unmask.report.model import SCHEMA_VERSION
from unmask.signals import signal_classes
from unmask.version import __version__


def report_version(options: ScanOptions) -> str:
    """``<schema>/<unmask>/<digest>``: changes whenever a rescan could give a different report."""
    signals = {cls.name: cls.version for cls in signal_classes()}
    settings = asdict(options)
    del settings["signal_threads"]  # how many threads ran the signals changes the speed, not the report
    recipe = json.dumps({"signals": signals, "options": settings}, sort_keys=True, default=str)
    return f"{SCHEMA_VERSION}/{__version__}/{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def is_final(row: dict[str, Any], version: str) -> bool:
    """A row that a rerun under ``version`` would only repeat."""
    return (
        row.get("report_version") == version
        and bool(row.get("sha256"))
        and (row.get("error") is None or row.get("error_kind") == ERROR_MEDIA)
    )


_INDEX_COLUMNS = ("path", "sha256", "size_bytes", "mtime_ns", "report_version", "error", "error_kind")


@dataclass
class DoneIndex:
    """What ``OUT`` already holds for one report version.

    Only the columns the plan needs are turned into Python objects; a done row is read in full only when
    its bytes turn up under a new name.
    """

    version: str
    table: pa.Table
    by_path: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    by_sha256: dict[str, int] = field(default_factory=dict)
    """Row number in ``table`` of the first done row of each SHA-256."""

    @classmethod
    def load(cls, out: Path, version: str) -> DoneIndex:
        return cls.from_table(read_rows(out), version)

    @classmethod
    def from_table(cls, table: pa.Table, version: str) -> DoneIndex:
        index = cls(version, table)
        for i, row in enumerate(table.select(list(_INDEX_COLUMNS)).to_pylist()):
            if is_final(row, version):
                index.by_path[row["path"]] = (row["size_bytes"], row["mtime_ns"])
                index.by_sha256.setdefault(row["sha256"], i)
        return index

    def plan(self, files: Iterable[Path]) -> tuple[list[FileTask], int]:
        """The files still to scan, and how many were skipped because ``stat`` shows them done."""
        todo: list[FileTask] = []
        skipped = 0
        for path in files:
            size: int | None = None
            mtime: int | None = None
            try:
                st = os.stat(path)
                size, mtime = st.st_size, st.st_mtime_ns
            except OSError:
                pass
            key = str(Path(path).absolute())  # the same file keeps its key whatever folder the run starts in
            if size is not None and self.by_path.get(key) == (size, mtime):
                skipped += 1
            else:
                todo.append(FileTask(key, size, mtime))
        return todo, skipped

    def reuse(self, row: dict[str, Any]) -> dict[str, Any]:
        """The done result for ``row``'s bytes, copied to ``row``'s path (a renamed or copied file)."""
        earlier = self.table.slice(self.by_sha256[row["sha256"]], 1).to_pylist()[0]
        copied = dict(earlier)
        for name in ("path", "size_bytes", "mtime_ns", "elapsed_ms", "worker", "worker_peak_rss_mb", "finished_at"):
            copied[name] = row.get(name)
        copied["reused_from"] = earlier["path"]
        copied["ledger_entry"] = copied["match_exact"] = copied["match_near"] = None
        return copied
