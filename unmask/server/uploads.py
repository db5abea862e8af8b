"""Receiving uploads: streamed with a size limit, stored under their SHA-256, checked before queueing.

A user-supplied file name is never used as a path: the stored name is ``<sha256><ext>`` (the
extension only if it is 1-10 letters or digits, so the decoder can still flag a wrong one), and the
name the user gave is kept only as display text. The same bytes uploaded twice are stored once.
Bad media is refused before it is queued, with the one-line reason ``unmask scan`` prints:
415 for content that is not media, 413 for a limit, 422 for a corrupt or empty file.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from unmask.config import DecodeLimits
from unmask.errors import MediaError, MediaLimitError, UnsupportedMediaError
from unmask.ledger.server import multipart_file, too_large
from unmask.media.container import audio_stream, open_container, video_stream
from unmask.media.image import decode_image
from unmask.media.sniff import HEAD_BYTES, describe_unknown, sniff
from unmask.media.types import MediaKind

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Stored:
    """An upload on disk under its content address, with the name the user gave it."""

    path: Path
    sha256: str
    size: int
    display_name: str
    fields: dict[str, str]


def display_name(filename: str | None) -> str:
    """The last path component, printable characters only, at most 200: shown, never used as a path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "upload"


async def receive(request: Request, uploads: Path, max_bytes: int) -> Stored:
    """Parse a multipart body with a ``file`` field and store the file under its SHA-256."""
    upload, fields = await multipart_file(request, max_bytes)
    try:
        return await run_in_threadpool(_store, upload, uploads, max_bytes, fields)
    finally:
        await upload.close()


def _store(upload: UploadFile, uploads: Path, max_bytes: int, fields: dict[str, str]) -> Stored:
    uploads.mkdir(parents=True, exist_ok=True)
    incoming = uploads / f".incoming-{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    upload.file.seek(0)
    try:
        with incoming.open("wb") as out:
            while chunk := upload.file.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        name = display_name(upload.filename)
        suffix = Path(name).suffix
        target = uploads / (digest.hexdigest() + (suffix.lower() if _EXTENSION.fullmatch(suffix) else ""))
        if target.exists():
            target.touch()  # the same bytes again: keep one copy, restart its retention clock
        else:
            os.replace(incoming, target)
    finally:
        incoming.unlink(missing_ok=True)
    return Stored(target, digest.hexdigest(), size, name, fields)


def check_media(path: Path, name: str, limits: DecodeLimits | None = None) -> None:
    """Refuse what the scan would refuse, before it is queued; the detail is ``"<name>: <reason>"``.

    Only the cheap part of decoding runs here (type, header, streams; an image is decoded whole, which
    takes milliseconds); a file that fails deeper in still fails its job with the same kind of line.
    """
    limits = limits or DecodeLimits()
    try:
        _probe(path, limits)
    except UnsupportedMediaError as exc:
        raise HTTPException(415, f"{name}: {exc.reason}") from None
    except MediaLimitError as exc:
        raise HTTPException(413, f"{name}: {exc.reason}") from None
    except MediaError as exc:
        raise HTTPException(422, f"{name}: {exc.reason}") from None


def _probe(path: Path, limits: DecodeLimits) -> None:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise MediaError(path, "empty file (0 bytes)")
    sniffed = sniff(head)
    if sniffed is None:
        raise UnsupportedMediaError(path, describe_unknown(head))
    if sniffed.kind is MediaKind.IMAGE:
        decode_image(path, limits)
        return
    with open_container(path) as container:
        if video_stream(container) is None and audio_stream(container) is None:
            raise MediaError(path, "container holds no audio or video stream")
