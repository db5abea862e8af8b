"""Lighting: do the two eyes reflect the same lights, and does the face's shading agree with them?

Why it works: the cornea is a small convex mirror. In a photograph both eyes look at the same scene
from a few centimetres apart, so a light source leaves a catchlight at (nearly) the same place relative
to each iris centre and with a similar shape: the highlight sits where the corneal normal bisects the
directions to the camera and to the light, so it moves towards the light's side by about
``sin(angle / 2) x corneal radius (7.8 mm)``, about 0.1 iris radii (6 mm) per 10 degrees. The two eyes
see a light a metre away within a few degrees of each other. GAN generators draw each eye without that
physical constraint and often place or shape the two catchlights differently (Hu, Li & Lyu 2021,
"Exposing GAN-generated Faces Using Inconsistent Corneal Specular Highlights"; Matern, Riess &
Stamminger 2019, "Exploiting Visual Artifacts to Expose Deepfakes and Face Manipulations", for missing
or mismatched eye reflections). A face pasted from another shot may also be lit from another side than
its highlights suggest, so the shading over the face (a Lambertian fit of skin brightness against
surface normals from the 3D landmark mesh) is compared with the side of the catchlights.

Thresholds (geometry and landmark accuracy, not fitted to fakes): an offset difference of 0.1 iris
radii means light directions about 10 degrees apart. MediaPipe's iris centre is off by up to ~0.15
radii per eye, so catchlights of one light differ by up to ~0.3 radii in real photos (0.08-0.38 on the
real portraits we looked at, median 0.18), plus about a pixel of rounding, which on a 3 px iris is a
third of its radius. Beyond :data:`OFFSET_TOLERANCE` + :data:`PIXEL_ERROR` / iris radius (0.4 radii =
lights ~40 degrees apart, plus that rounding) one light cannot explain the pair. The highlight masks are also
compared by IoU after aligning the iris centres (Hu et al.'s measure, reported) and after aligning the
highlights themselves (size and shape alone, which counts for at most :data:`SHAPE_WEIGHT`: on small
irises a catchlight spans a handful of pixels and its outline is noisy).

Highlights are found with a white top-hat inside the iris (bright spots smaller than the iris radius),
so the sclera or eyelid skin that the landmark iris circle may overlap is not taken for a catchlight.
The shading check fits ``brightness = a + b . n`` over about 300 skin landmarks with normals ``n``
from the 3D landmark mesh; ``b``'s in-plane part points to the key light. A face shaded from the side
opposite its catchlights adds 0.1 to the score; agreement takes 0.03 off.
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
from unmask.signals.base import AnalysisContext, Artifact, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

MIN_IRIS_PX = 3.0
"""Irises with a smaller radius (pixels) are too small to locate a catchlight in."""
MAX_FRAMES = 8
"""Video: at most this many evenly spaced open-eyed faces of the largest track are measured."""
CANDIDATES = 64
"""Video: open eyes are looked for among at most this many evenly spaced faces of the track."""
PATCH_R = 16
"""Each iris is resampled so that its radius is this many pixels: both eyes on one scale."""
SEARCH_R = 0.8
"""Catchlights are searched inside this fraction of the iris radius (beyond it the sclera leaks in)."""
MIN_CONTRAST = 30.0
"""A catchlight must stand this many grey levels (of 255) above its surroundings (white top-hat)."""
SPOT_MAX = 1.0
"""Bright features wider than this many iris radii are not catchlights (sclera, skin, big reflections)."""
LID_MARGIN = 0.12
"""The eyelid outline is shrunk by this many iris radii so lid skin and lashes stay out of the search."""
EYE_CLOSED_EAR = 0.16
"""Eye aspect ratio (Soukupova & Cech 2016) below which an eye counts as closed."""
MIN_VISIBLE = 0.35
"""Share of the iris disc that must be inside the eyelids."""
OFFSET_TOLERANCE = 0.4
"""Catchlight offsets (in iris radii) that differ by more than this are hard to explain by one light."""
PIXEL_ERROR = 1.0
"""Pixels of offset difference that landmark and centroid rounding alone produce (about half a pixel
per eye each); added to the tolerance as ``PIXEL_ERROR / iris radius``, which matters on small eyes."""
SHAPE_IOU_TOLERANCE = 0.3
"""Highlight masks aligned on their centroids overlapping less than this differ in size or shape."""
SHAPE_WEIGHT = 0.4
"""Most a shape/size mismatch alone can count (as a share of the full catchlight evidence)."""
SHAPE_FULL_PX = 5.0
"""Shape counts fully from MIN_IRIS_PX + this iris radius (pixels) on."""
SHADING_MIN = 0.12
"""Relative shading strength (in-plane Lambertian term over mean skin brightness) needed to name a side."""
MAX_CONFIDENCE = 0.4
OFF_AXIS = 0.2
"""Mean catchlight offset (iris radii) above which the catchlights name a side."""

_HALF = int(1.6 * PATCH_R)
_NOT_SKIN = frozenset(
    regions.RIGHT_EYE_CONTOUR
    + regions.LEFT_EYE_CONTOUR
    + regions.RIGHT_IRIS
    + regions.LEFT_IRIS
    + regions.RIGHT_EYEBROW
    + regions.LEFT_EYEBROW
    + regions.LIPS_OUTER
    + regions.LIPS_INNER
    + regions.FACE_OVAL
)
_SKIN = np.array([i for i in range(468) if i not in _NOT_SKIN])
"""Mesh points on skin (not eyes, brows, lips or the outline): where shading is read."""


@dataclass
class Eye:
    """One eye, resampled so the iris centre is at (_HALF, _HALF) with radius PATCH_R."""

    patch: np.ndarray
    """RGB uint8, 2 * _HALF square."""
    radius_px: float
    highlight: np.ndarray | None = None
    """Boolean mask of the catchlight in patch pixels."""
    offset: np.ndarray | None = None
    """Catchlight centroid minus iris centre, in iris radii (x right, y down)."""


@dataclass
class Pair:
    time: float
    right: Eye
    left: Eye
    shading: np.ndarray | None = None
    """In-plane light direction from the skin shading (x right, y down), length = relative strength."""
    measures: dict[str, float] = field(default_factory=dict)


@register_signal
class LightingSignal(Signal):
    name = "lighting"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = "Corneal catchlights of the two eyes compared, and against the shading of the face"

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        track = ctx.largest_track()
        if track is None:
            return "no face large enough to analyse"
        radius = float(np.median([iris_radius(f) for f in _evenly(track.faces, CANDIDATES)]))
        if radius < MIN_IRIS_PX:
            return f"eyes too small to find catchlights (iris radius {radius:.1f} px, needs {MIN_IRIS_PX:.0f} px)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        faces, closed = _sample(ctx)
        if not faces:
            return Outcome.not_applicable("the eyes are closed" if closed else "the eyes are too small or hidden")
        frames = ctx.media.frames
        pairs = [
            p for p in (measure_pair(frames[f.frame_index].pixels, f, frames[f.frame_index].time) for f in faces) if p
        ]
        if not pairs:
            return Outcome.not_applicable("the irises are too covered by the eyelids to compare")
        both = [p for p in pairs if p.right.offset is not None and p.left.offset is not None]
        one = [p for p in pairs if (p.right.offset is None) != (p.left.offset is None)]
        if not both and not one:
            return Outcome.not_applicable("no catchlight to compare: neither eye shows a specular highlight")
        shown = max(both or one, key=lambda p: p.measures.get("offset_difference", 0.0))
        artifacts = _artifacts(shown) if ctx.options.artifacts else []
        if not both:
            return _one_eye_outcome(len(one), len(pairs), artifacts)
        return _compare(both, len(pairs), artifacts, ctx.media.kind is MediaKind.VIDEO)


def iris_radius(face: Face) -> float:
    """Mean iris radius of the two eyes in pixels (centre to the four rim landmarks)."""
    radii = []
    for group in (regions.RIGHT_IRIS, regions.LEFT_IRIS):
        points = face.points(group)
        radii.append(float(np.linalg.norm(points[1:] - points[0], axis=1).mean()))
    return float(np.mean(radii))


def eye_aspect_ratio(face: Face, group: tuple[int, ...]) -> float:
    p = face.points(group)
    vertical = float(np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4]))
    return vertical / max(2.0 * float(np.linalg.norm(p[0] - p[3])), 1e-6)


def eyes_open(face: Face) -> bool:
    return min(eye_aspect_ratio(face, regions.RIGHT_EYE_EAR), eye_aspect_ratio(face, regions.LEFT_EYE_EAR)) >= (
        EYE_CLOSED_EAR
    )


def _sample(ctx: AnalysisContext) -> tuple[list[Face], bool]:
    """Evenly spaced open-eyed faces of the largest track, and whether faces were dropped as closed."""
    track = ctx.largest_track()
    if track is None:
        return [], False
    sized = [f for f in _evenly(track.faces, CANDIDATES) if iris_radius(f) >= MIN_IRIS_PX]
    opened = [f for f in sized if eyes_open(f)]
    return _evenly(opened, MAX_FRAMES), bool(sized) and not opened


def _evenly(faces: list[Face], limit: int) -> list[Face]:
    if len(faces) <= limit:
        return faces
    return [faces[i] for i in np.linspace(0, len(faces) - 1, limit).round().astype(int)]


# --- one face -------------------------------------------------------------------------------------


def measure_pair(pixels: np.ndarray, face: Face, time: float = 0.0) -> Pair | None:
    """Both eyes' catchlights and the face's shading direction, or None if an iris is hidden."""
    right = _eye(pixels, face, regions.RIGHT_IRIS, regions.RIGHT_EYE_CONTOUR)
    left = _eye(pixels, face, regions.LEFT_IRIS, regions.LEFT_EYE_CONTOUR)
    if right is None or left is None:
        return None
    pair = Pair(time=time, right=right, left=left)
    if right.offset is not None and left.offset is not None:
        pair.measures = _pair_measures(right, left)
        pair.shading = shading_direction(pixels, face)
    return pair


def _eye(pixels: np.ndarray, face: Face, iris: tuple[int, ...], contour: tuple[int, ...]) -> Eye | None:
    points = face.points(iris)
    centre = points[0]
    radius = float(np.linalg.norm(points[1:] - centre, axis=1).mean())
    if radius < MIN_IRIS_PX * 0.75:
        return None
    k = PATCH_R / radius
    matrix = np.array([[k, 0, _HALF - k * centre[0]], [0, k, _HALF - k * centre[1]]], dtype=np.float32)
    patch = cv2.warpAffine(
        pixels, matrix, (2 * _HALF, 2 * _HALF), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    lids = np.zeros(patch.shape[:2], np.uint8)
    outline = face.points(contour) * k + matrix[:, 2]
    cv2.fillPoly(lids, [np.round(outline).astype(np.int32)], 1)
    margin = max(1, round(LID_MARGIN * PATCH_R))
    lids = cv2.erode(lids, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1)))
    disc = _disc(1.0)
    visible = disc & lids.astype(bool)
    if visible.sum() < MIN_VISIBLE * disc.sum():
        return None
    eye = Eye(patch=patch, radius_px=radius)
    eye.highlight, eye.offset = find_highlight(patch, _disc(SEARCH_R) & visible)
    return eye


def _disc(fraction: float) -> np.ndarray:
    ys, xs = np.mgrid[0 : 2 * _HALF, 0 : 2 * _HALF]
    inside: np.ndarray = (xs - _HALF) ** 2 + (ys - _HALF) ** 2 <= (fraction * PATCH_R) ** 2
    return inside


def find_highlight(patch: np.ndarray, search: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The strongest small bright spot in ``search`` and its offset from the iris centre.

    A white top-hat (grey minus its morphological opening with a disc of :data:`SPOT_MAX` iris radii)
    keeps only bright features smaller than the disc: a catchlight survives, the sclera, skin and the
    iris itself do not, even where the landmark iris circle spills over them.
    """
    if search.sum() < 12:
        return None, None
    grey = cv2.GaussianBlur(cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 0.8)
    size = max(3, round(SPOT_MAX * PATCH_R) | 1)
    tophat = cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    masked = np.where(search, tophat, 0.0)
    py, px = np.unravel_index(int(np.argmax(masked)), masked.shape)
    peak = float(masked[py, px])
    if peak < MIN_CONTRAST:
        return None, None
    _, labels = cv2.connectedComponents(((masked >= 0.5 * peak) & search).astype(np.uint8))
    blob = labels == labels[py, px]
    weights = masked * blob
    ys, xs = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]]
    total = float(weights.sum()) + 1e-6
    centroid = np.array([(xs * weights).sum() / total, (ys * weights).sum() / total])
    return blob, (centroid - _HALF) / PATCH_R


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = float((a | b).sum())
    return float((a & b).sum()) / union if union else 0.0


