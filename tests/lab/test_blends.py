"""``blend-bench``: self-blends of the pictures face_blend held out, paired with the untouched pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from unmask.cli import main
from unmask.evaluation.labels import labelled_files
from unmask.lab.blends import BlendBenchConfig, held_out_pictures, make_blend_bench
from unmask.lab.identities import LabError
from unmask.lab.outputs import read_manifest

from .conftest import check_composite_pairs, held_out_names, identity_frames


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three pictures face_blend held out and two it trained on, all of the made-up astronaut."""
    folder = tmp_path_factory.mktemp("faces")
    frames = identity_frames(0)
    for i, name in enumerate(held_out_names(True, 3) + held_out_names(False, 2)):
        Image.fromarray(frames[i]).save(folder / name)
    return folder


def test_only_the_pictures_face_blend_held_out_are_candidates(faces: Path) -> None:
    assert sorted(p.name for p in held_out_pictures(faces)) == sorted(held_out_names(True, 3))


def test_pairs_differ_inside_the_mask_and_are_signed(faces: Path, tmp_path: Path) -> None:
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")
    bench = make_blend_bench(faces, tmp_path / "out", BlendBenchConfig(2, seed=4), keys_directory=keys, ledger=ledger)
    rows = read_manifest(bench.manifest)
    assert bench.pairs == 2 and sorted(r["kind"] for r in rows) == ["lab_real"] * 2 + ["lab_selfblend"] * 2
    assert {r["source"] for r in rows} <= set(held_out_names(True, 3))
    assert len(check_composite_pairs(bench.out_dir, rows, ledger, keys)) == 2
    assert (bench.out_dir / "check_grid.png").is_file()
    files, used = labelled_files(bench.out_dir)
    assert used == bench.manifest and sorted(f.label for f in files) == ["fake", "fake", "real", "real"]


def test_the_same_seed_gives_the_same_pictures(faces: Path, tmp_path: Path) -> None:
    """Same seed, same picture, blend and mask; only the watermark (a new content id per file) differs."""

    def fake_and_mask(seed: int, out: str) -> tuple[np.ndarray, np.ndarray]:
        config, keys, ledger = BlendBenchConfig(1, seed), tmp_path / "k", str(tmp_path / "ledger.db")
        bench = make_blend_bench(faces, tmp_path / out, config, keys_directory=keys, ledger=ledger)
        fake = next(r for r in read_manifest(bench.manifest) if r["label"] == "fake")
        pixels = np.asarray(Image.open(bench.out_dir / fake["relpath"]).convert("RGB")).astype(int)
        return pixels, np.asarray(Image.open(bench.out_dir / fake["mask"]))

    (first, first_mask), (again, again_mask) = fake_and_mask(7, "a"), fake_and_mask(7, "b")
    assert np.array_equal(first_mask, again_mask) and np.abs(first - again).mean() < 3
    _, other_mask = fake_and_mask(8, "c")
    assert not np.array_equal(first_mask, other_mask)


def test_a_folder_without_held_out_faces_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="no held-out face pictures"):
        make_blend_bench(tmp_path, tmp_path / "out", BlendBenchConfig(1))
    args = ["lab", "blend-bench", "--faces", str(tmp_path), "--out", str(tmp_path / "o"), "--keys", str(tmp_path / "k")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].endswith("(the folder has no pictures)")
