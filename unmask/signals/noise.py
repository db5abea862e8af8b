"""Noise: does the face (or any region) carry the same camera noise as the rest of the picture?

Why it works: every pixel of a photograph carries sensor noise of a level set by the camera, its ISO
and its processing, so the noise level varies smoothly and predictably across one picture. A region
pasted from another picture, rendered by a generator or smoothed by a face-swap decoder brings its own
level: a spliced region "stands out" in a map of local noise levels (Mahdian & Saic 2009, "Using noise
inconsistencies for blind image forensics"; Lyu, Pan & Zhang 2014, "Exposing region splicing forgeries
with blind local noise estimation").

What it measures, on the grey picture down-scaled (area averaging) to at most :data:`WORK_SIDE` px,
for video on up to :data:`MAX_FRAMES` evenly spaced frames:

* the high-pass residual of Immerkær's operator (1996, "Fast noise variance estimation": a 3 x 3
  difference of Laplacians that cancels smooth shading), and per block (:data:`BLOCK_RANGE`: about a
  sixth of the face) the noise sigma from its median absolute value (``sigma = median|r| / (6 x
  0.6745)``, Donoho's MAD estimator, robust to the few edge pixels of a block); saturated blocks (noise
  clipped) and flat ones (letterbox bars, fills) are left out;
* texture and brightness still move any noise estimate (edges leak in; shot noise and gamma make noise
  depend on brightness), so the log sigma of each block is compared with what a robust quadratic fit
  of log sigma on coarse texture (gradient energy after a 2-px blur, which noise barely moves) and
  brightness predicts from the blocks outside the face: the residual is the block's *unexplained*
  noise level;
* with a usable face: the median residual inside the face outline (FACE_OVAL shrunk to 80 %) against
  the medians of face-sized cells away from the face; ``z`` is the difference in units of the robust
  spread (1.4826 x MAD) of those cell medians — "how far the face stands out, relative to how much
  regions of this picture differ anyway". Without a face: the most deviant cell against the others.

Scoring: ``|z|`` beyond :data:`TYPICAL_Z` (face) or :data:`TYPICAL_Z_ANY` (most deviant of many cells,
which is large by chance more often), weighted by :data:`NOISIER_WEIGHT` when the region is noisier
than the rest, gives ``score = 0.45 + 0.45 tanh(excess / 2)``; a uniform map leans 0.45 only, because
a face-swap video re-encodes the whole frame and leaves uniform noise too. The face threshold is
measured on real faces, so about one real face in twenty passes it on the smoother side.
Confidence stays ≤ :data:`MAX_CONFIDENCE`: depth of field, make-up, strong JPEG or video compression
(which removes noise in flat regions) and local denoising by phones all move local noise levels.

The region statistics here (:func:`detrend`, :func:`region_contrast`, :func:`face_blocks`) are shared
with the ELA signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from unmask.faces import regions
from unmask.faces.types import Face
from unmask.media.types import Frame, MediaKind
from unmask.report.artifacts import jpeg_bytes
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

WORK_SIDE = 1024
"""Pictures are down-scaled (area averaging) so their long side is at most this; noise ratios survive."""
BLOCK_RANGE = (12, 32)
"""Noise is estimated per square block: a sixth of the face size (so the face spans about five blocks
across), or a 24th of the short side without a face, within this range of pixels (at work scale)."""
MIN_SIDE = 96
"""Pictures with a shorter side than this have too few blocks to compare regions."""
MAX_FRAMES = 8
"""Video: at most this many evenly spaced frames are measured."""
MIN_CELLS = 6
"""Comparison needs at least this many cells away from the face."""
TYPICAL_Z = 3.2
"""A face whose noise differs from the picture's cells by up to this many spreads is ordinary. Measured on
real training faces only (``bench/calibrate_noise.py --data ../shared/data/train``: 750 faces, 250 per
source): 4.5 % of them pass it on the smoother side; the 5th percentile of ``z`` is -3.0 there and -3.2
on a first draw of 725 faces. Version 1.0 used 2.0, set by hand, which about one real face in eight
passed on that side."""
TYPICAL_Z_ANY = 4.0
"""Without a face the most deviant of many cells is tested; real pictures hold regions of other noise
(sky, out-of-focus background, clipped shadows) often enough that only a larger deviation counts."""
NOISIER_WEIGHT = 0.25
"""A face *noisier* than its surroundings counts a quarter: in real portraits the in-focus face keeps
fine skin and hair detail (which any noise estimator partly reads as noise) while a blurred or flat
background is smoothed further by JPEG. A face *smoother* than its surroundings (denoised, rendered,
up-sampled) is what swaps and generators leave, and counts fully."""
SPREAD_FLOOR = 0.25
"""The spread of cell medians (natural-log units) is taken as at least this: regions of one real
picture differ in noise level by about ±25 % anyway, so a very uniform picture does not turn a small
difference into a large z."""
MAX_CONFIDENCE = 0.3
FACE_SHRINK = 0.8
"""The face region is the FACE_OVAL outline shrunk to this about its centre: the inner face that a swap
replaces, without the hairline and background at the outline."""
SATURATED = (3, 252)
"""Grey levels at or beyond these are clipped: a block mostly made of them shows no noise."""
FLAT_STD = 1.0
"""Blocks whose grey levels vary less than this carry no usable noise (letterbox bars, flat fills)."""
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_MAD = 0.6745


# --- region statistics (shared with ela) ------------------------------------------------------------


@dataclass(frozen=True)
class RegionContrast:
    """How one region of a block map differs from the rest of the picture."""

    z: float
    """(region median - median of cell medians) / robust spread of cell medians."""
    region: float
    rest: float
    spread: float
    cells: int
    box: tuple[int, int, int, int]
    """The region in block coordinates (y0, x0, y1, x1)."""
    is_face: bool


def blocks_of(values: np.ndarray, block: int) -> np.ndarray:
    """A (rows, cols, block*block) view of ``values`` cut into whole blocks."""
    rows, cols = values.shape[0] // block, values.shape[1] // block
    cut = values[: rows * block, : cols * block]
    return cut.reshape(rows, block, cols, block).transpose(0, 2, 1, 3).reshape(rows, cols, block * block)


def block_size(shape: tuple[int, ...], face_px: float | None) -> int:
    """A sixth of the face (or a 24th of the short side), a multiple of 4 within BLOCK_RANGE."""
    size = face_px / 6 if face_px else min(shape[:2]) / 24
    return int(np.clip(size, *BLOCK_RANGE)) // 4 * 4


def brightness_map(grey: np.ndarray, block: int) -> np.ndarray:
    """Mean grey level per block in [0, 1] (noise depends on brightness: shot noise, gamma, clipping)."""
    return (blocks_of(grey, block).mean(axis=2) / 255.0).astype(np.float32)


def texture_map(grey: np.ndarray, block: int) -> np.ndarray:
    """log of the mean gradient magnitude per block after a 2-px blur: structure, not noise."""
    smooth = cv2.GaussianBlur(grey, (0, 0), 2.0)
    gradient = cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    return np.log(blocks_of(gradient, block).mean(axis=2) + 0.1)


def detrend(level: np.ndarray, texture: np.ndarray, brightness: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """``level`` minus what texture and brightness predict for it: a quadratic in both, fitted by least
    squares on the blocks in ``fit`` with outliers (beyond 2.5 robust spreads) dropped twice. NaN where
    ``level`` is NaN."""
    design = np.stack([np.ones_like(texture), texture, texture**2, brightness, brightness**2], axis=-1).astype(
        np.float64
    )
    ok = fit & np.isfinite(level)
    if ok.sum() < 4 * design.shape[-1]:
        if not np.isfinite(level).any():
            return np.full(level.shape, np.nan, dtype=np.float32)
        return (level - np.nanmedian(level)).astype(np.float32)
    rows, target = design[ok], level[ok].astype(np.float64)
    keep = np.ones(len(target), dtype=bool)
    coef = np.zeros(design.shape[-1])
    for _ in range(3):
        coef = np.linalg.lstsq(rows[keep], target[keep], rcond=None)[0]
        error = target - rows @ coef
        spread = 1.4826 * float(np.median(np.abs(error[keep] - np.median(error[keep]))))
        keep = np.abs(error) <= 2.5 * max(spread, 1e-3)
        if keep.sum() < 2 * design.shape[-1]:
            break
    return (level - design @ coef).astype(np.float32)


def face_blocks(
    face: Face, shape: tuple[int, int], block: float, offset: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Blocks whose centre lies inside the face outline shrunk to FACE_SHRINK; ``block`` is the block
    size in frame pixels and ``offset`` the (x, y) of the map's origin in the frame."""
    oval = face.points(regions.FACE_OVAL) - np.asarray(offset, dtype=np.float32)
    centre = oval.mean(axis=0)
    polygon = (centre + FACE_SHRINK * (oval - centre)) / block - 0.5
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _cell_medians(
    values: np.ndarray, cell: int, avoid: np.ndarray | None
) -> list[tuple[float, tuple[int, int, int, int]]]:
    rows, cols = values.shape
    out = []
    for y in range(0, rows - cell + 1, cell):
        for x in range(0, cols - cell + 1, cell):
            if avoid is not None and avoid[y : y + cell, x : x + cell].any():
                continue
            patch = values[y : y + cell, x : x + cell]
            if np.isfinite(patch).sum() >= patch.size / 2:
                out.append((float(np.nanmedian(patch)), (y, x, y + cell, x + cell)))
    return out


