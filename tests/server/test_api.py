"""The scan API end to end: a real uvicorn server on loopback, real worker processes, SQLite."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ledger.conftest import fresh_pg_schema
from tests.ledger.helpers import serve
from unmask.ledger.store import Store
from unmask.provenance.keys import init_keys
from unmask.provenance.sign import sign_file
from unmask.server.app import create_app
from unmask.server.config import ServerConfig
from unmask.server.jobs import JobQueue
from unmask.signals import signal_classes

TOKEN = "scan-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_UPLOAD = 2 * 1024 * 1024


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Served:
    def __init__(self, base: str, config: ServerConfig) -> None:
        self.config = config
        self.client = httpx.Client(base_url=base, timeout=60)

    def upload(self, path: Path, name: str | None = None, **fields: str) -> httpx.Response:
        with path.open("rb") as handle:
            return self.client.post("/api/scans", files={"file": (name or path.name, handle)}, data=fields)

    def wait(self, job_id: str, timeout: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.client.get(f"/api/scans/{job_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"scan {job_id} did not finish in {timeout} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    config = ServerConfig(
        data_dir=tmp_path_factory.mktemp("server"), token=TOKEN, workers=1, max_upload_bytes=MAX_UPLOAD
    )
    with serve(create_app(config)) as base:
        out = Served(base, config)
        yield out
        out.client.close()


def test_upload_is_scanned_in_the_background(served: Served, media: dict[str, Path]) -> None:
    submitted = served.upload(media["photo"], no_faces="1")
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] == "queued" and job["url"] == f"/scans/{job['id']}"
    done = served.wait(job["id"])
    assert done["status"] == "done", done
    assert done["progress"] == 1.0 and done["kind"] == "image" and done["verdict"] in ("likely real", "unsure")
    report = done["report"]
    assert report["input"]["name"] == "photo.jpg" and report["input"]["path"] == "photo.jpg"  # no server path
    assert report["verdict"]["probability"] == done["probability"]
    assert all(a["data"] is None for s in report["signals"] for a in s["artifacts"])  # pictures on request only
    faces = next(s for s in report["signals"] if s["name"] == "blend")
    assert faces["status"] == "not_applicable"  # the no_faces field reached the scan
    full = served.client.get(f"/api/scans/{job['id']}/report.json").json()
    assert any(a["data"] for s in full["signals"] for a in s["artifacts"])
    html = served.client.get(f"/api/scans/{job['id']}/report.html", params={"download": "true"})
    assert html.headers["content-disposition"].startswith("attachment") and "photo.jpg" in html.text
    assert any(j["id"] == job["id"] for j in served.client.get("/api/scans").json())
    assert served.client.get(f"/scans/{job['id']}").headers["content-type"].startswith("text/html")


def test_progress_streams_as_server_sent_events(served: Served, media: dict[str, Path]) -> None:
    job = served.upload(media["photo"], name="faces.jpg").json()  # with the face stage this time
    events: list[tuple[str, dict[str, Any]]] = []
    with served.client.stream("GET", f"/api/scans/{job['id']}/events", timeout=180) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    names = [n for n, _ in events]
    assert names[-1] == "done", events[-1]
    stages = [e["stage"] for n, e in events if n == "progress"]
    # The stream samples the job's stage every 0.25 s, so a stage shorter than that (decoding a small
    # photo; signals run side by side and finish in bursts) may pass unseen; what it does send must be
    # real pipeline stages, at least one of them a signal.
    signals = {f"signal:{c.name}" for c in signal_classes()}
    assert set(stages) <= {"queued", "starting", "decode", "faces", "fusion", "done", *signals}, stages
    assert any(s in signals for s in stages), stages
    fractions = [e["progress"] for n, e in events if n == "progress" and e["status"] == "running"]
    assert fractions == sorted(fractions) and events[-1][1]["progress"] == 1.0


@pytest.mark.parametrize(
    ("kind", "status", "reason"),
    [
        ("text", 415, "notes.txt: looks like plain text, not media"),
        ("truncated", 422, "cut.jpg: corrupt or truncated image"),
        ("empty", 422, "empty.jpg: empty file (0 bytes)"),
    ],
)
def test_bad_media_is_refused_before_queueing(
    served: Served, media: dict[str, Path], kind: str, status: int, reason: str
) -> None:
    before = len(served.client.get("/api/scans").json())
    response = served.upload(media[kind])
    assert response.status_code == status and response.json()["detail"].startswith(reason)
    assert len(served.client.get("/api/scans").json()) == before
    assert not [p for p in served.config.uploads_dir.iterdir() if p.stem == _sha256(media[kind])]  # not kept


def test_upload_over_the_limit_is_413(served: Served) -> None:
    body = b"\xff\xd8\xff" + bytes(MAX_UPLOAD)
    response = served.client.post("/api/scans", files={"file": ("big.jpg", body)})
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n\r\n'
        for _ in range(40):
            yield bytes(128 * 1024)

    streamed = served.client.post(
        "/api/scans", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert streamed.status_code == 413
    assert not [p for p in served.config.uploads_dir.iterdir() if p.name.startswith(".incoming-")]


def test_uploads_are_stored_under_their_hash_never_the_given_name(served: Served, media: dict[str, Path]) -> None:
    response = served.upload(media["photo"], name="../../../../tmp/evil/..\\photo.JPG")
    assert response.status_code == 202
    job = response.json()
    stored = sorted(p.name for p in served.config.uploads_dir.iterdir())
    assert f"{job['sha256']}.jpg" in stored and all(".." not in name for name in stored)
    assert job["filename"] == "photo.JPG" and "source" not in job
    assert not (served.config.data_dir.parent / "evil").exists()


def test_server_paths_need_the_token(served: Served, media: dict[str, Path]) -> None:
    body = {"path": str(media["photo"]), "find_faces": False, "signals": ["metadata", "hashes"]}
    assert served.client.post("/api/scans", json=body).status_code == 401
    assert served.client.post("/api/scans", json=body, headers={"Authorization": "Bearer no"}).status_code == 403
    missing = served.client.post("/api/scans", json={"path": "/nowhere/x.jpg"}, headers=AUTH)
    assert missing.status_code == 422 and missing.json()["detail"] == "/nowhere/x.jpg: no such file"
    unknown = served.client.post("/api/scans", json={**body, "signals": ["nope"]}, headers=AUTH)
    assert unknown.status_code == 422
    assert served.client.post("/api/scans", json={"path": 3}, headers=AUTH).status_code == 422
    response = served.client.post("/api/scans", json=body, headers=AUTH)
    assert response.status_code == 202, response.text
    done = served.wait(response.json()["id"])
    assert done["status"] == "done" and [s["name"] for s in done["report"]["signals"]] == ["hashes", "metadata"]


def test_ledger_signals_docs_and_pages_are_served(served: Served) -> None:
    c = served.client
    assert c.get("/api/ledger/checkpoint").json()["size"] >= 0
    record = {"sha256": "a" * 64, "media_type": "image/jpeg", "registrant": "newsroom"}
    assert c.post("/api/ledger/entries", json=record).status_code == 401
    assert c.post("/api/ledger/entries", json=record, headers=AUTH).status_code == 200
    names = {s["name"] for s in c.get("/api/signals").json()}
    assert {"metadata", "blink", "provenance"} <= names
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/scans", "/api/scans/{job_id}", "/api/scans/{job_id}/events", "/api/ledger/entries"} <= paths.keys()
    scan_body = paths["/api/scans"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} == scan_body.keys()
    assert {"file", "signals", "skip", "no_faces"} == scan_body["multipart/form-data"]["schema"]["properties"].keys()
    verify_body = paths["/api/verify"]["post"]["requestBody"]["content"]  # a file and nothing else
    assert verify_body["multipart/form-data"]["schema"]["properties"].keys() == {"file"} and len(verify_body) == 1
    assert c.get("/docs").status_code == 200
    for page in ("/", "/history", "/verify", "/ledger", "/static/app.js"):
        assert c.get(page).status_code == 200, page
    assert c.get("/api/scans/" + "0" * 32).status_code == 404
    assert c.get("/api/scans/../../etc").status_code == 404
    assert c.get("/api/scans/not-an-id").status_code == 422


def test_verify_reports_credentials_watermark_and_ledger(served: Served, media: dict[str, Path]) -> None:
    with media["photo"].open("rb") as handle:
        response = served.client.post("/api/verify", files={"file": ("photo.jpg", handle)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["c2pa"]["state"] == "none" and body["watermark"]["found"] is False
    assert body["path"] == "photo.jpg" and body["lines"][0].startswith("photo.jpg (image/jpeg)")


def test_uploads_can_require_the_token(tmp_path: Path, media: dict[str, Path]) -> None:
    config = ServerConfig(data_dir=tmp_path, token=TOKEN, scans_need_token=True)
    with serve(create_app(config, start_workers=False)) as base, httpx.Client(base_url=base) as client:
        assert client.get("/api/config").json()["scans_need_token"] is True
        files = {"file": ("photo.jpg", media["photo"].read_bytes())}
        assert client.post("/api/scans", files=files).status_code == 401
        accepted = client.post("/api/scans", files=files, headers=AUTH)
        assert accepted.status_code == 202 and client.get(accepted.json()["api"]).json()["status"] == "queued"


def test_queue_and_ledger_share_a_postgresql_database(tmp_path: Path, media: dict[str, Path], pg_url: str) -> None:
    url = fresh_pg_schema(pg_url)
    config = ServerConfig(data_dir=tmp_path, database=url, token=TOKEN)
    with serve(create_app(config, start_workers=False)) as base, httpx.Client(base_url=base) as client:
        accepted = client.post("/api/scans", files={"file": ("photo.jpg", media["photo"].read_bytes())})
        assert accepted.status_code == 202
        record = {"sha256": "b" * 64, "media_type": "image/jpeg", "registrant": "newsroom"}
        assert client.post("/api/ledger/entries", json=record, headers=AUTH).status_code == 200
    store = Store(url)
    try:
        job = JobQueue(store.engine).get(accepted.json()["id"])
        assert job is not None and job.status == "queued" and job.source.startswith(str(config.uploads_dir))
        with store.reading() as tx:
            assert tx.size == 1
    finally:
        store.close()


def test_the_verify_view_recognises_a_file_signed_into_this_servers_ledger(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    config = ServerConfig(data_dir=tmp_path / "data", token=TOKEN)
    config.prepare()
    init_keys(config.keys_dir)
    signed = sign_file(
        media["photo"], tmp_path / "signed.jpg", ledger=config.database_location, keys_directory=config.keys_dir
    )
    with serve(create_app(config, start_workers=False)) as base, httpx.Client(base_url=base, timeout=60) as client:
        response = client.post("/api/verify", files={"file": ("signed.jpg", signed.output.read_bytes())})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["c2pa"]["state"] == "trusted"
    assert body["watermark"]["found"] and body["watermark"]["content_id"] == signed.content_id
    (match,) = body["ledger"]["matches"]
    assert match["kind"] == "exact" and match["proof_verified"] and match["sha256"] == signed.sha256
    assert not list(config.uploads_dir.iterdir())  # a verified upload is not kept
