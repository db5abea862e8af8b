"""How does ``unmask batch`` scale, and what does Ray cost over a plain ``unmask scan``?

Generates one corpus (distinct camera-style JPEGs, a Stable Diffusion PNG, short H.264 clips with a face
and sound, one truncated file), then runs on the same files, each as a fresh process like a user would:

* ``unmask scan DIR`` (one process, no Ray): the baseline;
* ``unmask batch DIR --out OUT --workers N`` for each N in ``--workers`` (a fresh local Ray each time).

Prints, per run: wall time and files/s end to end (process start to exit, so Ray's start-up is in it),
steady files/s (from the first finished row to the last, so start-up is not), the scaling ratio
(files/s at N workers ÷ (N × files/s at 1 worker); 1.0 = linear), peak resident memory per worker
process (from each row's ``worker_peak_rss_mb``), the Ray overhead against ``unmask scan``, and the
driver's own cost per row (what bounds one driver's output on a large cluster). The
machine's load average is printed beside, since a shared machine lowers the multi-worker numbers.

    nice -n 10 .venv/bin/python bench/batch_scale.py [--images 24] [--videos 4] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def make_corpus(folder: Path, images: int, videos: int, video_seconds: float) -> list[Path]:
    from unmask import samples

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(images - 1):
        samples.camera_photo(folder / f"photo{i:03d}.jpg", 384 + 16 * (i % 12), 448 + 16 * (i // 12))
    samples.generated_png(folder / "generated.png")
    for i in range(videos):
        samples.talking_clip(folder / f"clip{i}.mp4", seconds=video_seconds + 0.1 * i, size=(480, 270))
    samples.truncated(folder / "photo000.jpg", folder / "broken.jpg")
    return sorted(folder.iterdir())


def _env(work: Path) -> dict[str, str]:
    return dict(os.environ, UNMASK_DATA_DIR=str(work / "data"), RAY_USAGE_STATS_ENABLED="0")


def run_scan(corpus: Path, work: Path, extra: list[str], one_thread: bool = False) -> float:
    """Wall seconds of ``unmask scan DIR`` (exit code 1 is expected: the truncated file).

    ``one_thread`` sets ``OMP_NUM_THREADS=1``, as Ray does for a worker holding one CPU, so the comparison
    isolates Ray's cost from the thread count.
    """
    env = _env(work) | ({"OMP_NUM_THREADS": "1"} if one_thread else {})
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "unmask", "scan", str(corpus), *extra], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"unmask scan failed: {result.stderr[-2000:]}")
    return seconds


def run_batch(corpus: Path, work: Path, workers: int, extra: list[str]) -> dict[str, Any]:
    """Wall seconds, steady rate and per-worker memory of one ``unmask batch`` run into a fresh OUT."""
    from unmask.batch.results import read_rows

    out = work / f"out-{workers}"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "unmask", "batch", str(corpus), "--out", str(out), "--workers", str(workers), *extra],
        env=_env(work),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"unmask batch failed: {result.stderr[-2000:]}")
    rows = read_rows(out).to_pylist()
    finished = sorted(r["finished_at"].timestamp() for r in rows)
    window = finished[-1] - finished[0]
    peak: dict[str, float] = defaultdict(float)
    busy: dict[str, float] = defaultdict(float)
    for r in rows:
        peak[r["worker"]] = max(peak[r["worker"]], r["worker_peak_rss_mb"])
        busy[r["worker"]] += r["elapsed_ms"] / 1000
    return {
        "workers": workers,
        "files": len(rows),
        "seconds": seconds,
        "rate": len(rows) / seconds,
        "steady_rate": (len(rows) - 1) / window if window > 0 else float("nan"),
        "peak_mb": dict(peak),
        "busy_s": dict(busy),
        "scan_s": sum(r["elapsed_ms"] for r in rows) / 1000,
    }


def driver_cost(work: Path, rows: int = 1000) -> float:
    """Milliseconds the driver spends per row: journal line + fsync, a 20 KB report file, Parquet parts."""
    from unmask.batch.results import ResultWriter, write_report

    out = work / "driver"
    report = "{" + '"x": "' + "r" * 20_000 + '"}'
    start = time.perf_counter()
    with ResultWriter(out, "bench") as writer:
        for i in range(rows):
            sha = f"{i:064x}"
            row = {"path": f"/m/{i}.jpg", "sha256": sha, "verdict": "unsure", "probability": 0.5}
            row["scores"] = {f"signal{k}": 0.5 for k in range(12)}
            row["report"] = write_report(out, row["path"], sha, report)
            row["finished_at"] = "2026-01-01T00:00:00.000+00:00"
            writer.append(row)
    return (time.perf_counter() - start) * 1000 / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--video-seconds", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--skip", default=None, help="signals to skip in every run (default: none, as unmask scan)")
    args = parser.parse_args()
    extra = ["--skip", args.skip] if args.skip else []
    with tempfile.TemporaryDirectory(prefix="batch-scale-") as tmp:
        work = Path(tmp)
        files = make_corpus(work / "corpus", args.images, args.videos, args.video_seconds)
        print(f"corpus: {len(files)} files ({args.images} images, {args.videos} videos, 1 truncated), "
              f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB; cpus {os.cpu_count()}")  # fmt: skip
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        scan_s = run_scan(work / "corpus", work, extra)
        print(f"unmask scan (1 process, no Ray): {scan_s:.1f} s, {len(files) / scan_s:.3f} files/s")
        scan1_s = run_scan(work / "corpus", work, extra, one_thread=True)
        print(f"unmask scan, OMP_NUM_THREADS=1 (as a Ray worker): {scan1_s:.1f} s, {len(files) / scan1_s:.3f} files/s")
        runs = [run_batch(work / "corpus", work, int(w), extra) for w in args.workers.split(",")]
        per_row_ms = driver_cost(work)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    base = next((r for r in runs if r["workers"] == 1), None)
    for r in runs:
        line = (
            f"unmask batch --workers {r['workers']}: {r['seconds']:.1f} s, {r['rate']:.3f} files/s end to end, "
            f"{r['steady_rate']:.3f} files/s steady; peak RSS per worker "
            + ", ".join(f"{mb:.0f} MB" for mb in sorted(r["peak_mb"].values()))
            + f"; scanning time summed over workers {r['scan_s']:.1f} s"
        )
        if base is not None and r is not base:
            n = r["workers"]
            line += (
                f"; scaling {r['rate'] / (n * base['rate']):.2f} x linear end to end, "
                f"{r['steady_rate'] / (n * base['steady_rate']):.2f} x linear steady"
            )
        print(line)
    print(f"driver work per row (journal + fsync, 20 KB report, Parquet parts): {per_row_ms:.2f} ms")
    if base is not None:
        print(
            f"Ray overhead, 1 worker vs unmask scan: {base['seconds'] - scan_s:+.1f} s wall "
            f"({base['seconds'] / scan_s:.2f} x); vs unmask scan with OMP_NUM_THREADS=1: "
            f"{base['seconds'] - scan1_s:+.1f} s ({base['seconds'] / scan1_s:.2f} x); per-file work inside the "
            f"worker {base['scan_s']:.1f} s of {base['seconds']:.1f} s wall"
        )


if __name__ == "__main__":
    main()
