"""dlib identity embeddings: the same face stays close, another person is far.

The second person is a face from scikit-image's bundled LFW subset (25 x 25 grey crops of Labeled Faces
in the Wild, offline). It is far smaller and greyer than the astronaut, so the comparison is made at
equal quality: the astronaut is brought down to the same face size and grey levels first, and the
same-person pair is two such degraded frames, so only identity differs between the pairs.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from unmask import samples
from unmask.errors import UnmaskError
from unmask.faces import identity
from unmask.faces.find import find_faces, to_face
from unmask.faces.types import Face


def lfw_face(index: int = 0, side: int = 200) -> np.ndarray:
    """One bundled LFW face, enlarged to ``side`` px, in RGB on an edge-padded canvas (so the
    detector sees a whole head)."""
    from skimage import data

    grey = (data.lfw_subset()[index] * 255).astype(np.uint8)
    big = cv2.resize(grey, (side, side), interpolation=cv2.INTER_CUBIC)
    return np.pad(np.dstack([big] * 3), ((side // 2, side // 2), (side // 2, side // 2), (0, 0)), mode="edge")


def degraded_astronaut(shift: tuple[float, float] = (0.0, 0.0), scale: float = 1.0) -> np.ndarray:
    """The astronaut in grey, its face brought down to about LFW's 25 px and enlarged again, moved and
    zoomed by ``shift`` / ``scale``: a second frame of the same person at LFW's quality."""
    grey = cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (128, 128), interpolation=cv2.INTER_AREA)  # face about 25 px wide
    big = cv2.resize(small, (512, 512), interpolation=cv2.INTER_CUBIC)
    matrix = np.array([[scale, 0, shift[0]], [0, scale, shift[1]]], np.float32)
    return np.dstack([cv2.warpAffine(big, matrix, (512, 512), borderMode=cv2.BORDER_REPLICATE)] * 3)


def face_of(pixels: np.ndarray) -> Face:
    found = find_faces(pixels)
    assert found, "no face found"
    return to_face(max(found, key=lambda f: float(np.ptp(f.landmarks[:, 0]))), 0, 0)


def embedding(pixels: np.ndarray) -> np.ndarray:
    vector = identity.embed(pixels, face_of(pixels))
    assert vector is not None
    return vector


def test_the_same_face_in_two_frames_is_close() -> None:
    first = samples.astronaut()
    matrix = np.array([[0.8, 0.0, 40.0], [0.0, 0.8, 25.0]], np.float32)
    second = cv2.warpAffine(first, matrix, (512, 512), borderMode=cv2.BORDER_REPLICATE)
    a, b = embedding(first), embedding(second)
    assert a.shape == (128,) and np.isfinite(a).all()
    assert identity.distance(a, b) < 0.3


def test_another_person_is_farther_than_the_same_person_at_equal_quality() -> None:
    astronaut = embedding(degraded_astronaut())
    same = identity.distance(astronaut, embedding(degraded_astronaut((30.0, 20.0), 0.85)))
    other = identity.distance(astronaut, embedding(lfw_face(0)))
    assert same < identity.SAME_PERSON <= other
    assert other > same + 0.25, (same, other)


def test_a_face_too_small_is_not_embedded() -> None:
    face = face_of(samples.astronaut())
    tiny = Face(0, face.landmarks * np.float32([0.3, 0.3, 0.3]))
    assert tiny.eye_distance < identity.MIN_EYE_PX
    assert identity.embed(samples.astronaut(), tiny) is None


def test_missing_model_files_name_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "PACKAGE", "no_such_face_model_package")
    with pytest.raises(UnmaskError, match="face-recognition-models"):
        identity.model_dir()
