"""Exporting the trained network to ONNX (what ships) and checking it against torch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unmask.models.crops import CROP_SIZE
from unmask.models.network_spec import INPUT_NAME, OUTPUT_NAME

OPSET = 17


def export_onnx(model: nn.Module, path: Path, size: int = CROP_SIZE) -> Path:
    """Write ``model`` (eval mode) as ONNX with a dynamic batch: input ``face`` N x 3 x size x size
    (normalised, see :mod:`unmask.models.network`), output ``logit`` N."""
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 3, size, size)
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    return path


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parity_gap(model: nn.Module, path: Path, inputs: torch.Tensor) -> float:
    """Largest absolute difference between torch's and onnxruntime's logits on ``inputs``."""
    import onnxruntime as ort

    model.eval()
    with torch.no_grad():
        expected = model(inputs).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: inputs.numpy().astype(np.float32)})
    return float(np.max(np.abs(np.asarray(got) - expected)))
