"""How fast is one scan, and how much of it is decoding?

Generates a 1080p JPEG and a 720p, 10 s, 30 fps clip with a face and sound, then times, each in a fresh
process (so peak memory is the phase's own): a decode-only pass of the clip, a scan of the image and a
scan of the clip (the second scan in its process: the first pays start-up, like model loads and lazy
imports, which a batch or server pays once). Prints per-stage times, frames/s, peak RSS and the
ratio scan ÷ decode-only.

    .venv/bin/python bench/scan_speed.py [--seconds 10] [--repeat 1] [--signal-threads N]

``--signal-threads 1`` runs the signals one after another (the default uses up to four threads).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _decode_only(path: str, queue: Any, threads: int | None) -> None:
    from unmask.media import decode

    start = time.perf_counter()
    media = decode(path)
    queue.put({"seconds": time.perf_counter() - start, "frames": len(media.frames), "peak_mb": _peak_rss_mb()})


def _scan(path: str, queue: Any, threads: int | None) -> None:
    from unmask import ScanOptions, scan
    from unmask.faces.landmarker import get_landmarker
    from unmask.signals.registry import signal_classes

    get_landmarker()  # model load (~0.4 s) and signal imports are start-up, not per-file work
    signal_classes()
    options = ScanOptions() if threads is None else ScanOptions(signal_threads=threads)
    scan(path, options)  # the first scan also pays lazy imports (scipy.signal 1.6 s) and per-thread models
    start = time.perf_counter()
    report = scan(path, options)
    queue.put(
        {
            "seconds": time.perf_counter() - start,
            "frames": report.input.sampling.frames_analyzed,
            "faces": report.faces.count if report.faces else 0,
            "stages": report.timings_ms,
            "peak_mb": _peak_rss_mb(),
            "threads": options.signal_threads,
        }
    )


def _in_fresh_process(target: Any, path: Path, threads: int | None) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(str(path), queue, threads))
    process.start()
    while True:
        try:
            result: dict[str, Any] = queue.get(timeout=1.0)
            break
        except Exception:  # queue.Empty: keep waiting while the child lives
            if not process.is_alive():
                raise SystemExit(f"{target.__name__} failed on {path} (exit code {process.exitcode})") from None
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per phase; the fastest is reported")
    parser.add_argument("--signal-threads", type=int, default=None, help="threads for the signals of one scan")
    args = parser.parse_args()

    from PIL import Image

    from unmask import samples

    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "photo_1080p.jpg"
        Image.fromarray(samples.portrait_canvas(1920, 1080, zoom=0.8)).save(image, quality=92)
        clip = samples.talking_clip(Path(tmp) / "clip_720p.mp4", seconds=args.seconds, size=(1280, 720), fps=30)
        runs = {
            "decode-only 720p clip": (_decode_only, clip),
            "scan 1080p image": (_scan, image),
            "scan 720p clip": (_scan, clip),
        }
        results = {
            name: min(
                (_in_fresh_process(t, p, args.signal_threads) for _ in range(args.repeat)), key=lambda r: r["seconds"]
            )
            for name, (t, p) in runs.items()
        }

    threads = results["scan 1080p image"]["threads"]
    print(f"python {sys.version.split()[0]}, {mp.cpu_count()} CPU(s), signals on {threads} thread(s)")
    print(f"{'phase':<24}{'wall s':>8}{'frames':>8}{'frames/s':>10}{'peak RSS MB':>13}")
    for name, r in results.items():
        fps = r["frames"] / r["seconds"] if r["seconds"] else 0.0
        print(f"{name:<24}{r['seconds']:>8.2f}{r['frames']:>8}{fps:>10.1f}{r['peak_mb']:>13.0f}")
    for name in ("scan 1080p image", "scan 720p clip"):
        stages = ", ".join(f"{k} {v / 1000:.2f}s" for k, v in results[name]["stages"].items())
        print(f"  {name} stages: {stages} (faces found: {results[name]['faces']})")
    ratio = results["scan 720p clip"]["seconds"] / results["decode-only 720p clip"]["seconds"]
    print(f"scan ÷ decode-only (720p clip): {ratio:.2f}")


if __name__ == "__main__":
    main()
