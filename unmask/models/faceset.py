"""Real face crops for training, found once and cached: landmarks cost ~15 ms an image, synthesis ~1 ms.

Each image under the data folder is searched once with the landmarker (padded when the face fills the
picture: the detector misses tight crops), its largest face is cut out as the aligned crop the model
sees (:func:`unmask.models.crops.face_crop_with_points`), and crops, landmarks and paths go into one
``.npz`` in the cache folder, named by the folder, the file list and the crop settings.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from unmask.errors import UnmaskError
from unmask.faces.types import Face
from unmask.models.crops import CROP_MARGIN, CROP_SIZE, face_crop_with_points

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
CACHE_VERSION = 1
"""Bump when the crop or the detection changes, so old caches are not reused."""
MIN_DETECT_PX = 192
"""Small pictures are enlarged to this before detection (the detector finds few faces in 64 px images)."""


@dataclass
class FaceSet:
    """Aligned crops (N x S x S x 3 uint8), their landmarks (N x 478 x 2, crop pixels) and source paths."""

    crops: np.ndarray
    landmarks: np.ndarray
    paths: list[str]

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, indices: np.ndarray) -> FaceSet:
        return FaceSet(self.crops[indices], self.landmarks[indices], [self.paths[i] for i in indices])

    def folder_counts(self) -> dict[str, int]:
        """Faces per top-level sub-folder (the source data sets), for the model card."""
        counts: dict[str, int] = {}
        for path in self.paths:
            top = path.split("/", 1)[0] if "/" in path else "."
            counts[top] = counts.get(top, 0) + 1
        return dict(sorted(counts.items()))


def image_files(folder: Path) -> list[Path]:
    """Every image under ``folder``, sorted (the order decides the cache name and the split)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def holdout_mask(paths: list[str], share: float = 0.1) -> np.ndarray:
    """True for the ~``share`` of paths held out for validation; decided by a hash of the path, so the split
    is stable whatever the seed or the order."""
    return np.array([zlib.crc32(p.encode()) % 1000 < share * 1000 for p in paths], dtype=bool)


def load_faceset(
    folder: Path,
    cache_dir: Path,
    size: int = CROP_SIZE,
    workers: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
) -> FaceSet:
    """Crops of the faces under ``folder``, from the cache when it holds them, else found and cached."""
    files = image_files(folder)
    if not files:
        raise FileNotFoundError(f"no images under {folder}")
    relative = [str(p.relative_to(folder)) for p in files]
    key = hashlib.sha256(f"{CACHE_VERSION}|{size}|{CROP_MARGIN}|{folder.resolve()}|{'|'.join(relative)}".encode())
    cache = cache_dir / f"faces-{key.hexdigest()[:16]}.npz"
    if cache.is_file():
        with np.load(cache) as data:
            return FaceSet(data["crops"], data["landmarks"], [str(p) for p in data["paths"]])
    crops, marks, kept = [], [], []
    for done, (rel, found) in enumerate(_detect_all(files, relative, size, workers), start=1):
        if found is not None:
            crops.append(found[0])
            marks.append(found[1])
            kept.append(rel)
        if on_progress is not None:
            on_progress(done, len(files))
    if not kept:
        raise UnmaskError(f"no face found in any image under {folder}")
    faces = FaceSet(np.stack(crops), np.stack(marks).astype(np.float32), kept)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, crops=faces.crops, landmarks=faces.landmarks, paths=np.array(kept))
    tmp.replace(cache)
    return faces


def _detect_all(
    files: list[Path], relative: list[str], size: int, workers: int
) -> Iterator[tuple[str, tuple[np.ndarray, np.ndarray] | None]]:
    jobs = [(str(f), size) for f in files]
    if workers <= 1:
        yield from zip(relative, map(_crop_one, jobs), strict=True)
        return
    with get_context("spawn").Pool(workers) as pool:
        yield from zip(relative, pool.imap(_crop_one, jobs, chunksize=16), strict=True)


def _crop_one(job: tuple[str, int]) -> tuple[np.ndarray, np.ndarray] | None:
    path, size = job
    try:
        rgb = np.asarray(Image.open(path).convert("RGB"))
    except OSError:
        return None
    face = largest_face(rgb)
    return None if face is None else face_crop_with_points(rgb, face, size)


def largest_face(rgb: np.ndarray) -> Face | None:
    """The largest face in a (small, tightly cropped) picture: searched as is, then with a border added."""
    from unmask.faces.landmarker import get_landmarker

    landmarker = get_landmarker()
    for pad in (0.0, 0.6):
        padded = rgb
        p = int(pad * max(rgb.shape[:2]))
        if p:
            padded = cv2.copyMakeBorder(rgb, p, p, p, p, cv2.BORDER_REPLICATE)
        scale = max(1.0, MIN_DETECT_PX / max(padded.shape[:2]))
        if scale > 1.0:
            padded = cv2.resize(padded, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        found = landmarker.detect(padded)
        if found:
            best = max(found, key=lambda f: float(np.ptp(f.landmarks[:, 0])))
            marks = best.landmarks.copy()
            marks[:, :2] = marks[:, :2] / scale - p
            marks[:, 2] /= scale
            return Face(frame_index=0, landmarks=marks)
    return None
