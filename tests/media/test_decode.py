"""Decoding, and every kind of bad input a user can hand us: each is one line naming the file and why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from unmask.config import DecodeLimits, SamplingPolicy
from unmask.errors import MediaError, MediaLimitError, UnsupportedMediaError
from unmask.media import MediaKind, decode


def _assert_one_line(error: MediaError, path: Path) -> None:
    text = str(error)
    assert text.startswith(str(path) + ": ") and "\n" not in text and error.reason


def test_image_decodes_upright_rgb_with_metadata(media) -> None:
    decoded = decode(media.photo)
    assert decoded.kind is MediaKind.IMAGE and decoded.format == "jpeg"
    assert decoded.frames[0].pixels.shape == (512, 512, 3)
    assert decoded.metadata["exif"]["Model"] == "Canon EOS 5D Mark IV"
    assert len(decoded.sha256) == 64


def test_video_decodes_frames_with_timestamps_and_audio(media) -> None:
    decoded = decode(media.video)
    assert decoded.kind is MediaKind.VIDEO
    assert len(decoded.frames) == 30  # 1.2 s at 25 fps: every frame kept
    times = [f.time for f in decoded.frames]
    assert times == sorted(times) and times[1] - times[0] == pytest.approx(0.04, abs=1e-3)
    assert decoded.sampling.policy == "dense"
    assert decoded.audio is not None and decoded.audio.sample_rate == 16_000
    assert decoded.audio.duration == pytest.approx(1.2, abs=0.15)


def test_audio_decodes_mono_16k(media) -> None:
    decoded = decode(media.audio)
    assert decoded.kind is MediaKind.AUDIO and not decoded.frames
    assert decoded.audio is not None and decoded.audio.samples.dtype == np.float32
    assert decoded.duration == pytest.approx(1.5, abs=0.01)


def test_fps_cap_halves_a_50fps_clip(tmp_path: Path) -> None:
    from unmask import samples

    clip = samples.talking_clip(tmp_path / "fast.mp4", seconds=1.0, fps=50, audio=False)
    decoded = decode(clip, policy=SamplingPolicy(max_fps=25))
    assert 24 <= len(decoded.frames) <= 26


def test_type_comes_from_content_not_extension(media, tmp_path: Path) -> None:
    renamed = tmp_path / "actually_a_video.jpg"
    renamed.write_bytes(media.video.read_bytes())
    decoded = decode(renamed)
    assert decoded.kind is MediaKind.VIDEO
    assert decoded.metadata["extension_mismatch"] == {"extension": ".jpg", "content": "mp4"}


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(MediaError, match="empty file") as caught:
        decode(path)
    _assert_one_line(caught.value, path)


@pytest.mark.parametrize("kind", ["image", "video", "audio"])
def test_corrupt_file_of_each_kind(media, kind: str) -> None:
    path = media.corrupt[kind]
    with pytest.raises(MediaError) as caught:
        decode(path)
    _assert_one_line(caught.value, path)


def test_text_file_with_media_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("meeting notes, not a video\n")
    with pytest.raises(UnsupportedMediaError) as caught:
        decode(path)
    _assert_one_line(caught.value, path)


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(path)  # 400 MP of zeros compresses to ~100 kB
    assert path.stat().st_size < 2_000_000
    with pytest.raises(MediaLimitError, match="decompression bomb") as caught:
        decode(path)
    _assert_one_line(caught.value, path)


def test_zero_frame_video(tmp_path: Path) -> None:
    path = tmp_path / "zero.avi"
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()
    with pytest.raises(MediaError, match="no decodable video frames") as caught:
        decode(path)
    _assert_one_line(caught.value, path)


def test_duration_cap(media) -> None:
    limits = dataclasses.replace(DecodeLimits(), max_duration_s=0.5)
    with pytest.raises(MediaLimitError, match="limit") as caught:
        decode(media.video, limits=limits)
    _assert_one_line(caught.value, media.video)
    with pytest.raises(MediaLimitError):
        decode(media.audio, limits=limits)


def test_file_size_cap(media) -> None:
    limits = dataclasses.replace(DecodeLimits(), max_file_bytes=1000)
    with pytest.raises(MediaLimitError, match="limit"):
        decode(media.photo, limits=limits)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        decode(tmp_path / "nope.jpg")
    with pytest.raises(MediaError, match="not a regular file"):
        decode(tmp_path)


def test_long_video_is_sampled_in_windows(tmp_path: Path) -> None:
    from unmask import samples

    clip = samples.talking_clip(tmp_path / "long.mp4", seconds=4.0, fps=10, size=(160, 90), audio=False)
    policy = SamplingPolicy(dense_seconds=1.0, window_seconds=0.5)
    decoded = decode(clip, policy=policy)
    assert decoded.sampling.policy == "windows"
    assert 8 <= len(decoded.frames) <= 12
    assert decoded.frames[-1].time > 2.5  # the windows reach the end of the clip
