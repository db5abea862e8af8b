"""The DCGAN and the pure-decoder variant."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unmask.lab.gan import Discriminator, GanConfig, Generator, reconstruct, sample_faces, train_gan
from unmask.lab.swap import TrainConfig, train_swap


def _crops(n: int = 8) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(n)]


def test_generator_and_discriminator_shapes() -> None:
    assert Generator()(torch.randn(2, 100)).shape == (2, 3, 64, 64)
    assert Discriminator()(torch.rand(5, 3, 64, 64)).shape == (5,)


def test_training_records_both_losses_and_samples_are_reproducible() -> None:
    torch.set_num_threads(1)
    netg, history = train_gan(_crops(), GanConfig(steps=5, batch=4, width=8, seed=2))
    assert set(history.series) == {"discriminator", "generator"} and history.steps == 5
    first, again = sample_faces(netg, 3, seed=9), sample_faces(netg, 3, seed=9)
    assert len(first) == 3 and first[0].shape == (64, 64, 3) and first[0].dtype == np.uint8
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], first[1])


def test_the_gan_trains_on_64_px_only() -> None:
    with pytest.raises(ValueError, match="64 px"):
        train_gan([np.zeros((32, 32, 3), np.uint8)], GanConfig(steps=1))


def test_reconstructions_come_from_the_single_decoder() -> None:
    model, _ = train_swap({"faces": _crops()}, TrainConfig(steps=2, batch=2, width=8))
    [out] = reconstruct(model, _crops(1))
    assert out.shape == (64, 64, 3) and model.names == ["faces"]
