from __future__ import annotations

import numpy as np

from unmask import samples
from unmask.faces import aligned_crop
from unmask.faces.find import find_faces, to_face


def test_aligned_crop_is_square_and_centres_the_eyes() -> None:
    image = samples.astronaut()
    face = to_face(find_faces(image)[0], 0, 0)
    crop = aligned_crop(image, face, 112)
    assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
    assert crop.std() > 10  # a picture, not a blank
