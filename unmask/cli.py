"""The ``unmask`` command line: ``scan``, ``signals``, ``schema`` and ``demo`` here; ``eval``, ``train``,
``ledger``, ``keys``/``sign``/``verify`` come from their own packages and are added at the end.

Exit codes of ``unmask scan``: 0 every file was scanned; 1 at least one file could not be scanned
(each gets a one-line error naming the file and the reason, and the batch goes on); 2 usage errors.
The verdict never changes the exit code: a "likely manipulated" file was still scanned successfully.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from unmask.batch.cli import batch_command
from unmask.batch.files import select_files
from unmask.cli_common import error_line, make_console, scan_flags, scan_options
from unmask.config import ScanOptions
from unmask.errors import MediaError, UnmaskError
from unmask.evaluation.cli import eval_command
from unmask.lab.cli import lab_group
from unmask.ledger.cli import ledger_group
from unmask.models.cli import train_group
from unmask.pipeline import scan
from unmask.provenance.cli import keys_group, sign_command, verify_command
from unmask.report.html import report_filename, write_html
from unmask.report.model import Report, json_schema
from unmask.report.terminal import Failure, detail, summary_table
from unmask.server.cli import serve_command
from unmask.signals import signal_classes
from unmask.version import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unmask")
def main() -> None:
    """Tell what is real and what is not in images, video and audio."""


@main.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json",
    "json_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one JSON report per file into DIR and a JSON-lines stream to stdout.",
)
@click.option(
    "--html",
    "html_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one self-contained HTML report per file into DIR.",
)
@scan_flags
@click.option("-v", "--verbose", is_flag=True, help="Print every signal's findings for each file.")
def scan_command(
    paths: tuple[Path, ...],
    json_dir: Path | None,
    html_dir: Path | None,
    only: str | None,
    skip: str | None,
    no_faces: bool,
    max_duration: float | None,
    verbose: bool,
) -> None:
    """Scan files and folders (recursively) and print a verdict per file."""
    options = scan_options(only, skip, no_faces, max_duration, artifacts=html_dir is not None or json_dir is not None)
    # With --json, stdout carries only JSON lines; people read the table on stderr.
    console = make_console(stderr=json_dir is not None)
    rows = run_scan(paths, options, console, json_dir, html_dir, verbose=verbose)
    sys.exit(EXIT_USAGE if rows is None else EXIT_FAILED if any(isinstance(r, Failure) for r in rows) else EXIT_OK)


def run_scan(
    paths: tuple[Path, ...],
    options: ScanOptions,
    console: Console,
    json_dir: Path | None = None,
    html_dir: Path | None = None,
    *,
    jsonl: bool = True,
    verbose: bool = False,
) -> list[Report | Failure] | None:
    """Scan every file, write the requested outputs and print the table.

    Returns one row per file (a report or a failure), or ``None`` when there was nothing to scan.
    With ``json_dir`` and ``jsonl``, each result is also printed to stdout as one JSON line.
    """
    selection = select_files(paths)
    for missing in selection.missing:
        error_line(f"{missing}: no such file or folder")
    if selection.skipped:
        names = ", ".join(p.name for p in selection.skipped[:3]) + (" …" if len(selection.skipped) > 3 else "")
        click.echo(f"skipped {len(selection.skipped)} non-media file(s): {names}", err=True)
    if not selection.files:
        error_line("nothing to scan")
        return None
    rows: list[Report | Failure] = []
    with _progress(console) as progress:
        files_task = progress.add_task("files", total=len(selection.files))
        stage_task = progress.add_task("", total=1)
        for path in selection.files:

            def on_progress(stage: str, done: float, total: float, name: str = path.name) -> None:
                progress.update(stage_task, description=f"{name}: {stage}", completed=done, total=max(total, 1))

            row = _scan_one(path, options, on_progress)
            rows.append(row)
            if isinstance(row, Failure):
                error_line(f"{row.path}: {row.reason}")
            _write_outputs(row, json_dir, html_dir, jsonl)
            progress.advance(files_task)
    console.print(summary_table(rows))
    if verbose:
        for row in rows:
            if isinstance(row, Report):
                console.print(detail(row))
    failed = sum(isinstance(r, Failure) for r in rows)
    if html_dir is not None:
        console.print(f"HTML reports in {html_dir}/")
    if failed:
        console.print(f"[magenta]{failed} of {len(rows)} file(s) could not be scanned[/]")
    return rows


def _scan_one(path: Path, options: ScanOptions, on_progress: object) -> Report | Failure:
    try:
        return scan(path, options, on_progress)  # type: ignore[arg-type]
    except MediaError as exc:
        return Failure(str(path), exc.reason)
    except UnmaskError:
        raise
    except Exception as exc:  # an unforeseen decoder crash must not end the batch
        return Failure(str(path), " ".join(f"unexpected error: {type(exc).__name__}: {exc}".split())[:300])


def _write_outputs(row: Report | Failure, json_dir: Path | None, html_dir: Path | None, jsonl: bool) -> None:
    if json_dir is not None:
        if isinstance(row, Report):
            json_dir.mkdir(parents=True, exist_ok=True)
            (json_dir / report_filename(row, ".json")).write_text(row.to_json(), encoding="utf-8")
            line = row.to_json(artifacts=False, indent=None)
        else:
            line = json.dumps({"path": row.path, "error": row.reason})
        if jsonl:
            click.echo(line)
    if html_dir is not None and isinstance(row, Report):
        write_html(row, html_dir)


@contextmanager
def _progress(console: Console) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        yield progress


@main.command("signals")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def signals_command(as_json: bool) -> None:
    """List the registered signals."""
    classes = signal_classes()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": c.name,
                        "version": c.version,
                        "applies_to": sorted(k.value for k in c.applies_to),
                        "needs": sorted(n.value for n in c.needs),
                        "description": c.description,
                    }
                    for c in classes
                ],
                indent=2,
            )
        )
        return
    table = Table(title="registered signals")
    for column in ("signal", "version", "applies to", "needs", "what it looks at"):
        table.add_column(column)
    for c in classes:
        table.add_row(
            c.name,
            c.version,
            ", ".join(sorted(k.value for k in c.applies_to)),
            ", ".join(sorted(n.value for n in c.needs)),
            c.description,
        )
    make_console().print(table)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the report."""
    click.echo(json.dumps(json_schema(), indent=2))


@main.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-out"),
    show_default=True,
)
def demo_command(out_dir: Path) -> None:
    """Make sample media, scan it, and write HTML and JSON reports to OUT."""
    from unmask.demo import run_demo

    sys.exit(run_demo(out_dir, make_console()))


main.add_command(eval_command)
main.add_command(train_group)
main.add_command(ledger_group)
main.add_command(keys_group)
main.add_command(sign_command)
main.add_command(verify_command)
main.add_command(lab_group)
main.add_command(serve_command)
main.add_command(batch_command)
