"""Make a benchmark: load benchmark faces, train the mechanism, write labelled, signed real/fake pictures.

``swap-bench``: the shared-encoder / per-identity-decoder autoencoder is trained on two or more
identities; each target frame of identity A gets B's face (A's pose and expression) pasted back in,
and is written beside the untouched frame, with the mask of the replaced pixels. With ``clips``, stretches
of each identity's video are also written as clip pairs, swapped frame by frame (:mod:`unmask.lab.clips`).

``gan-bench``: a DCGAN and a single-decoder autoencoder are trained on face crops; GAN samples and
autoencoder reconstructions are written beside held-out real crops, all scaled to the same size the
same way, so the classes differ only in the mechanism.

Both are reproducible from ``seed`` (same faces, same initialisation, same batches), write their
training curves as ``training_curves.png`` and a ``lab.json`` summary, and sign every picture
(:mod:`unmask.lab.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from unmask.lab.clips import read_clips, swap_clip
from unmask.lab.gan import GanConfig, reconstruct, sample_faces, train_gan
from unmask.lab.identities import (
    VIDEO_SUFFIXES,
    FaceSample,
    Identity,
    LabError,
    find_identities,
    largest_identities,
    load_faces,
)
from unmask.lab.outputs import LabFile, LabWriter, plot_curves, write_summary
from unmask.lab.paste import paste_face
from unmask.lab.swap import History, OnStep, SwapModel, TrainConfig, swap_faces, train_swap

Say = Callable[[str], None]
"""Where progress lines go (the CLI prints them to stderr)."""


def _quiet(_: str) -> None:
    return None


@dataclass
class SwapBenchConfig:
    identities: int = 2
    """How many identities to train on (the ones with the most material)."""
    faces: int = 80
    """Faces loaded per identity for training (frames spread over a clip, or pictures)."""
    targets: int = 10
    """Frames per identity that get another identity's face: each makes one real/fake pair."""
    size: int = 64
    train: TrainConfig = field(default_factory=TrainConfig)
    clips: int = 0
    """Clip pairs per video identity: a stretch of the video and the same stretch swapped frame by frame."""
    clip_seconds: float = 2.0


@dataclass
class GanBenchConfig:
    faces: int = 400
    """Real face crops loaded (the last ``samples`` are held out as the bench's reals)."""
    samples: int = 40
    """Pictures of each kind written: GAN samples, autoencoder reconstructions, real crops."""
    out_size: int = 128
    gan: GanConfig = field(default_factory=GanConfig)
    autoencoder: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class BenchResult:
    out_dir: Path
    manifest: Path
    curves: Path
    files: list[LabFile]
    histories: list[tuple[str, History]]


def _seed_all(seed: int) -> np.random.Generator:
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def _finish(writer: LabWriter, command: str, config: object, histories: list[tuple[str, History]]) -> BenchResult:
    """The training curves, ``manifest.csv`` and ``lab.json`` of a bench whose files are all written."""
    curves = plot_curves(histories, writer.out_dir / "training_curves.png", f"unmask lab {command}")
    manifest = writer.write_manifest()
    write_summary(writer.out_dir, command, config, histories, writer.rows)
    return BenchResult(writer.out_dir, manifest, curves, writer.rows, histories)


def _load_identities(
    folder: Path, config: SwapBenchConfig, rng: np.random.Generator, say: Say
) -> dict[str, list[FaceSample]]:
    chosen = largest_identities(find_identities(folder), max(config.identities, 2) * 2)
    faces: dict[str, list[FaceSample]] = {}
    for identity in chosen:
        found = load_faces(identity, config.faces + config.targets, config.size, rng, on_skip=say)
        say(f"{identity.name}: {len(found)} faces")
        if len(found) >= config.targets + 2:
            faces[identity.name] = found
        if len(faces) == config.identities:
            break
    if len(faces) < 2:
        raise LabError(f"{folder}: a swap needs two identities with at least {config.targets + 2} faces each")
    return faces


def _targets(samples: list[FaceSample], count: int) -> list[FaceSample]:
    """``count`` samples spread evenly over the identity's material."""
    picks = np.linspace(0, len(samples) - 1, count).round().astype(int)
    return [samples[i] for i in sorted(set(picks.tolist()))]


