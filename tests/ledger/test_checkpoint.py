"""Signed notes and checkpoints: the Go ``note`` package's published example, round trips, tampering."""

from __future__ import annotations

import base64

import pytest

from unmask.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    NoteSigner,
    NoteVerifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    split_note,
)

# From the documentation of golang.org/x/mod/sumdb/note.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
GO_NOTE = f"{GO_TEXT}\n— PeterNeumann {GO_SIGNATURE}\n"

KNOWN_SEED = bytes(range(32))
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


def test_go_note_example_signs_and_verifies_byte_for_byte() -> None:
    signer = NoteSigner.parse(GO_SIGNER)
    assert str(signer.verifier) == GO_VERIFIER
    assert str(signer) == GO_SIGNER
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, NoteVerifier.parse(GO_VERIFIER)) == GO_TEXT


def test_checkpoint_format_with_a_known_key() -> None:
    signer = NoteSigner("example.com/log", KNOWN_SEED)
    note = sign_checkpoint(Checkpoint("example.com/log", 8, ROOT), signer)
    body, _, signature_line = note.partition("\n\n")
    assert body + "\n" == f"example.com/log\n8\n{base64.b64encode(ROOT).decode()}\n"
    assert signature_line.startswith("— example.com/log ") and signature_line.endswith("\n")
    blob = base64.b64decode(signature_line.split(" ")[2])
    assert int.from_bytes(blob[:4], "big") == signer.verifier.key_id and len(blob) == 68
    assert note == sign_checkpoint(Checkpoint("example.com/log", 8, ROOT), signer)  # Ed25519 is deterministic
    verifier = NoteVerifier.parse(str(signer.verifier))
    assert open_checkpoint(note, verifier) == Checkpoint("example.com/log", 8, ROOT)


def test_verifier_key_string_round_trip_and_key_id() -> None:
    verifier = NoteSigner("example.com/log", KNOWN_SEED).verifier
    name, key_id, key = str(verifier).split("+", 2)
    assert (name, int(key_id, 16)) == ("example.com/log", verifier.key_id)
    assert base64.b64decode(key) == b"\x01" + verifier.public_key
    assert NoteVerifier.parse(str(verifier)) == verifier
    with pytest.raises(CheckpointError):
        NoteVerifier.parse(str(verifier).replace(key_id, "00000000"))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n: n.replace("\n8\n", "\n9\n"),
        lambda n: n.replace("example.com/log\n", "example.com/lag\n", 1),
        lambda n: n.replace("\n\n", "\nextension line\n\n"),
        lambda n: n[: n.rindex(" ") + 5] + ("A" if n[n.rindex(" ") + 5] != "A" else "B") + n[n.rindex(" ") + 6 :],
    ],
    ids=["size", "origin", "extra-line", "signature-bit"],
)
def test_tampered_note_is_rejected(tamper: object) -> None:
    signer = NoteSigner("example.com/log", KNOWN_SEED)
    note = sign_checkpoint(Checkpoint("example.com/log", 8, ROOT), signer)
    forged = tamper(note)  # type: ignore[operator]
    assert forged != note
    with pytest.raises(CheckpointError):
        open_checkpoint(forged, signer.verifier)


def test_other_keys_and_malformed_notes_are_rejected() -> None:
    signer = NoteSigner("example.com/log", KNOWN_SEED)
    note = sign_checkpoint(Checkpoint("example.com/log", 8, ROOT), signer)
    stranger = NoteSigner.generate("example.com/log")
    with pytest.raises(CheckpointError, match=r"does not verify|no signature"):
        open_checkpoint(note, stranger.verifier)
    cosigned = note + stranger.sign(Checkpoint("example.com/log", 8, ROOT).body()).split("\n\n")[1]
    assert open_checkpoint(cosigned, signer.verifier).size == 8  # unknown extra signatures are ignored
    assert len(split_note(cosigned)[1]) == 2
    for bad in ("", "no blank line\n", note.rstrip("\n"), note.replace("— ", "- ")):
        with pytest.raises(CheckpointError):
            open_checkpoint(bad, signer.verifier)
    with pytest.raises(CheckpointError):
        Checkpoint.parse("origin\n08\n" + base64.b64encode(ROOT).decode() + "\n")
    with pytest.raises(CheckpointError):
        Checkpoint.parse("origin\n8\n" + base64.b64encode(ROOT[:31]).decode() + "\n")
    other_origin = sign_checkpoint(Checkpoint("other.example/log", 8, ROOT), signer)
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(other_origin, signer.verifier)
