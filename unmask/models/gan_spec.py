"""The GAN-fingerprint model's interface, shared by training (torch) and scanning (onnxruntime, no torch).

Patches are taken at the picture's native resolution: resampling a picture before looking at it would
erase (or create) exactly the periodic up-sampling traces the model is trained to see. Training crops
patches at random offsets; scanning tiles the picture with :func:`grid_boxes`. Both go through
:func:`patch_inputs`, so the model sees the same numbers in both.
"""

from __future__ import annotations

import math

import numpy as np

from unmask.models.network_spec import INPUT_MEAN, INPUT_STD

PATCH = 64
"""Side of the square patch the model scores (the smallest training pictures are 64 px)."""
MAX_PATCHES = 48
"""At most this many patches per picture region at scan time, spread evenly over it."""
GAN_FINGERPRINT_FILE = "gan_fingerprint.onnx"

Box = tuple[int, int, int, int]
"""x0, y0, x1, y1 in pixels."""


def grid_boxes(
    width: int, height: int, limit: int = MAX_PATCHES, patch: int = PATCH, origin: Box | None = None
) -> list[Box]:
    """Patch boxes tiling ``origin`` (default: the whole picture) evenly, at most ``limit`` of them.

    With room for more than ``limit`` patches the grid gets sparser rather than smaller: every patch stays
    at native resolution. Empty when the region is smaller than one patch.
    """
    x0, y0, x1, y1 = origin or (0, 0, width, height)
    w, h = x1 - x0, y1 - y0
    if w < patch or h < patch:
        return []
    nx, ny = math.ceil(w / patch), math.ceil(h / patch)
    if nx * ny > limit:
        shrink = math.sqrt(limit / (nx * ny))
        nx, ny = max(1, math.floor(nx * shrink)), max(1, math.floor(ny * shrink))
    xs = np.linspace(x0, x1 - patch, nx).round().astype(int) if nx > 1 else [x0 + (w - patch) // 2]
    ys = np.linspace(y0, y1 - patch, ny).round().astype(int) if ny > 1 else [y0 + (h - patch) // 2]
    return [(int(x), int(y), int(x) + patch, int(y) + patch) for y in ys for x in xs]


def cut(pixels: np.ndarray, boxes: list[Box]) -> np.ndarray:
    """The patches of ``boxes`` as N x P x P x 3 uint8."""
    if not boxes:
        return np.zeros((0, PATCH, PATCH, 3), dtype=np.uint8)
    return np.stack([pixels[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes])


def patch_inputs(patches: np.ndarray) -> np.ndarray:
    """uint8 N x P x P x 3 -> float32 N x 3 x P x P, normalised as the exported model expects."""
    return np.ascontiguousarray((patches.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - INPUT_MEAN) / INPUT_STD)
