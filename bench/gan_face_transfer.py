"""Does a GAN-face detector trained on the training set's StyleGAN faces carry over to other generators?

Why this bench exists: ``train/fake`` holds 580 real StyleGAN faces (StyleGAN1 and StyleGAN2 generators
of one author, seeprettyface), and the shipped GAN evidence (``spectrum``, ``gan_fingerprint``) reads
fine up-sampling traces that JPEG q75 and a 0.5x resize erase. A CNN trained on those faces, on aligned
face crops shrunk to 64 px and with JPEG, rescaling and blur applied to both classes, would be robust to
re-encoding by construction. This bench measures whether it also generalises, which decides whether
such a model should ship.

What it does, twice (train on StyleGAN1 and test on StyleGAN2, then the reverse): trains
:class:`unmask.models.network.FaceBlendNet` on the aligned crops of ``unmask train face-blend`` (real:
``train/real`` without the grey 64 px LFW crops, 90 % by path hash; fake: one StyleGAN family), then
prints the AUC of the other family against the held-out reals, as they are, after JPEG q75 and after a
0.5x resize of the crop. ``--check DIR`` (repeatable) prints, per folder of *real* faces never trained
on, the share the model calls generated (probability > 0.5), per clip when files are named
``<clip>_<frame>.png`` (the lab's swap-bench reals are LivePortrait frames). ``--dev DIR`` adds the AUC
of ``DIR/images/gan`` against ``DIR/images/real``: a veto look at the dev set, never used to train.

    .venv/bin/python bench/gan_face_transfer.py --data ../shared/data/train \\
        [--check ../lab-out/swap-bench/real] [--dev ../shared/data] [--steps 600]

About 2 minutes per direction on 2 cores (face crops are cached after the first run).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reencode import CROP_REENCODINGS, Transform

from unmask.models.faceset import FaceSet, holdout_mask, load_faceset
from unmask.models.loop import budgeted_steps, optimise
from unmask.models.network import FaceBlendNet, normalise
from unmask.models.synthesis import rescaled
from unmask.models.train import roc_auc
from unmask.models.upsampling import jpeg

SIDE = 64
"""Crops are shrunk to this before the model sees them: generator traces go, face content stays."""
CACHE = Path.home() / ".cache" / "unmask" / "face_blend"


def augment(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same random degradations for real and fake, so none of them separates the classes."""
    out = np.ascontiguousarray(pixels[:, ::-1]) if rng.random() < 0.5 else pixels
    if rng.random() < 0.5:
        out = rescaled(out, rng.uniform(0.35, 1.0))
    if rng.random() < 0.15:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.2))
    if rng.random() < 0.6:
        out = jpeg(out, int(rng.integers(40, 96)))
    shifted = out.astype(np.float32) * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
    if rng.random() < 0.1:
        shifted = np.repeat(shifted.mean(axis=2, keepdims=True), 3, axis=2)
    return np.clip(shifted, 0, 255).astype(np.uint8)


def model_input(crops: list[np.ndarray]) -> torch.Tensor:
    small = [cv2.resize(np.ascontiguousarray(c), (SIDE, SIDE), interpolation=cv2.INTER_AREA) for c in crops]
    return normalise(torch.from_numpy(np.stack(small)))


def train(real: FaceSet, real_rows: np.ndarray, fake: FaceSet, fake_rows: np.ndarray, steps: int) -> FaceBlendNet:
    """Balanced batches of 32 + 32 augmented crops, AdamW with the detectors' cosine learning rate."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = FaceBlendNet()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    labels = torch.cat([torch.zeros(32), torch.ones(32)])
    for _ in budgeted_steps(optimiser, 2e-3, steps, minutes=60.0, start=time.monotonic()):
        crops = [augment(real.crops[i], rng) for i in rng.choice(real_rows, 32)]
        crops += [augment(fake.crops[i], rng) for i in rng.choice(fake_rows, 32)]
        optimise(model, loss_fn, optimiser, model_input(crops), labels)
    model.eval()
    return model


@torch.no_grad()
def scores(model: FaceBlendNet, crops: np.ndarray, transform: Transform = lambda c: c) -> np.ndarray:
    out = [
        torch.sigmoid(model(model_input([transform(c) for c in crops[i : i + 256]]))) for i in range(0, len(crops), 256)
    ]
    return torch.cat(out).numpy()


def separation(model: FaceBlendNet, reals: np.ndarray, fakes: np.ndarray, transform: Transform) -> float:
    r, f = scores(model, reals, transform), scores(model, fakes, transform)
    return roc_auc(np.concatenate([r, f]), np.r_[np.zeros(len(r)), np.ones(len(f))])


def flagged_by_clip(model: FaceBlendNet, faces: FaceSet) -> dict[str, str]:
    """Share of faces called generated, per clip (the file name before its last ``_``)."""
    by_clip: dict[str, list[float]] = defaultdict(list)
    for path, value in zip(faces.paths, scores(model, faces.crops), strict=True):
        stem = Path(path).stem
        by_clip[stem.rsplit("_", 1)[0] if "_" in stem else "."].append(float(value))
    return {clip: f"{np.mean(np.array(v) > 0.5):.2f} of {len(v)}" for clip, v in sorted(by_clip.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the training folder (train/)")
    parser.add_argument("--check", type=Path, action="append", default=[], help="a folder of real faces")
    parser.add_argument("--dev", type=Path, help="the dev set's root (images/gan, images/real)")
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    torch.set_num_threads(2)
    real = load_faceset(args.data / "real", CACHE)
    real = real.subset(np.flatnonzero([not p.startswith("lfw_smiles64_gray") for p in real.paths]))
    fake = load_faceset(args.data / "fake", CACHE)
    held = holdout_mask(real.paths)
    family2 = np.array(["stylegan2" in p for p in fake.paths])
    checks = {folder: load_faceset(folder, CACHE) for folder in args.check}
    dev = {part: load_faceset(args.dev / "images" / part, CACHE) for part in ("real", "gan")} if args.dev else {}
    for name, trained, tested in (
        ("StyleGAN1 -> StyleGAN2", ~family2, family2),
        ("StyleGAN2 -> StyleGAN1", family2, ~family2),
    ):
        start = time.monotonic()
        model = train(real, np.flatnonzero(~held), fake, np.flatnonzero(trained), args.steps)
        reals, fakes = real.crops[held], fake.crops[tested]
        aucs = ", ".join(f"{t} {separation(model, reals, fakes, f):.3f}" for t, f in CROP_REENCODINGS.items())
        print(
            f"{name}: {int(trained.sum())} fakes trained on, {len(fakes)} tested against {len(reals)} held-out reals: "
            f"AUC {aucs} ({time.monotonic() - start:.0f} s)"
        )
        for folder, faces in checks.items():
            print(f"  real faces called generated, {folder}: {flagged_by_clip(model, faces)}")
        if dev:
            dev_aucs = ", ".join(
                f"{t} {separation(model, dev['real'].crops, dev['gan'].crops, f):.3f}"
                for t, f in CROP_REENCODINGS.items()
            )
            print(f"  dev images/gan ({len(dev['gan'])}) vs images/real ({len(dev['real'])}): AUC {dev_aucs}")


if __name__ == "__main__":
    main()
