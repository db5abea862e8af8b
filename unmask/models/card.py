"""The model card written next to the weights: what the model was trained on, how, and how well.

A learned detector is only as trustworthy as its training record, so the training command writes the
card itself (Markdown for people, JSON for tools) from the numbers of the run that made the weights.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MD_TEMPLATE = """# face_blend: self-blended-image face-swap detector

Trained by `unmask train face-blend` (Shiohara & Yamasaki 2022, "Detecting Deepfakes with Self-Blended
Images"): real faces only, against pseudo-fakes made by blending each real face with an altered copy of
itself inside a landmark mask (`unmask/models/synthesis.py`) or, for a share of them, with another
training face fitted onto it (Li et al. 2020, "Face X-ray"). No fake image was used for training.

| | |
|---|---|
| file | `{onnx_file}` ({onnx_bytes} bytes) |
| sha256 | `{onnx_sha256}` |
| network | {network} ({parameters} parameters) |
| input | `{input_name}`: N x 3 x {size} x {size} float32 RGB, `(pixel / 255 - {mean}) / {std}`, |
| | the aligned crop of `unmask.models.crops.face_crop` |
| output | `{output_name}`: N logits; sigmoid = probability the face was blended in |
| data | `{data}`: {faces_found} faces found in {images} images |
| per folder | {folder_counts} |
| split | {train_faces} training faces, {val_faces} held out (10 % by path hash) |
| pseudo-fakes | {cross_share:.0%} cross-blends of another training face (`--cross-share`), the rest self-blends |
| training | {steps} steps of {pairs} real + {pairs} pseudo-fake crops, {minutes:.1f} min wall clock, |
| | seed {seed}, AdamW lr {lr} (cosine) |
| validation AUC | {val_auc:.4f} (held-out real faces vs their pseudo-fakes) |
| ONNX | opset {opset}, torch/onnxruntime max logit gap {parity_gap:.2e} |
| versions | torch {torch_version}, onnx {onnx_version}, onnxruntime {onnxruntime_version}, python {python_version} |
| trained | {trained_at} on {machine} |

Limits: validation measures only how well the model finds *self-blends* of held-out real faces; how it
fares on real face swaps is measured separately (`bench/face_blend_eval.py` on the dev set,
`bench/face_blend_transfer.py` on Photoshop face-part splices and the lab's swaps). The training faces are
small (64-256 px) web, celebrity and CIPLAB crops (the unmasked classes of two face-mask data sets); faces
unlike them (children, profile views, heavy make-up, very dark or overexposed) are less well covered.
"""

ENSEMBLE_TEMPLATE = """# face_blend: seed ensemble of self- and cross-blend face-swap detectors

Made by `unmask train face-blend-ensemble` from models trained by `unmask train face-blend` with
different seeds (same data, same recipe). The file runs every member on the same crop and outputs the
mean of their logits: one training run is a draw (two seeds of one recipe ranked the dev set's face swaps
at 0.92 and 0.82), and the mean of several is steadier than any one of them. Each member was trained on
real faces only, against self-blends (Shiohara & Yamasaki 2022) and cross-blends of another training face
(Li et al. 2020, "Face X-ray"); no fake image was used for training.

| | |
|---|---|
| file | `{onnx_file}` ({onnx_bytes} bytes) |
| sha256 | `{onnx_sha256}` |
| input | `{input_name}`: N x 3 x {size} x {size} float32 RGB, `(pixel / 255 - {mean}) / {std}`, |
| | the aligned crop of `unmask.models.crops.face_crop` |
| output | `{output_name}`: N logits, the mean of the members'; sigmoid = probability the face was blended in |
| members | {member_count} (seeds {seed_list}), from {folder_list} |
| ONNX | opset {opset}, merged logits vs the members' mean: max gap {ensemble_gap:.2e} |
| merged | {merged_at} |

| seed | steps | minutes | cross-blends | validation AUC (own held-out pseudo-fakes) | member sha256 | trained |
|---|---|---|---|---|---|---|
{member_table}

Each member's full card (data, counts, split, versions, loss and validation history) is in
`face_blend.json` under `members`. Validation draws its pseudo-fakes with the member's seed, so the
members' validation AUCs are not measured on the same faces; `bench/face_blend_transfer.py` measures
the members and the ensemble on the same held-out faces and the lab's swaps.

Limits: as for each member, validation measures only how well the model finds *blends* of held-out real
faces; real face swaps are measured separately (`bench/face_blend_eval.py` on the dev set). The
training faces are small (64-256 px) web, celebrity and CIPLAB crops; faces unlike them (children,
profile views, heavy make-up, very dark or overexposed) are less well covered.
"""


def portable(path: Path) -> str:
    """A path as a card should show it: relative to the working directory when it is near (e.g.
    ``../shared/data/train/real``), with the home directory as ``~`` otherwise, never a machine's
    absolute layout."""
    path = path.resolve()
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        relative = str(path)
    if not relative.startswith("../../"):
        return relative
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def write_card(
    out_dir: Path,
    info: dict[str, Any],
    stem: str = "face_blend",
    template: str = MD_TEMPLATE,
    view: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write ``{stem}.md`` (``template`` filled from ``info`` and the Markdown-only fields in ``view``)
    and ``{stem}.json`` (``info`` alone) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    md.write_text(template.format(**info, **(view or {})))
    js.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return md, js
