from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import unmask
from unmask import scan
from unmask.report.model import SCHEMA_VERSION, Report, json_schema

SCHEMA_FILE = Path(unmask.__file__).parent / "report" / "report.schema.json"


@pytest.fixture(scope="module")
def video_report(media) -> Report:
    return scan(media.video)


def test_committed_schema_matches_the_code() -> None:
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == json_schema(), "run `unmask schema > unmask/report/report.schema.json` and bump SCHEMA_VERSION"


def test_report_validates_against_the_schema(video_report: Report) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.validate(json.loads(video_report.to_json()), schema)
    jsonschema.validate(json.loads(video_report.to_json(artifacts=False)), schema)


def test_report_records_versions_timings_and_hash(video_report: Report, media) -> None:
    assert video_report.schema_version == SCHEMA_VERSION
    assert video_report.unmask_version == unmask.__version__
    assert video_report.input.sha256 == __import__("hashlib").sha256(media.video.read_bytes()).hexdigest()
    assert {"decode", "faces", "fusion", "total"} <= set(video_report.timings_ms)
    assert all(f"signal:{s.name}" in video_report.timings_ms for s in video_report.signals)
    assert all(s.version for s in video_report.signals)


def test_json_roundtrip_keeps_pictures(video_report: Report) -> None:
    again = Report.from_json(video_report.to_json())
    assert again == video_report
    thumbnails = [t.thumbnail for t in again.faces.tracks if t.thumbnail] if again.faces else []
    assert thumbnails and thumbnails[0].data and thumbnails[0].data[:2] == b"\xff\xd8"


def test_json_lines_form_drops_picture_bytes(video_report: Report) -> None:
    line = video_report.to_json(artifacts=False, indent=None)
    assert "\n" not in line
    data = json.loads(line)
    assert all(t["thumbnail"]["data"] is None for t in data["faces"]["tracks"] if t["thumbnail"])