def _robust(values: np.ndarray, floor: float) -> tuple[float, float]:
    centre = float(np.median(values))
    return centre, max(1.4826 * float(np.median(np.abs(values - centre))), floor)


def region_contrast(
    values: np.ndarray,
    face: np.ndarray | None,
    face_size_blocks: float = 0.0,
    floor: float = SPREAD_FLOOR,
    lowest: bool = False,
) -> RegionContrast | None:
    """The face region (``face``: block mask) against face-sized cells away from it, or without a face
    the most deviant (with ``lowest``: the lowest) of a grid of cells against the others; the spread of
    cell medians is at least ``floor``. None when there are too few cells."""
    if face is not None and np.isfinite(values[face]).sum() >= 2:
        avoid = cv2.dilate(face.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        smallest = max(2, math.ceil(max(values.shape) / 24))  # at most ~24 x 24 cells: bounded time
        cell = int(np.clip(round(face_size_blocks / 2), smallest, max(smallest, 16)))
        cells = _cell_medians(values, cell, avoid)
        while len(cells) < MIN_CELLS and cell > 1:
            cell -= 1
            cells = _cell_medians(values, cell, avoid)
        if len(cells) < MIN_CELLS:
            return None
        rest, spread = _robust(np.array([c for c, _ in cells]), floor)
        region = float(np.nanmedian(values[face]))
        ys, xs = np.nonzero(face)
        box = (int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1)
        return RegionContrast((region - rest) / spread, region, rest, spread, len(cells), box, True)
    cell = max(1, min(values.shape) // 4)
    cells = _cell_medians(values, cell, None)
    if len(cells) < MIN_CELLS + 1:
        return None
    medians = np.array([c for c, _ in cells])
    best: RegionContrast | None = None
    for i, (value, box) in enumerate(cells):
        rest, spread = _robust(np.delete(medians, i), floor)
        candidate = RegionContrast((value - rest) / spread, value, rest, spread, len(cells) - 1, box, False)
        if best is None or (candidate.z < best.z if lowest else abs(candidate.z) > abs(best.z)):
            best = candidate
    return best


def contrast_excess(
    contrast: RegionContrast,
    typical: float = TYPICAL_Z,
    typical_any: float = TYPICAL_Z_ANY,
    high_weight: float = NOISIER_WEIGHT,
) -> float:
    """|z| beyond what is ordinary for a face, or (higher) for the most deviant of many cells; a
    positive z (region above the rest) counts ``high_weight``."""
    beyond = max(0.0, abs(contrast.z) - (typical if contrast.is_face else typical_any))
    return beyond * (high_weight if contrast.z > 0 else 1.0)


def contrast_score(excess: float) -> float:
    return 0.45 + 0.45 * math.tanh(excess / 2.0)


def sample_frames(ctx: AnalysisContext, limit: int) -> list[tuple[Frame, Face | None]]:
    """Up to ``limit`` evenly spaced frames, with the largest track's face in each (if any); for video
    the frames are taken where that face is, when there is one."""
    frames = ctx.media.frames
    track = ctx.largest_track()
    faces = {f.frame_index: f for f in track.faces} if track else {}
    indices = sorted(faces) if faces else list(range(len(frames)))
    if len(indices) > limit:
        indices = [indices[i] for i in np.linspace(0, len(indices) - 1, limit).round().astype(int)]
    return [(frames[i], faces.get(i)) for i in indices if i < len(frames)]


def heat_overlay(
    grey: np.ndarray, heat: np.ndarray, face: Face | None, scale: float, offset: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """``heat`` in [0, 1] (any size) coloured (blue low, red high) over the grey picture, with the face
    outline; at most 768 px on the long side."""
    height, width = grey.shape
    factor = min(1.0, 768 / max(height, width))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    base = cv2.resize(np.clip(grey, 0, 255).astype(np.uint8), size, interpolation=cv2.INTER_AREA)
    colour = cv2.applyColorMap(
        cv2.resize((np.clip(heat, 0, 1) * 255).astype(np.uint8), size, interpolation=cv2.INTER_NEAREST),
        cv2.COLORMAP_JET,
    )[..., ::-1]
    overlay = cv2.addWeighted(cv2.cvtColor(base, cv2.COLOR_GRAY2RGB), 0.5, np.ascontiguousarray(colour), 0.5, 0.0)
    if face is not None:
        outline = (face.points(regions.FACE_OVAL) - np.asarray(offset)) * scale * factor
        cv2.polylines(overlay, [np.round(outline).astype(np.int32)], True, (255, 255, 255), 1, cv2.LINE_AA)
    return overlay


# --- the noise signal -------------------------------------------------------------------------------


@dataclass
class FrameNoise:
    time: float
    contrast: RegionContrast
    sigma: float
    """Median noise sigma of the picture (grey levels at work scale)."""
    grey: np.ndarray
    residual: np.ndarray
    face: Face | None
    scale: float
    block: int


@register_signal
class NoiseSignal(Signal):
    name = "noise"
    version = "1.1"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACE_REGIONS})
    description = "Local noise level map: does the face (or any region) carry other noise than the rest?"

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        frame = ctx.media.frames[0]
        if min(frame.width, frame.height) < MIN_SIDE:
            return f"picture too small to compare regions ({frame.width}x{frame.height}, needs {MIN_SIDE} px)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        measured = [m for frame, face in sample_frames(ctx, MAX_FRAMES) if (m := measure_frame(frame, face))]
        if not measured:
            return Outcome.not_applicable("the face fills the picture: too little else to compare its noise with")
        z = float(np.median([m.contrast.z for m in measured]))
        middle = min(measured, key=lambda m: abs(m.contrast.z - z))
        worst = max(measured, key=lambda m: abs(m.contrast.z))
        faced = all(m.contrast.is_face for m in measured)
        combined = replace(middle.contrast, z=z, is_face=faced)
        excess = contrast_excess(combined)
        video = ctx.media.kind is MediaKind.VIDEO
        confidence = _confidence(excess, faced, video, middle.grey.shape)
        findings = _findings(combined, measured, video)
        details = {
            "frames_measured": len(measured),
            "z": round(z, 3),
            "per_frame_z": [round(m.contrast.z, 3) for m in measured],
            "region": "face" if faced else "most deviant cell",
            "region_log_sigma_residual": round(combined.region, 4),
            "rest_log_sigma_residual": round(combined.rest, 4),
            "spread": round(combined.spread, 4),
            "cells": combined.cells,
            "median_sigma": round(float(np.median([m.sigma for m in measured])), 3),
            "block_px": middle.block,
            "excess": round(excess, 3),
        }
        artifacts = [_artifact(worst)] if ctx.options.artifacts else []
        return Outcome.scored(
            contrast_score(excess),
            confidence,
            _summary(combined, excess),
            findings=findings,
            details=details,
            artifacts=artifacts,
        )


def work_grey(pixels: np.ndarray, side: int = WORK_SIDE) -> tuple[np.ndarray, float]:
    """Float32 grey at most ``side`` px on the long side (area averaging), and the scale applied."""
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY) if pixels.ndim == 3 else pixels
    scale = min(1.0, side / max(grey.shape))
    if scale < 1.0:
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return grey.astype(np.float32), scale


