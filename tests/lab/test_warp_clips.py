"""``warp-clips``: a stretch of a benchmark video, and the same stretch with the next identity's face warped in."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner

from unmask import samples
from unmask.cli import main
from unmask.lab.clips import AUDIO_RATE, Clip, write_clip
from unmask.lab.identities import LabError
from unmask.lab.outputs import read_manifest
from unmask.lab.warp_clips import WarpClipsConfig, make_warp_clips, portraits, warp_clip
from unmask.lab.warps import Blending
from unmask.provenance.verify import verify_file

FPS = 10.0
FRAMES = 6
POISSON = Blending(shrink=0.9, feather=0)


def _frames(person: int) -> list[np.ndarray]:
    """A made-up person moving gently: the astronaut close up, with stripes of the person's own direction."""
    y, x = np.mgrid[:256, :256]
    angle = np.pi * person / 3
    stripes = 30 * np.sin((x * np.cos(angle) + y * np.sin(angle)) / 3)
    frames = []
    for i in range(FRAMES):
        frame = samples.portrait_canvas(256, 256, (0.15 + 0.01 * i, 0.2 - 0.01 * i), zoom=1.5)
        frames.append((frame + stripes[..., None]).clip(0, 255).astype(np.uint8))
    return frames


def _videos(folder: Path, people: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for person in range(people):
        write_clip(folder / f"person{person}.mp4", _frames(person), FPS, samples.speech_like(FRAMES / FPS))
    return folder


def _warp(target: list[np.ndarray], donor: list[np.ndarray]) -> tuple[list[np.ndarray], int]:
    return warp_clip(target, portraits(_clip(target)), portraits(_clip(donor)), POISSON)


def _clip(frames: list[np.ndarray]) -> Clip:
    return Clip("someone", Path("someone.mp4"), 0, FPS, frames, None)


def test_a_donor_frame_without_a_face_lends_the_last_face() -> None:
    target, donor = _frames(0)[:3], _frames(1)[:3]
    blank = np.full_like(donor[0], 90)
    frames, swapped = _warp(target, [donor[0], blank, blank])
    assert swapped == 3 and all(not np.array_equal(a, b) for a, b in zip(frames, target, strict=True))
    frames, swapped = _warp(target, [blank, donor[1], blank])
    assert swapped == 2 and np.array_equal(frames[0], target[0])  # nothing to lend yet: left as it is
    frames, swapped = _warp([blank, *target[1:]], donor)
    assert swapped == 2 and np.array_equal(frames[0], blank)  # no face in the target frame: left as it is


def test_clip_pairs_are_signed_keep_their_sound_and_differ_in_the_face(tmp_path: Path) -> None:
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")
    said: list[str] = []
    config = WarpClipsConfig(identities=3, clips=1, clip_seconds=0.5, seed=1)
    videos = _videos(tmp_path / "videos")
    (videos / "person9.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 cut short")  # a third video, unreadable
    bench = make_warp_clips(videos, tmp_path / "out", config, keys_directory=keys, ledger=ledger, say=said.append)
    rows = read_manifest(bench.manifest)
    assert bench.pairs == 2 and bench.swapped == bench.frames == 10 and len(said) == 3
    assert said[0].startswith(f"{videos / 'person9.mp4'}: not a readable video") and said[0].endswith(", skipped")
    assert sorted(r["kind"] for r in rows) == ["lab_real"] * 2 + ["lab_warpswap"] * 2
    for fake in (r for r in rows if r["label"] == "fake"):
        assert "_as_person" in fake["relpath"] and fake["identity"] not in fake["relpath"].split("_as_")[1]
        before, after = _decoded(bench.out_dir / fake["pair"]), _decoded(bench.out_dir / fake["relpath"])
        difference = np.abs(after.astype(int) - before).mean(axis=(0, 3))  # per pixel, over frames and colours
        centre, border = difference[50:110, 115:170].mean(), difference[:, :40].mean()  # inner face, left edge
        assert centre > 3 * border + 2, (centre, border)
        report = verify_file(bench.out_dir / fake["relpath"], ledger=ledger, keys_directory=keys)
        assert report.c2pa.state == "trusted" and report.c2pa.source_types == ["compositeSynthetic"]
        with av.open(str(bench.out_dir / fake["relpath"])) as container:
            seconds = sum(f.samples for f in container.decode(audio=0)) / AUDIO_RATE
        assert abs(seconds - 0.5) < 0.1
    assert (bench.out_dir / "lab.json").is_file()


def _decoded(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def test_one_video_is_not_a_swap_one_line_and_exit_1(tmp_path: Path) -> None:
    folder = _videos(tmp_path / "one", people=1)
    with pytest.raises(LabError, match="needs two benchmark videos, found 1"):
        make_warp_clips(folder, tmp_path / "out", WarpClipsConfig())
    args = ["lab", "warp-clips", "--identities", str(folder), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].endswith("found 1")
