"""Two made-up benchmark identities (pictures generated from scikit-image's astronaut, one mirrored and
re-tinted), a signing identity and a ledger in temp dirs, and one tiny swap-bench made from them."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.lab.make import BenchResult, SwapBenchConfig, make_swap_bench
from unmask.lab.swap import TrainConfig

FRAMES = 6


def identity_frames(index: int) -> list[np.ndarray]:
    """Frames of one made-up person: the astronaut moving gently; the second one mirrored and re-tinted."""
    frames = []
    for i in range(FRAMES):
        shift = (0.04 * np.sin(i + index), 0.03 * np.cos(2 * i + index))
        frame = samples.portrait_canvas(256, 256, shift, zoom=0.9 + 0.03 * (i % 3))
        if index % 2:
            frame = np.ascontiguousarray(frame[:, ::-1] * np.array([0.8, 0.95, 1.15])).clip(0, 255).astype(np.uint8)
        frames.append(frame)
    return frames


def held_out_names(held_out: bool, count: int) -> list[str]:
    """File names that face_blend's split holds out (or keeps for training): 10 % by a hash of the path."""
    names = (f"face_{i:04d}.png" for i in range(100_000))
    return [n for n in names if (zlib.crc32(n.encode()) % 1000 < 100) == held_out][:count]


def write_identities(folder: Path, names: tuple[str, ...] = ("ann", "bea")) -> Path:
    """``folder/<name>/frame_NN.png`` per identity: the sub-folder layout of a benchmark set."""
    for index, name in enumerate(names):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i, frame in enumerate(identity_frames(index)):
            Image.fromarray(frame).save(folder / name / f"frame_{i:02d}.png")
    return folder


@dataclass(frozen=True)
class Lab:
    identities: Path
    keys: Path
    ledger: Path
    bench: BenchResult


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    root = tmp_path_factory.mktemp("lab")
    identities = write_identities(root / "identities")
    keys, ledger = root / "keys", root / "ledger" / "ledger.db"
    config = SwapBenchConfig(
        identities=2, faces=4, targets=2, size=64, train=TrainConfig(steps=8, batch=4, width=8, seed=3)
    )
    bench = make_swap_bench(identities, root / "out", config, keys_directory=keys, ledger=str(ledger))
    return Lab(identities, keys, ledger, bench)
