"""How far do real faces stand out in the noise signal's map? The measurement behind ``noise.TYPICAL_Z``.

The noise signal calls a face suspicious when its noise level differs from the rest of the picture by
more than :data:`unmask.signals.noise.TYPICAL_Z` spreads. That threshold should let about one real face
in twenty through on the smoother side (the side swaps and generators produce), and that can only be
measured on real faces. This bench scans up to ``--per-source`` real face pictures per source folder of
the training set (seeded draw, real ``real_face_photo`` and ``real_face_crop`` rows of the manifest;
pictures the signal does not apply to, under 96 px, are skipped and not counted) with the noise signal
alone, and prints per source and pooled the percentiles of the face's ``z`` and the share beyond the
threshold on each side.

    .venv/bin/python bench/calibrate_noise.py --data ../shared/data/train [--per-source 250]

About 5 minutes for 250 per source on 2 cores (most CelebA crops are too small and are scanned for nothing).
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.progress import track

from unmask.config import ScanOptions
from unmask.errors import MediaError
from unmask.evaluation.labels import labelled_files
from unmask.pipeline import scan
from unmask.signals.noise import TYPICAL_Z

KINDS = ("real_face_photo", "real_face_crop")
VERSION_1_0_Z = 2.0
"""The threshold of noise 1.0, set by hand; its share is printed beside the current one's."""
PERCENTILES = (2.5, 5, 10, 50, 90, 95, 97.5)


def real_pictures(data: Path, seed: int) -> list[tuple[str, Path]]:
    """(source folder, path) of every real face picture in the manifest, in a seeded order."""
    files = [f for f in labelled_files(data)[0] if f.label == "real" and f.kind in KINDS]
    pictures = [(f.path.relative_to(data).parts[1], f.path) for f in files]
    random.Random(seed).shuffle(pictures)
    return pictures


def face_z(path: Path) -> float | None:
    """The noise signal's z for the picture's face; None when it does not apply or finds no face."""
    try:
        report = scan(path, ScanOptions(artifacts=False, signals=("noise",)))
    except MediaError:
        return None
    result = report.signals[0]
    if result.status != "ok" or result.details.get("region") != "face":
        return None
    return float(result.details["z"])


def describe(name: str, values: list[float]) -> str:
    z = np.array(values)
    cuts = " / ".join(f"{p:.1f}" for p in np.percentile(z, PERCENTILES))
    return (
        f"{name:28s} {len(z):4d} faces  z at {'/'.join(map(str, PERCENTILES))} %: {cuts};  "
        f"smoother beyond {TYPICAL_Z}: {np.mean(z < -TYPICAL_Z):.3f} (beyond {VERSION_1_0_Z}: "
        f"{np.mean(z < -VERSION_1_0_Z):.3f}), noisier beyond {TYPICAL_Z}: {np.mean(z > TYPICAL_Z):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the training folder (train/)")
    parser.add_argument("--per-source", type=int, default=250)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    by_source: dict[str, list[float]] = defaultdict(list)
    for source, path in track(real_pictures(args.data, args.seed), description="scanning real faces"):
        if len(by_source[source]) >= args.per_source:
            continue
        z = face_z(path)
        if z is not None:
            by_source[source].append(z)
    for source, values in sorted(by_source.items()):
        print(describe(source, values))
    print(describe("pooled", [z for values in by_source.values() for z in values]))


if __name__ == "__main__":
    main()
