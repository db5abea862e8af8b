"""Voice detector on the dev set beside the checkout: EER and AUC per fake kind, the drop under MP3/AAC
64 kb/s re-encoding and the 8 kHz telephone band, and the real-time factor on a 60 s clip.

Reads the dev set's audio rows (``manifest.csv`` rows under ``audio/``; never the training data), decodes
each file as a scan does (16 kHz mono), and scores it with the ``voice`` signal's own code
(:func:`unmask.signals.voice.score_samples`: mean probability of the 2 s speech segments). Each transform
of :mod:`unmask.evaluation.robustness` is applied to every file, real and fake alike, and the file is
scored again. Note: in this dev set every fake is an MP3 and most reals are FLAC/WAV; the ``mp3-64k``
row, where every file has been through the same encoder, is the one free of that codec difference.
Nothing is tuned here.

    .venv/bin/python bench/voice_eval.py [--data ../shared/data] [--transforms mp3-64k,aac-64k,phone-8k]
    .venv/bin/python bench/voice_eval.py --speed-only
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import auc, eer

from unmask.errors import MediaError
from unmask.evaluation.robustness import TRANSFORMS
from unmask.media.speech import SPEECH_RATE, load_speech

AUDIO_TRANSFORMS = {t.name: t for t in TRANSFORMS if t.media == "audio"}
Scorer = Callable[[np.ndarray], float | None]


@dataclass(frozen=True)
class Row:
    path: Path
    label: int
    kind: str


def dev_rows(data: Path) -> list[Row]:
    """The labelled audio rows of the dev set's manifest (real = 0, fake = 1)."""
    with (data / "manifest.csv").open(newline="") as handle:
        rows = [
            r for r in csv.DictReader(handle) if r["relpath"].startswith("audio/") and r["label"] in ("real", "fake")
        ]
    return [Row(data / r["relpath"], int(r["label"] == "fake"), r["kind"]) for r in rows]


def condition_samples(rows: list[Row], transform: str | None, folder: Path) -> list[np.ndarray | None]:
    """Each file's 16 kHz samples, after ``transform`` when one is named (``None`` for a file that fails)."""
    out: list[np.ndarray | None] = []
    for row in rows:
        try:
            path = row.path if transform is None else AUDIO_TRANSFORMS[transform].apply(row.path, folder)
            out.append(load_speech(path))
        except MediaError as error:
            print(f"  skipped {error}", file=sys.stderr)
            out.append(None)
    return out


def report(name: str, rows: list[Row], scores: list[float | None]) -> tuple[float | None, float | None]:
    """Print overall and per-kind AUC/EER (each fake kind against all reals); return overall AUC, EER."""
    kept = [(r, s) for r, s in zip(rows, scores, strict=True) if s is not None]
    labels, values = [r.label for r, _ in kept], [s for _, s in kept]
    a, e = auc(labels, values), eer(labels, values)
    skipped = len(rows) - len(kept)
    print(f"{name:<10} all        AUC {_f(a)}  EER {_f(e)}  real {labels.count(0)} / fake {labels.count(1)}"
          + (f"  (no speech or failed: {skipped})" if skipped else ""))  # fmt: skip
    reals = [(r, s) for r, s in kept if r.label == 0]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r, s in kept:
        by_kind[r.kind].append(s)
    for kind in sorted(k for k in by_kind if any(r.kind == k and r.label == 1 for r, _ in kept)):
        fakes = by_kind[kind]
        y = [0] * len(reals) + [1] * len(fakes)
        v = [s for _, s in reals] + fakes
        line = f"AUC {_f(auc(y, v))}  EER {_f(eer(y, v))}  mean score {np.mean(fakes):.3f} (n={len(fakes)})"
        print(f"{'':<10} {kind:<10} {line}")
    for kind in sorted(k for k in by_kind if all(r.label == 0 for r, _ in kept if r.kind == k)):
        print(f"{'':<10} {kind:<10} mean score {np.mean(by_kind[kind]):.3f} (n={len(by_kind[kind])}, real)")
    return a, e


def _f(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def evaluate(data: Path, transforms: list[str], scorer: Scorer, title: str) -> None:
    """The table: original files, then each transform, then the drops."""
    rows = dev_rows(data)
    print(f"{title} on {data} ({len(rows)} audio files)")
    results: dict[str, tuple[float | None, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for transform in [None, *transforms]:
            samples = condition_samples(rows, transform, Path(tmp))
            scores = [None if s is None else scorer(s) for s in samples]
            results[transform or "original"] = report(transform or "original", rows, scores)
    base_auc, base_eer = results["original"]
    for name in transforms:
        a, e = results[name]
        if None not in (a, base_auc, e, base_eer):
            print(f"drop under {name}: AUC {base_auc - a:+.3f} (to {a:.3f}), EER {e - base_eer:+.3f} (to {e:.3f})")  # type: ignore[operator]


def voice_scorer() -> Scorer:
    from unmask.signals.voice import score_samples

    def score(samples: np.ndarray) -> float | None:
        scored = score_samples(samples)
        return None if scored is None else scored[0]

    return score


def speed(seconds: float = 60.0, repeats: int = 3) -> None:
    """Time the signal's work (VAD, segments, features, model; then also the timeline plot) on 60 s of
    speech made by tiling a dev-set-free espeak-ng utterance, with onnxruntime on one thread."""
    from unmask.media.types import AudioTrack
    from unmask.models.voice_data import espeak_clips, flite_clips
    from unmask.signals.voice import score_samples, timeline

    made = espeak_clips(3, np.random.default_rng(0)).samples or flite_clips(3, np.random.default_rng(0)).samples
    pause = np.zeros(int(0.4 * SPEECH_RATE), np.float32)
    one = np.concatenate([np.concatenate([m, pause]) for m in made])
    clip = np.tile(one, int(np.ceil(seconds * SPEECH_RATE / len(one))))[: int(seconds * SPEECH_RATE)]
    score_samples(clip[: 4 * SPEECH_RATE])  # load the model once, as a batch or a server does
    times, plot_times, segments = [], [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        scored = score_samples(clip)
        times.append(time.perf_counter() - start)
        assert scored is not None
        track = AudioTrack(clip, SPEECH_RATE, SPEECH_RATE, 1, "pcm")
        start = time.perf_counter()
        timeline(clip, track, scored[1], scored[2])
        plot_times.append(time.perf_counter() - start)
        segments = len(scored[1])
    best, plot = min(times), min(plot_times)
    print(f"speed: {seconds:.0f} s clip, {segments} segments, VAD+features+model {best:.3f} s "
          f"= {seconds / best:.0f}x real time; with the timeline plot {best + plot:.3f} s = "
          f"{seconds / (best + plot):.0f}x (best of {repeats}, one onnxruntime thread, "
          f"{os.cpu_count()} CPUs shared with other jobs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--transforms", default=",".join(AUDIO_TRANSFORMS))
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if not args.speed_only:
        chosen = [t for t in args.transforms.split(",") if t]
        evaluate(args.data, chosen, voice_scorer(), "voice CNN (unmask/models/weights/voice.onnx)")
    speed()


if __name__ == "__main__":
    main()
