"""Follow faces through video frames with stable ids.

Full searches (:func:`~unmask.faces.find.find_faces`, with tiles: about 25 landmarker calls on a 720p
frame) run on the first frame, then every ``search_seconds`` while no face is followed or one was just
lost, and every ``tracking_search_seconds`` while all are re-found (only to catch faces that walk in);
in between each known face is re-found in a crop around its last position (one call), which is both
cheaper and better for small faces. A track ends after ``max_missing_seconds`` without its face.

The landmarker releases the GIL, so :func:`track_faces` follows the faces of consecutive stretches of
the clip in parallel threads and joins the tracks that meet at the stretch boundaries.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from unmask.faces.find import box_of, find_faces, refind_face, to_face
from unmask.faces.landmarker import RawFace
from unmask.faces.types import Box, Face, FaceTrack
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
    search_seconds: float = 0.5
    tracking_search_seconds: float = 2.0
    max_missing_seconds: float = 0.5
    min_track_frames: int = 3
    _next_id: int = 0
    _active: list[_Active] = field(default_factory=list)
    _done: list[FaceTrack] = field(default_factory=list)
    _last_time: float | None = None
    _since_search: int | None = None

    @property
    def search_every(self) -> int:
        """Frames between full searches: rarely while every followed face is being re-found, often while
        nobody is followed or a face was lost (a search finds it again before its track ends)."""
        steady = self._active and all(a.missing == 0 for a in self._active)
        seconds = self.tracking_search_seconds if steady else self.search_seconds
        return max(1, round(self.fps * seconds))

    @property
    def max_missing(self) -> int:
        return max(1, round(self.fps * self.max_missing_seconds))

    def update(self, frame: Frame) -> None:
        if self._last_time is not None and frame.time - self._last_time > 2.5 / self.fps:
            self._end_all()  # a gap between sampling windows: the scene may have changed
            self._since_search = None
        self._last_time = frame.time
        if self._since_search is None or self._since_search + 1 >= self.search_every:
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

    def finish(self) -> list[FaceTrack]:
        """Every track so far, ended, unfiltered and with the tracker's own ids."""
        self._end_all()
        tracks, self._done = self._done, []
        return tracks


MAX_WORKERS = 4
"""Threads that follow faces in parallel (each holds its own landmarker)."""
MIN_STRETCH_SECONDS = 2.0
"""A stretch starts with a full search (about 25 calls at 720p), so shorter ones would cost more than
they save."""


def track_faces(
    frames: Sequence[Frame],
    fps: float,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> list[FaceTrack]:
    """Tracks of every face in ``frames``, numbered in order of first appearance; a track shorter than
    three frames (a false detection) is dropped."""
    stretches = _stretches(frames, fps, workers or min(MAX_WORKERS, os.cpu_count() or 1))
    done = 0
    lock = threading.Lock()

    def follow(stretch: Sequence[Frame]) -> list[FaceTrack]:
        nonlocal done
        tracker = Tracker(fps=fps)
        for frame in stretch:
            tracker.update(frame)
            if progress is not None:
                with lock:
                    done += 1
                    progress(done, len(frames))
        return tracker.finish()

    parts = [follow(stretches[0])] if len(stretches) == 1 else list(_pool().map(follow, stretches))
    tracks = _join(parts, stretches, fps)
    return _numbered(tracks, needed=min(3, len(frames)))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One pool for the process: its threads live on, so each keeps its landmarker (made once, ~50 ms
    and some memory) instead of making a new one per video."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="unmask-faces")
        return _POOL


def _forget_pool_in_child() -> None:
    """A forked child inherits the pool object but not its threads; it must make its own."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_in_child)


def _stretches(frames: Sequence[Frame], fps: float, workers: int) -> list[Sequence[Frame]]:
    """Consecutive runs of frames, one per worker, none shorter than MIN_STRETCH_SECONDS."""
    count = max(1, min(workers, int(len(frames) / (fps * MIN_STRETCH_SECONDS))))
    bounds = [round(i * len(frames) / count) for i in range(count + 1)]
    return [frames[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _join(parts: list[list[FaceTrack]], stretches: list[Sequence[Frame]], fps: float) -> list[FaceTrack]:
    """Join each track that ends on a stretch's last frame to the track that starts on the next
    stretch's first frame at the same place (the same rule the tracker uses between frames)."""
    tracks = list(parts[0])
    for k in range(1, len(parts)):
        last, first = stretches[k - 1][-1], stretches[k][0]
        if first.time - last.time > 2.5 / fps:  # a sampling gap: the tracker would end tracks here too
            tracks += parts[k]
            continue
        tails = [t for t in tracks if t.faces and t.faces[-1].frame_index == last.index]
        heads = [t for t in parts[k] if t.faces and t.faces[0].frame_index == first.index]
        overlaps = [
            (tail.faces[-1].box.iou(head.faces[0].box), i, j)
            for i, tail in enumerate(tails)
            for j, head in enumerate(heads)
        ]
        joined_tails: set[int] = set()
        joined_heads: set[int] = set()
        for iou, i, j in sorted(overlaps, key=lambda p: p[0], reverse=True):
            if iou < 0.2 or i in joined_tails or j in joined_heads:
                continue
            joined_tails.add(i)
            joined_heads.add(j)
            tails[i].faces.extend(heads[j].faces)
        tracks += [t for t in parts[k] if not any(t is heads[j] for j in joined_heads)]
    return tracks


def _numbered(tracks: list[FaceTrack], needed: int) -> list[FaceTrack]:
    """Drop tracks shorter than ``needed`` frames; number the rest 0, 1, ... by first appearance."""
    kept = sorted((t for t in tracks if len(t.faces) >= needed), key=lambda t: (t.faces[0].frame_index, t.track_id))
    for new_id, track in enumerate(kept):
        track.track_id = new_id
        for face in track.faces:
            face.track_id = new_id
    return kept


def unbroken_runs(track: FaceTrack, frames: Sequence[Frame], fps: float | None) -> list[list[Face]]:
    """Split a track into runs of consecutive sampled frames: a run ends where the face was missed in a
    frame or where sampling jumped (between sampled windows, a gap over 1.6 frame periods). Signals that
    smooth or correlate over time must not bridge such gaps."""
    period = 1.0 / (fps or 30.0)
    runs: list[list[Face]] = []
    for face in track.faces:
        if runs:
            last = runs[-1][-1]
            gap = frames[face.frame_index].time - frames[last.frame_index].time
            if face.frame_index == last.frame_index + 1 and gap <= 1.6 * period:
                runs[-1].append(face)
                continue
        runs.append([face])
    return runs
