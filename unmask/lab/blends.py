"""``blend-bench``: whole pictures of real faces self-blended on their own face, beside the untouched pictures.

Why: the fuser learns what a detector's score is worth from the training fakes, and before this bench no
training fake sat where real-world swaps sit on ``face_blend``. The lab's swaps are crude enough that it
scores them 1.0; GAN faces and expert splices score like the reals. Seven of the dev set's 13 face-swap
images score 0.05-0.5, above most real faces (median 0.04), and with nothing there to learn from, the fit
gave face_blend's push towards real a coefficient of 0 and lost their ranking. A self-blend (the same
:func:`unmask.models.synthesis.self_blend` face_blend trains on in crop space) applied to a whole picture
is a paste that detector finds only partly, and every other signal sees it as a scan sees any picture.

Only faces ``face_blend`` never trained on are used: its held-out tenth, chosen by
:func:`unmask.models.faceset.holdout_mask` on the paths relative to the folder (so pass the folder it
trained on, ``train/real``). Each pair is the picture and its blend, both written the same way (PNG of the
decoded pixels, watermarked and signed), so the two differ only in the blend. The fake declares
``compositeSynthetic``: a composite with a synthetic (algorithmically altered) element, not a model's
output. Nothing here changes who is in a picture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from unmask.lab.identities import LabError, read_picture
from unmask.lab.outputs import LabWriter, write_summary
from unmask.models.faceset import holdout_mask, image_files, largest_face
from unmask.models.synthesis import self_blend

Say = Callable[[str], None]
MIN_MASK = 0.2
"""A blend whose strongest mask value is below this barely changed the picture: drawn again."""


@dataclass
class BlendBenchConfig:
    count: int = 150
    """Real/fake pairs to write."""
    seed: int = 0


@dataclass(frozen=True)
class BlendBench:
    out_dir: Path
    manifest: Path
    grid: Path
    pairs: int
    skipped: int


def held_out_pictures(folder: Path) -> list[Path]:
    """The pictures under ``folder`` that face_blend held out of its training (see the module docstring);
    a one-line :class:`LabError` when there are none, since every bench drawing from them needs some."""
    files = image_files(folder)
    relative = [str(p.relative_to(folder)) for p in files]
    held_out = [path for path, held in zip(files, holdout_mask(relative), strict=True) if held]
    if not held_out:
        raise LabError(f"{folder}: no held-out face pictures (the folder has no pictures)")
    return held_out


def blended_pair(path: Path, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(picture, its self-blend, the blend mask as uint8) or ``None`` when no face is found or the picture
    cannot be read (corrupt, or a decompression bomb)."""
    try:
        rgb = read_picture(path)
    except LabError:
        return None
    face = largest_face(rgb)
    if face is None:
        return None
    fake, mask = self_blend(rgb, face.landmarks, rng)
    if mask.max() < MIN_MASK:
        fake, mask = self_blend(rgb, face.landmarks, rng)
    return rgb, fake, (mask * 255).round().astype(np.uint8)


def make_blend_bench(
    faces_dir: Path,
    out_dir: Path,
    config: BlendBenchConfig,
    *,
    keys_directory: Path | None = None,
    ledger: str | None = None,
    say: Say = lambda _: None,
    on_pair: Callable[[int, int], None] | None = None,
) -> BlendBench:
    """Write ``config.count`` signed real/self-blend pairs from face_blend's held-out pictures (seeded draw);
    ``on_pair(done, total)`` after each pair (progress bars)."""
    candidates = held_out_pictures(Path(faces_dir))
    rng = np.random.default_rng(config.seed)
    shown: list[tuple[np.ndarray, np.ndarray]] = []
    skipped = 0
    with LabWriter(out_dir, keys_directory=keys_directory, ledger=ledger) as writer:
        for index in rng.permutation(len(candidates)):
            if len(shown) == config.count:
                break
            source = candidates[int(index)]
            pair = blended_pair(source, rng)
            if pair is None:
                skipped += 1
                say(f"{source}: unreadable or no face found, skipped")
                continue
            real, fake, mask = pair
            name = f"{len(shown):04d}_{source.stem}.png"
            real_rel, fake_rel = f"real/{name}", f"fake/selfblend/{name}"
            who, origin = source.stem, str(source.relative_to(faces_dir))
            writer.write_pair(
                real,
                fake,
                real_rel,
                fake_rel,
                kind="lab_selfblend",
                origin="blend",
                identity=who,
                source=origin,
                mask=mask,
            )
            shown.append((real, fake))
            if on_pair is not None:
                on_pair(len(shown), config.count)
        if not shown:
            raise LabError(f"{faces_dir}: no face found in any of its {len(candidates)} held-out pictures")
        manifest = writer.write_manifest()
        write_summary(writer.out_dir, "blend-bench", config, [], writer.rows)
    grid = check_grid(shown[:8], writer.out_dir / "check_grid.png")
    return BlendBench(writer.out_dir, manifest, grid, len(shown), skipped)


def check_grid(pairs: list[tuple[np.ndarray, np.ndarray]], path: Path, size: int = 128) -> Path:
    """A PNG for a person to check the blends: pictures, their blends, and the difference x4, one column a pair."""
    columns = []
    for real, fake in pairs:
        difference = (np.abs(real.astype(int) - fake.astype(int)) * 4).clip(0, 255).astype(np.uint8)
        tiles = [np.asarray(Image.fromarray(p).resize((size, size))) for p in (real, fake, difference)]
        columns.append(np.vstack(tiles))
    Image.fromarray(np.hstack(columns)).save(path)
    return path
