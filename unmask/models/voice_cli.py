"""``unmask train voice``: train the synthetic-speech detector and write ONNX + card.

Kept apart from :mod:`unmask.models.cli` (which adds it to the ``train`` group), as the GAN-fingerprint
command is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from unmask.models.cli_options import CACHE_ROOT, data_option, or_exit, require_torch, training_options

ESPEAK_CLIPS, FLITE_CLIPS, RESYNTH_CLIPS = 160, 60, 150
PREPARATION = 1
"""Bump when the clips are prepared differently (front end, made fakes, codecs): old caches are then ignored."""


@click.command("voice")
@data_option("Labelled TRAINING speech (manifest.csv: relpath,label,kind with labels real/fake). Never the dev set.")
@training_options("voice", minutes=20.0, pairs=32, threads=1, unit="clips")
def voice_command(
    data: Path, out_dir: Path, cache_dir: Path, minutes: float, steps: int, seed: int, pairs: int, threads: int
) -> None:
    """Train the synthetic-speech detector on DATA plus fakes made here, and export it to ONNX."""
    console = Console(stderr=True)
    require_torch(console)
    from unmask.models.voice_train import VoiceTrainConfig

    config = VoiceTrainConfig(steps=steps, minutes=minutes, seed=seed, pairs=pairs, threads=threads)
    info = or_exit(console, lambda: run_voice(data, out_dir, cache_dir, config, console))
    console.print(
        f"wrote {info['onnx_file']} ({info['onnx_bytes'] / 1e6:.2f} MB), held-out AUC {info['val_auc']:.4f}, "
        f"EER {info['val_eer']:.4f}; card {out_dir / 'voice.md'}"
    )


def gather(data: Path, seed: int, log: Any = print) -> Any:
    """The labelled clips plus the fakes made here (espeak-ng, flite, Griffin-Lim of real training clips)."""
    import numpy as np

    from unmask.models.faceset import holdout_mask
    from unmask.models.voice_data import espeak_clips, flite_clips, load_labelled, resynthesised

    rng = np.random.default_rng(seed)
    clips = load_labelled(data, rng, log=log)
    labelled = len(clips)
    log(f"{labelled} labelled clips: {clips.counts()}")
    train_reals = np.flatnonzero((np.array(clips.labels) == 0) & ~holdout_mask(clips.paths))
    chosen = rng.choice(train_reals, size=min(RESYNTH_CLIPS, len(train_reals)), replace=False)
    for made in (espeak_clips(ESPEAK_CLIPS, rng), flite_clips(FLITE_CLIPS, rng), resynthesised(clips, chosen, rng)):
        clips.extend(made)
    log(f"with the fakes made here: {clips.counts()}")
    return clips, labelled


def prepared(data: Path, cache_dir: Path, seed: int, log: Any = print) -> tuple[Any, list[Any], int]:
    """The clips and their re-encoded copies, from the cache when an earlier run with this seed prepared
    them from the same manifest (making them takes minutes; training then starts at once)."""
    import hashlib
    import pickle

    import numpy as np

    from unmask.models.voice_data import codec_copies

    key = hashlib.sha256(
        f"{data.resolve()}|{(data / 'manifest.csv').stat().st_mtime_ns}|{seed}|{PREPARATION}".encode()
    ).hexdigest()
    cached = cache_dir / f"prepared-{key[:16]}.pkl"
    if cached.is_file():
        with cached.open("rb") as handle:
            clips, copies, labelled = pickle.load(handle)  # our own cache, written below
        log(f"prepared clips from the cache {cached}: {clips.counts()}")
        return clips, copies, labelled
    clips, labelled = gather(data, seed, log)
    copies = codec_copies(clips, np.random.default_rng(seed + 1))
    log(f"{len(copies)} re-encoded copies made")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as handle:
        pickle.dump((clips, copies, labelled), handle)
    return clips, copies, labelled


def run_voice(data: Path, out_dir: Path, cache_dir: Path, config: Any, console: Console) -> dict[str, Any]:
    """Gather the clips, make their re-encoded copies, train, export, check ONNX parity, write the card."""
    from unmask.models.voice_train import train_voice

    clips, copies, labelled = prepared(data, cache_dir, config.seed, console.print)
    result = train_voice(clips, copies, config, log=console.print)
    return export_voice(result, clips, labelled, data, out_dir, config)


def export_voice(result: Any, clips: Any, labelled: int, data: Path, out_dir: Path, config: Any) -> dict[str, Any]:
    """ONNX (dynamic batch and length), the torch/onnxruntime gap on real clips and noise, and the card."""
    import numpy as np
    import torch

    from unmask.models import export
    from unmask.models.card import portable
    from unmask.models.voice_card import write_voice_card
    from unmask.models.voice_data import SOURCE_CAP
    from unmask.models.voice_features import MODEL_BINS
    from unmask.models.voice_runtime import INPUT_NAME, OUTPUT_NAME, VOICE_FILE, segment_inputs

    check = torch.from_numpy(segment_inputs(clips.samples[:: max(1, len(clips) // 8)][:8]))
    path = export.export_onnx(
        result.model, out_dir / VOICE_FILE, example=check[:1], input_name=INPUT_NAME, dynamic={3: "frames"}
    )
    noise = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (4, 1, MODEL_BINS, 150)).astype(np.float32))
    parity = max(
        export.parity_gap(result.model, path, check, INPUT_NAME),
        export.parity_gap(result.model, path, noise, INPUT_NAME),
    )
    info = export.run_record(result.model, path, config, result, parity)
    info.update(
        {
            "network": "VoiceNet (5 stride-2 conv-BN-ReLU blocks, mean+max over time, linear over 5 bands)",
            "input_name": INPUT_NAME,
            "output_name": OUTPUT_NAME,
            "bins": MODEL_BINS,
            "data": portable(data),
            "labelled": labelled,
            "cap": SOURCE_CAP,
            "clip_counts": clips.counts(),
            "train_clips": result.train_clips,
            "val_clips": result.val_clips,
            "val_auc": result.val_auc,
            "val_eer": result.val_eer,
        }
    )
    write_voice_card(out_dir, info)
    return info


@click.command("voice-folds")
@data_option("The labelled training speech `unmask train voice` learned from (manifest.csv). Never the dev set.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=CACHE_ROOT / "voice" / "out-of-fold.jsonl",
    show_default=True,
    help="Where the out-of-fold scores go (JSON lines; `unmask train fusion --out-of-fold` reads them).",
)
@click.option("--folds", type=click.IntRange(min=2), default=3, show_default=True, help="Folds of systems and sources.")
@click.option("--minutes", type=float, default=7.0, show_default=True, help="Training budget per fold.")
@click.option("--steps", type=int, default=100_000, show_default=True, help="At most this many steps per fold.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=int, default=1, show_default=True, help="torch threads.")
def voice_folds_command(data: Path, out: Path, folds: int, minutes: float, steps: int, seed: int, threads: int) -> None:
    """Score every clip of DATA with a voice model that never heard its system or source (cross-fitting),
    for fitting the audio fuser on honest scores. Writes no weights."""
    console = Console(stderr=True)
    require_torch(console)
    from unmask.models.voice_folds import cross_fit, labelled_rows
    from unmask.models.voice_train import VoiceTrainConfig

    config = VoiceTrainConfig(steps=steps, minutes=minutes, seed=seed, pairs=32, threads=threads)
    total = len(or_exit(console, lambda: labelled_rows(data)))
    clips, copies, _ = or_exit(console, lambda: prepared(data, CACHE_ROOT / "voice", seed, console.print))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("files scored out of fold", total=total)
        header = or_exit(
            console,
            lambda: cross_fit(data, out, clips, copies, folds, config, console.print, lambda: bar.advance(task)),
        )
    console.print(f"wrote {out}: {header['files']} files, out-of-fold AUC {header['auc']}")
