"""The training loop's parts that every detector shares: a step and wall-clock budget with a cosine
learning rate, reshuffled passes over the training items, one optimiser step, and the loss log.

Both detectors are trained "to a budget" (``--minutes`` / ``--steps``) rather than for a fixed number of
epochs, so a run on a busy or a quiet machine ends on time with a fully decayed learning rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch import nn

Log = Callable[[str], None]


@dataclass(frozen=True)
class BudgetConfig:
    """The knobs every detector's training run has; each detector's config overrides the defaults it needs."""

    steps: int = 100_000
    minutes: float = 20.0
    seed: int = 0
    pairs: int = 32
    """Real items per step; each comes with as many fake (or pseudo-fake) ones."""
    lr: float = 2e-3
    weight_decay: float = 1e-4
    log_every: int = 50
    val_every: int = 500
    threads: int = 1


def budgeted_steps(
    optimiser: torch.optim.Optimizer, base_lr: float, steps: int, minutes: float, start: float
) -> Iterator[tuple[int, float]]:
    """Yield ``(step, progress)`` until the step or time budget (counted from ``start``) is spent,
    setting a cosine learning rate that decays from ``base_lr`` to 2 % of it over that budget."""
    for step in range(1, steps + 1):
        progress = max(step / steps, (time.monotonic() - start) / (60.0 * minutes))
        if progress > 1.0:
            return
        for group in optimiser.param_groups:
            group["lr"] = base_lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        yield step, progress


class Shuffled:
    """Draws training items in shuffled passes: a new permutation whenever the current one runs out."""

    def __init__(self, items: np.ndarray, rng: np.random.Generator) -> None:
        self.items, self.rng = items, rng
        self.order, self.cursor = rng.permutation(items), 0

    def take(self, count: int) -> np.ndarray:
        if self.cursor + count > len(self.order):
            self.order, self.cursor = self.rng.permutation(self.items), 0
        chosen = self.order[self.cursor : self.cursor + count]
        self.cursor += count
        return chosen


def optimise(
    model: nn.Module, loss_fn: nn.Module, optimiser: torch.optim.Optimizer, inputs: torch.Tensor, labels: torch.Tensor
) -> float:
    """One gradient step on a batch; returns its loss."""
    model.train()
    loss = loss_fn(model(inputs), labels)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return float(loss.detach())


class RunRecord(Protocol):
    """What :func:`train_to_budget` fills in on a detector's result."""

    steps: int
    seconds: float
    losses: list[float]


def train_to_budget(
    model: nn.Module,
    config: BudgetConfig,
    next_batch: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    validate: Callable[[int], None],
    result: RunRecord,
    log: Log,
    start: float,
    on_step: Callable[[int, float], None] | None = None,
) -> None:
    """The run every detector makes: AdamW on a binary cross-entropy over ``next_batch()`` until the
    budget is spent, the loss logged every ``log_every`` steps, ``validate(step)`` every ``val_every``
    steps and once at the end; the model is left in eval mode."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = LossLog(result.losses, config.log_every, log)
    for step, progress in budgeted_steps(optimiser, config.lr, config.steps, config.minutes, start):
        inputs, labels = next_batch()
        loss = optimise(model, loss_fn, optimiser, inputs, labels)
        result.steps = step
        if on_step is not None:
            on_step(step, progress)
        losses.add(step, loss, optimiser)
        if step % config.val_every == 0:
            validate(step)
    losses.flush()
    result.seconds = time.monotonic() - start
    validate(result.steps)
    model.eval()


class LossLog:
    """Mean loss of every ``every`` steps, appended to ``losses`` and logged with the learning rate."""

    def __init__(self, losses: list[float], every: int, log: Log) -> None:
        self.losses, self.every, self.log = losses, every, log
        self.window: list[float] = []

    def add(self, step: int, loss: float, optimiser: torch.optim.Optimizer) -> None:
        self.window.append(loss)
        if step % self.every == 0:
            self.flush()
            self.log(f"step {step}: loss {self.losses[-1]:.4f}, lr {optimiser.param_groups[0]['lr']:.2e}")

    def flush(self) -> None:
        """Record what is left in the window (the end of the run)."""
        if self.window:
            self.losses.append(float(np.mean(self.window)))
            self.window = []
