"""The batch driver: plan what is left, run it on Ray, write each row as it arrives.

The driver is the single writer of ``OUT`` (rows, reports, ledger): workers only read files and send
rows back. That keeps the output consistent on any cluster without a shared file system, and the
driver's own work per file (a journal line, one small JSON file) is small against a scan.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.batch.ledger_hook import LedgerHook
from unmask.batch.ray_run import ray_session, stream_rows
from unmask.batch.results import ResultWriter, write_report
from unmask.batch.resume import DoneIndex, report_version
from unmask.config import ScanOptions


@dataclass
class BatchSummary:
    """What one run did; ``stopped`` is the one-line reason when the run ended early."""

    run_id: str
    files: int
    skipped: int
    todo: int = 0
    workers: int = 0
    scanned: int = 0
    failed: int = 0
    reused: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    stopped: str | None = None

    @property
    def done(self) -> int:
        return self.scanned + self.failed + self.reused


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def run_batch(
    files: Sequence[Path],
    out: Path,
    options: ScanOptions,
    *,
    address: str | None = None,
    workers: int | None = None,
    ledger: LedgerHook | None = None,
    on_plan: Callable[[BatchSummary], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    flush_rows: int = 256,
) -> BatchSummary:
    """Scan ``files`` into ``out``, skipping what an earlier run finished; returns the run's summary.

    Ctrl-C ends the run cleanly (``interrupted``): every row received so far is already on disk.
    """
    from ray.exceptions import RayError

    out.mkdir(parents=True, exist_ok=True)
    version = report_version(options)
    started = time.perf_counter()
    with ResultWriter(out, new_run_id(), flush_rows=flush_rows) as writer:
        done = DoneIndex.load(out, version)
        todo, skipped = done.plan(files)
        summary = BatchSummary(writer.run_id, len(files), skipped, len(todo))
        try:
            if todo:
                with ray_session(address, workers) as summary.workers:
                    if on_plan:
                        on_plan(summary)
                    known = frozenset(done.by_sha256)
                    for row, report in stream_rows(todo, options, version, summary.workers, known):
                        row = _complete(row, report, out, done, writer.run_id, ledger)
                        writer.append(row)
                        _count(summary, row)
                        if on_row:
                            on_row(row)
            elif on_plan:
                on_plan(summary)
        except KeyboardInterrupt:
            summary.interrupted = True
        except RayError as exc:  # a worker died beyond Ray's retries, a node was lost: rerun to resume
            summary.stopped = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _complete(
    row: dict[str, Any], report: str | None, out: Path, done: DoneIndex, run_id: str, ledger: LedgerHook | None
) -> dict[str, Any]:
    """A worker's row made whole on the driver: report file written, reused result copied, ledger applied."""
    if row.pop("reused", False):
        row = done.reuse(row)
    elif report is not None:
        row["report"] = write_report(out, row["path"], row["sha256"], report)
    row["run_id"] = run_id
    if ledger is not None:
        ledger.apply(row)
    return row


def _count(summary: BatchSummary, row: dict[str, Any]) -> None:
    if row.get("reused_from"):
        summary.reused += 1
    elif row.get("error"):
        summary.failed += 1
    else:
        summary.scanned += 1
