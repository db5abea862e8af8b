"""``unmask train gan-fingerprint``: train the up-sampling fingerprint detector and write ONNX + card.

Kept apart from :mod:`unmask.models.cli` (which :func:`unmask.models.cli.train_group` adds it to) so the
face-blend command and this one can change independently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from unmask.models.cli_options import data_option, or_exit, require_torch, training_options


@click.command("gan-fingerprint")
@data_option("Folder of REAL pictures (sub-folders allowed). Never generated pictures, never the evaluation set.")
@click.option(
    "--validate",
    "gan_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder whose stylegan* sub-folders hold real GAN faces, for validation only "
    "(default: ../fake next to DATA, when present).",
)
@training_options("gan_fingerprint", minutes=20.0, pairs=32, threads=1, unit="patches")
def gan_fingerprint_command(
    data: Path,
    gan_dir: Path | None,
    out_dir: Path,
    cache_dir: Path,
    minutes: float,
    steps: int,
    seed: int,
    pairs: int,
    threads: int,
) -> None:
    """Train the GAN-fingerprint detector on real pictures in DATA and their up-sampled pseudo-fakes."""
    console = Console(stderr=True)
    require_torch(console)
    from unmask.models.gan_train import GanTrainConfig

    config = GanTrainConfig(steps=steps, minutes=minutes, seed=seed, pairs=pairs, threads=threads)
    gan_dir = gan_dir or (data.parent / "fake")
    info = or_exit(console, lambda: run_gan_fingerprint(data, gan_dir, out_dir, cache_dir, config, console))
    console.print(
        f"wrote {info['onnx_file']} ({info['onnx_bytes'] / 1e6:.2f} MB), AUC {info['val_auc']:.4f} on pseudo-fakes, "
        f"{info['gan_auc']:.4f} on real GAN faces; card {out_dir / 'gan_fingerprint.md'}, grid {info['check_grid']}"
    )


def run_gan_fingerprint(
    data: Path, gan_dir: Path, out_dir: Path, cache_dir: Path, config: Any, console: Console
) -> dict[str, Any]:
    """Load the pictures, write the check grid, train, export, check ONNX parity and write the card."""
    from unmask.models.gan_train import load_pictures, train_gan
    from unmask.models.upsampling import write_check_grid

    pictures = load_pictures(data)
    gan = load_pictures(gan_dir, "stylegan*") if gan_dir.is_dir() else None
    console.print(f"{len(pictures.paths)} real pictures: {pictures.folder_counts()}")
    if gan is not None:
        console.print(f"{len(gan.paths)} GAN pictures for validation only: {gan.folder_counts()}")
    sample = [pictures.pixels[i] for i in range(0, len(pictures.pixels), max(1, len(pictures.pixels) // 8))][:8]
    grid = write_check_grid(sample, cache_dir / "gan_fingerprint_check_grid.png", seed=config.seed)
    console.print(f"pseudo-fake check grid: {grid}")
    result = train_gan(pictures, gan, config, log=console.print)
    return _export(result, pictures, data, gan_dir if gan else None, out_dir, config, grid)


def _export(
    result: Any, pictures: Any, data: Path, gan_dir: Path | None, out_dir: Path, config: Any, grid: Path
) -> dict[str, Any]:
    import numpy as np
    import torch

    from unmask.models import export
    from unmask.models.card import portable
    from unmask.models.gan_card import write_gan_card
    from unmask.models.gan_spec import GAN_FINGERPRINT_FILE, PATCH, cut, grid_boxes, patch_inputs
    from unmask.models.network_spec import INPUT_MEAN, INPUT_STD

    path = export.export_onnx(result.model, out_dir / GAN_FINGERPRINT_FILE, size=PATCH)
    first = pictures.pixels[0]
    check = torch.from_numpy(patch_inputs(cut(first, grid_boxes(first.shape[1], first.shape[0], 8))))
    noise = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (8, 3, PATCH, PATCH)).astype(np.float32))
    parity = max(export.parity_gap(result.model, path, check), export.parity_gap(result.model, path, noise))
    info = export.run_record(result.model, path, config, result, parity)
    info.update(
        {
            "network": "GanFingerprintNet (fixed 3x3 high-pass, 5 conv-BN-ReLU blocks, global average pool, linear)",
            "size": PATCH,
            "mean": INPUT_MEAN,
            "std": INPUT_STD,
            "data": portable(data),
            "images": len(pictures.paths),
            "folder_counts": pictures.folder_counts(),
            "train_pictures": result.train_pictures,
            "val_pictures": result.val_pictures,
            "gan_pictures": result.gan_pictures,
            "gan_data": f"{gan_dir}/stylegan*" if gan_dir else "none",
            "method_counts": dict(sorted(result.method_counts.items())),
            "autoencoder_seconds": config.autoencoder_seconds,
            "val_auc": result.val_auc,
            "gan_auc": result.gan_auc,
            "check_grid": portable(grid),
        }
    )
    write_gan_card(out_dir, info)
    return info
