"""Blink: how often and how long the people in a video blink, against what human eyes do.

Why it works: people blink spontaneously about 8–21 times a minute at rest (Bentivoglio et al. 1997,
"Analysis of blink rate patterns in normal subjects", Movement Disorders 12(6): mean about 17/min at
rest, higher in conversation, lower when reading), and one blink lasts about 100–400 ms (the range
commonly cited in perception textbooks, e.g. Schiffman, "Sensation and Perception"). Early face-swap
models were trained on photos, in which eyes are almost always open, so their faces blinked rarely or
never (Li, Chang & Lyu 2018, "In Ictu Oculi: Exposing AI Generated Fake Face Videos by Detecting Eye
Blinking"). Newer generators do blink, so a normal blink pattern is only weak evidence of a real face,
while no blink over a long stretch, or eyes that stay shut far longer than a blink, is a real tell.

How: per face and frame, the eye aspect ratio (EAR, Soukupová & Čech 2016, "Real-Time Eye Blink
Detection using Facial Landmarks": the lid-to-lid heights over the corner-to-corner width, six points
per eye) is compared with that person's own open-eye level (a running median), and MediaPipe's
``eyeBlinkLeft``/``eyeBlinkRight`` coefficients with theirs; a blink is a dip of both towards closed.
The rate is judged with a Poisson model of blinking, so the evidence grows with the seconds watched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face, FaceTrack
from unmask.media.types import MediaKind
from unmask.report.artifacts import figure_png, new_figure
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

RATE_LOW_PER_MIN = 8.0
"""Low end of the resting spontaneous blink rate (Bentivoglio et al. 1997)."""
RATE_HIGH_PER_MIN = 21.0
"""High end of the resting rate (same source); only the reported range, see :data:`RATE_FAST_PER_MIN`."""
RATE_FAST_PER_MIN = 26.0
"""Mean rate while talking (Bentivoglio et al. 1997): counts are judged "too many" only against this,
since people in videos are usually talking."""
DURATION_NORMAL_S = (0.1, 0.4)
"""A blink lasts about 100–400 ms (Schiffman, Sensation and Perception)."""
LONG_BLINK_S = 0.5
"""A closure longer than this is outside the normal range with a margin for our frame-rate rounding."""
MIN_OBSERVED_S = 5.0
"""Below this much tracked face, absence means nothing: at the lowest normal rate (8/min) a real person
shows no blink in 5 s with probability exp(-8 * 5 / 60) = 0.51, i.e. more likely than not."""
MIN_FPS = 10.0
"""A blink is 100–400 ms; below 10 sampled frames a second a fast blink can fall between two frames."""
CLOSED_DROP = 0.25
"""A frame counts as closed when the EAR is 25 % below the person's own open-eye level (Soukupová & Čech
use a fixed EAR of 0.2 against a typical open EAR near 0.3, a one-third drop; relative to each person,
because the open level varies from 0.2 to 0.4 between people and with head pose) and the blink
coefficient is 0.25 above its own resting level; the two are averaged when both exist."""
BASELINE_WINDOW_S = 4.0
"""The open-eye level is a running median over 4 s: long enough that blinks (< 0.4 s) do not move it,
short enough to follow slow changes of head pitch, which change the EAR too."""
SEGMENT_GAP_FRAMES = 2.5
"""Frames further apart than this many frame intervals are separate stretches (as the face tracker uses)."""
MAX_BLINK_FINDINGS = 40


@dataclass(frozen=True)
class Blink:
    start: float
    """Seconds into the media when the eye started to close."""
    duration: float
    depth: float
    """Peak closure in [0, 1] (1 = EAR halved and blink coefficient +0.5, or more)."""
    track_id: int


@dataclass(frozen=True)
class Stretch:
    """Consecutive frames of one tracked face."""

    track_id: int
    times: np.ndarray
    ear: np.ndarray
    closure: np.ndarray
    fps: float

    @property
    def seconds(self) -> float:
        return float(self.times[-1] - self.times[0]) + 1.0 / self.fps


@dataclass(frozen=True)
class BlinkAnalysis:
    stretches: list[Stretch]
    blinks: list[Blink]

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stretches)


def eye_aspect_ratio(face: Face) -> float:
    """Mean six-point EAR of both eyes (Soukupová & Čech 2016): about 0.3 open, towards 0 closed."""
    return (_ear(face, regions.RIGHT_EYE_EAR) + _ear(face, regions.LEFT_EYE_EAR)) / 2


def _ear(face: Face, indices: tuple[int, ...]) -> float:
    p = face.points(indices).astype(np.float64)
    width = float(np.linalg.norm(p[0] - p[3]))
    height = float(np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4]))
    return height / (2 * width) if width > 0 else 0.0


def _blink_coefficient(face: Face) -> float:
    left, right = face.blendshapes.get("eyeBlinkLeft"), face.blendshapes.get("eyeBlinkRight")
    return math.nan if left is None or right is None else (left + right) / 2


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median over a centred window (edges repeat the end values); the whole series if it is shorter."""
    if len(values) <= window:
        return np.full(len(values), float(np.median(values)))
    half = window // 2
    padded = np.pad(values, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)


