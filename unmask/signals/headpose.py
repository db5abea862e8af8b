"""Head pose: does the middle of the face point the same way as the head around it?

Why it works: a face swap synthesises only the central face (eyes, nose, mouth), warps it into the
original frame and blends it in, while the outline of the face (forehead, cheeks, jaw) stays the
original person's. The generator does not guarantee that the pasted features sit exactly where a
rigid head would put them, so the 3D head orientation estimated from the central landmarks alone
disagrees with the one estimated from the whole face (Yang, Li & Lyu 2019, "Exposing Deep Fakes Using
Inconsistent Head Poses", ICASSP; they report orientation vectors of real faces mostly within a cosine
distance of 0.02 of each other, about 11°, and larger disagreements for DeepFakes).

How: for each face, OpenCV's ``solvePnP`` (SQPnP) fits a 3D head model to the 2D landmarks twice: once
to :data:`regions.CENTRAL_FACE`, once to :data:`regions.FACE_OVAL`. The 3D model is MediaPipe's canonical
face mesh (``canonical_face_model.obj``, Apache-2.0, the model whose vertex *i* is landmark *i*), so no
file is needed at run time; the camera is a pinhole with focal length equal to the frame's longer side.
The angle of the rotation between the two estimates is the disagreement. This is a heuristic: landmark
noise, a face shape unlike the mean model and expressions also separate the two estimates by a few
degrees, and MediaPipe's mesh is fitted as a whole, which hides part of the splice; confidence stays low.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face, FaceTrack
from unmask.media.types import Frame, MediaKind
from unmask.report.artifacts import figure_png, new_figure, png_bytes
from unmask.signals.base import AnalysisContext, Artifact, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

_CANONICAL: dict[int, tuple[float, float, float]] = {
    0: (0.0000, -3.4064, 5.9795), 1: (0.0000, -1.1269, 7.4756), 4: (0.0000, -0.4632, 7.5866),
    5: (0.0000, 0.3657, 7.2429), 6: (0.0000, 2.4733, 5.7886), 10: (0.0000, 8.2618, 4.4815),
    13: (0.0000, -3.9944, 5.2195), 14: (0.0000, -4.5424, 5.4048), 17: (0.0000, -5.3651, 5.5354),
    21: (-7.0880, 5.4348, 0.0996), 33: (-4.4459, 2.6640, 3.1734), 54: (-6.2793, 6.6154, 1.4259),
    58: (-6.7197, -4.7886, -1.7454), 61: (-2.4562, -4.3426, 4.2839), 67: (-3.5240, 8.0060, 3.7292),
    93: (-7.5422, -1.0493, -2.4313), 103: (-5.1332, 7.4856, 2.6604), 109: (-1.8914, 8.2364, 4.2750),
    127: (-7.7431, 2.3650, -2.0052), 132: (-7.2709, -2.8909, -2.2525), 133: (-1.8564, 2.5852, 3.7579),
    136: (-5.0853, -7.1786, 0.7147), 148: (-1.2929, -9.2959, 4.0941), 149: (-3.2107, -8.5333, 2.8020),
    150: (-4.0689, -7.9931, 1.9251), 152: (0.0000, -9.4034, 4.2645), 162: (-7.5558, 4.1068, -0.9919),
    168: (0.0000, 3.2710, 5.2360), 172: (-5.9405, -6.2236, -0.6315), 176: (-2.3090, -8.9742, 3.6091),
    195: (0.0000, 1.0594, 6.7746), 197: (0.0000, 1.7284, 6.3168), 234: (-7.6642, 0.6731, -2.4359),
    251: (7.0880, 5.4348, 0.0996), 263: (4.4459, 2.6640, 3.1734), 284: (6.2793, 6.6154, 1.4259),
    288: (6.7197, -4.7886, -1.7454), 291: (2.4562, -4.3426, 4.2839), 297: (3.5240, 8.0060, 3.7292),
    323: (7.5422, -1.0493, -2.4313), 332: (5.1332, 7.4856, 2.6604), 338: (1.8914, 8.2364, 4.2750),
    356: (7.7431, 2.3650, -2.0052), 361: (7.2709, -2.8909, -2.2525), 362: (1.8564, 2.5852, 3.7579),
    365: (5.0853, -7.1786, 0.7147), 377: (1.2929, -9.2959, 4.0941), 378: (3.2107, -8.5333, 2.8020),
    379: (4.0689, -7.9931, 1.9251), 389: (7.5558, 4.1068, -0.9919), 397: (5.9405, -6.2236, -0.6315),
    400: (2.3090, -8.9742, 3.6091), 454: (7.6642, 0.6731, -2.4359),
}  # fmt: skip
"""Vertices of MediaPipe's canonical face model (centimetres; x to the subject's left, y up, z towards
the viewer) for the landmarks this signal uses, copied from the ``canonical_face_model`` in the face
landmarker bundle's ``geometry_pipeline_metadata_landmarks.binarypb``."""

