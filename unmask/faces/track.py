"""Follow faces through video frames with stable ids.

Full searches (:func:`~unmask.faces.find.find_faces`, with tiles) run on the first frame and then every
``redetect_seconds``; in between each known face is re-found in a crop around its last position, which
is both cheaper and better for small faces. A track ends after ``max_missing_seconds`` without its face.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from unmask.faces.find import box_of, find_faces, refind_face, to_face
from unmask.faces.landmarker import RawFace
from unmask.faces.types import Box, FaceTrack
from unmask.media.types import Frame


@dataclass
class _Active:
    track: FaceTrack
    last_box: Box
    last_frame: int
    missing: int = 0


@dataclass
class Tracker:
    fps: float
    redetect_seconds: float = 0.5
    max_missing_seconds: float = 0.5
    min_track_frames: int = 3
    _next_id: int = 0
    _active: list[_Active] = field(default_factory=list)
    _done: list[FaceTrack] = field(default_factory=list)
    _last_time: float | None = None
    _since_search: int | None = None

    @property
    def redetect_every(self) -> int:
        return max(1, round(self.fps * self.redetect_seconds))

    @property
    def max_missing(self) -> int:
        return max(1, round(self.fps * self.max_missing_seconds))

    def update(self, frame: Frame) -> None:
        if self._last_time is not None and frame.time - self._last_time > 2.5 / self.fps:
            self._end_all()  # a gap between sampling windows: the scene may have changed
            self._since_search = None
        self._last_time = frame.time
        if self._since_search is None or self._since_search + 1 >= self.redetect_every:
            self._full_search(frame)
            self._since_search = 0
        else:
            self._follow(frame)
            self._since_search += 1
        still: list[_Active] = []
        for active in self._active:
            if active.missing <= self.max_missing:
                still.append(active)
            else:
                self._done.append(active.track)
        self._active = still

    def _end_all(self) -> None:
        self._done.extend(a.track for a in self._active)
        self._active = []

    def _full_search(self, frame: Frame) -> None:
        raws = find_faces(frame.pixels)
        boxes = [box_of(r) for r in raws]
        taken: set[int] = set()
        pairs = sorted(
            ((boxes[j].iou(a.last_box), i, j) for i, a in enumerate(self._active) for j in range(len(raws))),
            reverse=True,
        )
        matched: set[int] = set()
        for iou, i, j in pairs:
            if iou < 0.2 or i in matched or j in taken:
                continue
            matched.add(i)
            taken.add(j)
            self._extend(self._active[i], raws[j], frame)
        for i, active in enumerate(self._active):
            if i not in matched:
                self._follow_one(active, frame)
        for j, raw in enumerate(raws):
            if j not in taken:
                track = FaceTrack(track_id=self._next_id)
                self._next_id += 1
                active = _Active(track=track, last_box=boxes[j], last_frame=frame.index)
                self._active.append(active)
                self._extend(active, raw, frame)

    def _follow(self, frame: Frame) -> None:
        for active in self._active:
            self._follow_one(active, frame)

    def _follow_one(self, active: _Active, frame: Frame) -> None:
        raw = refind_face(frame.pixels, active.last_box)
        if raw is None:
            active.missing += 1
        else:
            self._extend(active, raw, frame)

    @staticmethod
    def _extend(active: _Active, raw: RawFace, frame: Frame) -> None:
        active.track.faces.append(to_face(raw, frame.index, active.track.track_id))
        active.last_box = box_of(raw)
        active.last_frame = frame.index
        active.missing = 0

    def finish(self, total_frames: int) -> list[FaceTrack]:
        self._end_all()
        tracks, self._done = self._done, []
        needed = min(self.min_track_frames, total_frames)
        kept = [t for t in sorted(tracks, key=lambda t: t.track_id) if len(t.faces) >= needed]
        for new_id, track in enumerate(kept):  # ids without gaps, in order of first appearance
            track.track_id = new_id
            for face in track.faces:
                face.track_id = new_id
        return kept


def track_faces(
    frames: Sequence[Frame], fps: float, progress: Callable[[int, int], None] | None = None
) -> list[FaceTrack]:
    tracker = Tracker(fps=fps)
    for n, frame in enumerate(frames):
        tracker.update(frame)
        if progress is not None:
            progress(n + 1, len(frames))
    return tracker.finish(len(frames))
