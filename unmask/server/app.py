"""One server, one process model: the web pages, the scan API and the ledger API over one database.

``create_app`` opens the ledger (SQLite in the data dir by default, PostgreSQL by URL), puts the scan
queue table beside it, mounts the ledger's router from :mod:`unmask.ledger.server` unchanged, and on
start-up requeues scans a previous run left unfinished before starting the workers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from unmask.ledger.log import Ledger
from unmask.ledger.matcher import Matcher
from unmask.ledger.server import ledger_router
from unmask.server.api import JobId, scan_router, verify_router
from unmask.server.config import ServerConfig
from unmask.server.jobs import JobQueue
from unmask.server.retention import Sweeper
from unmask.server.workers import WorkerPool
from unmask.version import __version__

WEB_DIR = Path(__file__).parent / "web"
PAGES = {"/": "index.html", "/history": "history.html", "/verify": "verify.html", "/ledger": "ledger.html"}


def create_app(config: ServerConfig, *, start_workers: bool = True) -> FastAPI:
    """The whole service. ``start_workers=False`` serves the API with scans left queued (tests, read-only)."""
    config.prepare()
    ledger = Ledger.open(config.database_location, key_path=config.ledger_key)
    matcher = Matcher(ledger)
    queue = JobQueue(ledger.store.engine)
    pool = WorkerPool(config, queue)
    sweeper = Sweeper(config, queue, lambda sha256: bool(matcher.match_sha256(sha256)))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        queue.recover()
        if start_workers:
            pool.start()
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            pool.stop()
            ledger.close()

    app = FastAPI(
        title="unmask",
        version=__version__,
        description="Scan images, video and audio for manipulation; verify provenance; the transparency ledger.",
        lifespan=lifespan,
    )
    app.include_router(scan_router(config, queue, pool))
    app.include_router(verify_router(config, queue))
    app.include_router(ledger_router(matcher, config.token, config.max_upload_bytes))
    _add_pages(app)
    app.state.config, app.state.queue, app.state.pool, app.state.matcher = config, queue, pool, matcher
    return app


def _add_pages(app: FastAPI) -> None:
    """The static pages: plain HTML, CSS and JavaScript, no build step; data comes from the API."""
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    for route, name in PAGES.items():
        app.add_api_route(route, _page(name), methods=["GET"], include_in_schema=False)

    @app.get("/scans/{job_id}", include_in_schema=False)
    def report_page(job_id: JobId) -> FileResponse:
        """The shareable report URL."""
        return FileResponse(WEB_DIR / "report.html")

    @app.get("/scans", include_in_schema=False)
    def scans_page() -> RedirectResponse:
        return RedirectResponse("/history")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> None:
        raise HTTPException(404)


def _page(name: str) -> Callable[[], FileResponse]:
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / name)

    return page
