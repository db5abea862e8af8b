"""ELA (error level analysis): does the face (or any region) respond to one more JPEG save like the rest?

Why it works: JPEG quantises each 8 x 8 block's DCT coefficients. Saving again at a known quality
changes a block by an amount that depends on how much quantisable detail it still holds: a region
that has already been squeezed by a stronger compression (a face cut from a low-quality source and
pasted in) changes *less* than its surroundings, and a region that never went through this picture's
JPEG history (pasted from a PNG, rendered by a generator) changes *more*. The difference map shows
where a picture was put together from parts with different compression histories (Krawetz 2007,
"A Picture's Worth: Digital Image Analysis and Forensics", Black Hat DC).

What it measures: the grey (luma) picture at native resolution (resampling would destroy the 8-px block
grid; pictures larger than :data:`MAX_SIDE` are cropped, on the grid, around the face) is re-saved at
JPEG quality :data:`QUALITY` (Krawetz re-saves at a high known quality, 90-95 %) and the absolute
difference is the error map. Per block (8 px, larger for big pictures; clipped and flat blocks left out)
the log mean error is compared with what the block's coarse texture and brightness predict for this
picture (edges and detail always show more error; the prediction is a robust quadratic fit over the
blocks outside the face), and the residuals of the face (FACE_OVAL shrunk to 80 %) are compared with
face-sized cells elsewhere: ``z`` is the difference of medians in units of the robust spread of the cell
medians (at least :data:`SPREAD_FLOOR`) — the statistics of the noise signal
(:func:`unmask.signals.noise.region_contrast`). Without a face, the most deviant cell is tested against
the others, with a higher bar.

ELA at one high quality misses a region whose earlier, stronger compression was followed by a final
save at about the re-save quality. The same comparison is therefore repeated at the lower qualities
:data:`GHOST_QUALITIES`: a region that went through quality ``q`` before barely changes when saved at
``q`` again, so its error level dips below the rest's at that quality — a "JPEG ghost" (Farid 2009,
"Exposing Digital Forgeries From JPEG Ghosts"). Only a dip (the face, or without a face the lowest
cell, changing *less*) counts there.

Scoring: the ELA ``z`` beyond :data:`TYPICAL_Z` (a face that changes *more* than the rest counts half:
sharp, detailed faces do that in real photos) or the deepest ghost beyond :data:`TYPICAL_GHOST`
(:data:`TYPICAL_GHOST_ANY` without a face; the minimum of several comparisons, so the bar is higher),
whichever is larger, gives
``score = 0.45 + 0.45 tanh(excess / 2)``. Confidence stays ≤ :data:`MAX_CONFIDENCE` and is lower for
small pictures, strongly compressed JPEGs, non-JPEG files and pictures without a face.

Known limits, said in the findings: ELA is weak on pictures that were re-saved many times or at low
quality (every region converges to the same error level), on small or resized pictures (resizing
destroys the block grid), and its error level always depends on content (edges, texture, flat sky).
For a PNG or other lossless file, ELA does not reveal a compression history of the file itself; it
can still show a region that once went through JPEG while the rest did not, so it runs at lower
confidence. Only still images are analysed: a video frame's error level reflects the codec's
per-macroblock rate control and motion compensation, not an editing history.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from unmask.faces import regions
from unmask.faces.types import Face
from unmask.media.types import MediaKind
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.noise import (
    RegionContrast,
    blocks_of,
    brightness_map,
    contrast_excess,
    contrast_score,
    detrend,
    face_blocks,
    region_contrast,
    texture_map,
    unusable_blocks,
)
from unmask.signals.registry import register_signal

QUALITY = 95
"""The JPEG quality of the re-save."""
MIN_SIDE = 96
"""Pictures with a shorter side than this have too few blocks to compare regions."""
SMALL_SIDE = 256
"""Below this short side ELA is weak (few blocks, usually a resized crop): confidence is lowered."""
MAX_SIDE = 1536
"""Larger pictures are cropped (on the 8-px grid) to this many pixels around the face or the centre."""
GHOST_QUALITIES = (40, 50, 60, 70, 80)
"""Lower re-save qualities at which a dip of the face's error level (a JPEG ghost) is looked for."""
MAP_BLOCKS = 160
"""Error blocks are 8 px, or a multiple of 8 large enough that the long side has at most this many."""
TYPICAL_Z = 2.5
"""A face whose error level differs from the picture's cells by up to this many spreads is ordinary
(real portraits reach about ±2.5: faces hold other detail than their surroundings)."""
TYPICAL_GHOST = 4.0
"""The deepest of the ghost comparisons (face below the rest) counts beyond this many spreads."""
TYPICAL_GHOST_ANY = 6.0
"""Without a face: the lowest cell at any ghost quality (minimum of many comparisons) counts beyond this."""
MORE_ERROR_WEIGHT = 0.5
"""A face that changes *more* than the rest counts half: sharpened or finely detailed faces do that."""
SPREAD_FLOOR = 0.15
"""The spread of cell medians (natural-log units of error level) is taken as at least this."""
TYPICAL_Z_ANY = 4.0
"""Without a face the most deviant of many cells is tested, so only a larger deviation counts."""
ARTIFACT_SIDE = 768
"""The ELA map in the report is at most this many pixels on its long side (area-averaged)."""
LOW_QUALITY = 75
"""JPEGs saved below this quality have lost most detail already: every region looks alike."""
MAX_CONFIDENCE = 0.3


