from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from unmask.batch.inputs import InputError, list_inputs


@pytest.fixture
def tree(corpus: Path, tmp_path: Path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.jpg").write_bytes((corpus / "photo.jpg").read_bytes())
    (tmp_path / "a" / "two.png").write_bytes((corpus / "generated.png").read_bytes())
    (tmp_path / "a" / "notes.md").write_text("# not media\n")
    return tmp_path


def test_a_folder_is_walked_with_the_scan_rules(tree: Path) -> None:
    selection = list_inputs([tree / "a"])
    assert selection.files == [tree / "a" / "one.jpg", tree / "a" / "two.png"]
    assert selection.skipped == [tree / "a" / "notes.md"]


def test_a_glob_is_expanded_and_one_that_matches_nothing_is_missing(tree: Path) -> None:
    selection = list_inputs([str(tree / "**" / "*.jpg"), str(tree / "*.webm")])
    assert selection.files == [tree / "a" / "one.jpg"]
    assert selection.missing == [tree / "*.webm"]


def test_a_text_list_reads_paths_relative_to_itself(tree: Path) -> None:
    listing = tree / "files.txt"
    listing.write_text(f"# exported by find\na/two.png\n\n{tree / 'a' / 'one.jpg'}\na/gone.jpg\na/two.png\n")
    selection = list_inputs([listing])
    assert selection.files == [tree / "a" / "two.png", tree / "a" / "one.jpg"]
    assert selection.missing == [tree / "a" / "gone.jpg"]


def test_a_parquet_list_reads_its_path_column(tree: Path) -> None:
    listing = tree / "files.parquet"
    pq.write_table(pa.table({"id": [1, 2], "path": ["a/one.jpg", str(tree / "a" / "two.png")]}), listing)
    assert list_inputs([listing]).files == [tree / "a" / "one.jpg", tree / "a" / "two.png"]


def test_a_parquet_list_without_a_path_column_is_one_line_error(tree: Path) -> None:
    listing = tree / "bad.parquet"
    pq.write_table(pa.table({"name": ["a/one.jpg"]}), listing)
    with pytest.raises(InputError, match=r"bad\.parquet: a Parquet listing needs a column named one of path"):
        list_inputs([listing])


def test_a_media_file_named_txt_is_scanned_not_read_as_a_list(tree: Path, corpus: Path) -> None:
    renamed = tree / "video.txt"
    renamed.write_bytes((corpus / "clip.mp4").read_bytes())
    assert list_inputs([renamed]).files == [renamed]
