"""sign: watermark + C2PA + ledger entry + a receipt whose proof checks against its checkpoint alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unmask import samples
from unmask.ledger import merkle
from unmask.ledger.checkpoint import NoteVerifier, open_checkpoint
from unmask.media import sha256_file
from unmask.provenance import keys
from unmask.provenance.sign import SignError, sign_file
from unmask.provenance.verify import c2pa_verdict

from .conftest import Signed


def test_signed_output_and_ledger_record(signed: Signed) -> None:
    r = signed.result
    assert r.output == signed.source.with_name("photo.signed.jpg") and r.output.is_file()
    assert r.watermark_checked and len(r.content_id) == 12
    record = r.entry.record
    assert record.sha256 == sha256_file(r.output) and record.watermark_id == r.content_id
    assert record.media_type == "image/jpeg" and record.registrant == "Ada Lovelace"
    assert record.pdq and len(record.pdq) == 64 and len(record.c2pa_manifest_hash or "") == 64


def test_receipt_proves_inclusion(signed: Signed) -> None:
    receipt = json.loads(signed.result.receipt.read_text())
    assert signed.result.receipt.name == "photo.signed.jpg.receipt.json"
    verifier = NoteVerifier.parse(receipt["ledger"]["verifier_key"])
    checkpoint = open_checkpoint(receipt["checkpoint"], verifier)
    proof = receipt["inclusion_proof"]
    assert proof["tree_size"] == checkpoint.size and proof["index"] == receipt["entry"]["index"]
    hashes = [bytes.fromhex(h) for h in proof["hashes"]]
    leaf = bytes.fromhex(proof["leaf_hash"])
    assert merkle.verify_inclusion(leaf, proof["index"], proof["tree_size"], hashes, checkpoint.root)


def test_png_is_signed_and_trusted(signed: Signed, tmp_path: Path) -> None:
    source = samples.generated_png(tmp_path / "gen.png")
    result = sign_file(
        source,
        tmp_path / "out.png",
        source_type="trainedAlgorithmicMedia",
        ledger=str(signed.ledger),
        keys_directory=signed.keys,
    )
    verdict = c2pa_verdict(result.output, "image/png", keys.trust_anchors(signed.keys))
    assert verdict.state == "trusted" and verdict.source_types == ["trainedAlgorithmicMedia"]
    assert verdict.soft_binding == result.content_id


def test_never_overwrites_the_input(signed: Signed) -> None:
    before = signed.source.read_bytes()
    with pytest.raises(SignError, match="overwrite the input"):
        sign_file(signed.source, signed.source, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert signed.source.read_bytes() == before


def test_unsupported_format_is_one_line(signed: Signed, tmp_path: Path) -> None:
    wav = samples.speech_wav(tmp_path / "a.wav", seconds=0.3)
    with pytest.raises(SignError, match="cannot sign audio/"):
        sign_file(wav, ledger=str(signed.ledger), keys_directory=signed.keys)


def test_mp4_is_marked_in_every_frame_and_keeps_its_sound(signed: Signed, tmp_path: Path) -> None:
    import av

    from unmask.provenance import watermark
    from unmask.provenance.verify import verify_file

    clip = samples.talking_clip(tmp_path / "clip.mp4", seconds=0.6, size=(320, 240))
    result = sign_file(clip, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert result.mime == "video/mp4" and result.watermark_checked
    with av.open(str(result.output)) as container:
        assert container.streams.audio and container.streams.audio[0].codec_context.name == "aac"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert all(watermark.detect(f).payload == int(result.content_id, 16) for f in frames[::5])
    report = verify_file(result.output, ledger=str(signed.ledger), keys_directory=signed.keys)
    assert report.c2pa.state == "trusted" and report.watermark.content_id == result.content_id
    assert [m.kind for m in report.ledger.matches] == ["exact"]
