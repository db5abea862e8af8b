from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

from unmask.batch.results import to_table
from unmask.batch.resume import DoneIndex, report_version
from unmask.batch.worker import ERROR_INTERNAL, ERROR_MEDIA, ERROR_UNREADABLE, FileTask
from unmask.config import ScanOptions

VERSION = report_version(ScanOptions(artifacts=False))


def test_the_report_version_follows_the_options_and_is_stable() -> None:
    options = ScanOptions(artifacts=False)
    assert report_version(options) == VERSION
    assert report_version(replace(options, find_faces=False)) != VERSION
    assert report_version(replace(options, skip_signals=("ela",))) != VERSION
    # threads change the speed, not the report: a resume on a machine with other cores keeps its rows
    assert report_version(replace(options, signal_threads=1)) == report_version(replace(options, signal_threads=4))
    assert VERSION.startswith("1.") and VERSION.count("/") == 2


def _files(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = tmp_path / f"f{i}.jpg"
        path.write_bytes(bytes([i]) * 100)
        paths.append(path)
    return paths


def _done_row(path: Path, version: str = VERSION, **extra: object) -> dict[str, object]:
    st = os.stat(path)
    row: dict[str, object] = {
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size_bytes": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "report_version": version,
        "verdict": "unsure",
        "probability": 0.4,
    }
    row.update(extra)
    return row


def test_files_done_under_this_version_are_skipped_by_stat_alone(tmp_path: Path) -> None:
    files = _files(tmp_path, 7)
    rows = [
        _done_row(files[0]),
        _done_row(files[1], error="corrupt or truncated image", error_kind=ERROR_MEDIA),  # the bytes fail: final
        _done_row(files[2], error="cannot read the file", error_kind=ERROR_UNREADABLE),  # retried
        _done_row(files[3], error="unexpected error: boom", error_kind=ERROR_INTERNAL),  # retried
        _done_row(files[4], version="1.0.0/0.0.1/old"),  # another report version: rescanned
        _done_row(files[5]),
    ]
    os.utime(files[5], ns=(1, 1))  # touched since: hashed again by a worker
    todo, skipped = DoneIndex.from_table(to_table(rows), VERSION).plan(files)
    assert skipped == 2
    assert [t.path for t in todo] == [str(f) for f in files[2:]]
    assert todo[3] == FileTask(str(files[5]), 100, 1)


def test_relative_and_absolute_spellings_are_one_file(tmp_path: Path, monkeypatch) -> None:
    [path] = _files(tmp_path, 1)
    monkeypatch.chdir(tmp_path)
    todo, skipped = DoneIndex.from_table(to_table([_done_row(path)]), VERSION).plan([Path(path.name)])
    assert (todo, skipped) == ([], 1)


def test_a_known_file_under_a_new_name_gets_the_earlier_result(tmp_path: Path) -> None:
    [path] = _files(tmp_path, 1)
    index = DoneIndex.from_table(to_table([_done_row(path, report="reports/f0.jpg.00000000.json")]), VERSION)
    sha = next(iter(index.by_sha256))
    copy = index.reuse({"path": "/elsewhere/copy.jpg", "sha256": sha, "size_bytes": 100, "worker": "w:1"})
    assert copy["path"] == "/elsewhere/copy.jpg" and copy["reused_from"] == str(path)
    assert copy["verdict"] == "unsure" and copy["report"] == "reports/f0.jpg.00000000.json" and copy["worker"] == "w:1"
