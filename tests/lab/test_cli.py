"""``unmask lab``: folders of benchmark identities in, signed benches out; no way in for a user's file."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import unmask
from unmask.cli import main
from unmask.lab.cli import lab_group
from unmask.lab.outputs import read_manifest

from .conftest import write_identities

PACKAGE = Path(unmask.__file__).parent


def test_lab_commands_take_only_folders() -> None:
    """No lab command accepts a single file: a user's photo or video cannot be a swap source or target."""
    assert set(lab_group.commands) == {"swap-bench", "gan-bench", "blend-bench", "warp-bench", "warp-clips"}
    for command in lab_group.commands.values():
        assert not [p for p in command.params if isinstance(p, click.Argument)]
        for param in command.params:
            if isinstance(param.type, click.Path):
                assert not param.type.file_okay, f"{command.name} {param.name} accepts a file"


def test_no_server_route_or_other_module_reaches_the_lab() -> None:
    """Only the command line registers the lab: no web route or API can upload a file into it."""
    importers = []
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(PACKAGE / "lab") or path == PACKAGE / "cli.py":
            continue
        if re.search(r"^\s*(from|import)\s+unmask\.lab\b", path.read_text(encoding="utf-8"), re.M):
            importers.append(str(path.relative_to(PACKAGE)))
    assert importers == []


def test_a_folder_without_faces_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "ids" / "nobody").mkdir(parents=True)
    result = CliRunner().invoke(
        main,
        [
            "lab",
            "swap-bench",
            "--identities",
            str(tmp_path / "ids"),
            "--out",
            str(tmp_path / "out"),
            "--tiny",
            "--keys",
            str(tmp_path / "keys"),
            "--ledger",
            str(tmp_path / "ledger.db"),
        ],
    )
    assert result.exit_code == 1
    assert (
        result.output.strip().splitlines()[-1]
        == f"{tmp_path / 'ids'}: a swap needs two identities with at least 4 faces each"
    )


def test_no_pairs_and_no_clips_is_a_usage_error(tmp_path: Path) -> None:
    ids = write_identities(tmp_path / "ids")
    args = ["lab", "swap-bench", "--identities", str(ids), "--out", str(tmp_path / "o"), "--pairs", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "give --pairs or --clips above 0" in result.output
    assert not (tmp_path / "o").exists()


def test_a_file_is_a_usage_error(tmp_path: Path) -> None:
    photo = tmp_path / "me.jpg"
    photo.write_bytes(b"\xff\xd8\xff")
    result = CliRunner().invoke(main, ["lab", "swap-bench", "--identities", str(photo), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "is a file" in result.output


@pytest.mark.slow
def test_tiny_swap_bench_from_the_command_line(tmp_path: Path) -> None:
    ids = write_identities(tmp_path / "ids")
    out = tmp_path / "out"
    args = ["lab", "swap-bench", "--identities", str(ids), "--out", str(out), "--tiny", "--steps", "3", "--seed", "5"]
    args += ["--keys", str(tmp_path / "keys"), "--ledger", str(tmp_path / "ledger.db")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "4 real + 4 fake pictures, all C2PA-signed and in the ledger (8/8 watermarks read back)" in result.output
    rows = read_manifest(out / "manifest.csv")
    assert all((out / r["mask"]).is_file() for r in rows if r["label"] == "fake")
    assert (out / "training_curves.png").is_file()