AGREE_DEG = 10.0
"""Up to this disagreement the signal has no lean. A real face shaped unlike the mean model separates the
two estimates by itself: the astronaut photo measures 4° at 512 px and 8° when seen from afar in the
720p sample clip; landmark noise and speech add a few degrees per frame. Yang et al. report real faces
within about 11° of facing direction (cosine distance 0.02)."""
STRONG_DEG = 22.0
"""At this disagreement the lean is full (score 0.9): the upper end of what Yang et al. report for
DeepFakes (cosine distance 0.02–0.08, about 11–23°)."""
MAX_CONFIDENCE = 0.35
STILL_CONFIDENCE = 0.2
"""Confidence of one picture; a video followed for 5 s or more reaches :data:`MAX_CONFIDENCE`. Both stay
low: this is a geometric heuristic with a person-dependent bias, and MediaPipe fits its mesh as a whole,
which smooths over part of a splice."""
MIN_TRACK_SECONDS = 0.5
"""Video tracks shorter than this are skipped: a few frames of a passing face are mostly noise."""
NEAR_FACE_RATIO = 4.0
"""The assumed camera is at least four face heights from the face (a 20 cm face seen from 80 cm, a
webcam or a phone at arm's length; see :func:`camera_matrix`)."""
FAR_FACE_RATIO = 40.0
"""...and at most forty, beyond which perspective no longer changes the pose."""
RELIABLE_FACE_PX = 100.0
"""Landmark noise in pixels is roughly fixed, so smaller faces give noisier poses and less confidence."""


@lru_cache(maxsize=8)
def _model(indices: tuple[int, ...]) -> np.ndarray:
    """Canonical points in OpenCV's camera convention (x right, y down, z away from the camera)."""
    return np.array([_CANONICAL[i] for i in indices], dtype=np.float64) * np.array([1.0, -1.0, -1.0])


_missing = {*regions.CENTRAL_FACE, *regions.FACE_OVAL} - _CANONICAL.keys()
if _missing:  # the landmark groups changed: copy their vertices from the canonical model too
    raise ImportError(f"headpose lacks canonical model points for landmarks {sorted(_missing)}")


@dataclass(frozen=True)
class Pose:
    rvec: np.ndarray
    tvec: np.ndarray

    @property
    def rotation(self) -> np.ndarray:
        import cv2

        matrix, _ = cv2.Rodrigues(self.rvec)
        return np.asarray(matrix)


def camera_matrix(width: int, height: int, face_px: float) -> np.ndarray:
    """A pinhole camera with a focal length of the frame's longer side (a field of view of about 53°),
    kept between :data:`NEAR_FACE_RATIO` and :data:`FAR_FACE_RATIO` face sizes.

    The floor matters for face crops (datasets, thumbnails, cropped frames): there the frame size says
    nothing about the lens, and a focal length of the crop's side would put the camera a face-height
    from the nose, a perspective so strong that the outline and the central face (which lie at different
    depths) disagree by 10–20° on real faces. The cap matters for small faces in large frames, which are
    seen practically without perspective anyway and which PnP refuses when they span too small an angle.
    """
    size = max(face_px, 1.0)
    focal = float(np.clip(max(width, height), NEAR_FACE_RATIO * size, FAR_FACE_RATIO * size))
    return np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], dtype=np.float64)


def estimate_pose(face: Face, indices: tuple[int, ...], camera: np.ndarray) -> Pose:
    """Head pose from one landmark group, by PnP against the canonical model."""
    import cv2

    model = _model(indices)
    image = np.ascontiguousarray(face.points(indices), dtype=np.float64)
    _, rvec, tvec = cv2.solvePnP(model, image, camera, None, flags=cv2.SOLVEPNP_SQPNP)
    return Pose(np.asarray(rvec, dtype=np.float64), np.asarray(tvec, dtype=np.float64))


