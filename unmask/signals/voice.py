"""Voice: is the speech in this sound track synthetic (text-to-speech, a cloned or converted voice)?

Why it works: a speech synthesiser draws its waveform from a predicted spectrogram (a vocoder) or from
codec tokens, and neither reproduces everything a throat, a mouth and a microphone put into real speech:
the noise between the harmonics, breath and friction noise, the fine irregularity of pitch pulses. A
small CNN (``unmask/models/weights/voice.onnx``, card beside it; :mod:`unmask.models.voice_network`)
trained here on real speech and on the output of about fifty TTS and voice-conversion systems, plus fakes
made by espeak-ng, flite and Griffin-Lim re-synthesis, reads the 0-4 kHz log spectrogram of each 2 s of
speech (why not the full band: :data:`unmask.models.voice_features.MODEL_BINS`).

What it does: the track (an audio file, or a video's sound) at 16 kHz mono is cut into 2 s windows every
second, and only windows that are at least 30 % speech are scored (:mod:`unmask.media.speech`); no speech
at all makes the signal not applicable. The track's score is the mean segment probability; the timeline
plot shows each segment's score over the waveform, so a clip that mixes a real voice with a cloned one
shows where. Confidence stays ≤ :data:`MAX_CONFIDENCE` (the model has heard only the systems in its
training data, and measured near chance on some it never heard) and drops with little speech and for
narrow-band sound (phone calls, 8 kHz recordings), which keeps less of the voice's detail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from unmask.media.speech import SPEECH_RATE, Segment, speech_segments, track_samples
from unmask.media.types import AudioTrack, MediaKind
from unmask.models.voice_runtime import VOICE, segment_probabilities
from unmask.report.artifacts import figure_png, new_figure
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

MAX_CONFIDENCE = 0.7
FULL_SPEECH_S = 6.0
"""Seconds of scored speech for the full confidence (three independent 2 s segments)."""
NARROW_BAND_RATE = 16_000
"""A source sampled below this (a phone call, an 8 kHz recording) keeps less of the voice's detail."""
NARROW_FACTOR = 0.8
MAX_SEGMENTS = 120
"""Segments scored per track (2 min of speech); longer tracks are sampled evenly."""
HIGH, LOW = 0.7, 0.3
Probabilities = Callable[[Sequence[np.ndarray]], np.ndarray]
"""Speech segments (16 kHz) -> the probability that each is synthetic."""


@register_signal
class VoiceSignal(Signal):
    name = "voice"
    version = "1.0"
    applies_to = frozenset({MediaKind.AUDIO, MediaKind.VIDEO})
    needs = frozenset({Need.AUDIO})
    description = "Learned synthetic-speech detector: 2 s speech segments scored by a CNN on their 0-4 kHz spectrogram"
    model = VOICE
    weight = 0.25
    """The rule weight, for verdicts no fitted model gives (a video's sound track). Low: on speech from
    systems it never heard (the dev set's Tortoise TTS) the model measured near chance (EER 0.43, AUC 0.51;
    held-out clips of its training systems: AUC 0.95), so until it generalises it should barely move the
    verdict. Audio files get the fitted fuser's coefficients instead, learned from out-of-fold scores
    (:mod:`unmask.models.voice_folds`)."""

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        audio = ctx.media.audio
        assert audio is not None  # precondition
        track = assess_track(audio)
        if track is None:
            return Outcome.not_applicable("no speech found in the sound track (silence, music or steady noise)")
        segments, probs = track.segments, track.probabilities
        details = {
            "segments_scored": len(segments),
            "speech_seconds": round(track.speech_s, 2),
            "share_of_segments_over_half": round(float((probs >= 0.5).mean()), 3),
            "source_rate": audio.source_rate,
            "segments": [
                {
                    "start": round(audio.start + s.start, 2),
                    "end": round(audio.start + s.end, 2),
                    "score": round(float(p), 4),
                }
                for s, p in zip(segments, probs, strict=True)
            ],
        }
        artifacts = [timeline(track.samples, audio, segments, probs)] if ctx.options.artifacts else []
        return Outcome.scored(
            track.score,
            track.confidence,
            _summary(track.score, len(segments)),
            findings=_findings(segments, probs, audio, track.speech_s, track.narrow),
            details=details,
            artifacts=artifacts,
        )


@dataclass(frozen=True)
class TrackAssessment:
    """What the signal reads from one sound track: the track's score and confidence, and the evidence."""

    samples: np.ndarray
    segments: list[Segment]
    probabilities: np.ndarray
    score: float
    confidence: float
    speech_s: float
    narrow: bool


def assess_track(audio: AudioTrack, probabilities: Probabilities = segment_probabilities) -> TrackAssessment | None:
    """The signal's judgement of a decoded track, ``None`` when it holds no speech. ``probabilities`` scores
    speech segments: the shipped model, or (for :mod:`unmask.models.voice_folds`) a model that never heard
    the file's system, so out-of-fold scores are computed exactly as a scan computes them."""
    samples = track_samples(audio)
    scored = score_samples(samples, probabilities)
    if scored is None:
        return None
    score, segments, probs = scored
    speech_s = _speech_seconds(segments)
    narrow = audio.source_rate < NARROW_BAND_RATE
    return TrackAssessment(samples, segments, probs, score, voice_confidence(speech_s, narrow), speech_s, narrow)


