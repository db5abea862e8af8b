"""Verify a ledger served over HTTP without trusting the server: the client side of ``ledger verify URL``.

A transparency log is only worth something if outsiders check it. The server is asked for data
(its latest signed checkpoint, consistency proofs) but never for trust: the log's verifier key comes
from the caller, every note's signature and origin are checked against it, and every proof is
verified here per RFC 9162. A monitor that saves each verified checkpoint and checks the next one
against it catches a log that rewrites or forks its history, however the server answers.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from unmask.ledger import merkle
from unmask.ledger.checkpoint import Checkpoint, CheckpointError, NoteVerifier, open_checkpoint

DEFAULT_TIMEOUT = 30.0
API_PREFIX = "/api/ledger"
"""The routes' prefix, as :data:`unmask.ledger.server.PREFIX` (not imported: a client needs no web stack)."""


class RemoteError(Exception):
    """The server answered with an error or with something that is not what the API promises."""


class Unreachable(RemoteError):
    """No answer at all (refused, timed out, DNS): a problem of the network, not of the log."""


def is_url(location: str | None) -> bool:
    """``http(s)://`` selects remote mode; anything else (a path, a database URL) is a local ledger."""
    return bool(location) and str(location).lower().startswith(("http://", "https://"))


class LogClient:
    """The read-only routes of a ledger server, as a thin typed client with a timeout."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None):
        base = url.rstrip("/")
        if not base.endswith(API_PREFIX):  # accept both https://host and https://host/api/ledger
            base += API_PREFIX
        self.url = base
        self._http = httpx.Client(base_url=base, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LogClient:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _get(self, path: str, **params: Any) -> httpx.Response:
        try:
            response = self._http.get(path, params=params)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach {self.url}: {exc.__class__.__name__}: {exc}".splitlines()[0]) from exc
        if response.status_code != 200:
            detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
            raise RemoteError(f"{self.url}{path} answered HTTP {response.status_code} {detail}".rstrip())
        return response

    def latest_note(self) -> str:
        """The latest signed checkpoint note, as text (unverified: the caller opens it with its key)."""
        return self._get("/checkpoint", format="text").text

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The hashes of the server's consistency proof from ``first`` to ``second`` entries."""
        body = self._get("/proof/consistency", first=first, second=second).json()
        if not isinstance(body, dict) or (body.get("first"), body.get("second")) != (first, second):
            raise RemoteError(f"the server sent a consistency proof for other sizes than {first} -> {second}")
        return _hashes(body.get("hashes"))


def _hashes(value: object) -> list[bytes]:
    """Hex proof hashes as bytes; anything else is a malformed answer."""
    if not isinstance(value, list):
        raise RemoteError("a proof's hashes are not a list")
    try:
        out = [bytes.fromhex(h) for h in value]
    except (TypeError, ValueError) as exc:
        raise RemoteError("a proof hash is not hex") from exc
    if any(len(h) != merkle.HASH_SIZE for h in out):
        raise RemoteError(f"a proof hash is not {merkle.HASH_SIZE} bytes")
    return out


@dataclass(frozen=True)
class Latest:
    """The server's latest checkpoint once its signature and origin have been checked."""

    note: str
    checkpoint: Checkpoint


def fetch_latest(client: LogClient, verifier: NoteVerifier) -> Latest:
    """The latest checkpoint, opened with the caller's key (CheckpointError says why it fails)."""
    note = client.latest_note()
    try:
        return Latest(note, open_checkpoint(note, verifier))
    except CheckpointError as exc:
        raise CheckpointError(f"the server's latest checkpoint: {exc}") from exc


def consistency_problem(client: LogClient, older: Checkpoint, newer: Checkpoint) -> str | None:
    """Why ``newer`` is not an append-only extension of ``older`` (None: it is), proof fetched from the server.

    A shrinking size or a failing proof means the log rolled back, forked or rewrote entries.
    """
    a, b = older.size, newer.size
    if a > b:
        return f"the log shrank from size {a} to {b}: it was rolled back, or this is another log"
    proof = [] if a in (0, b) else client.consistency_proof(a, b)
    if not merkle.verify_consistency(a, b, proof, older.root, newer.root):
        what = "roots differ at the same size" if a == b else "the consistency proof fails"
        return f"size {a} is not consistent with size {b} ({what}): the log forked or rewrote its history"
    return None


@dataclass(frozen=True)
class RemoteReport:
    """What ``ledger verify URL`` found: the verified latest checkpoint, the saved size, problems."""

    latest: Latest | None
    saved_size: int | None
    problems: list[str]

    def summary(self) -> str:
        assert self.latest is not None
        size = self.latest.checkpoint.size
        if self.saved_size is None:
            return f"ok: the latest checkpoint (size {size}) is signed by the log's key"
        return f"ok: the log grew from size {self.saved_size} to {size} consistently"


def verify_remote(client: LogClient, verifier: NoteVerifier, saved_note: str | None = None) -> RemoteReport:
    """Check the server's latest checkpoint and, given one saved earlier, that the log only grew since.

    Raises :class:`RemoteError` (or :class:`Unreachable`) when the server cannot be asked.
    """
    saved: Checkpoint | None = None
    if saved_note is not None:
        try:
            saved = open_checkpoint(saved_note, verifier)
        except CheckpointError as exc:
            return RemoteReport(None, None, [f"the saved checkpoint: {exc}"])
    try:
        latest = fetch_latest(client, verifier)
    except CheckpointError as exc:
        return RemoteReport(None, None, [str(exc)])
    if saved is None:
        return RemoteReport(latest, None, [])
    problem = consistency_problem(client, saved, latest.checkpoint)
    return RemoteReport(latest, saved.size, [problem] if problem else [])


def save_note(path: Path, note: str) -> None:
    """Write a checkpoint atomically: a monitor killed mid-write must not leave a truncated one behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # public data, readable like any other published checkpoint
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(note)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
