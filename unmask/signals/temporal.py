"""Temporal consistency: does a tracked face hold together from one frame to the next?

Why it works: face swaps and re-enactments are made one frame at a time. The generator sees no
neighbouring frames, so what it produces is plausible in every frame but not *continuous* across them.
Learned video detectors exploit exactly this (Sabir et al., CVPRW 2019, recurrent convolutional networks;
Hu et al., IJCAI 2021, DIANet's cross-frame reference module; Zheng et al., ICCV 2021, FTCN, whose
network sees only temporal coherence and still generalises across datasets; Haliassos et al., CVPR 2021,
LipForensics). This signal measures three explicit, checkable forms of that incoherence on the shared
face track, each against the same face's own smooth trajectory, so head motion, speech and expressions
(smooth at video rates) are not counted:

(a) **Landmark jitter beyond head motion.** Each frame's landmarks are mapped by a similarity transform
    (rotation, scale, shift) onto the track's reference shape, which removes head motion, then compared
    with a Savitzky-Golay-smoothed version of themselves. What is left on the eyes and nose, in units of
    the eye distance, is per-frame shape noise. A pasted face whose inner features are regenerated each
    frame wobbles against its own outline (Yang, Li and Lyu, ICASSP 2019, "Exposing deep fakes using
    inconsistent head poses", exploit the same split between central face and head in single frames).
    Landmark detectors also jitter on real faces, so the reference level is MediaPipe's on real footage.
(b) **Identity drift.** A swap's identity flickers between source and target, most where the generator
    is least sure (profile views, occlusions, fast motion), so the same tracked face is not quite the
    same person in every frame. dlib's face-recognition ResNet (:mod:`unmask.faces.identity`; 99.38 % on
    LFW, 0.6 between two people) embeds up to :data:`IDENTITY_SAMPLES` calm frames spread evenly over
    the track, and the measure is the 75th percentile of the distances between all pairs of them, on
    dlib's own scale (0.6: two people). Not the distance to the track's median embedding: when the
    identity flickers half and half, the median falls between the two people and every frame sits only
    half their distance from it (measured: 0.39 for two faces 0.76 apart, against 0.17-0.31 on real
    clips). Not only consecutive samples either: they lie 0.2-1 s apart, so "consecutive" has no special
    meaning, and all pairs of eight samples give 28 distances from the same embeddings at no extra cost.
    A leak in a sixth of the frames or more already puts a quarter of the pairs across the two
    identities. (This replaces a low-frequency appearance proxy that also followed lighting and motion.)
(c) **Flicker at the face boundary.** Blending masks are estimated per frame, so the seam where the new
    face meets the old head changes colour and sharpness from frame to frame (Li et al., CVPR 2020, Face
    X-ray, for the seam itself). The mean colour and Laplacian texture of a band straddling the face
    outline (MediaPipe's FACE_OVAL, dilated and eroded) are tracked over time, and their non-smooth part
    is compared with the same measure inside the face and outside it, which carry the camera noise and
    compression flicker that real footage has too.

Boundary masks are placed from the *smoothed* landmarks, so (c) sees the pixels change, not the landmark
noise that (a) measures; (b) uses dlib's own alignment. Repeated frames (frame-rate conversion) are
dropped first, and levels are taken over the calmer half of the frames, because stop-start motion and
fast head shakes make real footage look incoherent. Short runs carry little evidence: a run needs at
least :data:`MIN_RUN_FRAMES` distinct consecutive frames (half a second at 30 fps), and confidence grows
with duration. Every measure is a level relative to real footage, not a learned decision, so confidence
stays at or under 0.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

from unmask.faces import identity, regions
from unmask.faces.align import alignment_matrix, transform_points
from unmask.faces.track import unbroken_runs
from unmask.faces.types import Face, FaceTrack
from unmask.media.types import Media, MediaKind
from unmask.report.artifacts import figure_png, new_figure
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

MIN_RUN_FRAMES = 15
"""Distinct consecutive frames a run needs (half a second at 30 fps, 0.6 s at 25). The smoother spans 5
frames and its two ends are fitted, not smoothed, so 15 frames leave about ten honest residuals per
run: the fewest for which a median means something. Confidence then grows with duration, so a run this
short counts for little."""
MIN_RUN_SECONDS = 0.45
SMOOTH_SECONDS = 0.2
"""Savitzky-Golay window (order 2, at least 5 frames): follows head turns, speech and expressions, which
change over several frames, and leaves the frame-to-frame part, which no real face motion has at video
rates. Measured on real clips: a 0.3 s window left fast head shakes in the residual."""
FULL_CONFIDENCE_SECONDS = 8.0
MAX_CONFIDENCE = 0.4
MAX_TRACKS = 4
CALM_SPEED = 0.02
"""Head speed (eye distances per frame) below which a frame always counts as calm."""

CENTRAL = (*regions.NOSE_BRIDGE, 33, 133, 362, 263)
"""Eye corners and nose: the inner face a swap replaces; their residual is the jitter measure."""
RIGID = (*CENTRAL, *regions.FACE_OVAL[:9], *regions.FACE_OVAL[-8:])
"""Points that move with the skull: eye corners (not lids, which blink), nose, and the upper half of the
face outline, forehead and temples (not the jaw, which opens in speech). Head motion is removed with a
similarity fit on these."""

CROP = 128
CROP_MARGIN = 0.45
"""Aligned crop size and margin: the whole face outline plus a ring outside it stays in the crop."""
BAND = 0.14
"""Half-width of the boundary band, in eye distances (about 3 px in the crop)."""
FLICKER_FLOOR = 0.35
"""Grey levels added to the inside/outside flicker before dividing: a perfectly still synthetic frame
would otherwise make any band change look infinite."""

REFERENCE = {"jitter": 0.010, "identity": 0.6, "boundary": 1.6}
"""Where each measure's lean is 50/50, for the level over the calmer frames of a track. Set from real
footage only, never from fakes or the dev set, with ``bench/calibrate_temporal.py``: the seven real
talking-head clips of the training set (LivePortrait driving videos d3, d6, d9, d10, d11, d12, d20:
phone and webcam, 480-512 px, eye distance 85-128 px, fast head motion, glasses, repeated frames) give
jitter 0.0025-0.0061 eye distances, identity 0.29-0.52 (0.29-0.35 on five clips; 0.46 on d6 and 0.52
on d3, with large head turns), boundary 0.53-0.85. The jitter and boundary references sit at about
twice the highest real level; the jitter reference also grows by :data:`JITTER_PIXELS` over the eye
distance in pixels (the detector's own pixel noise, which dominates on small faces: 0.0127 at a 110 px
eye distance, 0.020 at 30 px). Identity is on dlib's absolute scale, where twice the highest real level
(~1.0) lies beyond most pairs of different people (0.6-0.9), so its reference is dlib's own
same-person threshold, 0.6, just above the highest real clip."""
JITTER_PIXELS = 0.3
STEEPNESS = {"jitter": 2.5, "identity": 4.0, "boundary": 2.5}
"""Log-odds per natural-log unit of the measure over its reference (a doubling moves jitter ~1.7).
Identity is steeper because its scale is narrow: real clips at 0.29-0.52 and two people at 0.6-0.9, so
0.8 (two people) gives +1.2 and the highest real clip (0.52) -0.57."""
LOGIT_RANGE = (-0.6, 3.0)
"""A smooth, steady face is weak evidence of authenticity (good fakes are smooth too: on the dev set's
DeepFaceLive swaps all three measures stay at real levels), so no measure leans towards "real" by more
than a logit of 0.6 (score 0.35); an incoherent one may lean towards "fake" by up to 3."""
COMPONENT_WEIGHT = {"jitter": 1.0, "identity": 1.0, "boundary": 1.0}
"""Equal weights: each is measured on the face itself against real footage, and identity drift is now a
face-recognition distance, not a proxy that also follows lighting."""
LABELS = {
    "jitter": "landmark jitter beyond head motion",
    "identity": "identity drift (face-embedding distance)",
    "boundary": "flicker at the face boundary",
}
UNITS = {"jitter": " eye distances", "identity": " dlib distance", "boundary": "x inside/outside flicker"}
IDENTITY_SAMPLES = 8
"""Frames embedded per track, at most, spread evenly over its calm frames. dlib's network costs about
100 ms of CPU per face on this project's machine (measured with the CPU shared; the 10-30 ms often
quoted is a free modern core), so eight keep the signal near a second on a 10 s clip, and give 28 pair
distances. Shorter tracks get one sample per :data:`IDENTITY_SPACING` seconds of calm footage, but at
least :data:`MIN_IDENTITY_SAMPLES`."""
IDENTITY_SPACING = 0.5
MIN_IDENTITY_SAMPLES = 5
"""Fewer embedded frames than this (faces too small for dlib, under 20 px between the eyes) and identity
drift is not measured: six pair distances from four frames say little."""


@dataclass(frozen=True)
class Curves:
    """Per-frame measures of one run of consecutive frames."""

    frames: list[int]
    times: np.ndarray
    jitter: np.ndarray
    """Central-landmark residual, eye distances."""
    boundary: np.ndarray
    """Band flicker over the mean of inside and outside flicker (median-normalised per run)."""
    speed: np.ndarray
    """Head speed from the smoothed landmarks, eye distances per frame."""
    eye_px: float
    """Median eye distance in frame pixels."""
    inner: np.ndarray
    """False for the half-window at each end of the run, where the smoother extrapolates."""


@dataclass(frozen=True)
class IdentitySamples:
    """The frames of a track that were embedded, and how far each is from the track's median identity."""

    times: np.ndarray
    distances: np.ndarray
    """Per embedded frame: its median dlib distance to the track's other embedded frames (a frame where
    another identity leaks through is far from most others)."""
    pairs: np.ndarray
    """dlib distance between every pair of embedded frames."""
    tried: int
    """Frames picked for embedding; those with faces too small for dlib have no distance."""

    @property
    def level(self) -> float | None:
        """75th percentile of the pair distances, or ``None`` when too few frames could be embedded."""
        return float(np.percentile(self.pairs, 75)) if len(self.distances) >= MIN_IDENTITY_SAMPLES else None