def score_samples(
    samples: np.ndarray, probabilities: Probabilities = segment_probabilities
) -> tuple[float, list[Segment], np.ndarray] | None:
    """The track's score (mean segment probability), its speech segments and their probabilities, for
    16 kHz mono samples; ``None`` when they hold no speech. What the signal and ``bench/`` both use."""
    segments = _evenly(speech_segments(samples), MAX_SEGMENTS)
    if not segments:
        return None
    probs = probabilities([s.samples for s in segments])
    return float(np.clip(probs.mean(), 0.0, 1.0)), segments, probs


def voice_confidence(speech_s: float, narrow: bool) -> float:
    """≤ MAX_CONFIDENCE; from 40 % of it for one short segment up to all of it at FULL_SPEECH_S of speech,
    times NARROW_FACTOR for narrow-band sources."""
    amount = min(1.0, 0.4 + 0.6 * speech_s / FULL_SPEECH_S)
    return round(MAX_CONFIDENCE * amount * (NARROW_FACTOR if narrow else 1.0), 3)


def _evenly(segments: list[Segment], limit: int) -> list[Segment]:
    if len(segments) <= limit:
        return segments
    keep = np.linspace(0, len(segments) - 1, limit).round().astype(int)
    return [segments[i] for i in keep]


def _speech_seconds(segments: list[Segment]) -> float:
    """Seconds of the track covered by scored segments (overlaps counted once)."""
    total, reach = 0.0, -1.0
    for s in segments:
        total += s.end - max(s.start, reach)
        reach = s.end
    return total


def _summary(score: float, count: int) -> str:
    if score >= HIGH:
        return f"the speech sounds synthetic (TTS or a converted voice) in most of its {count} segments"
    if score <= LOW:
        return f"the speech sounds like a real recording ({count} segments scored)"
    return f"the synthetic-speech model does not lean clearly either way ({count} segments scored)"


def _findings(
    segments: list[Segment], probs: np.ndarray, audio: AudioTrack, speech_s: float, narrow: bool
) -> list[Finding]:
    def lean(p: float) -> Direction:
        return "fake" if p >= HIGH else "real" if p <= LOW else "neutral"

    over = int((probs >= 0.5).sum())
    findings = [
        Finding(
            f"{over} of {len(segments)} speech segments (2 s each) score as synthetic; "
            f"mean probability {probs.mean():.2f}",
            lean(float(probs.mean())),
        )
    ]
    worst = int(np.argmax(probs))
    if len(segments) > 1 and probs[worst] >= HIGH and probs.mean() < HIGH:
        at = audio.start + segments[worst].start
        findings.append(
            Finding(
                f"most synthetic stretch: {at:.1f}-{at + segments[worst].end - segments[worst].start:.1f} s "
                f"(probability {probs[worst]:.2f}); part of the track may be spliced or generated",
                "fake",
                time=round(at, 2),
            )
        )
    if speech_s < FULL_SPEECH_S:
        findings.append(Finding(f"only {speech_s:.1f} s of speech scored: confidence lowered"))
    if narrow:
        findings.append(
            Finding(
                f"narrow-band source ({audio.source_rate} Hz): nothing above {audio.source_rate // 2} Hz survives, "
                "and less of the voice's detail; confidence lowered"
            )
        )
    findings.append(
        Finding("the model knows the synthesisers it was trained on; a new voice-cloning system may go unnoticed")
    )
    return findings


def timeline(samples: np.ndarray, audio: AudioTrack, segments: list[Segment], probs: np.ndarray) -> Artifact:
    """The waveform (grey) with each scored segment drawn as a bar at its probability, coloured from green
    (real) to red (synthetic); the dashed line is 0.5."""
    from matplotlib import colormaps

    figure = new_figure(7.0, 2.4)
    wave = figure.add_subplot(1, 1, 1)
    times, low, high = _envelope(samples, audio.start)
    wave.fill_between(times, low, high, color="0.75", lw=0)
    wave.set_ylim(-1.05, 1.05)
    wave.set_yticks([])
    wave.set_xlabel("seconds")
    axes = wave.twinx()
    cmap = colormaps["RdYlGn_r"]
    for segment, p in zip(segments, probs, strict=True):
        start = audio.start + segment.start
        axes.hlines(float(p), start, start + segment.end - segment.start, color=cmap(float(p)), lw=3)
    axes.axhline(0.5, color="0.3", ls="--", lw=0.8)
    axes.set_ylim(-0.04, 1.04)  # bars at 0 and 1 stay visible
    axes.set_ylabel("P(synthetic)")
    axes.yaxis.set_label_position("left")
    axes.yaxis.tick_left()
    axes.set_xlim(audio.start, audio.start + len(samples) / SPEECH_RATE)
    axes.set_title(f"{len(segments)} speech segments scored, mean {probs.mean():.2f}", fontsize=9)
    return Artifact(
        "voice-timeline",
        "Synthetic-speech probability of each 2 s speech segment (bars; green = sounds recorded, red = sounds "
        "synthetic) over the waveform (grey); stretches without a bar held too little speech to score.",
        figure_png(figure),
    )


def _envelope(samples: np.ndarray, start: float, columns: int = 700) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min and max of the (peak-normalised) waveform in ``columns`` buckets, for a cheap waveform plot."""
    peak = float(np.max(np.abs(samples))) or 1.0
    columns = max(1, min(columns, len(samples)))
    buckets = np.array_split(samples / peak, columns)
    low = np.array([b.min() for b in buckets])
    high = np.array([b.max() for b in buckets])
    times = start + np.linspace(0, len(samples) / SPEECH_RATE, columns)
    return times, low, high
