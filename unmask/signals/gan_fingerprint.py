"""GAN fingerprint: a small CNN, trained here on up-sampled pseudo-fakes, asks "did an up-sampler draw
these pixels?".

Why it works: generators and image decoders build their output by up-sampling feature maps 2x at a time
(transposed convolutions, nearest or bilinear up-sampling before a convolution, pixel shuffle). Which
kernel taps make an output pixel depends on its phase on the 2x grid, so the picture's fine detail
carries a periodic fingerprint (a checkerboard in the high-pass residual, N/2 peaks in the spectrum;
Odena et al. 2016, Zhang et al. 2019, Frank et al. 2020) whatever the generator learned to draw. The
model (``unmask/models/weights/gan_fingerprint.onnx``, card beside it) was trained only on real pictures
and on copies of them re-built by random up-samplers (:mod:`unmask.models.upsampling`), never on a GAN's
output, so it learned the up-sampling trace rather than one generator's look. :mod:`~unmask.signals.spectrum`
measures the same traces with fixed statistics; this signal learns them from many up-samplers.

What it does: 64 x 64 patches at native resolution (resampling would erase the trace) tile the picture
evenly, at most :data:`MAX_PATCHES` (video: up to :data:`MAX_FRAMES` sampled frames sharing them), plus
up to :data:`FACE_PATCHES` inside the largest face when there is one; the score is the mean patch
probability of the picture, averaged with that of the face region. Confidence stays ≤
:data:`MAX_CONFIDENCE` and drops for small pictures (few patches) and low JPEG quality (compression
erases fine detail), and for video (its codec draws its own block grid). Real photos that were up-scaled
for display carry the same trace: the signal says a picture was up-sampled, not by whom.
"""

from __future__ import annotations

import cv2
import numpy as np

from unmask.faces.types import Box as FaceBox
from unmask.media.types import Frame, MediaKind
from unmask.models.gan_runtime import GAN_FINGERPRINT, patch_probabilities
from unmask.models.gan_spec import PATCH, Box, cut, grid_boxes
from unmask.report.artifacts import png_bytes
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal
from unmask.signals.spectrum import sample_frames

MAX_PATCHES = 48
"""Picture patches per image (for video: in all, shared among the sampled frames)."""
FACE_PATCHES = 16
MAX_FRAMES = 8
FULL_PATCHES = 16
"""Pictures with at least this many patches (about 256 x 256 px) get the full size confidence."""
MAX_CONFIDENCE = 0.6
JPEG_Q_FULL, JPEG_Q_LOW = 90, 60
HIGH, LOW = 0.7, 0.3
HEATMAP_SIDE = 512