def closure(ear: np.ndarray, coefficient: np.ndarray, window: int) -> np.ndarray:
    """Per frame, how closed the eyes look relative to this person's open level: 0 open, >= 0.5 closed."""
    base = running_median(ear, window)
    by_ear = np.clip((1 - ear / np.maximum(base, 1e-6)) / (2 * CLOSED_DROP), 0, 1)
    if np.isnan(coefficient).any():
        return by_ear
    by_shape = np.clip((coefficient - running_median(coefficient, window)) / (2 * CLOSED_DROP), 0, 1)
    return (by_ear + by_shape) / 2


def _stretches(track: FaceTrack, times: list[float], fps: float) -> list[Stretch]:
    t = np.array([times[f.frame_index] for f in track.faces])
    ear = np.array([eye_aspect_ratio(f) for f in track.faces])
    coefficient = np.array([_blink_coefficient(f) for f in track.faces])
    breaks = np.where(np.diff(t) > SEGMENT_GAP_FRAMES / fps)[0] + 1
    window = max(3, round(BASELINE_WINDOW_S * fps))
    out = []
    for part in np.split(np.arange(len(t)), breaks):
        if len(part) >= 3:
            shut = closure(ear[part], coefficient[part], window)
            out.append(Stretch(track.track_id, t[part], ear[part], shut, fps))
    return out


def find_blinks(stretch: Stretch) -> list[Blink]:
    """Runs of closed frames (closure >= 0.5), each widened to the frames at least half that closed,
    so the duration spans closing and reopening; runs whose widened spans touch are one blink."""
    shut = stretch.closure
    core = shut >= 0.5
    if not core.any():
        return []
    wide = shut >= 0.25
    labels = np.cumsum(np.diff(np.concatenate(([0], wide.astype(np.int8)))) == 1) * wide
    blinks = []
    for label in np.unique(labels[core]):
        idx = np.where(labels == label)[0]
        blinks.append(
            Blink(
                start=float(stretch.times[idx[0]]),
                duration=len(idx) / stretch.fps,
                depth=float(shut[idx].max()),
                track_id=stretch.track_id,
            )
        )
    return blinks


def analyse_blinks(ctx: AnalysisContext) -> BlinkAnalysis:
    """Stretches and blinks of every usable face, computed once per scan."""

    def compute() -> BlinkAnalysis:
        fps = ctx.media.fps or 0.0
        if ctx.faces is None or fps <= 0:
            return BlinkAnalysis([], [])
        times = [frame.time for frame in ctx.media.frames]
        stretches = [s for track in ctx.faces.usable_tracks() for s in _stretches(track, times, fps)]
        blinks = sorted((b for s in stretches for b in find_blinks(s)), key=lambda b: b.start)
        return BlinkAnalysis(stretches, blinks)

    result: BlinkAnalysis = ctx.derived("blink:analysis", compute)
    return result


