"""verify: the three answers for the signed file, a re-encoded copy and a tampered one."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from unmask.cli import main
from unmask.provenance.verify import verify_file

from .conftest import Signed


def test_signed_file_is_trusted_marked_and_registered(signed: Signed) -> None:
    report = verify_file(signed.result.output, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert report.c2pa.state == "trusted" and report.c2pa.words == "valid and trusted"
    assert report.c2pa.soft_binding == signed.result.content_id
    assert report.watermark.found and report.watermark.content_id == signed.result.content_id
    exact = [m for m in report.ledger.matches if m.kind == "exact"]
    assert [m.index for m in exact] == [signed.result.entry.index]
    assert exact[0].proof_verified and exact[0].registrant == "Ada Lovelace"


def test_without_the_trust_list_the_signer_is_untrusted(signed: Signed, tmp_path: Path) -> None:
    report = verify_file(signed.result.output, ledger=str(signed.ledger), keys_directory=tmp_path)
    assert report.c2pa.state == "untrusted"
    assert any(f["code"] == "signingCredential.untrusted" for f in report.c2pa.failures)


def test_reencoded_copy_is_a_near_match(signed: Signed, tmp_path: Path) -> None:
    copy = tmp_path / "copy.jpg"
    Image.open(signed.result.output).save(copy, quality=80)
    report = verify_file(copy, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert report.c2pa.state == "none"
    assert report.watermark.found and report.watermark.content_id == signed.result.content_id
    near = [m for m in report.ledger.matches if m.kind == "near"]
    assert near and near[0].index == signed.result.entry.index and near[0].proof_verified
    assert "re-encoded or edited copy of entry" in near[0].summary


def test_one_changed_byte_is_tampering(signed: Signed, tmp_path: Path) -> None:
    data = bytearray(signed.result.output.read_bytes())
    data[-200] ^= 0x01  # inside the entropy-coded scan data, before the EOI marker
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    Image.open(io.BytesIO(bytes(data))).load()  # still a decodable JPEG
    report = verify_file(tampered, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert report.c2pa.state == "tampered"
    assert any(f["code"] == "assertion.dataHash.mismatch" for f in report.c2pa.failures)


def test_unregistered_file_and_missing_ledger(signed: Signed, tmp_path: Path) -> None:
    report = verify_file(signed.source, ledger=str(tmp_path / "nope.db"), keys_directory=signed.keys)
    assert report.c2pa.state == "none" and not report.watermark.found
    assert not report.ledger.available and not (tmp_path / "nope.db").exists()


def test_cli_json_and_text(signed: Signed) -> None:
    args = ["verify", str(signed.result.output), "--ledger", str(signed.ledger), "--keys-dir", str(signed.keys)]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["c2pa"]["state"] == "trusted" and body["watermark"]["found"]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0 and "valid and trusted" in text.output and "this exact file is entry" in text.output
