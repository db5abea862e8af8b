"""Self-blended pseudo-fakes (Shiohara & Yamasaki, CVPR 2022, "Detecting Deepfakes with Self-Blended Images").

Why: a face swap ends with a paste step: a rendered face is warped onto the host frame and blended in
along a mask near the face outline. That step leaves generic traces whatever generator made the face: a
blending boundary, a colour, brightness or sharpness mismatch between inside and outside, resampling.
Blending a real face with a slightly altered copy of *itself* inside a landmark mask reproduces exactly
those traces and nothing else (same identity, same pose, same lighting), so a detector trained on real
faces vs such self-blends learns the paste step, not one generator's look, and needs no fake data.
A real swap also brings a face that is not the host's (other skin detail and sharpness, a warp), which
a self-blend never shows, so a share of the training pairs are *cross-blends* (Li et al., CVPR 2020,
"Face X-ray"): another real face, fitted onto the landmarks, colour-matched and blended with the same
masks. face_blend 1.2 trained on 60 % of them ranks the lab's warp swaps higher (0.79 against 0.74) and
flags fewer held-out real faces (README, "Learned detectors").

Everything here works on an aligned face crop and its landmarks in crop pixels (see
:mod:`unmask.models.crops`) and draws its randomness from a :class:`numpy.random.Generator`, so a seed
reproduces a sample exactly.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from unmask.faces import regions

_INNER_POINTS = (
    regions.RIGHT_EYE_CONTOUR
    + regions.LEFT_EYE_CONTOUR
    + regions.RIGHT_EYEBROW
    + regions.LEFT_EYEBROW
    + regions.LIPS_OUTER
    + regions.NOSE_BRIDGE
    + (regions.CHIN, regions.FOREHEAD)
)
"""Eyes, brows, nose, lips, chin and forehead centre: the hull of the inner face, for swaps with a tight mask."""
JPEG_PROBABILITY = 0.5
"""Share of samples (real and fake alike) re-encoded as JPEG, so compression alone separates nothing."""
MESH_POINTS = 468
"""The face mesh without the iris points, for fitting one face onto another."""
RESCALE_PROBABILITY = 0.3
"""Share of pairs shrunk and enlarged back, both alike. The altered source of a pseudo-fake is often
resampled, so without this a model learns "soft, resampled detail = blended" and calls a whole face
that was small in its picture (enlarged into the crop) blended: before it, 88 % of held-out real faces
scored above 0.5 after a 0.5x shrink and enlargement. The pair must differ only at the paste."""


def is_grey(image: np.ndarray) -> bool:
    """True for an RGB image whose three channels are the same (a grey photo stored as RGB)."""
    return bool(np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]))


# --- the mask ------------------------------------------------------------------------------------


def blend_mask(landmarks: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A soft float32 mask in [0, 1] over the face: the hull of all landmarks (the face oval) or, three times in
    ten, of the inner face, elastically deformed, eroded or dilated and feathered by random amounts so
    the detector sees many kinds of blending boundary."""
    points = landmarks[:, :2]
    face_px = _face_size(points)
    whole = rng.random() < 0.7
    hull_points = points if whole else points[list(_INNER_POINTS)]
    hull = cv2.convexHull(np.round(hull_points).astype(np.int32))
    mask: np.ndarray = np.zeros(shape, dtype=np.float32)
    cv2.fillConvexPoly(mask, hull, 1.0)
    mask = _elastic(mask, rng, amplitude=rng.uniform(0.0, 0.04) * face_px)
    shrink = rng.uniform(-0.08, 0.04) if whole else rng.uniform(-0.02, 0.05)
    mask = _erode_or_dilate(mask, round(shrink * face_px))
    sigma = rng.uniform(0.005, 0.08) * face_px
    if sigma > 0.3:
        mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    return np.clip(mask, 0.0, 1.0)


def _face_size(points: np.ndarray) -> float:
    return float(max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 8.0))