def poisson_cdf(k: int, mean: float) -> float:
    """P(N <= k) for a Poisson count with the given mean."""
    term = total = math.exp(-mean)
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return min(1.0, total)


def _surprise(p: float) -> float:
    """0 for an unremarkable probability, 1 at p <= 0.001."""
    return float(np.clip(-math.log10(max(p, 1e-12)) / 3, 0, 1))


@dataclass(frozen=True)
class Judgement:
    score: float
    confidence: float
    too_few: float
    too_many: float
    too_long: float


def judge(blinks: int, long_blinks: int, seconds: float, fps: float) -> Judgement:
    """Score and confidence from the count of blinks, of too-long blinks and the seconds watched.

    * too few: how surprising the count is for a person blinking at the lowest normal rate (Poisson
      tail; 1 at p <= 0.001, e.g. no blink in 52 s). Real inter-blink gaps vary more than Poisson, which
      is one reason the lowest normal rate, not the mean, is the reference;
    * too many: the same against the mean rate while talking, weighted 0.4 (landmark noise adds counts,
      and fast blinking is a weak tell);
    * too long: the share of closures over :data:`LONG_BLINK_S`, in full only from four of them on
      (one slow blink or downward glance is human), weighted 0.8.

    The score is 0.45 (normal blinking leans slightly real; modern generators blink too) plus half the
    strongest of the three. Confidence grows with the seconds watched, 0.55 * (1 - exp(-t / 30 s)):
    0.08 at 5 s, 0.35 at 30 s, 0.48 at 60 s; a third less below 15 sampled frames a second.
    """
    too_few = _surprise(poisson_cdf(blinks, RATE_LOW_PER_MIN * seconds / 60))
    too_many = _surprise(1 - poisson_cdf(blinks - 1, RATE_FAST_PER_MIN * seconds / 60)) if blinks else 0.0
    too_long = long_blinks / blinks * min(1.0, long_blinks / 4) if blinks else 0.0  # one slow blink is human
    lean = max(too_few, 0.4 * too_many, 0.8 * too_long)
    score = 0.45 + 0.5 * lean
    confidence = 0.55 * (1 - math.exp(-seconds / 30)) * (1.0 if fps >= 15 else 0.7)
    return Judgement(score, confidence, too_few, too_many, too_long)


