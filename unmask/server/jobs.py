"""The persistent scan queue: one table, ``scan_jobs``, in the same database as the ledger.

A submitted scan is a committed row before the client hears its id, so a crash or restart loses
nothing: :meth:`JobQueue.recover` puts scans that were running when the server stopped back in the
queue (up to :data:`MAX_ATTEMPTS` tries, so a file that kills its worker cannot loop forever).
Claiming is one transaction: ``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so two workers never take the same job.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Column, Connection, Engine, Float, Integer, MetaData, String, Table, Text, func, select, update

Status = Literal["queued", "running", "done", "failed"]
FINISHED: tuple[Status, ...] = ("done", "failed")
MAX_ATTEMPTS = 3

metadata = MetaData()
scan_jobs = Table(
    "scan_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(16), nullable=False, index=True),
    Column("stage", String(64), nullable=False, default=""),
    Column("progress", Float, nullable=False, default=0.0),
    Column("created_at", Float, nullable=False, index=True),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("filename", String(512), nullable=False),
    Column("source", String(1024), nullable=False),
    Column("sha256", String(64), index=True),
    Column("options", Text, nullable=False, default="{}"),
    Column("kind", String(16)),
    Column("verdict", String(32)),
    Column("probability", Float),
    Column("error", Text),
)


@dataclass(frozen=True)
class Job:
    """One scan as the queue knows it. ``source`` is the file to scan (an upload or an admin's path)."""

    id: str
    status: Status
    stage: str
    progress: float
    created_at: float
    filename: str
    source: str
    sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    kind: str | None = None
    verdict: str | None = None
    probability: float | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def public(self) -> dict[str, Any]:
        """What the API shows: everything but the server-side file location and raw options."""
        return {
            "id": self.id,
            "status": self.status,
            "stage": self.stage,
            "progress": round(self.progress, 4),
            "filename": self.filename,
            "sha256": self.sha256,
            "kind": self.kind,
            "verdict": self.verdict,
            "probability": self.probability,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "attempts": self.attempts,
        }


def _job(row: Any) -> Job:
    values = dict(row._mapping)
    values["options"] = json.loads(values.get("options") or "{}")
    return Job(**values)


class JobQueue:
    """Scan jobs in a SQLAlchemy database (the ledger's engine: one database, one backup)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        with self._writing() as conn:
            metadata.create_all(conn, checkfirst=True)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction; on SQLite the ledger store's engine opens it with BEGIN IMMEDIATE."""
        with self.engine.connect() as conn:
            conn.execution_options(ledger_write=True)
            with conn.begin():
                yield conn

    def submit(self, filename: str, source: str, sha256: str | None, options: dict[str, Any] | None = None) -> Job:
        """Queue a scan; the row is committed when this returns."""
        job_id = uuid.uuid4().hex
        with self._writing() as conn:
            conn.execute(
                scan_jobs.insert().values(
                    id=job_id,
                    status="queued",
                    stage="queued",
                    progress=0.0,
                    created_at=time.time(),
                    attempts=0,
                    filename=filename[:512],
                    source=source,
                    sha256=sha256,
                    options=json.dumps(options or {}),
                )
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(scan_jobs).where(scan_jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def list(self, limit: int = 50, offset: int = 0) -> list[Job]:
        """Newest first."""
        query = select(scan_jobs).order_by(scan_jobs.c.created_at.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_job(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        query = select(scan_jobs.c.status, func.count()).group_by(scan_jobs.c.status)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query)}

    def claim(self) -> Job | None:
        """Take the oldest queued job and mark it running; ``None`` when the queue is empty."""
        query = select(scan_jobs.c.id).where(scan_jobs.c.status == "queued").order_by(scan_jobs.c.created_at)
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        with self._writing() as conn:
            job_id = conn.execute(query.limit(1)).scalar_one_or_none()
            if job_id is None:
                return None
            conn.execute(
                update(scan_jobs)
                .where(scan_jobs.c.id == job_id)
                .values(
                    status="running",
                    stage="starting",
                    progress=0.0,
                    started_at=time.time(),
                    attempts=scan_jobs.c.attempts + 1,
                )
            )
        return self.get(job_id)

    def progress(self, job_id: str, stage: str, fraction: float) -> None:
        with self._writing() as conn:
            conn.execute(
                update(scan_jobs)
                .where(scan_jobs.c.id == job_id, scan_jobs.c.status == "running")
                .values(stage=stage[:64], progress=max(0.0, min(1.0, fraction)))
            )

    def finish(self, job_id: str, kind: str, verdict: str, probability: float, sha256: str) -> None:
        self._end(
            job_id,
            status="done",
            stage="done",
            progress=1.0,
            kind=kind,
            verdict=verdict,
            probability=probability,
            sha256=sha256,
        )

    def fail(self, job_id: str, error: str) -> None:
        self._end(job_id, status="failed", stage="failed", error=" ".join(error.split())[:1000])

    def release(self, job_id: str) -> None:
        """Put a running job back in the queue untried (the server is stopping in an orderly way)."""
        with self._writing() as conn:
            conn.execute(
                update(scan_jobs)
                .where(scan_jobs.c.id == job_id, scan_jobs.c.status == "running")
                .values(status="queued", stage="queued", progress=0.0, attempts=scan_jobs.c.attempts - 1)
            )

    def _end(self, job_id: str, **values: Any) -> None:
        with self._writing() as conn:
            conn.execute(update(scan_jobs).where(scan_jobs.c.id == job_id).values(finished_at=time.time(), **values))

    def recover(self) -> int:
        """Requeue scans a stopped server left running (one process model: none is really running now).

        A job that has already been tried :data:`MAX_ATTEMPTS` times fails instead. Returns how many
        jobs went back to the queue.
        """
        running = scan_jobs.c.status == "running"
        with self._writing() as conn:
            conn.execute(
                update(scan_jobs)
                .where(running, scan_jobs.c.attempts >= MAX_ATTEMPTS)
                .values(
                    status="failed",
                    stage="failed",
                    finished_at=time.time(),
                    error=f"the server stopped during this scan {MAX_ATTEMPTS} times; not retried",
                )
            )
            result = conn.execute(
                update(scan_jobs).where(running).values(status="queued", stage="queued", progress=0.0)
            )
        return int(result.rowcount or 0)

    def sources_in_use(self) -> set[str]:
        """Files that queued or running scans still need (retention must not delete them)."""
        query = select(scan_jobs.c.source).where(scan_jobs.c.status.in_(("queued", "running")))
        with self.engine.connect() as conn:
            return {str(s) for s in conn.execute(query).scalars()}
