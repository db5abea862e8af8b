"""Face blend: a small CNN, trained here on self-blended images, asks "was this face pasted in?".

Why it works: every face swap ends by warping a rendered face onto the host frame and blending it in
along a mask. That paste step leaves a seam and a mismatch of colour, sharpness and resampling between
the inner face and its surroundings whatever generator rendered the face. The model
(``unmask/models/weights/face_blend.onnx``, card beside it) was trained only on real faces and on copies
of them blended with an altered version of themselves (Shiohara & Yamasaki 2022, "Detecting Deepfakes
with Self-Blended Images") or, since 1.2, with another training face fitted onto them (Li et al. 2020,
"Face X-ray"), so it learned the paste step rather than one generator's look. Since 1.3 the file holds
two such models trained with different seeds and scores their mean logit (:mod:`unmask.models.ensemble`):
one training run is a draw, and the mean ranks swaps steadier than either run alone.

What it does: aligned 112 x 112 crops (:func:`unmask.models.crops.face_crop`) of the largest face track
(video: up to :data:`MAX_FRAMES` evenly spaced frames) are scored with onnxruntime. The score of a video
is the mean of the top third of frame probabilities: a swap often shows its seam only in some frames
(motion, pose), and averaging all frames would wash it out. Confidence stays ≤ :data:`MAX_CONFIDENCE`:
the model is small, trained from scratch on small web faces, and heavy compression, make-up, filters or
a studio composite can look like a paste; it drops for small faces, whose seam spans few pixels.
"""

from __future__ import annotations

import math

import numpy as np

from unmask.faces.types import Face
from unmask.media.types import MediaKind
from unmask.models.crops import face_crop
from unmask.models.runtime import FACE_BLEND, face_blend_probabilities
from unmask.report.artifacts import figure_png, new_figure, png_bytes
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

MIN_FACE_PX = 48
"""Faces smaller than this (longer side of the landmark box) hold no usable seam."""
FULL_FACE_PX = 112
"""Faces at least this large get the full confidence (the crop is 112 px: no up-sampling)."""
MAX_FRAMES = 16
MAX_CONFIDENCE = 0.55
HIGH, LOW = 0.7, 0.3
"""Frame probabilities above HIGH (below LOW) are reported as looking pasted (natural)."""


@register_signal
class FaceBlendSignal(Signal):
    name = "face_blend"
    version = "1.3"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACES})
    description = "Learned face-swap detector (self- and cross-blended faces): was the face pasted in along a seam?"
    model = FACE_BLEND
    weight = 1.0

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        track = ctx.largest_track()
        if track is None:
            return "no face large enough to analyse"
        if track.median_size < MIN_FACE_PX:
            return f"face too small for the blend model ({track.median_size:.0f} px, needs {MIN_FACE_PX} px)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        track = ctx.largest_track()
        if track is None:
            return Outcome.not_applicable("no face large enough to analyse")
        faces = _sample(track.faces, MAX_FRAMES)
        frames = ctx.media.frames
        crops = np.stack([face_crop(frames[f.frame_index].pixels, f) for f in faces])
        probs = face_blend_probabilities(crops)
        times = [frames[f.frame_index].time for f in faces]
        score = top_third_mean(probs)
        size = float(np.median([f.box.size for f in faces]))
        confidence = blend_confidence(size, len(faces), ctx.media.kind is MediaKind.VIDEO)
        details = {
            "frames_scored": len(faces),
            "face_px": round(size, 1),
            "frame_probabilities": [round(float(p), 4) for p in probs],
            "frame_times": [round(t, 3) for t in times],
            "aggregate": "mean of the top third" if len(probs) > 1 else "single face",
        }
        artifacts = _artifacts(crops, probs, times, ctx) if ctx.options.artifacts else []
        return Outcome.scored(
            score,
            confidence,
            _summary(score),
            findings=_findings(probs, times, size, ctx.media.kind is MediaKind.VIDEO),
            details=details,
            artifacts=artifacts,
        )


