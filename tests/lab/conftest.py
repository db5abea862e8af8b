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
from unmask.provenance.verify import verify_file

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


def check_composite_pairs(
    out_dir: Path, rows: list[dict[str, str]], ledger: str, keys: Path
) -> list[tuple[dict, dict]]:
    """Each fake picture differs from its real half inside its mask (outside, only the two watermarks
    differ), covers 1-60 % of the picture, and is signed as a composite with a synthetic element, found
    by its watermark in the ledger. Returns the (real, fake) rows for the caller's own checks."""
    reals = {r["relpath"]: r for r in rows if r["label"] == "real"}
    pairs = []
    for fake in (r for r in rows if r["label"] == "fake"):
        real = reals[fake["pair"]]
        before = np.asarray(Image.open(out_dir / real["relpath"]).convert("RGB")).astype(int)
        after = np.asarray(Image.open(out_dir / fake["relpath"]).convert("RGB")).astype(int)
        mask = np.asarray(Image.open(out_dir / fake["mask"])) > 0
        difference = np.abs(after - before).mean(axis=2)
        assert 0.01 < mask.mean() < 0.6 and difference[mask].mean() > 4 * difference[~mask].mean()
        report = verify_file(out_dir / fake["relpath"], ledger=ledger, keys_directory=keys)
        assert report.c2pa.state == "trusted" and report.c2pa.source_types == ["compositeSynthetic"]
        assert report.watermark.found and report.ledger.matches
        pairs.append((real, fake))
    assert (out_dir / "lab.json").is_file()
    return pairs