def _elastic(mask: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Displace the mask by a smooth random field (coarse noise up-sampled), so its edge is not a clean hull."""
    if amplitude < 0.5:
        return mask
    h, w = mask.shape
    coarse = rng.normal(0.0, 1.0, size=(2, 5, 5)).astype(np.float32)
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC) * amplitude
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC) * amplitude
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(mask, xs + dx, ys + dy, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _erode_or_dilate(mask: np.ndarray, pixels: int) -> np.ndarray:
    if pixels == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(pixels) + 1, 2 * abs(pixels) + 1))
    return cv2.dilate(mask, kernel) if pixels > 0 else cv2.erode(mask, kernel)


# --- the altered source copy -----------------------------------------------------------------------


def altered_source(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of the face as a swap would render it: a different tint, brightness or contrast, blurred or
    sharpened, resampled down and up, and shifted or scaled a little. Each change is drawn independently;
    at least one always happens."""
    out = image.astype(np.float32)
    steps = [_colour, _blur_or_sharpen, _resample, _affine]
    chosen = [step for step in steps if rng.random() < 0.6] or [steps[int(rng.integers(len(steps)))]]
    for step in chosen:
        out = step(out, rng)
    return np.clip(out, 0.0, 255.0)


def _colour(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    contrast = rng.uniform(0.85, 1.15)
    brightness = rng.uniform(-15.0, 15.0)
    tint = rng.uniform(-12.0, 12.0, size=3).astype(np.float32)
    mean = image.mean(axis=(0, 1), keepdims=True)
    return (image - mean) * contrast + mean + brightness + tint


def _blur_or_sharpen(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    blurred = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.6))
    if rng.random() < 0.65:
        return blurred
    amount = rng.uniform(0.3, 1.2)
    return image + amount * (image - blurred)


def _resample(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    factor = rng.uniform(0.35, 0.85)
    method = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST)[int(rng.choice(3, p=[0.5, 0.4, 0.1]))]
    return rescaled(image, factor, method)


def rescaled(pixels: np.ndarray, factor: float, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """``pixels`` shrunk by ``factor`` with area averaging and enlarged back to their size with
    ``interpolation``: the detail a smaller copy keeps (a resampled paste, a face that was small in its
    picture)."""
    h, w = pixels.shape[:2]
    small = cv2.resize(pixels, (max(4, round(w * factor)), max(4, round(h * factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=interpolation)


def _affine(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    scale = rng.uniform(0.96, 1.04)
    tx, ty = rng.uniform(-0.03, 0.03, size=2) * np.array([w, h])
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 0.0, scale)
    matrix[:, 2] += (tx, ty)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)


# --- samples ---------------------------------------------------------------------------------------


def self_blend(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A pseudo-fake of ``image`` (uint8 RGB) and the mask it was blended with (float32, 0..1, already
    scaled by the blend ratio): ``altered * mask + image * (1 - mask)``. Outside the mask the result
    equals ``image`` exactly. A grey photo stays grey (otherwise colour alone would give it away)."""
    mask = blend_mask(landmarks, image.shape[:2], rng)
    mask *= float(rng.choice([0.5, 0.75, 1.0, 1.0, 1.0]))  # blend ratio: most swaps paste fully
    source = altered_source(image, rng)
    return _pasted(image, source, mask), mask


def cross_blend(
    image: np.ndarray,
    landmarks: np.ndarray,
    donor: np.ndarray,
    donor_landmarks: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A pseudo-fake of ``image`` with *another person's* face blended in (Li et al., CVPR 2020, "Face X-ray"):
    the donor crop is carried onto the target by the affine map that best fits their mesh points, given the
    target's Lab colour inside the mask, altered as :func:`self_blend` alters its copy, and blended with the
    same masks. Why beside self-blends: a real swap also brings a face that does not quite fit (other skin
    detail, other sharpness, a warp), which a self-blend never shows. Outside the mask the result equals
    ``image`` exactly."""
    mask = blend_mask(landmarks, image.shape[:2], rng)
    mask *= float(rng.choice([0.75, 1.0, 1.0]))
    height, width = image.shape[:2]
    warped = cv2.warpAffine(
        donor, _mesh_affine(donor_landmarks, landmarks), (width, height), borderMode=cv2.BORDER_REFLECT101
    )
    source = altered_source(match_colour(warped, image, mask > 0.5), rng)
    return _pasted(image, source, mask), mask


def _pasted(image: np.ndarray, source: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``source * mask + image * (1 - mask)`` as uint8; a grey ``image`` gets a grey ``source`` (otherwise
    colour alone would give the paste away)."""
    if is_grey(image):
        source = np.repeat(source.mean(axis=2, keepdims=True), 3, axis=2)
    blended = source * mask[..., None] + image.astype(np.float32) * (1.0 - mask[..., None])
    return np.asarray(np.round(blended).clip(0, 255).astype(np.uint8))


def _mesh_affine(source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """The 2 x 3 least-squares affine map of ``source``'s face-mesh points onto ``destination``'s."""
    src = source[:MESH_POINTS, :2].astype(np.float64)
    dst = destination[:MESH_POINTS, :2].astype(np.float64)
    design = np.hstack([src, np.ones((len(src), 1))])
    solution, *_ = np.linalg.lstsq(design, dst, rcond=None)
    return np.asarray(solution.T, dtype=np.float64)


def match_colour(source: np.ndarray, target: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``source`` (uint8 RGB) with ``target``'s Lab mean and spread where ``inside`` is true (Reinhard et al.
    2001): the colour correction swap tools make before blending, so the skin tone is the target's."""
    if inside.sum() < 16:
        return source
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    s_mean, s_std = src[inside].mean(axis=0), src[inside].std(axis=0) + 1e-3
    d_mean, d_std = dst[inside].mean(axis=0), dst[inside].std(axis=0)
    matched = (src - s_mean) / s_std * d_std + d_mean
    return cv2.cvtColor(np.clip(matched, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def random_jpeg(image: np.ndarray, rng: np.random.Generator, probability: float = JPEG_PROBABILITY) -> np.ndarray:
    """Re-encode as JPEG at quality 60-95 with ``probability`` (applied to real and fake alike)."""
    if rng.random() >= probability:
        return image
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=int(rng.integers(60, 96)))
    return np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"))


def training_pair(
    image: np.ndarray,
    landmarks: np.ndarray,
    rng: np.random.Generator,
    donor: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(real, pseudo_fake, mask) from one face crop, both images flipped alike, sometimes shrunk and enlarged
    back alike, and randomly JPEG-compressed on their own: the pair differs only in the blend, which is what
    the model must find. With a ``donor`` (crop, landmarks) the blend is a :func:`cross_blend` of its face,
    else a :func:`self_blend`."""
    if rng.random() < 0.5:
        image, landmarks = _flipped(image, landmarks)
        donor = None if donor is None else _flipped(*donor)
    if donor is None:
        fake, mask = self_blend(image, landmarks, rng)
    else:
        fake, mask = cross_blend(image, landmarks, donor[0], donor[1], rng)
    if rng.random() < RESCALE_PROBABILITY:
        image, fake = rescale_alike((image, fake), rng)
    return random_jpeg(image, rng), random_jpeg(fake, rng), mask


def _flipped(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The crop mirrored left to right, with its landmarks moved to match (their order is kept)."""
    mirrored = landmarks.copy()
    mirrored[:, 0] = image.shape[1] - 1 - landmarks[:, 0]
    return np.ascontiguousarray(image[:, ::-1]), mirrored


def rescale_alike(images: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Both images shrunk by one random factor (0.35-0.9, area averaging) and enlarged back with one random
    interpolation: how a face that was small in its picture reaches the crop."""
    factor = rng.uniform(0.35, 0.9)
    method = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(2))]
    return rescaled(images[0], factor, method), rescaled(images[1], factor, method)


def write_check_grid(
    images: list[np.ndarray], landmarks: list[np.ndarray], path: Path, seed: int = 0, columns: int = 8
) -> Path:
    """A PNG with three rows per band of ``columns`` faces: originals, their pseudo-fakes and the masks,
    for a person to check that masks sit on the faces and blends look like plausible pastes."""
    rng = np.random.default_rng(seed)
    tiles: list[np.ndarray] = []
    for start in range(0, len(images), columns):
        band = list(zip(images[start : start + columns], landmarks[start : start + columns], strict=True))
        originals, fakes, masks = [], [], []
        for image, marks in band:
            fake, mask = self_blend(image, marks, rng)
            originals.append(image)
            fakes.append(fake)
            masks.append(np.repeat((mask[..., None] * 255).astype(np.uint8), 3, axis=2))
        pad = [np.zeros_like(images[0])] * (columns - len(band))
        tiles.extend(np.hstack([*row, *pad]) for row in (originals, fakes, masks))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.vstack(tiles)).save(path)
    return path