def _shift(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    moved = cv2.warpAffine(mask.astype(np.uint8), matrix, mask.shape[::-1], flags=cv2.INTER_NEAREST)
    return moved.astype(bool)


def _pair_measures(right: Eye, left: Eye) -> dict[str, float]:
    assert right.offset is not None and left.offset is not None
    assert right.highlight is not None and left.highlight is not None
    delta = (left.offset - right.offset) * PATCH_R
    aligned = _shift(left.highlight, -float(delta[0]), -float(delta[1]))
    area_r, area_l = float(right.highlight.sum()), float(left.highlight.sum())
    return {
        "offset_difference": float(np.linalg.norm(right.offset - left.offset)),
        "iou": _iou(right.highlight, left.highlight),
        "shape_iou": _iou(right.highlight, aligned),
        "area_ratio": max(area_r, area_l) / max(min(area_r, area_l), 1.0),
    }


# --- shading ----------------------------------------------------------------------------------------


def surface_normals(landmarks: np.ndarray, at: np.ndarray, k: int = 10) -> np.ndarray:
    """Unit normals of the landmark mesh at the points ``at`` (plane fit to each point's k nearest
    neighbours in 3D), facing the camera (z < 0: MediaPipe's z is smaller for nearer points)."""
    xyz = landmarks[:, :3].astype(np.float32)
    squared = (xyz * xyz).sum(axis=1)
    distances = squared[at][:, None] + squared[None, :] - 2.0 * (xyz[at] @ xyz.T)
    groups = xyz[np.argpartition(distances, k, axis=1)[:, : k + 1]]
    centred = groups - groups.mean(axis=1, keepdims=True)
    _, vectors = np.linalg.eigh(np.einsum("nki,nkj->nij", centred, centred))
    normals = vectors[:, :, 0]
    return normals * np.where(normals[:, 2:3] > 0, -1.0, 1.0)


def shading_direction(pixels: np.ndarray, face: Face) -> np.ndarray | None:
    """In-plane light direction from a Lambertian fit ``Y = a + b . n`` of smoothed skin brightness
    at the skin landmarks against their mesh normals ``n``, as ``b_xy / a`` (length = relative
    strength); None when the fit explains under a fifth of the brightness variance."""
    values, inside = _skin_brightness(pixels, face)
    if values is None or len(values) < 50:
        return None
    normals = surface_normals(face.landmarks, _SKIN[inside])
    design = np.column_stack([np.ones(len(values)), normals])
    keep = np.ones(len(values), dtype=bool)
    for _ in range(2):  # refit without outliers (moles, beard, specular skin)
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        residual = values - design @ coef
        keep = np.abs(residual) <= 2.5 * 1.4826 * np.median(np.abs(residual[keep])) + 1e-6
    explained = 1.0 - float(np.var(residual[keep])) / max(float(np.var(values[keep])), 1e-6)
    mean = float(values[keep].mean())
    if explained < 0.2 or mean < 10:
        return None
    return np.asarray(coef[1:3] / mean, dtype=np.float64)


def _skin_brightness(pixels: np.ndarray, face: Face) -> tuple[np.ndarray | None, np.ndarray]:
    """Smoothed grey level at each skin landmark (face resampled to at most 160 px for speed), and
    which skin landmarks lie inside the picture."""
    box = face.box.expanded(1.2, pixels.shape[1], pixels.shape[0])
    x0, y0 = int(box.x0), int(box.y0)
    region = pixels[y0 : math.ceil(box.y1), x0 : math.ceil(box.x1)]
    if min(region.shape[:2]) < 8:
        return None, np.zeros(len(_SKIN), dtype=bool)
    scale = min(1.0, 160.0 / max(face.box.size, 1.0))
    grey = cv2.cvtColor(region, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), max(1.0, face.eye_distance * scale / 25))
    xy = np.round((face.landmarks[_SKIN, :2] - [x0, y0]) * scale).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 1] >= 0) & (xy[:, 0] < smooth.shape[1]) & (xy[:, 1] < smooth.shape[0])
    return smooth[xy[inside, 1], xy[inside, 0]], inside


