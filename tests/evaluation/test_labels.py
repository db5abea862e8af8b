"""Labels decide every number ``unmask eval`` prints: the right files, the right ground truth."""

from __future__ import annotations

from pathlib import Path

from unmask import samples
from unmask.evaluation.labels import LabelledFile, balanced_head, find_manifest, from_folders, labelled_files


def _touch_jpeg(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(samples.jpeg_bytes_of(samples.portrait_canvas(32, 24)))
    return path


def test_manifest_above_a_sub_folder_keeps_only_rows_under_it(tmp_path: Path) -> None:
    root = tmp_path / "data"
    for rel in ("images/real/a.jpg", "images/gan/b.jpg", "videos/fake/c.jpg", "images/c2pa.jpg"):
        _touch_jpeg(root / rel)
    (root / "manifest.csv").write_text(
        "relpath,label,kind,notes\n"
        "images/real/a.jpg,real,photo,\n"
        "images/gan/b.jpg,fake,gan,\n"
        "videos/fake/c.jpg,fake,faceswap,\n"
        "images/c2pa.jpg,n/a,c2pa,no ground truth\n",
        encoding="utf-8",
    )
    files, manifest = labelled_files(root / "images")
    assert manifest == root / "manifest.csv"
    assert [(f.path, f.label, f.kind, f.media) for f in files] == [
        (root / "images/real/a.jpg", "real", "photo", "image"),
        (root / "images/gan/b.jpg", "fake", "gan", "image"),
    ]
    assert find_manifest(root / "images" / "real") == root / "manifest.csv"


def test_an_explicit_manifest_wins_and_missing_files_keep_an_unknown_media_type(tmp_path: Path) -> None:
    _touch_jpeg(tmp_path / "x" / "real.jpg")
    other = tmp_path / "labels.csv"
    other.write_text("relpath,label,kind\nx/real.jpg,REAL,\nx/gone.mp4,fake,tts\n", encoding="utf-8")
    files, manifest = labelled_files(tmp_path / "x", other)
    assert manifest == other
    assert [(f.path.name, f.label, f.kind, f.media) for f in files] == [
        ("real.jpg", "real", "real", "image"),
        ("gone.mp4", "fake", "tts", "unknown"),
    ]


def test_folder_names_label_files_when_there_is_no_manifest(tmp_path: Path) -> None:
    _touch_jpeg(tmp_path / "set" / "real" / "a.jpg")
    _touch_jpeg(tmp_path / "set" / "fake" / "gan" / "b.jpg")
    _touch_jpeg(tmp_path / "set" / "Fake" / "c.jpg")
    _touch_jpeg(tmp_path / "set" / "unlabelled" / "d.jpg")
    (tmp_path / "set" / "real" / "notes.txt").write_text("not media")
    files = from_folders(tmp_path / "set")
    assert sorted((f.path.name, f.label, f.kind) for f in files) == [
        ("a.jpg", "real", "real"),
        ("b.jpg", "fake", "gan"),
        ("c.jpg", "fake", "fake"),
    ]
    assert labelled_files(tmp_path / "set")[1] is None


def test_limit_alternates_reals_and_fakes() -> None:
    def file(name: str, label: str) -> LabelledFile:
        return LabelledFile(Path(name), label, label, "image")  # type: ignore[arg-type]

    files = [file("f1", "fake"), file("f2", "fake"), file("f3", "fake"), file("r1", "real")]
    assert [f.path.name for f in balanced_head(files, 3)] == ["r1", "f1", "f2"]
    assert balanced_head(files, None) == files and balanced_head(files, 10) == files
