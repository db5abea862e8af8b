"""The scan API: submit, follow (polling or server-sent events), read and download reports; verify a file.

Routes (all under ``/api``): ``POST /scans`` (multipart upload, or JSON ``{"path": ...}`` for a file
already on the server, which needs the token), ``GET /scans``, ``GET /scans/{id}``,
``GET /scans/{id}/events`` (SSE), ``GET /scans/{id}/report.json`` and ``.html``, ``GET /signals``,
``POST /verify`` and ``GET /config``. No route scans in the event loop: submission only stores the
file and writes a queue row; the workers do the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from unmask.ledger.server import Credentials, require_token, upload_body
from unmask.report.html import render_html
from unmask.report.model import Report
from unmask.server import uploads
from unmask.server.config import ServerConfig
from unmask.server.jobs import Job, JobQueue
from unmask.server.workers import WorkerPool
from unmask.signals import signal_classes
from unmask.signals.registry import check_signal_names
from unmask.version import __version__

JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$", description="the id POST /api/scans returned")]
_SSE_POLL_S = 0.25
_SSE_KEEPALIVE_S = 15.0


class PathScan(BaseModel):
    """A scan of a file already on the server (administrators only: it needs the token)."""

    path: str = Field(min_length=1, max_length=4096)
    find_faces: bool = True
    signals: list[str] | None = None
    skip: list[str] = Field(default_factory=list)


_SCAN_BODY = upload_body(
    {
        "signals": "comma-separated signals to run",
        "skip": "comma-separated signals not to run",
        "no_faces": "'1' to skip the face stage",
    },
    json_schema=PathScan.model_json_schema(),
)


def _names(value: str | list[str] | None) -> list[str]:
    items = value.split(",") if isinstance(value, str) else (value or [])
    return [n.strip() for n in items if n.strip()]


def _options(signals: list[str], skip: list[str], find_faces: bool) -> dict[str, Any]:
    """Scan options as stored in the queue row; unknown signal names are a 422 now, not a failed job."""
    try:
        check_signal_names((*signals, *skip))
    except Exception as exc:
        raise HTTPException(422, str(exc)) from None
    return {"signals": signals or None, "skip": skip, "find_faces": find_faces}


def _report_path(config: ServerConfig, job: Job) -> Path:
    return config.reports_dir / f"{job.id}.json"


def scan_router(config: ServerConfig, queue: JobQueue, pool: WorkerPool) -> APIRouter:
    """The scan routes over one queue and its workers."""
    router = APIRouter(prefix="/api", tags=["scans"])
    check_token = require_token(config.token)

    def job_or_404(job_id: str) -> Job:
        job = queue.get(job_id)
        if job is None:
            raise HTTPException(404, f"no scan {job_id}")
        return job

    @router.get("/config")
    def server_config() -> dict[str, Any]:
        """What the web page needs to know: limits and whether uploads need a token."""
        return {
            "version": __version__,
            "scans_need_token": config.scans_need_token,
            "max_upload_bytes": config.max_upload_bytes,
            "workers": config.workers,
            "workers_ready": len(pool.children),
            "job_timeout_s": config.job_timeout_s,
            "retention_s": config.retention_s,
            "queue": queue.counts(),
        }

    @router.post("/scans", status_code=202, openapi_extra=_SCAN_BODY)
    async def submit(request: Request, credentials: Credentials) -> dict[str, Any]:
        """Queue a scan of an uploaded file (multipart field ``file``) or of a server path (JSON, token)."""
        if request.headers.get("content-type", "").startswith("application/json"):
            check_token(credentials)
            try:
                body = PathScan.model_validate_json(await request.body())
            except ValidationError as exc:
                raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None
            job = await run_in_threadpool(_submit_path, body)
        elif request.headers.get("content-type", "").startswith("multipart/form-data"):
            if config.scans_need_token:
                check_token(credentials)
            stored = await uploads.receive(request, config.uploads_dir, config.max_upload_bytes)
            await run_in_threadpool(_checked, queue, stored)
            fields = stored.fields
            options = _options(_names(fields.get("signals")), _names(fields.get("skip")), not fields.get("no_faces"))
            job = await run_in_threadpool(queue.submit, stored.display_name, str(stored.path), stored.sha256, options)
        else:
            raise HTTPException(415, "send the file as multipart/form-data in a field named 'file'")
        pool.notify()
        return {**job.public(), "url": f"/scans/{job.id}", "api": f"/api/scans/{job.id}"}

    def _submit_path(body: PathScan) -> Job:
        path = Path(body.path).expanduser()
        if not path.is_file():
            raise HTTPException(422, f"{body.path}: no such file")
        uploads.check_media(path, str(path))
        options = _options(body.signals or [], body.skip, body.find_faces)
        return queue.submit(path.name, str(path.resolve()), None, options)

    @router.get("/scans")
    def history(
        limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0
    ) -> list[dict[str, Any]]:
        """Past and current scans, newest first."""
        return [job.public() for job in queue.list(limit, offset)]

    @router.get("/scans/{job_id}")
    def status(job_id: JobId, artifacts: bool = False) -> Response:
        """Status and progress; once done, the report (pictures only with ``?artifacts=true``)."""
        job = job_or_404(job_id)
        body = job.public()
        path = _report_path(config, job)
        if job.status == "done" and path.is_file():
            report = Report.from_json(path.read_text(encoding="utf-8"))
            body["report"] = json.loads(report.to_json(artifacts=artifacts, indent=None))
        return JSONResponse(body)

    @router.get("/scans/{job_id}/events", responses={200: {"content": {"text/event-stream": {}}}})
    async def events(job_id: JobId, request: Request) -> StreamingResponse:
        """Server-sent events: ``progress`` whenever the stage or fraction moves, then ``done`` or ``failed``."""
        await run_in_threadpool(job_or_404, job_id)
        return StreamingResponse(
            _event_stream(queue, job_id, request),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/scans/{job_id}/report.json")
    def report_json(job_id: JobId, download: bool = False) -> Response:
        """The full JSON report, pictures included (``?download=true`` to save it as a file)."""
        job, text = _finished_report(job_id)
        headers = {"Content-Disposition": f'attachment; filename="{_safe(job.filename)}.json"'} if download else {}
        return Response(text, media_type="application/json", headers=headers)

    @router.get("/scans/{job_id}/report.html", response_class=HTMLResponse)
    def report_html(job_id: JobId, download: bool = False) -> HTMLResponse:
        """The self-contained HTML report ``unmask scan --html`` writes."""
        job, text = _finished_report(job_id)
        headers = {"Content-Disposition": f'attachment; filename="{_safe(job.filename)}.html"'} if download else {}
        return HTMLResponse(render_html(Report.from_json(text)), headers=headers)

    def _finished_report(job_id: str) -> tuple[Job, str]:
        job = job_or_404(job_id)
        path = _report_path(config, job)
        if job.status != "done" or not path.is_file():
            raise HTTPException(409 if not job.finished else 404, f"scan {job_id} has no report ({job.status})")
        return job, path.read_text(encoding="utf-8")

    @router.get("/signals")
    def signals() -> list[dict[str, Any]]:
        """The registered signals: what each applies to, needs and looks at."""
        return [
            {
                "name": c.name,
                "version": c.version,
                "applies_to": sorted(k.value for k in c.applies_to),
                "needs": sorted(n.value for n in c.needs),
                "description": c.description,
            }
            for c in signal_classes()
        ]

    return router


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:120] or "report"


async def _event_stream(queue: JobQueue, job_id: str, request: Request) -> AsyncIterator[str]:
    last: tuple[str, str, float] | None = None
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
        job = await run_in_threadpool(queue.get, job_id)
        if job is None:
            return
        state = (job.status, job.stage, round(job.progress, 3))
        if state != last:
            last, quiet_since = state, time.monotonic()
            yield f"event: progress\ndata: {json.dumps(job.public())}\n\n"
        if job.finished:
            yield f"event: {job.status}\ndata: {json.dumps(job.public())}\n\n"
            return
        if time.monotonic() - quiet_since > _SSE_KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ": still working\n\n"
        await asyncio.sleep(_SSE_POLL_S)


def _checked(queue: JobQueue, stored: uploads.Stored) -> None:
    """:func:`uploads.check_media`; a refused file is not kept."""
    try:
        uploads.check_media(stored.path, stored.display_name)
    except HTTPException:
        _discard(queue, stored)
        raise


def _discard(queue: JobQueue, stored: uploads.Stored) -> None:
    """Delete an upload nothing else needs (a scan of the same bytes may still be queued)."""
    if str(stored.path) not in queue.sources_in_use():
        stored.path.unlink(missing_ok=True)


def verify_router(config: ServerConfig, queue: JobQueue) -> APIRouter:
    """``POST /api/verify``: what ``unmask verify`` says about an uploaded file (C2PA, watermark, ledger)."""
    router = APIRouter(prefix="/api", tags=["provenance"])

    @router.post("/verify", openapi_extra=upload_body())
    async def verify(request: Request) -> dict[str, Any]:
        """Upload a signed (or any) file: its Content Credentials, watermark and ledger registration."""
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HTTPException(415, "send the file as multipart/form-data in a field named 'file'")
        stored = await uploads.receive(request, config.uploads_dir, config.max_upload_bytes)
        await run_in_threadpool(_checked, queue, stored)
        try:
            return await run_in_threadpool(_verify, config, stored)
        finally:
            await run_in_threadpool(_discard, queue, stored)

    return router


def _verify(config: ServerConfig, stored: uploads.Stored) -> dict[str, Any]:
    from unmask.errors import MediaError
    from unmask.provenance.verify import verify_file

    try:
        report = verify_file(stored.path, config.database_location, config.keys_dir)
    except MediaError as exc:
        raise HTTPException(422, f"{stored.display_name}: {exc.reason}") from None
    out = report.to_json()
    out["path"] = stored.display_name
    lines = report.lines()
    lines[0] = lines[0].replace(str(stored.path), stored.display_name, 1)
    return {**out, "lines": lines}
