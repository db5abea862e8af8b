"""Uploaded files are deleted after the retention period, unless registered in the ledger.

Reports and queue rows are kept (the history page and shared report links keep working); only the
uploaded media goes. A file a queued or running scan still needs is never deleted, and neither is a
file whose SHA-256 is registered in the ledger: that is an original someone chose to keep on record.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from unmask.server.config import ServerConfig
from unmask.server.jobs import JobQueue

log = logging.getLogger("unmask.server")


def sweep(
    config: ServerConfig, queue: JobQueue, registered: Callable[[str], bool], now: float | None = None
) -> list[Path]:
    """Delete expired uploads; returns what was deleted."""
    now = time.time() if now is None else now
    in_use = queue.sources_in_use()
    deleted = []
    for path in sorted(config.uploads_dir.glob("*")):
        if not path.is_file() or str(path) in in_use:
            continue
        incoming = path.name.startswith(".incoming-")
        if now - path.stat().st_mtime < (max(config.retention_s, 3600.0) if incoming else config.retention_s):
            continue  # an .incoming- file is an upload in flight (or left by a crash an hour ago)
        if not incoming and registered(path.name.split(".", 1)[0]):
            continue
        path.unlink(missing_ok=True)
        deleted.append(path)
    return deleted


class Sweeper:
    """Runs :func:`sweep` every ``config.cleanup_interval_s`` in a daemon thread until :meth:`stop`."""

    def __init__(self, config: ServerConfig, queue: JobQueue, registered: Callable[[str], bool]) -> None:
        self.config, self.queue, self.registered = config, queue, registered
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="unmask-retention", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)

    def _run(self) -> None:
        while not self.stopping.wait(self.config.cleanup_interval_s):
            try:
                for path in sweep(self.config, self.queue, self.registered):
                    log.info("retention: deleted %s", path.name)
            except Exception:
                log.exception("retention sweep")
