"""How does the image fuser judge a kind of fake it never saw? Leave one kind out, fit, score that kind.

Every fake on the dev set, and on the hidden set that judges unmask, was made by a mechanism the fuser
did not train on (real-world face swaps, StyleGAN2-ADA portraits). The held-out split of ``unmask train
fusion`` holds the same mechanisms as the fit, so it cannot show how the fit carries over to a new one.
:func:`unmask.fusion.train.unseen_kind_auc` can, on training data alone: for one manifest kind of fake,
the recipe runs on the files without it and the result scores that kind's fakes against the held-out
reals (``unmask train fusion`` reports it for its own seed as ``reports.<media>.unseen_kind_auc``).

This bench repeats that for seeds 0..N-1 (each draws other files and another split) and prints, per
left-out kind, the mean and spread of the AUC for the rule (every signal at weight 1) and for each
shrinkage given with ``--l2`` (towards the rule's weight 1; the shipped recipe uses
:data:`unmask.fusion.train.L2`), then the pooled held-out AUC with every kind seen. The dev set is
never read.

    .venv/bin/python bench/fusion_unseen_kinds.py --data ../shared/data/train --data ../lab-out/swap-bench \\
        --data ../lab-out/gan-bench --data ../lab-out/swap-clips [--seeds 5] [--l2 0.1 --l2 1]

Files are scanned through the fusion signal cache, so after ``unmask train fusion`` this takes seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from unmask.evaluation import metrics
from unmask.evaluation.labels import labelled_files
from unmask.fusion.train import (
    DEFAULT_CACHE,
    L2,
    PER_CLASS,
    KindData,
    Row,
    SignalCache,
    build_data,
    fit_calibrated,
    sample_files,
    signal_results,
    split,
    unseen_kind_auc,
)

Variant = float | None
"""A shrinkage for the fit, or None for the rule."""


def image_data(folders: list[Path], seed: int, cache: SignalCache) -> KindData:
    """The image rows ``unmask train fusion --seed seed`` would fit on (files that fail to decode dropped)."""
    files = [f for folder in folders for f in labelled_files(folder)[0]]
    rows: list[Row] = []
    for file in sample_files(files, {"image": PER_CLASS["image"]}, seed):
        scanned = signal_results(file, cache)
        if scanned is not None and scanned[1] == "image":
            rows.append((file, scanned[2]))
    return build_data(rows)


def left_out_auc(data: KindData, kind: str, seed: int, variant: Variant) -> float:
    if variant is not None:
        value = unseen_kind_auc(data, kind, seed, l2=variant)
    else:
        left_out = (np.asarray(data.kinds) == kind) & (data.y == 1)
        _, test_rows = split(data.y, seed)
        chosen = np.concatenate([test_rows[data.y[test_rows] == 0], np.flatnonzero(left_out)])
        value = metrics.auc(list(data.y[chosen]), list(data.x[chosen].sum(axis=1)))
    return np.nan if value is None else value


def pooled_auc(data: KindData, seed: int, variant: Variant) -> float:
    """Held-out AUC of a fit on every kind, as ``unmask train fusion`` reports it."""
    fit_rows, test_rows = split(data.y, seed)
    if variant is None:
        coefficients = np.ones(data.x.shape[1])
    else:
        coefficients = fit_calibrated(data, fit_rows, seed, variant).coefficients
    value = metrics.auc(list(data.y[test_rows]), list(data.x[test_rows] @ coefficients))
    return np.nan if value is None else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, action="append", required=True, help="Training folder; repeat.")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--l2", type=float, action="append", help=f"Shrinkage to compare (default: {L2}).")
    args = parser.parse_args()
    variants: list[Variant] = [None, *(args.l2 or [L2])]
    names = ["rule", *(f"fit l2={v:g}" for v in args.l2 or [L2])]
    cache = SignalCache(DEFAULT_CACHE)
    table: dict[str, list[list[float]]] = {}
    pooled: list[list[float]] = []
    for seed in range(args.seeds):
        data = image_data(args.data, seed, cache)
        for kind in sorted({k for k, y in zip(data.kinds, data.y, strict=True) if y == 1}):
            table.setdefault(kind, []).append([left_out_auc(data, kind, seed, v) for v in variants])
        pooled.append([pooled_auc(data, seed, v) for v in variants])
    print(f"image fuser, each kind of fake left out of the fit: AUC vs held-out reals, over {args.seeds} seeds")
    print(f"{'left-out kind':<26}" + "".join(f"{n:>18}" for n in names))
    for kind, runs in sorted(table.items()):
        values = np.array(runs)
        cells = "".join(f"{m:>11.3f} ± {s:.3f}" for m, s in zip(values.mean(0), values.std(0), strict=True))
        print(f"{kind:<26}{cells}")
    overall = np.nanmean(np.array([np.array(runs).mean(0) for runs in table.values()]), axis=0)
    print(f"{'mean over left-out kinds':<26}" + "".join(f"{v:>18.3f}" for v in overall))
    print(f"{'every kind seen (pooled)':<26}" + "".join(f"{v:>18.3f}" for v in np.nanmean(pooled, axis=0)))


if __name__ == "__main__":
    main()
