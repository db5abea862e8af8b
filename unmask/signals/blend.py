"""Blend: does the inner face match the skin, noise and sharpness right around it?

Why it works: a face swap (DeepFaceLab, FaceSwap, the DFDC methods) renders a new inner face at the
decoder's resolution (64-256 px), warps it onto the host frame and blends it in along a mask near the
face outline. The pasted region then carries less camera noise and less fine detail (it was up-sampled)
and often a slightly different skin tone than the host skin just outside it (Li & Lyu 2019, "Exposing
DeepFake Videos By Detecting Face Warping Artifacts"; Li et al. 2020, "Face X-ray for More General Face
Forgery Detection", whose blending boundary is where the two meet). Swaps also render fine structure
poorly: teeth merge into one white block while the host's hairline stays crisp (Matern, Riess &
Stamminger 2019, "Exploiting Visual Artifacts to Expose Deepfakes and Face Manipulations").

What it measures, per face, on at most :data:`MAX_FRAMES` evenly spaced faces of the largest track:

* **noise**: Immerkær's (1996, "Fast Noise Variance Estimation") Laplacian-difference residual, averaged
  over its lower 75 % so edges and texture do not count, inside the inner face's skin (cheeks, forehead
  centre; eyes, brows, nose and mouth left out) vs the skin ring along the FACE_OVAL outline and vs the
  surroundings just outside it;
* **sharpness**: the robust spread (1.4826 x median) of the Laplacian-of-Gaussian (σ = 1 px) response,
  inner skin vs ring;
* **skin tone**: the distance between the mean Lab chroma (a*, b*) of inner skin and ring, each averaged
  between its 25th and 75th percentile (hair and shadow pixels drop out);
* **teeth** (only with the mouth open): the share of fine detail (energy removed by a 1-px blur over
  energy removed by a 4-px blur; contrast-free) inside the inner lips vs in the hairline band above the
  forehead;
* **hairline**: the same share of fine detail in the hairline band vs in the inner skin.

Normalisation: every measure is a log-ratio (skin tone: a chroma distance). Its distribution over real
faces was measured once on 400 real training faces (``../shared/data/train/real``, see
:data:`REAL_FACE_STATS`) and each value becomes a robust z-score: the distance from the real median in
units of the real spread on that side (median to 16th or 84th percentile). Only the part of a z-score
beyond :data:`TYPICAL_Z` counts, fully on the side a swap produces (inner face smoother, blurrier,
teeth duller, hairline crisper than the face, any tone shift) and half on the other side (a pasted
face that is *noisier* than its host is rarer but happens in manual composites). The summed excess
``e`` gives ``score = 0.4 + 0.5 tanh(e / 2)``: 0.4 when the face looks like real faces, about 0.72
for one measure 3 spreads out on the swap side, up to 0.9. About 15 % of real training faces score
above 0.6. Confidence stays ≤ :data:`MAX_CONFIDENCE`: coloured or rim lighting, make-up, beards, depth
of field and compression move these statistics too. On self-blended copies of those real faces (inner
face down- and up-sampled by 0.5-0.85, tinted a few levels, feathered back in, JPEG q92; Shiohara &
Yamasaki 2022 style) the score separates blended from original with an AUC of only ~0.65.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face
from unmask.media.types import MediaKind
from unmask.report.artifacts import jpeg_bytes
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

MIN_FACE_PX = 64
"""Faces smaller than this (longer side of the landmark box) leave too few skin pixels per region."""
MAX_FRAMES = 8
"""Video: at most this many evenly spaced faces of the largest track are measured."""
WORK_FACE_PX = 160
"""Faces larger than this are downscaled to it before measuring: speed, and the scale of the faces the
real-face statistics were measured on (64-200 px), so skin pores of a 1000 px face do not count as noise."""
CROP_FACTOR = 1.7
"""The measured crop is this many face sizes wide, so the surroundings and hairline band fit."""
MIN_REGION_PX = 40
"""A region with fewer pixels than this is not measured."""
MOUTH_OPEN = 0.1
"""Inner-lip gap over eye distance above which the mouth counts as open (teeth may show)."""
TYPICAL_Z = 1.5
"""Robust z-scores up to this size are ordinary variation between real faces and count for nothing."""
OTHER_SIDE_WEIGHT = 0.5
"""Weight of excess on the side a face swap does not usually produce."""
MAX_CONFIDENCE = 0.35

REAL_FACE_STATS: dict[str, tuple[float, float, float]] = {
    "noise_ring": (-0.36, -0.11, 0.03),
    "noise_outside": (-0.92, -0.37, -0.06),
    "sharpness_ring": (-0.59, -0.25, 0.10),
    "chroma_ring": (1.28, 2.92, 6.09),
    "teeth": (-0.39, 0.18, 0.83),
    "hairline": (-0.25, 0.27, 0.90),
}
"""16th percentile, median and 84th percentile of each measure over 400 real training faces
(150 CelebA crops, 150 web photos, 100 CIPLAB real faces from ``../shared/data/train/real``; teeth:
the 138 with an open mouth). Measured once with this module; re-measure when a measure changes."""
SWAP_SIDE = {
    "noise_ring": -1,
    "noise_outside": -1,
    "sharpness_ring": -1,
    "chroma_ring": 1,
    "teeth": -1,
    "hairline": 1,
}
"""The sign of z a pasted, up-sampled face produces."""
ONE_SIDED = frozenset({"chroma_ring"})
"""Measures that are distances (only large values are unusual)."""

_WHAT = {
    "noise_ring": ("noise level", "inner skin vs skin along the face outline"),
    "noise_outside": ("noise level", "inner skin vs the surroundings of the face"),
    "sharpness_ring": ("sharpness", "inner skin vs skin along the face outline"),
    "chroma_ring": ("skin tone", "inner skin vs skin along the face outline"),
    "teeth": ("fine detail", "teeth vs hairline"),
    "hairline": ("fine detail", "hairline vs inner skin"),
}
_SCALES = {"inner": 0.78, "ring_in": 0.82, "ring_out": 0.97, "out_in": 1.06, "out_out": 1.3}
"""Region boundaries as scalings of the FACE_OVAL polygon about its centroid."""
_FEATURES = (
    regions.RIGHT_EYE_CONTOUR,
    regions.LEFT_EYE_CONTOUR,
    regions.RIGHT_EYEBROW,
    regions.LEFT_EYEBROW,
    regions.LIPS_OUTER,
    (168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 129, 358, 48, 278, 64, 294, 49, 279),
)
"""Eyes, brows, lips and the nose (bridge, tip, alae): structure, not skin, so left out of the skin regions."""
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_MAD_TO_SIGMA = 1.4826


@dataclass
class Regions:
    """Boolean masks over the work crop."""

    inner: np.ndarray
    ring: np.ndarray
    outside: np.ndarray
    hairline: np.ndarray
    mouth: np.ndarray | None
    oval: np.ndarray
    """The FACE_OVAL outline in crop pixels, for drawing."""


@dataclass
class FrameMeasure:
    time: float
    measures: dict[str, float] = field(default_factory=dict)
    crop: np.ndarray | None = None
    heat: np.ndarray | None = None
    oval: np.ndarray | None = None


@register_signal
class BlendSignal(Signal):
    name = "blend"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = "Noise, sharpness and skin tone of the inner face vs its border; teeth and hairline detail"

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        track = ctx.largest_track()
        if track is None:
            return "no face large enough to analyse"
        if track.median_size < MIN_FACE_PX:
            return f"face too small for skin statistics ({track.median_size:.0f} px, needs {MIN_FACE_PX} px)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        frames = ctx.media.frames
        draw = ctx.options.artifacts
        measured = [
            measure_face(frames[f.frame_index].pixels, f, frames[f.frame_index].time, heat=draw) for f in _sample(ctx)
        ]
        usable = [m for m in measured if m.measures]
        if not usable:
            return Outcome.not_applicable("face too small or cut off: too few skin pixels inside and around it")
        combined = _combine([m.measures for m in usable])
        zs = {k: robust_z(k, v) for k, v in combined.items()}
        score, confidence = blend_score(zs, len(usable))
        findings = [_finding(k, combined[k], zs[k]) for k in sorted(zs, key=lambda k: -abs(zs[k]))]
        if ctx.media.kind is MediaKind.VIDEO:
            findings.append(Finding(f"measured on {len(usable)} frames of the largest face (medians reported)"))
        worst = max(usable, key=lambda m: excess({k: robust_z(k, v) for k, v in m.measures.items()}))
        details = {
            "frames_measured": len(usable),
            "measures": {k: round(v, 4) for k, v in combined.items()},
            "z": {k: round(v, 3) for k, v in zs.items()},
            "excess": round(excess(zs), 3),
            "worst_frame_time": round(worst.time, 3),
        }
        artifacts = _artifacts(worst) if ctx.options.artifacts else []
        return Outcome.scored(score, confidence, _summary(zs), findings=findings, details=details, artifacts=artifacts)


def _sample(ctx: AnalysisContext) -> list[Face]:
    """At most MAX_FRAMES evenly spaced faces of the largest track, big enough to measure."""
    track = ctx.largest_track()
    if track is None:
        return []
    candidates = _evenly(track.faces, 4 * MAX_FRAMES)
    return _evenly([f for f in candidates if f.box.size >= MIN_FACE_PX] or candidates, MAX_FRAMES)


def _evenly(faces: list[Face], limit: int) -> list[Face]:
    if len(faces) <= limit:
        return faces
    return [faces[i] for i in np.linspace(0, len(faces) - 1, limit).round().astype(int)]


def robust_z(name: str, value: float) -> float:
    """How unusual ``value`` is for a real face: distance from the real median in units of the real
    spread on that side (median to the 16th or 84th percentile)."""
    low, centre, high = REAL_FACE_STATS[name]
    spread = high - centre if value >= centre else centre - low
    z = (value - centre) / max(spread, 1e-6)
    return max(z, 0.0) if name in ONE_SIDED else z


def excess(zs: dict[str, float]) -> float:
    """Summed z beyond TYPICAL_Z: full weight on the swap side, OTHER_SIDE_WEIGHT on the other."""
    total = 0.0
    for name, z in zs.items():
        signed = SWAP_SIDE[name] * z
        total += max(0.0, signed - TYPICAL_Z) + OTHER_SIDE_WEIGHT * max(0.0, -signed - TYPICAL_Z)
    return total


def blend_score(zs: dict[str, float], frames: int) -> tuple[float, float]:
    """Score from the robust z-scores (0.4 when all are typical of real faces, up to 0.9) and a
    confidence that grows a little with the number of frames and measures."""
    score = 0.4 + 0.5 * math.tanh(excess(zs) / 2.0)
    confidence = min(MAX_CONFIDENCE, 0.2 + 0.1 * min(1.0, frames / MAX_FRAMES) + 0.01 * len(zs))
    return score, confidence


def _combine(per_frame: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for m in per_frame for k in m})
    return {k: float(np.median([m[k] for m in per_frame if k in m])) for k in keys}


# --- measuring one face ---------------------------------------------------------------------------


def measure_face(pixels: np.ndarray, face: Face, time: float = 0.0, heat: bool = True) -> FrameMeasure:
    """All measures for one face in one frame (empty when the regions are too small), and with
    ``heat`` the local noise map for the report."""
    crop, points = _work_crop(pixels, face)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    masks = _regions(points, crop.shape[:2])
    out = FrameMeasure(time=time, crop=crop, oval=masks.oval)
    if masks.inner.sum() < MIN_REGION_PX or masks.ring.sum() < MIN_REGION_PX:
        return out
    residual = np.abs(cv2.filter2D(grey, cv2.CV_32F, _IMMERKAER))
    noise_in = _noise(residual, masks.inner)
    log_sharp = np.abs(cv2.Laplacian(cv2.GaussianBlur(grey, (0, 0), 1.0), cv2.CV_32F))
    measures = {
        "noise_ring": _log_ratio(noise_in, _noise(residual, masks.ring)),
        "sharpness_ring": _log_ratio(_spread(log_sharp, masks.inner), _spread(log_sharp, masks.ring)),
        "chroma_ring": _chroma_distance(crop, masks.inner, masks.ring),
    }
    if masks.outside.sum() >= MIN_REGION_PX:
        measures["noise_outside"] = _log_ratio(noise_in, _noise(residual, masks.outside))
    measures.update(_detail_measures(grey, masks))
    out.measures = {k: v for k, v in measures.items() if math.isfinite(v)}
    out.heat = _noise_map(residual, masks.inner) if heat else None
    return out


def _work_crop(pixels: np.ndarray, face: Face) -> tuple[np.ndarray, np.ndarray]:
    """A square crop around the face, downscaled so the face is at most WORK_FACE_PX, and the
    landmarks (x, y) in its pixels."""
    height, width = pixels.shape[:2]
    box = face.box.expanded(CROP_FACTOR, width, height)
    x0, y0 = int(box.x0), int(box.y0)
    x1, y1 = max(x0 + 1, math.ceil(box.x1)), max(y0 + 1, math.ceil(box.y1))
    crop = pixels[y0:y1, x0:x1]
    points = face.landmarks[:, :2] - np.array([x0, y0], dtype=np.float32)
    scale = min(1.0, WORK_FACE_PX / max(face.box.size, 1.0))
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        points = points * scale
    return np.ascontiguousarray(crop), points


def _fill(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _regions(points: np.ndarray, shape: tuple[int, int]) -> Regions:
    oval = points[list(regions.FACE_OVAL)]
    centre = oval.mean(axis=0)

    def scaled(k: float) -> np.ndarray:
        return _fill(shape, centre + k * (oval - centre))

    eye_px = _eye_px(points)
    features = np.zeros(shape, dtype=np.uint8)
    for group in _FEATURES:
        hull = cv2.convexHull(np.round(points[list(group)]).astype(np.int32))
        cv2.fillConvexPoly(features, hull, 1)
    grow = max(1, round(0.1 * eye_px))
    features_grown = cv2.dilate(features, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)
    inner = scaled(_SCALES["inner"]) & ~features_grown
    ring = scaled(_SCALES["ring_out"]) & ~scaled(_SCALES["ring_in"]) & ~features_grown
    outside = scaled(_SCALES["out_out"]) & ~scaled(_SCALES["out_in"])
    up = points[regions.FOREHEAD] - points[regions.CHIN]
    up = up / max(float(np.linalg.norm(up)), 1e-6)
    brows = points[list(regions.RIGHT_EYEBROW + regions.LEFT_EYEBROW)].mean(axis=0)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    height_above = (xs - brows[0]) * up[0] + (ys - brows[1]) * up[1]
    hairline = outside & (height_above > 0.25 * eye_px)
    return Regions(inner, ring, outside, hairline, _mouth(points, shape, eye_px), oval)


def _eye_px(points: np.ndarray) -> float:
    right = points[list(regions.RIGHT_EYE_CONTOUR)].mean(axis=0)
    left = points[list(regions.LEFT_EYE_CONTOUR)].mean(axis=0)
    return max(float(np.linalg.norm(left - right)), 1.0)


def _mouth(points: np.ndarray, shape: tuple[int, int], eye_px: float) -> np.ndarray | None:
    gap = float(np.linalg.norm(points[regions.INNER_LIP_TOP] - points[regions.INNER_LIP_BOTTOM]))
    if gap < MOUTH_OPEN * eye_px:
        return None
    mouth = _fill(shape, points[list(regions.LIPS_INNER)]).astype(np.uint8)
    mouth = cv2.erode(mouth, np.ones((3, 3), np.uint8)).astype(bool)
    return mouth if mouth.sum() >= MIN_REGION_PX // 2 else None


def _noise(residual: np.ndarray, mask: np.ndarray) -> float:
    """Immerkær's noise sigma (mean absolute residual x sqrt(pi / 2) / 6), over the lower 75 % of the
    residuals so that edges and texture do not count as noise (a continuous, edge-robust estimate)."""
    return float(_lower_mean(residual[mask]) * math.sqrt(math.pi / 2) / 6.0)


def _lower_mean(values: np.ndarray, share: float = 0.75) -> float:
    cut = max(1, int(len(values) * share))
    return float(np.partition(values, cut - 1)[:cut].mean())


def _spread(response: np.ndarray, mask: np.ndarray) -> float:
    return float(_MAD_TO_SIGMA * np.median(response[mask]))


def _log_ratio(a: float, b: float) -> float:
    return float(math.log((a + 0.05) / (b + 0.05)))


def _chroma_distance(crop: np.ndarray, inner: np.ndarray, ring: np.ndarray) -> float:
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    return float(np.linalg.norm(_middle_mean(lab[..., 1:][inner]) - _middle_mean(lab[..., 1:][ring])))


def _middle_mean(values: np.ndarray) -> np.ndarray:
    """Per-column mean of the values between the 25th and 75th percentiles (robust to hair and shadow)."""
    low, high = np.percentile(values, [25, 75], axis=0)
    keep = (values >= low) & (values <= high)
    return np.array([values[keep[:, i], i].mean() for i in range(values.shape[1])])


def _detail_maps(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared energy removed by a 1-px blur and by a 4-px blur, per pixel."""
    fine = grey - cv2.GaussianBlur(grey, (0, 0), 1.0)
    coarse = grey - cv2.GaussianBlur(grey, (0, 0), 4.0)
    return fine * fine, coarse * coarse


