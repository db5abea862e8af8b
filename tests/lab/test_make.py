"""A tiny swap-bench and gan-bench made from generated faces: pairs, masks, watermark, C2PA, ledger."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask.evaluation.labels import labelled_files
from unmask.lab.gan import GanConfig
from unmask.lab.identities import LabError
from unmask.lab.make import GanBenchConfig, SwapBenchConfig, make_gan_bench, make_swap_bench
from unmask.lab.outputs import read_manifest
from unmask.lab.swap import TrainConfig
from unmask.ledger import Ledger
from unmask.provenance.verify import verify_file

from .conftest import Lab, identity_frames, write_identities

pytestmark = pytest.mark.slow


def test_swap_bench_writes_pairs_with_masks(lab: Lab) -> None:
    out = lab.bench.out_dir
    rows = read_manifest(lab.bench.manifest)
    fakes = [r for r in rows if r["label"] == "fake"]
    reals = {r["relpath"]: r for r in rows if r["label"] == "real"}
    assert len(fakes) == len(reals) == 4
    for fake in fakes:
        real = reals[fake["pair"]]
        assert real["pair"] == fake["relpath"] and fake["kind"] == "lab_faceswap"
        before = np.asarray(Image.open(out / real["relpath"]).convert("RGB")).astype(int)
        after = np.asarray(Image.open(out / fake["relpath"]).convert("RGB")).astype(int)
        mask = np.asarray(Image.open(out / fake["mask"])) > 0
        changed = np.abs(after - before).max(axis=2) > 12  # the two watermarks differ by a few levels
        assert mask.any() and changed[mask].mean() > 0.3
        assert changed[~mask].mean() < 0.01
    assert {r["identity"] for r in rows} == {"ann", "bea"}
    assert any("_as_bea_" in r["relpath"] for r in fakes) and any("_as_ann_" in r["relpath"] for r in fakes)


def test_every_output_is_watermarked_signed_and_registered(lab: Lab) -> None:
    rows = read_manifest(lab.bench.manifest)
    for row in rows:
        report = verify_file(lab.bench.out_dir / row["relpath"], ledger=str(lab.ledger), keys_directory=lab.keys)
        assert report.watermark.found and report.watermark.content_id == row["content_id"]
        assert report.c2pa.state == "trusted" and report.c2pa.source_types == [row["source_type"]]
        assert report.ledger.matches and report.ledger.matches[0].kind == "exact"
        assert report.ledger.matches[0].proof_verified
    assert {r["source_type"] for r in rows} == {"digitalCapture", "compositeWithTrainedAlgorithmicMedia"}
    with Ledger.open(str(lab.ledger)) as log:
        assert log.size() == len(rows)


def test_the_manifest_is_what_unmask_eval_reads(lab: Lab) -> None:
    files, used = labelled_files(lab.bench.out_dir)
    assert used == lab.bench.manifest
    assert sorted((f.label, f.kind) for f in files) == [("fake", "lab_faceswap")] * 4 + [("real", "lab_real")] * 4


def test_curves_and_summary(lab: Lab) -> None:
    assert lab.bench.curves.read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((lab.bench.out_dir / "lab.json").read_text())
    assert summary["files"] == {"real": 4, "fake": 4} and summary["config"]["train"]["seed"] == 3
    assert summary["training"]["swap autoencoder"]["steps"] == 8


def test_the_same_seed_gives_the_same_bench(lab: Lab, tmp_path: Path) -> None:
    config = SwapBenchConfig(
        identities=2, faces=4, targets=2, size=64, train=TrainConfig(steps=8, batch=4, width=8, seed=3)
    )
    ledger = str(tmp_path / "ledger.db")  # its own: the session ledger must hold only the first bench
    again = make_swap_bench(lab.identities, tmp_path / "again", config, keys_directory=lab.keys, ledger=ledger)
    first = lab.bench.files[1]
    second = again.files[1]
    assert first.relpath == second.relpath
    # the pixels before watermarking are the same; the content ids (random) are not, so compare the masks
    assert np.array_equal(
        np.asarray(Image.open(lab.bench.out_dir / first.mask)), np.asarray(Image.open(again.out_dir / second.mask))
    )
    assert again.histories[0][1].series == lab.bench.histories[0][1].series


def test_one_identity_is_not_enough(tmp_path: Path) -> None:
    write_identities(tmp_path / "ids", ("ann",))
    config = SwapBenchConfig(faces=4, targets=2, train=TrainConfig(steps=1))
    with pytest.raises(LabError, match="needs two identities"):
        make_swap_bench(tmp_path / "ids", tmp_path / "out", config, keys_directory=tmp_path / "k")
    assert not (tmp_path / "out").exists()


def test_gan_bench_writes_gan_samples_and_reconstructions(tmp_path: Path) -> None:
    faces = tmp_path / "faces"
    faces.mkdir()
    for index in range(2):
        for i, frame in enumerate(identity_frames(index)):
            Image.fromarray(frame).save(faces / f"p{index}_{i}.png")
    config = GanBenchConfig(
        faces=12,
        samples=2,
        out_size=96,
        gan=GanConfig(steps=3, batch=4, width=8, seed=1),
        autoencoder=TrainConfig(steps=3, batch=4, width=8, seed=1),
    )
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")
    result = make_gan_bench(faces, tmp_path / "out", config, keys_directory=keys, ledger=ledger)
    rows = read_manifest(result.manifest)
    kinds = sorted(r["kind"] for r in rows)
    assert kinds == ["lab_autoencoder"] * 2 + ["lab_gan"] * 2 + ["lab_real"] * 2
    for row in rows:
        picture = Image.open(result.out_dir / row["relpath"])
        assert picture.size == (96, 96)
        expected = "digitalCapture" if row["label"] == "real" else "trainedAlgorithmicMedia"
        assert row["source_type"] == expected and row["watermark_checked"] == "True"
    report = verify_file(result.out_dir / rows[-1]["relpath"], ledger=ledger, keys_directory=keys)
    assert report.c2pa.state == "trusted" and report.c2pa.source_types == ["trainedAlgorithmicMedia"]
    assert [name for name, _ in result.histories] == ["DCGAN", "autoencoder (pure decoder)"]
