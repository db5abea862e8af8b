"""Tracking must give the same tracks whether stretches of the clip are followed in parallel or not."""

from __future__ import annotations

import numpy as np

from unmask import samples
from unmask.faces.track import _stretches, track_faces
from unmask.media.types import Frame


def _frames(count: int, fps: float, present: set[int] | None = None) -> list[Frame]:
    """A drifting face (absent outside ``present``) on a 320 x 240 canvas."""
    blank = np.full((240, 320, 3), 40, np.uint8)
    frames = []
    for i in range(count):
        shift = (0.08 * np.sin(i / 12), 0.04 * np.cos(i / 15))
        shown = present is None or i in present
        pixels = samples.portrait_canvas(320, 240, shift=shift, zoom=0.8) if shown else blank
        frames.append(Frame(index=i, source_index=i, time=i / fps, pixels=pixels))
    return frames


def test_parallel_stretches_join_into_the_same_track() -> None:
    frames = _frames(72, fps=12.0)
    assert len(_stretches(frames, 12.0, workers=2)) == 2
    serial = track_faces(frames, 12.0, workers=1)
    parallel = track_faces(frames, 12.0, workers=2)
    assert len(serial) == len(parallel) == 1
    assert parallel[0].frame_indices == serial[0].frame_indices == list(range(72))
    boxes = np.array([f.box.as_list() for f in parallel[0].faces])
    assert np.abs(np.diff(boxes, axis=0)).max() < 20  # no jump where the stretches meet


def test_a_face_that_leaves_and_returns_is_two_tracks_numbered_by_first_appearance() -> None:
    frames = _frames(72, fps=12.0, present=set(range(0, 20)) | set(range(50, 72)))
    tracks = track_faces(frames, 12.0, workers=2)
    assert [t.track_id for t in tracks] == [0, 1]
    assert tracks[0].frame_indices[0] == 0 and tracks[0].frame_indices[-1] == 19
    # while nobody is followed a full search runs every 0.5 s (6 frames), so the return is seen by then
    assert 50 <= tracks[1].frame_indices[0] < 56 and tracks[1].frame_indices[-1] == 71
    assert all(f.track_id == t.track_id for t in tracks for f in t.faces)


def test_short_clips_are_not_split() -> None:
    assert len(_stretches(_frames(20, fps=12.0), 12.0, workers=4)) == 1
