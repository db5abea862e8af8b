from __future__ import annotations

import json
from pathlib import Path

from unmask.batch.worker import ERROR_MEDIA, ERROR_UNREADABLE, FileTask, scan_file
from unmask.config import ScanOptions
from unmask.media import sha256_file

OPTIONS = ScanOptions(artifacts=False, skip_signals=("provenance",))


def test_a_scanned_file_gives_a_row_and_its_report(corpus: Path) -> None:
    row, report = scan_file(FileTask(str(corpus / "generated.png")), OPTIONS, "v1")
    assert row["error"] is None and report is not None
    assert row["sha256"] == sha256_file(corpus / "generated.png") == json.loads(report)["input"]["sha256"]
    assert row["media_type"] == "image" and row["mime"] == "image/png"
    assert row["verdict"] == "likely manipulated"  # the Stable Diffusion parameters chunk
    assert row["scores"]["metadata"] > 0.9
    assert row["statuses"]["hashes"] == "info" and len(row["pdq"]) == 64
    assert row["timings_ms"]["total"] > 0 and row["elapsed_ms"] >= row["timings_ms"]["total"]
    assert row["worker_peak_rss_mb"] > 0 and ":" in row["worker"]


def test_a_corrupt_file_is_a_row_with_the_reason(corpus: Path) -> None:
    row, report = scan_file(FileTask(str(corpus / "broken.jpg")), OPTIONS, "v1")
    assert report is None
    assert row["error_kind"] == ERROR_MEDIA and "truncated" in row["error"] and "\n" not in row["error"]
    assert row["sha256"] == sha256_file(corpus / "broken.jpg")


def test_a_file_that_cannot_be_read_is_unreadable(tmp_path: Path) -> None:
    row, _ = scan_file(FileTask(str(tmp_path / "gone.jpg")), OPTIONS, "v1")
    assert row["error_kind"] == ERROR_UNREADABLE and row.get("sha256") is None
    assert row["error"].startswith("cannot read the file")


def test_known_bytes_are_not_scanned_again(corpus: Path) -> None:
    known = {sha256_file(corpus / "clip.mp4")}
    row, report = scan_file(FileTask(str(corpus / "clip.mp4")), OPTIONS, "v1", known)
    assert row["reused"] is True and report is None and "verdict" not in row
    assert row["elapsed_ms"] < 1000  # hashed, not decoded
