"""``unmask lab`` swap-bench, gan-bench, blend-bench, warp-bench and warp-clips: labelled, signed benchmark fakes.

All take a *folder* of benchmark faces (the training data, e.g. ``../shared/data/train/videos_real``),
never a single photo or video: there is deliberately no way to swap a face in a file a user names.
Every picture written is watermarked, C2PA-signed (with the development identity ``unmask keys init``
makes; it is created if missing) and registered in the ledger. Exit codes: 0 done; 1 the lab could not
run on the folder (one line says why); 2 usage errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from unmask.errors import UnmaskError

if TYPE_CHECKING:
    from unmask.lab.make import BenchResult

EXIT_FAILED = 1
TINY_STEPS = 30
"""``--tiny``: a few steps and faces, for tests and smoke runs (seconds, not minutes)."""
Bench = TypeVar("Bench")


def _input_folder(flag: str, dest: str, text: str) -> Callable[[click.decorators.FC], click.decorators.FC]:
    """The bench's input: always an existing *folder* (never a file: no user's photo can be a swap source)."""
    return click.option(
        flag, dest, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help=text
    )


def _options(
    function: click.decorators.FC, options: list[Callable[[click.decorators.FC], click.decorators.FC]]
) -> click.decorators.FC:
    for option in reversed(options):
        function = option(function)
    return function


def _signed_output(function: click.decorators.FC) -> click.decorators.FC:
    """Where the bench goes, its seed, and the ledger and signing identity every file is registered with."""
    return _options(
        function,
        [
            click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)),
            click.option(
                "--seed", type=int, default=0, show_default=True, help="Same seed, same faces, weights and pixels."
            ),
            click.option("--ledger", default=None, help="Ledger database URL or path (default: the local ledger)."),
            click.option(
                "--keys",
                "keys_dir",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Signing identity folder (default: <data dir>/c2pa; made if missing).",
            ),
        ],
    )


def _common(function: click.decorators.FC) -> click.decorators.FC:
    """The signed-output options plus the training budget of the benches that train a model."""
    return _signed_output(
        _options(
            function,
            [
                click.option("--steps", type=click.IntRange(min=1), default=None, help="Training steps (per model)."),
                click.option("--minutes", type=float, default=5.0, show_default=True, help="Time cap per model."),
                click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True),
                click.option(
                    "--tiny", is_flag=True, help="Tiny configuration (tests, smoke runs): a few steps and faces."
                ),
            ],
        )
    )


@click.group("lab")
def lab_group() -> None:
    """Make labelled benchmark fakes from benchmark identities (watermarked, signed, registered)."""


@lab_group.command("swap-bench")
@_input_folder(
    "--identities",
    "identities_dir",
    "Folder of benchmark identities: one video each, one sub-folder of pictures each, or NAME_NNN pictures.",
)
@click.option("--count", type=click.IntRange(min=2), default=2, show_default=True, help="Identities to train on.")
@click.option("--faces", type=click.IntRange(min=4), default=80, show_default=True, help="Training faces per identity.")
@click.option(
    "--pairs", type=click.IntRange(min=0), default=10, show_default=True, help="Real/fake frame pairs per identity."
)
@click.option(
    "--clips",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Real/fake clip pairs (MP4, swapped frame by frame) per video identity.",
)
@click.option("--clip-seconds", type=click.FloatRange(min=0.2, max=10.0), default=2.0, show_default=True)
@click.option("--size", type=click.Choice(["64", "128"]), default="64", show_default=True, help="Face crop size (px).")
@_common
def swap_bench_command(
    identities_dir: Path,
    count: int,
    faces: int,
    pairs: int,
    clips: int,
    clip_seconds: float,
    size: str,
    out_dir: Path,
    seed: int,
    steps: int | None,
    minutes: float,
    threads: int,
    tiny: bool,
    ledger: str | None,
    keys_dir: Path | None,
) -> None:
    """Shared-encoder / per-identity-decoder face swaps pasted into the target frames, with masks; with
    --clips, also stretches of each identity's video swapped frame by frame, beside the untouched stretch."""
    from unmask.lab.make import SwapBenchConfig, make_swap_bench
    from unmask.lab.swap import TrainConfig

    train = TrainConfig(steps=steps or (TINY_STEPS if tiny else 2000), minutes=minutes, seed=seed)
    if pairs == 0 and clips == 0:
        raise click.UsageError("nothing to write: give --pairs or --clips above 0")
    config = SwapBenchConfig(
        count,
        min(faces, 8) if tiny else faces,
        min(pairs, 2) if tiny else pairs,
        int(size),
        train,
        min(clips, 1) if tiny else clips,
        min(clip_seconds, 0.5) if tiny else clip_seconds,
    )
    with _running(threads, "training the swap autoencoder") as on_step:
        result = make_swap_bench(
            identities_dir, out_dir, config, keys_directory=keys_dir, ledger=ledger, say=_say, on_step=on_step
        )
    _done(result)


