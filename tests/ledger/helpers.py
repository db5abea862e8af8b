"""Shared helpers for the ledger tests."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from unmask.ledger import Record


def make_records(n: int, tag: str = "r") -> list[Record]:
    """Distinct, valid records; every optional field filled in on some of them."""
    out = []
    for i in range(n):
        digest = hashlib.sha256(f"{tag}/{i}".encode()).hexdigest()
        out.append(
            Record(
                sha256=digest,
                media_type=("image/jpeg", "video/mp4", "audio/wav")[i % 3],
                registrant=f"{tag}-registrant",
                pdq=digest[::-1] if i % 2 else None,
                c2pa_manifest_hash=f"sha256:{digest[:16]}" if i % 3 == 0 else None,
                watermark_id=f"wm-{i}" if i % 4 == 0 else None,
            )
        )
    return out


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` in a real uvicorn server on a free loopback port; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
