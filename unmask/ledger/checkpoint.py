"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed-note envelopes, Ed25519 keys.

Formats (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note), byte-compatible with Go's
``golang.org/x/mod/sumdb/note`` so that existing witnesses and tools can read our notes::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n      <- the signed text
    \\n
    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\\n

key id = first 4 bytes of SHA-256(key name || "\\n" || 0x01 || 32-byte public key); verifier key
``<name>+<hex key id>+<base64(0x01 || public key)>``; signer key (our ``ledger.key`` file)
``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || private seed)>``, as ``note.GenerateKey`` writes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from unmask.ledger.merkle import HASH_SIZE

ALG_ED25519 = 0x01
SIG_PREFIX = "— "


class CheckpointError(ValueError):
    """A note, key or checkpoint that does not parse or does not verify."""


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"{what} is not valid base64") from exc


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> int:
    """The note key id: ties a signature line to one (name, key) pair."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class NoteVerifier:
    """A public key with its name, parsed from or printed as a verifier key string."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+", 2)  # base64 may itself hold '+'
        if len(parts) != 3 or len(parts[1]) != 8:
            raise CheckpointError("a verifier key reads <name>+<8 hex digits>+<base64 key>")
        key = _b64decode(parts[2], "verifier key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise CheckpointError("only Ed25519 verifier keys (algorithm 0x01, 32 bytes) are supported")
        verifier = cls(_check_name(parts[0]), key[1:])
        if f"{verifier.key_id:08x}" != parts[1].lower():
            raise CheckpointError("verifier key id does not match its name and key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 private key that signs notes."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(_check_name(name), raw)

    @property
    def verifier(self) -> NoteVerifier:
        public = _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())
        return NoteVerifier(self.name, public)

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise CheckpointError("a signer key reads PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        key = _b64decode(parts[4], "signer key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise CheckpointError("only Ed25519 signer keys are supported")
        signer = cls(_check_name(parts[2]), key[1:])
        if f"{signer.verifier.key_id:08x}" != parts[3].lower():
            raise CheckpointError("signer key id does not match its name and key")
        return signer

    def sign(self, text: str) -> str:
        """A complete signed note: ``text`` (ending in a newline), a blank line, one signature line."""
        _check_text(text)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id.to_bytes(4, "big") + signature).decode()
        return f"{text}\n{SIG_PREFIX}{self.name} {blob}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("note text must end in a newline and hold no control characters")


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """The signed text and the signature lines of a note (unverified)."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise CheckpointError("a signed note is text, a blank line, then signature lines")
    text += "\n"
    _check_text(text)
    signatures = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX) or line.count(" ") != 2:
            raise CheckpointError(f"malformed signature line {line!r}")
        name, blob = line[len(SIG_PREFIX) :].split(" ")
        raw = _b64decode(blob, "signature")
        if len(raw) < 5:
            raise CheckpointError("signature too short")
        signatures.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, signatures


def open_note(note: str, verifier: NoteVerifier) -> str:
    """The text of ``note`` once a signature by ``verifier`` checks out; other signatures are ignored."""
    text, signatures = split_note(note)
    for sig in signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id:
            if verifier.verify(text.encode(), sig.signature):
                return text
            raise CheckpointError(f"the signature by {verifier.name} does not verify")
    raise CheckpointError(f"the note carries no signature by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size, its RFC 9162 root; optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or "" in lines[:-1]:
            raise CheckpointError("a checkpoint body is origin, size and root hash lines")
        origin, size, root = lines[:3]
        if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise CheckpointError("checkpoint origin is empty or its size is not a decimal number")
        digest = _b64decode(root, "checkpoint root hash")
        if len(digest) != HASH_SIZE:
            raise CheckpointError("checkpoint root hash is not 32 bytes")
        return cls(origin, int(size), digest, tuple(lines[3:-1]))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    return signer.sign(checkpoint.body())


def open_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Verify the note's signature, parse its body, and check the origin is the expected log's."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != (origin or verifier.name):
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {origin or verifier.name!r}")
    return checkpoint
