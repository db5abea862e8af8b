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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reencode import CROP_REENCODINGS, Transform

from unmask.models.faceset import FaceSet, holdout_mask, load_faceset
from unmask.models.runtime import FACE_BLEND, ShippedModel, face_blend_probabilities
from unmask.models.synthesis import self_blend
from unmask.models.train import roc_auc

CACHE = Path.home() / ".cache" / "unmask" / "face_blend"
PARTS = ("left eye", "right eye", "nose", "mouth")
"""What the four digits at the end of a CIPLAB splice's file name say was pasted, in order."""


def probabilities(crops: np.ndarray, model: ShippedModel, batch: int = 256) -> np.ndarray:
    chunks = [face_blend_probabilities(crops[i : i + batch], model) for i in range(0, len(crops), batch)]
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


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


def robustness(reals: FaceSet, labs: dict[str, tuple[FaceSet, FaceSet]], model: ShippedModel, seed: int = 5) -> None:
    held = reals.subset(np.flatnonzero(holdout_mask(reals.paths)))
    rng = np.random.default_rng(seed)
    blends = np.stack([self_blend(crop, marks, rng)[0] for crop, marks in zip(held.crops, held.landmarks, strict=True)])
    print(f"robustness ({len(held)} held-out real faces, self-blends drawn with seed {seed}):")
    for name, transform in CROP_REENCODINGS.items():

        def score(crops: np.ndarray, t: Transform = transform) -> np.ndarray:
            return probabilities(np.stack([t(c) for c in crops]), model)

        real = score(held.crops)
        text = f"  {name:<14} self-blends AUC {_auc(real, score(blends)):.3f}"
        for lab_name, (lab_real, lab_fake) in labs.items():
            text += f", lab {lab_name} {_auc(score(lab_real.crops), score(lab_fake.crops)):.3f}"
        print(f"{text}; real faces above 0.5: {np.mean(real > 0.5):.1%}")


def _auc(real: np.ndarray, fake: np.ndarray) -> float:
    return roc_auc(np.concatenate([real, fake]), np.r_[np.zeros(len(real)), np.ones(len(fake))])


def lab_swaps(name: str, faces: tuple[FaceSet, FaceSet], model: ShippedModel) -> None:
    real, fake = (probabilities(f.crops, model) for f in faces)
    print(f"lab {name}:")
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
    labs = {f.name: (load_faceset(f / "real", CACHE), load_faceset(f / "fake", CACHE)) for f in args.lab}
    for name, faces in labs.items():
        lab_swaps(name, faces, model)
    robustness(reals, labs, model)


if __name__ == "__main__":
    main()
