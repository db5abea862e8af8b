"""Faces found in the media: per-frame observations grouped into tracks with stable ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from unmask.faces import regions


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def size(self) -> float:
        """The longer side, in pixels: what decides whether a face is big enough to judge."""
        return max(self.width, self.height)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0

    def expanded(self, factor: float, width: int, height: int) -> Box:
        """A square around the box, ``factor`` times its size, clipped to the frame."""
        cx, cy = self.center
        half = self.size * factor / 2
        return Box(
            max(0.0, cx - half),
            max(0.0, cy - half),
            min(float(width), cx + half),
            min(float(height), cy + half),
        )

    def as_list(self) -> list[float]:
        return [round(self.x0, 1), round(self.y0, 1), round(self.x1, 1), round(self.y1, 1)]


@dataclass
class Face:
    """One face in one frame."""

    frame_index: int
    landmarks: np.ndarray
    """478 x 3 float32: x, y in frame pixels; z in pixels relative to the face centre (smaller = nearer)."""
    blendshapes: dict[str, float] = field(default_factory=dict)
    """MediaPipe's 52 expression coefficients, e.g. ``eyeBlinkLeft`` in [0, 1]."""
    pose: np.ndarray | None = None
    """4 x 4 face-to-camera transform estimated by MediaPipe (rotation + translation, centimetres)."""
    track_id: int = -1

    @cached_property
    def box(self) -> Box:
        """The landmarks' bounding box (cached: signals ask for it per frame, landmarks never change)."""
        xy = self.landmarks[:, :2]
        return Box(float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))

    def points(self, indices: tuple[int, ...]) -> np.ndarray:
        """The (x, y) pixel coordinates of a landmark group from :mod:`unmask.faces.regions`."""
        return self.landmarks[list(indices), :2]

    @property
    def eye_distance(self) -> float:
        """Distance between the eye centres in pixels: the natural unit for face-relative measures."""
        right = self.points(regions.RIGHT_EYE_CONTOUR).mean(axis=0)
        left = self.points(regions.LEFT_EYE_CONTOUR).mean(axis=0)
        return float(np.linalg.norm(left - right))


@dataclass
class FaceTrack:
    """The same face followed across frames (a still image has tracks of length one)."""

    track_id: int
    faces: list[Face] = field(default_factory=list)

    @property
    def frame_indices(self) -> list[int]:
        return [f.frame_index for f in self.faces]

    @property
    def median_size(self) -> float:
        return float(np.median([f.box.size for f in self.faces])) if self.faces else 0.0


@dataclass
class FaceAnalysis:
    """All faces of a media file, by track and by frame."""

    tracks: list[FaceTrack] = field(default_factory=list)
    model: str = ""
    frames_searched: int = 0
    min_face_px: int = 0
    """Faces smaller than this (longer side, pixels) are found but too small for pixel-level signals."""

    def in_frame(self, frame_index: int) -> list[Face]:
        return [f for t in self.tracks for f in t.faces if f.frame_index == frame_index]

    @property
    def count(self) -> int:
        return len(self.tracks)

    def usable_tracks(self) -> list[FaceTrack]:
        """Tracks whose faces are big enough for pixel-level analysis."""
        return [t for t in self.tracks if t.median_size >= self.min_face_px]

    def largest_track(self) -> FaceTrack | None:
        usable = self.usable_tracks()
        return max(usable, key=lambda t: (len(t.faces), t.median_size)) if usable else None
