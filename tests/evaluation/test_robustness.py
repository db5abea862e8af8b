"""The robustness transforms must do what their names say, or the AUC drops we print mean nothing."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PIL import Image

from unmask import samples
from unmask.errors import MediaError
from unmask.evaluation.robustness import aac_64k, h264_crf28, jpeg_q75, resize_half


def test_image_transforms_recompress_and_halve_the_decoded_pixels(tmp_path: Path) -> None:
    photo = samples.camera_photo(tmp_path / "photo.jpg", 320, 240)
    with Image.open(jpeg_q75(photo, tmp_path)) as im:
        assert (im.format, im.size) == ("JPEG", (320, 240))
        assert "exif" not in im.info  # platforms strip metadata; so does the transform
    with Image.open(resize_half(photo, tmp_path)) as im:
        assert (im.format, im.size) == ("PNG", (160, 120))
    with pytest.raises(MediaError):
        jpeg_q75(samples.truncated(photo, tmp_path / "broken.jpg"), tmp_path)


def test_video_and_audio_reencodes_keep_streams_and_duration(tmp_path: Path) -> None:
    clip = samples.talking_clip(tmp_path / "clip.mp4", seconds=1.0, size=(160, 120), fps=25)
    with av.open(str(h264_crf28(clip, tmp_path))) as out:
        video, audio = out.streams.video[0], out.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 160, 120)
        assert audio.codec_context.name == "aac"
        assert sum(1 for _ in out.decode(video=0)) == 25
    speech = samples.speech_wav(tmp_path / "speech.wav", seconds=1.0)
    with av.open(str(aac_64k(speech, tmp_path))) as out:
        [stream] = out.streams
        assert stream.codec_context.name == "aac" and float(out.duration or 0) / 1e6 == pytest.approx(1.0, abs=0.1)
    with pytest.raises(MediaError, match="no video stream"):
        h264_crf28(speech, tmp_path)


def test_mp3_and_telephone_copies_of_speech(tmp_path: Path) -> None:
    import numpy as np

    from unmask.evaluation.robustness import mp3_64k, telephone_8k
    from unmask.media.speech import load_speech

    speech = samples.speech_wav(tmp_path / "speech.wav", seconds=1.0)
    with av.open(str(mp3_64k(speech, tmp_path))) as out:
        stream = out.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3") and 56_000 <= (stream.bit_rate or 0) <= 72_000
    phone = telephone_8k(speech, tmp_path)
    with av.open(str(phone)) as out:
        stream = out.streams.audio[0]
        assert (stream.codec_context.name, stream.rate) == ("pcm_mulaw", 8000)
    band = np.abs(np.fft.rfft(load_speech(phone))) ** 2
    freqs = np.fft.rfftfreq(2 * (len(band) - 1), 1 / 16_000)
    assert band[freqs > 4000].sum() < 1e-3 * band.sum()  # nothing above the 8 kHz line's Nyquist
    with pytest.raises(MediaError):
        mp3_64k(samples.camera_photo(tmp_path / "photo.jpg", 64, 64), tmp_path)
