"""What a signal is: a small class that looks at the decoded media and returns a score *with evidence*.

A signal never decodes the file and never runs its own face detector: it reads the shared
:class:`AnalysisContext` that the pipeline built once (decode → faces → signals).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal

from unmask.config import ScanOptions
from unmask.faces.types import FaceAnalysis, FaceTrack
from unmask.media.types import Media, MediaKind
from unmask.models.runtime import ShippedModel

Direction = Literal["fake", "real", "neutral"]
"""Which way a finding points: towards manipulation, towards authenticity, or neither."""


class Need(StrEnum):
    """What a signal reads. ``FACES`` makes a signal not applicable without a usable face. The face stage
    runs only when a selected signal has ``FACES`` or ``FACE_REGIONS``, and a signal with neither may
    start while it still runs: a signal that reads faces must say so."""

    FRAMES = "frames"
    FACES = "faces"
    FACE_REGIONS = "face_regions"
    """Looks at the faces' regions when there are any, and judges the picture without them too."""
    AUDIO = "audio"
    BYTES = "bytes"
    METADATA = "metadata"


@dataclass(frozen=True)
class Finding:
    """One observation a person can check, e.g. "PNG text chunk 'parameters' holds Stable Diffusion settings"."""

    text: str
    direction: Direction = "neutral"
    time: float | None = None
    """Seconds into the media, when the finding is about a moment."""


@dataclass(frozen=True)
class Artifact:
    """A picture for the report (plot, heatmap, crop), kept as encoded bytes."""

    name: str
    caption: str
    data: bytes
    media_type: str = "image/png"


@dataclass
class Outcome:
    """What a signal returns. The pipeline adds the signal's name, version and timing.

    ``score`` is the signal's probability that the media is manipulated or generated (0.5 = no lean);
    ``confidence`` is how far the signal trusts that score on *this* input (a blink count over three
    seconds of video is weak evidence; a Stable Diffusion parameter block is strong). Fusion weighs by it.
    """

    status: Literal["ok", "info", "not_applicable"]
    summary: str
    score: float | None = None
    confidence: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside [0, 1]")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")
        if self.status == "ok" and self.score is None:
            raise ValueError("an 'ok' outcome needs a score")

    @classmethod
    def scored(cls, score: float, confidence: float, summary: str, **extra: Any) -> Outcome:
        """A judgement that takes part in the verdict."""
        return cls(status="ok", summary=summary, score=score, confidence=confidence, **extra)

    @classmethod
    def info(cls, summary: str, **extra: Any) -> Outcome:
        """Facts for the report (hashes, metadata listings) that do not lean either way."""
        return cls(status="info", summary=summary, **extra)

    @classmethod
    def not_applicable(cls, reason: str) -> Outcome:
        """The signal cannot judge this input (no face, no audio, too short); the reason is shown."""
        return cls(status="not_applicable", summary=reason)


class AnalysisContext:
    """Everything the earlier stages produced, shared read-only by all signals of one scan.

    The pipeline may start signals that do not look at faces while the face stage still runs
    (``faces_pending=True``); reading :attr:`faces` then waits until the stage has finished, so a signal
    always sees the finished face analysis, at worst a little later.
    """

    def __init__(
        self,
        media: Media,
        faces: FaceAnalysis | None = None,
        options: ScanOptions | None = None,
        shared: dict[str, Any] | None = None,
        *,
        faces_pending: bool = False,
    ) -> None:
        self.media = media
        self.options = options or ScanOptions()
        self.shared: dict[str, Any] = {} if shared is None else shared
        """A per-scan cache for derived data several signals use (e.g. grey frames); keyed by a stable name."""
        self._faces = faces
        self._faces_ready = threading.Event()
        if not faces_pending:
            self._faces_ready.set()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @property
    def faces(self) -> FaceAnalysis | None:
        """The face stage's result (``None``: face analysis was turned off); waits while it is pending."""
        self._faces_ready.wait()
        return self._faces

    @faces.setter
    def faces(self, faces: FaceAnalysis | None) -> None:
        self._faces = faces
        self._faces_ready.set()

    def derived(self, key: str, compute: Any) -> Any:
        """Compute something once per scan and share it, e.g. ``ctx.derived("grey", lambda: ...)``.

        Signals run on several threads: the first to ask computes, others asking for the same key wait for
        it (and only for it), so nothing is computed twice.
        """
        if key in self.shared:
            return self.shared[key]
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.shared:
                self.shared[key] = compute()
        return self.shared[key]

    def largest_track(self) -> FaceTrack | None:
        """The largest usable face track (the subject most signals judge), found once per scan."""
        faces = self.faces
        return self.derived("faces.largest_track", lambda: faces.largest_track() if faces else None)


class Signal(ABC):
    """A forensic signal. Subclass, fill in the class attributes, implement :meth:`analyze`, decorate
    with :func:`unmask.signals.register_signal`. Nothing else in the pipeline changes."""

    name: ClassVar[str]
    """Stable identifier used in reports and on the command line (``--signals blink,c2pa``)."""
    version: ClassVar[str]
    """Bump when the scoring changes, so reports say which logic produced a score."""
    applies_to: ClassVar[frozenset[MediaKind]]
    needs: ClassVar[frozenset[Need]] = frozenset()
    description: ClassVar[str]
    """One line for ``unmask signals``."""
    weight: ClassVar[float] = 1.0
    """Relative trust in fusion, before calibration exists (see :mod:`unmask.fusion`)."""
    model: ClassVar[ShippedModel | None] = None
    """The learned model the signal runs, if any: without its weights the signal is not applicable."""

    def precondition(self, ctx: AnalysisContext) -> str | None:
        """Why this signal cannot run on ``ctx``, or ``None`` if it can. Override for finer checks."""
        if ctx.media.kind not in self.applies_to:
            return f"does not apply to {ctx.media.kind.value}"
        if Need.FRAMES in self.needs and not ctx.media.frames:
            return "no frames were decoded"
        if Need.AUDIO in self.needs and ctx.media.audio is None:
            return "no audio track"
        if Need.FACES in self.needs:
            if ctx.faces is None:
                return "face analysis was turned off"
            if not ctx.faces.usable_tracks():
                return "no face large enough to analyse" if ctx.faces.count else "no face found"
        if self.model is not None and not self.model.available():
            return f"the {self.model.name} model weights are not installed"
        return None

    @abstractmethod
    def analyze(self, ctx: AnalysisContext) -> Outcome:
        """Look at the media and return an :class:`Outcome` with findings a person can check."""
