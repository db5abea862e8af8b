"""``warp-bench``: one held-out picture's face warped onto another's landmarks, beside the untouched picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from unmask import samples
from unmask.cli import main
from unmask.faces import regions
from unmask.faces.types import Face
from unmask.lab.outputs import read_manifest
from unmask.lab.warps import (
    DONOR_CHOICES,
    Portrait,
    WarpBenchConfig,
    head_pose,
    load_portrait,
    make_warp_bench,
    pick_donor,
    warp_mesh,
)
from unmask.models.faceset import largest_face

from .conftest import check_composite_pairs, held_out_names


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Held out: four made-up people, a corrupt file and a picture without a face; kept for face_blend's
    training: one picture, which the bench must not use."""
    folder = tmp_path_factory.mktemp("faces")
    held, kept = held_out_names(True, 6), held_out_names(False, 1)
    for i, name in enumerate(held[:4]):
        Image.fromarray(_picture(i)).save(folder / name)
    (folder / held[4]).write_bytes(b"\x89PNG\r\n\x1a\n not really")
    Image.fromarray(np.full((128, 128, 3), 90, np.uint8)).save(folder / held[5])
    Image.fromarray(_picture(4)).save(folder / kept[0])
    return folder


def _picture(person: int) -> np.ndarray:
    """A close-up (face ~70 px wide) of made-up person ``person``: the astronaut with stripes of its own
    direction painted on, so that any donor's face is visibly not the target's."""
    frame = samples.portrait_canvas(256, 256, (0.15 + 0.01 * person, 0.2 - 0.01 * person), zoom=1.5)
    y, x = np.mgrid[:256, :256]
    angle = np.pi * person / 5
    stripes = 30 * np.sin((x * np.cos(angle) + y * np.sin(angle)) / 3)
    return (frame + stripes[..., None]).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def portrait(faces: Path) -> Portrait:
    loaded = load_portrait(faces / held_out_names(True, 1)[0])
    assert isinstance(loaded, Portrait)
    return loaded


def test_warping_a_face_onto_itself_gives_the_face_back(portrait: Portrait) -> None:
    warped, covered = warp_mesh(portrait, portrait)
    inside = covered > 0
    outline = portrait.face.points(regions.FACE_OVAL)
    assert inside.sum() > 0.8 * _polygon_area(outline)
    assert np.abs(warped.astype(int) - portrait.rgb)[inside].mean() < 2


def _polygon_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def test_head_pose_turns_sign_in_a_mirror(portrait: Portrait) -> None:
    mirrored = largest_face(np.ascontiguousarray(portrait.rgb[:, ::-1]))
    assert mirrored is not None
    yaw, pitch = head_pose(portrait.face)
    mirror_yaw, mirror_pitch = head_pose(mirrored)
    assert abs(yaw + mirror_yaw) < 0.02 and abs(pitch - mirror_pitch) < 0.02


def test_the_donor_is_the_candidate_with_the_nearest_pose(portrait: Portrait) -> None:
    """Candidates differ only in where the nose tip sits; the target's nose is 3 px right of the original."""

    def turned(dx: float) -> Portrait:
        marks = portrait.face.landmarks.copy()
        marks[regions.NOSE_TIP, 0] += dx
        return Portrait(Path(f"turned_{dx}.png"), portrait.rgb, Face(frame_index=0, landmarks=marks))

    pool = [turned(3.0)] + [turned(dx) for dx in (-12.0, -6.0, 0.0, 2.5, 9.0, 15.0)]
    assert len(pool) - 1 < DONOR_CHOICES  # every other portrait is a candidate
    assert pick_donor(0, pool, np.random.default_rng(0)).path.name == "turned_2.5.png"


def test_pairs_differ_inside_the_mask_are_signed_and_skip_bad_pictures(faces: Path, tmp_path: Path) -> None:
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")
    said: list[str] = []
    config = WarpBenchConfig(5, seed=2)  # more than the four usable pictures: every picture is tried
    bench = make_warp_bench(faces, tmp_path / "out", config, keys_directory=keys, ledger=ledger, say=said.append)
    rows = read_manifest(bench.manifest)
    assert bench.pairs == 4 and bench.skipped == 2 and len(said) == 2
    assert all("\n" not in line and line.startswith(str(faces)) for line in said)
    assert sorted(r["kind"] for r in rows) == ["lab_real"] * 4 + ["lab_warpswap"] * 4
    assert {r["source"] for r in rows if r["label"] == "real"} == set(held_out_names(True, 4))
    for real, fake in check_composite_pairs(bench.out_dir, rows, ledger, keys):
        target, donor = fake["source"].split(" with the face of ")
        assert target == real["source"] and donor != target
    assert (bench.out_dir / "check_grid.png").is_file()


def test_the_cli_writes_a_bench_and_an_empty_folder_is_one_line_and_exit_1(faces: Path, tmp_path: Path) -> None:
    out, keys = tmp_path / "o", tmp_path / "k"
    args = ["lab", "warp-bench", "--faces", str(faces), "--count", "2", "--out", str(out), "--keys", str(keys)]
    result = CliRunner().invoke(main, [*args, "--ledger", str(tmp_path / "l.db")])
    assert result.exit_code == 0, result.output
    assert "2 real + 2 warp-swapped pictures" in result.output and len(read_manifest(out / "manifest.csv")) == 4
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["lab", "warp-bench", "--faces", str(empty), "--out", str(tmp_path / "y")])
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].endswith("(the folder has no pictures)")


def test_the_same_seed_gives_the_same_swaps(faces: Path, tmp_path: Path) -> None:
    """Same seed, same targets, donors, blending and masks; only the watermark (a content id per file) differs."""

    def fakes(seed: int, out: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
        config, keys, ledger = WarpBenchConfig(3, seed), tmp_path / "k", str(tmp_path / "ledger.db")
        bench = make_warp_bench(faces, tmp_path / out, config, keys_directory=keys, ledger=ledger)
        rows = [r for r in read_manifest(bench.manifest) if r["label"] == "fake"]
        return [
            (
                r["source"],
                np.asarray(Image.open(bench.out_dir / r["relpath"]).convert("RGB")).astype(int),
                np.asarray(Image.open(bench.out_dir / r["mask"])),
            )
            for r in rows
        ]

    first, again, other = fakes(7, "a"), fakes(7, "b"), fakes(8, "c")
    for (source, pixels, mask), (source_again, pixels_again, mask_again) in zip(first, again, strict=True):
        assert source == source_again and np.array_equal(mask, mask_again) and np.abs(pixels - pixels_again).mean() < 3
    assert [(s, m.tobytes()) for s, _, m in first] != [(s, m.tobytes()) for s, _, m in other]