@lab_group.command("gan-bench")
@_input_folder("--faces", "faces_dir", "Folder of benchmark face pictures (searched recursively).")
@click.option("--count", type=click.IntRange(min=16), default=400, show_default=True, help="Real faces to load.")
@click.option("--samples", type=click.IntRange(min=1), default=40, show_default=True, help="Pictures of each kind.")
@click.option("--out-size", type=click.IntRange(min=64, max=256), default=128, show_default=True)
@_common
def gan_bench_command(
    faces_dir: Path,
    count: int,
    samples: int,
    out_size: int,
    out_dir: Path,
    seed: int,
    steps: int | None,
    minutes: float,
    threads: int,
    tiny: bool,
    ledger: str | None,
    keys_dir: Path | None,
) -> None:
    """DCGAN faces and autoencoder reconstructions beside held-out real face crops."""
    from unmask.lab.gan import GanConfig
    from unmask.lab.make import GanBenchConfig, make_gan_bench
    from unmask.lab.swap import TrainConfig

    n = steps or (TINY_STEPS if tiny else 0)
    gan = GanConfig(seed=seed, minutes=minutes, **({"steps": n} if n else {}))
    autoencoder = TrainConfig(seed=seed, minutes=minutes, **({"steps": n} if n else {"steps": 1500}))
    if tiny:
        count, samples = min(count, 24), min(samples, 3)
    config = GanBenchConfig(count, samples, out_size, gan, replace(autoencoder, batch=16))
    with _running(threads, "training the DCGAN, then the autoencoder") as on_step:
        result = make_gan_bench(
            faces_dir, out_dir, config, keys_directory=keys_dir, ledger=ledger, say=_say, on_step=on_step
        )
    _done(result)


@lab_group.command("blend-bench")
@_input_folder(
    "--faces", "faces_dir", "The folder face_blend trained on (train/real): only the pictures it held out are used."
)
@click.option("--count", type=click.IntRange(min=1), default=150, show_default=True, help="Real/blend pairs.")
@_signed_output
def blend_bench_command(
    faces_dir: Path, count: int, out_dir: Path, seed: int, ledger: str | None, keys_dir: Path | None
) -> None:
    """Pictures of real faces blended with an altered copy of their own face, beside the untouched pictures:
    pastes the face-blend detector finds only partly, for the fuser to learn that range from."""
    from unmask.lab.blends import BlendBenchConfig, make_blend_bench

    bench = _untrained(
        "blending and signing", make_blend_bench, faces_dir, out_dir, BlendBenchConfig(count, seed), keys_dir, ledger
    )
    click.echo(
        f"{bench.out_dir}: {bench.pairs} real + {bench.pairs} blended pictures, all C2PA-signed and in the ledger "
        f"({bench.skipped} unreadable or faceless pictures skipped); labels in {bench.manifest.name}, "
        f"a check grid in {bench.grid.name}"
    )


@lab_group.command("warp-bench")
@_input_folder(
    "--faces", "faces_dir", "The folder face_blend trained on (train/real): only the pictures it held out are used."
)
@click.option("--count", type=click.IntRange(min=2), default=150, show_default=True, help="Real/swap pairs.")
@_signed_output
def warp_bench_command(
    faces_dir: Path, count: int, out_dir: Path, seed: int, ledger: str | None, keys_dir: Path | None
) -> None:
    """Pictures of real faces with another held-out picture's face warped onto their landmarks and blended in
    (the graphics face swap, no learning), beside the untouched pictures: swaps of photographic faces at the
    picture's own resolution, to measure detectors on."""
    from unmask.lab.warps import WarpBenchConfig, make_warp_bench

    bench = _untrained(
        "finding faces, warping and signing",
        make_warp_bench,
        faces_dir,
        out_dir,
        WarpBenchConfig(count, seed),
        keys_dir,
        ledger,
    )
    click.echo(
        f"{bench.out_dir}: {bench.pairs} real + {bench.pairs} warp-swapped pictures, all C2PA-signed and in the "
        f"ledger ({bench.skipped} unreadable, faceless or tiny-faced pictures skipped); labels in "
        f"{bench.manifest.name}, a check grid in {bench.grid.name}"
    )


