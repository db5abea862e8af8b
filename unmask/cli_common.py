"""What the scanning commands share, so they cannot drift apart: one definition of the ``--signals``,
``--skip``, ``--no-faces`` and ``--max-duration`` flags of ``unmask scan`` and ``unmask batch``, one way to
turn them into :class:`~unmask.config.ScanOptions`, one way to print a file's one-line error, and the
console that ``scan``, ``batch`` and ``eval`` draw their tables on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click
from rich.console import Console

from unmask.config import DecodeLimits, ScanOptions
from unmask.errors import UnmaskError

F = TypeVar("F", bound=Callable[..., Any])


def scan_flags(function: F) -> F:
    """The shared options, in the order ``--help`` lists them."""
    options = (
        click.option("--signals", "only", help="Comma-separated signals to run (default: all that apply)."),
        click.option("--skip", help="Comma-separated signals not to run."),
        click.option(
            "--no-faces", is_flag=True, help="Skip the face stage (faster; face signals report not applicable)."
        ),
        click.option("--max-duration", type=float, default=None, help="Refuse media longer than this many seconds."),
    )
    for option in reversed(options):
        function = option(function)
    return function


def signal_names(value: str | None) -> tuple[str, ...] | None:
    """``"a, b"`` -> ``("a", "b")``; nothing given -> ``None`` (every signal that applies)."""
    return tuple(n.strip() for n in value.split(",") if n.strip()) if value else None


def scan_options(
    only: str | None, skip: str | None, no_faces: bool, max_duration: float | None, artifacts: bool
) -> ScanOptions:
    """The options the flags ask for; an unknown signal name is a usage error (exit 2) naming it."""
    from unmask.signals.registry import check_signal_names

    try:
        check_signal_names((*(signal_names(only) or ()), *(signal_names(skip) or ())))
    except UnmaskError as exc:
        raise click.UsageError(str(exc)) from None
    limits = DecodeLimits() if max_duration is None else replace(DecodeLimits(), max_duration_s=max_duration)
    return ScanOptions(
        limits=limits,
        signals=signal_names(only),
        skip_signals=signal_names(skip) or (),
        find_faces=not no_faces,
        artifacts=artifacts,
    )


def error_line(text: str) -> None:
    """One line on stderr, never wrapped or parsed as markup (file names may contain brackets)."""
    click.echo(click.style(text, fg="magenta"), err=True)


def make_console(stderr: bool = False) -> Console:
    """A console that is wide enough for the table even when output goes to a file or CI log."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=max(console.width, 160))
