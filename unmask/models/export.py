"""Exporting the trained network to ONNX (what ships) and checking it against torch."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unmask.media import sha256_file
from unmask.models.crops import CROP_SIZE
from unmask.models.network_spec import INPUT_NAME, OUTPUT_NAME

OPSET = 17


def export_onnx(
    model: nn.Module,
    path: Path,
    size: int = CROP_SIZE,
    example: torch.Tensor | None = None,
    input_name: str = INPUT_NAME,
    dynamic: dict[int, str] | None = None,
) -> Path:
    """Write ``model`` (eval mode) as ONNX with a dynamic batch: input ``face`` N x 3 x size x size
    (normalised, see :mod:`unmask.models.network`), output ``logit`` N. A model with another input
    (the voice model's spectrograms) passes its ``example``, ``input_name`` and extra ``dynamic`` axes."""
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    if example is None:
        example = torch.zeros(1, 3, size, size)
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=[input_name],
        output_names=[OUTPUT_NAME],
        dynamic_axes={input_name: {0: "batch", **(dynamic or {})}, OUTPUT_NAME: {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    return path


def parity_gap(model: nn.Module, path: Path, inputs: torch.Tensor, input_name: str = INPUT_NAME) -> float:
    """Largest absolute difference between torch's and onnxruntime's logits on ``inputs``."""
    import onnxruntime as ort

    model.eval()
    with torch.no_grad():
        expected = model(inputs).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], {input_name: inputs.numpy().astype(np.float32)})
    return float(np.max(np.abs(np.asarray(got) - expected)))


def run_record(model: nn.Module, path: Path, config: Any, result: Any, parity: float) -> dict[str, Any]:
    """What every model card records about the exported file and the run that made it: the file and its
    hash, the network's size and interface, the training budget and curves, the ONNX parity with torch,
    and the versions and machine. ``config``/``result`` are a detector's train config and result (they
    share ``pairs, seed, lr, threads`` and ``steps, seconds, losses, val_history``)."""
    import onnx
    import onnxruntime

    return {
        "onnx_file": path.name,
        "onnx_bytes": path.stat().st_size,
        "onnx_sha256": sha256_file(path),
        "parameters": sum(p.numel() for p in model.parameters()),
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "steps": result.steps,
        "pairs": config.pairs,
        "minutes": result.seconds / 60.0,
        "seed": config.seed,
        "lr": config.lr,
        "val_history": result.val_history,
        "loss_history": result.losses,
        "opset": OPSET,
        "parity_gap": parity,
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "onnxruntime_version": onnxruntime.__version__,
        "python_version": platform.python_version(),
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} CPU, {config.threads} threads",
    }
