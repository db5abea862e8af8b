"""Who is this face? 128-d identity embeddings from dlib's face recognition ResNet.

Why this model: it ships inside a PyPI package (``face-recognition-models`` holds the weights, ``dlib-bin``
the runtime), needs no network and no GPU, and its weights are public domain (dlib-models README). It
is a 29-layer ResNet trained with a metric loss on about 3 million faces; dlib reports 99.38 % on the
LFW verification benchmark, and publishes **0.6** as the Euclidean distance below which two
descriptors are the same person. Same-person pairs in one video typically sit at 0.2-0.4; a face swap
that lets the source identity through in some frames moves those frames towards the other person.

Alignment is dlib's own: its 5-point shape predictor (eye corners and the base of the nose, CC0,
dlib-models) is run inside the MediaPipe face box, and the network sees the 150 x 150 chip dlib cuts
from those five points, as it was trained. The 68-point model in the same package (iBUG 300-W,
non-commercial terms) is never loaded. The package's own ``__init__`` imports ``pkg_resources``, which
new setuptools lacks, so it is located with :func:`importlib.util.find_spec` and never imported.

Cost, measured on the development machine (2 cores, shared with a training run): about 110 ms of CPU
per face (5-point fit 0.6 ms, chip 1.3 ms, the rest the network; ``dlib-bin`` is built without BLAS, and
batching chips does not help), and about 0.25 s to load the models once per thread. That is why
callers embed a sample of frames, not all of them. dlib objects are not documented as thread-safe, and
face tracking runs in threads, so each thread gets its own pair.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.faces.types import Face

PACKAGE = "face_recognition_models"
RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"
SAME_PERSON = 0.6
"""dlib's published threshold: descriptors closer than this are the same person (LFW 99.38 %)."""
MIN_EYE_PX = 20.0
"""Faces with eyes closer than this (in pixels) are not embedded: the network sees a 150 px chip in
which the eyes are about 50 px apart, so a smaller face is mostly upsampling blur and its distance
to anything grows for reasons that are not identity."""
CHIP_SIZE = 150
CHIP_PADDING = 0.25
"""dlib's defaults for ``get_face_chip``: the size and margin the network was trained on."""


def model_dir() -> Path:
    """The folder of dlib's model files; an error naming the fix if the package or a file is missing."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise UnmaskError(
            "the face identity model is not installed: run `pip install face-recognition-models dlib-bin` "
            "(or `make venv`)"
        )
    folder = Path(spec.origin).parent / "models"
    for name in (RECOGNITION_MODEL, SHAPE_MODEL):
        if not (folder / name).is_file():
            raise UnmaskError(f"face identity model file missing: {folder / name} (reinstall face-recognition-models)")
    return folder


@dataclass(frozen=True)
class _Models:
    shape: Any
    """``dlib.shape_predictor`` (5 points)."""
    network: Any
    """``dlib.face_recognition_model_v1``."""


_local = threading.local()


def _models() -> _Models:
    """This thread's predictor and network, loaded on first use (about 0.3 s)."""
    models: _Models | None = getattr(_local, "models", None)
    if models is None:
        folder = model_dir()
        try:
            import dlib
        except ImportError as error:
            raise UnmaskError("dlib is not installed: run `pip install dlib-bin` (or `make venv`)") from error
        models = _Models(
            dlib.shape_predictor(str(folder / SHAPE_MODEL)),
            dlib.face_recognition_model_v1(str(folder / RECOGNITION_MODEL)),
        )
        _local.models = models
    return models


def embed(pixels: np.ndarray, face: Face) -> np.ndarray | None:
    """The face's 128-d identity descriptor (unit-free, compare with :func:`distance`), or ``None`` when
    the face is too small (eye distance under :data:`MIN_EYE_PX`) to say who it is.

    ``pixels`` is the RGB uint8 frame the face was found in; the MediaPipe box only places dlib's own
    5-point fit, which then aligns the chip."""
    if face.eye_distance < MIN_EYE_PX:
        return None
    import dlib

    models = _models()
    image = np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)
    height, width = image.shape[:2]
    box = face.box
    rect = dlib.rectangle(
        max(0, round(box.x0)), max(0, round(box.y0)), min(width - 1, round(box.x1)), min(height - 1, round(box.y1))
    )
    if rect.width() < 8 or rect.height() < 8:
        return None
    shape = models.shape(image, rect)
    chip = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
    return np.asarray(models.network.compute_face_descriptor(chip, num_jitters=0), dtype=np.float64)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors: under :data:`SAME_PERSON` (0.6) means one person."""
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