@dataclass(frozen=True)
class Assessment:
    """One track's verdict: its runs, the level of each measure, the level real footage stays under.
    ``levels`` lacks ``identity`` when the face was too small to embed."""

    track: FaceTrack
    curves: list[Curves]
    identity: IdentitySamples
    levels: dict[str, float]
    references: dict[str, float]

    @property
    def logits(self) -> dict[str, float]:
        return {
            key: float(np.clip(STEEPNESS[key] * math.log(max(value, 1e-9) / self.references[key]), *LOGIT_RANGE))
            for key, value in self.levels.items()
        }

    @property
    def logit(self) -> float:
        """Weighted mean of the component log-odds, plus half the strongest positive one: one clear tell
        moves the score even when the other measures are quiet."""
        logits = self.logits
        mean = sum(COMPONENT_WEIGHT[k] * v for k, v in logits.items()) / sum(COMPONENT_WEIGHT[k] for k in logits)
        return mean + 0.5 * max(0.0, *(COMPONENT_WEIGHT[k] * v for k, v in logits.items()))

    @property
    def seconds(self) -> float:
        return float(sum(c.times[-1] - c.times[0] for c in self.curves))


@register_signal
class TemporalSignal(Signal):
    name = "temporal"
    version = "2.0"
    applies_to = frozenset({MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = (
        "Frame-to-frame face consistency: landmark jitter, identity drift (dlib face embeddings), boundary flicker"
    )

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        if not _analysable_runs(ctx):
            return (
                f"no face is tracked over {MIN_RUN_FRAMES} consecutive frames ({MIN_RUN_SECONDS:.2g} s or more): "
                "too short to judge frame-to-frame consistency"
            )
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        assessments = [assess(ctx.media, track, runs) for track, runs in _analysable_runs(ctx)[:MAX_TRACKS]]
        worst = max(assessments, key=lambda a: a.logit)
        return _outcome(ctx, worst, len(assessments))


def assess(media: Media, track: FaceTrack, runs: list[list[Face]]) -> Assessment:
    """Measure every run of a track and sum them up."""
    curves = [measure_run(media, run) for run in runs]
    eye_px = float(np.median([c.eye_px for c in curves]))
    references = {**REFERENCE, "jitter": REFERENCE["jitter"] + JITTER_PIXELS / max(eye_px, 1.0)}
    samples = identity_drift(media, runs, curves)
    levels = _levels(curves)
    if samples.level is not None:
        levels["identity"] = samples.level
    return Assessment(track, curves, samples, levels, references)


def identity_drift(media: Media, runs: list[list[Face]], curves: list[Curves]) -> IdentitySamples:
    """Embed evenly spread calm frames of a track with dlib and measure the distances between them (the
    track is one person throughout, across all its runs)."""
    faces = [face for run in runs for face in run]
    picked = [faces[i] for i in _identity_picks(curves)]
    found = [(f, identity.embed(media.frames[f.frame_index].pixels, f)) for f in picked]
    embedded = [(f, e) for f, e in found if e is not None]
    if len(embedded) < 2:
        return IdentitySamples(np.zeros(0), np.zeros(0), np.zeros(0), len(picked))
    vectors = np.stack([e for _, e in embedded])
    matrix = np.linalg.norm(vectors[:, None] - vectors[None], axis=2)
    others = ~np.eye(len(vectors), dtype=bool)
    return IdentitySamples(
        times=np.array([media.frames[f.frame_index].time for f, _ in embedded]),
        distances=np.array([float(np.median(row[mask])) for row, mask in zip(matrix, others, strict=True)]),
        pairs=matrix[np.triu_indices(len(vectors), 1)],
        tried=len(picked),
    )


def _identity_picks(curves: list[Curves]) -> list[int]:
    """Indices (into the track's concatenated runs) of the frames to embed: the calm frames, evenly
    spread, one per :data:`IDENTITY_SPACING` seconds of calm footage, between
    :data:`MIN_IDENTITY_SAMPLES` and :data:`IDENTITY_SAMPLES`."""
    calm = np.flatnonzero(_calm(curves))
    if not len(calm):
        return []
    seconds = sum(float(c.times[-1] - c.times[0]) for c in curves) * len(calm) / sum(len(c.frames) for c in curves)
    wanted = int(np.clip(round(seconds / IDENTITY_SPACING), MIN_IDENTITY_SAMPLES, IDENTITY_SAMPLES))
    spots = np.unique(np.round(np.linspace(0, len(calm) - 1, min(wanted, len(calm)))).astype(int))
    return [int(calm[i]) for i in spots]


def consecutive_runs(media: Media, track: FaceTrack) -> list[list[Face]]:
    """The track's unbroken runs, long enough and without repeated frames."""
    runs = unbroken_runs(track, media.frames, media.fps)
    kept = (drop_repeats(media, run) for run in runs if len(run) >= MIN_RUN_FRAMES)
    return [unique for unique in kept if _long_enough(media, unique)]


REPEAT_FRACTION = 0.15
REPEAT_CEILING = 2.0
"""A frame repeats its predecessor when the face region (grey, area-averaged to 24 x 24) differs from it
by less than :data:`REPEAT_FRACTION` of the run's median frame difference, and by under
:data:`REPEAT_CEILING` grey levels. Frame-rate conversion (24p telecined to 30p, phone variable frame
rate, re-timed clips) repeats about one frame in five; motion then stops and starts, which would look
like jitter. Measured: repeats differ by 0.0-0.8 grey levels where distinct frames differ by 5-40."""


def drop_repeats(media: Media, run: list[Face]) -> list[Face]:
    """The run without frames that repeat their predecessor's pixels."""
    window = _run_box(media, run)
    if window is None:
        return run
    patches = [_patch(media.frames[face.frame_index].pixels, window) for face in run]
    differences = np.array([np.abs(now - before).mean() for before, now in pairwise(patches)])
    if not len(differences):
        return run
    limit = min(REPEAT_CEILING, REPEAT_FRACTION * float(np.median(differences)))
    return [run[0], *(face for face, d in zip(run[1:], differences, strict=True) if d >= limit)]


def _run_box(media: Media, run: list[Face]) -> tuple[int, int, int, int] | None:
    """The median face box of the run, in whole pixels inside the frame; ``None`` if degenerate."""
    boxes = np.array([[f.box.x0, f.box.y0, f.box.x1, f.box.y1] for f in run])
    x0, y0, x1, y1 = np.median(boxes, axis=0)
    height, width = media.frames[run[0].frame_index].pixels.shape[:2]
    left, top = max(0, int(x0)), max(0, int(y0))
    right, bottom = min(width, int(x1) + 1), min(height, int(y1) + 1)
    return (left, top, right, bottom) if right - left >= 4 and bottom - top >= 4 else None


def _patch(pixels: np.ndarray, window: tuple[int, int, int, int]) -> np.ndarray:
    """The window in grey, area-averaged to 24 x 24 (large faces are subsampled to about 48 px first)."""
    x0, y0, x1, y1 = window
    step = max(1, min(x1 - x0, y1 - y0) // 48)
    grey = cv2.cvtColor(np.ascontiguousarray(pixels[y0:y1:step, x0:x1:step]), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (24, 24), interpolation=cv2.INTER_AREA).astype(np.float32)


def _long_enough(media: Media, run: list[Face]) -> bool:
    span = media.frames[run[-1].frame_index].time - media.frames[run[0].frame_index].time
    return len(run) >= MIN_RUN_FRAMES and span >= MIN_RUN_SECONDS - 1e-6


def _analysable_runs(ctx: AnalysisContext) -> list[tuple[FaceTrack, list[list[Face]]]]:
    def compute() -> list[tuple[FaceTrack, list[list[Face]]]]:
        if ctx.faces is None or ctx.media.kind is not MediaKind.VIDEO:
            return []
        found = [(t, consecutive_runs(ctx.media, t)) for t in ctx.faces.usable_tracks()]
        found = [(t, runs) for t, runs in found if runs]
        return sorted(found, key=lambda item: -sum(len(r) for r in item[1]) * item[0].median_size)

    result: list[tuple[FaceTrack, list[list[Face]]]] = ctx.derived("temporal.runs", compute)
    return result


def _window(n: int, fps: float) -> int:
    length = max(5, round(SMOOTH_SECONDS * fps))
    length += 1 - length % 2
    return min(length, n - 1 if n % 2 == 0 else n)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    from scipy.signal import savgol_filter  # scipy.signal takes 1.6 s to import: only when used

    return np.asarray(savgol_filter(values, window, 2, axis=0, mode="interp"))


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (Umeyama 1991) mapping ``src`` (N, 2) onto ``dst``, as a 2 x 3 matrix."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    cov = b.T @ a / len(src)
    u, s, vt = np.linalg.svd(cov)
    d = np.diag([1.0, float(np.sign(np.linalg.det(u @ vt)) or 1.0)])
    rotation = u @ d @ vt
    scale = float(np.trace(np.diag(s) @ d) / max(float((a * a).sum() / len(src)), 1e-12))
    matrix = np.empty((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = mu_d - scale * rotation @ mu_s
    return matrix


def landmark_jitter(marks: np.ndarray, window: int) -> np.ndarray:
    """Per-frame residual of the central landmarks, in eye distances, after head motion is removed.

    ``marks`` is (T, 478, 2). Every frame is mapped onto the median shape by a similarity fit on the
    rigid points; the residual from the temporally smoothed shape is the non-rigid, non-smooth part.
    """
    reference = np.median(marks, axis=0)
    eye = _eye_distance(reference)
    rigid = list(RIGID)
    aligned = np.empty_like(marks)
    for t, frame in enumerate(marks):
        m = similarity(frame[rigid], reference[rigid])
        aligned[t] = frame @ m[:, :2].T + m[:, 2]
    central = aligned[:, list(CENTRAL)]
    residual = central - _smooth(central, window)
    return np.asarray(np.sqrt((residual**2).sum(axis=2).mean(axis=1)) / max(eye, 1e-6))


def _eye_distance(marks: np.ndarray) -> float:
    right = marks[list(regions.RIGHT_EYE_CONTOUR)].mean(axis=0)
    left = marks[list(regions.LEFT_EYE_CONTOUR)].mean(axis=0)
    return float(np.linalg.norm(left - right))


_OVAL = list(regions.FACE_OVAL)


def _region_masks(points: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inside, boundary band and outside ring for a face outline given in crop pixels: the band is
    within ``band`` pixels of the outline on either side, inside is deeper than twice that, the outside
    ring lies 2-4 bands out."""
    mask = np.zeros((CROP, CROP), np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    depth = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    away = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 3)
    inside = depth > 2 * band
    edge = ((mask > 0) & (depth <= band)) | ((mask == 0) & (away <= band))
    outside = (away > 2 * band) & (away <= 4 * band)
    return inside, edge, outside


def _region_features(crop: np.ndarray, masks: tuple[np.ndarray, ...]) -> np.ndarray:
    """Mean R, G, B and mean |Laplacian| of the grey crop, per region: (3 regions, 4 features)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    texture = cv2.convertScaleAbs(cv2.Laplacian(grey, cv2.CV_16S, ksize=3))
    out = np.zeros((len(masks), 4))
    for i, mask in enumerate(masks):
        m = mask.astype(np.uint8)
        if m.any():
            out[i, :3] = cv2.mean(crop, m)[:3]
            out[i, 3] = cv2.mean(texture, m)[0]
    return out


def aligned(pixels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``warpAffine`` that does not alias when it shrinks: the face's region is first halved by 2 x 2
    averaging until the warp shrinks by less than 2x (bilinear sampling of a 300 px face
    into a 60 px one would turn sub-pixel motion into flicker)."""
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
    source, matrix = _region_for(pixels, matrix) if scale < 0.5 else (pixels, matrix.astype(np.float64))
    while scale < 0.5 and min(source.shape[:2]) >= 8:
        height, width = source.shape[0] // 2, source.shape[1] // 2
        source = cv2.resize(source[: 2 * height, : 2 * width], (width, height), interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.array([[2.0, 0.0, 0.5], [0.0, 2.0, 0.5], [0.0, 0.0, 1.0]])
        scale *= 2.0
    return cv2.warpAffine(source, matrix, (CROP, CROP), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)


def _region_for(pixels: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of the frame the crop shows (with a small border), and the matrix from that part."""
    inverse = cv2.invertAffineTransform(matrix)
    corners = transform_points(np.array([[0, 0], [CROP, 0], [0, CROP], [CROP, CROP]], np.float32), inverse)
    height, width = pixels.shape[:2]
    x0 = int(np.clip(corners[:, 0].min() - 4, 0, width - 1))
    y0 = int(np.clip(corners[:, 1].min() - 4, 0, height - 1))
    x1 = int(np.clip(corners[:, 0].max() + 5, x0 + 1, width))
    y1 = int(np.clip(corners[:, 1].max() + 5, y0 + 1, height))
    shifted = matrix.astype(np.float64).copy()
    shifted[:, 2] += shifted[:, :2] @ np.array([x0, y0], np.float64)
    return pixels[y0:y1, x0:x1], shifted


def measure_run(media: Media, run: list[Face]) -> Curves:
    """The three per-frame curves of one run of consecutive frames of one face."""
    span = media.frames[run[-1].frame_index].time - media.frames[run[0].frame_index].time
    fps = (len(run) - 1) / span if span > 0 else media.fps or 30.0
    marks = np.stack([f.landmarks[:, :2] for f in run]).astype(np.float64)
    window = _window(len(run), fps)
    jitter = landmark_jitter(marks, window)
    smooth_marks = _smooth(marks, window)
    features = []
    for face, smoothed in zip(run, smooth_marks, strict=True):
        steady = Face(frame_index=face.frame_index, landmarks=smoothed.astype(np.float32))
        matrix = alignment_matrix(steady, CROP, CROP_MARGIN)
        crop = aligned(media.frames[face.frame_index].pixels, matrix)
        oval = transform_points(smoothed[_OVAL].astype(np.float32), matrix)
        band = max(1.0, BAND * _eye_distance(transform_points(smoothed.astype(np.float32), matrix)))
        features.append(_region_features(crop, _region_masks(oval, band)))
    feats = np.stack(features)  # (T, 3, 4)
    flicker = np.sqrt(((feats - _smooth(feats, window)) ** 2).sum(axis=2))  # (T, 3): inside, band, outside
    reference = 0.5 * (np.median(flicker[:, 0]) + np.median(flicker[:, 2])) + FLICKER_FLOOR
    return Curves(
        frames=[f.frame_index for f in run],
        times=np.array([media.frames[f.frame_index].time for f in run]),
        jitter=jitter,
        boundary=flicker[:, 1] / reference,
        speed=head_speed(smooth_marks),
        eye_px=float(np.median([_eye_distance(m) for m in smooth_marks])),
        inner=_inner(len(run), window),
    )


def _inner(n: int, window: int) -> np.ndarray:
    inner = np.ones(n, bool)
    edge = window // 2
    inner[:edge] = False
    inner[n - edge :] = False
    return inner


def head_speed(smooth_marks: np.ndarray) -> np.ndarray:
    """How far the face centre moves per frame, in eye distances (central difference)."""
    centre = smooth_marks[:, list(RIGID)].mean(axis=1)
    eye = np.array([_eye_distance(m) for m in smooth_marks])
    step = np.linalg.norm(np.gradient(centre, axis=0), axis=1)
    return np.asarray(step / np.maximum(eye, 1e-6))


PER_FRAME = ("jitter", "boundary")
"""The measures every frame of a run has (identity is measured on a sample of frames)."""


def _calm(curves: list[Curves]) -> np.ndarray:
    """Which frames of a track's concatenated runs are calm.

    Fast head motion blurs the face and outruns the smoother, so real footage of a shaking head looks
    inconsistent; a swap's incoherence is there when the head is still too, so only frames at or below
    the median head speed (or slower than :data:`CALM_SPEED`) count, and not the ends of a run, where
    the smoother extrapolates."""
    speed = np.concatenate([c.speed for c in curves])
    inner = np.concatenate([c.inner for c in curves])
    return np.asarray(((speed <= np.median(speed[inner])) | (speed < CALM_SPEED)) & inner)


def _levels(curves: list[Curves]) -> dict[str, float]:
    """The median of each per-frame measure over the calm frames of a track."""
    calm = _calm(curves)
    return {key: float(np.median(np.concatenate([getattr(c, key) for c in curves])[calm])) for key in PER_FRAME}


def _outcome(ctx: AnalysisContext, found: Assessment, tracks: int) -> Outcome:
    logits, refs = found.logits, found.references
    score = 1.0 / (1.0 + math.exp(-found.logit))
    confidence = MAX_CONFIDENCE * min(1.0, math.sqrt(found.seconds / FULL_CONFIDENCE_SECONDS))
    components = sorted(found.levels, key=lambda k: -found.levels[k] / refs[k])
    findings = [_component_finding(k, found, logits[k]) for k in components]
    findings += _peak_findings(found, leaning=score > 0.55)
    if "identity" not in found.levels:
        findings.append(
            Finding(
                f"identity drift not measured: {len(found.identity.distances)} of {found.identity.tried} sampled "
                f"frames had a face large enough to embed (eyes {identity.MIN_EYE_PX:.0f} px apart or more)"
            )
        )
    lean = "inconsistent" if score > 0.55 else "consistent" if score < 0.45 else "neither clearly consistent nor not"
    top = components[0]
    summary = (
        f"face {found.track.track_id} is {lean} from frame to frame over {found.seconds:.1f} s "
        f"(largest: {LABELS[top]} at {found.levels[top] / refs[top]:.2g}x the level real footage stays under)"
    )
    artifacts = [_plot(found)] if ctx.options.artifacts else []
    details = _details(found, tracks)
    return Outcome.scored(score, confidence, summary, findings=findings, details=details, artifacts=artifacts)


def _details(found: Assessment, tracks: int) -> dict[str, object]:
    return {
        "track_id": found.track.track_id,
        "tracks_analysed": tracks,
        "seconds": round(found.seconds, 2),
        "runs": len(found.curves),
        "frames": sum(len(c.frames) for c in found.curves),
        "eye_distance_px": round(float(np.median([c.eye_px for c in found.curves])), 1),
        "levels": {k: round(v, 5) for k, v in found.levels.items()},
        "references": {k: round(v, 5) for k, v in found.references.items()},
        "logits": {k: round(v, 3) for k, v in found.logits.items()},
        "identity_measure": (
            "dlib face recognition ResNet v1 (128-d, 5-point aligned chip): 75th percentile of the distances "
            f"between all pairs of {len(found.identity.distances)} evenly sampled calm frames"
        ),
        "identity_distances": [round(float(d), 4) for d in found.identity.distances],
    }


HOW = {
    "jitter": "median of the calmer frames",
    "identity": "75th percentile over pairs of embedded calm frames",
    "boundary": "median of the calmer frames",
}


def _component_finding(key: str, found: Assessment, logit: float) -> Finding:
    direction: Direction = "fake" if logit > 0.4 else "real" if logit < -0.4 else "neutral"
    judged = {"fake": "above", "real": "below", "neutral": "near"}[direction]
    return Finding(
        f"{LABELS[key]}: {found.levels[key]:.3g}{UNITS[key]} ({HOW[key]}), {judged} the level real footage "
        f"stays under ({found.references[key]:.3g})",
        direction,
    )


def _normalised(found: Assessment) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Times, the worst measure over its reference at each time, and which measure that was: every inner
    frame for the per-frame measures (the ends of runs, where the smoother extrapolates, left out), and
    the embedded frames for identity."""
    inner = np.concatenate([c.inner for c in found.curves])
    times = np.concatenate([c.times for c in found.curves])[inner]
    parts = np.stack([np.concatenate([getattr(c, k) for c in found.curves]) / found.references[k] for k in PER_FRAME])
    worst, which = parts[:, inner].max(axis=0), [PER_FRAME[i] for i in parts[:, inner].argmax(axis=0)]
    if "identity" in found.levels:
        times = np.concatenate([times, found.identity.times])
        worst = np.concatenate([worst, found.identity.distances / found.references["identity"]])
        which += ["identity"] * len(found.identity.times)
    return times, worst, which


def _peak_findings(found: Assessment, leaning: bool, count: int = 3, apart: float = 0.5) -> list[Finding]:
    """The frames where the face changes most abruptly, at least ``apart`` seconds from each other."""
    times, worst, which = _normalised(found)
    out: list[Finding] = []
    chosen: list[float] = []
    for i in np.argsort(-worst):
        if len(out) == count or worst[i] < 1.0:
            break
        if any(abs(times[i] - t) < apart for t in chosen):
            continue
        chosen.append(float(times[i]))
        direction: Direction = "fake" if leaning and worst[i] >= 2.0 else "neutral"
        out.append(
            Finding(
                f"largest frame-to-frame change at {times[i]:.2f} s: {LABELS[which[i]]} "
                f"{worst[i]:.1f}x the level real footage stays under",
                direction,
                round(float(times[i]), 3),
            )
        )
    return out


COLOURS = {"jitter": "tab:blue", "identity": "tab:green", "boundary": "tab:red"}


def _plot(found: Assessment) -> Artifact:
    figure = new_figure(6.4, 2.4)
    axes = figure.add_subplot(1, 1, 1)
    for n, run in enumerate(found.curves):
        for key in PER_FRAME:
            values = np.maximum(getattr(run, key) / found.references[key], 1e-3)
            axes.plot(run.times, values, color=COLOURS[key], lw=1, label=LABELS[key] if n == 0 else None)
    if len(found.identity.times):
        values = np.maximum(found.identity.distances / found.references["identity"], 1e-3)
        axes.plot(found.identity.times, values, "o", color=COLOURS["identity"], ms=4, label=LABELS["identity"])
    axes.axhline(1.0, color="grey", ls="--", lw=0.8)
    axes.set_yscale("log")
    axes.set_xlabel("time (s)")
    axes.set_ylabel("x real-footage level")
    axes.legend(fontsize=7, loc="upper right")
    return Artifact(
        "temporal-curves",
        f"Face {found.track.track_id}: landmark jitter and boundary flicker per frame, identity drift (dots) on the "
        "embedded frames, each over the level real footage stays under (dashed line)",
        figure_png(figure, dpi=80),
    )
