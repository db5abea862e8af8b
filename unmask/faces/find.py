"""Find faces of any size in one picture, and follow them through a video.

The landmarker's detector looks at a 128 x 128 copy of the input, so faces under about a tenth of the
frame are missed, and a wide frame is squeezed into a square. :func:`find_faces` therefore searches
overlapping square tiles at up to three scales (:func:`tiles`) and merges what the passes found.
"""

from __future__ import annotations

import numpy as np

from unmask.faces.landmarker import RawFace, get_landmarker
from unmask.faces.types import Box, Face

TILE_OVERLAP = 1.4
"""Each tile is 1.4x the grid cell, so a face cut by one tile boundary is whole in the next tile."""
SAME_FACE_IOU = 0.4


def tiles(height: int, width: int) -> list[tuple[int, int, int]]:
    """Square search tiles ``(y, x, side)`` at up to three scales.

    Scale 1 uses squares as tall as the short side (one tile for a square picture, two or three across a
    16:9 frame, so a wide frame is not squeezed into the detector's square input); scale 2 and 3 halve
    and third the side for small faces in large frames. Neighbouring tiles overlap by ``TILE_OVERLAP``.
    """
    short = min(height, width)
    out: list[tuple[int, int, int]] = []
    for k, min_short in ((1, 0), (2, 360), (3, 600)):
        if short < min_short:
            break
        side = short if k == 1 else int(short / k * TILE_OVERLAP)
        for y in _origins(height, side):
            for x in _origins(width, side):
                out.append((y, x, side))
    return out


def _origins(length: int, side: int) -> list[int]:
    if side >= length:
        return [0]
    n = int(np.ceil((length - side) / (side / TILE_OVERLAP))) + 1
    return [round(i * (length - side) / (n - 1)) for i in range(n)]


def _shift(face: RawFace, dx: float, dy: float) -> RawFace:
    marks = face.landmarks.copy()
    marks[:, 0] += dx
    marks[:, 1] += dy
    return RawFace(landmarks=marks, blendshapes=face.blendshapes, pose=face.pose)


def box_of(face: RawFace) -> Box:
    xy = face.landmarks[:, :2]
    return Box(float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))


def find_faces(rgb: np.ndarray) -> list[RawFace]:
    """Every face in the picture, whatever its size, each found once."""
    height, width = rgb.shape[:2]
    landmarker = get_landmarker()
    found: list[RawFace] = []
    for y, x, side in tiles(height, width):
        for raw in landmarker.detect(rgb[y : y + side, x : x + side]):
            found.append(_shift(raw, x, y) if (x or y) else raw)
    if min(height, width) < SMALL_PICTURE:
        found += _find_in_small_picture(rgb)
    return _dedupe(found)


SMALL_PICTURE = 256
"""Pictures with a shorter side than this (thumbnails, dataset crops) also get an enlarged, padded pass:
the detector misses faces that fill a tiny frame edge to edge (measured on 64x64 LFW crops: 74 % found
as they are, 92 % enlarged 3x with a 25 % border)."""


def _find_in_small_picture(rgb: np.ndarray) -> list[RawFace]:
    import cv2

    scale = SMALL_PICTURE * 0.75 / min(rgb.shape[:2])
    big = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = int(0.25 * min(big.shape[:2]))
    padded = np.pad(big, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    out = []
    for raw in get_landmarker().detect(padded):
        marks = raw.landmarks.copy()
        marks[:, :2] = (marks[:, :2] - pad) / scale
        marks[:, 2] /= scale
        out.append(RawFace(landmarks=marks, blendshapes=raw.blendshapes, pose=raw.pose))
    return out


def _same_face(a: Box, b: Box) -> bool:
    """Overlapping boxes, or one box's centre deep inside the other's face (a tile that saw only part)."""
    (ax, ay), (bx, by) = a.center, b.center
    return a.iou(b) >= SAME_FACE_IOU or np.hypot(ax - bx, ay - by) < 0.25 * max(a.size, b.size)


def _dedupe(faces: list[RawFace]) -> list[RawFace]:
    """Keep one copy of each face; when passes disagree, the larger (better resolved) box wins ties."""
    kept: list[tuple[Box, RawFace]] = []
    for face in sorted(faces, key=lambda f: -box_of(f).size):
        box = box_of(face)
        if box.size < 8:
            continue
        if not any(_same_face(box, other) for other, _ in kept):
            kept.append((box, face))
    kept.sort(key=lambda item: (item[0].x0, item[0].y0))
    return [face for _, face in kept]


def refind_face(rgb: np.ndarray, previous: Box) -> RawFace | None:
    """Look for a known face near where it was: a crop around the last box makes it large again."""
    height, width = rgb.shape[:2]
    region = previous.expanded(2.0, width, height)
    x0, y0, x1, y1 = int(region.x0), int(region.y0), int(np.ceil(region.x1)), int(np.ceil(region.y1))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    candidates = [_shift(f, x0, y0) for f in get_landmarker().detect(rgb[y0:y1, x0:x1])]
    if not candidates:
        return None
    best = max(candidates, key=lambda f: box_of(f).iou(previous))
    return best if box_of(best).iou(previous) > 0.1 else None


def to_face(raw: RawFace, frame_index: int, track_id: int) -> Face:
    return Face(
        frame_index=frame_index,
        landmarks=raw.landmarks,
        blendshapes=raw.blendshapes,
        pose=raw.pose,
        track_id=track_id,
    )