@dataclass
class ElaMeasure:
    contrast: RegionContrast
    ghosts: dict[int, float]
    """z of the face (without a face: of the lowest cell) at each of GHOST_QUALITIES."""
    error: np.ndarray
    """Absolute luma difference after the re-save (float32, analysed region)."""
    offset: tuple[int, int]
    """(x, y) of the analysed region in the picture."""
    block: int
    mean_error: float


@register_signal
class ElaSignal(Signal):
    name = "ela"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE})
    needs = frozenset({Need.FRAMES, Need.FACE_REGIONS})
    description = "Error level analysis: does the face respond to a JPEG re-save like the rest of the picture?"

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        frame = ctx.media.frames[0]
        if min(frame.width, frame.height) < MIN_SIDE:
            return f"picture too small for error level analysis ({frame.width}x{frame.height}, needs {MIN_SIDE} px)"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        track = ctx.largest_track()
        face = track.faces[0] if track is not None and track.faces else None
        measure = measure_ela(ctx.media.frames[0].pixels, face)
        if measure is None:
            return Outcome.not_applicable("the face fills the picture: too little else to compare its error level with")
        quality = _jpeg_quality(ctx)
        is_jpeg = ctx.media.format == "jpeg"
        contrast = measure.contrast
        excess = ela_excess(measure)
        height, width = ctx.media.frames[0].pixels.shape[:2]
        confidence = _confidence(excess, contrast.is_face, is_jpeg, quality, min(height, width))
        details = {
            "z": round(contrast.z, 3),
            "ghost_z": {str(q): round(z, 3) for q, z in measure.ghosts.items()},
            "region": "face" if contrast.is_face else "most deviant cell",
            "region_log_error_residual": round(contrast.region, 4),
            "rest_log_error_residual": round(contrast.rest, 4),
            "spread": round(contrast.spread, 4),
            "cells": contrast.cells,
            "mean_error": round(measure.mean_error, 4),
            "resave_quality": QUALITY,
            "jpeg_quality": quality,
            "block_px": measure.block,
            "excess": round(excess, 3),
        }
        artifacts = [_artifact(measure, face)] if ctx.options.artifacts else []
        return Outcome.scored(
            contrast_score(excess),
            confidence,
            _summary(measure, excess),
            findings=_findings(measure, is_jpeg, quality, ctx.media.format, min(height, width)),
            details=details,
            artifacts=artifacts,
        )


