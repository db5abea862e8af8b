"""Metadata: what the file says about its own origin (camera, software, generator) and whether it adds up.

Why it matters: generators and editors often announce themselves (a PNG ``parameters`` chunk holds the
whole Stable Diffusion prompt; EXIF ``Software`` names the editor), and camera files carry a consistent
set of capture tags and an embedded thumbnail made at capture time. Metadata is trivially stripped or
forged, so a generator fingerprint counts strongly *for* manipulation, while camera tags count only
weakly *for* authenticity and their absence counts for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from unmask.media.types import Media, MediaKind
from unmask.provenance import generators
from unmask.report.artifacts import png_bytes
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

_TOOL_FIELDS_EXIF = ("Software", "ProcessingSoftware", "HostComputer", "Make", "Model", "Artist")
_FREE_TEXT_EXIF = ("ImageDescription", "UserComment", "XPComment", "XPKeywords", "Copyright")
_CAPTURE_TAGS = ("DateTimeOriginal", "ExposureTime", "FNumber", "ISOSpeedRatings", "FocalLength", "Flash")
_TOOL_TAG_KEYS = (
    "encoder",
    "software",
    "handler_name",
    "comment",
    "make",
    "model",
    "creation_tool",
    "vendor_id",
    "com.apple.quicktime.software",
    "com.android.version",
    "description",
    "title",
)
_THUMB_MISMATCH_CORRELATION = 0.6
"""Below this correlation the EXIF thumbnail shows a different picture from the main image (camera
thumbnails of the same capture correlate > 0.9 on 32x32 grey after letterbox trimming)."""
_CROP_MATCH = 0.8
"""Above this normalised cross-correlation the image is a crop of the thumbnail's picture."""


@dataclass(frozen=True)
class Evidence:
    """One piece of metadata evidence with its own lean, before the signal picks its headline."""

    finding: Finding
    score: float
    confidence: float


def _evidence(text: str, score: float, confidence: float) -> Evidence:
    direction: Direction = "fake" if score > 0.55 else "real" if score < 0.45 else "neutral"
    return Evidence(Finding(text, direction), score, confidence)


@register_signal
class MetadataSignal(Signal):
    name = "metadata"
    version = "1.0"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})
    needs = frozenset({Need.METADATA})
    description = "EXIF/XMP/IPTC and container tags: generator fingerprints, editors, camera consistency, thumbnail"

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        media = ctx.media
        thumbnail = _check_thumbnail(media)
        if media.kind is MediaKind.IMAGE:
            evidence = _image_evidence(media) + _thumbnail_evidence(thumbnail)
        else:
            evidence = _stream_evidence(media)
        evidence += _file_evidence(media)
        artifacts = _thumbnail_artifacts(media) if ctx.options.artifacts else []
        details = _summary_details(media, thumbnail)
        strongest = max(evidence, key=lambda e: e.confidence * abs(e.score - 0.5), default=None)
        findings = [e.finding for e in sorted(evidence, key=lambda e: -e.confidence * abs(e.score - 0.5))]
        if strongest is None or abs(strongest.score - 0.5) < 0.01:
            summary = strongest.finding.text if strongest else "metadata holds nothing that leans either way"
            return Outcome.info(summary, findings=findings, details=details, artifacts=artifacts)
        return Outcome.scored(
            strongest.score,
            strongest.confidence,
            strongest.finding.text,
            findings=findings,
            details=details,
            artifacts=artifacts,
        )


def _tool_matches(source: str, value: Any) -> list[Evidence]:
    text = str(value).strip().strip("\x00")
    out: list[Evidence] = []
    for fp in generators.match(text):
        said = f"{source} says {text[:120]!r}"
        if fp.category == "generator":
            out.append(_evidence(f"{said}: made with {fp.tool}", 0.97, 0.9))
        elif fp.category == "face_editor":
            out.append(_evidence(f"{said}: retouched in a {fp.tool}", 0.8, 0.5))
        elif fp.category == "editor":
            out.append(_evidence(f"{said}: saved by an {fp.tool} after capture", 0.6, 0.2))
        elif fp.category == "reencoder":
            out.append(
                _evidence(
                    f"{said}: re-encoded with {fp.tool} (common for edited, downloaded or "
                    "generated media; says nothing alone)",
                    0.55,
                    0.05,
                )
            )
    return out


