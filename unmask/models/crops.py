"""The face crop the learned face models see, made the same way in training and at scan time.

A crop from a 1000 px face and one from a 100 px face must look alike to the model apart from what the
face really holds. :func:`unmask.faces.align.aligned_crop` warps with bilinear sampling, which aliases
when it shrinks a large face several times; here the face region is first shrunk with area averaging to
about the crop's scale and only the last, mild step is a bilinear warp.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from unmask.faces.align import alignment_matrix, transform_points
from unmask.faces.types import Face

CROP_SIZE = 112
"""Side of the square crop in pixels (the model's input)."""
CROP_MARGIN = 0.25
"""Context around the ArcFace template on each side, so the face outline (where a swap's seam lies) is inside."""


def face_crop(pixels: np.ndarray, face: Face, size: int = CROP_SIZE, margin: float = CROP_MARGIN) -> np.ndarray:
    """The aligned ``size`` x ``size`` RGB crop of ``face`` (see :func:`face_crop_with_points`)."""
    return face_crop_with_points(pixels, face, size, margin)[0]


def face_crop_with_points(
    pixels: np.ndarray, face: Face, size: int = CROP_SIZE, margin: float = CROP_MARGIN
) -> tuple[np.ndarray, np.ndarray]:
    """The aligned crop and the face's landmarks (x, y) in crop pixels."""
    matrix = alignment_matrix(face, size, margin).astype(np.float64)
    points = transform_points(face.landmarks[:, :2].astype(np.float64), matrix).astype(np.float32)
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
    source, warp = pixels, matrix
    if scale < 0.7:  # shrink with area averaging first (no aliasing), then warp mildly
        source, warp = _shrunk_region(pixels, face, matrix, scale)
    crop = cv2.warpAffine(
        source, warp.astype(np.float32), (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
    )
    return np.ascontiguousarray(crop), points


def _shrunk_region(pixels: np.ndarray, face: Face, matrix: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The region around the face shrunk by about ``scale`` with INTER_AREA, and the matrix from it to the crop."""
    height, width = pixels.shape[:2]
    box = face.box.expanded(3.0, width, height)
    x0, y0 = int(box.x0), int(box.y0)
    x1, y1 = max(x0 + 2, math.ceil(box.x1)), max(y0 + 2, math.ceil(box.y1))
    region = pixels[y0:y1, x0:x1]
    factor = min(1.0, scale / 0.8)
    new_size = (max(2, round(region.shape[1] * factor)), max(2, round(region.shape[0] * factor)))
    small = cv2.resize(region, new_size, interpolation=cv2.INTER_AREA)
    fx, fy = new_size[0] / region.shape[1], new_size[1] / region.shape[0]
    # small pixel (u, v) = ((x - x0) * fx, (y - y0) * fy)  =>  x = u / fx + x0
    to_frame = np.array([[1 / fx, 0, x0], [0, 1 / fy, y0], [0, 0, 1]], dtype=np.float64)
    return small, matrix @ to_frame
