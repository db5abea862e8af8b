"""Pasting a face back: the mask is the truth about which pixels changed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from unmask.lab.identities import FaceSample, find_identities, load_faces
from unmask.lab.paste import blend_in, face_mask, paste_face

from .conftest import write_identities


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[FaceSample, FaceSample]:
    ann, bea = find_identities(write_identities(tmp_path_factory.mktemp("paste")))
    rng = np.random.default_rng(0)
    return load_faces(ann, 1, 64, rng)[0], load_faces(bea, 1, 64, rng)[0]


def test_only_masked_pixels_change(two: tuple[FaceSample, FaceSample]) -> None:
    target, donor = two
    pasted = paste_face(target.frame, target.face, target.matrix, donor.crop)
    changed = np.abs(pasted.image.astype(int) - target.frame).max(axis=2) > 0
    inside = pasted.mask > 0
    assert set(np.unique(pasted.mask)) == {0, 255}
    assert 0.01 < inside.mean() < 0.5 and changed.sum() > 0.5 * inside.sum()
    assert not (changed & ~inside).any()


def test_the_mask_covers_the_inner_face(two: tuple[FaceSample, FaceSample]) -> None:
    target, _ = two
    pasted = paste_face(target.frame, target.face, target.matrix, target.crop)
    for x, y in target.face.points((1, 13, 33, 263)):  # nose tip, upper lip, both outer eye corners
        assert pasted.mask[round(y), round(x)] == 255
    outline = face_mask(target.face, target.frame.shape, shrink=1.0) > 0
    assert not (pasted.mask.astype(bool) & ~outline).any()


def test_pasting_a_face_onto_itself_changes_little(two: tuple[FaceSample, FaceSample]) -> None:
    target, _ = two
    pasted = paste_face(target.frame, target.face, target.matrix, target.crop)
    inside = pasted.mask > 0
    assert np.abs(pasted.image.astype(float) - target.frame)[inside].mean() < 8  # only the 64 px round trip


def test_a_feathered_blend_fades_in_inside_the_outline(two: tuple[FaceSample, FaceSample]) -> None:
    """The alpha mask is soft at the edge, zero outside the outline, and the truth about what changed."""
    target, donor = two
    size = donor.crop.shape[0]
    inverse = cv2.invertAffineTransform(target.matrix)
    height, width = target.frame.shape[:2]
    warped = cv2.warpAffine(donor.crop, inverse, (width, height), borderMode=cv2.BORDER_REFLECT)
    covered = cv2.warpAffine(np.full((size, size), 255, np.uint8), inverse, (width, height))
    hard = blend_in(target.frame, target.face, warped, covered)
    soft = blend_in(target.frame, target.face, warped, covered, feather=6)
    edge = (soft.mask > 0) & (soft.mask < 255)
    assert edge.sum() > 0.1 * (soft.mask > 0).sum() and not (soft.mask.astype(bool) & ~hard.mask.astype(bool)).any()
    changed = np.abs(soft.image.astype(int) - target.frame).max(axis=2) > 1
    assert changed.sum() > 0.3 * (soft.mask > 0).sum() and not (changed & (soft.mask == 0)).any()
