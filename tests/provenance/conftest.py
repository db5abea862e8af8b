"""One signing identity, ledger and signed JPEG per test session, in temp dirs (never the user's home)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from unmask import samples
from unmask.provenance.keys import SigningIdentity, init_keys
from unmask.provenance.sign import SignResult, sign_file


@dataclass(frozen=True)
class Signed:
    keys: Path
    ledger: Path
    identity: SigningIdentity
    source: Path
    result: SignResult


@pytest.fixture(scope="session")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    root = tmp_path_factory.mktemp("provenance")
    keys, ledger = root / "keys", root / "ledger" / "ledger.db"
    identity, _ = init_keys(keys)
    source = samples.camera_photo(root / "photo.jpg", 640, 480)
    result = sign_file(source, author="Ada Lovelace", ledger=str(ledger), keys_directory=keys)
    return Signed(keys, ledger, identity, source, result)
