"""Running the shipped face-blend model with onnxruntime (no torch at scan time).

One session per process, created on first use and kept: loading costs ~20 ms, scoring a crop a few ms.
One intra-op thread, so several scans (batch mode, workers) can run side by side without oversubscribing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.models.network_spec import INPUT_MEAN, INPUT_NAME, INPUT_STD, OUTPUT_NAME

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
FACE_BLEND_FILE = "face_blend.onnx"
_LOCK = threading.Lock()


@cache
def _session(path: str) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def onnx_session(path: Path, train_command: str) -> Any:
    """The cached onnxruntime session of a shipped model; an error naming how to get the weights back."""
    if not path.is_file():
        raise UnmaskError(f"model weights missing: {path}; train them with `{train_command}` or reinstall unmask")
    with _LOCK:
        return _session(str(path))


@dataclass(frozen=True)
class ShippedModel:
    """A detector's ONNX weights in ``unmask/models/weights``, and the command that trains them again."""

    file: str
    train_command: str
    folder: Path = WEIGHTS_DIR
    """Where the file lies: the package's weights, or a training run's ``--out`` when a bench compares one."""

    @property
    def name(self) -> str:
        """``face-blend`` for ``face_blend.onnx``: how messages name the model."""
        return Path(self.file).stem.replace("_", "-")

    @property
    def path(self) -> Path:
        return self.folder / self.file

    def available(self) -> bool:
        return self.path.is_file()

    def session(self) -> Any:
        """The cached onnxruntime session."""
        return onnx_session(self.path, self.train_command)


FACE_BLEND = ShippedModel(FACE_BLEND_FILE, "unmask train face-blend --data REAL_FACES")


def face_blend_probabilities(crops: np.ndarray, model: ShippedModel = FACE_BLEND) -> np.ndarray:
    """Blend probabilities (0..1) for uint8 crops N x S x S x 3 made by :func:`unmask.models.crops.face_crop`."""
    if len(crops) == 0:
        return np.zeros(0, dtype=np.float32)
    inputs = (crops.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - INPUT_MEAN) / INPUT_STD
    (logits,) = model.session().run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(inputs, dtype=np.float32)})
    return (1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))).astype(np.float32)
