"""``unmask batch INPUT... --out OUT``: scan a collection on Ray, resumably, into Parquet + JSON reports.

Exit codes: 0 every file has a result; 1 some files could not be scanned (one line each on stderr) or
the run stopped early (rerun to resume); 2 usage errors (bad option, nothing to scan, Ray unreachable,
OUT busy); 130 interrupted with Ctrl-C (everything finished is kept; rerun to resume).
Ray, pyarrow and the pipeline are imported inside the command, so ``unmask --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from unmask.batch.ledger_hook import DEFAULT_REGISTRANT, LedgerHook
from unmask.cli_common import error_line, make_console, scan_flags, scan_options
from unmask.config import ScanOptions
from unmask.errors import UnmaskError

if TYPE_CHECKING:
    from unmask.batch.driver import BatchSummary

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class FilesPerSecondColumn(ProgressColumn):
    """Files per second over rich's recent window (blank until two files have finished)."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("" if speed is None else f"{speed:.2f} files/s")


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option(
    "--address",
    help="Ray cluster to run on: HOST:PORT of its head (`ray start --head`) or 'auto'. Default: a local Ray.",
)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every CPU).")
@click.option("--register", is_flag=True, help="Register every scanned file in the ledger.")
@click.option("--match", is_flag=True, help="Check every file against the ledger (SHA-256 and PDQ).")
@click.option("--ledger", "ledger_location", help="Ledger path, data dir or database URL (default: the local one).")
@click.option("--registrant", default=DEFAULT_REGISTRANT, show_default=True, help="Who registers, with --register.")
@scan_flags
@click.option("--artifacts", is_flag=True, help="Keep plots and heatmaps in the JSON reports (slower, larger).")
@click.option("--flush-rows", type=click.IntRange(min=1), default=256, show_default=True, hidden=True)
def batch_command(
    inputs: tuple[str, ...],
    out: Path,
    address: str | None,
    workers: int | None,
    register: bool,
    match: bool,
    ledger_location: str | None,
    registrant: str,
    only: str | None,
    skip: str | None,
    no_faces: bool,
    max_duration: float | None,
    artifacts: bool,
    flush_rows: int,
) -> None:
    """Scan INPUT (folders, globs, or text/Parquet lists of paths) on Ray into OUT; reruns resume.

    OUT/rows holds one Parquet row per file (path, sha256, media type, verdict, probability, per-signal
    scores, error, timings), OUT/reports one JSON report per scanned file.
    """
    from unmask.batch.inputs import list_inputs

    options = scan_options(only, skip, no_faces, max_duration, artifacts)  # checks signal names first
    try:
        selection = list_inputs(inputs)
    except UnmaskError as exc:
        raise click.UsageError(str(exc)) from None
    for missing in selection.missing:
        error_line(f"{missing}: no such file or folder")
    if not selection.files:
        error_line("nothing to scan")
        sys.exit(EXIT_USAGE)
    hook = (
        LedgerHook(ledger_location, match=match, register=register, registrant=registrant)
        if match or register
        else None
    )
    try:
        summary = _run(selection.files, out, options, address, workers, hook, flush_rows)
    finally:
        if hook is not None:
            hook.close()
    if summary is None:
        sys.exit(EXIT_USAGE)
    if summary.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_FAILED if summary.failed or summary.stopped or selection.missing else EXIT_OK)


def _run(
    files: list[Path],
    out: Path,
    options: ScanOptions,
    address: str | None,
    workers: int | None,
    hook: LedgerHook | None,
    flush_rows: int,
) -> BatchSummary | None:
    from unmask.batch.driver import run_batch

    console = make_console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        FilesPerSecondColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task_ids: list[Any] = []

    def on_plan(summary: BatchSummary) -> None:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        console.print(
            f"{summary.files} file(s): {summary.skipped} already done, {summary.todo} to scan"
            + (f" with {summary.workers} worker(s) on {where}" if summary.todo else "")
        )
        task_ids.append(progress.add_task("scanning", total=summary.todo))

    def on_row(row: dict[str, Any]) -> None:
        if row.get("error"):
            progress.console.print(Text(f"{row['path']}: {row['error']}", style="magenta"))
        progress.advance(task_ids[0])

    try:
        with progress:
            summary = run_batch(
                files, out, options, address=address, workers=workers, ledger=hook,
                on_plan=on_plan, on_row=on_row, flush_rows=flush_rows,
            )  # fmt: skip
    except UnmaskError as exc:
        error_line(str(exc))
        return None
    _print_summary(console, summary, out)
    return summary


def _print_summary(console: Console, summary: BatchSummary, out: Path) -> None:
    rate = summary.done / summary.seconds if summary.seconds else 0.0
    console.print(
        f"scanned {summary.scanned}, failed {summary.failed}, reused {summary.reused}, "
        f"skipped {summary.skipped} (done before) in {summary.seconds:.1f} s ({rate:.2f} files/s); "
        f"rows in {out / 'rows'}/, reports in {out / 'reports'}/"
    )
    if summary.stopped:
        error_line(f"the run stopped early: {summary.stopped}; run the same command again to resume")
    if summary.interrupted:
        error_line(f"interrupted after {summary.done} file(s); run the same command again to resume")
