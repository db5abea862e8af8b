"""Faces: detection, 478 landmarks, blendshapes and head pose per face, tracked across frames.

``analyze(media)`` is the pipeline's face stage; signals read its :class:`FaceAnalysis` and never run
a detector themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from unmask.faces.align import aligned_crop
from unmask.faces.find import find_faces, to_face
from unmask.faces.landmarker import MODEL_NAME
from unmask.faces.track import track_faces
from unmask.faces.types import Box, Face, FaceAnalysis, FaceTrack
from unmask.media.types import Media, MediaKind

__all__ = ["Box", "Face", "FaceAnalysis", "FaceTrack", "aligned_crop", "analyze"]

MIN_FACE_PX = 48
"""Faces smaller than this (longer side) are listed but too small for pixel-level signals."""


def analyze(media: Media, progress: Callable[[int, int], None] | None = None) -> FaceAnalysis:
    """Find and track every face in the media's frames."""
    analysis = FaceAnalysis(model=MODEL_NAME, frames_searched=len(media.frames), min_face_px=MIN_FACE_PX)
    if not media.frames:
        return analysis
    if media.kind is MediaKind.IMAGE or len(media.frames) == 1:
        raws = find_faces(media.frames[0].pixels)
        analysis.tracks = [FaceTrack(track_id=i, faces=[to_face(r, 0, i)]) for i, r in enumerate(raws)]
        if progress:
            progress(1, 1)
        return analysis
    analysis.tracks = track_faces(media.frames, media.fps or 30.0, progress)
    return analysis
