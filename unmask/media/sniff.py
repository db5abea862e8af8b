"""Tell what a file is from its first bytes, never from its extension.

A ``.jpg`` that is really a PNG, or a ``.mp4`` that is an HTML error page, is common in the wild;
the extension is only compared afterwards to flag the mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

from unmask.media.types import MediaKind


@dataclass(frozen=True)
class Sniffed:
    format: str
    mime: str
    kind: MediaKind
    """Kind implied by the container; A/V containers are confirmed by their streams at decode time."""


HEAD_BYTES = 512

_FTYP_IMAGE = {
    b"heic": "heic",
    b"heix": "heic",
    b"hevc": "heic",
    b"heim": "heic",
    b"heis": "heic",
    b"mif1": "heif",
    b"msf1": "heif",
    b"avif": "avif",
    b"avis": "avif",
}
_FTYP_AUDIO = {b"M4A ": "m4a", b"M4B ": "m4a", b"F4A ": "m4a"}
_FTYP_MOV = {b"qt  "}


def sniff(head: bytes) -> Sniffed | None:
    """Identify the container from the first :data:`HEAD_BYTES` bytes; ``None`` if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg", "image/jpeg", MediaKind.IMAGE)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", "image/png", MediaKind.IMAGE)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("gif", "image/gif", MediaKind.IMAGE)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("tiff", "image/tiff", MediaKind.IMAGE)
    if head.startswith(b"BM") and len(head) >= 14:
        return Sniffed("bmp", "image/bmp", MediaKind.IMAGE)
    if head[:4] == b"RIFF" and len(head) >= 12:
        sub = head[8:12]
        if sub == b"WEBP":
            return Sniffed("webp", "image/webp", MediaKind.IMAGE)
        if sub == b"WAVE":
            return Sniffed("wav", "audio/wav", MediaKind.AUDIO)
        if sub == b"AVI ":
            return Sniffed("avi", "video/x-msvideo", MediaKind.VIDEO)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP_IMAGE:
            fmt = _FTYP_IMAGE[brand]
            return Sniffed(fmt, f"image/{fmt}", MediaKind.IMAGE)
        if brand in _FTYP_AUDIO:
            return Sniffed("m4a", "audio/mp4", MediaKind.AUDIO)
        if brand in _FTYP_MOV:
            return Sniffed("mov", "video/quicktime", MediaKind.VIDEO)
        if brand.startswith(b"3g"):
            return Sniffed("3gp", "video/3gpp", MediaKind.VIDEO)
        return Sniffed("mp4", "video/mp4", MediaKind.VIDEO)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return Sniffed("mov", "video/quicktime", MediaKind.VIDEO)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head:
            return Sniffed("webm", "video/webm", MediaKind.VIDEO)
        return Sniffed("mkv", "video/x-matroska", MediaKind.VIDEO)
    if head.startswith(b"fLaC"):
        return Sniffed("flac", "audio/flac", MediaKind.AUDIO)
    if head.startswith(b"OggS"):
        return Sniffed("ogg", "audio/ogg", MediaKind.AUDIO)
    if head.startswith(b"ID3"):
        return Sniffed("mp3", "audio/mpeg", MediaKind.AUDIO)
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        if head[1] & 0xF6 == 0xF0:
            return Sniffed("aac", "audio/aac", MediaKind.AUDIO)  # ADTS: layer bits 00
        if head[1] & 0x06:
            return Sniffed("mp3", "audio/mpeg", MediaKind.AUDIO)
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return Sniffed("mpeg", "video/mpeg", MediaKind.VIDEO)
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return Sniffed("mpegts", "video/mp2t", MediaKind.VIDEO)
    return None


def describe_unknown(head: bytes) -> str:
    """A hint for the error message when :func:`sniff` fails."""
    text = head.lstrip()[:16].lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<svg")):
        return "looks like HTML/XML text, not media"
    if text.startswith(b"{") or text.startswith(b"["):
        return "looks like JSON text, not media"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive, not media"
    if head.startswith(b"%PDF"):
        return "a PDF document, not media"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head[:32]):
        return "looks like plain text, not media"
    return "unrecognised file type (starts with " + head[:8].hex(" ") + ")"
