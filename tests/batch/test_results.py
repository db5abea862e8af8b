from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from unmask.batch.results import OutputBusyError, ResultWriter, read_rows, to_table


def _row(i: int, path: str | None = None, when: str = "2026-01-01T00:00:00.000+00:00") -> dict[str, object]:
    return {
        "path": path or f"/m/{i}.jpg",
        "sha256": f"{i:064x}",
        "verdict": "unsure",
        "probability": 0.5,
        "scores": {"noise": 0.4},
        "match_near": [{"index": 3, "distance": 7}],
        "finished_at": when,
        "run_id": "r",
        "transient": "dropped",
    }


def test_rows_roll_into_parquet_parts_that_read_as_one_table(tmp_path: Path) -> None:
    with ResultWriter(tmp_path, "run1", flush_rows=2) as writer:
        for i in range(5):
            writer.append(_row(i))
    parts = sorted((tmp_path / "rows").glob("part-*.parquet"))
    assert [p.name for p in parts] == [f"part-run1-0000{i}.parquet" for i in range(3)]
    assert not list((tmp_path / "rows").glob("_journal-*"))
    table = pq.ParquetDataset(tmp_path / "rows").read()  # what pandas/DuckDB users do
    assert sorted(table.column("path").to_pylist()) == [f"/m/{i}.jpg" for i in range(5)]
    assert read_rows(tmp_path).column("scores").to_pylist()[0] == [("noise", 0.4)]


def test_a_crash_keeps_every_journaled_row_and_the_next_writer_recovers_them(tmp_path: Path) -> None:
    crash = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from unmask.batch.results import ResultWriter
        writer = ResultWriter(Path({str(tmp_path)!r}), "dead", flush_rows=2)
        for i in range(3):
            writer.append({{"path": f"/m/{{i}}.jpg", "sha256": "ab" * 32}})
        writer._journal.write('{{"path": "/m/half')  # a line cut short by the crash
        writer._journal.flush()
        os._exit(9)
        """
    )
    assert subprocess.run([sys.executable, "-c", crash], timeout=120).returncode == 9
    assert len(list((tmp_path / "rows").glob("_journal-dead-*.jsonl"))) == 1
    assert sorted(read_rows(tmp_path).column("path").to_pylist()) == ["/m/0.jpg", "/m/1.jpg", "/m/2.jpg"]
    ResultWriter(tmp_path, "next").close()  # takes the lock the dead process held, recovers its journal
    assert not list((tmp_path / "rows").glob("_journal-*"))
    assert pq.read_table(tmp_path / "rows" / "part-dead-00001.parquet").column("path").to_pylist() == ["/m/2.jpg"]


def test_only_one_run_writes_to_an_output_folder(tmp_path: Path) -> None:
    with ResultWriter(tmp_path, "a"), pytest.raises(OutputBusyError, match="another unmask batch is writing"):
        ResultWriter(tmp_path, "b")


def test_read_rows_keeps_the_newest_row_of_a_path(tmp_path: Path) -> None:
    with ResultWriter(tmp_path, "r") as writer:
        writer.append(_row(1, "/m/x.jpg", "2026-01-01T00:00:00.000+00:00") | {"probability": 0.1})
        writer.append(_row(2, "/m/x.jpg", "2026-01-02T00:00:00.000+00:00") | {"probability": 0.9})
    assert read_rows(tmp_path).column("probability").to_pylist() == [0.9]
    assert read_rows(tmp_path, latest=False).num_rows == 2


def test_extra_keys_are_dropped_and_missing_ones_are_null() -> None:
    table = to_table([{"path": "/m/a.jpg", "transient": 1}])
    assert "transient" not in table.column_names and table.column("verdict").to_pylist() == [None]
