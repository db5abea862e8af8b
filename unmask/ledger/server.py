"""The ledger over HTTP: append (token-protected), checkpoints, proofs, look-ups and matching.

Every route lives under :data:`PREFIX` on an :class:`~fastapi.APIRouter`, so a later combined
unmask server can mount the same router. Reads need no credentials (a transparency log is public);
``POST /entries`` needs ``Authorization: Bearer <token>``: 401 without one, 403 with a wrong one.

Uploads to ``POST /match/file`` are counted while they stream in and refused with 413 as soon as
they pass the limit, so a client cannot make the server buffer an unbounded body first.
"""

from __future__ import annotations

import hmac
import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from unmask.errors import MediaError, MediaLimitError, UnsupportedMediaError
from unmask.ledger.index import MIH_RADIUS
from unmask.ledger.log import Ledger, LedgerError
from unmask.ledger.matcher import FileMatch, Match, Matcher
from unmask.ledger.records import MAX_TEXT, Entry, Record, RecordError
from unmask.version import __version__

PREFIX = "/api/ledger"
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
MAX_BATCH = 10_000
MULTIPART_SLACK = 16 * 1024  # boundaries, part headers and the few form fields around the file
_HEX64 = r"^[0-9a-fA-F]{64}$"

Hex64 = Annotated[str, Field(pattern=_HEX64, description="64 hex digits")]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class RecordIn(BaseModel):
    """One registration as submitted (see :class:`unmask.ledger.records.Record`)."""

    sha256: Hex64
    media_type: Text
    registrant: Text
    pdq: Hex64 | None = None
    c2pa_manifest_hash: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    watermark_id: Annotated[str, Field(max_length=MAX_TEXT)] | None = None


class EntryOut(BaseModel):
    index: int
    registered_at: str
    sha256: str
    media_type: str
    registrant: str
    pdq: str | None
    c2pa_manifest_hash: str | None
    watermark_id: str | None
    leaf_hash: str


class CheckpointOut(BaseModel):
    origin: str
    size: int
    root: str = Field(description="hex")
    note: str = Field(description="the C2SP signed note; verify it with the log's verifier key")
    verifier_key: str


class AppendOut(BaseModel):
    entries: list[EntryOut]
    checkpoint: CheckpointOut


class InclusionOut(BaseModel):
    index: int
    size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    hashes: list[str]


class MatchOut(BaseModel):
    distance: int
    entry: EntryOut


class LookupOut(BaseModel):
    sha256: str
    entries: list[EntryOut]


class PdqMatchOut(BaseModel):
    pdq: str
    max_distance: int
    matches: list[MatchOut]


class PdqOut(BaseModel):
    hex: str
    quality: int
    time: float


class FileMatchOut(BaseModel):
    sha256: str
    media_type: str
    size_bytes: int
    pdq: list[PdqOut]
    exact: list[EntryOut]
    near: list[MatchOut]


def _entry(entry: Entry) -> EntryOut:
    return EntryOut(**entry.to_json())


def _match(match: Match) -> MatchOut:
    return MatchOut(distance=match.distance, entry=_entry(match.entry))


def _checkpoint(ledger: Ledger) -> CheckpointOut:
    signed = ledger.checkpoint()
    return CheckpointOut(
        origin=ledger.origin,
        size=signed.size,
        root=signed.root.hex(),
        note=signed.note,
        verifier_key=str(ledger.verifier),
    )


# Module level: FastAPI resolves these (string) annotations from the module's globals.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


def require_token(token: str | None) -> Callable[[HTTPAuthorizationCredentials | None], None]:
    """A dependency: 401 (with a Bearer challenge) without credentials, 403 with wrong ones."""

    def check(credentials: Credentials) -> None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        if token is None:
            raise HTTPException(403, "this server is read-only (started without a token)")
        if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
            raise HTTPException(403, "invalid token")

    return check


def too_large(max_bytes: int) -> HTTPException:
    return HTTPException(413, f"upload is larger than the {max_bytes} byte limit")


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body, refused with 413 the moment it passes ``limit`` bytes (nothing unbounded is kept)."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(limit - MULTIPART_SLACK)
        yield chunk