def noise_map(grey: np.ndarray, block: int) -> np.ndarray:
    """log noise sigma per block (Immerkær residual, MAD); NaN for mostly clipped or flat blocks."""
    residual = np.abs(cv2.filter2D(grey, cv2.CV_32F, _IMMERKAER))
    sigma = np.median(blocks_of(residual, block), axis=2) / (6.0 * _MAD)
    level = np.log(sigma + 0.05).astype(np.float32)
    level[unusable_blocks(grey, block)] = np.nan
    return level


def unusable_blocks(grey: np.ndarray, block: int) -> np.ndarray:
    """Blocks that are mostly clipped (noise cut off) or flat (letterbox, fills, erased by compression)."""
    pixels = blocks_of(grey, block)
    clipped = ((pixels <= SATURATED[0]) | (pixels >= SATURATED[1])).mean(axis=2) > 0.5
    return clipped | (pixels.std(axis=2) < FLAT_STD)


def measure_frame(frame: Frame, face: Face | None) -> FrameNoise | None:
    grey, scale = work_grey(frame.pixels)
    block = block_size(grey.shape, face.box.size * scale if face is not None else None)
    level = noise_map(grey, block)
    texture = texture_map(grey, block)
    mask = face_blocks(face, level.shape, block / scale) if face is not None else None
    if mask is not None and not mask.any():
        mask = None
    fit = ~mask if mask is not None else np.ones(level.shape, dtype=bool)
    residual = detrend(level, texture, brightness_map(grey, block), fit)
    size = face.box.size * scale / block if face is not None else 0.0
    contrast = region_contrast(residual, mask, size)
    if contrast is None:
        return None
    sigma = float(np.exp(np.nanmedian(level)) - 0.05)
    return FrameNoise(frame.time, contrast, sigma, grey, residual, face, scale, block)


