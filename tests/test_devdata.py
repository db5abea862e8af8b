"""The dev set beside the checkout (skipped when absent): every file gives a report or a clean error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import dev_manifest
from unmask import ScanOptions, scan
from unmask.errors import MediaError

pytestmark = pytest.mark.devdata


def test_every_top_level_kind_scans(dev_data: Path) -> None:
    """One file of each (folder, label) of the dev set, so the run stays short; the full run is the
    README's ``unmask scan ../shared/data``."""
    chosen: dict[tuple[str, str], Path] = {}
    for row in dev_manifest(dev_data):
        folder = row["relpath"].split("/", 1)[0]
        chosen.setdefault((folder, row["label"]), dev_data / row["relpath"])
    assert len(chosen) >= 5
    for path in chosen.values():
        try:
            report = scan(path, ScanOptions(artifacts=False))
        except MediaError as error:
            assert "\n" not in str(error)
            continue
        assert all(s.status != "error" for s in report.signals), [s.summary for s in report.signals]