async def multipart_file(request: Request, max_bytes: int) -> tuple[UploadFile, dict[str, str]]:
    """The multipart ``file`` field and the form's text fields, for every upload route (ledger and scans).

    Why one reader: the size limit must hold while the body streams in (413 before anything unbounded is
    kept, also for chunked bodies with no Content-Length), and a malformed body or a missing file must get
    the same 422 everywhere. The caller owns the returned upload and closes it.
    """
    limit = max_bytes + MULTIPART_SLACK
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:  # refuse before reading anything
        raise too_large(max_bytes)
    parser = MultiPartParser(request.headers, _limited(request, limit), max_files=1, max_fields=8)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(422, f"malformed multipart body: {exc.message}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "no file in the multipart field 'file'")
    return upload, {key: value for key, value in form.items() if isinstance(value, str)}


async def _receive_upload(request: Request, max_upload_bytes: int) -> tuple[Path, int]:
    """Stream the multipart ``file`` field to a temporary file; returns its path and size."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, "send the file as multipart/form-data in a field named 'file'")
    upload, _ = await multipart_file(request, max_upload_bytes)
    return await run_in_threadpool(_save, upload, max_upload_bytes)


def _save(upload: UploadFile, max_upload_bytes: int) -> tuple[Path, int]:
    suffix = Path(upload.filename or "").suffix[:16]
    upload.file.seek(0)
    with tempfile.NamedTemporaryFile(prefix="unmask-upload-", suffix=suffix, delete=False) as out:
        size = 0
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > max_upload_bytes:
                out.close()
                os.unlink(out.name)
                raise HTTPException(413, f"upload is larger than the {max_upload_bytes} byte limit")
            out.write(chunk)
    upload.file.close()
    return Path(out.name), size


def _match_file(matcher: Matcher, path: Path, size: int, max_distance: int, limit: int) -> FileMatchOut:
    try:
        found: FileMatch = matcher.match_file(path, max_distance, limit)
    except UnsupportedMediaError as exc:
        raise HTTPException(415, exc.reason) from None
    except MediaLimitError as exc:
        raise HTTPException(413, exc.reason) from None
    except MediaError as exc:
        raise HTTPException(422, exc.reason) from None
    finally:
        path.unlink(missing_ok=True)
    return FileMatchOut(
        sha256=found.sha256,
        media_type=found.mime,
        size_bytes=size,
        pdq=[PdqOut(hex=h.hex, quality=h.quality, time=h.time) for h in found.pdq],
        exact=[_entry(e) for e in found.exact],
        near=[_match(m) for m in found.near],
    )


def upload_body(fields: dict[str, str] | None = None, json_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its multipart upload itself (see
    :func:`multipart_file`), so FastAPI cannot infer it: a required ``file``, optional text ``fields``
    (name -> description) and, when given, an ``application/json`` alternative."""
    properties: dict[str, Any] = {"file": {"type": "string", "format": "binary"}}
    properties |= {name: {"type": "string", "description": text} for name, text in (fields or {}).items()}
    content: dict[str, Any] = {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": properties}}
    }
    if json_schema is not None:
        content["application/json"] = {"schema": json_schema}
    return {"requestBody": {"required": True, "content": content}}


def ledger_router(matcher: Matcher, token: str | None, max_upload_bytes: int = DEFAULT_MAX_UPLOAD) -> APIRouter:
    """The ledger's routes over an open :class:`Matcher` (and its ledger), mountable anywhere."""
    ledger = matcher.ledger
    router = APIRouter(prefix=PREFIX, tags=["ledger"])
    authorized = Depends(require_token(token))

    @router.post("/entries", dependencies=[authorized])
    def append(body: RecordIn | list[RecordIn]) -> AppendOut:
        """Append one record or a batch (one transaction, one new signed checkpoint)."""
        batch = body if isinstance(body, list) else [body]
        if not 1 <= len(batch) <= MAX_BATCH:
            raise HTTPException(422, f"send between 1 and {MAX_BATCH} records")
        try:
            added = matcher.append([Record(**r.model_dump()) for r in batch])
        except RecordError as exc:
            raise HTTPException(422, str(exc)) from None
        return AppendOut(entries=[_entry(e) for e in added], checkpoint=_checkpoint(ledger))

    @router.get("/checkpoint", responses={200: {"content": {"text/plain": {}}}})
    def checkpoint(request: Request, format: str | None = Query(None, pattern="^(json|text)$")) -> Response:
        """The latest signed checkpoint: JSON, or the bare note with ``Accept: text/plain`` / ``?format=text``."""
        out = _checkpoint(ledger)
        wants_text = format == "text" or (format is None and "text/plain" in request.headers.get("accept", ""))
        if wants_text:
            return PlainTextResponse(out.note)
        return Response(out.model_dump_json(), media_type="application/json")

    @router.get("/entries/{index}")
    def entry(index: Annotated[int, PathParam(ge=0)]) -> EntryOut:
        try:
            return _entry(ledger.entry(index))
        except LedgerError as exc:
            raise HTTPException(404, str(exc)) from None

    @router.get("/proof/inclusion")
    def inclusion(index: Annotated[int, Query(ge=0)], size: Annotated[int | None, Query(ge=1)] = None) -> InclusionOut:
        """Audit path of entry ``index`` in the tree of ``size`` entries (default: the whole log)."""
        try:
            proof = ledger.inclusion_proof(index, size)
        except LedgerError as exc:
            raise HTTPException(404, str(exc)) from None
        return InclusionOut(
            index=proof.index, size=proof.size, leaf_hash=proof.leaf_hash.hex(), hashes=[h.hex() for h in proof.hashes]
        )

    @router.get("/proof/consistency")
    def consistency(
        first: Annotated[int, Query(ge=0)], second: Annotated[int | None, Query(ge=0)] = None
    ) -> ConsistencyOut:
        """Proof that the tree of ``first`` entries is a prefix of the tree of ``second`` (default: now)."""
        try:
            proof = ledger.consistency_proof(first, second)
        except LedgerError as exc:
            raise HTTPException(404, str(exc)) from None
        return ConsistencyOut(first=proof.size1, second=proof.size2, hashes=[h.hex() for h in proof.hashes])

    @router.get("/lookup/sha256/{sha256}")
    def lookup_sha256(sha256: Annotated[str, PathParam(pattern=_HEX64)]) -> LookupOut:
        return LookupOut(sha256=sha256.lower(), entries=[_entry(e) for e in matcher.match_sha256(sha256)])

    @router.get("/match/pdq/{pdq}")
    def match_pdq(
        pdq: Annotated[str, PathParam(pattern=_HEX64)],
        max_distance: Annotated[int, Query(ge=0, le=MIH_RADIUS)] = MIH_RADIUS,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> PdqMatchOut:
        """Entries whose PDQ hash is within ``max_distance`` bits (exact search), nearest first."""
        matches = matcher.match_hash(pdq.lower(), max_distance, limit)
        return PdqMatchOut(pdq=pdq.lower(), max_distance=max_distance, matches=[_match(m) for m in matches])

    @router.post("/match/file", openapi_extra=upload_body())
    async def match_file(
        request: Request,
        max_distance: Annotated[int, Query(ge=0, le=MIH_RADIUS)] = MIH_RADIUS,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> FileMatchOut:
        """Upload a file (multipart field ``file``): entries with its exact bytes, and near-duplicates by PDQ."""
        path, size = await _receive_upload(request, max_upload_bytes)
        return await run_in_threadpool(_match_file, matcher, path, size, max_distance, limit)

    return router


def create_app(
    ledger_url_or_path: str | Path | None,
    token: str | None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    *,
    key_path: Path | None = None,
) -> FastAPI:
    """A FastAPI app serving one ledger; the ledger is opened and indexed here, closed at shutdown."""
    ledger = Ledger.open(ledger_url_or_path, key_path=key_path)
    matcher = Matcher(ledger)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.close()

    app = FastAPI(title="unmask ledger", version=__version__, lifespan=lifespan)
    app.include_router(ledger_router(matcher, token or None, max_upload_bytes))
    app.state.matcher = matcher
    return app