def _fine_share(maps: tuple[np.ndarray, np.ndarray], mask: np.ndarray) -> float:
    """Energy removed by a 1-px blur over energy removed by a 4-px blur: near 1 for sharp detail and
    noise, low for up-sampled or smeared texture, independent of contrast."""
    fine, coarse = maps
    return float(fine[mask].mean() / max(float(coarse[mask].mean()), 1e-6))


def _detail_measures(grey: np.ndarray, masks: Regions) -> dict[str, float]:
    out: dict[str, float] = {}
    if masks.hairline.sum() < MIN_REGION_PX:
        return out
    maps = _detail_maps(grey)
    hair = _fine_share(maps, masks.hairline)
    out["hairline"] = math.log((hair + 1e-3) / (_fine_share(maps, masks.inner) + 1e-3))
    if masks.mouth is not None:
        out["teeth"] = math.log((_fine_share(maps, masks.mouth) + 1e-3) / (hair + 1e-3))
    return out


def _noise_map(residual: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """log2 of the local noise level (median residual in windows about a sixteenth of the crop, so
    edges do not light up) over its median in the inner face."""
    window = max(5, (min(residual.shape) // 16) | 1)
    local = cv2.medianBlur(np.clip(residual * 4, 0, 255).astype(np.uint8), window).astype(np.float32) / 4
    local = cv2.blur(local, (window, window)) + 0.1
    return np.log2(local / float(np.median(local[inner]))).astype(np.float32)


# --- report -------------------------------------------------------------------------------------


def _unusual(zs: dict[str, float]) -> list[str]:
    return [k for k, z in zs.items() if abs(z) > TYPICAL_Z]


def _summary(zs: dict[str, float]) -> str:
    unusual = _unusual(zs)
    if not unusual:
        return "the inner face matches its surroundings in noise, sharpness and skin tone"
    parts = [f"{_WHAT[k][0]} ({_WHAT[k][1]})" for k in sorted(unusual, key=lambda k: -abs(zs[k]))]
    return "unlike real faces, the inner face differs from its surroundings in " + "; ".join(parts[:3])


def _finding(key: str, value: float, z: float) -> Finding:
    low, _, high = REAL_FACE_STATS[key]
    what, where = _WHAT[key]
    if key == "chroma_ring":
        text = f"{what}, {where}: {value:.1f} Lab units apart (real faces: up to {high:.1f})"
    else:
        text = f"{what}, {where}: ratio {math.exp(value):.2f} (real faces: {math.exp(low):.2f}-{math.exp(high):.2f})"
    direction: Direction = "neutral"
    if abs(z) > TYPICAL_Z:
        text += ", outside the range of real faces"
        direction = "fake"
    return Finding(text, direction)


def _artifacts(worst: FrameMeasure) -> list[Artifact]:
    if worst.crop is None or worst.heat is None:
        return []
    heat = np.clip((worst.heat + 1.5) / 3.0, 0.0, 1.0)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
    overlay = cv2.addWeighted(worst.crop, 0.55, colour, 0.45, 0.0)
    if worst.oval is not None:
        cv2.polylines(overlay, [np.round(worst.oval).astype(np.int32)], True, (255, 255, 255), 1, cv2.LINE_AA)
    side = max(overlay.shape[:2])
    if side < 320:
        factor = 320 / side
        overlay = cv2.resize(overlay, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    return [
        Artifact(
            "blend-noise-map",
            "Local noise level over the face crop relative to the inner face (blue = smoother, red = noisier); "
            "white line = the face outline. A pasted face shows as a region with its own level.",
            jpeg_bytes(overlay, quality=90),
            media_type="image/jpeg",
        )
    ]
