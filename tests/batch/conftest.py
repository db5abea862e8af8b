"""A small mixed corpus: two distinct photos, a generated PNG, a short video with a face and sound, one
truncated file."""

from __future__ import annotations

from pathlib import Path

import pytest

from unmask import samples


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    photo = samples.camera_photo(folder / "photo.jpg")
    samples.camera_photo(folder / "portrait.jpg", 384, 448)
    samples.generated_png(folder / "generated.png")
    samples.talking_clip(folder / "clip.mp4", seconds=0.6, size=(320, 240))
    samples.truncated(photo, folder / "broken.jpg")
    return folder
