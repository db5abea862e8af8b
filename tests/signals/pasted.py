"""Shared by the ELA and noise tests: a face found in a picture, its inner-face mask (what a swap
replaces), and running one signal on pixels saved as a file the way a user would hand it over."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from unmask.config import ScanOptions
from unmask.faces import analyze, regions
from unmask.faces.types import FaceAnalysis
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.report.model import SignalResult
from unmask.signals import AnalysisContext, get_signal


def faces_in(photo: np.ndarray, folder: Path) -> FaceAnalysis:
    """The face analysis of ``photo`` saved losslessly; it must hold a usable face."""
    path = folder / "face.png"
    Image.fromarray(photo).save(path)
    found = analyze(decode(path))
    assert found.usable_tracks()
    return found


def inner_face(faces: FaceAnalysis, shape: tuple[int, ...]) -> np.ndarray:
    """The inner face (outline shrunk to 85 %) as an H x W x 1 boolean mask: what a swap replaces."""
    oval = faces.tracks[0].faces[0].points(regions.FACE_OVAL)
    centre = oval.mean(axis=0)
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(centre + 0.85 * (oval - centre)).astype(np.int32)], 1)
    return mask.astype(bool)[..., None]


def run_saved(
    signal: str, pixels: np.ndarray, path: Path, faces: FaceAnalysis | None, quality: int, artifacts: bool
) -> SignalResult:
    """Save ``pixels`` to ``path`` (PNG, or JPEG at ``quality``), decode it and run ``signal`` on it."""
    if path.suffix == ".png":
        Image.fromarray(pixels).save(path)
    else:
        Image.fromarray(pixels).save(path, quality=quality)
    ctx = AnalysisContext(media=decode(path), faces=faces, options=ScanOptions(artifacts=artifacts))
    return run_signal(get_signal(signal), ctx)
