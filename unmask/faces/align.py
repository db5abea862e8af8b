"""Aligned face crops: eyes, nose and mouth moved to fixed places, for learned models and comparisons.

A similarity transform (rotation, uniform scale, shift) maps five landmarks onto the widely used
ArcFace 112 x 112 template, scaled to the requested size with a margin so the face edge (where blending
seams live) stays inside the crop.
"""

from __future__ import annotations

import cv2
import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face

_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)
"""Image-left eye, image-right eye, nose tip, image-left and image-right mouth corner, in a 112 px crop."""


def five_points(face: Face) -> np.ndarray:
    right_eye = face.points(regions.RIGHT_EYE_CONTOUR).mean(axis=0)  # image-left in a frontal face
    left_eye = face.points(regions.LEFT_EYE_CONTOUR).mean(axis=0)
    nose = face.landmarks[regions.NOSE_TIP, :2]
    mouth_r, mouth_l = face.landmarks[list(regions.MOUTH_CORNERS), :2]
    return np.array([right_eye, left_eye, nose, mouth_r, mouth_l], dtype=np.float32)


def alignment_matrix(face: Face, size: int, margin: float = 0.25) -> np.ndarray:
    """2 x 3 affine matrix from frame pixels to a ``size`` x ``size`` crop."""
    template = (_TEMPLATE_112 - 56.0) * (size / 112.0) / (1.0 + 2 * margin) + size / 2.0
    matrix, _ = cv2.estimateAffinePartial2D(five_points(face), template, method=cv2.LMEDS)
    if matrix is None:  # degenerate landmarks: fall back to the box
        box = face.box
        s = size / max(box.size * (1 + 2 * margin), 1.0)
        cx, cy = box.center
        matrix = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]], dtype=np.float64)
    return matrix.astype(np.float32)


def aligned_crop(pixels: np.ndarray, face: Face, size: int = 128, margin: float = 0.25) -> np.ndarray:
    """The face as a ``size`` x ``size`` RGB crop, eyes level, with ``margin`` of context on each side."""
    matrix = alignment_matrix(face, size, margin)
    return cv2.warpAffine(pixels, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map (N, 2) frame coordinates into the crop that ``matrix`` makes."""
    return points @ matrix[:, :2].T + matrix[:, 2]
