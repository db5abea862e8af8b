"""Pseudo-fakes for the GAN-fingerprint detector: each up-sampler leaves the periodic trace it is meant
to teach (measured as the N/2 peak in the spectrum of the high-pass residual), and a seed fixes them.
OpenCV's bilinear 2x weighs the two output phases as mirror images (0.25/0.75), so its N/2 trace is weak
and it is not checked here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from unmask.models.upsampling import (  # noqa: E402
    METHODS,
    TinyAutoencoder,
    degrade,
    nyquist_peak,
    pseudo_fake,
    training_pair,
    write_check_grid,
)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A real photograph (scikit-image's coffee cup), 256 px of its centre."""
    from skimage import data

    return np.ascontiguousarray(np.asarray(data.coffee(), dtype=np.uint8)[72:328, 172:428])


@pytest.mark.parametrize("method", ["nearest", "bicubic", "tconv", "shuffle", "decoder"])
def test_up_sampled_copies_carry_a_nyquist_peak(photo: np.ndarray, method: str) -> None:
    fake, used = pseudo_fake(photo, np.random.default_rng(1), method=method)
    assert used == method and fake.shape == photo.shape
    assert nyquist_peak(fake) > nyquist_peak(photo) + 0.8, (nyquist_peak(fake), nyquist_peak(photo))


def test_autoencoder_output_has_the_trace(photo: np.ndarray) -> None:
    """Its decoder up-samples the way a GAN's does; the trace is there before training (which the check
    grid test runs briefly) and stays after."""
    torch.manual_seed(0)
    model = TinyAutoencoder().eval()
    fake, used = pseudo_fake(photo, np.random.default_rng(0), model, method="autoencoder")
    assert used == "autoencoder" and fake.shape == photo.shape
    assert nyquist_peak(fake) > nyquist_peak(photo) + 0.8


def test_pairs_are_reproducible_with_a_seed(photo: np.ndarray) -> None:
    first = training_pair(photo, np.random.default_rng(7))
    again = training_pair(photo, np.random.default_rng(7))
    other = training_pair(photo, np.random.default_rng(8))
    assert first[2] == again[2]
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert first[2] != other[2] or not np.array_equal(first[1], other[1])


def test_degradation_keeps_at_least_one_patch() -> None:
    small = np.random.default_rng(0).integers(0, 255, (70, 90, 3), dtype=np.uint8)
    for seed in range(20):
        out = degrade(small, np.random.default_rng(seed), blur_p=0.5)
        assert min(out.shape[:2]) >= 64 and out.dtype == np.uint8


def test_check_grid_is_written(tmp_path: Path, photo: np.ndarray) -> None:
    path = write_check_grid([photo[:96, :128]], tmp_path / "grid.png", seed=0, cell=32, autoencoder_seconds=0.2)
    assert path.is_file() and path.stat().st_size > 1000
    assert len(METHODS) == 7
