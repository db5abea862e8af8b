"""The command line as a user runs it: a real process, real files, exit codes, JSON lines and HTML."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNMASK = [sys.executable, "-m", "unmask"]


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*UNMASK, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def folder(media, tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "nested").mkdir(parents=True)
    shutil.copy(media.photo, root / "photo.jpg")
    shutil.copy(media.generated_png, root / "nested" / "generated.png")
    shutil.copy(media.audio, root / "nested" / "speech.wav")
    shutil.copy(media.corrupt["image"], root / "broken.jpg")
    (root / "manifest.csv").write_text("relpath,label\n")
    return root


def test_scan_folder_goes_on_past_a_broken_file(folder: Path, tmp_path: Path) -> None:
    out_json, out_html = tmp_path / "json", tmp_path / "html"
    done = _run("scan", folder, "--json", out_json, "--html", out_html)
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 4  # three reports and one error, in file order
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1 and errors[0]["path"].endswith("broken.jpg")
    assert f"{folder / 'broken.jpg'}: corrupt or truncated image" in done.stderr
    verdicts = {Path(line["input"]["path"]).name: line["verdict"]["label"] for line in lines if "input" in line}
    assert verdicts["generated.png"] == "likely manipulated"
    assert len(list(out_json.glob("*.json"))) == 3 and len(list(out_html.glob("*.html"))) == 3
    assert "skipped 1 non-media file" in done.stderr
    assert "likely manipulated" in done.stderr  # the table goes to stderr when stdout carries JSON


def test_scan_of_good_files_exits_zero_and_prints_the_table(media) -> None:
    done = _run("scan", media.photo, media.generated_png)
    assert done.returncode == 0, done.stderr
    assert "photo.jpg" in done.stdout and "likely manipulated" in done.stdout


def test_verbose_prints_findings(media) -> None:
    done = _run("scan", "-v", media.generated_png)
    assert "PNG text chunk 'parameters'" in done.stdout


def test_signals_are_listed() -> None:
    done = _run("signals", "--json")
    listed = {s["name"]: s for s in json.loads(done.stdout)}
    assert {"metadata", "c2pa", "hashes"} <= set(listed)
    assert listed["hashes"]["applies_to"] == ["audio", "image", "video"]
    assert "metadata" in _run("signals").stdout


def test_nothing_to_scan_is_a_usage_error(tmp_path: Path) -> None:
    done = _run("scan", tmp_path / "missing.jpg")
    assert done.returncode == 2 and "no such file" in done.stderr


def test_unknown_signal_is_a_usage_error(media) -> None:
    done = _run("scan", "--signals", "nope", media.photo)
    assert done.returncode == 2 and "unknown signal 'nope'" in done.stderr
    assert "Traceback" not in done.stderr


def test_schema_is_printed() -> None:
    assert json.loads(_run("schema").stdout)["title"] == "unmask report"


def test_demo_makes_reports(tmp_path: Path) -> None:
    done = _run("demo", "--out", tmp_path / "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    reports = tmp_path / "demo" / "reports"
    assert len(list(reports.glob("*.html"))) == 4 and len(list(reports.glob("*.json"))) == 4
    assert "truncated_download.jpg" in done.stderr
