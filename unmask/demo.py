"""``unmask demo``: make sample media, scan it like a user would, write reports.

The samples cover each kind and each outcome a user should see: a camera photo, a Stable Diffusion
PNG, a short video with a face and sound, a speech clip, and a truncated download that must fail with a
clean one-line error while the rest of the batch goes on.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from unmask import samples
from unmask.cli import run_scan
from unmask.config import ScanOptions
from unmask.report.terminal import Failure

EXPECTED_FAILURES = {"truncated_download.jpg"}


def make_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    photo = samples.camera_photo(folder / "camera_photo.jpg")
    return [
        photo,
        samples.generated_png(folder / "stable_diffusion.png"),
        samples.talking_clip(folder / "talking_head.mp4", seconds=3.0),
        samples.speech_wav(folder / "speech.wav", seconds=3.0),
        samples.truncated(photo, folder / "truncated_download.jpg"),
    ]


def run_demo(out_dir: Path, console: Console) -> int:
    """Returns 0 when every sample scanned as expected (the truncated one failing cleanly), else 1."""
    sample_dir, report_dir = out_dir / "samples", out_dir / "reports"
    console.print(f"making sample media in {sample_dir}/")
    files = make_samples(sample_dir)
    rows = run_scan(tuple(files), ScanOptions(), console, json_dir=report_dir, html_dir=report_dir, jsonl=False)
    failed = {Path(r.path).name for r in rows or [] if isinstance(r, Failure)}
    if rows is None or failed != EXPECTED_FAILURES:
        console.print(
            f"[red]demo: unexpected outcome (failed: {sorted(failed)}, expected {sorted(EXPECTED_FAILURES)})[/]"
        )
        return 1
    console.print(
        f"demo: {len(rows) - len(failed)} reports (HTML + JSON) in {report_dir}/; "
        f"{len(failed)} sample failed on purpose with a one-line error"
    )
    return 0
