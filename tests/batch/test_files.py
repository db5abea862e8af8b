from __future__ import annotations

from pathlib import Path

from unmask.batch.files import select_files


def test_folders_are_walked_and_documents_skipped(media, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jpg").write_bytes(media.photo.read_bytes())
    (tmp_path / "manifest.csv").write_text("relpath,label\n")
    (tmp_path / ".hidden.jpg").write_bytes(media.photo.read_bytes())
    renamed = tmp_path / "video.txt"
    renamed.write_bytes(media.video.read_bytes())
    selection = select_files([tmp_path, tmp_path / "missing.mp4"])
    assert selection.files == [tmp_path / "sub" / "a.jpg", renamed]
    assert selection.skipped == [tmp_path / "manifest.csv"]
    assert selection.missing == [tmp_path / "missing.mp4"]


def test_named_files_are_always_scanned(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert select_files([notes, notes]).files == [notes]
