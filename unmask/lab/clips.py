"""Clip pairs for the swap bench: a stretch of a benchmark video, and the same stretch swapped frame by frame.

Frame pairs show a video detector nothing it can only see over time. A face swap done the classic way
(Deepfakes/faceswap, DeepFaceLab) aligns, swaps and pastes each frame on its own, so its clips carry
the temporal traces the ``temporal``, ``blink`` and ``lipsync`` signals look for: landmark jitter,
flicker at the mask edge, identity drift. A clip pair is the untouched stretch (scaled like every lab
frame) and that stretch with another benchmark identity's face pasted into each frame; both keep the
clip's own sound and are encoded the same way, so the two differ only in the mechanism. Frames where
no face is found are left as they are, as a swap tool would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.lab.identities import MAX_SIDE, Identity, LabError, align_largest_face, estimated_frames, scaled
from unmask.lab.paste import paste_face
from unmask.lab.swap import SwapModel, swap_faces
from unmask.media.audio import decode_audio
from unmask.samples import write_mono_audio

AUDIO_RATE = 16_000
"""Clips keep their sound as mono 16 kHz AAC: what the voice and lip-sync signals read."""


@dataclass(frozen=True)
class Clip:
    """Consecutive frames of one benchmark video (scaled to the lab's size) and the sound under them."""

    identity: str
    source: Path
    first_frame: int
    fps: float
    frames: list[np.ndarray]
    audio: np.ndarray | None
    """Mono float32 samples at :data:`AUDIO_RATE` for the clip's time span, if the video has sound."""


def read_clips(identity: Identity, count: int, seconds: float, max_side: int = MAX_SIDE) -> list[Clip]:
    """``count`` stretches of ``seconds`` spread evenly over the identity's video (fewer if it is short)."""
    if not identity.is_video:
        return []
    path = identity.sources[0]
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or 25)
            total = stream.frames or estimated_frames(stream)
            length = max(2, round(seconds * fps))
            count = min(count, total // length)
            if count < 1:
                return []
            starts = np.linspace(0, total - length, count).round().astype(int).tolist()
            frames = _window_frames(container.decode(stream), starts, length, max_side)
        sound = _sound(path)
    except (av.FFmpegError, IndexError) as exc:
        raise LabError(f"{path}: not a readable video ({exc})") from exc
    clips = []
    for first in starts:
        window = [frames[i] for i in range(first, first + length) if i in frames]
        if len(window) < length:  # the container promised more frames than it held
            continue
        audio = None
        if sound is not None:
            begin = round(first / fps * AUDIO_RATE)
            audio = sound[begin : begin + round(length / fps * AUDIO_RATE)]
        clips.append(Clip(identity.name, path, first, fps, window, audio))
    return clips


def _window_frames(
    decoded: Iterator[av.VideoFrame], starts: list[int], length: int, max_side: int
) -> dict[int, np.ndarray]:
    """The frames inside the windows only, scaled, by index: a long video is read, never held whole."""
    wanted = {i for first in starts for i in range(first, first + length)}
    last = max(wanted)
    frames: dict[int, np.ndarray] = {}
    for index, frame in enumerate(decoded):
        if index in wanted:
            frames[index] = scaled(frame.to_ndarray(format="rgb24"), max_side)
        if index >= last:
            break
    return frames


def _sound(path: Path) -> np.ndarray | None:
    """The video's sound as the scan decodes it (mono, :data:`AUDIO_RATE`, within [-1, 1])."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        policy = SamplingPolicy(audio_rate=AUDIO_RATE)
        track = decode_audio(path, container, container.streams.audio[0], policy, DecodeLimits(), [])
    return None if track is None else track.samples


def swap_clip(model: SwapModel, clip: Clip, donor: str, size: int) -> tuple[list[np.ndarray], int]:
    """The clip with ``donor``'s face pasted into each frame, and how many frames had a face to swap."""
    found = [align_largest_face(frame, i, size) for i, frame in enumerate(clip.frames)]
    with_face = [(i, hit) for i, hit in enumerate(found) if hit is not None]
    swapped = swap_faces(model, [crop for _, (_, _, crop) in with_face], donor)
    frames = list(clip.frames)
    for (i, (face, matrix, _)), new_face in zip(with_face, swapped, strict=True):
        frames[i] = paste_face(clip.frames[i], face, matrix, new_face).image
    return frames, len(with_face)


def write_clip(path: Path, frames: list[np.ndarray], fps: float, audio: np.ndarray | None) -> Path:
    """H.264 (CRF 18, like a careful export) plus mono AAC, the way both halves of a pair are written."""
    height, width = frames[0].shape[:2]
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "18"}
        sound = container.add_stream("aac", rate=AUDIO_RATE, layout="mono") if audio is not None else None
        for pixels in frames:
            container.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(video.encode(None))
        if sound is not None and audio is not None:
            write_mono_audio(container, sound, audio)
    return path
