"""Still images: JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC/HEIF and AVIF through Pillow (+ pillow-heif).

Besides the pixels, decoding keeps what the file says about itself (EXIF, XMP, IPTC, ICC, PNG text chunks,
JPEG quantisation tables, the embedded EXIF thumbnail), so the metadata signal never parses the file again.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, IptcImagePlugin, UnidentifiedImageError

from unmask.config import DecodeLimits
from unmask.errors import MediaError, MediaLimitError
from unmask.media.types import Frame

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a grey half-picture

try:  # HEIC/HEIF from phones; optional so a missing wheel only loses that format
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - depends on the platform's wheels
    pass

_MAX_TEXT_VALUE = 4000


def decode_image(path: Path, limits: DecodeLimits) -> tuple[Frame, dict[str, Any], np.ndarray | None]:
    """Decode an image file into one upright RGB frame, its metadata and its EXIF thumbnail (if any)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                _check_pixels(path, im.size, limits)
                meta = _metadata(im)
                im.load()
                upright = ImageOps.exif_transpose(im)
                pixels = np.asarray(_to_rgb(upright), dtype=np.uint8)
                thumbnail = _exif_thumbnail(im, limits)
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:
        raise MediaLimitError(
            path, f"image is too large to decode safely (possible decompression bomb): {exc}"
        ) from None
    except UnidentifiedImageError:
        raise MediaError(path, "corrupt or unsupported image data (the decoder could not read it)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaError(path, f"corrupt or truncated image: {_short(exc)}") from None
    if pixels.ndim != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise MediaError(path, "image has no pixels")
    frame = Frame(index=0, source_index=0, time=0.0, pixels=np.ascontiguousarray(pixels))
    return frame, meta, thumbnail


def _check_pixels(path: Path, size: tuple[int, int], limits: DecodeLimits) -> None:
    w, h = size
    if w * h > limits.max_image_pixels:
        raise MediaLimitError(
            path,
            f"image is {w}x{h} = {w * h / 1e6:.0f} MP, above the {limits.max_image_pixels / 1e6:.0f} MP limit "
            "(possible decompression bomb)",
        )


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        peak = max(float(arr.max()), 1.0)
        return Image.fromarray((arr / peak * 255).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _metadata(im: Image.Image) -> dict[str, Any]:
    """What the file says about itself, as JSON-friendly values."""
    meta: dict[str, Any] = {
        "format": im.format,
        "mode": im.mode,
        "width": im.size[0],
        "height": im.size[1],
        "frames_in_file": getattr(im, "n_frames", 1),
    }
    exif = im.getexif()
    if exif:
        meta["exif"] = _exif_dict(exif)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp:
        meta["xmp"] = (xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else str(xmp))[:20000]
    iptc = _iptc(im)
    if iptc:
        meta["iptc"] = iptc
    icc = im.info.get("icc_profile")
    if icc:
        meta["icc"] = _icc_description(icc)
    text = getattr(im, "text", None) if im.format == "PNG" else None
    if text:
        meta["png_text"] = {str(k): _clip(str(v)) for k, v in text.items()}
    comment = im.info.get("comment")
    if comment:
        meta["comment"] = _clip(comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment))
    if im.format == "JPEG":
        meta["jpeg"] = _jpeg_info(im)
    for key in ("dpi", "software", "Software", "Author", "Description", "parameters", "prompt", "workflow"):
        if key in im.info and key not in meta.get("png_text", {}):
            meta.setdefault("info", {})[key] = _clip(str(im.info[key]))
    return meta


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT_VALUE else text[:_MAX_TEXT_VALUE] + "…"


def _exif_value(value: Any) -> Any:
    if isinstance(value, bytes):
        stripped = value.rstrip(b"\x00")
        if stripped and all(32 <= b < 127 for b in stripped[:64]):
            return _clip(stripped.decode("ascii", "replace"))
        return f"<{len(value)} bytes>"
    if isinstance(value, tuple):
        return [_exif_value(v) for v in value[:32]]
    if isinstance(value, (int, str, bool)) or value is None:
        return _clip(value) if isinstance(value, str) else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return _clip(str(value))


def _exif_dict(exif: Image.Exif) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag, value in exif.items():
        out[ExifTags.TAGS.get(tag, f"0x{tag:04x}")] = _exif_value(value)
    for ifd, names in ((ExifTags.IFD.Exif, ExifTags.TAGS), (ExifTags.IFD.GPSInfo, ExifTags.GPSTAGS)):
        try:
            sub = exif.get_ifd(ifd)
        except Exception:  # malformed sub-IFDs are common in edited files; keep the rest
            continue
        for tag, value in sub.items():
            name = names.get(tag, f"0x{tag:04x}")
            if name == "MakerNote":
                out["MakerNote"] = f"<{len(value) if hasattr(value, '__len__') else '?'} bytes>"
                continue
            out[("GPS" + name) if ifd == ExifTags.IFD.GPSInfo and not name.startswith("GPS") else name] = _exif_value(
                value
            )
    return out


def _iptc(im: Image.Image) -> dict[str, str]:
    try:
        info = IptcImagePlugin.getiptcinfo(im)  # type: ignore[arg-type]  # any opened image works
    except Exception:
        return {}
    if not info:
        return {}
    out = {}
    for (record, dataset), value in info.items():
        vals = value if isinstance(value, list) else [value]
        text = "; ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in vals)
        out[f"{record}:{dataset}"] = _clip(text)
    return out


def _icc_description(icc: bytes) -> str:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.getProfileDescription(profile).strip() or f"<{len(icc)} bytes>"
    except Exception:
        return f"<unreadable ICC profile, {len(icc)} bytes>"


def _jpeg_info(im: Image.Image) -> dict[str, Any]:
    info: dict[str, Any] = {"progressive": bool(im.info.get("progressive") or im.info.get("progression"))}
    tables = getattr(im, "quantization", None) or {}
    if tables:
        info["quality_estimate"] = estimate_jpeg_quality(tables)
        info["quantization_tables"] = len(tables)
    try:
        from PIL import JpegImagePlugin

        info["subsampling"] = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(JpegImagePlugin.get_sampling(im), "other")
    except Exception:
        pass
    if "jfif" in im.info:
        info["jfif"] = True
    if "adobe" in im.info:
        info["adobe"] = True
    return info


# Standard IJG luminance table (JPEG Annex K), quality 50.
_IJG_LUMA = np.array(
    [
        16,
        11,
        10,
        16,
        24,
        40,
        51,
        61,
        12,
        12,
        14,
        19,
        26,
        58,
        60,
        55,
        14,
        13,
        16,
        24,
        40,
        57,
        69,
        56,
        14,
        17,
        22,
        29,
        51,
        87,
        80,
        62,
        18,
        22,
        37,
        56,
        68,
        109,
        103,
        77,
        24,
        35,
        55,
        64,
        81,
        104,
        113,
        92,
        49,
        64,
        78,
        87,
        103,
        121,
        120,
        101,
        72,
        92,
        95,
        98,
        112,
        100,
        103,
        99,
    ],
    dtype=np.float64,
)


def estimate_jpeg_quality(tables: dict[int, Any]) -> int:
    """Estimate the IJG quality (1-100) that produced the luminance table.

    Finds the quality whose scaled Annex K table is closest; a camera's custom table lands on its nearest
    IJG equivalent. Used to spot re-saves (a 'camera original' at quality 75 has been re-encoded).
    """
    luma = np.asarray(list(tables[min(tables)]), dtype=np.float64)[:64]
    best_q, best_err = 50, float("inf")
    for q in range(1, 101):
        scale = 5000 / q if q < 50 else 200 - 2 * q
        ref = np.clip(np.floor((_IJG_LUMA * scale + 50) / 100), 1, 255)
        err = float(np.mean(np.abs(np.sort(ref) - np.sort(luma))))
        if err < best_err:
            best_q, best_err = q, err
    return best_q


def _exif_thumbnail(im: Image.Image, limits: DecodeLimits) -> np.ndarray | None:
    """The JPEG thumbnail in EXIF IFD1, decoded, or ``None``. Editors often forget to update it."""
    raw = im.info.get("exif")
    if not raw:
        return None
    try:
        ifd1 = im.getexif().get_ifd(ExifTags.IFD.IFD1)
        offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
        if not offset or not length:
            return None
        tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
        blob = tiff[offset : offset + length]
        with Image.open(io.BytesIO(blob)) as thumb:
            if thumb.size[0] * thumb.size[1] > min(limits.max_image_pixels, 4_000_000):
                return None
            oriented = _orient(thumb.convert("RGB"), im.getexif().get(0x0112, 1))
            return np.asarray(oriented, dtype=np.uint8)
    except Exception:
        return None


_ORIENTATION_OPS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient(im: Image.Image, orientation: Any) -> Image.Image:
    """Turn the thumbnail the way the main image is turned (thumbnails carry no orientation of their own)."""
    op = _ORIENTATION_OPS.get(orientation) if isinstance(orientation, int) else None
    return im.transpose(op) if op is not None else im
