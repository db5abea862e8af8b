"""A throwaway PostgreSQL cluster on loopback, for the ledger's tests and benchmark.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` system user (or
``$UNMASK_PG_USER``) and its commands run through ``runuser``; otherwise it belongs to the caller. It
lives in a fresh temporary directory, listens on 127.0.0.1 on a free port with trust authentication,
and is removed by :meth:`TempCluster.stop`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin")


def find_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian/Homebrew install."""
    if on_path := shutil.which("initdb"):
        return Path(on_path).parent
    found = [Path(p).parent for pattern in _SEARCH for p in glob.glob(f"{pattern}/initdb")]
    return max(found, key=lambda p: [int(s) if s.isdigit() else 0 for s in p.parent.name.split(".")], default=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TempCluster:
    """Start with :meth:`start`, connect with :attr:`url`, finish with :meth:`stop`."""

    def __init__(self, bindir: Path, *, durable: bool = True) -> None:
        self.bindir = bindir
        self.durable = durable
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="unmask-pg-"))
        self.user = os.environ.get("UNMASK_PG_USER", "postgres") if os.geteuid() == 0 else None
        self.datadir = self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://ledger@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout}")

    def start(self) -> TempCluster:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.datadir), "-U", "ledger", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=50"
        if not self.durable:  # tests only kill clients, never the server: skip fsyncs to save time
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "log"), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
