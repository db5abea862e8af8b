"""What each temporal measure sees on a labelled folder of videos, before the signal turns it into a score.

The ``temporal`` signal fires only when a measure rises above the level real footage stays under (its
``references``), so a swap that is steadier than that scores like real footage. This bench scans the
videos with ``blink,lipsync,temporal`` only and prints, per measure (landmark jitter, boundary flicker,
identity drift), the AUC of the raw level itself (fake above real: > 0.5; below: < 0.5), the median on each
side, and the AUC of the signal's score. Use it on the lab's clip pairs to see which trace a swap leaves
and which way it points:

    unmask lab swap-bench --identities ../shared/data/train/videos_real --count 7 --pairs 0 --clips 4 \
        --out ../lab-out/swap-clips
    .venv/bin/python bench/temporal_levels.py ../lab-out/swap-clips
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rich.progress import Progress

from unmask import ScanOptions, scan
from unmask.errors import MediaError
from unmask.evaluation import metrics
from unmask.evaluation.labels import labelled_files

MEASURES = ("jitter", "boundary", "identity")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="labelled folder (manifest.csv or real/ and fake/)")
    args = parser.parse_args()
    files = [f for f in labelled_files(args.folder)[0] if f.media == "video"]
    options = ScanOptions(signals=("blink", "lipsync", "temporal"), artifacts=False)
    labels: list[int] = []
    values: dict[str, list[float]] = {m: [] for m in (*MEASURES, "score")}
    with Progress() as progress:
        task = progress.add_task("scanning", total=len(files))
        for file in files:
            progress.advance(task)
            try:
                report = scan(file.path, options)
            except MediaError as error:
                print(f"{file.path}: {error.reason}")
                continue
            temporal = next(s for s in report.signals if s.name == "temporal")
            levels = temporal.details.get("levels") if temporal.status == "ok" else None
            if not levels or temporal.score is None:
                continue
            labels.append(int(file.is_fake))
            for measure in MEASURES:
                values[measure].append(float(levels[measure]))
            values["score"].append(temporal.score)
    print(f"{sum(labels)} fake + {len(labels) - sum(labels)} real videos with a temporal result")
    print(f"{'measure':<10}{'AUC':>8}{'median fake':>14}{'median real':>14}")
    for name, series in values.items():
        fake = [v for v, y in zip(series, labels, strict=True) if y]
        real = [v for v, y in zip(series, labels, strict=True) if not y]
        score_auc = metrics.auc(labels, series)
        shown = "n/a" if score_auc is None else f"{score_auc:.3f}"
        medians = [f"{statistics.median(side):.4f}" if side else "n/a" for side in (fake, real)]
        print(f"{name:<10}{shown:>8}{medians[0]:>14}{medians[1]:>14}")


if __name__ == "__main__":
    main()
