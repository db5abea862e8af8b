"""Put a swapped face back into its target frame, the way face-swap tools do, and record which pixels changed.

Steps, as in Deepfakes/faceswap and DeepFaceLab's merger:

1. warp the swapped crop back into the frame with the inverse of the alignment transform;
2. mask from landmarks: the face outline (MediaPipe's face oval) pulled slightly inwards, cut to where
   the crop covers the frame;
3. colour correction: match the swapped face's Lab mean and spread inside the mask to the target's
   (Reinhard et al. 2001), so the skin tone is the target's;
4. seamless blending (Poisson image editing, Perez et al. 2003, ``cv2.seamlessClone``), which removes
   the seam by matching gradients at the mask border; or, in :func:`blend_in`, an alpha blend with a
   feathered mask.

The returned mask is the ground truth of the benchmark: every pixel that differs from the target frame
lies inside it (seamless cloning changes pixels only inside its mask; a feathered mask is its own alpha).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face
from unmask.models.synthesis import match_colour

MASK_SHRINK = 0.92
"""The outline is pulled towards its centre by this factor: swaps replace the inner face, not the jaw line."""


@dataclass(frozen=True)
class Pasted:
    """The composite frame and the mask (uint8, 255 = replaced, between = partly) of the pixels it replaced."""

    image: np.ndarray
    mask: np.ndarray


def face_mask(face: Face, shape: tuple[int, ...], shrink: float = MASK_SHRINK) -> np.ndarray:
    """The face outline from landmarks as a uint8 mask (255 inside), pulled inwards by ``shrink``."""
    oval = face.points(regions.FACE_OVAL)
    centre = oval.mean(axis=0)
    hull = cv2.convexHull(np.round(centre + shrink * (oval - centre)).astype(np.int32))
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    return mask


def paste_face(frame: np.ndarray, face: Face, matrix: np.ndarray, swapped: np.ndarray) -> Pasted:
    """Blend the ``swapped`` crop (made with alignment ``matrix``) over ``face`` in ``frame``."""
    height, width = frame.shape[:2]
    size = swapped.shape[0]
    inverse = cv2.invertAffineTransform(matrix)
    warped = cv2.warpAffine(swapped, inverse, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    covered = cv2.warpAffine(np.full((size, size), 255, np.uint8), inverse, (width, height), flags=cv2.INTER_NEAREST)
    return blend_in(frame, face, warped, covered)


def blend_in(
    frame: np.ndarray,
    face: Face,
    warped: np.ndarray,
    covered: np.ndarray,
    *,
    shrink: float = MASK_SHRINK,
    feather: int = 0,
) -> Pasted:
    """Blend ``warped`` (a new face already in ``frame``'s geometry, valid where ``covered`` > 0) over ``face``.

    ``feather`` 0 is Poisson cloning (FaceSwap's choice); a positive ``feather`` is the alpha blend with a
    blurred mask that DeepFaceLab's merger uses: the mask is eroded, then blurred over ``feather`` px, so the
    soft edge still lies inside the outline. The returned mask is then that alpha (255 = fully replaced).
    """
    mask = face_mask(face, frame.shape, shrink) & cv2.erode(covered, np.ones((5, 5), np.uint8))
    mask[:2, :], mask[-2:, :], mask[:, :2], mask[:, -2:] = 0, 0, 0, 0  # Poisson needs a border around the mask
    if mask.sum() == 0:
        return Pasted(frame.copy(), mask)
    corrected = match_colour(warped, frame, mask > 0)
    if feather > 0:
        return _feathered(frame, corrected, mask, feather)
    x, y, w, h = cv2.boundingRect(mask)
    centre = (x + w // 2, y + h // 2)
    # a copy: seamlessClone overwrites the mask it is given
    blended = cv2.seamlessClone(corrected, frame, mask.copy(), centre, cv2.NORMAL_CLONE)
    # seamlessClone rounds the placement of odd-sized masks; keep exactly the masked pixels so the mask is
    # the truth about which pixels were replaced
    image = np.where(mask[..., None] > 0, blended, frame)
    return Pasted(image, mask)


def _feathered(frame: np.ndarray, face: np.ndarray, mask: np.ndarray, feather: int) -> Pasted:
    core = cv2.erode(mask, np.ones((feather + 1, feather + 1), np.uint8))
    alpha = cv2.GaussianBlur(core.astype(np.float32) / 255, (2 * feather + 1, 2 * feather + 1), 0)
    alpha[mask == 0] = 0.0
    image = alpha[..., None] * face + (1 - alpha[..., None]) * frame
    return Pasted(np.round(image).astype(np.uint8), np.round(alpha * 255).astype(np.uint8))
