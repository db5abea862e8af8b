"""Self-blended pseudo-fakes: the mask lies on the face, only the masked part changes (also after rescaling the
pair), a seed repeats."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.models.crops import face_crop_with_points
from unmask.models.faceset import largest_face
from unmask.models.synthesis import (
    _mesh_affine,
    blend_mask,
    cross_blend,
    match_colour,
    rescale_alike,
    self_blend,
    training_pair,
    write_check_grid,
)

SEEDS = range(12)


@pytest.fixture(scope="module")
def crop() -> tuple[np.ndarray, np.ndarray]:
    image = samples.astronaut()
    face = largest_face(image)
    assert face is not None
    return face_crop_with_points(image, face)


def _hull(points: np.ndarray, shape: tuple[int, ...], grow: int = 0) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    if grow:
        mask = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return mask.astype(bool)


def test_mask_lies_on_the_face(crop) -> None:
    image, points = crop
    hull = _hull(points, image.shape, grow=6)
    for seed in SEEDS:
        mask = blend_mask(points, image.shape[:2], np.random.default_rng(seed))
        inside, outside = float(mask[hull].sum()), float(mask[~hull].sum())
        assert mask.max() > 0.9
        assert inside > 9 * outside, (seed, inside, outside)


def test_only_the_masked_face_changes(crop) -> None:
    image, points = crop
    far = ~_hull(points, image.shape, grow=20)
    for seed in SEEDS:
        fake, mask = self_blend(image, points, np.random.default_rng(seed))
        assert fake.shape == image.shape and fake.dtype == np.uint8
        core = mask >= 0.8 * mask.max()
        assert np.abs(fake[core].astype(int) - image[core]).mean() > 1.0, seed
        untouched = mask == 0
        assert np.array_equal(fake[untouched], image[untouched])
        real_j, fake_j, _ = training_pair(image, points, np.random.default_rng(seed))
        # JPEG and the shared flip act on both alike: far from the face they differ only by compression
        assert np.abs(fake_j[far].astype(int) - real_j[far]).mean() < 3.0, seed


def test_same_seed_same_sample(crop) -> None:
    image, points = crop
    a = training_pair(image, points, np.random.default_rng(7))
    b = training_pair(image, points, np.random.default_rng(7))
    c = training_pair(image, points, np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])


def _donor(image: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Another 'face': a picture of wide bands whose landmarks are the crop's, moved by a known affine map
    (wide enough to survive the blur and resampling the donor copy may get)."""
    move = np.array([[0.9, 0.05, 6.0], [-0.05, 0.9, 4.0]])
    bands = np.zeros_like(image)
    bands[(np.arange(image.shape[0]) // 12) % 2 == 1] = (200, 40, 40)
    return bands, points @ move[:, :2].T + move[:, 2]


def test_the_mesh_fit_undoes_a_known_affine_map(crop) -> None:
    image, points = crop
    donor_points = _donor(image, points)[1]
    fitted = _mesh_affine(donor_points, points)
    carried = donor_points[:, :2] @ fitted[:, :2].T + fitted[:, 2]
    assert np.abs(carried - points[:, :2]).max() < 1e-6


def test_a_cross_blend_brings_the_donor_inside_the_mask_only(crop) -> None:
    image, points = crop
    donor, donor_points = _donor(image, points)
    height, width = image.shape[:2]
    carried = cv2.warpAffine(donor, _mesh_affine(donor_points, points), (width, height)).mean(axis=2)
    for seed in range(8):
        fake, mask = cross_blend(image, points, donor, donor_points, np.random.default_rng(seed))
        assert np.array_equal(fake[mask == 0], image[mask == 0])
        core = mask >= 0.7

        def follows_donor(pixels: np.ndarray, core: np.ndarray = core) -> float:
            return float(np.corrcoef(pixels.mean(axis=2)[core], carried[core])[0, 1])

        assert follows_donor(fake) > 0.5 and abs(follows_donor(image)) < 0.2, seed
    again = cross_blend(image, points, donor, donor_points, np.random.default_rng(3))[0]
    assert np.array_equal(again, cross_blend(image, points, donor, donor_points, np.random.default_rng(3))[0])


def test_a_cross_blend_into_a_grey_face_stays_grey(crop) -> None:
    image, points = crop
    grey = np.repeat(image.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    donor, donor_points = _donor(image, points)
    fake, _ = cross_blend(grey, points, donor, donor_points, np.random.default_rng(0))
    assert np.array_equal(fake[..., 0], fake[..., 1]) and np.array_equal(fake[..., 1], fake[..., 2])


def test_colour_correction_matches_the_targets_statistics() -> None:
    rng = np.random.default_rng(1)
    source = rng.integers(0, 120, (32, 32, 3), dtype=np.uint8)
    target = rng.integers(100, 255, (32, 32, 3), dtype=np.uint8)
    corrected = match_colour(source, target, np.ones((32, 32), bool))
    assert abs(corrected.mean() - target.mean()) < 6 < abs(source.mean() - target.mean())


def _detail(image: np.ndarray) -> float:
    return float(np.abs(cv2.Laplacian(image.astype(np.float32), cv2.CV_32F)).mean())


def test_rescaling_softens_both_alike_and_keeps_the_paste_the_only_difference(crop) -> None:
    image, points = crop
    for seed in range(6):
        fake, mask = self_blend(image, points, np.random.default_rng(seed))
        real_r, fake_r = rescale_alike((image, fake), np.random.default_rng(100 + seed))
        assert real_r.shape == image.shape and real_r.dtype == np.uint8
        assert _detail(real_r) < 0.8 * _detail(image), seed
        # resampling spreads the paste by a few pixels; beyond that, both sides stay identical
        near_paste = cv2.dilate((mask > 0).astype(np.uint8), np.ones((31, 31), np.uint8)).astype(bool)
        assert (~near_paste).any() and np.array_equal(real_r[~near_paste], fake_r[~near_paste]), seed


def test_a_grey_face_stays_grey(crop) -> None:
    image, points = crop
    grey = np.repeat(image.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    for seed in range(4):
        fake, _ = self_blend(grey, points, np.random.default_rng(seed))
        assert np.array_equal(fake[..., 0], fake[..., 1]) and np.array_equal(fake[..., 1], fake[..., 2])


def test_check_grid_shows_originals_fakes_and_masks(crop, tmp_path: Path) -> None:
    image, points = crop
    path = write_check_grid([image] * 3, [points] * 3, tmp_path / "grid.png", columns=2)
    grid = np.asarray(Image.open(path))
    assert grid.shape == (2 * 3 * image.shape[0], 2 * image.shape[1], 3)