def rotation_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees of the rotation taking orientation ``a`` to ``b``."""
    cosine = (float(np.trace(a.T @ b)) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def pose_disagreement(face: Face, frame: Frame) -> float:
    """Degrees between the head orientations from the central face and from the face outline
    (NaN where PnP fails, e.g. on degenerate landmarks)."""
    import cv2

    camera = camera_matrix(frame.width, frame.height, face.box.size)
    try:
        central = estimate_pose(face, regions.CENTRAL_FACE, camera)
        outline = estimate_pose(face, regions.FACE_OVAL, camera)
    except cv2.error:
        return float("nan")
    return rotation_angle(central.rotation, outline.rotation)


@dataclass(frozen=True)
class TrackPoses:
    track_id: int
    times: np.ndarray
    angles: np.ndarray
    face_px: float

    @property
    def median(self) -> float:
        return float(np.median(self.angles))

    @property
    def worst(self) -> int:
        return int(np.argmax(self.angles))


def _track_poses(track: FaceTrack, frames: list[Frame]) -> TrackPoses | None:
    times = np.array([frames[f.frame_index].time for f in track.faces])
    angles = np.array([pose_disagreement(f, frames[f.frame_index]) for f in track.faces])
    valid = ~np.isnan(angles)
    if not valid.any():
        return None
    return TrackPoses(track.track_id, times[valid], angles[valid], track.median_size)


def score_of(median_deg: float) -> float:
    """0.5 (no lean) up to :data:`AGREE_DEG`, rising to 0.9 at :data:`STRONG_DEG`."""
    return 0.5 + 0.4 * float(np.clip((median_deg - AGREE_DEG) / (STRONG_DEG - AGREE_DEG), 0, 1))


def _eligible(ctx: AnalysisContext) -> list[FaceTrack]:
    if ctx.faces is None:
        return []
    tracks = ctx.faces.usable_tracks()
    if ctx.media.kind is MediaKind.IMAGE:
        return tracks
    needed = max(3, round(MIN_TRACK_SECONDS * (ctx.media.fps or 0.0)))
    return [t for t in tracks if len(t.faces) >= needed]


@register_signal
class HeadPoseSignal(Signal):
    name = "headpose"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = "3D head pose from the central face vs the face outline: a pasted face points elsewhere"
    weight = 1.0

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is None and not _eligible(ctx):
            return f"no face was followed for {MIN_TRACK_SECONDS:.1f} s or more"
        return reason

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        frames = ctx.media.frames
        poses = [p for p in (_track_poses(t, frames) for t in _eligible(ctx)) if p is not None]
        if not poses:
            return Outcome.info("the head pose could not be estimated from the landmarks")
        judged = max(poses, key=lambda p: (score_of(p.median), len(p.angles)))
        score = score_of(judged.median)
        confidence = _confidence(ctx, judged)
        summary = _summary(judged, ctx.media.kind)
        findings = [Finding(summary, "fake" if score > 0.55 else "neutral")]
        findings += _track_findings(poses, ctx.media.kind)
        details = {
            "median_deg": round(judged.median, 2),
            "judged_face": judged.track_id,
            "agree_deg": AGREE_DEG,
            "strong_deg": STRONG_DEG,
            "faces": {
                str(p.track_id): {
                    "frames": len(p.angles),
                    "median_deg": round(p.median, 2),
                    "p90_deg": round(float(np.percentile(p.angles, 90)), 2),
                    "max_deg": round(float(p.angles.max()), 2),
                }
                for p in poses
            },
        }
        artifacts = _artifacts(ctx, poses, judged) if ctx.options.artifacts else []
        return Outcome.scored(score, confidence, summary, findings=findings, details=details, artifacts=artifacts)


def _confidence(ctx: AnalysisContext, judged: TrackPoses) -> float:
    size = float(np.clip(judged.face_px / RELIABLE_FACE_PX, 0.5, 1.0))
    if ctx.media.kind is MediaKind.IMAGE or len(judged.times) < 2:
        return STILL_CONFIDENCE * size
    seconds = float(judged.times[-1] - judged.times[0])
    return (STILL_CONFIDENCE + (MAX_CONFIDENCE - STILL_CONFIDENCE) * min(1.0, seconds / 5)) * size


def _summary(judged: TrackPoses, kind: MediaKind) -> str:
    over = "" if kind is MediaKind.IMAGE or len(judged.angles) == 1 else f" (median of {len(judged.angles)} frames)"
    return (
        f"the central face (eyes, nose, mouth) and the face outline give head orientations {judged.median:.1f}° "
        f"apart{over}; in real faces they usually agree within about {AGREE_DEG:.0f}°"
    )


def _track_findings(poses: list[TrackPoses], kind: MediaKind) -> list[Finding]:
    out = []
    for p in poses:
        if kind is MediaKind.VIDEO and len(p.angles) > 1:
            worst = p.worst
            text = f"face {p.track_id}: largest disagreement {p.angles[worst]:.1f}° (median {p.median:.1f}° over "
            text += f"{len(p.angles)} frames)"
            out.append(Finding(text, "fake" if p.angles[worst] > STRONG_DEG else "neutral", time=float(p.times[worst])))
        elif len(poses) > 1:
            out.append(
                Finding(f"face {p.track_id}: {p.median:.1f}° apart", "fake" if score_of(p.median) > 0.55 else "neutral")
            )
    return out


def _artifacts(ctx: AnalysisContext, poses: list[TrackPoses], judged: TrackPoses) -> list[Artifact]:
    if ctx.media.kind is MediaKind.IMAGE or len(judged.angles) == 1:
        face = next(t for t in _eligible(ctx) if t.track_id == judged.track_id).faces[0]
        drawing = draw_axes(ctx.media.frames[face.frame_index], face)
        return [
            Artifact(
                "headpose-axes",
                "Head axes from the face outline (thick) and from the central face (thin): red x, green y, blue z",
                png_bytes(drawing),
            )
        ]
    figure = new_figure(7.0, 2.4)
    axes = figure.add_subplot(1, 1, 1)
    for p in poses:
        axes.plot(p.times, p.angles, lw=0.9, label=f"face {p.track_id}")
    axes.axhline(AGREE_DEG, color="grey", ls="--", lw=0.8)
    axes.axhline(STRONG_DEG, color="tab:red", ls="--", lw=0.8)
    axes.set_xlabel("seconds")
    axes.set_ylabel("degrees apart")
    axes.set_ylim(bottom=0)
    if len(poses) > 1:
        axes.legend(fontsize=7)
    return [
        Artifact(
            "headpose-difference",
            f"Angle between the head pose from the central face and from the outline, per frame "
            f"(grey: {AGREE_DEG:.0f}°, usual for real faces; red: {STRONG_DEG:.0f}°)",
            figure_png(figure),
        )
    ]


def draw_axes(frame: Frame, face: Face) -> np.ndarray:
    """The face cropped from ``frame`` with both estimated head axes drawn from the nose tip."""
    import cv2

    camera = camera_matrix(frame.width, frame.height, face.box.size)
    canvas = frame.pixels.copy()
    nose = face.landmarks[regions.NOSE_TIP, :2].astype(np.float64)
    length = 6.0  # centimetres on the canonical model
    ends = np.array([[0, 0, 0], [length, 0, 0], [0, length, 0], [0, 0, -length]], dtype=np.float64)
    ends += _model((regions.NOSE_TIP,))[0]
    thickness = max(1, round(face.box.size / 80))
    for indices, width in ((regions.FACE_OVAL, 2 * thickness), (regions.CENTRAL_FACE, thickness)):
        pose = estimate_pose(face, indices, camera)
        projected, _ = cv2.projectPoints(ends, pose.rvec, pose.tvec, camera, None)
        points = projected.reshape(-1, 2) - projected.reshape(-1, 2)[0] + nose
        origin = tuple(int(v) for v in points[0])
        for end, color in zip(points[1:], ((230, 40, 40), (40, 200, 40), (40, 90, 240)), strict=True):
            cv2.line(canvas, origin, (int(end[0]), int(end[1])), color, width, cv2.LINE_AA)
    box = face.box.expanded(1.4, frame.width, frame.height)
    return canvas[int(box.y0) : int(np.ceil(box.y1)), int(box.x0) : int(np.ceil(box.x1))]
