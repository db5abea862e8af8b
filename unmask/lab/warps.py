"""``warp-bench``: the graphics face swap. Each picture gets another held-out picture's face, warped onto its
landmarks, beside the untouched picture.

Why a second swap mechanism: the lab's autoencoder swaps are 64 px decoder drawings, crude enough that
face_blend scores them 1.0, so they measure little. Real-world swaps paste a *photographic* face at the
frame's own resolution, and there every image signal (face_blend, noise, error level, spectrum, blend
seams) behaves differently. FaceForensics++'s FaceSwap method is such a swap made without any learning:
fit the target's landmarks, warp the donor's face onto them, correct colour and blend. This is its 2-D form:

1. donor: of a few seeded candidates, the picture whose head pose (the nose's offset within the face
   outline) is nearest the target's, so the warp does not have to invent a hidden cheek;
2. piecewise-affine warp: the target's 468 face-mesh points are Delaunay-triangulated and each triangle
   of the donor's face is mapped affinely onto the target's;
3. colour correction and blending as :mod:`unmask.lab.paste` does for swap-bench: Reinhard transfer inside
   the outline, then Poisson cloning or a feathered alpha mask, drawn at random, with the outline pulled
   in by a random 80-95 % (the blending-boundary variety real tools show).

Like blend-bench, only pictures ``face_blend`` never trained on are used (its held-out tenth of the folder,
so pass ``train/real``), both halves are scaled to the lab's 256 px and written the same way (PNG,
watermarked, C2PA-signed as ``compositeSynthetic``, in the ledger), and the mask of replaced pixels is
written beside each fake. Nobody chooses who goes where: targets and donors are drawn by the seed from the
benchmark folder's pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.spatial import Delaunay

from unmask.faces import regions
from unmask.faces.types import Face
from unmask.lab.blends import check_grid, held_out_pictures
from unmask.lab.identities import LabError, read_picture, scaled
from unmask.lab.outputs import LabWriter, write_summary
from unmask.lab.paste import Pasted, blend_in
from unmask.models.faceset import largest_face

Say = Callable[[str], None]
MESH_POINTS = 468
"""The face mesh without the iris points: those sit inside the eye triangles and only make slivers."""
MIN_FACE_PX = 48.0
"""A face narrower than this in the 256 px frame gives too few pixels per mesh triangle to warp."""
DONOR_CHOICES = 8
"""Random candidates a donor is picked from by pose: enough to match the pose, few enough to keep variety."""
SHRINK = (0.80, 0.95)
FEATHER = (3, 8)


@dataclass
class WarpBenchConfig:
    count: int = 150
    """Real/fake pairs to write."""
    seed: int = 0


@dataclass(frozen=True)
class Portrait:
    """A held-out picture at the lab's resolution and its largest face."""

    path: Path
    rgb: np.ndarray
    face: Face


@dataclass(frozen=True)
class WarpBench:
    out_dir: Path
    manifest: Path
    grid: Path
    pairs: int
    skipped: int


def load_portrait(path: Path) -> Portrait | str:
    """The picture scaled to the lab's size with its largest face, or the one-line reason it cannot be used."""
    try:
        rgb = scaled(read_picture(path))
    except LabError as error:
        return str(error)
    face = largest_face(rgb)
    if face is None:
        return f"{path}: no face found"
    if np.ptp(face.landmarks[:, 0]) < MIN_FACE_PX:
        return f"{path}: face narrower than {MIN_FACE_PX:.0f} px"
    return Portrait(path, rgb, face)


def head_pose(face: Face) -> np.ndarray:
    """(yaw, pitch) proxies: the nose tip's offset from the face outline's centre, in outline widths/heights."""
    outline = face.points(regions.FACE_OVAL)
    centre, extent = outline.mean(axis=0), np.ptp(outline, axis=0) + 1e-6
    return np.asarray((face.points((regions.NOSE_TIP,))[0] - centre) / extent)


def pick_donor(target: int, pool: list[Portrait], rng: np.random.Generator) -> Portrait:
    """Of ``DONOR_CHOICES`` random other portraits, the one whose head pose is nearest the target's."""
    others = [i for i in range(len(pool)) if i != target]
    draws = rng.choice(others, size=min(DONOR_CHOICES, len(others)), replace=False)
    aim = head_pose(pool[target].face)
    return pool[int(min(draws, key=lambda i: float(np.linalg.norm(head_pose(pool[int(i)].face) - aim))))]


def warp_mesh(donor: Portrait, target: Portrait) -> tuple[np.ndarray, np.ndarray]:
    """The donor's face carried onto the target's landmarks triangle by triangle: (picture, coverage 0/255)."""
    source = donor.face.landmarks[:MESH_POINTS, :2].astype(np.float32)
    destination = target.face.landmarks[:MESH_POINTS, :2].astype(np.float32)
    height, width = target.rgb.shape[:2]
    warped = np.zeros_like(target.rgb)
    covered = np.zeros((height, width), np.uint8)
    for triangle in Delaunay(destination).simplices:
        _warp_triangle(donor.rgb, source[triangle], destination[triangle], warped, covered)
    return warped, covered


