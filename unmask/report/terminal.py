"""The terminal view: one table row per file, and a detail view of one report (rich)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unmask.report.model import Report

_LABEL_STYLE = {"likely real": "green", "unsure": "yellow", "likely manipulated": "bold red"}
_DIRECTION_MARK = {"fake": "[red]▲[/]", "real": "[green]▼[/]", "neutral": "[dim]·[/]"}


@dataclass(frozen=True)
class Failure:
    """A file that could not be scanned: shown as a row, never dropped silently."""

    path: str
    reason: str


def summary_table(rows: list[Report | Failure]) -> Table:
    """File, type, faces, verdict, P(manipulated) and the top evidence line, one row per file."""
    table = Table(title="unmask scan", expand=True, show_lines=False)
    table.add_column("file", overflow="fold", ratio=2)
    table.add_column("type", no_wrap=True)
    table.add_column("faces", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("P(fake)", justify="right", no_wrap=True)
    table.add_column("top evidence", overflow="fold", ratio=4)
    for row in rows:
        if isinstance(row, Failure):
            table.add_row(row.path, "-", "-", Text("error", "bold magenta"), "-", Text(row.reason, "magenta"))
            continue
        faces = "-" if row.faces is None else str(row.faces.count)
        label = row.verdict.label
        table.add_row(
            row.input.path,
            f"{row.input.kind}/{row.input.format}",
            faces,
            Text(label, _LABEL_STYLE[label]),
            f"{row.verdict.probability:.2f}",
            row.top_evidence(),
        )
    return table


def detail(report: Report) -> Panel:
    """Every signal of one report with its findings: what ``unmask scan -v`` prints."""
    table = Table(expand=True, show_header=True)
    table.add_column("signal", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("conf", justify="right", no_wrap=True)
    table.add_column("findings", overflow="fold")
    for result in report.signals:
        score = "-" if result.score is None else f"{result.score:.2f}"
        lines = [f"[b]{result.summary}[/b]"]
        lines += [f"{_DIRECTION_MARK[f.direction]} {f.text}" for f in result.findings[:6]]
        table.add_row(result.name, result.status, score, f"{result.confidence:.2f}", "\n".join(lines))
    verdict = report.verdict
    head = Text.from_markup(
        f"[{_LABEL_STYLE[verdict.label]}]{verdict.label}[/] (P={verdict.probability:.2f}) — {verdict.explanation}"
    )
    return Panel(Group(head, table), title=report.input.path, expand=True)


def print_summary(console: Console, rows: list[Report | Failure]) -> None:
    console.print(summary_table(rows))
