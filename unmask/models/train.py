"""Training the face-blend detector on real faces and their self-blended copies (torch, CPU).

Each step draws ``pairs`` real crops and makes a fresh pseudo-fake of each (:func:`training_pair`), so
every batch holds the same faces once real and once blended: the only thing that tells them apart is
the paste step, which is what the model must learn (the SBI recipe). A share of the pseudo-fakes
(``cross_share``) is blended from another training face (:class:`Donors`) instead of the face's own
copy. About a tenth of the images, chosen by a hash of their path, are held out; their pairs (self-blends
only, drawn once with a fixed seed) give the validation AUC. Training stops at ``steps`` or after
``minutes`` of wall clock, whichever comes first, with the learning rate following a cosine over
whichever of the two runs out first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from unmask.errors import UnmaskError
from unmask.evaluation.metrics import auc
from unmask.models.faceset import FaceSet
from unmask.models.loop import BudgetConfig, Shuffled, train_to_budget
from unmask.models.network import FaceBlendNet, normalise
from unmask.models.synthesis import MESH_POINTS, is_grey, training_pair

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig(BudgetConfig):
    minutes: float = 30.0
    pairs: int = 16
    """Real faces per step; each comes with its pseudo-fake, so a batch holds twice as many crops."""
    log_every: int = 25
    val_every: int = 400
    threads: int = 2
    cross_share: float = 0.6
    """Share of pseudo-fakes that get another training face instead of an altered copy of their own
    (:func:`unmask.models.synthesis.cross_blend`); 0 is the pure self-blend recipe of face_blend 1.0-1.1."""


@dataclass
class TrainResult:
    model: FaceBlendNet
    steps: int
    seconds: float
    val_auc: float
    val_faces: int
    train_faces: int
    losses: list[float] = field(default_factory=list)
    """Mean training loss of each logging window."""
    val_history: list[tuple[int, float]] = field(default_factory=list)


def seed_everything(seed: int) -> np.random.Generator:
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


DONOR_CHOICES = 8
"""Random candidates a cross-blend's donor is picked from by landmarks (as the lab's warp-bench picks by pose)."""


class Donors:
    """Picks the face a cross-blend takes its donor from: of ``DONOR_CHOICES`` random faces of the pool with the
    same colouring (grey or colour), the one whose landmarks lie nearest the target's in the aligned crop, as
    Face X-ray searched its donors by landmarks, so the warp stays small."""

    def __init__(self, faces: FaceSet, pool: np.ndarray) -> None:
        self.faces = faces
        self.grey = np.array([is_grey(crop) for crop in faces.crops], dtype=bool)
        self.pools = {True: pool[self.grey[pool]], False: pool[~self.grey[pool]]}
        self.shapes = faces.landmarks[:, :MESH_POINTS:8, :2].reshape(len(faces), -1).astype(np.float32)

    def pick(self, target: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        pool = self.pools[bool(self.grey[target])]
        if len(pool) < 2:
            return None
        draws = pool[rng.integers(len(pool), size=DONOR_CHOICES)]
        draws = draws[draws != target]
        if len(draws) == 0:
            return None
        nearest = int(draws[np.argmin(np.linalg.norm(self.shapes[draws] - self.shapes[target], axis=1))])
        return self.faces.crops[nearest], self.faces.landmarks[nearest]


def make_batch(
    faces: FaceSet,
    indices: np.ndarray,
    rng: np.random.Generator,
    donors: Donors | None = None,
    cross_share: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised crops (real ones first, then their pseudo-fakes) and labels (0 real, 1 blended); with
    ``donors``, a ``cross_share`` of the pseudo-fakes are cross-blends."""
    reals, fakes = [], []
    for i in indices:
        donor = donors.pick(int(i), rng) if donors is not None and rng.random() < cross_share else None
        real, fake, _ = training_pair(faces.crops[i], faces.landmarks[i], rng, donor)
        reals.append(real)
        fakes.append(fake)
    pixels = torch.from_numpy(np.stack(reals + fakes))
    labels = torch.cat([torch.zeros(len(reals)), torch.ones(len(fakes))])
    return normalise(pixels), labels


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """:func:`unmask.evaluation.metrics.auc` for training logs, NaN (not None) without both classes."""
    value = auc(np.asarray(labels).astype(int).tolist(), np.asarray(scores).tolist())
    return float("nan") if value is None else value


@torch.no_grad()
def predict(model: nn.Module, inputs: torch.Tensor, batch: int = 128) -> np.ndarray:
    """Blend probabilities for normalised inputs, in eval mode."""
    model.eval()
    outs = [torch.sigmoid(model(inputs[i : i + batch])) for i in range(0, len(inputs), batch)]
    return torch.cat(outs).numpy() if outs else np.zeros(0, dtype=np.float32)


def train(
    faces: FaceSet,
    holdout: np.ndarray,
    config: TrainConfig,
    log: Log = print,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train a :class:`FaceBlendNet` on ``faces`` minus ``holdout`` (boolean per face) and validate on the rest."""
    torch.set_num_threads(config.threads)
    rng = seed_everything(config.seed)
    train_idx, val_idx = np.flatnonzero(~holdout), np.flatnonzero(holdout)
    if len(train_idx) == 0:
        raise UnmaskError("no training faces left after the hold-out")
    if len(val_idx) == 0:
        raise UnmaskError("no face was held out for validation (10 % are, by path hash): give more faces")
    val_inputs, val_labels = make_batch(faces, val_idx, np.random.default_rng(config.seed + 1))
    model = FaceBlendNet()
    result = TrainResult(model, 0, 0.0, float("nan"), len(val_idx), len(train_idx))
    start = time.monotonic()
    shuffled = Shuffled(train_idx, rng)
    donors = Donors(faces, train_idx) if config.cross_share > 0 else None
    train_to_budget(
        model,
        config,
        lambda: make_batch(faces, shuffled.take(config.pairs), rng, donors, config.cross_share),
        lambda step: _validate(model, val_inputs, val_labels, step, result, log),
        result,
        log,
        start,
        on_step,
    )
    return result


def _validate(
    model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, step: int, result: TrainResult, log: Log
) -> None:
    auc = roc_auc(predict(model, inputs), labels.numpy())
    result.val_auc = auc
    result.val_history.append((step, auc))
    log(f"step {step}: validation AUC {auc:.4f} ({len(labels) // 2} held-out faces and their pseudo-fakes)")
