"""Training the voice detector on real and synthetic speech (torch, CPU), with the shared loop of
:mod:`unmask.models.loop`.

Each step draws ``pairs`` real and ``pairs`` synthetic clips, takes a random 2 s crop of each (a short
clip is tiled), uses its re-encoded copy half of the time, and puts a fifth of the crops through the
telephone band and a tenth through the 4 kHz band limit, whatever their label. About a tenth of the clips
(by a hash of their path) are held out; validation scores each whole held-out clip the way the signal
does (mean probability of its speech segments) and reports AUC and EER.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from unmask.errors import UnmaskError
from unmask.evaluation.metrics import auc, eer
from unmask.media.speech import narrow_band, speech_segments, telephone_band
from unmask.models.faceset import holdout_mask
from unmask.models.loop import BudgetConfig, Shuffled, train_to_budget
from unmask.models.train import seed_everything
from unmask.models.voice_data import Clips
from unmask.models.voice_network import VoiceNet
from unmask.models.voice_runtime import SEGMENT_SAMPLES, segment_inputs

Log = Callable[[str], None]
PHONE_SHARE, NARROW_SHARE, CODEC_SHARE = 0.2, 0.1, 0.5
MAX_VAL_SEGMENTS = 6


@dataclass(frozen=True)
class VoiceTrainConfig(BudgetConfig):
    """``pairs``: real clips per step, and as many synthetic ones."""


@dataclass
class VoiceTrainResult:
    model: VoiceNet
    steps: int
    seconds: float
    train_clips: int
    val_clips: int
    val_auc: float = float("nan")
    val_eer: float = float("nan")
    losses: list[float] = field(default_factory=list)
    val_history: list[tuple[int, float, float]] = field(default_factory=list)


def random_crop(samples: np.ndarray, rng: np.random.Generator, length: int = SEGMENT_SAMPLES) -> np.ndarray:
    """A random ``length``-sample window (a shorter clip is tiled from a random offset)."""
    if len(samples) > length:
        start = int(rng.integers(0, len(samples) - length + 1))
        return samples[start : start + length]
    rolled = np.roll(samples, -int(rng.integers(0, max(1, len(samples)))))
    return np.tile(rolled, -(-length // max(1, len(samples))))[:length] if len(samples) else np.zeros(length)


def degrade(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The telephone band or the 4 kHz band limit, for a share of crops of either label."""
    draw = rng.random()
    if draw < PHONE_SHARE:
        return telephone_band(crop)
    if draw < PHONE_SHARE + NARROW_SHARE:
        return narrow_band(crop)
    return crop


def make_batch(
    clips: Clips, copies: list[np.ndarray], indices: np.ndarray, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Model inputs and labels (1 = synthetic) for the clips at ``indices``."""
    crops = []
    for i in indices:
        source = copies[i] if rng.random() < CODEC_SHARE else clips.samples[i]
        crops.append(degrade(random_crop(source, rng), rng))
    labels = torch.tensor([float(clips.labels[i]) for i in indices])
    return torch.from_numpy(segment_inputs(crops)), labels


def torch_probabilities(model: nn.Module, batch: int = 16) -> Callable[[Sequence[np.ndarray]], np.ndarray]:
    """Segment probabilities from a torch model, in the form :func:`unmask.signals.voice.assess_track`
    takes: the same input as the shipped ONNX model, so a scan-equivalent score without exporting it."""

    def probabilities(segments: Sequence[np.ndarray]) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            logits = [
                model(torch.from_numpy(segment_inputs(segments[i : i + batch]))).numpy()
                for i in range(0, len(segments), batch)
            ]
        if not logits:
            return np.zeros(0, dtype=np.float32)
        return (1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))).astype(np.float32)

    return probabilities


def clip_scores(model: nn.Module, clips: list[np.ndarray]) -> np.ndarray:
    """Each clip's mean segment probability, as the signal computes it (whole clip when no segment)."""
    probabilities = torch_probabilities(model)
    scores = []
    for samples in clips:
        segments = [s.samples for s in speech_segments(samples)][:MAX_VAL_SEGMENTS] or [samples]
        scores.append(float(probabilities(segments).mean()))
    return np.array(scores)


def train_voice(
    clips: Clips,
    copies: list[np.ndarray],
    config: VoiceTrainConfig,
    log: Log = print,
    on_step: Callable[[int, float], None] | None = None,
) -> VoiceTrainResult:
    """Train a :class:`VoiceNet` on ``clips`` minus the hold-out (``copies``: a re-encoded copy of each)."""
    torch.set_num_threads(config.threads)
    rng = seed_everything(config.seed)
    labels = np.array(clips.labels)
    holdout = holdout_mask(clips.paths)
    real_idx, fake_idx = np.flatnonzero(~holdout & (labels == 0)), np.flatnonzero(~holdout & (labels == 1))
    val_idx = np.flatnonzero(holdout)
    if len(real_idx) == 0 or len(fake_idx) == 0:
        raise UnmaskError("training needs real and synthetic clips outside the hold-out")
    start = time.monotonic()
    model = VoiceNet()
    result = VoiceTrainResult(model, 0, 0.0, len(real_idx) + len(fake_idx), len(val_idx))
    reals, fakes = Shuffled(real_idx, rng), Shuffled(fake_idx, rng)

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        indices = np.r_[reals.take(config.pairs), fakes.take(config.pairs)]
        return make_batch(clips, copies, indices, rng)

    train_to_budget(
        model,
        config,
        next_batch,
        lambda step: validate(model, clips, val_idx, step, result, log),
        result,
        log,
        start,
        on_step,
    )
    return result


def validate(
    model: nn.Module, clips: Clips, val_idx: np.ndarray, step: int, result: VoiceTrainResult, log: Log
) -> None:
    """AUC and EER of whole held-out clips (real vs synthetic)."""
    labels = np.array([clips.labels[i] for i in val_idx])
    if len(set(labels.tolist())) < 2:
        return
    scores = clip_scores(model, [clips.samples[i] for i in val_idx])
    a, e = auc(labels.tolist(), scores.tolist()), eer(labels.tolist(), scores.tolist())
    result.val_auc, result.val_eer = float("nan") if a is None else a, float("nan") if e is None else e
    result.val_history.append((step, result.val_auc, result.val_eer))
    log(f"step {step}: held-out AUC {result.val_auc:.4f}, EER {result.val_eer:.4f} on {len(val_idx)} clips")