@lab_group.command("warp-clips")
@_input_folder("--identities", "identities_dir", "Folder of benchmark videos (each video is one identity).")
@click.option("--count", type=click.IntRange(min=2), default=7, show_default=True, help="Videos taking part.")
@click.option("--clips", type=click.IntRange(min=1), default=4, show_default=True, help="Clip pairs per video.")
@click.option("--clip-seconds", type=click.FloatRange(min=0.2, max=10.0), default=2.0, show_default=True)
@_signed_output
def warp_clips_command(
    identities_dir: Path,
    count: int,
    clips: int,
    clip_seconds: float,
    out_dir: Path,
    seed: int,
    ledger: str | None,
    keys_dir: Path | None,
) -> None:
    """Stretches of benchmark videos with the next identity's face warped in frame by frame (the graphics
    swap of warp-bench, as FaceForensics++ made its FaceSwap videos), beside the untouched stretches."""
    from unmask.lab.warp_clips import WarpClipsConfig, make_warp_clips

    bench = _untrained(
        "warping clips and signing",
        make_warp_clips,
        identities_dir,
        out_dir,
        WarpClipsConfig(count, clips, clip_seconds, seed),
        keys_dir,
        ledger,
    )
    click.echo(
        f"{bench.out_dir}: {bench.pairs} real + {bench.pairs} warp-swapped clips ({bench.swapped} of "
        f"{bench.frames} frames swapped), all C2PA-signed and in the ledger; labels in {bench.manifest.name}"
    )


def _untrained(
    title: str,
    make: Callable[..., Bench],
    folder: Path,
    out_dir: Path,
    config: object,
    keys: Path | None,
    ledger: str | None,
) -> Bench:
    """Run a bench that trains no model (``make_blend_bench``, ``make_warp_bench``, ``make_warp_clips``) under a
    progress bar of the pairs it writes."""
    with _progress(title) as on_pair:
        return make(folder, out_dir, config, keys_directory=keys, ledger=ledger, say=_say, on_pair=on_pair)


def _say(line: str) -> None:
    click.echo(line, err=True)


@contextmanager
def _running(threads: int, title: str) -> Iterator[Callable[[int, int], None]]:
    """Torch on ``threads`` CPU threads, with a training progress bar; see :func:`_progress`."""
    import torch

    torch.set_num_threads(threads)
    _say(title)
    with _progress("training", "steps (or until the --minutes cap)") as on_step:
        yield on_step


@contextmanager
def _progress(title: str, unit: str = "") -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr, advanced by the yielded ``on_step(done, total)`` (a second model
    of gan-bench starts again at step 1); a lab failure inside becomes one line and exit code 1."""
    columns = [TextColumn(title), BarColumn(), MofNCompleteColumn(), *([TextColumn(unit)] if unit else [])]
    bar = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task(title, total=None)

    def on_step(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            yield on_step
    except UnmaskError as error:
        click.echo(click.style(str(error), fg="magenta"), err=True)
        sys.exit(EXIT_FAILED)


def _done(result: BenchResult) -> None:
    clips = [f for f in result.files if f.relpath.endswith(".mp4")]
    pictures = [f for f in result.files if not f.relpath.endswith(".mp4")]
    parts = [
        f"{sum(f.label == 'real' for f in group)} real + {sum(f.label == 'fake' for f in group)} fake {noun}"
        for noun, group in (("pictures", pictures), ("clips", clips))
        if group
    ]
    marked = sum(f.watermark_checked for f in result.files)
    click.echo(
        f"{result.out_dir}: {', '.join(parts)}, all C2PA-signed and in the ledger "
        f"({marked}/{len(result.files)} watermarks read back); labels in {result.manifest.name}, "
        f"curves in {result.curves.name}"
    )