def _warp_triangle(
    picture: np.ndarray, source: np.ndarray, destination: np.ndarray, warped: np.ndarray, covered: np.ndarray
) -> None:
    """Map one triangle of ``picture`` onto ``destination`` in ``warped``, where nothing is drawn yet."""
    x, y, w, h = cv2.boundingRect(destination)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, warped.shape[1]), min(y + h, warped.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    offset = np.array([x0, y0], np.float32)
    matrix = cv2.getAffineTransform(source, destination - offset)
    patch = cv2.warpAffine(picture, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(inside, np.round(destination - offset).astype(np.int32), 255)
    free = (inside > 0) & (covered[y0:y1, x0:x1] == 0)
    warped[y0:y1, x0:x1][free] = patch[free]
    covered[y0:y1, x0:x1][free] = 255


@dataclass(frozen=True)
class Blending:
    """How a swap is blended in: the outline pulled in to ``shrink``; ``feather`` 0 is Poisson cloning."""

    shrink: float
    feather: int


def draw_blending(rng: np.random.Generator) -> Blending:
    """A random outline (80-95 %) and, half the time, a feathered mask instead of Poisson cloning."""
    shrink = float(rng.uniform(*SHRINK))
    feather = int(rng.integers(FEATHER[0], FEATHER[1] + 1)) if rng.random() < 0.5 else 0
    return Blending(shrink, feather)


def warp_swap(target: Portrait, donor: Portrait, blending: Blending) -> Pasted:
    """The target picture with the donor's face warped onto it and blended in."""
    warped, covered = warp_mesh(donor, target)
    return blend_in(target.rgb, target.face, warped, covered, shrink=blending.shrink, feather=blending.feather)


def load_pool(faces_dir: Path, count: int, rng: np.random.Generator, say: Say) -> tuple[list[Portrait], int]:
    """Up to ``count`` usable held-out portraits in a seeded order, and how many pictures were skipped."""
    candidates = held_out_pictures(faces_dir)
    pool: list[Portrait] = []
    skipped = 0
    for index in rng.permutation(len(candidates)):
        if len(pool) == count:
            break
        loaded = load_portrait(candidates[int(index)])
        if isinstance(loaded, str):
            skipped += 1
            say(f"{loaded}, skipped")
        else:
            pool.append(loaded)
    if len(pool) < 2:
        raise LabError(f"{faces_dir}: a warp swap needs two usable held-out faces, found {len(pool)}")
    return pool, skipped


def make_warp_bench(
    faces_dir: Path,
    out_dir: Path,
    config: WarpBenchConfig,
    *,
    keys_directory: Path | None = None,
    ledger: str | None = None,
    say: Say = lambda _: None,
    on_pair: Callable[[int, int], None] | None = None,
) -> WarpBench:
    """Write ``config.count`` signed real/warp-swap pairs from face_blend's held-out pictures (seeded draw);
    ``on_pair(done, total)`` after each pair (progress bars)."""
    faces_dir = Path(faces_dir)
    rng = np.random.default_rng(config.seed)
    pool, skipped = load_pool(faces_dir, config.count, rng, say)
    shown: list[tuple[np.ndarray, np.ndarray]] = []
    with LabWriter(out_dir, keys_directory=keys_directory, ledger=ledger) as writer:
        for index, target in enumerate(pool):
            donor = pick_donor(index, pool, rng)
            pasted = warp_swap(target, donor, draw_blending(rng))
            _write_pair(writer, index, target, donor, pasted)
            shown.append((target.rgb, pasted.image))
            if on_pair is not None:
                on_pair(index + 1, len(pool))
        manifest = writer.write_manifest()
        write_summary(writer.out_dir, "warp-bench", config, [], writer.rows)
    grid = check_grid(shown[:8], writer.out_dir / "check_grid.png")
    return WarpBench(writer.out_dir, manifest, grid, len(shown), skipped)


def _write_pair(writer: LabWriter, index: int, target: Portrait, donor: Portrait, pasted: Pasted) -> None:
    real_rel = f"real/{index:04d}_{target.path.stem}.png"
    fake_rel = f"fake/warpswap/{index:04d}_{target.path.stem}_as_{donor.path.stem}.png"
    source = target.path.name
    writer.write_pair(
        target.rgb,
        pasted.image,
        real_rel,
        fake_rel,
        kind="lab_warpswap",
        origin="blend",
        identity=target.path.stem,
        source=source,
        fake_source=f"{source} with the face of {donor.path.name}",
        mask=pasted.mask,
    )