def make_swap_bench(
    identities_dir: Path,
    out_dir: Path,
    config: SwapBenchConfig,
    *,
    keys_directory: Path | None = None,
    ledger: str | None = None,
    say: Say = _quiet,
    on_step: OnStep | None = None,
) -> BenchResult:
    """Train the swap autoencoder on benchmark identities and write real/fake frame pairs with masks."""
    rng = _seed_all(config.train.seed)
    faces = _load_identities(Path(identities_dir), config, rng, say)
    model, history = train_swap({n: [s.crop for s in f] for n, f in faces.items()}, config.train, on_step)
    say(f"trained {history.steps} steps in {history.seconds:.0f} s")
    names = sorted(faces)
    with LabWriter(out_dir, keys_directory=keys_directory, ledger=ledger) as writer:
        for position, name in enumerate(names):
            donor = names[(position + 1) % len(names)]
            targets = _targets(faces[name], config.targets)
            swapped = swap_faces(model, [t.crop for t in targets], donor)
            for i, (target, face) in enumerate(zip(targets, swapped, strict=True)):
                _write_pair(writer, target, face, donor, i)
            if config.clips:
                _write_clip_pairs(writer, model, faces[name][0], donor, config, say)
    return _finish(writer, "swap-bench", config, [("swap autoencoder", history)])


def _write_clip_pairs(
    writer: LabWriter, model: SwapModel, sample: FaceSample, donor: str, config: SwapBenchConfig, say: Say
) -> None:
    """``config.clips`` clip pairs of the identity ``sample`` comes from, if it is a video."""
    if sample.source.suffix.lower() not in VIDEO_SUFFIXES:
        return
    identity = Identity(sample.identity, (sample.source,))
    for i, clip in enumerate(read_clips(identity, config.clips, config.clip_seconds)):
        frames, swapped = swap_clip(model, clip, donor, config.size)
        say(f"{clip.identity} clip {i}: {swapped} of {len(frames)} frames swapped")
        real = f"real/{clip.identity}_clip{i:02d}.mp4"
        fake = f"fake/faceswap/{clip.identity}_as_{donor}_clip{i:02d}.mp4"
        writer.write_clip_pair(clip.frames, frames, clip, real, fake, kind="lab_faceswap", origin="swap")


def _write_pair(writer: LabWriter, target: FaceSample, face: np.ndarray, donor: str, i: int) -> None:
    pasted = paste_face(target.frame, target.face, target.matrix, face)
    video = target.source.suffix.lower() in VIDEO_SUFFIXES
    source = f"{target.source.name}#frame={target.frame_index}" if video else target.source.name
    real = f"real/{target.identity}_{i:03d}.png"
    fake = f"fake/faceswap/{target.identity}_as_{donor}_{i:03d}.png"
    writer.write_pair(
        target.frame,
        pasted.image,
        real,
        fake,
        kind="lab_faceswap",
        origin="swap",
        identity=target.identity,
        source=source,
        mask=pasted.mask,
    )


def _upscale(crop: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC) if crop.shape[0] != size else crop


def make_gan_bench(
    faces_dir: Path,
    out_dir: Path,
    config: GanBenchConfig,
    *,
    keys_directory: Path | None = None,
    ledger: str | None = None,
    say: Say = _quiet,
    on_step: OnStep | None = None,
) -> BenchResult:
    """Train a DCGAN and a single-decoder autoencoder on benchmark face crops; write samples beside reals."""
    rng = _seed_all(config.gan.seed)
    pictures = [p for i in find_identities(Path(faces_dir)) if not i.is_video for p in i.sources]
    if not pictures:
        raise LabError(f"{faces_dir}: no face pictures to train on")
    pool = load_faces(Identity("faces", tuple(sorted(pictures))), config.faces, 64, rng, on_skip=say)
    if len(pool) < config.samples + 8:
        raise LabError(f"{faces_dir}: found {len(pool)} faces, need at least {config.samples + 8}")
    say(f"{len(pool)} faces")
    held_out, train = pool[-config.samples :], [s.crop for s in pool[: -config.samples]]
    netg, gan_history = train_gan(train, config.gan, on_step)
    say(f"DCGAN: {gan_history.steps} steps in {gan_history.seconds:.0f} s")
    autoencoder, ae_history = train_swap({"faces": train}, config.autoencoder, on_step)
    say(f"autoencoder: {ae_history.steps} steps in {ae_history.seconds:.0f} s")
    generated = sample_faces(netg, config.samples, config.gan.seed)
    rebuilt = reconstruct(autoencoder, [s.crop for s in held_out])
    size = config.out_size
    with LabWriter(out_dir, keys_directory=keys_directory, ledger=ledger) as writer:
        for i, (real, redrawn, sample) in enumerate(zip(held_out, rebuilt, generated, strict=True)):
            real_rel, ae_rel = f"real/face_{i:03d}.png", f"fake/autoencoder/face_{i:03d}.png"
            src, who = real.source.name, real.source.stem
            writer.write_pair(
                _upscale(real.crop, size),
                _upscale(redrawn, size),
                real_rel,
                ae_rel,
                kind="lab_autoencoder",
                origin="generated",
                identity=who,
                source=src,
            )
            writer.write(
                _upscale(sample, size), f"fake/gan/gan_{i:03d}.png", label="fake", kind="lab_gan", origin="generated"
            )
    return _finish(writer, "gan-bench", config, [("DCGAN", gan_history), ("autoencoder (pure decoder)", ae_history)])