# --- judgement --------------------------------------------------------------------------------------


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def offset_tolerance(iris_px: float) -> float:
    """Largest offset difference (iris radii) one light explains at this iris size."""
    return OFFSET_TOLERANCE + PIXEL_ERROR / max(iris_px, 1.0)


def lighting_evidence(offset_difference: float, shape_iou: float, iris_px: float) -> float:
    """0 (catchlights agree) .. 1 (they cannot come from the same lights). Position decides; shape and
    size count for at most SHAPE_WEIGHT, less on small irises where a catchlight spans few pixels."""
    position = _sigmoid((offset_difference - offset_tolerance(iris_px)) / 0.08)
    shape = _sigmoid((SHAPE_IOU_TOLERANCE - shape_iou) / 0.1)
    trust = SHAPE_WEIGHT * min(1.0, max(0.0, (iris_px - MIN_IRIS_PX) / SHAPE_FULL_PX))
    return max(position, trust * shape)


def shading_agreement(pairs: list[Pair]) -> float | None:
    """Cosine between the shading direction and the catchlights' side, when both name a side."""
    cosines = []
    for pair in pairs:
        if pair.shading is None or pair.right.offset is None or pair.left.offset is None:
            continue
        side = (pair.right.offset + pair.left.offset) / 2
        if np.linalg.norm(side) < OFF_AXIS or np.linalg.norm(pair.shading) < SHADING_MIN:
            continue
        cosines.append(float(side @ pair.shading / (np.linalg.norm(side) * np.linalg.norm(pair.shading))))
    return float(np.median(cosines)) if cosines else None


