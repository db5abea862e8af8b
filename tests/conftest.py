"""Shared test media, generated once per test session from pictures inside scikit-image."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from unmask import samples

DEV_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class SampleSet:
    photo: Path
    generated_png: Path
    video: Path
    audio: Path
    corrupt: dict[str, Path]

    def by_kind(self, kind: str) -> Path:
        return {"image": self.photo, "video": self.video, "audio": self.audio}[kind]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    folder = tmp_path_factory.mktemp("media")
    photo = samples.camera_photo(folder / "photo.jpg")
    video = samples.talking_clip(folder / "clip.mp4", seconds=1.2)
    audio = samples.speech_wav(folder / "speech.wav", seconds=1.5)
    corrupt = {
        "image": samples.truncated(photo, folder / "broken.jpg"),
        "video": samples.truncated(video, folder / "broken.mp4", keep=0.3),
        "audio": _garbage_wav(folder / "broken.wav"),
    }
    return SampleSet(photo, samples.generated_png(folder / "generated.png"), video, audio, corrupt)


def _garbage_wav(path: Path) -> Path:
    """A RIFF/WAVE header promising PCM data, followed by nothing usable."""
    path.write_bytes(b"RIFF\xff\xff\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 12)
    return path


@pytest.fixture(scope="session")
def dev_data() -> Path:
    if not (DEV_DATA / "manifest.csv").is_file():
        pytest.skip("the dev set ../shared/data is not beside this checkout")
    return DEV_DATA


def dev_manifest(root: Path) -> list[dict[str, str]]:
    with (root / "manifest.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))
