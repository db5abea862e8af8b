"""Sample media made on the spot, for ``unmask demo``, the tests and the benchmarks.

Everything is generated from pictures that ship inside scikit-image (``astronaut``: NASA, public
domain), so a fresh clone needs no downloads and no media files are committed.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

SD_PARAMETERS = (
    "portrait photo of an astronaut, studio light\n"
    "Negative prompt: blurry\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x512, Model: sd_xl_base_1.0"
)


def astronaut() -> np.ndarray:
    """The 512x512 RGB portrait from scikit-image (a real photograph with one clear face)."""
    from skimage import data

    return np.asarray(data.astronaut(), dtype=np.uint8)


def portrait_canvas(width: int, height: int, shift: tuple[float, float] = (0.0, 0.0), zoom: float = 1.0) -> np.ndarray:
    """The astronaut placed on a ``width`` x ``height`` canvas, filling its height, moved by ``shift``
    (fractions of the canvas) and scaled by ``zoom``: frames of a gently moving camera."""
    face = Image.fromarray(astronaut())
    side = max(16, round(height * zoom))
    face = face.resize((side, side), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (width, height), (38, 44, 52))
    x = round((width - side) / 2 + shift[0] * width)
    y = round((height - side) / 2 + shift[1] * height)
    canvas.paste(face, (x, y))
    return np.asarray(canvas)


def camera_photo(path: Path, width: int = 512, height: int = 512) -> Path:
    """A JPEG with the tags a camera writes (make, model, exposure, aperture, ISO, capture time)."""
    image = Image.fromarray(astronaut() if (width, height) == (512, 512) else portrait_canvas(width, height))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D Mark IV"  # Model
    exif[0x0132] = "2024:05:01 10:12:13"  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2024:05:01 10:12:13"  # DateTimeOriginal
    sub[0x829A] = 1 / 125  # ExposureTime
    sub[0x829D] = 5.6  # FNumber
    sub[0x8827] = 200  # ISOSpeedRatings
    sub[0x920A] = 85.0  # FocalLength
    sub[0xA002], sub[0xA003] = width, height  # ExifImageWidth / Height
    image.save(path, format="JPEG", quality=92, exif=exif)
    return path


def generated_png(path: Path) -> Path:
    """A PNG carrying a Stable Diffusion ``parameters`` text chunk, as AUTOMATIC1111 writes it."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", SD_PARAMETERS)
    pixels = np.asarray(Image.fromarray(astronaut()).transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    Image.fromarray(pixels).save(path, format="PNG", pnginfo=info)
    return path


def speech_like(seconds: float, rate: int = 16_000, pitch: float = 140.0) -> np.ndarray:
    """A voiced, syllable-paced signal (harmonics of ``pitch`` with a 4 Hz on/off envelope), float32 mono."""
    t = np.arange(int(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * pitch * k * t) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 0.7
    return (0.25 * voice * envelope).astype(np.float32)


def speech_wav(path: Path, seconds: float = 2.0, rate: int = 16_000) -> Path:
    """A 16-bit mono WAV of :func:`speech_like`."""
    import wave

    samples = (speech_like(seconds, rate) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def talking_clip(
    path: Path, seconds: float = 2.0, size: tuple[int, int] = (640, 360), fps: int = 25, audio: bool = True
) -> Path:
    """An H.264/AAC MP4 of the astronaut's face drifting and zooming slowly, with a speech-like track."""
    width, height = size
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23"}
        sound = container.add_stream("aac", rate=16_000, layout="mono") if audio else None
        n = round(seconds * fps)
        for i in range(n):
            phase = 2 * math.pi * i / max(n, 1)
            pixels = portrait_canvas(
                width, height, (0.04 * math.sin(phase), 0.02 * math.cos(phase)), 0.9 + 0.05 * math.sin(phase)
            )
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            write_mono_audio(container, sound, speech_like(seconds))
    return path


def write_mono_audio(container: av.container.OutputContainer, stream: av.AudioStream, samples: np.ndarray) -> None:
    """Encode mono float samples at 16 kHz into ``stream`` (an AAC stream added at that rate) and flush it."""
    chunk = 1024
    for start in range(0, len(samples), chunk):
        block = samples[start : start + chunk]
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = 16_000
        frame.pts = start
        frame.time_base = Fraction(1, 16_000)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def truncated(source: Path, path: Path, keep: float = 0.4) -> Path:
    """A copy of ``source`` cut short: what an interrupted download leaves behind."""
    data = source.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])
    return path


def jpeg_bytes_of(pixels: np.ndarray, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=quality)
    return out.getvalue()
