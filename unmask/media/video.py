"""Video frames through PyAV (MP4, MOV, WebM, MKV, AVI and whatever FFmpeg reads).

Frames are sampled by :class:`unmask.config.SamplingPolicy` and stored once as RGB arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.container
import numpy as np

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.errors import MediaError, MediaLimitError
from unmask.media.container import container_duration, short_av_error
from unmask.media.types import Frame, Sampling


@dataclass
class DecodedVideo:
    frames: list[Frame]
    sampling: Sampling
    duration: float | None
    warnings: list[str] = field(default_factory=list)


def plan_windows(duration: float | None, policy: SamplingPolicy) -> tuple[str, list[tuple[float, float]]]:
    """The time ranges whose frames are kept: one dense range, or evenly spread windows."""
    if duration is None or duration <= policy.dense_seconds + policy.window_seconds:
        return "dense", [(0.0, math.inf)]
    count = max(1, math.ceil(policy.dense_seconds / policy.window_seconds))
    span = duration - policy.window_seconds
    starts = [span * i / (count - 1) for i in range(count)] if count > 1 else [0.0]
    return "windows", [(s, s + policy.window_seconds) for s in starts]


def output_scale(width: int, height: int, frames: int, policy: SamplingPolicy) -> float:
    """Scale factor that keeps ``frames`` RGB frames within the memory budget (1.0 if they fit)."""
    needed = frames * width * height * 3
    if needed <= policy.frame_memory_bytes:
        return 1.0
    scale = math.sqrt(policy.frame_memory_bytes / needed)
    floor = min(1.0, policy.min_frame_side / max(width, height))
    return max(scale, floor)


def decode_video(
    path: Path,
    container: av.container.InputContainer,
    stream: av.VideoStream,
    policy: SamplingPolicy,
    limits: DecodeLimits,
) -> DecodedVideo:
    cc = stream.codec_context
    width, height = int(cc.width or 0), int(cc.height or 0)
    if width > limits.max_video_side or height > limits.max_video_side:
        raise MediaLimitError(path, f"video is {width}x{height}, above the {limits.max_video_side}px limit")
    duration = container_duration(container)
    if duration is not None and duration > limits.max_duration_s:
        raise MediaLimitError(
            path,
            f"video lasts {_hms(duration)}, above the {_hms(limits.max_duration_s)} limit (--max-duration)",
        )
    source_fps = float(stream.average_rate or stream.guessed_rate or 0) or None
    keep_fps = min(source_fps or policy.max_fps, policy.max_fps)
    mode, windows = plan_windows(duration, policy)
    max_frames = round(policy.max_fps * policy.dense_seconds)
    expected = min(max_frames, math.ceil((duration or policy.dense_seconds) * keep_fps) + 1)
    scale = output_scale(width, height, expected, policy) if width and height else 1.0
    size = (max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2))

    stream.thread_type = "AUTO"
    frames: list[Frame] = []
    warnings: list[str] = []
    step = 1.0 / keep_fps
    tolerance = 0.25 / (source_fps or keep_fps)
    source_index = 0
    for start, end in windows:
        if mode == "windows":
            try:
                container.seek(int(start / (stream.time_base or 1)), stream=stream, backward=True)
            except av.FFmpegError as exc:
                warnings.append(f"could not seek to {start:.1f} s: {short_av_error(exc)}")
                continue
        next_keep = start
        try:
            for frame in container.decode(stream):
                t = _frame_time(frame, source_index, source_fps)
                source_index += 1
                if t >= end or len(frames) >= max_frames:
                    break
                if t + tolerance < next_keep:
                    continue
                next_keep = next_keep + step if t < next_keep + step else t + step
                pixels = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                pixels = _rotate(pixels, getattr(frame, "rotation", 0))
                index = _source_index(frame, t, source_fps, source_index - 1)
                frames.append(Frame(index=len(frames), source_index=index, time=t, pixels=pixels))
        except av.FFmpegError as exc:
            warnings.append(f"decoding stopped after {len(frames)} frames: {short_av_error(exc)}")
        if len(frames) >= max_frames:
            break
    if not frames:
        reason = warnings[0] if warnings else "zero-length or empty video stream"
        raise MediaError(path, f"no decodable video frames ({reason})")
    sampling = Sampling(
        policy=mode,
        source_fps=source_fps,
        sampled_fps=keep_fps,
        source_frames=stream.frames or None,
        source_size=(width, height),
        scale=size[0] / width if width else 1.0,
        windows=tuple((s, min(e, duration or e)) for s, e in windows) if mode == "windows" else (),
    )
    if duration is None:
        duration = frames[-1].time + step
    return DecodedVideo(frames=frames, sampling=sampling, duration=duration, warnings=warnings)


def _frame_time(frame: av.VideoFrame, counter: int, fps: float | None) -> float:
    if frame.time is not None:
        return float(frame.time)
    return counter / (fps or 30.0)


def _source_index(frame: av.VideoFrame, t: float, fps: float | None, counter: int) -> int:
    return round(t * fps) if fps else counter


def _rotate(pixels: np.ndarray, rotation: float | int | None) -> np.ndarray:
    """Apply the display rotation phones store beside the pixels, so faces come out upright."""
    quarter = round((rotation or 0) / 90.0) % 4
    return np.ascontiguousarray(np.rot90(pixels, k=quarter)) if quarter else pixels


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
