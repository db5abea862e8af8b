"""The HTML view: one self-contained page per report, pictures embedded, no network needed to open it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader

from unmask.report.model import Report

_env = Environment(
    loader=PackageLoader("unmask.report", "templates"),
    autoescape=True,  # file contents (EXIF, tags, C2PA fields) are attacker-controlled
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    return _env.get_template("report.html.j2").render(report=report)


def write_html(report: Report, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / report_filename(report, ".html")
    target.write_text(render_html(report), encoding="utf-8")
    return target


def report_filename(report: Report, suffix: str) -> str:
    """``<name>.<first 8 of sha256><suffix>``: unique when two folders hold files of the same name."""
    return f"{Path(report.input.name).name}.{report.input.sha256[:8]}{suffix}"
