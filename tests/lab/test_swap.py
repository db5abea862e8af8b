"""The shared-encoder / per-identity-decoder autoencoder: it learns, it is reproducible, it swaps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unmask.lab.swap import SwapModel, TrainConfig, augment, random_warp, swap_faces, train_swap


def _faces(seed: int, n: int = 6) -> list[np.ndarray]:
    """Smooth blobs (a learnable picture family), one colour per identity."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(0.4, 0.6, 2)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.05)
        colour = np.array([1.0, 0.3, 0.2]) if seed % 2 else np.array([0.2, 0.4, 1.0])
        out.append((blob[..., None] * colour * 255).astype(np.uint8))
    return out


def test_one_encoder_a_decoder_per_identity_and_sizes() -> None:
    model = SwapModel(["b", "a"], size=128)
    assert model.names == ["b", "a"] and len(model.decoders) == 2
    assert model(torch.rand(2, 3, 128, 128), "a").shape == (2, 3, 128, 128)
    with pytest.raises(ValueError, match="64 or 128"):
        SwapModel(["a"], size=96)


def test_training_lowers_the_loss_and_is_reproducible() -> None:
    torch.set_num_threads(1)
    crops = {"a": _faces(0), "b": _faces(1)}
    config = TrainConfig(steps=20, batch=2, lr=2e-3, width=8, seed=7)
    model, history = train_swap(crops, config)
    curve = history.series["reconstruction L1: a"]
    assert history.steps == 20 and len(curve) == 20
    assert np.mean([v for _, v in curve[-5:]]) < 0.7 * np.mean([v for _, v in curve[:5]])
    again, history_again = train_swap(crops, config)
    assert history_again.series == history.series
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters(), strict=True))


def test_swapping_draws_with_the_other_decoder() -> None:
    tint = {"a": (40, 60, 200), "b": (200, 60, 40)}  # a is always blue, b always red
    crops = {k: [np.full((64, 64, 3), c, np.uint8)] * 2 for k, c in tint.items()}
    model, _ = train_swap(crops, TrainConfig(steps=25, batch=2, lr=1e-2, width=8, seed=1))
    [as_b] = swap_faces(model, crops["a"][:1], "b")
    [as_a] = swap_faces(model, crops["a"][:1], "a")
    assert as_b.shape == (64, 64, 3) and as_b.dtype == np.uint8
    # b's decoder only ever drew red: a's face comes out red through it, blue through a's own
    assert as_b[..., 0].mean() > as_b[..., 2].mean() + 50 and as_a[..., 2].mean() > as_a[..., 0].mean() + 50


def test_augmentation_keeps_shape_and_range() -> None:
    generator = torch.Generator().manual_seed(0)
    batch = torch.rand(3, 3, 64, 64)
    for out in (augment(batch, generator), random_warp(batch, 0.04, generator)):
        assert out.shape == batch.shape and float(out.min()) >= 0 and float(out.max()) <= 1
        assert not torch.equal(out, batch)
