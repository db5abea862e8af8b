"""What every ``unmask train`` command shares: where the weights and the cache go, the time and step
budget, the seed, the batch size and the torch threads; and the check that torch is installed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from unmask.errors import UnmaskError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
CACHE_ROOT = Path.home() / ".cache" / "unmask"

F = TypeVar("F", bound=Callable[..., Any])


def data_option(help: str, multiple: bool = False) -> Callable[[F], F]:
    """The required ``--data`` folder of a training command; ``help`` says what it must (not) hold."""
    return click.option(
        "--data",
        "data",
        required=True,
        multiple=multiple,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help=help,
    )


def training_options(model: str, minutes: float, pairs: int, threads: int, unit: str) -> Callable[[F], F]:
    """The shared options of a training command for ``model`` (its defaults differ per model)."""
    options = [
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=WEIGHTS_DIR,
            show_default=True,
            help=f"Where {model}.onnx and its model card go.",
        ),
        click.option(
            "--cache",
            "cache_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=CACHE_ROOT / model,
            show_default=True,
            help="Cache for prepared data and the synthesis check grid (outside the repo).",
        ),
        click.option("--minutes", type=float, default=minutes, show_default=True, help="Wall-clock budget."),
        click.option("--steps", type=int, default=100_000, show_default=True, help="At most this many steps."),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option(
            "--pairs", type=int, default=pairs, show_default=True, help=f"Real {unit} per step (plus as many fakes)."
        ),
        click.option(
            "--threads",
            type=int,
            default=threads,
            show_default=True,
            help="torch threads; 1 is several times faster when other jobs share the CPU cores.",
        ),
    ]

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


R = TypeVar("R")


def or_exit(console: Console, run: Callable[[], R]) -> R:
    """Run a training job; a problem with the user's data or setup (an :class:`UnmaskError`: no faces
    found, nothing left to hold out, weights missing) ends it with one line and exit code 2."""
    try:
        return run()
    except UnmaskError as error:
        console.print(f"[red]error[/red]: {error}")
        sys.exit(2)


def require_torch(console: Console) -> None:
    """Exit with a one-line fix when the ``train`` extra is missing (scanning never needs torch)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        console.print("[red]error[/red]: training needs torch: pip install 'unmask[train]'")
        sys.exit(2)
