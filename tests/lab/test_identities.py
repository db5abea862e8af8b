"""Which identities a benchmark folder holds, and their faces as aligned crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.lab.identities import (
    LabError,
    find_identities,
    largest_identities,
    load_faces,
    read_picture,
    scaled,
)

from .conftest import write_identities


def _touch_picture(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8)).save(path)


def test_sub_folders_are_identities(tmp_path: Path) -> None:
    write_identities(tmp_path, ("ann", "bea"))
    found = find_identities(tmp_path)
    assert [i.name for i in found] == ["ann", "bea"]
    assert all(len(i.sources) == 6 and not i.is_video for i in found)


def test_numbered_names_group_and_a_shared_prefix_is_not_a_person(tmp_path: Path) -> None:
    for name in ("set_0_anna_0014", "set_0_anna_0029", "set_1_bo_0001", "set_12", "set_13"):
        _touch_picture(tmp_path / f"{name}.jpg")
    found = {i.name: len(i.sources) for i in find_identities(tmp_path)}
    assert found == {"set_0_anna": 2, "set_1_bo": 1}


def test_each_video_is_one_identity_and_ranks_first(tmp_path: Path) -> None:
    (tmp_path / "clips").mkdir()
    samples.talking_clip(tmp_path / "clips" / "dana.mp4", seconds=0.4, size=(160, 120))
    _touch_picture(tmp_path / "eve" / "a.png")
    _touch_picture(tmp_path / "eve" / "b.png")
    found = find_identities(tmp_path)
    assert [(i.name, i.is_video) for i in found] == [("dana", True), ("eve", False)]
    assert [i.name for i in largest_identities(found, 1)] == ["dana"]


def test_not_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="not a folder of benchmark identities"):
        find_identities(tmp_path / "missing")


def test_faces_are_aligned_crops_with_their_frame(tmp_path: Path) -> None:
    [identity, _] = find_identities(write_identities(tmp_path))
    faces = load_faces(identity, 3, 64, np.random.default_rng(0))
    assert len(faces) == 3
    for face in faces:
        assert face.crop.shape == (64, 64, 3) and face.frame.shape == (256, 256, 3)
        eyes = face.face.points((33, 263)) @ face.matrix[:, :2].T + face.matrix[:, 2]
        assert abs(eyes[0, 1] - eyes[1, 1]) < 3  # eyes level in the crop
        assert 16 < eyes[0, 0] < 32 < eyes[1, 0] < 48


def test_video_faces_come_from_spread_frames(tmp_path: Path) -> None:
    clip = samples.talking_clip(tmp_path / "dana.mp4", seconds=1.0, size=(320, 240))
    [identity] = find_identities(tmp_path)
    faces = load_faces(identity, 3, 64, np.random.default_rng(0))
    indices = [f.frame_index for f in faces]
    assert len(faces) == 3 and indices == sorted(indices) and indices[-1] >= 10
    assert all(f.source == clip for f in faces)


def test_frames_are_scaled_down_to_even_sizes() -> None:
    assert scaled(np.zeros((720, 1281, 3), np.uint8)).shape == (142, 256, 3)
    small = np.zeros((100, 80, 3), np.uint8)
    assert scaled(small) is small


def test_a_broken_picture_is_reported_and_skipped(tmp_path: Path) -> None:
    write_identities(tmp_path, ("ann",))
    (tmp_path / "ann" / "frame_99.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    [identity] = find_identities(tmp_path)
    skipped: list[str] = []
    faces = load_faces(identity, 10, 64, np.random.default_rng(0), on_skip=skipped.append)
    assert len(faces) == 6
    assert len(skipped) == 1 and skipped[0].startswith(f"{tmp_path / 'ann' / 'frame_99.png'}: not a readable picture")


def test_a_decompression_bomb_is_reported_and_skipped(tmp_path: Path) -> None:
    write_identities(tmp_path, ("ann",))
    bomb = tmp_path / "ann" / "frame_98.png"
    Image.new("1", (20_000, 20_000)).save(bomb)  # 400 MP of zeros compresses to ~100 kB
    with pytest.raises(LabError, match="not a readable picture") as caught:
        read_picture(bomb)
    assert str(caught.value).startswith(f"{bomb}: ") and "\n" not in str(caught.value)
    skipped: list[str] = []
    faces = load_faces(find_identities(tmp_path)[0], 10, 64, np.random.default_rng(0), on_skip=skipped.append)
    assert len(faces) == 6 and skipped == [str(caught.value)]
