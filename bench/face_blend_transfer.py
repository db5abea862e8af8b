"""Face-blend detector on pastes it never trained on (Photoshop splices, the lab's swaps) and after re-encoding.

``face_blend`` trains on real faces and their self-blends only, so its validation AUC measures how well it
finds *self-blends*. This bench measures how that carries over to pastes made another way, all from the
training side (never the dev set):

* ``train/fake_manual``: 960 expert Photoshop splices (CIPLAB "real and fake face detection": eyes, nose
  and/or mouth pasted from other faces, easy / mid / hard), against the real faces the model held out
  (10 % by path hash), colour ones only (the splices are colour), and against the held-out faces of the
  same source (``ciplab_real160``);
* each ``--lab`` folder written by ``unmask lab swap-bench`` (``real/`` against ``fake/``);
* robustness: the held-out real faces against self-blends of them (one seeded draw) and the lab's swaps,
  as they are, after JPEG q75, and after shrinking the crop 0.5x and enlarging it back (what a face half
  the size in its picture looks like in the crop), with the share of real faces scored above 0.5.

Faces are found and cropped exactly as in training (cached in the training cache). ``--model`` scores
another exported ``face_blend.onnx`` (a training run's ``--out``) instead of the shipped one.

    .venv/bin/python bench/face_blend_transfer.py --data ../shared/data/train [--model DIR/face_blend.onnx] \
        [--lab ../lab-out/swap-bench]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import auc

from unmask.models.faceset import FaceSet, holdout_mask, load_faceset
from unmask.models.runtime import FACE_BLEND, ShippedModel, face_blend_probabilities
from unmask.models.synthesis import self_blend
from unmask.models.upsampling import jpeg

CACHE = Path.home() / ".cache" / "unmask" / "face_blend"
PARTS = ("left eye", "right eye", "nose", "mouth")
"""What the four digits at the end of a CIPLAB splice's file name say was pasted, in order."""


def probabilities(crops: np.ndarray, model: ShippedModel, batch: int = 256) -> np.ndarray:
    chunks = [face_blend_probabilities(crops[i : i + batch], model) for i in range(0, len(crops), batch)]
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def halved(crop: np.ndarray) -> np.ndarray:
    """The crop shrunk 0.5x (area averaging) and enlarged back (bilinear), as the crop of a face half the size."""
    h, w = crop.shape[:2]
    small = cv2.resize(crop, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "as is": lambda crop: crop,
    "JPEG q75": lambda crop: jpeg(crop, 75),
    "0.5x and back": halved,
}


def line(name: str, real: np.ndarray, fake: np.ndarray) -> str:
    counts = f"{len(fake):>4} fakes vs {len(real):>4} reals"
    return f"  {name:<28} {counts}  AUC {_auc(real, fake):.3f}  median fake {np.median(fake):.3f}"


def splices(data: Path, reals: FaceSet, model: ShippedModel) -> None:
    held = holdout_mask(reals.paths)
    real_scores = probabilities(reals.crops[held], model)
    folders = np.array([p.split("/", 1)[0] for p in reals.paths])[held]
    colour = real_scores[folders != "lfw_smiles64_gray"]
    same_source = real_scores[folders == "ciplab_real160"]
    for folder in sorted(set(folders)):
        scores = real_scores[folders == folder]
        flagged = np.mean(scores > 0.5)
        print(f"held-out reals {folder}: {len(scores)}, median {np.median(scores):.3f}, above 0.5 {flagged:.1%}")
    fakes = load_faceset(data / "fake_manual", CACHE)
    fake_scores = probabilities(fakes.crops, model)
    names = [Path(p).stem.split("_") for p in fakes.paths]
    level = np.array([n[1] for n in names])
    parts = np.array([n[-1].count("1") for n in names])
    print(f"Photoshop face-part splices ({len(fakes)} faces found) against held-out colour reals:")
    print(line("all", colour, fake_scores))
    print(line("all, vs ciplab_real160 only", same_source, fake_scores))
    for name in ("easy", "mid", "hard"):
        print(line(name, colour, fake_scores[level == name]))
    for count in range(1, len(PARTS) + 1):
        print(line(f"{count} part(s) pasted", colour, fake_scores[parts == count]))


def robustness(reals: FaceSet, labs: list[Path], model: ShippedModel, seed: int = 5) -> None:
    held = reals.subset(np.flatnonzero(holdout_mask(reals.paths)))
    rng = np.random.default_rng(seed)
    blends = np.stack([self_blend(crop, marks, rng)[0] for crop, marks in zip(held.crops, held.landmarks, strict=True)])
    lab = [(load_faceset(f / "real", CACHE).crops, load_faceset(f / "fake", CACHE).crops) for f in labs]
    print(f"robustness ({len(held)} held-out real faces, self-blends drawn with seed {seed}):")
    for name, transform in TRANSFORMS.items():

        def score(crops: np.ndarray, t: Callable[[np.ndarray], np.ndarray] = transform) -> np.ndarray:
            return probabilities(np.stack([t(c) for c in crops]), model)

        real = score(held.crops)
        text = f"  {name:<14} self-blends AUC {_auc(real, score(blends)):.3f}"
        for folder, (lab_real, lab_fake) in zip(labs, lab, strict=True):
            text += f", lab {folder.name} {_auc(score(lab_real), score(lab_fake)):.3f}"
        print(f"{text}; real faces above 0.5: {np.mean(real > 0.5):.1%}")


def _auc(real: np.ndarray, fake: np.ndarray) -> float:
    value = auc([0] * len(real) + [1] * len(fake), [*real.tolist(), *fake.tolist()])
    return float("nan") if value is None else value


def lab_swaps(folder: Path, model: ShippedModel) -> None:
    real = probabilities(load_faceset(folder / "real", CACHE).crops, model)
    fake = probabilities(load_faceset(folder / "fake", CACHE).crops, model)
    print(f"lab {folder.name}:")
    print(line("swaps vs their real frames", real, fake))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "train")
    parser.add_argument("--model", type=Path, default=FACE_BLEND.path, help="an exported face_blend.onnx")
    parser.add_argument("--lab", type=Path, action="append", default=[], help="a `unmask lab swap-bench` folder")
    args = parser.parse_args()
    if not (args.data / "fake_manual").is_dir() or not (args.data / "real").is_dir():
        sys.exit(f"no real/ and fake_manual/ under {args.data}")
    model = ShippedModel(args.model.name, "unmask train face-blend", folder=args.model.parent)
    print(f"model {args.model}")
    reals = load_faceset(args.data / "real", CACHE)
    splices(args.data, reals, model)
    for folder in args.lab:
        lab_swaps(folder, model)
    robustness(reals, args.lab, model)


if __name__ == "__main__":
    main()
