from __future__ import annotations

from pathlib import Path

from PIL import Image

from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.provenance.hashing import hamming
from unmask.signals import AnalysisContext, get_signal


def _hashes(path: Path):
    return run_signal(get_signal("hashes"), AnalysisContext(media=decode(path), faces=None))


def test_image_gets_sha256_and_pdq(media) -> None:
    result = _hashes(media.photo)
    assert result.status == "info"
    assert result.details["sha256"] == decode(media.photo).sha256
    assert len(result.details["pdq"]["hash"]) == 64


def test_pdq_survives_reencoding(media, tmp_path: Path) -> None:
    copy = tmp_path / "copy.jpg"
    Image.open(media.photo).resize((256, 256)).save(copy, quality=70)
    a, b = _hashes(media.photo), _hashes(copy)
    assert a.details["sha256"] != b.details["sha256"]
    assert hamming(a.details["pdq"]["hash"], b.details["pdq"]["hash"]) <= 31
    assert hamming(a.details["pdq"]["hash"], _hashes(media.generated_png).details["pdq"]["hash"]) > 31


def test_video_gets_frame_hashes(media) -> None:
    result = _hashes(media.video)
    frames = result.details["pdq_frames"]
    assert 1 <= len(frames) <= 32
    assert all(len(f["hash"]) == 64 for f in frames)


def test_audio_gets_sha256_only(media) -> None:
    result = _hashes(media.audio)
    assert "pdq" not in result.details and "pdq_frames" not in result.details
    assert len(result.details["sha256"]) == 64
