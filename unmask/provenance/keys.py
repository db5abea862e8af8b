"""A development signing identity for C2PA, and the local trust list that makes it *trusted*.

``unmask keys init`` makes a root CA and an ES256 signing certificate issued by it, with the
extensions a C2PA validator insists on (leaf: KeyUsage digitalSignature, ExtendedKeyUsage
emailProtection + documentSigning; CA: BasicConstraints ca=True, keyCertSign), and adds the root to a
local trust list. Files live in ``<data dir>/c2pa`` (the data dir the ledger uses: ``$UNMASK_DATA_DIR``
or ``~/.local/share/unmask``), private keys mode 0600. The root's private key is kept too, so more
signers can be issued later; a production deployment would keep it offline and use a CA on the C2PA
trust list instead, which is why verification reports such a file as "valid but untrusted signer"
everywhere the local trust list is not configured.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from unmask.ledger.keys import data_dir

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key"
CHAIN = "signer-chain.pem"
SIGNER_KEY = "signer.key"
TRUST_LIST = "trust-anchors.pem"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)


class KeysError(RuntimeError):
    """No signing identity where one was expected, or one that cannot be read."""


@dataclass(frozen=True)
class SigningIdentity:
    """The signer's certificate chain (leaf first) and private key, and the root they chain to."""

    directory: Path
    chain_pem: bytes
    key_pem: bytes
    root_pem: bytes

    @property
    def common_name(self) -> str:
        """The signer's name as a validator shows it (the leaf certificate's CN)."""
        leaf = x509.load_pem_x509_certificates(self.chain_pem)[0]
        names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else leaf.subject.rfc4514_string()

    def signer(self) -> c2pa.Signer:
        """A c2pa-python signer (ES256, no timestamp authority: signing stays offline)."""
        info = c2pa.C2paSignerInfo(alg="es256", sign_cert=self.chain_pem, private_key=self.key_pem, ta_url=None)
        return c2pa.Signer.from_info(info)


def keys_dir(directory: Path | None = None) -> Path:
    """``directory``, else ``<data dir>/c2pa``."""
    return Path(directory).expanduser() if directory else data_dir() / "c2pa"


def _usage(**on: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    flags = dict.fromkeys(names, False)
    flags.update(on)
    return x509.KeyUsage(**flags)


def _name(common: str, organization: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]
    )


def _root(key: ec.EllipticCurvePrivateKey, name: x509.Name, now: dt.datetime) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _leaf(
    key: ec.EllipticCurvePrivateKey, name: x509.Name, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, content: bytes, private: bool = False) -> None:
    """Write whole, then rename into place; private files are 0600 from the start."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    tmp.replace(path)


def init_keys(
    directory: Path | None = None,
    common_name: str = "unmask development signer",
    organization: str = "unmask (development)",
    force: bool = False,
) -> tuple[SigningIdentity, bool]:
    """Make the root, the signer and the trust list; returns (identity, created).

    An existing identity is kept (``created`` False) unless ``force``: re-running init must not
    silently orphan every file signed so far.
    """
    folder = keys_dir(directory)
    if not force and (folder / CHAIN).is_file() and (folder / SIGNER_KEY).is_file():
        return load_identity(folder), False
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _root(ca_key, _name(f"{common_name} root CA", organization), now)
    leaf = _leaf(key, _name(common_name, organization), ca_key, ca)
    _write(folder / ROOT_KEY, _key_pem(ca_key), private=True)
    _write(folder / SIGNER_KEY, _key_pem(key), private=True)
    _write(folder / ROOT_CERT, _pem(ca))
    _write(folder / CHAIN, _pem(leaf) + _pem(ca))
    add_trust_anchor(_pem(ca), folder)
    return load_identity(folder), True


def load_identity(directory: Path | None = None) -> SigningIdentity:
    """The identity in ``directory`` (default: the data dir's), or :class:`KeysError`."""
    folder = keys_dir(directory)
    try:
        return SigningIdentity(
            folder, (folder / CHAIN).read_bytes(), (folder / SIGNER_KEY).read_bytes(), (folder / ROOT_CERT).read_bytes()
        )
    except FileNotFoundError as exc:
        raise KeysError(f"no signing identity in {folder}: run `unmask keys init` first") from exc


def add_trust_anchor(root_pem: bytes, directory: Path | None = None) -> Path:
    """Append a root certificate to the local trust list (once)."""
    path = keys_dir(directory) / TRUST_LIST
    current = path.read_bytes() if path.is_file() else b""
    if root_pem.strip() not in current:
        _write(path, current + root_pem)
    return path


def trust_anchors(directory: Path | None = None) -> str | None:
    """The local trust list as PEM text, or None when there is none yet."""
    path = keys_dir(directory) / TRUST_LIST
    return path.read_text() if path.is_file() else None