def _image_evidence(media: Media) -> list[Evidence]:
    meta = media.metadata
    exif: dict[str, Any] = meta.get("exif", {})
    out: list[Evidence] = []
    for key, value in {**meta.get("png_text", {}), **meta.get("info", {})}.items():
        described = generators.AI_TEXT_CHUNKS.get(key.lower())
        if described:
            out.append(_evidence(f"PNG text chunk {key!r} holds {described}", 0.98, 0.95))
        elif generators.looks_like_diffusion_parameters(str(value)):
            out.append(
                _evidence(f"text field {key!r} holds diffusion sampler settings (steps, sampler, seed)", 0.97, 0.9)
            )
        else:
            out += _tool_matches(f"text field {key!r}", value)
    for key in _TOOL_FIELDS_EXIF:
        if key in exif:
            out += _tool_matches(f"EXIF {key}", exif[key])
    for key in _FREE_TEXT_EXIF:
        if key in exif and generators.looks_like_diffusion_parameters(str(exif[key])):
            out.append(_evidence(f"EXIF {key} holds diffusion sampler settings (steps, sampler, seed)", 0.97, 0.9))
    out += _xmp_evidence(str(meta.get("xmp", "")))
    out += _camera_evidence(media, exif)
    return out


def _xmp_evidence(xmp: str) -> list[Evidence]:
    if not xmp:
        return []
    out: list[Evidence] = []
    lowered = xmp.lower()
    if "trainedalgorithmicmedia" in lowered or "compositewithtrainedalgorithmicmedia" in lowered:
        out.append(
            _evidence("XMP DigitalSourceType declares the image AI-generated (trainedAlgorithmicMedia)", 0.98, 0.95)
        )
    for tag in ("CreatorTool", "softwareAgent", "Software", "generator"):
        for value in _xml_values(xmp, tag):
            out += _tool_matches(f"XMP {tag}", value)
    return out


def _xml_values(xml: str, tag: str) -> list[str]:
    """Values of ``tag`` written as an element or an attribute, without a full XML parse
    (XMP in the wild is often not well-formed)."""
    import re

    pattern = rf"(?:[\w]+:)?{tag}(?:=\"([^\"]*)\"|>([^<]*)<)"
    return [a or b for a, b in re.findall(pattern, xml)][:10]


def _camera_evidence(media: Media, exif: dict[str, Any]) -> list[Evidence]:
    make = str(exif.get("Make", "")).strip(" \x00")
    model = str(exif.get("Model", "")).strip(" \x00")
    out: list[Evidence] = []
    if not exif and not media.metadata.get("xmp"):
        if media.format in ("jpeg", "heic", "heif", "tiff"):
            out.append(
                _evidence(
                    "no EXIF or XMP at all: stripped (as social networks do) or never written; "
                    "proves nothing either way",
                    0.5,
                    0.0,
                )
            )
        return out
    if not make and not model:
        return out
    capture = [t for t in _CAPTURE_TAGS if t in exif]
    camera = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    if len(capture) >= 3:
        out.append(
            _evidence(
                f"camera tags from {camera} with {len(capture)} capture settings "
                f"({', '.join(capture[:4])}); easy to forge, weak support for a real photo",
                0.35,
                0.25,
            )
        )
    else:
        out.append(
            _evidence(f"names the camera {camera} but lacks capture settings (exposure, aperture, ISO)", 0.6, 0.15)
        )
    out += _dimension_evidence(media, exif)
    return out


