"""Expired uploads are deleted unless a scan still needs them or the ledger registers them."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from unmask.ledger import Ledger, Record
from unmask.server.config import ServerConfig
from unmask.server.jobs import JobQueue
from unmask.server.retention import sweep


def _upload(config: ServerConfig, data: bytes, age_s: float) -> Path:
    path = config.uploads_dir / f"{hashlib.sha256(data).hexdigest()}.jpg"
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_sweep_keeps_fresh_in_use_and_registered_files(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, retention_s=60)
    config.prepare()
    with Ledger.open(config.database_location, key_path=config.ledger_key) as ledger:
        queue = JobQueue(ledger.store.engine)
        old = _upload(config, b"old", 120)
        fresh = _upload(config, b"fresh", 10)
        queued = _upload(config, b"queued", 120)
        registered = _upload(config, b"registered", 120)
        queue.submit("q.jpg", str(queued), None)
        sha = registered.name.split(".")[0]
        ledger.append([Record(sha256=sha, media_type="image/jpeg", registrant="newsroom")])
        incoming = config.uploads_dir / ".incoming-abc"
        incoming.write_bytes(b"partial")  # an upload in flight: never swept within the hour

        deleted = sweep(config, queue, lambda s: bool(ledger.find_sha256(s)))

        assert deleted == [old]
        assert all(p.exists() for p in (fresh, queued, registered, incoming))
