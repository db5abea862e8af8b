"""GAN-fingerprint training smoke test: a few steps run and validate, and the exported ONNX model gives
the same logits as torch (the network has its own fixed high-pass layer, so this is checked here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from unmask.models.export import export_onnx, parity_gap  # noqa: E402
from unmask.models.gan_network import GanFingerprintNet  # noqa: E402
from unmask.models.gan_spec import PATCH, cut, grid_boxes, patch_inputs  # noqa: E402
from unmask.models.gan_train import GanTrainConfig, Pictures, train_gan  # noqa: E402


@pytest.fixture(scope="module")
def pictures() -> Pictures:
    from skimage import data

    coffee, chelsea = np.asarray(data.coffee()), np.asarray(data.chelsea())
    crops = [coffee[:128, :128], coffee[200:330, 300:460], chelsea[:96, :128], chelsea[150:, 200:330]]
    paths = ["a/0.png", "a/1.png", "a/2.png", "a/8.png"]  # a/8.png falls into the 10 % hold-out
    return Pictures([np.ascontiguousarray(c) for c in crops], paths)


def test_a_few_steps_train_and_validate(pictures: Pictures) -> None:
    config = GanTrainConfig(steps=6, minutes=2.0, pairs=3, log_every=3, val_every=100, autoencoder_seconds=0.0)
    gan = Pictures(pictures.pixels[:2], ["g/0.png", "g/1.png"])
    result = train_gan(pictures, gan, config, log=lambda _: None)
    assert result.steps == 6 and len(result.losses) == 2
    assert sum(result.method_counts.values()) == 6 * 3  # three training pictures, one held out
    assert result.val_pictures == 1 and result.val_history and result.val_history[-1][0] == 6
    assert 0.0 <= result.gan_auc <= 1.0


def test_onnx_export_matches_torch(tmp_path: Path, pictures: Pictures) -> None:
    torch.manual_seed(0)
    model = GanFingerprintNet()
    patches = np.concatenate([cut(p, grid_boxes(p.shape[1], p.shape[0], 4)) for p in pictures.pixels])
    inputs = torch.from_numpy(patch_inputs(patches))
    model.train()
    with torch.no_grad():  # move the BatchNorm statistics away from their defaults, as training does
        model(inputs)
    path = export_onnx(model, tmp_path / "gan.onnx", size=PATCH)
    assert parity_gap(model, path, inputs) <= 1e-4
    assert path.stat().st_size < 5_000_000
