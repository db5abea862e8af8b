"""``unmask train ...``: train the learned detectors here, on CPU, and write ONNX weights plus a model card.

Needs the ``train`` extra (torch, onnx); imports it only when a training command runs, so the rest of
the command line works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from unmask.models.cli_options import data_option, or_exit, require_torch, training_options

if TYPE_CHECKING:
    from unmask.models.train import TrainConfig


@click.group("train")
def train_group() -> None:
    """Train the learned detectors (needs `pip install unmask[train]`)."""


@train_group.command("face-blend")
@data_option("Folder of REAL face images (sub-folders allowed). Never fakes, never the evaluation set.")
@training_options("face_blend", minutes=30.0, pairs=16, threads=2, unit="faces")
@click.option(
    "--cross-share",
    type=click.FloatRange(0.0, 1.0),
    default=0.6,
    show_default=True,
    help="Share of pseudo-fakes blended from another training face instead of the face's own altered copy.",
)
def face_blend_command(
    data: Path,
    out_dir: Path,
    cache_dir: Path,
    minutes: float,
    steps: int,
    seed: int,
    pairs: int,
    threads: int,
    cross_share: float,
) -> None:
    """Train the face-swap detector on real faces in DATA and their self- and cross-blends; export it to ONNX."""
    console = Console(stderr=True)
    require_torch(console)
    from unmask.models.train import TrainConfig

    config = TrainConfig(steps=steps, minutes=minutes, seed=seed, pairs=pairs, threads=threads, cross_share=cross_share)
    info = or_exit(console, lambda: run_face_blend(data, out_dir, cache_dir, config, console))
    console.print(
        f"wrote {info['onnx_file']} ({info['onnx_bytes'] / 1e6:.2f} MB), validation AUC {info['val_auc']:.4f}, "
        f"card {out_dir / 'face_blend.md'}, check grid {info['check_grid']}"
    )


def run_face_blend(data: Path, out_dir: Path, cache_dir: Path, config: TrainConfig, console: Console) -> dict[str, Any]:
    """Find and cache the faces, train, export, check ONNX parity and write the card; returns the card's numbers."""
    from unmask.models.faceset import holdout_mask, image_files, load_faceset
    from unmask.models.synthesis import write_check_grid
    from unmask.models.train import train

    with _bar(console, "finding faces") as bar:
        task = bar.add_task("finding faces", total=None)
        faces = load_faceset(
            data, cache_dir, on_progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    images = len(image_files(data))
    console.print(f"{len(faces)} faces in {images} images: {faces.folder_counts()}")
    sample = list(range(0, len(faces), max(1, len(faces) // 16)))[:16]
    grid = write_check_grid(
        [faces.crops[i] for i in sample],
        [faces.landmarks[i] for i in sample],
        cache_dir / "face_blend_check_grid.png",
        seed=config.seed,
    )
    console.print(f"synthesis check grid: {grid}")
    holdout = holdout_mask(faces.paths)
    with _bar(console, "training") as bar:
        task = bar.add_task("training", total=1.0)
        result = train(
            faces,
            holdout,
            config,
            log=console.print,
            on_step=lambda step, progress: bar.update(task, completed=min(progress, 1.0)),
        )
    return _export(result, faces, data, images, out_dir, config, grid)


def _export(result: Any, faces: Any, data: Path, images: int, out_dir: Path, config: Any, grid: Path) -> dict[str, Any]:
    import numpy as np
    import torch

    from unmask.models import export
    from unmask.models.card import portable, write_card
    from unmask.models.crops import CROP_SIZE
    from unmask.models.network import INPUT_MEAN, INPUT_STD, normalise

    path = export.export_onnx(result.model, out_dir / "face_blend.onnx")
    check = normalise(torch.from_numpy(np.ascontiguousarray(faces.crops[:32])))
    info = export.run_record(result.model, path, config, result, export.parity_gap(result.model, path, check))
    info.update(
        {
            "network": "FaceBlendNet (7 conv-BN-ReLU blocks, global average pool, linear)",
            "size": CROP_SIZE,
            "mean": INPUT_MEAN,
            "std": INPUT_STD,
            "data": portable(data),
            "images": images,
            "faces_found": len(faces),
            "folder_counts": faces.folder_counts(),
            "train_faces": result.train_faces,
            "val_faces": result.val_faces,
            "val_auc": result.val_auc,
            "cross_share": config.cross_share,
            "check_grid": portable(grid),
        }
    )
    write_card(out_dir, info)
    return info


def _bar(console: Console, label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@train_group.command("fusion")
@data_option(
    "Labelled TRAINING folder (manifest.csv or real/ and fake/ sub-folders); repeat for more. Never the dev set.",
    multiple=True,
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Default: the shipped fusion.json.")
@click.option(
    "--cache", "cache", type=click.Path(dir_okay=False, path_type=Path), help="Per-file signal cache (JSONL)."
)
@click.option("--limit", type=int, default=None, help="At most this many files per class and media kind.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out-of-fold",
    "out_of_fold",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Scores from `unmask train voice-folds`: replace the voice model's in-sample scores of its own "
    "training speech (audio gets a model only with them).",
)
@click.option(
    "--media",
    "media_kinds",
    multiple=True,
    type=click.Choice(["image", "video", "audio"]),
    help="Refit only this media kind (repeatable); the others keep their models from the file at --out. "
    "Default: every kind.",
)
def fusion_command(
    data: tuple[Path, ...],
    out: Path | None,
    cache: Path | None,
    limit: int | None,
    seed: int,
    out_of_fold: tuple[Path, ...],
    media_kinds: tuple[str, ...],
) -> None:
    """Fit the calibrated fuser on signal results of the labelled media in DATA and write fusion.json."""
    from unmask.fusion.learned import WEIGHTS_PATH
    from unmask.fusion.train import DEFAULT_CACHE, train_fusion
    from unmask.models.voice_folds import OutOfFold

    console = Console(stderr=True)
    tables = or_exit(console, lambda: [OutOfFold.read(path) for path in out_of_fold])
    with _bar(console, "scanning") as bar:
        task = bar.add_task("scanning", total=None)
        document = or_exit(
            console,
            lambda: train_fusion(
                list(data),
                out or WEIGHTS_PATH,
                cache or DEFAULT_CACHE,
                limit,
                seed,
                log=console.print,
                on_file=lambda done, total: bar.update(task, completed=done, total=total),
                out_of_fold=tables,
                media_kinds=media_kinds,
            ),
        )
    console.print(f"wrote {out or WEIGHTS_PATH}: models for {', '.join(document['models']) or 'no media kind'}")


from unmask.models.ensemble_cli import face_blend_ensemble_command  # noqa: E402
from unmask.models.gan_cli import gan_fingerprint_command  # noqa: E402
from unmask.models.voice_cli import voice_command, voice_folds_command  # noqa: E402

train_group.add_command(face_blend_ensemble_command)
train_group.add_command(gan_fingerprint_command)
train_group.add_command(voice_command)
train_group.add_command(voice_folds_command)
