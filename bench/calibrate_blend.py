"""Re-measure the blend signal's statistics of real faces (``REAL_FACE_STATS`` in unmask/signals/blend.py).

The blend signal turns each measure into a robust z-score against how that measure varies over *real*
faces. Those percentiles were measured once, on real training faces only (never the dev set), with this
script: a seeded sample of 150 CelebA crops, 150 web photos and 100 CIPLAB real faces from
``../shared/data/train/real``. Run it again after changing a measure and paste the printed table.

    .venv/bin/python bench/calibrate_blend.py [--data ../shared/data/train] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image
from rich.progress import track

from unmask.faces.find import find_faces, to_face
from unmask.signals.blend import measure_face

SAMPLE = {"real/celeba_crops_facemask12k": 150, "real/web_rmfd_facemask": 150, "real/ciplab_real160": 100}
"""Folder under the training set → how many faces to draw from it."""


def _sample(root: Path, seed: int) -> list[Path]:
    by_folder: dict[str, list[str]] = defaultdict(list)
    with (root / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            folder = "/".join(row["relpath"].split("/")[:2])
            if row["label"] == "real" and folder in SAMPLE:
                by_folder[folder].append(row["relpath"])
    rng = random.Random(seed)
    picked: list[Path] = []
    for folder, count in SAMPLE.items():
        paths = sorted(by_folder[folder])
        picked += [root / p for p in rng.sample(paths, min(count, len(paths)))]
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/train")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    values: dict[str, list[float]] = defaultdict(list)
    measured = 0
    for path in track(_sample(args.data, args.seed), description="measuring real faces"):
        pixels = np.asarray(Image.open(path).convert("RGB"))
        raws = find_faces(pixels)
        if not raws:
            continue
        largest = max(raws, key=lambda r: float(np.ptp(r.landmarks[:, 0])))
        measures = measure_face(pixels, to_face(largest, 0, 0), heat=False).measures
        measured += bool(measures)
        for name, value in measures.items():
            values[name].append(value)
    print(f"# {measured} faces measured")
    print("REAL_FACE_STATS: dict[str, tuple[float, float, float]] = {")
    for name, series in values.items():
        low, mid, high = np.percentile(series, [16, 50, 84])
        print(f'    "{name}": ({low:.2f}, {mid:.2f}, {high:.2f}),  # n={len(series)}')
    print("}")


if __name__ == "__main__":
    main()
