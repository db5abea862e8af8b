"""Training the GAN-fingerprint detector on real pictures and their up-sampled pseudo-fakes (torch, CPU).

Each step draws ``pairs`` real pictures, re-builds each through a random up-sampler
(:func:`unmask.models.upsampling.training_pair`) and takes one random 64 px patch of the real and one of
the pseudo-fake: the same content on both sides, so only the up-sampling trace separates them. No GAN
picture is ever used for training. About a tenth of the real pictures (by a hash of their path) are held
out; validation scores whole pictures the way the signal does (:func:`picture_score`) and reports two
AUCs: held-out reals vs their pseudo-fakes, and, when a folder of real GAN faces is given (e.g.
``train/fake/stylegan*``), held-out reals vs those GAN faces, which measures generalisation to a
generator the model has never seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from unmask.errors import UnmaskError
from unmask.models.faceset import holdout_mask, image_files
from unmask.models.gan_network import GanFingerprintNet
from unmask.models.gan_spec import PATCH, cut, grid_boxes, patch_inputs
from unmask.models.loop import BudgetConfig, Shuffled, train_to_budget
from unmask.models.train import roc_auc, seed_everything
from unmask.models.upsampling import TinyAutoencoder, random_crop, train_autoencoder, training_pair

Log = Callable[[str], None]
VAL_PATCHES = 16
"""Patches per picture in validation (the training and validation pictures are 64-256 px)."""


@dataclass(frozen=True)
class GanTrainConfig(BudgetConfig):
    """``pairs``: real patches per step, each with a pseudo-fake patch of the same picture."""

    autoencoder_seconds: float = 60.0


@dataclass
class Pictures:
    """Decoded RGB pictures (each at least one patch wide) and their paths relative to the data folder."""

    pixels: list[np.ndarray]
    paths: list[str]

    def folder_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for path in self.paths:
            top = path.split("/", 1)[0] if "/" in path else "."
            counts[top] = counts.get(top, 0) + 1
        return dict(sorted(counts.items()))


@dataclass
class GanTrainResult:
    model: GanFingerprintNet
    steps: int
    seconds: float
    train_pictures: int
    val_pictures: int
    gan_pictures: int
    val_auc: float = float("nan")
    """Held-out reals vs their pseudo-fakes."""
    gan_auc: float = float("nan")
    """Held-out reals vs the real GAN faces (never trained on)."""
    losses: list[float] = field(default_factory=list)
    val_history: list[tuple[int, float, float]] = field(default_factory=list)
    method_counts: dict[str, int] = field(default_factory=dict)


def load_pictures(folder: Path, pattern: str = "*", limit: int | None = None) -> Pictures:
    """Every picture under the sub-folders of ``folder`` matching ``pattern``, as RGB, skipping those
    smaller than one patch."""
    files = [f for d in sorted(folder.glob(pattern)) if d.is_dir() for f in image_files(d)]
    if pattern == "*":
        files = sorted(set(files) | {f for f in image_files(folder) if f.parent == folder})
    pixels, paths = [], []
    for file in files[:limit]:
        with Image.open(file) as image:
            rgb = np.asarray(image.convert("RGB"))
        if min(rgb.shape[:2]) >= PATCH:
            pixels.append(rgb)
            paths.append(str(file.relative_to(folder)))
    return Pictures(pixels, paths)


def picture_scores(model: nn.Module, pictures: Sequence[np.ndarray], limit: int = VAL_PATCHES) -> np.ndarray:
    """Mean patch probability of each picture over an even grid of native patches (as the signal does)."""
    model.eval()
    scores = []
    with torch.no_grad():
        for pixels in pictures:
            patches = cut(pixels, grid_boxes(pixels.shape[1], pixels.shape[0], limit))
            probs = torch.sigmoid(model(torch.from_numpy(patch_inputs(patches))))
            scores.append(float(probs.mean()))
    return np.array(scores)


def make_batch(
    pictures: Pictures, indices: np.ndarray, rng: np.random.Generator, autoencoder: TinyAutoencoder | None
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Normalised patches (reals first, then pseudo-fakes of the same pictures), labels and methods."""
    reals, fakes, methods = [], [], []
    for i in indices:
        real, fake, method = training_pair(pictures.pixels[i], rng, autoencoder)
        reals.append(random_crop(real, PATCH, rng))
        fakes.append(random_crop(fake, PATCH, rng))
        methods.append(method)
    inputs = torch.from_numpy(patch_inputs(np.stack(reals + fakes)))
    return inputs, torch.cat([torch.zeros(len(reals)), torch.ones(len(fakes))]), methods


