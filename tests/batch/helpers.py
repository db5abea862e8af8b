"""Run ``unmask batch`` as a user does: a real process with its own local Ray, or against a cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAST = ("--skip", "provenance")
"""The provenance signal's watermark search dominates video time and is not what these tests are about."""


def batch_env(tmp_path: Path) -> dict[str, str]:
    """The user's environment with a private ledger/data dir, so no test reads another's ledger."""
    return dict(os.environ, UNMASK_DATA_DIR=str(tmp_path / "data"), RAY_USAGE_STATS_ENABLED="0")


def run_cli(args: list[str], env: dict[str, str], timeout: float = 420) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unmask", "batch", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
