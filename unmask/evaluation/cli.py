"""``unmask eval DIR``: scan a labelled folder and print how well unmask tells real from fake.

Exit codes: 0 the evaluation ran (files that could not be decoded are listed, counted and left out of
the metrics: the run still measured everything else); 2 usage errors, including a folder with no
labelled files. With ``--json``, stdout carries exactly one JSON object; tables and progress go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from unmask.cli_common import make_console
from unmask.config import ScanOptions
from unmask.errors import UnmaskError
from unmask.evaluation.labels import LabelledFile, balanced_head, labelled_files
from unmask.evaluation.output import plot_roc, write_scores
from unmask.evaluation.run import EvalResult, Metrics, OnFile, robustness, scan_files, summarize
from unmask.signals.registry import check_signal_names

EXIT_OK, EXIT_USAGE = 0, 2
MEDIA_TYPES = ("image", "video", "audio")


@click.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with relpath,label,kind (default: manifest.csv in FOLDER or above it, else real/ and fake/ folders).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-out"),
    show_default=True,
    help="Where scores.csv and roc.png go.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object on stdout.")
@click.option("--robustness", "with_robustness", is_flag=True, help="Also measure the AUC drop after re-encoding.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Evaluate at most N files (reals and fakes alternately)."
)
@click.option("--kinds", default=",".join(MEDIA_TYPES), show_default=True, help="Media types to evaluate.")
@click.option("--signals", "only", help="Comma-separated signals to run (default: all that apply), as in scan.")
@click.option("--skip", help="Comma-separated signals not to run.")
def eval_command(
    folder: Path,
    manifest: Path | None,
    out_dir: Path,
    as_json: bool,
    with_robustness: bool,
    limit: int | None,
    kinds: str,
    only: str | None,
    skip: str | None,
) -> None:
    """Scan a labelled FOLDER and print AUC, EER, false alarms and calibration, overall and per kind."""
    wanted = _media_types(kinds)
    only_signals, skipped = _signal_names(only), _signal_names(skip)
    files, used = labelled_files(folder, manifest)
    # files of unknown type (missing, unreadable) stay in an unfiltered run, to be listed as failures
    keep = wanted | ({"unknown"} if wanted == set(MEDIA_TYPES) else set())
    files = balanced_head([f for f in files if f.media in keep], limit)
    if not files:
        source = f"in {used}" if used else "in real/ or fake/ folders"
        click.echo(f"unmask eval: no labelled {'/'.join(sorted(wanted))} files under {folder} ({source})", err=True)
        sys.exit(EXIT_USAGE)
    console = make_console(stderr=True)  # stdout is for --json
    options = ScanOptions(artifacts=False, signals=only_signals or None, skip_signals=skipped)
    with _progress(console, "scanning", len(files)) as on_file:
        rows = scan_files(files, options, on_file)
    for row in rows:
        if not row.ok:
            click.echo(click.style(f"{row.file.path}: {row.error}", fg="magenta"), err=True)
    result = summarize(rows, str(folder), None if used is None else str(used))
    if with_robustness:
        total = sum(1 for r in rows if r.ok for _ in _transforms_for(r.media))
        with _progress(console, "robustness", total) as on_file:
            result.robustness = robustness(rows, options, on_file=on_file)
    write_scores(rows, out_dir / "scores.csv")
    roc = plot_roc(rows, out_dir / "roc.png")
    _print_tables(result, console)
    console.print(f"scores in {out_dir / 'scores.csv'}" + (f", ROC curves in {roc}" if roc else ""))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    sys.exit(EXIT_OK)


def _media_types(kinds: str) -> set[str]:
    wanted = {k.strip().lower() for k in kinds.split(",") if k.strip()}
    unknown = wanted - set(MEDIA_TYPES)
    if unknown or not wanted:
        raise click.BadParameter(f"choose from {', '.join(MEDIA_TYPES)} (got {kinds!r})", param_hint="--kinds")
    return wanted


def _signal_names(value: str | None) -> tuple[str, ...]:
    names = tuple(n.strip() for n in (value or "").split(",") if n.strip())
    try:
        check_signal_names(names)
    except UnmaskError as error:
        raise click.BadParameter(str(error), param_hint="--signals/--skip") from None
    return names


def _transforms_for(media: str) -> list[str]:
    from unmask.evaluation.robustness import TRANSFORMS

    return [t.name for t in TRANSFORMS if t.media == media]


@contextmanager
def _progress(console: Console, title: str, total: int) -> Iterator[OnFile]:
    """A transient progress bar on stderr; yields the callback that advances it by one file."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(title, total=total)

        def advance(file: LabelledFile) -> None:
            progress.update(task, advance=1, description=f"{title}: {file.path.name[:40]}")

        yield advance


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _with_interval(value: float | None, interval: tuple[float, float] | None) -> str:
    """``0.650 [0.55, 0.74]``: the number and its 95 % bootstrap interval, when there is one."""
    return _fmt(value) + ("" if interval is None else f" [{interval[0]:.2f}, {interval[1]:.2f}]")


def _metrics_table(title: str, groups: dict[str, Metrics]) -> Table:
    table = Table(title=title)
    for column in ("group", "AUC [95 % CI]", "EER", "FPR real", "accuracy", "ECE [95 % CI]", "unsure", "real", "fake"):
        table.add_column(column, justify="left" if column == "group" else "right", no_wrap=column != "group")
    for name, m in groups.items():
        table.add_row(
            name,
            _with_interval(m.auc, m.auc_ci),
            _fmt(m.eer),
            _fmt(m.fpr_real),
            _fmt(m.accuracy),
            _with_interval(m.ece, m.ece_ci),
            _fmt(m.unsure_rate),
            str(m.n_real),
            str(m.n_fake),
        )
    return table


def _print_tables(result: EvalResult, console: Console) -> None:
    bands = ", ".join(f"{media} {lo:g}-{hi:g}" for media, (lo, hi) in result.bands.items())
    band = f"P above the unsure band flags 'likely manipulated'; unsure band {bands or 'none'}"
    console.print(_metrics_table(f"unmask eval: {result.source} ({band})", {"overall": result.overall}))
    console.print(_metrics_table("per kind (fake kinds vs all reals of their media type)", result.per_kind))
    console.print(_metrics_table("per media type", result.per_media))
    signals = Table(title="per signal (on files it scored)")
    for column in ("signal", "AUC [95 % CI]", "scored", "real", "fake"):
        signals.add_column(column, justify="left" if column == "signal" else "right")
    for name, s in result.per_signal.items():
        signals.add_row(name, _with_interval(s.auc, s.auc_ci), str(s.n), str(s.n_real), str(s.n_fake))
    console.print(signals)
    if result.robustness is not None:
        robust = Table(title="robustness (verdict AUC on the same files)")
        for column in ("transform", "media", "files", "AUC before", "AUC after", "drop [95 % CI]", "failed"):
            robust.add_column(column, justify="left" if column in ("transform", "media") else "right")
        for r in result.robustness:
            drop = _with_interval(r.drop, r.drop_ci)
            robust.add_row(r.transform, r.media, str(r.n), _fmt(r.auc_before), _fmt(r.auc_after), drop, str(r.failures))
            for kind, k in r.per_kind.items():
                files, drop = str(k.n_real + k.n_fake), _with_interval(k.drop, k.drop_ci)
                robust.add_row(f"  {kind}", "", files, _fmt(k.auc_before), _fmt(k.auc_after), drop, "")
        console.print(robust)
    ok = result.n_files - len(result.failures)
    console.print(f"{ok} of {result.n_files} file(s) scanned, {len(result.failures)} failed")
