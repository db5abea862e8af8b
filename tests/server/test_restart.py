"""A server killed mid-scan loses nothing: on restart every submitted scan runs to the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from unmask import samples


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``unmask serve`` as its own process (the test kills it like a crash would)."""
    command = [sys.executable, "-m", "unmask", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    process = subprocess.Popen([*command, "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_scans_survive_a_killed_server(tmp_path: Path, media: dict[str, Path]) -> None:
    data_dir, port = tmp_path / "data", _free_port()
    clip = samples.talking_clip(tmp_path / "clip.mp4", seconds=1.0, size=(320, 240))  # long enough to catch running
    files = [clip, media["photo"], samples.camera_photo(tmp_path / "other.jpg", 640, 480)]
    with server_process(data_dir, port) as process:
        base = f"http://127.0.0.1:{port}"
        ids = []
        for path in files:
            with path.open("rb") as handle:
                response = httpx.post(f"{base}/api/scans", files={"file": (path.name, handle)}, timeout=60)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/api/scans/{ids[0]}").json()["status"] != "running":
            assert time.monotonic() < deadline, "the first scan never started"
            time.sleep(0.1)
        workers = _children(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers):  # PR_SET_PDEATHSIG: scans stop with the server
        assert time.monotonic() < deadline, "scan processes outlived the killed server"
        time.sleep(0.1)

    with server_process(data_dir, port):
        jobs = {}
        deadline = time.monotonic() + 240
        while len(jobs) < len(ids):
            assert time.monotonic() < deadline, f"not all scans finished: {jobs}"
            for job_id in ids:
                job = httpx.get(f"{base}/api/scans/{job_id}", timeout=30).json()
                if job["status"] in ("done", "failed"):
                    jobs[job_id] = job
            time.sleep(0.3)
    assert [jobs[i]["status"] for i in ids] == ["done"] * 3, [jobs[i]["error"] for i in ids]
    assert jobs[ids[0]]["attempts"] == 2  # interrupted once, then finished
    assert [jobs[i]["filename"] for i in ids] == ["clip.mp4", "photo.jpg", "other.jpg"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
