"""``unmask ledger verify-receipt``: a receipt from ``unmask sign`` checks offline, and against a server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from tests.ledger.helpers import make_records, serve
from unmask import samples
from unmask.cli import main
from unmask.ledger import Ledger, NoteSigner
from unmask.ledger.server import PREFIX, create_app
from unmask.provenance.keys import init_keys
from unmask.provenance.sign import SignResult, sign_file

TOKEN = "receipt-token"


@dataclass(frozen=True)
class Signed:
    url: str
    key: str
    photo: SignResult
    other: SignResult


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signed]:
    """Two small pictures signed into a ledger that already holds 5 entries (so proofs have hashes)."""
    root = tmp_path_factory.mktemp("receipt")
    keys, db = root / "keys", root / "ledger" / "ledger.db"
    init_keys(keys)
    with Ledger.open(db) as ledger:
        ledger.append(make_records(5))
        key = str(ledger.verifier)
    results = [
        sign_file(samples.camera_photo(root / f"{name}.jpg", 160, 120), ledger=str(db), keys_directory=keys)
        for name in ("photo", "other")
    ]
    with serve(create_app(str(db), TOKEN)) as url:
        yield Signed(url, key, *results)


def verify_receipt(receipt: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["ledger", "verify-receipt", str(receipt), *args])


def edited(receipt: Path, tmp_path: Path, change: Any) -> Path:
    body = json.loads(receipt.read_text())
    change(body)
    out = tmp_path / "edited.receipt.json"
    out.write_text(json.dumps(body))
    return out


def test_a_receipt_verifies_offline(signed: Signed) -> None:
    result = verify_receipt(signed.photo.receipt, "--file", str(signed.photo.output), "--key", signed.key)
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0:2] for line in result.output.splitlines()] == [
        ["checkpoint", " ok"],
        ["entry", " ok"],
        ["inclusion", " ok"],
        ["file", " ok"],
    ]
    assert "inclusion: ok: entry 5 is included in the log of size 6" in result.output


def test_without_a_key_the_receipts_own_is_used_and_said_so(signed: Signed) -> None:
    result = verify_receipt(signed.other.receipt)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("note: checked with the key the receipt itself names")


def _flip_proof_byte(body: dict[str, Any]) -> None:
    h = body["inclusion_proof"]["hashes"][0]
    body["inclusion_proof"]["hashes"][0] = h[:10] + ("0" if h[10] != "0" else "1") + h[11:]


def _edit_registrant(body: dict[str, Any]) -> None:
    body["entry"]["registrant"] = "mallory"


def _edit_note_size(body: dict[str, Any]) -> None:
    lines = body["checkpoint"].split("\n")
    body["checkpoint"] = "\n".join([lines[0], "7", *lines[2:]])


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (_flip_proof_byte, "inclusion: FAILED: the proof does not place entry 5 under the checkpoint's root"),
        (_edit_registrant, "entry: FAILED: entry 5: its fields do not hash to its leaf hash"),
        (_edit_note_size, "checkpoint: FAILED: the signature by unmask.local/ledger does not verify"),
    ],
)
def test_an_edited_receipt_fails(signed: Signed, tmp_path: Path, change: Any, line: str) -> None:
    result = verify_receipt(edited(signed.photo.receipt, tmp_path, change), "--key", signed.key)
    assert result.exit_code == 1
    assert line in result.output.splitlines(), result.output


def test_another_picture_or_another_key_fails(signed: Signed) -> None:
    other_file = verify_receipt(signed.photo.receipt, "--key", signed.key, "--file", str(signed.other.output))
    assert other_file.exit_code == 1
    assert f"file: FAILED: {signed.other.output}: SHA-256 {signed.other.sha256}" in other_file.output
    wrong_key = NoteSigner.generate("unmask.local/ledger").verifier
    forged = verify_receipt(signed.photo.receipt, "--key", str(wrong_key))
    assert forged.exit_code == 1
    assert "checkpoint: FAILED: the note carries no signature by unmask.local/ledger" in forged.output
    assert "inclusion" not in forged.output  # no verified root to check a proof against


def test_a_garbled_receipt_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"entry": {}}')
    result = verify_receipt(bad)
    assert result.exit_code == 1
    assert result.output.startswith("receipt: FAILED: the receipt lacks or garbles a field")
    assert result.output.count("\n") == 1


def test_the_server_still_extends_the_receipts_checkpoint(signed: Signed) -> None:
    record = {"sha256": "ab" * 32, "media_type": "image/png", "registrant": "newsroom"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(f"{signed.url}{PREFIX}/entries", json=record, headers=auth, timeout=30).status_code == 200
    result = verify_receipt(signed.photo.receipt, "--key", signed.key, "--url", signed.url)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "consistency: ok: the log grew from size 6 to 8 consistently"
    down = verify_receipt(signed.photo.receipt, "--key", signed.key, "--url", "http://127.0.0.1:9", "--timeout", "5")
    assert down.exit_code == 2
    assert down.output.splitlines()[-1].startswith("cannot reach http://127.0.0.1:9/api/ledger")