def _dimension_evidence(media: Media, exif: dict[str, Any]) -> list[Evidence]:
    w_tag, h_tag = exif.get("ExifImageWidth"), exif.get("ExifImageHeight")
    if not isinstance(w_tag, int) or not isinstance(h_tag, int) or media.width is None or media.height is None:
        return []
    actual = {media.width, media.height}
    if {w_tag, h_tag} == actual:
        return []
    return [
        _evidence(
            f"EXIF records {w_tag}x{h_tag} pixels but the image is {media.width}x{media.height}: "
            "resized or cropped after capture",
            0.6,
            0.2,
        )
    ]


@dataclass(frozen=True)
class ThumbnailCheck:
    correlation: float
    """Whole thumbnail vs whole image."""
    crop_match: float | None = None
    """Best match of the image *inside* the thumbnail, computed when the whole pictures differ."""


def _check_thumbnail(media: Media) -> ThumbnailCheck | None:
    thumb = media.metadata.get("exif_thumbnail")
    if thumb is None or not media.frames:
        return None
    pixels = media.frames[0].pixels
    correlation = thumbnail_correlation(thumb, pixels)
    if correlation >= _THUMB_MISMATCH_CORRELATION:
        return ThumbnailCheck(correlation)
    return ThumbnailCheck(correlation, crop_match(thumb, pixels))


def _thumbnail_evidence(check: ThumbnailCheck | None) -> list[Evidence]:
    if check is None:
        return []
    if check.correlation >= _THUMB_MISMATCH_CORRELATION:
        return [_evidence(f"the EXIF thumbnail matches the image (correlation {check.correlation:.2f})", 0.45, 0.1)]
    if check.crop_match is not None and check.crop_match >= _CROP_MATCH:
        return [
            _evidence(
                f"the image is a crop of the picture in its EXIF thumbnail (match {check.crop_match:.2f}): "
                "cropped after capture, which edits framing, not content",
                0.55,
                0.1,
            )
        ]
    return [
        _evidence(
            f"the EXIF thumbnail shows a different picture from the image (correlation {check.correlation:.2f}, "
            "not a crop either): the content changed after the thumbnail was written",
            0.85,
            0.6,
        )
    ]


def crop_match(thumb: np.ndarray, pixels: np.ndarray) -> float:
    """How well the image, shrunk, matches some region of the thumbnail (normalised cross-correlation,
    best over scales): high when the image was cropped from the photo the thumbnail shows."""
    import cv2

    small = np.asarray(Image.fromarray(_trim_letterbox(thumb)).convert("L"), dtype=np.float32)
    grey = Image.fromarray(pixels).convert("L")
    best = -1.0
    for fraction in np.geomspace(0.2, 0.95, 14):
        width = int(small.shape[1] * fraction)
        height = int(width * grey.height / grey.width)
        if width < 12 or height < 12 or height > small.shape[0]:
            continue
        template = np.asarray(grey.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)
        if template.std() < 1.0:
            continue
        best = max(best, float(cv2.matchTemplate(small, template, cv2.TM_CCOEFF_NORMED).max()))
    return best


def thumbnail_correlation(thumb: np.ndarray, pixels: np.ndarray, side: int = 32) -> float:
    """Pearson correlation of thumbnail and image at ``side`` x ``side`` grey, black letterbox trimmed."""
    small = _grey(_trim_letterbox(thumb), side)
    big = _grey(pixels, side)
    a, b = small - small.mean(), big - big.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 1.0


def _trim_letterbox(pixels: np.ndarray, level: float = 12.0) -> np.ndarray:
    grey = pixels.mean(axis=2)
    rows = np.where(grey.mean(axis=1) > level)[0]
    cols = np.where(grey.mean(axis=0) > level)[0]
    if len(rows) < 4 or len(cols) < 4:
        return pixels
    return pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _grey(pixels: np.ndarray, side: int) -> np.ndarray:
    image = Image.fromarray(pixels).convert("L").resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float64)


