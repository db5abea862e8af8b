"""The scan pipeline: decode → faces → signals → fusion → report. Data flows one way.

Nothing here names a signal: the registry says which apply to the decoded media, each reads the shared
:class:`~unmask.signals.AnalysisContext`, and the fuser turns their results into a verdict.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from unmask import faces as face_stage
from unmask.config import ScanOptions
from unmask.faces.types import FaceAnalysis
from unmask.fusion import fuse
from unmask.media import Media, decode
from unmask.report.artifacts import jpeg_bytes
from unmask.report.model import (
    ArtifactModel,
    AudioInfo,
    FacesInfo,
    FaceTrackInfo,
    FindingModel,
    InputInfo,
    Report,
    SamplingInfo,
    SignalResult,
)
from unmask.signals import AnalysisContext, Need, Signal, select_signals
from unmask.version import __version__

Progress = Callable[[str, float, float], None]
"""``progress(stage, done, total)``: called as each stage advances (the CLI draws it with rich)."""


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round((time.perf_counter() - start) * 1000, 2)


def scan(path: str | Path, options: ScanOptions | None = None, progress: Progress | None = None) -> Report:
    """Scan one file and return its report.

    Raises :class:`~unmask.errors.MediaError` (one line: file and reason) when the file cannot be
    decoded; a signal that fails is recorded in the report with status ``error`` and does not stop the scan.
    """
    options = options or ScanOptions()
    report_progress = progress or (lambda stage, done, total: None)
    timer = _Timer()
    started = time.perf_counter()
    report_progress("decode", 0, 1)
    with timer.stage("decode"):
        media = decode(path, options.limits, options.sampling)
    signals = select_signals(media.kind, options.signals, options.skip_signals)
    ctx = AnalysisContext(media=media, options=options, faces_pending=True)
    with _SignalRunner(signals, ctx, options.signal_threads) as runner:
        runner.start(before_faces=True)  # signals that never look at faces overlap the face stage
        faces = None
        try:
            if options.find_faces and media.frames and any(_waits_for_faces(s) for s in signals):
                with timer.stage("faces"):
                    faces = face_stage.analyze(media, lambda done, total: report_progress("faces", done, total))
        finally:
            ctx.faces = faces  # also on failure, so no signal waits for ever
        results = runner.collect(report_progress, timer)
    with timer.stage("fusion"):
        verdict = fuse(results, {type(s).name: type(s).weight for s in signals}, media.kind.value)
    timer.ms["total"] = round((time.perf_counter() - started) * 1000, 2)
    report_progress("done", 1, 1)
    return Report(
        unmask_version=__version__,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        input=_input_info(media),
        faces=_faces_info(media, faces, options.artifacts) if faces is not None else None,
        signals=results,
        verdict=verdict,
        timings_ms=timer.ms,
        warnings=list(media.metadata.get("decode_warnings", [])),
    )


def _waits_for_faces(signal: Signal) -> bool:
    return bool(signal.needs & {Need.FACES, Need.FACE_REGIONS})


class _SignalRunner:
    """Runs a scan's signals side by side on ``threads`` threads; results come back in registry order.

    Why threads help: the heavy parts of most signals (FFTs, OpenCV, JPEG codecs, onnxruntime) release
    the GIL, and signals only read the shared context, so on a multi-core machine the slow ones overlap
    instead of queueing, and those that never look at faces (provenance's watermark search, hashes,
    the voice model) run during the face stage. Each ``signal:NAME`` timing is that signal's own wall
    time; with threads these overlap, and ``total`` stays the scan's wall time. With one thread the
    signals run one after another after the face stage, as they always did; the report is the same.
    """

    def __init__(self, signals: list[Signal], ctx: AnalysisContext, threads: int) -> None:
        self.signals = signals
        self.ctx = ctx
        workers = min(threads, len(signals))
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="unmask-signal") if workers > 1 else None
        self.futures: dict[Future[SignalResult], Signal] = {}
        self.elapsed: dict[str, float] = {}

    def __enter__(self) -> _SignalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def start(self, before_faces: bool = False) -> None:
        """Hand the pool every signal not yet started (only face-free ones while faces are pending)."""
        if self.pool is None:
            return
        started = set(self.futures.values())
        for signal in self.signals:
            if signal not in started and not (before_faces and _waits_for_faces(signal)):
                self.futures[self.pool.submit(self._timed, signal)] = signal

    def collect(self, report_progress: Progress, timer: _Timer) -> list[SignalResult]:
        """Start the rest, wait for all, report progress as each finishes and record the timings."""
        total = len(self.signals)
        if self.pool is None:
            results = []
            for index, signal in enumerate(self.signals):
                report_progress(f"signal:{signal.name}", index, total)
                results.append(self._timed(signal))
        else:
            self.start()
            for done, future in enumerate(as_completed(self.futures), start=1):
                report_progress(f"signal:{self.futures[future].name}", done, total)
            by_signal = {signal.name: future.result() for future, signal in self.futures.items()}
            results = [by_signal[signal.name] for signal in self.signals]
        timer.ms.update({f"signal:{s.name}": self.elapsed[s.name] for s in self.signals})  # registry order
        return results

    def _timed(self, signal: Signal) -> SignalResult:
        start = time.perf_counter()
        try:
            return run_signal(signal, self.ctx)
        finally:
            self.elapsed[signal.name] = round((time.perf_counter() - start) * 1000, 2)


def run_signal(signal: Signal, ctx: AnalysisContext) -> SignalResult:
    """Run one signal; its failure becomes an ``error`` result instead of ending the scan."""
    start = time.perf_counter()
    name, version = signal.name, signal.version
    reason = signal.precondition(ctx)
    if reason is not None:
        return SignalResult(name=name, version=version, status="not_applicable", summary=reason)
    try:
        outcome = signal.analyze(ctx)
    except Exception as exc:  # a bug or an unexpected input in one signal must not lose the others
        elapsed = (time.perf_counter() - start) * 1000
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return SignalResult(
            name=name,
            version=version,
            status="error",
            summary=f"signal failed: {message}",
            elapsed_ms=round(elapsed, 2),
        )
    return SignalResult(
        name=name,
        version=version,
        status=outcome.status,
        score=None if outcome.score is None else round(float(outcome.score), 4),
        confidence=round(float(outcome.confidence), 4),
        summary=outcome.summary,
        findings=[FindingModel(text=f.text, direction=f.direction, time=f.time) for f in outcome.findings],
        details=outcome.details,
        artifacts=[
            ArtifactModel(name=a.name, caption=a.caption, media_type=a.media_type, data=a.data)
            for a in outcome.artifacts
        ],
        elapsed_ms=round((time.perf_counter() - start) * 1000, 2),
    )


def _input_info(media: Media) -> InputInfo:
    sampling = media.sampling
    audio = media.audio
    return InputInfo(
        path=str(media.path),
        name=media.path.name,
        sha256=media.sha256,
        size_bytes=media.size_bytes,
        kind=media.kind.value,
        format=media.format,
        mime=media.mime,
        width=media.width,
        height=media.height,
        duration=None if media.duration is None else round(media.duration, 3),
        sampling=SamplingInfo(
            policy=sampling.policy,
            source_fps=sampling.source_fps,
            sampled_fps=sampling.sampled_fps,
            source_frames=sampling.source_frames,
            frames_analyzed=len(media.frames),
            scale=round(sampling.scale, 4),
            windows=[(round(a, 3), round(b, 3)) for a, b in sampling.windows],
        ),
        audio=None
        if audio is None
        else AudioInfo(
            codec=audio.codec,
            sample_rate=audio.sample_rate,
            source_rate=audio.source_rate,
            channels=audio.channels,
            duration=round(audio.duration, 3),
            start=round(audio.start, 3),
        ),
    )


def _faces_info(media: Media, faces: FaceAnalysis, thumbnails: bool) -> FacesInfo:
    tracks = []
    for track in faces.tracks:
        first, middle = track.faces[0], track.faces[len(track.faces) // 2]
        thumbnail = None
        if thumbnails:
            crop = _face_crop(media.frames[middle.frame_index].pixels, middle.box.expanded(1.3, *_size(media)))
            if crop is not None:
                thumbnail = ArtifactModel(
                    name=f"face-{track.track_id}",
                    caption=f"face {track.track_id}",
                    media_type="image/jpeg",
                    data=jpeg_bytes(crop),
                )
        tracks.append(
            FaceTrackInfo(
                track_id=track.track_id,
                frames=len(track.faces),
                first_time=round(media.frames[first.frame_index].time, 3),
                last_time=round(media.frames[track.faces[-1].frame_index].time, 3),
                median_size_px=round(track.median_size, 1),
                box=first.box.as_list(),
                usable=track.median_size >= faces.min_face_px,
                thumbnail=thumbnail,
            )
        )
    return FacesInfo(
        model=faces.model,
        count=faces.count,
        frames_searched=faces.frames_searched,
        min_face_px=faces.min_face_px,
        tracks=tracks,
    )


def _size(media: Media) -> tuple[int, int]:
    return media.width or 0, media.height or 0


def _face_crop(pixels: np.ndarray, box: face_stage.Box, side: int = 112) -> np.ndarray | None:
    from PIL import Image

    x0, y0, x1, y1 = (round(v) for v in (box.x0, box.y0, box.x1, box.y1))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = Image.fromarray(pixels[y0:y1, x0:x1]).resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(crop)
