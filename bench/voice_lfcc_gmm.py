"""The ASVspoof 2019 LA baseline, LFCC-GMM, as a reference for the voice CNN: same training clips, same
dev set, same transforms.

Front end as in the challenge baseline (Todisco et al. 2019): 20 linear-frequency cepstral coefficients
with deltas and double deltas (60 dims, 20 ms windows, 512-point FFT;
:func:`unmask.models.voice_features.lfcc`). Back end: one diagonal-covariance GMM for bonafide frames and
one for spoof frames, fitted by EM in numpy (the challenge used 512 components trained on 25 k
utterances; this uses fewer, see ``--components``, for 2 CPU cores and ~1,100 clips); a clip's score is
its mean frame log-likelihood ratio, spoof minus bonafide. The published EER on ASVspoof 2019 LA eval is
8.09 %; on this dev set it meets unseen systems, recorded elsewhere.

    .venv/bin/python bench/voice_lfcc_gmm.py [--train ../shared/data/train_audio] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from voice_eval import AUDIO_TRANSFORMS, evaluate

from unmask.models.voice_data import load_labelled
from unmask.models.voice_features import lfcc


class DiagonalGmm:
    """A Gaussian mixture with diagonal covariances, fitted by EM (k-means++-style seeding)."""

    def __init__(self, components: int, iterations: int = 30, seed: int = 0) -> None:
        self.k, self.iterations, self.rng = components, iterations, np.random.default_rng(seed)

    def fit(self, x: np.ndarray) -> DiagonalGmm:
        n, _ = x.shape
        self.means = x[self.rng.choice(n, self.k, replace=False)].astype(np.float64)
        self.vars = np.tile(x.var(axis=0) + 1e-3, (self.k, 1))
        self.log_w = np.full(self.k, -np.log(self.k))
        for _ in range(self.iterations):
            resp = np.exp(self._joint(x) - logsumexp(self._joint(x), axis=1, keepdims=True))
            counts = resp.sum(axis=0) + 1e-6
            self.log_w = np.log(counts / n)
            self.means = (resp.T @ x) / counts[:, None]
            self.vars = np.maximum((resp.T @ (x * x)) / counts[:, None] - self.means**2, 1e-3)
        return self

    def _joint(self, x: np.ndarray) -> np.ndarray:
        """log w_k + log N(x | mean_k, var_k) for every frame and component (frames x k)."""
        precision = 1.0 / self.vars
        quad = (x * x) @ precision.T - 2 * x @ (self.means * precision).T + np.sum(self.means**2 * precision, axis=1)
        log_det = np.sum(np.log(self.vars), axis=1)
        return self.log_w - 0.5 * (quad + log_det + x.shape[1] * np.log(2 * np.pi))

    def score_frames(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(logsumexp(self._joint(x), axis=1))


def frames(clips: list[np.ndarray], limit: int, rng: np.random.Generator) -> np.ndarray:
    stacked = np.vstack([lfcc(c) for c in clips])
    return stacked[rng.choice(len(stacked), min(limit, len(stacked)), replace=False)].astype(np.float64)


def main() -> None:
    root = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=root / "train_audio")
    parser.add_argument("--data", type=Path, default=root)
    parser.add_argument("--components", type=int, default=64)
    parser.add_argument("--frames", type=int, default=120_000, help="Training frames per class (sampled).")
    parser.add_argument("--transforms", default=",".join(AUDIO_TRANSFORMS))
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    clips = load_labelled(args.train, rng, cap=10_000, log=lambda line: print(line, file=sys.stderr))
    labels = np.array(clips.labels)
    real = frames([c for c, y in zip(clips.samples, labels, strict=True) if y == 0], args.frames, rng)
    fake = frames([c for c, y in zip(clips.samples, labels, strict=True) if y == 1], args.frames, rng)
    bona = DiagonalGmm(args.components).fit(real)
    spoof = DiagonalGmm(args.components).fit(fake)
    print(f"LFCC-GMM: {args.components} components per class, {len(real)} + {len(fake)} frames from "
          f"{int((labels == 0).sum())} real + {int((labels == 1).sum())} fake clips of {args.train}, "
          f"fitted in {time.perf_counter() - start:.0f} s")  # fmt: skip

    def score(samples: np.ndarray) -> float | None:
        x = lfcc(samples).astype(np.float64)
        return float(np.mean(spoof.score_frames(x) - bona.score_frames(x))) if len(x) else None

    evaluate(args.data, [t for t in args.transforms.split(",") if t], score, "LFCC-GMM baseline")


if __name__ == "__main__":
    main()