def _sample(faces: list[Face], limit: int) -> list[Face]:
    if len(faces) <= limit:
        return list(faces)
    picks = np.linspace(0, len(faces) - 1, limit).round().astype(int)
    return [faces[i] for i in picks]


def top_third_mean(probs: np.ndarray) -> float:
    """Mean of the highest third (at least one) of the probabilities."""
    k = max(1, math.ceil(len(probs) / 3))
    return float(np.clip(np.sort(probs)[-k:].mean(), 0.0, 1.0))


def blend_confidence(face_px: float, frames: int, video: bool) -> float:
    """≤ MAX_CONFIDENCE, lower for faces below FULL_FACE_PX and for videos scored on few frames."""
    size_factor = min(1.0, max(0.0, (face_px - MIN_FACE_PX) / (FULL_FACE_PX - MIN_FACE_PX)))
    frame_factor = min(1.0, 0.6 + 0.4 * frames / MAX_FRAMES) if video else 0.85
    return round(MAX_CONFIDENCE * (0.4 + 0.6 * size_factor) * frame_factor, 3)


def _summary(score: float) -> str:
    if score >= HIGH:
        return "the face looks pasted in: the model trained on self-blended faces finds a blending seam"
    if score <= LOW:
        return "the face shows no sign of having been pasted in"
    return "the face-blend model does not lean clearly either way"


def _findings(probs: np.ndarray, times: list[float], face_px: float, video: bool) -> list[Finding]:
    findings: list[Finding] = []
    if video:
        high = [t for p, t in zip(probs, times, strict=True) if p >= HIGH]
        findings.append(
            Finding(
                f"{len(high)} of {len(probs)} scored frames look pasted in (probability ≥ {HIGH}); "
                f"frame probabilities range {probs.min():.2f}-{probs.max():.2f}",
                "fake" if high else "neutral",
            )
        )
        if high:
            findings.append(
                Finding(
                    f"most pasted-looking frame at {times[int(np.argmax(probs))]:.2f} s",
                    "fake",
                    time=times[int(np.argmax(probs))],
                )
            )
    else:
        p = float(probs[0])
        direction: Direction = "fake" if p >= HIGH else "real" if p <= LOW else "neutral"
        findings.append(Finding(f"blend probability of the face: {p:.2f}", direction))
    if face_px < FULL_FACE_PX:
        findings.append(Finding(f"the face is small ({face_px:.0f} px): a seam spans few pixels, confidence lowered"))
    return findings


def _artifacts(crops: np.ndarray, probs: np.ndarray, times: list[float], ctx: AnalysisContext) -> list[Artifact]:
    order = np.argsort(-probs)[:8]
    strip = np.hstack([_labelled(crops[i], float(probs[i])) for i in order])
    out = [
        Artifact(
            "face-blend-crops",
            "The aligned face crops the model scored, most pasted-looking first, each with its blend probability "
            "(red bar: ≥ 0.5).",
            png_bytes(strip),
        )
    ]
    if ctx.media.kind is MediaKind.VIDEO and len(probs) > 1:
        figure = new_figure(6.0, 2.0)
        axes = figure.add_subplot(1, 1, 1)
        axes.plot(times, probs, marker="o", color="#c0392b")
        axes.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
        axes.set_ylim(0, 1)
        axes.set_xlabel("time (s)")
        axes.set_ylabel("blend probability")
        out.append(Artifact("face-blend-timeline", "Blend probability of each scored frame.", figure_png(figure)))
    return out


def _labelled(crop: np.ndarray, prob: float) -> np.ndarray:
    """The crop with a bar under it whose length is the probability (red at ≥ 0.5, green below)."""
    bar = np.full((10, crop.shape[1], 3), 255, dtype=np.uint8)
    width = round(prob * crop.shape[1])
    bar[2:8, :width] = (192, 57, 43) if prob >= 0.5 else (39, 174, 96)
    return np.vstack([crop, bar])
