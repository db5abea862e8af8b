"""keys init: a chain a C2PA validator accepts, kept private, trusted through the local trust list."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from unmask.cli import main
from unmask.provenance import keys


def test_init_makes_a_c2pa_chain(tmp_path: Path) -> None:
    identity, created = keys.init_keys(tmp_path)
    assert created
    leaf, root = x509.load_pem_x509_certificates(identity.chain_pem)
    assert leaf.issuer == root.subject
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in usages and keys.DOCUMENT_SIGNING in usages
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for name in (keys.SIGNER_KEY, keys.ROOT_KEY):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    assert identity.root_pem.decode().strip() in (keys.trust_anchors(tmp_path) or "")


def test_init_keeps_an_existing_identity_unless_forced(tmp_path: Path) -> None:
    first, _ = keys.init_keys(tmp_path)
    again, created = keys.init_keys(tmp_path)
    assert not created and again.chain_pem == first.chain_pem
    replaced, created = keys.init_keys(tmp_path, force=True)
    assert created and replaced.chain_pem != first.chain_pem
    anchors = keys.trust_anchors(tmp_path) or ""
    assert first.root_pem.decode().strip() in anchors and replaced.root_pem.decode().strip() in anchors


def test_missing_identity_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(keys.KeysError, match="unmask keys init"):
        keys.load_identity(tmp_path / "none")


def test_cli_uses_the_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["keys", "init"], env={"UNMASK_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c2pa" / keys.CHAIN).is_file() and (tmp_path / "c2pa" / keys.TRUST_LIST).is_file()
