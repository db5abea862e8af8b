"""Training smoke test: a few steps on a handful of faces lower the loss, and the exported ONNX model
gives the same logits as torch."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from unmask import samples
from unmask.models.crops import face_crop_with_points
from unmask.models.faceset import FaceSet, holdout_mask, largest_face

torch = pytest.importorskip("torch")

from unmask.models.export import export_onnx, parity_gap  # noqa: E402
from unmask.models.network import FaceBlendNet, normalise  # noqa: E402
from unmask.models.train import Donors, TrainConfig, make_batch, roc_auc, train  # noqa: E402


@pytest.fixture(scope="module")
def faces() -> FaceSet:
    """Six real faces: the astronaut as is, mirrored, smaller, shifted, darker and in grey."""
    photo = samples.astronaut()
    variants = [
        photo,
        np.ascontiguousarray(photo[:, ::-1]),
        cv2.resize(photo, (300, 300), interpolation=cv2.INTER_AREA),
        np.ascontiguousarray(photo[40:, 30:]),
        (photo * 0.75).astype(np.uint8),
        np.repeat(photo.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2),
    ]
    crops, marks = [], []
    for image in variants:
        face = largest_face(image)
        assert face is not None
        crop, points = face_crop_with_points(image, face)
        crops.append(crop)
        marks.append(points)
    return FaceSet(np.stack(crops), np.stack(marks), [f"a/{i}.png" for i in range(len(crops))])


def test_a_few_steps_lower_the_loss(faces: FaceSet) -> None:
    config = TrainConfig(steps=24, minutes=5.0, seed=3, pairs=4, log_every=4, val_every=1000, threads=1)
    holdout = np.zeros(len(faces), dtype=bool)
    holdout[-1] = True
    result = train(faces, holdout, config, log=lambda _: None)
    assert result.steps == 24 and len(result.losses) == 6
    assert np.mean(result.losses[-2:]) < np.mean(result.losses[:2]) - 0.05, result.losses
    assert 0.0 <= result.val_auc <= 1.0


def test_onnx_export_matches_torch(tmp_path: Path, faces: FaceSet) -> None:
    torch.manual_seed(0)
    model = FaceBlendNet()
    model.train()
    with torch.no_grad():  # move the BatchNorm statistics away from their defaults, as training does
        model(normalise(torch.from_numpy(faces.crops)))
    path = export_onnx(model, tmp_path / "face_blend.onnx")
    batch = normalise(torch.from_numpy(np.ascontiguousarray(faces.crops[:4])))
    assert parity_gap(model, path, batch) < 1e-4


def test_auc_and_holdout() -> None:
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    mask = holdout_mask([f"x/{i}.jpg" for i in range(2000)])
    assert 0.08 < mask.mean() < 0.12
    assert np.array_equal(mask, holdout_mask([f"x/{i}.jpg" for i in range(2000)]))


def _index_of(faces: FaceSet, crop: np.ndarray) -> list[int]:
    return [i for i in range(len(faces)) if np.array_equal(faces.crops[i], crop)]


def test_a_donor_is_another_face_of_the_same_colouring(faces: FaceSet) -> None:
    donors = Donors(faces, np.arange(len(faces)))
    grey = len(faces) - 1
    for seed in range(20):
        rng = np.random.default_rng(seed)
        target = int(rng.integers(grey))
        picked = donors.pick(target, rng)
        assert picked is not None
        found = _index_of(faces, picked[0])
        assert found and target not in found and grey not in found, (seed, target, found)
    assert donors.pick(grey, np.random.default_rng(0)) is None  # the only grey face has no donor


def test_the_donor_is_the_nearest_face_drawn(faces: FaceSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("unmask.models.train.DONOR_CHOICES", 200)  # every face of the pool gets drawn
    twin = FaceSet(
        np.concatenate([faces.crops, faces.crops[:1] // 2]),
        np.concatenate([faces.landmarks, faces.landmarks[:1]]),
        [*faces.paths, "b/twin.png"],
    )
    donors = Donors(twin, np.arange(len(twin)))
    for seed in range(5):
        picked = donors.pick(0, np.random.default_rng(seed))
        assert picked is not None and _index_of(twin, picked[0]) == [len(twin) - 1]


class _CountingDonors(Donors):
    def __init__(self, faces: FaceSet) -> None:
        super().__init__(faces, np.arange(len(faces)))
        self.asked: list[int] = []

    def pick(self, target: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        self.asked.append(target)
        return super().pick(target, rng)


@pytest.mark.parametrize(("share", "expected"), [(0.0, 0), (1.0, 16)])
def test_cross_share_decides_how_many_fakes_get_a_donor(faces: FaceSet, share: float, expected: int) -> None:
    donors = _CountingDonors(faces)
    indices = np.resize(np.arange(len(faces)), 16)
    inputs, labels = make_batch(faces, indices, np.random.default_rng(0), donors, cross_share=share)
    assert inputs.shape == (32, 3, faces.crops.shape[1], faces.crops.shape[2])
    assert labels.tolist() == [0] * 16 + [1] * 16
    assert len(donors.asked) == expected and donors.asked == indices[:expected].tolist()


def test_a_share_between_draws_donors_for_about_that_share(faces: FaceSet) -> None:
    donors = _CountingDonors(faces)
    make_batch(faces, np.resize(np.arange(len(faces)), 400), np.random.default_rng(0), donors, cross_share=0.6)
    assert 0.5 < len(donors.asked) / 400 < 0.7
