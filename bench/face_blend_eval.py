"""Face-blend detector on the dev set beside the checkout: AUC per fake kind, and time per face crop.

Scans the dev set's images and videos (``manifest.csv`` rows; never the training data) with only the
``face_blend`` signal and prints, per media type, the AUC of each fake kind (faceswap, gan) against the
real files of that media type, then the onnxruntime time per aligned face crop on one core. Nothing is
tuned here.

    .venv/bin/python bench/face_blend_eval.py [--data ../shared/data] [--limit N] [--speed-only]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import auc, auc_interval

from unmask import ScanOptions, scan
from unmask.errors import MediaError
from unmask.models.crops import CROP_SIZE
from unmask.models.runtime import face_blend_probabilities

_MEDIA = {"images": "image", "videos": "video"}


def dev_scores(root: Path, limit: int | None) -> dict[tuple[str, str, str], list[float]]:
    """(media type, label, kind) -> face_blend scores of the files it judged."""
    with (root / "manifest.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["relpath"].split("/", 1)[0] in _MEDIA]
    rows = rows[:limit] if limit else rows
    options = ScanOptions(signals=("face_blend",), artifacts=False)
    scores: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    skipped = 0
    for row in rows:
        try:
            result = scan(root / row["relpath"], options).signal("face_blend")
        except MediaError:
            skipped += 1
            continue
        if result is None or result.status != "ok" or result.score is None:
            skipped += 1
            continue
        scores[(_MEDIA[row["relpath"].split("/", 1)[0]], row["label"], row["kind"])].append(result.score)
    print(f"{sum(len(v) for v in scores.values())} files scored, {skipped} without a usable face or not decodable")
    return scores


def report_auc(scores: dict[tuple[str, str, str], list[float]]) -> None:
    for media in ("image", "video"):
        real = [s for (m, label, _), v in scores.items() if m == media and label == "real" for s in v]
        fake_kinds = sorted({k for (m, label, k) in scores if m == media and label == "fake"})
        print(f"{media}: {len(real)} real, mean score {np.mean(real) if real else float('nan'):.3f}")
        for kind in [*fake_kinds, "all fakes"]:
            fake = [
                s
                for (m, label, k), v in scores.items()
                if m == media and label == "fake"
                for s in v
                if kind in (k, "all fakes")
            ]
            labels = [0] * len(real) + [1] * len(fake)
            value, interval = auc(labels, real + fake), auc_interval(labels, real + fake)
            shown = f"{value:.3f}" if value is not None else "n/a"
            shown += f" [95 % CI {interval[0]:.2f}, {interval[1]:.2f}]" if interval is not None else ""
            print(f"  {kind:<10} n={len(fake):>3}  mean score {np.mean(fake):.3f}  AUC vs real {shown}")


def crop_speed(repeats: int = 200) -> tuple[float, float]:
    """Milliseconds per crop on one core: one crop per call, and in batches of 16."""
    rng = np.random.default_rng(0)
    one = rng.integers(0, 255, (1, CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)
    batch = rng.integers(0, 255, (16, CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)
    face_blend_probabilities(one)
    start = time.perf_counter()
    for _ in range(repeats):
        face_blend_probabilities(one)
    single = (time.perf_counter() - start) * 1000 / repeats
    start = time.perf_counter()
    for _ in range(max(1, repeats // 16)):
        face_blend_probabilities(batch)
    batched = (time.perf_counter() - start) * 1000 / (max(1, repeats // 16) * 16)
    return single, batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if not args.speed_only:
        if not (args.data / "manifest.csv").is_file():
            sys.exit(f"no dev set at {args.data}")
        report_auc(dev_scores(args.data, args.limit))
    single, batched = crop_speed()
    print(
        f"inference per {CROP_SIZE}x{CROP_SIZE} crop, 1 thread: {single:.2f} ms alone, "
        f"{batched:.2f} ms in batches of 16"
    )


if __name__ == "__main__":
    main()
