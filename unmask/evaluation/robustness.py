"""Everyday transforms that a detector must survive: what a messenger or a platform does to an upload.

Each transform writes a new file into a folder the caller owns (a temporary one in ``unmask eval``):
images are decoded the way a scan decodes them (upright RGB) and re-encoded, so the transformed file
carries no metadata, exactly as on most platforms; videos are re-encoded with x264 and their sound with
AAC; audio is re-encoded as 64 kb/s AAC and as 64 kb/s MP3, and squeezed into an 8 kHz telephone band
(300-3400 Hz, G.711 mu-law). A detector that only reads metadata or codec traces loses
its evidence here, which is the point of measuring it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.audio.stream import AudioStream
from PIL import Image
from scipy.signal import resample_poly

from unmask.config import DecodeLimits
from unmask.errors import MediaError
from unmask.media.container import short_av_error
from unmask.media.image import decode_image

JPEG_QUALITY = 75
RESIZE_FACTOR = 0.5
H264_CRF = 28
AUDIO_BITRATE = 64_000
PHONE_RATE = 8_000


@dataclass(frozen=True)
class Transform:
    """A named re-encoding for one media type; ``apply(source, folder)`` returns the new file."""

    name: str
    media: str
    apply: Callable[[Path, Path], Path]


def jpeg_q75(source: Path, folder: Path) -> Path:
    """The decoded pixels saved as a JPEG at quality 75 (a typical social-media recompression)."""
    target = folder / f"{source.stem}.q{JPEG_QUALITY}.jpg"
    Image.fromarray(_pixels(source)).save(target, format="JPEG", quality=JPEG_QUALITY)
    return target


def resize_half(source: Path, folder: Path) -> Path:
    """The decoded pixels at half width and height (Lanczos), saved losslessly as PNG, so only the
    resampling is measured."""
    image = Image.fromarray(_pixels(source))
    size = (max(1, round(image.width * RESIZE_FACTOR)), max(1, round(image.height * RESIZE_FACTOR)))
    target = folder / f"{source.stem}.half.png"
    image.resize(size, Image.Resampling.LANCZOS).save(target, format="PNG")
    return target


def _pixels(source: Path) -> np.ndarray:
    frame, _, _ = decode_image(source, DecodeLimits())
    return frame.pixels


def h264_crf28(source: Path, folder: Path) -> Path:
    """The video re-encoded as H.264 (libx264, CRF 28, yuv420p) and its first audio track as AAC, with
    the source timestamps kept so sound and picture stay in sync."""
    target = folder / f"{source.stem}.crf{H264_CRF}.mp4"
    try:
        with av.open(str(source)) as inp, av.open(str(target), "w", format="mp4") as out:
            if not inp.streams.video:
                raise MediaError(source, "no video stream to re-encode")
            vin = inp.streams.video[0]
            vout = out.add_stream("libx264", rate=vin.average_rate or Fraction(25))
            vout.width, vout.height = _even(vin.codec_context.width), _even(vin.codec_context.height)
            vout.pix_fmt = "yuv420p"
            vout.options = {"crf": str(H264_CRF), "preset": "veryfast"}
            ain = inp.streams.audio[0] if inp.streams.audio else None
            aout = out.add_stream("aac", rate=ain.rate or 44_100) if ain is not None else None
            _transcode(inp, out, {vin: vout} | ({ain: aout} if ain is not None and aout else {}))
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(source, f"could not re-encode as H.264: {short_av_error(exc)}") from None
    return target


def aac_64k(source: Path, folder: Path) -> Path:
    """The first audio track re-encoded as 64 kb/s AAC in an M4A (a voice message or a streamed clip)."""
    return _audio_64k(source, folder / f"{source.stem}.aac64.m4a", "ipod", "aac", "AAC")


def mp3_64k(source: Path, folder: Path) -> Path:
    """The first audio track re-encoded as 64 kb/s MP3 (LAME): the commonest way speech is shared."""
    return _audio_64k(source, folder / f"{source.stem}.mp3-64.mp3", "mp3", "libmp3lame", "MP3")


def _audio_64k(source: Path, target: Path, container: str, codec: str, name: str) -> Path:
    """``source``'s first audio track through ``codec`` at :data:`AUDIO_BITRATE` into ``target``."""
    try:
        with av.open(str(source)) as inp, av.open(str(target), "w", format=container) as out:
            if not inp.streams.audio:
                raise MediaError(source, "no audio stream to re-encode")
            ain = inp.streams.audio[0]
            aout = out.add_stream(codec, rate=ain.rate or 44_100)
            assert isinstance(aout, AudioStream)  # an audio codec gives an audio stream
            aout.bit_rate = AUDIO_BITRATE
            _transcode(inp, out, {ain: aout})
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(source, f"could not re-encode as {name}: {short_av_error(exc)}") from None
    return target


def telephone_8k(source: Path, folder: Path) -> Path:
    """The sound as a narrow-band phone call hands it on: 300-3400 Hz, 8 kHz, G.711 mu-law in a WAV."""
    from unmask.media.speech import load_speech, telephone_band

    target = folder / f"{source.stem}.phone8k.wav"
    samples = resample_poly(telephone_band(load_speech(source)), 1, 2)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)[None, :]
    try:
        with av.open(str(target), "w", format="wav") as out:
            stream = out.add_stream("pcm_mulaw", rate=PHONE_RATE)
            stream.layout = "mono"
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = PHONE_RATE
            out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(source, f"could not write the telephone-band copy: {short_av_error(exc)}") from None
    return target


def _transcode(inp: av.container.InputContainer, out: av.container.OutputContainer, streams: dict[Any, Any]) -> None:
    """Decode the given input streams and encode each frame into its output stream, then flush."""
    for packet in inp.demux(*streams):
        target = streams[packet.stream]
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame):
                frame = frame.reformat(width=target.width, height=target.height, format="yuv420p")
            out.mux(target.encode(frame))
    for target in streams.values():
        out.mux(target.encode(None))


def _even(n: int) -> int:
    return max(2, n - n % 2)


TRANSFORMS: tuple[Transform, ...] = (
    Transform("jpeg-q75", "image", jpeg_q75),
    Transform("resize-0.5x", "image", resize_half),
    Transform("h264-crf28", "video", h264_crf28),
    Transform("aac-64k", "audio", aac_64k),
    Transform("mp3-64k", "audio", mp3_64k),
    Transform("phone-8k", "audio", telephone_8k),
)
