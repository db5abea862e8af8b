"""``unmask ledger serve`` end to end: a real uvicorn server on loopback, an httpx client, SQLite."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.ledger.helpers import serve
from unmask.ledger import merkle
from unmask.ledger.checkpoint import NoteSigner, open_checkpoint
from unmask.ledger.records import Record, canonical_leaf
from unmask.ledger.server import PREFIX, create_app
from unmask.provenance.hashing import hamming, pdq
from unmask.samples import astronaut

TOKEN = "s3cret-token"
MAX_UPLOAD = 1024 * 1024
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Served:
    def __init__(self, base: str, key_path: Path) -> None:
        self.base = base
        self.verifier = NoteSigner.parse(key_path.read_text()).verifier
        self.client = httpx.Client(base_url=base + PREFIX, timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ledger-server")
    key_path = root / "ledger.key"
    app = create_app(str(root / "ledger.db"), TOKEN, MAX_UPLOAD, key_path=key_path)
    with serve(app) as base:
        out = Served(base, key_path)
        yield out
        out.client.close()


def record(i: int, pdq_hex: str | None = None) -> dict[str, str | None]:
    return {
        "sha256": hashlib.sha256(f"file-{i}".encode()).hexdigest(),
        "media_type": "image/png",
        "registrant": "newsroom",
        "pdq": pdq_hex,
    }


def png_bytes(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def test_append_needs_the_token(served: Served) -> None:
    c = served.client
    assert c.post("/entries", json=record(0)).status_code == 401
    assert c.post("/entries", json=record(0), headers={"Authorization": "Bearer wrong"}).status_code == 403
    response = c.post("/entries", json=record(0), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["entries"][0]["sha256"] == record(0)["sha256"]


def test_proofs_verify_against_signed_checkpoints(served: Served) -> None:
    c = served.client
    assert c.post("/entries", json=[record(i) for i in range(1, 6)], headers=AUTH).status_code == 200
    first = open_checkpoint(c.get("/checkpoint", headers={"Accept": "text/plain"}).text, served.verifier)
    assert c.post("/entries", json=[record(i) for i in range(6, 13)], headers=AUTH).status_code == 200
    body = c.get("/checkpoint").json()
    second = open_checkpoint(body["note"], served.verifier)  # the signature is checked, not trusted
    assert second.size == first.size + 7 and body["root"] == second.root.hex()
    for index in (0, 4, second.size - 1):
        fields = c.get(f"/entries/{index}").json()
        leaf = canonical_leaf(Record(**{k: fields[k] for k in record(0)} | {
            "c2pa_manifest_hash": fields["c2pa_manifest_hash"], "watermark_id": fields["watermark_id"]
        }), fields["registered_at"])  # fmt: skip
        proof = c.get("/proof/inclusion", params={"index": index, "size": second.size}).json()
        hashes = [bytes.fromhex(h) for h in proof["hashes"]]
        assert merkle.verify_inclusion(merkle.leaf_hash(leaf), index, second.size, hashes, second.root)
    proof = c.get("/proof/consistency", params={"first": first.size, "second": second.size}).json()
    hashes = [bytes.fromhex(h) for h in proof["hashes"]]
    assert merkle.verify_consistency(first.size, second.size, hashes, first.root, second.root)
    assert c.get("/entries/100000").status_code == 404
    assert c.get("/proof/inclusion", params={"index": 99, "size": 5}).status_code == 404


def test_malformed_input_is_422(served: Served) -> None:
    c = served.client
    assert c.post("/entries", json=record(1) | {"sha256": "xyz"}, headers=AUTH).status_code == 422
    assert c.post("/entries", json=record(1, pdq_hex="ab" * 31), headers=AUTH).status_code == 422
    assert c.post("/entries", json={"sha256": "ab" * 32}, headers=AUTH).status_code == 422
    assert c.get("/match/pdq/" + "g" * 64).status_code == 422
    assert c.get("/match/pdq/" + "0" * 64, params={"max_distance": 40}).status_code == 422
    assert c.get("/lookup/sha256/abc").status_code == 422


def test_reencoded_copy_matches_its_registered_original(served: Served) -> None:
    c = served.client
    rng = np.random.default_rng(3)
    original = astronaut()
    others = [np.asarray(Image.fromarray(original).rotate(90)), rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)]
    payloads = [png_bytes(p) for p in [original, *others]]
    hashes = [pdq(p).hex for p in [original, *others]]
    batch = [
        {"sha256": hashlib.sha256(b).hexdigest(), "media_type": "image/png", "registrant": "r", "pdq": h}
        for b, h in zip(payloads, hashes, strict=True)
    ]
    registered = c.post("/entries", json=batch, headers=AUTH).json()["entries"]
    copy = Image.fromarray(original).resize((410, 410), Image.Resampling.BILINEAR)
    jpeg = io.BytesIO()
    copy.save(jpeg, format="JPEG", quality=80)
    response = c.post("/match/file", files={"file": ("copy.jpg", jpeg.getvalue(), "image/jpeg")})
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["exact"] == [] and found["media_type"] == "image/jpeg"
    assert found["near"][0]["entry"]["index"] == registered[0]["index"]
    assert found["near"][0]["distance"] == hamming(found["pdq"][0]["hex"], hashes[0]) <= 31
    assert registered[1]["index"] not in [m["entry"]["index"] for m in found["near"]]
    exact = c.post("/match/file", files={"file": ("a.png", payloads[0], "image/png")}).json()
    assert [e["index"] for e in exact["exact"]] == [registered[0]["index"]]
    by_hash = c.get(f"/match/pdq/{found['pdq'][0]['hex']}").json()["matches"]
    assert by_hash[0]["entry"]["index"] == registered[0]["index"]
    lookup = c.get(f"/lookup/sha256/{batch[0]['sha256'].upper()}").json()
    assert [e["index"] for e in lookup["entries"]] == [registered[0]["index"]]


def test_bad_uploads(served: Served) -> None:
    c = served.client
    too_big = c.post("/match/file", files={"file": ("big.bin", b"\0" * (MAX_UPLOAD + 100_000), "image/png")})
    assert too_big.status_code == 413
    junk = c.post("/match/file", files={"file": ("junk.jpg", b"not a picture at all" * 10, "image/jpeg")})
    assert junk.status_code == 415 and "\n" not in junk.json()["detail"]
    assert c.post("/match/file", content=b"raw", headers={"Content-Type": "image/png"}).status_code == 415


def test_oversized_stream_is_refused_before_it_ends(served: Served) -> None:
    """A chunked upload with no Content-Length gets 413 while the client is still sending."""
    host, port = served.base.removeprefix("http://").split(":")
    boundary = "b0undary"
    head = (
        f"POST {PREFIX}/match/file HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
    ).encode()
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n'.encode()
    body = part + b"\0" * (MAX_UPLOAD + 200_000)  # over the limit, and the closing boundary never comes
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        for start in range(0, len(body), 65536):
            piece = body[start : start + 65536]
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        reply = sock.recv(4096)  # the stream is still open: only an early refusal can answer
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_checkpoint_text_and_openapi(served: Served) -> None:
    c = served.client
    note = c.get("/checkpoint", params={"format": "text"})
    assert note.headers["content-type"].startswith("text/plain")
    assert open_checkpoint(note.text, served.verifier).size >= 0
    spec = httpx.get(served.base + "/openapi.json").json()
    paths = set(spec["paths"])
    for route in ("/entries", "/checkpoint", "/entries/{index}", "/proof/inclusion", "/proof/consistency"):
        assert PREFIX + route in paths
    for route in ("/lookup/sha256/{sha256}", "/match/pdq/{pdq}", "/match/file"):
        assert PREFIX + route in paths
    assert "multipart/form-data" in spec["paths"][PREFIX + "/match/file"]["post"]["requestBody"]["content"]
    assert httpx.get(served.base + "/docs").status_code == 200
