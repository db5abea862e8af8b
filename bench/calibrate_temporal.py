"""Re-measure the temporal signal's levels on real footage (``REFERENCE`` in unmask/signals/temporal.py).

The temporal signal compares each measure with the level real footage stays under. Those references
were set from real training videos only (never fakes, never the dev set): the talking-head clips in
``../shared/data/train/videos_real`` (label ``real`` in its manifest). This script decodes each clip as
a scan does, tracks its faces, and prints per clip and track the levels the signal sees: jitter,
identity drift (the level: 75th percentile of the dlib distances between pairs of embedded frames;
also their median and largest) and boundary flicker, with the eye distance and the seconds the
signal's measurement took. Run it again after changing a measure and update the module's docstring.

    .venv/bin/python bench/calibrate_temporal.py [--data ../shared/data/train]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from unmask.faces import analyze
from unmask.media import decode
from unmask.signals.base import AnalysisContext
from unmask.signals.temporal import MAX_TRACKS, _analysable_runs, assess


def _real_videos(root: Path) -> list[Path]:
    with (root / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [root / r["relpath"] for r in rows if r["label"] == "real" and r["relpath"].startswith("videos_real/")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/train")
    args = parser.parse_args()
    print(
        f"{'clip':<24} {'track':>5} {'eye px':>6} {'jitter':>8} {'id p75':>8} {'id med':>7} {'id max':>7} "
        f"{'n':>3} {'boundary':>8} {'embed s':>7}"
    )
    for path in _real_videos(args.data):
        media = decode(path)
        ctx = AnalysisContext(media=media, faces=analyze(media))
        for track, runs in _analysable_runs(ctx)[:MAX_TRACKS]:
            started = time.perf_counter()
            found = assess(media, track, runs)
            spent = time.perf_counter() - started
            d = found.identity.pairs
            eye = float(np.median([c.eye_px for c in found.curves]))
            ident = (
                f"{np.percentile(d, 75):8.4f} {np.median(d):7.4f} {d.max():7.4f}"
                if len(d)
                else f"{'-':>8} {'-':>7} {'-':>7}"
            )
            print(
                f"{path.name:<24} {track.track_id:>5} {eye:6.0f} {found.levels['jitter']:8.5f} {ident} "
                f"{len(found.identity.distances):>3} {found.levels['boundary']:8.3f} {spent:7.2f}"
            )


if __name__ == "__main__":
    main()
