"""Every picture the lab writes is watermarked, signed with its source type, registered, and labelled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unmask import samples
from unmask.evaluation.labels import labelled_files
from unmask.lab.outputs import LabWriter, plot_curves, read_manifest
from unmask.lab.swap import History
from unmask.ledger import Ledger
from unmask.provenance.verify import verify_file


def test_written_pictures_are_signed_registered_and_labelled(tmp_path: Path) -> None:
    keys, ledger = tmp_path / "keys", str(tmp_path / "ledger.db")
    writer = LabWriter(tmp_path / "out", keys_directory=keys, ledger=ledger)
    frame = samples.portrait_canvas(128, 128)
    mask = np.zeros((128, 128), np.uint8)
    mask[40:80, 40:80] = 255
    fake = frame.copy()
    fake[40:80, 40:80] = 128
    real_row = writer.write(frame, "real/a_000.png", label="real", kind="lab_real", origin="real", identity="a")
    fake_row = writer.write(
        fake, "fake/faceswap/a_000.png", label="fake", kind="lab_faceswap", origin="swap", mask=mask
    )
    manifest = writer.write_manifest()
    writer.close()
    assert real_row.source_type == "digitalCapture" and not real_row.mask
    assert fake_row.source_type == "compositeWithTrainedAlgorithmicMedia"
    assert fake_row.mask == "masks/fake/faceswap/a_000.png" and (tmp_path / "out" / fake_row.mask).is_file()
    rows = read_manifest(manifest)
    assert [r["relpath"] for r in rows] == ["real/a_000.png", "fake/faceswap/a_000.png"]
    files, used = labelled_files(tmp_path / "out")
    assert used == manifest and [(f.label, f.kind, f.media) for f in files] == [
        ("real", "lab_real", "image"),
        ("fake", "lab_faceswap", "image"),
    ]
    report = verify_file(tmp_path / "out" / fake_row.relpath, ledger=ledger, keys_directory=keys)
    assert report.c2pa.state == "trusted" and report.c2pa.source_types == ["compositeWithTrainedAlgorithmicMedia"]
    assert report.watermark.found and report.watermark.content_id == fake_row.content_id
    assert [m.kind for m in report.ledger.matches][:1] == ["exact"]
    with Ledger.open(ledger) as log:
        assert log.size() == 2


def test_an_unknown_origin_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    writer = LabWriter(tmp_path / "out", keys_directory=tmp_path / "keys", ledger=str(tmp_path / "l.db"))
    with pytest.raises(KeyError):
        writer.write(np.zeros((64, 64, 3), np.uint8), "x.png", label="fake", kind="k", origin="photoshop")
    assert not (tmp_path / "out" / "x.png").exists()


def test_training_curves_are_drawn(tmp_path: Path) -> None:
    history = History(steps=30, seconds=2.0)
    for step in range(1, 31):
        history.add("generator", step, 1.0 / step)
        history.add("discriminator", step, 0.5)
    path = plot_curves([("DCGAN", history), ("empty", History())], tmp_path / "curves.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
