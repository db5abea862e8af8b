"""Signals one after another vs side by side: the 1080p photo verdict, interleaved in one process.

Scans a generated 1080p JPEG ``--runs`` times with each thread count, alternating between them so that
load from other processes on a shared machine hits both alike, after one warm-up scan each (model loads
and lazy imports). Prints the median and best wall time per thread count.

    .venv/bin/python bench/signal_threads.py [--runs 12] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from unmask import ScanOptions, samples, scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts to compare")
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo_1080p.jpg"
        Image.fromarray(samples.portrait_canvas(1920, 1080, zoom=0.8)).save(photo, quality=92)
        for threads in counts:
            scan(photo, ScanOptions(signal_threads=threads))
        seconds: dict[int, list[float]] = {threads: [] for threads in counts}
        for _ in range(args.runs):
            for threads in counts:
                start = time.perf_counter()
                scan(photo, ScanOptions(signal_threads=threads))
                seconds[threads].append(time.perf_counter() - start)
    print(f"1080p photo verdict, {args.runs} scans per setting, interleaved")
    for threads, values in seconds.items():
        print(f"  {threads} signal thread(s): median {statistics.median(values):.3f} s, best {min(values):.3f} s")


if __name__ == "__main__":
    main()
