"""Where the ledger keeps its files, and its signing key.

The key is made on first use, mode 0600, written whole to a temporary file and then hard-linked into
place, so two processes starting a fresh ledger at once agree on one complete key and no other user
can read it. It is stored in the Go
``note`` signer format, so Go tooling can sign with the same file.
"""

from __future__ import annotations

import os
from pathlib import Path

from unmask.ledger.checkpoint import NoteSigner

DEFAULT_ORIGIN = "unmask.local/ledger"
KEY_FILE = "ledger.key"
DB_FILE = "ledger.db"


def data_dir() -> Path:
    """``$UNMASK_DATA_DIR``, else ``~/.local/share/unmask`` (XDG's default data home)."""
    env = os.environ.get("UNMASK_DATA_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "unmask"


def load_or_create_signer(path: Path, name: str = DEFAULT_ORIGIN) -> NoteSigner:
    """The signer in ``path``; a fresh Ed25519 key named ``name`` if the file does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return NoteSigner.parse(path.read_text())
    signer = NoteSigner.generate(name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(str(signer) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)  # atomic and exclusive: a concurrent first run keeps the one key that won
    except FileExistsError:
        signer = NoteSigner.parse(path.read_text())
    finally:
        tmp.unlink()
    return signer