def _thumbnail_artifacts(media: Media) -> list[Artifact]:
    thumb = media.metadata.get("exif_thumbnail")
    if thumb is None or not media.frames:
        return []
    height = 160
    main = Image.fromarray(media.frames[0].pixels)
    main = main.resize((max(1, main.width * height // main.height), height))
    small = Image.fromarray(thumb)
    small = small.resize((max(1, small.width * height // small.height), height))
    canvas = Image.new("RGB", (main.width + small.width + 8, height), "white")
    canvas.paste(main, (0, 0))
    canvas.paste(small, (main.width + 8, 0))
    return [
        Artifact(
            "thumbnail",
            "The image (left) and the EXIF thumbnail stored inside it (right)",
            png_bytes(np.asarray(canvas)),
        )
    ]


def _stream_evidence(media: Media) -> list[Evidence]:
    meta = media.metadata
    out: list[Evidence] = []
    tags: list[tuple[str, str, str]] = [("container", k, v) for k, v in meta.get("tags", {}).items()]
    for stream in meta.get("streams", []):
        tags += [(f"{stream.get('type', 'stream')} stream", k, v) for k, v in stream.get("tags", {}).items()]
    camera = [v for _, k, v in tags if k.lower().endswith(("make", "model", "manufacturer"))]
    for where, key, value in tags:
        if key.lower() in _TOOL_TAG_KEYS or key.lower().endswith(("software", "encoder")):
            out += _tool_matches(f"{where} tag {key}", value)
    if camera:
        out.append(
            _evidence(
                f"recorded-by tags name a device ({', '.join(camera[:2])}); easy to forge, "
                "weak support for a camera original",
                0.4,
                0.15,
            )
        )
    if not tags:
        out.append(
            _evidence(
                "the container carries no tags (no encoder, device or date): stripped or written by a minimal tool",
                0.5,
                0.0,
            )
        )
    return out


def _file_evidence(media: Media) -> list[Evidence]:
    out: list[Evidence] = []
    mismatch = media.metadata.get("extension_mismatch")
    if mismatch:
        out.append(
            _evidence(
                f"the file is named {mismatch['extension']} but holds {mismatch['content']} data "
                "(renamed or mislabelled)",
                0.55,
                0.05,
            )
        )
    for warning in media.metadata.get("decode_warnings", [])[:5]:
        out.append(_evidence(f"decoder: {warning}", 0.5, 0.0))
    return out


def _summary_details(media: Media, thumbnail: ThumbnailCheck | None) -> dict[str, Any]:
    """A compact listing of the metadata for the report (the full EXIF can be large)."""
    meta = media.metadata
    if media.kind is MediaKind.IMAGE:
        exif = meta.get("exif", {})
        keep = (
            "Make",
            "Model",
            "Software",
            "DateTimeOriginal",
            "DateTime",
            "LensModel",
            "ExposureTime",
            "FNumber",
            "ISOSpeedRatings",
            "FocalLength",
            "Orientation",
            "ExifImageWidth",
            "ExifImageHeight",
        )
        return {
            "exif": {k: exif[k] for k in keep if k in exif},
            "exif_tags": len(exif),
            "xmp": bool(meta.get("xmp")),
            "iptc": meta.get("iptc", {}),
            "icc": meta.get("icc"),
            "png_text_keys": sorted(meta.get("png_text", {})),
            "jpeg": meta.get("jpeg"),
            "thumbnail": None
            if thumbnail is None
            else {
                "correlation": round(thumbnail.correlation, 3),
                "crop_match": None if thumbnail.crop_match is None else round(thumbnail.crop_match, 3),
            },
        }
    return {
        "container": meta.get("container"),
        "tags": meta.get("tags", {}),
        "streams": [
            {k: s.get(k) for k in ("type", "codec", "width", "height", "fps", "sample_rate", "tags")}
            for s in meta.get("streams", [])
        ],
    }