def validation_set(
    pictures: Pictures, indices: np.ndarray, seed: int, autoencoder: TinyAutoencoder | None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Held-out reals as they are, and one degraded pseudo-fake of each (fixed seed)."""
    rng = np.random.default_rng(seed)
    reals, fakes = [], []
    for i in indices:
        _, fake, _ = training_pair(pictures.pixels[i], rng, autoencoder)
        reals.append(pictures.pixels[i])
        if min(fake.shape[:2]) >= PATCH:
            fakes.append(fake)
    return reals, fakes


def train_gan(
    pictures: Pictures,
    gan: Pictures | None,
    config: GanTrainConfig,
    log: Log = print,
    on_step: Callable[[int, float], None] | None = None,
) -> GanTrainResult:
    """Train a :class:`GanFingerprintNet` on ``pictures`` minus the hold-out; validate on the hold-out's
    pseudo-fakes and on ``gan`` (real GAN pictures, never trained on)."""
    torch.set_num_threads(config.threads)
    rng = seed_everything(config.seed)
    holdout = holdout_mask(pictures.paths)
    train_idx, val_idx = np.flatnonzero(~holdout), np.flatnonzero(holdout)
    if len(train_idx) == 0:
        raise UnmaskError("no training pictures left after the hold-out")
    start = time.monotonic()
    autoencoder = None
    if config.autoencoder_seconds > 0:
        autoencoder = train_autoencoder(
            [pictures.pixels[i] for i in train_idx], config.autoencoder_seconds, config.seed, steps=2000
        )
        log(f"autoencoder trained for {time.monotonic() - start:.0f} s")
    val_reals, val_fakes = validation_set(pictures, val_idx, config.seed + 1, autoencoder)
    model = GanFingerprintNet()
    result = GanTrainResult(model, 0, 0.0, len(train_idx), len(val_idx), len(gan.pixels) if gan else 0)
    shuffled = Shuffled(train_idx, rng)

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        inputs, labels, methods = make_batch(pictures, shuffled.take(config.pairs), rng, autoencoder)
        for method in methods:
            result.method_counts[method] = result.method_counts.get(method, 0) + 1
        return inputs, labels

    train_to_budget(
        model,
        config,
        next_batch,
        lambda step: validate(model, val_reals, val_fakes, gan, step, result, log),
        result,
        log,
        start,
        on_step,
    )
    return result


def validate(
    model: nn.Module,
    reals: list[np.ndarray],
    fakes: list[np.ndarray],
    gan: Pictures | None,
    step: int,
    result: GanTrainResult,
    log: Log,
) -> None:
    """Picture-level AUCs: held-out reals vs their pseudo-fakes, and vs the real GAN faces."""
    if not reals:
        return
    real_scores = picture_scores(model, reals)
    fake_scores = picture_scores(model, fakes)
    result.val_auc = _auc(real_scores, fake_scores)
    if gan is not None and gan.pixels:
        result.gan_auc = _auc(real_scores, picture_scores(model, gan.pixels))
    result.val_history.append((step, result.val_auc, result.gan_auc))
    log(
        f"step {step}: AUC {result.val_auc:.4f} on {len(reals)} held-out reals vs their pseudo-fakes, "
        f"{result.gan_auc:.4f} vs {result.gan_pictures} real GAN faces (validation only)"
    )


def _auc(real_scores: np.ndarray, fake_scores: np.ndarray) -> float:
    labels = np.r_[np.zeros(len(real_scores)), np.ones(len(fake_scores))]
    return roc_auc(np.r_[real_scores, fake_scores], labels)