def _compare(both: list[Pair], measured: int, artifacts: list[Artifact], video: bool) -> Outcome:
    keys = ("offset_difference", "iou", "shape_iou", "area_ratio")
    med = {k: float(np.median([p.measures[k] for p in both])) for k in keys}
    radius = float(np.median([(p.right.radius_px + p.left.radius_px) / 2 for p in both]))
    evidence = lighting_evidence(med["offset_difference"], med["shape_iou"], radius)
    score = 0.38 + 0.5 * evidence
    worst = max(both, key=lambda p: p.measures["offset_difference"])
    findings = [_catchlight_finding(med, evidence, offset_tolerance(radius)), _where_finding(worst, video)]
    agreement = shading_agreement(both)
    if agreement is not None:
        score += -0.03 if agreement > 0.5 else 0.1 if agreement < -0.2 else 0.0
        findings.append(_shading_finding(agreement))
    confidence = min(MAX_CONFIDENCE, 0.2 + 0.15 * min(1.0, radius / 8.0) + 0.02 * len(both))
    if video:
        findings.append(Finding(f"catchlights found in both eyes on {len(both)} of {measured} measured frames"))
    details: dict[str, float | int | None] = {k: round(v, 4) for k, v in med.items()}
    details.update(frames_compared=len(both), iris_radius_px=round(radius, 2), shading_agreement=_round(agreement))
    apart = f"{med['offset_difference']:.2f} iris radii"
    if med["offset_difference"] > offset_tolerance(radius):
        summary = (
            f"the two eyes' catchlights sit at different places ({apart} apart): one set of lights would not do that"
        )
    elif med["shape_iou"] < SHAPE_IOU_TOLERANCE:
        summary = f"the two eyes' catchlights sit alike ({apart} apart) but differ in size or shape"
    else:
        summary = f"the two eyes' catchlights agree in place ({apart} apart) and shape"
    return Outcome.scored(
        min(max(score, 0.0), 1.0), confidence, summary, findings=findings, details=details, artifacts=artifacts
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _catchlight_finding(med: dict[str, float], evidence: float, tolerance: float) -> Finding:
    text = (
        f"the catchlights' offsets from their iris centres differ by {med['offset_difference']:.2f} iris radii "
        f"(one light stays under about {tolerance:.2f} at this iris size); the highlight masks overlap with IoU "
        f"{med['iou']:.2f} with iris centres aligned and {med['shape_iou']:.2f} with the highlights aligned "
        f"(size ratio {med['area_ratio']:.1f})"
    )
    return Finding(text, "fake" if evidence > 0.5 else "real" if evidence < 0.2 else "neutral")


def _where_finding(pair: Pair, video: bool) -> Finding:
    assert pair.right.offset is not None and pair.left.offset is not None
    text = f"catchlight of the subject's right eye: {_where(pair.right.offset)}; left eye: {_where(pair.left.offset)}"
    return Finding(text, time=pair.time if video else None)


def _where(offset: np.ndarray) -> str:
    distance = float(np.linalg.norm(offset))
    if distance < 0.1:
        return "at the iris centre"
    vertical = "up" if offset[1] < -0.07 else "down" if offset[1] > 0.07 else ""
    horizontal = "left" if offset[0] < -0.07 else "right" if offset[0] > 0.07 else ""
    side = "-".join(p for p in (vertical, horizontal) if p)
    return f"{distance:.2f} iris radii {side} of the centre (as seen in the picture)"


def _shading_finding(agreement: float) -> Finding:
    if agreement < -0.2:
        return Finding("the face is shaded as if lit from the side opposite its catchlights", "fake")
    if agreement > 0.5:
        return Finding("the shading of the face and the catchlights point to the same light side", "real")
    return Finding("the shading of the face and the catchlights name different but not opposite sides")


def _one_eye_outcome(frames: int, measured: int, artifacts: list[Artifact]) -> Outcome:
    text = (
        f"a catchlight shows in one eye only ({frames} of {measured} frames): the other is missing, "
        "which one light seldom does, but an eyelid or gaze can hide it"
    )
    return Outcome.scored(
        0.6,
        0.12,
        "a catchlight shows in one eye only",
        findings=[Finding(text, "fake")],
        artifacts=artifacts,
        details={"frames_one_eye": frames},
    )


def _eye_view(eye: Eye, scale: int = 4) -> np.ndarray:
    view = cv2.resize(eye.patch, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    centre = (_HALF * scale, _HALF * scale)
    cv2.circle(view, centre, PATCH_R * scale, (0, 255, 0), 1, cv2.LINE_AA)
    cv2.drawMarker(view, centre, (0, 255, 0), cv2.MARKER_CROSS, 8, 1)
    if eye.highlight is not None and eye.offset is not None:
        contours, _ = cv2.findContours(
            cv2.resize(eye.highlight.astype(np.uint8), None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST),
            cv2.RETR_EXTERNAL,
            cv2.CHAIN_APPROX_SIMPLE,
        )
        cv2.drawContours(view, contours, -1, (255, 0, 255), 1)
        tip = (round(centre[0] + eye.offset[0] * PATCH_R * scale), round(centre[1] + eye.offset[1] * PATCH_R * scale))
        cv2.arrowedLine(view, centre, tip, (0, 255, 255), 1, cv2.LINE_AA, tipLength=0.2)
    return view


def _artifacts(pair: Pair) -> list[Artifact]:
    gap = np.full((_HALF * 8, 8, 3), 255, dtype=np.uint8)
    picture = np.hstack([_eye_view(pair.right), gap, _eye_view(pair.left)])
    return [
        Artifact(
            "catchlights",
            "The two irises on one scale (subject's right eye on the left): green = iris, magenta = "
            "catchlight, cyan arrow = its offset from the iris centre. Real eyes show matching arrows.",
            jpeg_bytes(picture, quality=90),
            media_type="image/jpeg",
        )
    ]
