"""How much does the calibrated fuser depend on which training files it drew? Refit it with several seeds.

``unmask train fusion`` fits each media kind on a seeded, class-balanced sample (round-robin over the
manifest kinds) and a seeded 80/20 split, cross-fitted in 5 folds. This bench repeats the whole recipe
for seeds 0..N-1 (each seed draws other files of the large kinds and another split) and prints, per
media kind, the held-out AUC, ECE and unsure rate of each seed, with its temperature, the ECE of the
calibrated out-of-fold scores the temperature and band were chosen on, and the band; then every
coefficient's mean and spread. A coefficient whose spread is as large as its mean is not pinned down by
the training data: the verdict's reliance on that signal is a matter of which files were drawn.
Training folders only; the dev set is never read.

Files are scanned through the fusion signal cache (``~/.cache/unmask/fusion/signals.jsonl``), so only
files no earlier run drew are scanned (about 0.2 s per image on the 2-core machine). Each fit is written
to a temporary file; the shipped ``fusion.json`` is not touched.

    .venv/bin/python bench/fusion_stability.py --data ../shared/data/train --data ../lab-out/swap-bench \\
        --data ../lab-out/gan-bench --data ../lab-out/swap-clips --data ../shared/data/train_audio \\
        --out-of-fold ~/.cache/unmask/voice/out-of-fold.jsonl [--seeds 5]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from unmask.fusion.train import DEFAULT_CACHE, train_fusion
from unmask.models.voice_folds import OutOfFold


def fits(folders: list[Path], tables: list[OutOfFold], seeds: int, console: Console) -> list[dict[str, Any]]:
    """The fusion document of each seed."""
    documents = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(seeds):
            console.print(f"seed {seed}: scanning what the cache lacks and fitting")
            out = Path(scratch) / f"fusion-{seed}.json"
            documents.append(
                train_fusion(folders, out, DEFAULT_CACHE, seed=seed, log=lambda _: None, out_of_fold=tables)
            )
    return documents


def summary(documents: list[dict[str, Any]], media: str) -> None:
    """Per seed: held-out AUC, ECE, unsure, and whether a model qualified; then each coefficient's spread."""
    coefficients: dict[str, list[tuple[float, float]]] = defaultdict(list)
    print(f"\n{media}: seed, held-out AUC, ECE, unsure, temperature, out-of-fold ECE, band, model")
    for seed, document in enumerate(documents):
        report = document["reports"].get(media, {})
        heldout, out_of_fold = report.get("heldout", {}), report.get("out_of_fold", {})
        model = document["models"].get(media)
        shipped = "yes" if model else f"no ({report.get('skipped', 'no files')})"
        band = model["band"] if model else None
        print(
            f"  {seed}  {heldout.get('auc')}  {heldout.get('ece')}  {heldout.get('unsure_rate')}  "
            f"{report.get('temperature')}  {out_of_fold.get('ece')}  {band}  {shipped}"
        )
        if model:
            for name, pair in model["coefficients"].items():
                coefficients[name].append((pair[0], pair[1]))
    if not coefficients:
        return
    print(f"{media} coefficients over the seeds with a model: mean ± sd (towards manipulated / towards real)")
    for name, pairs in sorted(coefficients.items()):
        values = np.array(pairs)
        a, b = values.mean(axis=0), values.std(axis=0)
        print(f"  {name:<16} {a[0]:5.2f} ± {b[0]:4.2f}  /  {a[1]:5.2f} ± {b[1]:4.2f}   ({len(pairs)} fits)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, action="append", required=True, help="Training folder; repeat.")
    parser.add_argument("--out-of-fold", type=Path, action="append", default=[], help="From unmask train voice-folds.")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    console = Console(stderr=True)
    tables = [OutOfFold.read(path.expanduser()) for path in args.out_of_fold]
    documents = fits(args.data, tables, args.seeds, console)
    print(f"fusion recipe refitted with seeds 0..{args.seeds - 1}; files scanned through {DEFAULT_CACHE}")
    for media in ("image", "audio", "video"):
        summary(documents, media)


if __name__ == "__main__":
    main()
