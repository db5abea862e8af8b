"""Clip pairs: a stretch of a benchmark video and the same stretch swapped frame by frame, with its sound."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from unmask import samples
from unmask.lab.clips import AUDIO_RATE, read_clips, write_clip
from unmask.lab.identities import find_identities
from unmask.lab.make import SwapBenchConfig, make_swap_bench
from unmask.lab.outputs import read_manifest
from unmask.lab.swap import TrainConfig
from unmask.provenance.verify import verify_file

from .conftest import identity_frames

FPS = 10.0


def _videos(folder: Path) -> Path:
    """Two made-up people, one 0.6 s clip each (the conftest's frames), with a speech-like sound."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(("ann", "bea")):
        frames = identity_frames(index)
        write_clip(folder / f"{name}.mp4", frames, FPS, samples.speech_like(len(frames) / FPS))
    return folder


def _decoded(path: Path) -> tuple[list[np.ndarray], float]:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        seconds = sum(f.samples for f in container.decode(audio=0)) / AUDIO_RATE
    return frames, seconds


def test_clips_are_consecutive_frames_with_the_sound_under_them(tmp_path: Path) -> None:
    [ann, _] = find_identities(_videos(tmp_path))
    [clip] = read_clips(ann, 3, 0.5)  # 6 frames hold one 5-frame stretch, not three
    assert clip.first_frame == 0 and len(clip.frames) == 5 and clip.frames[0].shape == (256, 256, 3)
    assert clip.audio is not None and abs(len(clip.audio) - 0.5 * AUDIO_RATE) <= 1
    assert read_clips(ann, 1, 2.0) == []  # longer than the video: nothing, not a padded clip


@pytest.mark.slow
def test_swap_bench_writes_signed_clip_pairs_that_differ_only_in_the_face(tmp_path: Path) -> None:
    config = SwapBenchConfig(
        identities=2,
        faces=4,
        targets=0,
        size=64,
        train=TrainConfig(steps=4, batch=4, width=8, seed=3),
        clips=1,
        clip_seconds=0.5,
    )
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")  # not the lab fixture's: it counts its entries
    bench = make_swap_bench(_videos(tmp_path / "ids"), tmp_path / "out", config, keys_directory=keys, ledger=ledger)
    rows = read_manifest(bench.manifest)
    assert sorted(r["relpath"] for r in rows) == [
        "fake/faceswap/ann_as_bea_clip00.mp4",
        "fake/faceswap/bea_as_ann_clip00.mp4",
        "real/ann_clip00.mp4",
        "real/bea_clip00.mp4",
    ]
    by_path = {r["relpath"]: r for r in rows}
    for fake in (r for r in rows if r["label"] == "fake"):
        real = by_path[fake["pair"]]
        assert real["pair"] == fake["relpath"] and fake["kind"] == "lab_faceswap" and real["kind"] == "lab_real"
        before, before_sound = _decoded(bench.out_dir / real["relpath"])
        after, after_sound = _decoded(bench.out_dir / fake["relpath"])
        assert len(before) == len(after) == 5 and before_sound == pytest.approx(after_sound, abs=0.07)
        changed = np.abs(np.stack(after).astype(int) - np.stack(before)).max(axis=3) > 12
        face, background = changed[:, 50:95, 105:150].mean(), changed[:, 150:, :60].mean()
        assert face > 0.2 and background < 0.01  # the face was replaced, the rest of the frame was not
        report = verify_file(bench.out_dir / fake["relpath"], ledger=ledger, keys_directory=keys)
        assert report.watermark.found and report.c2pa.source_types == ["compositeWithTrainedAlgorithmicMedia"]


def test_stretches_are_spread_over_the_video_and_hold_its_own_frames(tmp_path: Path) -> None:
    frames = [np.full((64, 64, 3), 10 * i, np.uint8) for i in range(20)]  # frame i is grey level 10 i
    write_clip(tmp_path / "long.mp4", frames, FPS, None)
    [identity] = find_identities(tmp_path)
    clips = read_clips(identity, 2, 0.5)
    assert [c.first_frame for c in clips] == [0, 15] and all(c.audio is None for c in clips)
    for clip in clips:
        levels = [int(np.median(f)) for f in clip.frames]
        assert levels == pytest.approx([10 * (clip.first_frame + i) for i in range(5)], abs=3)
