from __future__ import annotations

from rich.console import Console

from unmask import scan
from unmask.report.terminal import Failure, detail, summary_table


def test_table_has_a_row_per_file_including_failures(media) -> None:
    console = Console(width=200, record=True)
    console.print(summary_table([scan(media.generated_png), Failure("bad.jpg", "corrupt or truncated image")]))
    text = console.export_text()
    assert "likely manipulated" in text and "parameters" in text
    assert "bad.jpg" in text and "corrupt or truncated image" in text


def test_detail_lists_every_signal(media) -> None:
    report = scan(media.photo)
    console = Console(width=200, record=True)
    console.print(detail(report))
    text = console.export_text()
    assert all(s.name in text for s in report.signals)
