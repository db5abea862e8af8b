"""Does the voice detector catch speech systems it never heard? A leave-systems-out run on the training set.

The shipped ``voice`` model trains on every system of ``train_audio`` and is at chance on the dev set's
Tortoise-TTS. This bench tells "Tortoise is unlike the rest" from "the model does not carry over to new
systems", without looking at the dev set: it splits ``train_audio``'s synthetic systems in two by a
hash of the system name (half are never seen), and its real clips by a hash of the path; trains the
same network, with the same made fakes (espeak-ng, flite, Griffin-Lim) and the same budget logic as
``unmask train voice``, on the seen half; and scores the unseen half. Prints AUC and EER on unseen
systems (and, for comparison, on the seen systems' held-out clips), and the mean score per unseen system.

Reuses the prepared clips that ``unmask train voice`` caches (``~/.cache/unmask/voice``); the first run
without that cache spends about 6 minutes preparing them.

    nice -n 10 .venv/bin/python bench/voice_unseen_systems.py [--data ../shared/data/train_audio] [--minutes 10]
"""

from __future__ import annotations

import argparse
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console

from unmask.evaluation.metrics import auc, eer
from unmask.models.cli_options import CACHE_ROOT
from unmask.models.faceset import holdout_mask
from unmask.models.voice_cli import prepared
from unmask.models.voice_train import VoiceTrainConfig, clip_scores, train_voice


def unseen(kind: str, path: str, label: int) -> bool:
    """The half never trained on: synthetic systems by a hash of their name (made fakes always train),
    real clips by a hash of their path."""
    if kind.startswith("made:"):
        return False
    key = kind if label == 1 else path
    return zlib.crc32(key.encode()) % 2 == 1


def report(console: Console, title: str, labels: list[int], scores: list[float]) -> None:
    a, e = auc(labels, scores), eer(labels, scores)
    shown = "n/a" if a is None or e is None else f"AUC {a:.3f}, EER {e:.3f}"
    console.print(f"{title}: {shown} ({labels.count(0)} real, {labels.count(1)} synthetic clips)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/train_audio"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    console = Console(stderr=True)
    clips, copies, _ = prepared(args.data, CACHE_ROOT / "voice", args.seed, console.print)
    hidden = np.array([unseen(k, p, y) for k, p, y in zip(clips.kinds, clips.paths, clips.labels, strict=True)])
    seen_clips = clips.subset(~hidden)
    seen_copies = [copies[i] for i in np.flatnonzero(~hidden)]
    systems = sorted({k for k, y, h in zip(clips.kinds, clips.labels, hidden, strict=True) if y == 1 and h})
    console.print(f"training on {len(seen_clips)} clips; {int(hidden.sum())} clips of {len(systems)} systems unseen")
    config = VoiceTrainConfig(minutes=args.minutes, seed=args.seed, pairs=32, threads=1)
    result = train_voice(seen_clips, seen_copies, config, log=console.print)
    console.print(f"trained {result.steps} steps in {result.seconds:.0f} s")

    unseen_idx = np.flatnonzero(hidden)
    scores = clip_scores(result.model, [clips.samples[i] for i in unseen_idx]).tolist()
    labels = [clips.labels[i] for i in unseen_idx]
    held = np.flatnonzero(holdout_mask(seen_clips.paths))
    seen_scores = clip_scores(result.model, [seen_clips.samples[i] for i in held]).tolist()
    print(f"voice network, {result.steps} steps, seed {args.seed}; unseen half chosen by hash, never by result")
    report(console, "seen systems, held-out clips", [seen_clips.labels[i] for i in held], seen_scores)
    report(console, "unseen systems and unseen real clips", labels, scores)
    by_system: dict[str, list[float]] = defaultdict(list)
    for i, score in zip(unseen_idx, scores, strict=True):
        by_system[clips.kinds[i] if clips.labels[i] else "real"].append(score)
    for name in ["real", *systems]:
        values = by_system[name]
        console.print(f"  {name:<36} mean score {np.mean(values):.3f} over {len(values)} clips")


if __name__ == "__main__":
    main()
