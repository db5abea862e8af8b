"""Everything ``unmask serve`` can be told, in one frozen object shared by the app, the API and workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unmask.ledger.keys import DB_FILE, KEY_FILE


@dataclass(frozen=True)
class ServerConfig:
    """Where the service keeps its files and how hard it may work.

    The defaults suit one person on a laptop: SQLite and files under ``data_dir``, two scans at a time.
    """

    data_dir: Path
    database: str | None = None
    """A PostgreSQL URL or a SQLite path; ``None`` is ``data_dir/ledger.db`` (jobs and ledger share it)."""
    token: str | None = None
    """Bearer token for write routes: ledger appends always, scans of server paths, and uploads when
    :attr:`scans_need_token`. Without one the ledger is read-only and server paths cannot be scanned."""
    scans_need_token: bool = False
    workers: int = 2
    """Scans run at once, each in its own process (a killed or crashed scan takes nothing else down)."""
    job_timeout_s: float = 600.0
    """A scan still running after this long is stopped and fails with a one-line reason."""
    max_upload_bytes: int = 200 * 1024 * 1024
    retention_s: float = 24 * 3600.0
    """Uploaded files older than this are deleted (reports are kept) unless registered in the ledger."""
    cleanup_interval_s: float = 300.0

    @property
    def database_location(self) -> str:
        return self.database or str(self.data_dir / DB_FILE)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def ledger_key(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def keys_dir(self) -> Path:
        """Where ``unmask keys init`` puts the C2PA trust list (used by the verify view)."""
        return self.data_dir / "c2pa"

    def prepare(self) -> None:
        """Create the folders the service writes to."""
        for folder in (self.data_dir, self.uploads_dir, self.reports_dir):
            folder.mkdir(parents=True, exist_ok=True)
