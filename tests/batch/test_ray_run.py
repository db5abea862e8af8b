"""End to end on Ray, as users run it: a local Ray (the default) and a two-node cluster on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.helpers import FAST, batch_env, run_cli
from unmask.batch.results import read_rows

pytestmark = pytest.mark.slow

COMPARED = ("sha256", "media_type", "verdict", "probability", "scores", "statuses", "error", "error_kind")


@pytest.fixture(scope="module")
def local_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("local")
    args = [str(corpus), "--out", str(work / "out"), "--workers", "2", "--match", "--register", *FAST]
    return work / "out", run_cli(args, batch_env(work))


def test_a_local_run_gives_one_row_per_file_and_a_report_per_scanned_file(corpus: Path, local_run) -> None:
    out, result = local_run
    assert result.returncode == 1, result.stderr  # one file could not be scanned
    assert f"{corpus / 'broken.jpg'}: corrupt or truncated image" in result.stderr
    assert "5 file(s): 0 already done, 5 to scan with 2 worker(s) on a local Ray" in result.stderr
    rows = {row["path"]: row for row in read_rows(out).to_pylist()}
    assert sorted(rows) == sorted(str(p) for p in corpus.iterdir())
    broken = rows.pop(str(corpus / "broken.jpg"))
    assert broken["error_kind"] == "media" and broken["verdict"] is None and broken["report"] is None
    assert {r["media_type"] for r in rows.values()} == {"image", "video"}
    assert rows[str(corpus / "generated.png")]["verdict"] == "likely manipulated"
    for path, row in rows.items():
        assert row["error"] is None and 0 <= row["probability"] <= 1 and dict(row["scores"])
        report = json.loads((out / row["report"]).read_text())
        assert report["input"]["path"] == path and report["input"]["sha256"] == row["sha256"]
        assert report["verdict"]["probability"] == row["probability"]
    assert sorted(r["ledger_entry"] for r in rows.values()) == [0, 1, 2, 3]  # --register, on the driver
    assert all(r["match_exact"] == [] for r in rows.values())  # --match ran before each registration
    assert broken["ledger_entry"] is None


def test_a_rerun_skips_done_files_by_stat_and_known_bytes_by_sha256(corpus: Path, local_run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(local_run[0], out)  # the local run's output stays as it was for the cluster comparison
    copy = tmp_path / "renamed.jpg"
    copy.write_bytes((corpus / "photo.jpg").read_bytes())
    before = read_rows(out, latest=False).num_rows
    result = run_cli([str(corpus), str(copy), "--out", str(out), "--workers", "1", *FAST], batch_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "6 file(s): 5 already done, 1 to scan" in result.stderr and "reused 1" in result.stderr
    rows = {r["path"]: r for r in read_rows(out, latest=False).to_pylist()}
    assert len(rows) == before + 1
    original, reused = rows[str(corpus / "photo.jpg")], rows[str(copy)]
    assert reused["reused_from"] == str(corpus / "photo.jpg") and reused["report"] == original["report"]
    assert (reused["sha256"], reused["verdict"], reused["scores"]) == (
        original["sha256"],
        original["verdict"],
        original["scores"],
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("ray")), *args]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """``ray start --head`` and one ``ray start --address`` worker node, each with one CPU, on loopback."""
    env = batch_env(tmp_path) | {"RAY_AUTH_MODE": "disabled"}
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ("--num-cpus=1", "--node-ip-address=127.0.0.1", "--block")
    nodes = [
        subprocess.Popen(
            _ray("start", *args, *common),
            env=env,
            start_new_session=True,  # the node and everything it starts share one process group
            stdout=(tmp_path / f"node{i}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for i, args in enumerate(
            [
                ("--head", f"--port={port}", "--include-dashboard=false", "--disable-usage-stats"),
                (f"--address={address}",),
            ]
        )
    ]
    try:
        deadline = time.monotonic() + 180
        while (
            "/2.0 CPU"
            not in subprocess.run(
                _ray("status", f"--address={address}"), env=env, capture_output=True, text=True, timeout=60
            ).stdout
        ):
            assert time.monotonic() < deadline, (tmp_path / "node1.log").read_text()[-2000:]
            assert all(node.poll() is None for node in nodes), (tmp_path / "node0.log").read_text()[-2000:]
            time.sleep(1)
        yield address
    finally:
        for node in reversed(nodes):
            _stop(node)
        _forget(port)


def _forget(port: int) -> None:
    """Ray's note of "the cluster on this machine" outlives a killed head; drop it if it names ours."""
    note = Path(os.environ.get("RAY_TMPDIR", "/tmp")) / "ray" / "ray_current_cluster"
    if note.is_file() and note.read_text().strip().endswith(f":{port}"):
        note.unlink()


def _stop(node: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(node.pid, sig)
            node.wait(timeout=wait)
            return
        except ProcessLookupError:
            node.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def test_a_two_node_cluster_gives_the_same_results_as_local_mode(corpus: Path, local_run, cluster, tmp_path) -> None:
    local_out, _ = local_run
    out = tmp_path / "out"
    result = run_cli([str(corpus), "--out", str(out), "--address", cluster, *FAST], batch_env(tmp_path))
    assert result.returncode == 1, result.stderr
    assert f"with 2 worker(s) on the Ray cluster at {cluster}" in result.stderr
    on_cluster = {r["path"]: r for r in read_rows(out).to_pylist()}
    local = {r["path"]: r for r in read_rows(local_out).to_pylist()}
    assert sorted(on_cluster) == sorted(local)
    for path, row in on_cluster.items():
        assert {k: row[k] for k in COMPARED} == {k: local[path][k] for k in COMPARED}, path