@register_signal
class GanFingerprintSignal(Signal):
    name = "gan_fingerprint"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACE_REGIONS})
    description = (
        "Learned up-sampling fingerprint (GAN/decoder checkerboard) in native 64 px patches of the picture and face"
    )
    model = GAN_FINGERPRINT
    weight = 0.25
    """Low: on real GAN faces the model measured near chance (AUC 0.49 on 580 StyleGAN faces, 0.65 on the
    dev set), so until it generalises it should barely move the verdict."""

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        width, height = ctx.media.width or 0, ctx.media.height or 0
        if min(width, height) < PATCH:
            return f"picture too small for the GAN-fingerprint model ({width} x {height} px, needs {PATCH} px a side)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        chosen = sample_frames(ctx, MAX_FRAMES)
        per_frame = max(4, MAX_PATCHES // len(chosen))
        picture, face, first_boxes, first_probs = [], [], [], np.zeros(0)
        for n, (frame, box) in enumerate(chosen):
            boxes = grid_boxes(frame.width, frame.height, per_frame)
            probs = patch_probabilities(cut(frame.pixels, boxes))
            picture.append(probs)
            if n == 0:
                first_boxes, first_probs = boxes, probs
            if box is not None:
                face.append(patch_probabilities(cut(frame.pixels, face_boxes(frame, box))))
        pic = np.concatenate(picture)
        fac = np.concatenate(face) if face else np.zeros(0)
        pic_score = float(pic.mean())
        face_score = float(fac.mean()) if len(fac) else None
        score = pic_score if face_score is None else 0.5 * (pic_score + face_score)
        video = ctx.media.kind is MediaKind.VIDEO
        quality = jpeg_quality(ctx)
        confidence = gan_confidence(len(pic) / len(chosen), quality, video)
        details = {
            "picture_score": round(pic_score, 4),
            "face_score": None if face_score is None else round(face_score, 4),
            "picture_patches": len(pic),
            "face_patches": len(fac),
            "frames_scored": len(chosen),
            "share_of_patches_over_half": round(float((pic >= 0.5).mean()), 3),
            "jpeg_quality": quality,
        }
        artifacts = []
        if ctx.options.artifacts and len(first_probs):
            artifacts.append(heatmap(chosen[0][0], first_boxes, first_probs))
        findings = _findings(pic, fac, len(pic) / len(chosen), quality, video)
        return Outcome.scored(
            float(np.clip(score, 0.0, 1.0)),
            confidence,
            _summary(score),
            findings=findings,
            details=details,
            artifacts=artifacts,
        )


def face_boxes(frame: Frame, box: FaceBox) -> list[Box]:
    """Native patches inside the face box (clipped to the frame); none when the face is under a patch."""
    x0, y0, x1, y1 = (round(v) for v in (box.x0, box.y0, box.x1, box.y1))
    region = (max(0, x0), max(0, y0), min(frame.width, x1), min(frame.height, y1))
    return grid_boxes(frame.width, frame.height, FACE_PATCHES, origin=region)


def jpeg_quality(ctx: AnalysisContext) -> int | None:
    """The JPEG quality estimated by the decoder, or None for other formats."""
    if ctx.media.format != "jpeg":
        return None
    quality = ctx.media.metadata.get("jpeg", {}).get("quality_estimate")
    return int(quality) if isinstance(quality, int | float) else None


def gan_confidence(patches_per_frame: float, quality: int | None, video: bool) -> float:
    """≤ MAX_CONFIDENCE; lower for pictures with few patches, for JPEG below quality 90 (down to 40 % of it
    at quality ≤ 60, where most fine detail is gone) and for video."""
    size_factor = min(1.0, 0.4 + 0.6 * patches_per_frame / FULL_PATCHES)
    q_factor = 1.0
    if quality is not None:
        q_factor = 0.4 + 0.6 * min(1.0, max(0.0, (quality - JPEG_Q_LOW) / (JPEG_Q_FULL - JPEG_Q_LOW)))
    return round(MAX_CONFIDENCE * size_factor * q_factor * (0.8 if video else 1.0), 3)


def _summary(score: float) -> str:
    if score >= HIGH:
        return "the fine detail carries the periodic pattern that generators' up-sampling layers leave"
    if score <= LOW:
        return "the fine detail shows no up-sampling fingerprint"
    return "the up-sampling fingerprint model does not lean clearly either way"


def _findings(pic: np.ndarray, fac: np.ndarray, per_frame: float, quality: int | None, video: bool) -> list[Finding]:
    def lean(p: float) -> Direction:
        return "fake" if p >= HIGH else "real" if p <= LOW else "neutral"

    findings = [
        Finding(
            f"{int((pic >= 0.5).sum())} of {len(pic)} patches of the picture look up-sampled "
            f"(mean probability {pic.mean():.2f})",
            lean(float(pic.mean())),
        )
    ]
    if len(fac):
        findings.append(
            Finding(f"the face region's {len(fac)} patches: mean probability {fac.mean():.2f}", lean(float(fac.mean())))
        )
    if per_frame < FULL_PATCHES:
        findings.append(
            Finding(f"small picture: only {per_frame:.0f} patches of {PATCH} px per frame, confidence lowered")
        )
    if quality is not None and quality < JPEG_Q_FULL:
        findings.append(Finding(f"JPEG quality about {quality}: compression erases fine detail, confidence lowered"))
    if video:
        findings.append(Finding("video: the codec's own block grid can mimic the pattern, confidence lowered"))
    findings.append(
        Finding("real photos up-scaled for display carry the same pattern: it shows up-sampling, not who did it")
    )
    return findings


def heatmap(frame: Frame, boxes: list[Box], probs: np.ndarray) -> Artifact:
    """The picture (first scored frame, shrunk to at most HEATMAP_SIDE px first, so a large picture costs
    little) with each patch tinted by its probability (red = up-sampled)."""
    scale = min(1.0, HEATMAP_SIDE / max(frame.width, frame.height))
    width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
    image = frame.pixels if scale == 1.0 else cv2.resize(frame.pixels, (width, height), interpolation=cv2.INTER_AREA)
    total = np.zeros((height, width), np.float32)
    count = np.zeros_like(total)
    for box, p in zip(boxes, probs, strict=True):
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        total[y0:y1, x0:x1] += float(p)
        count[y0:y1, x0:x1] += 1.0
    covered = count > 0
    prob = np.where(covered, total / np.maximum(count, 1.0), 0.0)
    colour = cv2.applyColorMap((prob * 255).astype(np.uint8), cv2.COLORMAP_JET)[:, :, ::-1]
    mixed = image.astype(np.float32)
    mixed[covered] = 0.55 * mixed[covered] + 0.45 * colour[covered]
    return Artifact(
        "gan-fingerprint-heatmap",
        f"Patch scores of the up-sampling fingerprint model over the picture ({len(boxes)} native {PATCH} px "
        "patches; blue = natural, red = up-sampled; untinted parts were not scored).",
        png_bytes(mixed.clip(0, 255).astype(np.uint8)),
    )
