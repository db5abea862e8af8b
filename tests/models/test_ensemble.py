"""The seed ensemble: the merged ONNX model outputs its members' mean logit, and the merge refuses
members that cannot be averaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unmask.errors import UnmaskError

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from unmask.media import sha256_file  # noqa: E402
from unmask.models.ensemble import merge_onnx  # noqa: E402
from unmask.models.ensemble_cli import build_ensemble  # noqa: E402
from unmask.models.export import export_onnx  # noqa: E402
from unmask.models.network import FaceBlendNet  # noqa: E402

SIZE = 32


def _member(folder: Path, seed: int, **card: object) -> Path:
    """A randomly initialised FaceBlendNet (BatchNorm statistics moved off their defaults) exported with
    the card fields the merge reads."""
    torch.manual_seed(seed)
    model = FaceBlendNet()
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 3, SIZE, SIZE) * 2 + seed)
    path = export_onnx(model, folder / "face_blend.onnx", size=SIZE)
    fields = {"size": SIZE, "mean": 0.5, "std": 0.25, "input_name": "face", "output_name": "logit", "opset": 17}
    fields |= {"seed": seed, "steps": 10, "minutes": 0.1, "cross_share": 0.6, "val_auc": 0.5}
    fields |= {"onnx_sha256": sha256_file(path), "trained_at": "2026-12-02 00:00 UTC"}
    (folder / "face_blend.json").write_text(json.dumps(fields | card))
    return folder


def _logits(path: Path, inputs: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(["logit"], {"face": inputs})[0])


def test_merged_model_outputs_the_members_mean_logit(tmp_path: Path) -> None:
    paths = [_member(tmp_path / f"s{seed}", seed) / "face_blend.onnx" for seed in (1, 2, 3)]
    merged = merge_onnx(paths, tmp_path / "ensemble" / "face_blend.onnx")
    crops = np.random.default_rng(0).normal(size=(5, 3, SIZE, SIZE)).astype(np.float32)
    members = np.stack([_logits(path, crops) for path in paths])
    got = _logits(merged, crops)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, members.mean(axis=0), atol=1e-5)
    assert np.min(np.abs(members - got)) > 1e-4  # the members disagree, so the mean is none of them


def test_build_writes_the_model_and_a_card_holding_every_member(tmp_path: Path) -> None:
    folders = [_member(tmp_path / f"s{seed}", seed) for seed in (4, 5)]
    info = build_ensemble(folders, tmp_path / "out")
    card = json.loads((tmp_path / "out" / "face_blend.json").read_text())
    assert card["seeds"] == [4, 5] and [m["seed"] for m in card["members"]] == [4, 5]
    assert card["onnx_sha256"] == sha256_file(tmp_path / "out" / "face_blend.onnx") == info["onnx_sha256"]
    assert card["ensemble_gap"] < 1e-5
    markdown = (tmp_path / "out" / "face_blend.md").read_text()
    assert "| 4 | 10 |" in markdown and "| 5 | 10 |" in markdown


@pytest.mark.parametrize(
    "problem, match",
    [
        ("single", "at least two"),
        ("same model", "same model"),
        ("other size", "size"),
        ("into a member", "holds a member"),
    ],
)
def test_build_refuses_members_that_cannot_be_averaged(tmp_path: Path, problem: str, match: str) -> None:
    first = _member(tmp_path / "a", 6)
    folders = [first]
    out = tmp_path / "out"
    if problem == "same model":
        folders.append(_member(tmp_path / "b", 6))
    elif problem == "other size":
        folders.append(_member(tmp_path / "b", 7, size=64))
    elif problem == "into a member":
        folders.append(_member(tmp_path / "b", 7))
        out = first
    with pytest.raises(UnmaskError, match=match):
        build_ensemble(folders, out)


def test_an_ensemble_is_not_a_member(tmp_path: Path) -> None:
    build_ensemble([_member(tmp_path / "a", 8), _member(tmp_path / "b", 9)], tmp_path / "ens")
    with pytest.raises(UnmaskError, match="already an ensemble"):
        build_ensemble([tmp_path / "ens", _member(tmp_path / "c", 10)], tmp_path / "out")
