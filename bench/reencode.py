"""The picture re-encodings of ``unmask eval --robustness`` (JPEG q75, a 0.5x shrink), applied to a face crop
in memory, for the benches that score crops rather than files."""

from collections.abc import Callable

import numpy as np

from unmask.models.synthesis import rescaled
from unmask.models.upsampling import jpeg

Transform = Callable[[np.ndarray], np.ndarray]

CROP_REENCODINGS: dict[str, Transform] = {
    "as is": lambda crop: crop,
    "JPEG q75": lambda crop: jpeg(crop, 75),
    "0.5x and back": lambda crop: rescaled(crop, 0.5),
}
"""The crop as it is, re-encoded as JPEG q75, and shrunk 0.5x (area) and enlarged back (bilinear): the crop
of a face half the size in its picture."""