def _confidence(excess: float, faced: bool, video: bool, shape: tuple[int, ...]) -> float:
    confidence = 0.1 + 0.25 * math.tanh(excess)
    if not faced:
        confidence *= 0.7
    if video:
        confidence *= 0.7
    if min(shape) < 256:
        confidence *= 0.6
    return float(min(MAX_CONFIDENCE, confidence))


def _summary(contrast: RegionContrast, excess: float) -> str:
    where = "the face" if contrast.is_face else "one region"
    if excess <= 0:
        return f"{where} carries the same noise level as the rest of the picture"
    side = "less" if contrast.z < 0 else "more"
    return f"{where} carries {side} noise than the rest of the picture ({abs(contrast.z):.1f} spreads)"


def _findings(contrast: RegionContrast, measured: list[FrameNoise], video: bool) -> list[Finding]:
    where = "face" if contrast.is_face else "most deviant region"
    ratio = math.exp(contrast.region - contrast.rest)
    typical = TYPICAL_Z if contrast.is_face else TYPICAL_Z_ANY
    direction: Direction = "fake" if abs(contrast.z) > typical else "neutral"
    text = (
        f"{where}: noise level {ratio:.2f}x that of similar-textured regions elsewhere, {contrast.z:+.1f} "
        f"spreads of the picture's own regional variation (ordinary: within ±{typical:.1f}, "
        f"{contrast.cells} regions compared)"
    )
    findings = [Finding(text, direction)]
    if video:
        frames = ", ".join(f"{m.contrast.z:+.1f}" for m in measured)
        findings.append(Finding(f"z per sampled frame: {frames} (the median counts; the map shows the most deviant)"))
    findings.append(
        Finding(
            "limits: depth of field, make-up, local denoising by phones and strong JPEG or video compression "
            "also change local noise; a uniform noise level does not clear a face re-rendered with the frame"
        )
    )
    return findings


def _artifact(worst: FrameNoise) -> Artifact:
    block = worst.block
    height, width = worst.residual.shape
    heat = np.nan_to_num((worst.residual + 1.0) / 2.0, nan=0.5)
    full = np.full(worst.grey.shape, 0.5, dtype=np.float32)
    full[: height * block, : width * block] = np.kron(heat, np.ones((block, block), dtype=np.float32))
    overlay = heat_overlay(worst.grey, full, worst.face, worst.scale)
    return Artifact(
        "noise-map",
        "Local noise level per block relative to regions of similar texture (blue = smoother, red = noisier); "
        "white line = the face outline. A spliced or re-rendered region shows as a patch with its own level.",
        jpeg_bytes(overlay, quality=88),
        media_type="image/jpeg",
    )
