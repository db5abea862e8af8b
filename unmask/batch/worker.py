"""One file of a batch, as a worker process runs it: hash, skip if already known, scan, make a row.

This is plain Python with no Ray in it, so the same function runs inside a Ray actor, in a test, and in
the single-process baseline of ``bench/batch_scale.py``. Every outcome is a row: a file that cannot be
read or decoded becomes a row with the one-line reason, never an exception that would stop the batch.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import socket
import time
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from unmask.config import ScanOptions
from unmask.errors import MediaError
from unmask.media import sha256_file
from unmask.pipeline import scan
from unmask.report.model import Report

ERROR_MEDIA = "media"
"""The bytes cannot be scanned (corrupt, unsupported, over a limit): the same bytes fail the same way."""
ERROR_UNREADABLE = "unreadable"
"""The file could not be read (gone, no permission): worth retrying on the next run."""
ERROR_INTERNAL = "internal"
"""An unforeseen crash in unmask itself: retried on the next run, after a fix."""


@dataclass(frozen=True)
class FileTask:
    """A file to scan and what ``stat`` said when the batch was planned (the resume shortcut)."""

    path: str
    size_bytes: int | None = None
    mtime_ns: int | None = None


def worker_id() -> str:
    """``host:pid``: which process scanned a row (for per-worker throughput and memory)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scan_file(
    task: FileTask, options: ScanOptions, report_version: str, known_sha256: Container[str] = ()
) -> tuple[dict[str, Any], str | None]:
    """Scan one file; returns its row and its JSON report (``None`` for failures and known files).

    A file whose SHA-256 is in ``known_sha256`` was already scanned under this report version (perhaps
    under another name): it is not scanned again, and its row says ``reused`` so the driver can copy
    the earlier result.
    """
    started = time.perf_counter()
    row: dict[str, Any] = {
        "path": task.path,
        "size_bytes": task.size_bytes,
        "mtime_ns": task.mtime_ns,
        "report_version": report_version,
    }
    try:
        row["sha256"] = sha256_file(task.path)
    except OSError as exc:
        return _finish(row, started, error=f"cannot read the file: {exc.strerror or exc}", kind=ERROR_UNREADABLE), None
    if row["sha256"] in known_sha256:
        row["reused"] = True
        return _finish(row, started), None
    try:
        report = scan(task.path, options)
    except MediaError as exc:
        return _finish(row, started, error=exc.reason, kind=ERROR_MEDIA), None
    except Exception as exc:  # a decoder crash on one file must not end the batch
        message = " ".join(f"unexpected error: {type(exc).__name__}: {exc}".split())[:300]
        return _finish(row, started, error=message, kind=ERROR_INTERNAL), None
    row.update(report_fields(report))
    return _finish(row, started), report.to_json(artifacts=options.artifacts, indent=None)


def report_fields(report: Report) -> dict[str, Any]:
    """The columns a report fills: type, verdict, probability, per-signal scores, hashes, timings."""
    hashes = report.signal("hashes")
    details = hashes.details if hashes is not None else {}
    frame_hashes = [str(f["hash"]) for f in details.get("pdq_frames", [])]
    if isinstance(details.get("pdq"), dict):
        frame_hashes = [str(details["pdq"]["hash"])]
    return {
        "sha256": report.input.sha256,
        "media_type": report.input.kind,
        "mime": report.input.mime,
        "verdict": report.verdict.label,
        "probability": report.verdict.probability,
        "scores": {s.name: s.score for s in report.signals if s.score is not None},
        "statuses": {s.name: s.status for s in report.signals},
        "faces": report.faces.count if report.faces is not None else None,
        "pdq": frame_hashes[0] if frame_hashes else None,
        "pdq_all": frame_hashes,
        "timings_ms": dict(report.timings_ms),
    }


def _finish(row: dict[str, Any], started: float, error: str | None = None, kind: str | None = None) -> dict[str, Any]:
    row["error"] = error
    row["error_kind"] = kind
    row["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
    row["worker"] = worker_id()
    row["worker_peak_rss_mb"] = peak_rss_mb()
    row["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    return row
