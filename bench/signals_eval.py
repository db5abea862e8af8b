"""Per-signal AUC, EER and speed on the dev set beside the checkout (``../shared/data``).

Scans every image, video and audio file of the top-level dev set (not ``train*/``) listed in its
``manifest.csv`` with every registered signal, and prints for each signal: on how many files it gave a
score, the AUC and EER of that score against the manifest's real/fake labels (on the files it scored),
and its time per analysed frame. The fused verdict gets the same line. Nothing is tuned here: the
numbers say what to fix.

    .venv/bin/python bench/signals_eval.py [--data ../shared/data] [--kinds image,video] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import auc, eer

from unmask import ScanOptions, scan
from unmask.errors import MediaError

_FOLDER_KIND = {"images": "image", "videos": "video", "audio": "audio"}


def _rows(root: Path, kinds: set[str], limit: int | None) -> list[tuple[Path, int]]:
    with (root / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    chosen = [
        (root / r["relpath"], 1 if r["label"] == "fake" else 0)
        for r in rows
        if _FOLDER_KIND.get(r["relpath"].split("/", 1)[0]) in kinds and r["label"] in ("real", "fake")
    ]
    return chosen[:limit] if limit else chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--kinds", default="image,video,audio")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not (args.data / "manifest.csv").is_file():
        raise SystemExit(f"no dev set at {args.data} (expected manifest.csv)")
    files = _rows(args.data, set(args.kinds.split(",")), args.limit)
    scores: dict[str, list[tuple[int, float]]] = defaultdict(list)
    seconds: dict[str, float] = defaultdict(float)
    frames: dict[str, int] = defaultdict(int)
    failures = 0
    started = time.perf_counter()
    with Progress(transient=True) as progress:
        task = progress.add_task("scanning", total=len(files))
        for path, label in files:
            progress.update(task, description=path.name[:40])
            try:
                report = scan(path, ScanOptions(artifacts=False))
            except MediaError as error:
                print(error, file=sys.stderr)
                failures += 1
                progress.advance(task)
                continue
            n = max(1, report.input.sampling.frames_analyzed)
            for result in report.signals:
                seconds[result.name] += result.elapsed_ms / 1000
                frames[result.name] += n
                if result.status == "ok" and result.score is not None:
                    scores[result.name].append((label, result.score))
            scores["(verdict)"].append((label, report.verdict.probability))
            seconds["(faces)"] += report.timings_ms.get("faces", 0) / 1000
            frames["(faces)"] += n
            progress.advance(task)
    total = time.perf_counter() - started
    fakes = sum(label for _, label in files)
    print(
        f"dev set {args.data}: {len(files)} files ({fakes} fake, {len(files) - fakes} real), {failures} failed, "
        f"{total:.0f} s"
    )
    print(f"{'signal':<14}{'scored':>8}{'fake/real':>11}{'AUC':>7}{'EER':>7}{'ms/frame':>10}")
    for name in sorted(set(seconds) | set(scores)):
        pairs = scores.get(name, [])
        labels, values = [p[0] for p in pairs], [p[1] for p in pairs]
        a, e = auc(labels, values), eer(labels, values)
        per_frame = 1000 * seconds[name] / frames[name] if frames.get(name) else float("nan")
        print(
            f"{name:<14}{len(pairs):>8}{sum(labels):>6}/{len(labels) - sum(labels):<4}"
            f"{_fmt(a):>7}{_fmt(e):>7}{per_frame:>10.2f}"
        )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
