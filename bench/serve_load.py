"""Load test of ``unmask serve`` on loopback: N clients upload and wait for their verdicts for a fixed time.

    python bench/serve_load.py --clients 4 --seconds 60 --workers 2 [--media image|clip]

Starts the server as its own process in a temporary data dir (127.0.0.1 only), makes distinct sample
files (so every upload is a new file, not a cached one), and runs ``--clients`` threads that each
upload, follow their scan to the end and upload again until ``--seconds`` have passed (and at most
``--max-scans`` in all). Prints throughput, p50/p95 latency from upload to verdict, errors, and the
server's memory (main process and its scan processes) at start and at the end.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from unmask import samples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """RSS of ``pid`` and of ``pid`` plus its children (the scan processes), in MB."""

    def rss(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except OSError:
                continue
    main = rss(pid)
    return round(main, 1), round(main + sum(rss(c) for c in children), 1)


def make_media(folder: Path, kind: str, count: int) -> list[Path]:
    """``count`` distinct files: the camera photo with one pixel changed each, or short talking clips."""
    files = []
    for i in range(count):
        if kind == "clip":
            files.append(samples.talking_clip(folder / f"clip{i}.mp4", seconds=2.0 + 0.04 * i, size=(480, 270)))
            continue
        pixels = samples.astronaut().copy()
        pixels[i // 512, i % 512] = (i * 37) % 256
        path = folder / f"photo{i}.jpg"
        Image.fromarray(np.ascontiguousarray(pixels)).save(path, quality=92)
        files.append(path)
    return files


class Load:
    def __init__(self, base: str, files: list[Path], until: float, max_scans: int) -> None:
        self.base, self.files, self.until, self.max_scans = base, files, until, max_scans
        self.lock = threading.Lock()
        self.started = 0
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def take(self) -> Path | None:
        with self.lock:
            if time.monotonic() >= self.until or self.started >= self.max_scans:
                return None
            self.started += 1
            return self.files[(self.started - 1) % len(self.files)]

    def client(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as http:
            while (path := self.take()) is not None:
                begin = time.monotonic()
                try:
                    error = self.one(http, path)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                with self.lock:
                    if error:
                        self.errors.append(error)
                    else:
                        self.latencies.append(time.monotonic() - begin)

    def one(self, http: httpx.Client, path: Path) -> str | None:
        with path.open("rb") as handle:
            response = http.post("/api/scans", files={"file": (path.name, handle)})
        if response.status_code != 202:
            return f"{response.status_code}: {response.text[:200]}"
        job_id = response.json()["id"]
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            job = http.get(f"/api/scans/{job_id}").json()
            if job["status"] == "done":
                return None
            if job["status"] == "failed":
                return str(job["error"])
            time.sleep(0.2)
        return f"{job_id}: no verdict within 600 s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long new uploads are started")
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers")
    parser.add_argument("--media", choices=("image", "clip"), default="image")
    parser.add_argument("--max-scans", type=int, default=400, help="upper bound on uploads in all")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="unmask-load-") as tmp:
        root = Path(tmp)
        files = make_media(root, args.media, min(args.max_scans, 16 if args.media == "image" else 4))
        port = free_port()
        command = [sys.executable, "-m", "unmask", "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--data-dir", str(root / "data"), "--workers", str(args.workers)]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    httpx.get(f"{base}/api/config", timeout=2)
                    break
                except httpx.TransportError:
                    if server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            ready_by = time.monotonic() + 180
            while httpx.get(f"{base}/api/config").json()["workers_ready"] < args.workers:
                if time.monotonic() > ready_by:
                    raise SystemExit("the scan workers did not start")
                time.sleep(0.5)
            memory_start = tree_rss_mb(server.pid)
            begin = time.monotonic()
            load = Load(base, files, begin + args.seconds, args.max_scans)
            threads = [threading.Thread(target=load.client) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - begin
            memory_end = tree_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)

    done = sorted(load.latencies)
    result = {
        "media": args.media,
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(elapsed, 1),
        "scans_done": len(done),
        "errors": len(load.errors),
        "throughput_per_min": round(60 * len(done) / elapsed, 2),
        "latency_p50_s": round(statistics.median(done), 2) if done else None,
        "latency_p95_s": round(done[min(len(done) - 1, int(0.95 * len(done)))], 2) if done else None,
        "server_rss_mb_start": {"main": memory_start[0], "with_workers": memory_start[1]},
        "server_rss_mb_end": {"main": memory_end[0], "with_workers": memory_end[1]},
        "first_errors": load.errors[:3],
    }
    print(
        f"{len(done)} scans ({args.media}) in {elapsed:.1f} s with {args.clients} clients, {args.workers} workers: "
        f"{result['throughput_per_min']} scans/min, latency p50 {result['latency_p50_s']} s, "
        f"p95 {result['latency_p95_s']} s, {len(load.errors)} errors; server RSS {memory_start[1]} MB at start, "
        f"{memory_end[1]} MB at the end (main process {memory_start[0]} -> {memory_end[0]} MB)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