def analysis_window(shape: tuple[int, ...], face: Face | None, side: int = MAX_SIDE) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of at most ``side`` x ``side`` pixels around the face (or the centre), with the
    origin on the 8-px JPEG grid."""
    height, width = shape[:2]
    cx, cy = face.box.center if face is not None else (width / 2, height / 2)
    x0 = int(np.clip(cx - side / 2, 0, max(0, width - side))) // 8 * 8
    y0 = int(np.clip(cy - side / 2, 0, max(0, height - side))) // 8 * 8
    return x0, y0, min(width, x0 + side), min(height, y0 + side)


def error_map(grey: np.ndarray, quality: int = QUALITY) -> np.ndarray:
    """|grey - grey re-saved as JPEG at ``quality``| (float32)."""
    ok, encoded = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, quality])
    resaved = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE) if ok else None
    if resaved is None:
        raise RuntimeError("OpenCV could not re-encode the picture as JPEG")
    return np.abs(grey.astype(np.float32) - resaved.astype(np.float32))


def measure_ela(pixels: np.ndarray, face: Face | None) -> ElaMeasure | None:
    """The error map and how the face (or the most deviant cell) stands out in it at QUALITY, and how the
    face (or the lowest cell) dips at each of GHOST_QUALITIES."""
    x0, y0, x1, y1 = analysis_window(pixels.shape, face)
    grey = cv2.cvtColor(np.ascontiguousarray(pixels[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    block = 8 * max(1, math.ceil(max(grey.shape) / (8 * MAP_BLOCKS)))
    grey_f = grey.astype(np.float32)
    texture, brightness = texture_map(grey_f, block), brightness_map(grey_f, block)
    mask = face_blocks(face, texture.shape, block, (x0, y0)) if face is not None else None
    if mask is not None and not mask.any():
        mask = None
    fit = ~mask if mask is not None else np.ones(texture.shape, dtype=bool)
    face_size = face.box.size / block if face is not None else 0.0
    unusable = unusable_blocks(grey_f, block)

    def compare(error: np.ndarray, lowest: bool = False) -> RegionContrast | None:
        level = np.log(blocks_of(error, block).mean(axis=2) + 0.05).astype(np.float32)
        level[unusable] = np.nan
        return region_contrast(detrend(level, texture, brightness, fit), mask, face_size, SPREAD_FLOOR, lowest)

    error = error_map(grey)
    contrast = compare(error)
    if contrast is None:
        return None
    ghosts: dict[int, float] = {}
    for quality in GHOST_QUALITIES:
        ghost = compare(error_map(grey, quality), lowest=True)
        if ghost is not None:
            ghosts[quality] = ghost.z
    return ElaMeasure(contrast, ghosts, error, (x0, y0), block, float(error.mean()))


def ela_excess(measure: ElaMeasure) -> float:
    """The larger of the ELA excess (beyond TYPICAL_Z; more error counts half) and the ghost excess
    (the deepest dip beyond TYPICAL_GHOST, or TYPICAL_GHOST_ANY without a face)."""
    ela = contrast_excess(measure.contrast, TYPICAL_Z, TYPICAL_Z_ANY, high_weight=MORE_ERROR_WEIGHT)
    deepest = min(measure.ghosts.values(), default=0.0)
    return max(ela, max(0.0, -deepest - _ghost_bar(measure)))


def _ghost_bar(measure: ElaMeasure) -> float:
    return TYPICAL_GHOST if measure.contrast.is_face else TYPICAL_GHOST_ANY


def _jpeg_quality(ctx: AnalysisContext) -> int | None:
    if ctx.media.format != "jpeg":
        return None
    quality = ctx.media.metadata.get("jpeg", {}).get("quality_estimate")
    return int(quality) if isinstance(quality, int | float) else None


def _confidence(excess: float, faced: bool, is_jpeg: bool, quality: int | None, short_side: int) -> float:
    confidence = 0.1 + 0.2 * math.tanh(excess)
    if not is_jpeg or (quality is not None and quality < LOW_QUALITY):
        confidence *= 0.6
    if short_side < SMALL_SIDE:
        confidence *= 0.6
    if not faced:
        confidence *= 0.6
    return float(min(MAX_CONFIDENCE, confidence))


def _summary(measure: ElaMeasure, excess: float) -> str:
    contrast = measure.contrast
    where = "the face" if contrast.is_face else "one region"
    if excess <= 0:
        return f"{where} responds to a JPEG re-save like the rest of the picture"
    ghost = _ghost(measure)
    if ghost is not None and -ghost[1] - _ghost_bar(measure) >= excess - 1e-9:
        return f"{where} barely changes when re-saved at quality {ghost[0]}: compressed at about that quality before"
    if contrast.z < 0:
        return f"{where} changes less on a JPEG re-save than the rest (smoother, or compressed more strongly before)"
    return f"{where} changes more on a JPEG re-save than the rest (a different compression history)"


def _ghost(measure: ElaMeasure) -> tuple[int, float] | None:
    if not measure.ghosts:
        return None
    quality = min(measure.ghosts, key=lambda q: measure.ghosts[q])
    return quality, measure.ghosts[quality]


def _findings(measure: ElaMeasure, is_jpeg: bool, quality: int | None, fmt: str, short_side: int) -> list[Finding]:
    contrast = measure.contrast
    where = "face" if contrast.is_face else "most deviant region"
    typical = TYPICAL_Z if contrast.is_face else TYPICAL_Z_ANY
    direction: Direction = "fake" if abs(contrast.z) > typical else "neutral"
    ratio = math.exp(contrast.region - contrast.rest)
    findings = [
        Finding(
            f"{where}: error level after a quality-{QUALITY} re-save is {ratio:.2f}x that of regions with "
            f"similar texture elsewhere, {contrast.z:+.1f} spreads of the picture's own regional variation "
            f"(ordinary: within ±{typical:.1f}, {contrast.cells} regions compared)",
            direction,
        )
    ]
    ghost = _ghost(measure)
    if ghost is not None:
        bar = _ghost_bar(measure)
        what = "the face's" if contrast.is_face else "the lowest region's"
        findings.append(
            Finding(
                f"JPEG ghost: re-saved at quality {ghost[0]} {what} error level is {ghost[1]:+.1f} spreads from "
                f"the rest (a dip beyond -{bar:.0f} means that region was compressed at about that quality "
                "before the rest of the picture was)",
                "fake" if -ghost[1] > bar else "neutral",
            )
        )
    if not is_jpeg:
        findings.append(
            Finding(
                f"the file is {fmt.upper() or 'not JPEG'}, not JPEG: ELA shows no compression history of the file "
                "itself, only regions that once went through JPEG while the rest did not (lower confidence)"
            )
        )
    elif quality is not None and quality < LOW_QUALITY:
        findings.append(
            Finding(f"JPEG quality about {quality}: strong compression levels all regions; ELA is weak here")
        )
    if short_side < SMALL_SIDE:
        findings.append(Finding(f"small picture ({short_side} px): few blocks to compare; ELA is weak here"))
    findings.append(
        Finding(
            "limits (Krawetz 2007): ELA is weak on re-saved, resized or small pictures and always shows more error "
            "at edges and texture; compare like with like in the map"
        )
    )
    return sorted(findings, key=lambda f: f.direction != "fake")


def _artifact(measure: ElaMeasure, face: Face | None) -> Artifact:
    error = measure.error
    height, width = error.shape
    factor = min(1.0, ARTIFACT_SIDE / max(height, width))
    if factor < 1.0:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        error = cv2.resize(error, size, interpolation=cv2.INTER_AREA)
    top = max(float(np.percentile(error, 99.5)), 1.0)
    index = np.clip(error / top * 254.0, 0, 254).astype(np.uint8)
    if face is not None:
        outline = (face.points(regions.FACE_OVAL) - np.asarray(measure.offset, dtype=np.float32)) * factor
        cv2.polylines(index, [np.round(outline).astype(np.int32)], True, 255, 1)
    return Artifact(
        "ela-map",
        f"Error level after one more JPEG save at quality {QUALITY}, enhanced (bright = changed more); cyan line = "
        "the face outline. Compare like with like: edges and texture are always brighter than flat areas.",
        _palette_png(index),
    )


def _palette_png(index: np.ndarray) -> bytes:
    """An 8-bit palette PNG: indices 0-254 on the inferno colour map, 255 cyan (the face outline).
    A palette image is a third of the bytes of RGB and encodes quickly, which matters for a noise-like map."""
    ramp = cv2.applyColorMap(np.arange(256, dtype=np.uint8).reshape(-1, 1), cv2.COLORMAP_INFERNO)[:, 0, ::-1]
    palette = ramp.astype(np.uint8).copy()
    palette[255] = (0, 255, 255)
    image = Image.fromarray(np.ascontiguousarray(index), mode="P")
    image.putpalette(palette.ravel().tolist())
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