@register_signal
class BlinkSignal(Signal):
    name = "blink"
    version = "1.0"
    applies_to = frozenset({MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = "Blink rate and blink durations from the eye aspect ratio, against human norms"
    weight = 1.0

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        fps = ctx.media.fps or 0.0
        if fps < MIN_FPS:
            return f"{fps:.1f} frames a second were sampled; blinks need at least {MIN_FPS:.0f} to be seen"
        seconds = analyse_blinks(ctx).seconds
        if seconds < MIN_OBSERVED_S:
            return (
                f"a face was followed for only {seconds:.1f} s; at least {MIN_OBSERVED_S:.0f} s are needed "
                "before the absence of blinks means anything"
            )
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        found = analyse_blinks(ctx)
        fps = ctx.media.fps or 0.0
        seconds = found.seconds
        long_ones = [b for b in found.blinks if b.duration > LONG_BLINK_S]
        verdict = judge(len(found.blinks), len(long_ones), seconds, fps)
        summary = _summary(len(found.blinks), seconds, long_ones)
        findings = [Finding(summary, _direction(verdict.score))]
        findings += _context_findings(verdict, seconds, found.blinks)
        findings += [_blink_finding(b) for b in found.blinks[:MAX_BLINK_FINDINGS]]
        details = {
            "seconds_observed": round(seconds, 2),
            "blinks": len(found.blinks),
            "rate_per_min": round(60 * len(found.blinks) / seconds, 2),
            "long_blinks": len(long_ones),
            "durations_s": [round(b.duration, 3) for b in found.blinks],
            "times_s": [round(b.start, 3) for b in found.blinks],
            "faces": sorted({s.track_id for s in found.stretches}),
            "evidence": {"too_few": verdict.too_few, "too_many": verdict.too_many, "too_long": verdict.too_long},
            "norms": {"rate_per_min": [RATE_LOW_PER_MIN, RATE_HIGH_PER_MIN], "duration_s": list(DURATION_NORMAL_S)},
        }
        artifacts = [_timeline(found)] if ctx.options.artifacts else []
        return Outcome.scored(
            verdict.score, verdict.confidence, summary, findings=findings, details=details, artifacts=artifacts
        )


def _direction(score: float) -> Direction:
    return "fake" if score > 0.55 else "real" if score < 0.5 else "neutral"


def _summary(count: int, seconds: float, long_ones: list[Blink]) -> str:
    rate = 60 * count / seconds
    text = (
        f"{count} blink{'s' if count != 1 else ''} in {seconds:.0f} s of tracked face ({rate:.0f} a minute; "
        f"people blink {RATE_LOW_PER_MIN:.0f}–{RATE_HIGH_PER_MIN:.0f} times a minute at rest)"
    )
    if long_ones:
        text += f"; {len(long_ones)} lasted over {LONG_BLINK_S * 1000:.0f} ms (a blink takes 100–400 ms)"
    return text


def _context_findings(verdict: Judgement, seconds: float, blinks: list[Blink]) -> list[Finding]:
    out = []
    if seconds < 30:
        out.append(
            Finding(
                f"only {seconds:.0f} s of face were watched: real people can go that long without blinking, "
                "so this says little either way"
            )
        )
    if verdict.too_few >= 0.5:
        out.append(
            Finding(
                f"even at the lowest normal rate ({RATE_LOW_PER_MIN:.0f}/min) about "
                f"{RATE_LOW_PER_MIN * seconds / 60:.0f} blinks were expected; early face-swap models "
                "rarely blinked (Li et al. 2018)",
                "fake",
            )
        )
    if verdict.too_many >= 0.5:
        out.append(Finding(f"more blinks than even people talking produce (about {RATE_FAST_PER_MIN:.0f}/min)", "fake"))
    if blinks:
        median_ms = 1000 * float(np.median([b.duration for b in blinks]))
        out.append(Finding(f"median blink duration {median_ms:.0f} ms (normal 100–400 ms)"))
    return out


def _blink_finding(blink: Blink) -> Finding:
    ms = blink.duration * 1000
    if blink.duration > LONG_BLINK_S:
        return Finding(f"eyes closed for {ms:.0f} ms, longer than a blink", "fake", time=blink.start)
    return Finding(f"blink lasting about {ms:.0f} ms (face {blink.track_id})", time=blink.start)


def _timeline(found: BlinkAnalysis) -> Artifact:
    figure = new_figure(7.0, 2.4)
    axes = figure.add_subplot(1, 1, 1)
    for n, stretch in enumerate(found.stretches):
        label = f"face {stretch.track_id}" if n == 0 or stretch.track_id != found.stretches[n - 1].track_id else None
        axes.plot(stretch.times, stretch.ear, lw=0.9, color=f"C{stretch.track_id % 10}", label=label)
    for blink in found.blinks:
        color = "tab:red" if blink.duration > LONG_BLINK_S else "tab:orange"
        axes.axvspan(blink.start, blink.start + blink.duration, color=color, alpha=0.3, lw=0)
    axes.set_xlabel("seconds")
    axes.set_ylabel("eye aspect ratio")
    axes.set_title(f"{len(found.blinks)} blinks marked (red: longer than {LONG_BLINK_S * 1000:.0f} ms)", fontsize=9)
    if len({s.track_id for s in found.stretches}) > 1:
        axes.legend(fontsize=7, loc="lower right")
    return Artifact(
        "blink-timeline",
        "Eye aspect ratio over time (lower = more closed); shaded spans are the blinks counted",
        figure_png(figure),
    )
