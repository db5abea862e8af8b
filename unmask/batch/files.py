"""Which files a batch scans: named files as given, folders walked recursively.

Inside folders, files that are obviously not media (by content *and* a document extension such as
``.csv`` or ``.md``) are skipped and counted; everything else is scanned, so a video renamed ``.txt``
is still found, and a broken file still gets its one-line error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from unmask.media.sniff import HEAD_BYTES, sniff

_DOCUMENT_EXTENSIONS = {
    ".csv",
    ".tsv",
    ".md",
    ".txt",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".html",
    ".htm",
    ".xml",
    ".py",
    ".pdf",
    ".log",
    ".ini",
    ".toml",
    ".cfg",
}


@dataclass
class FileSelection:
    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)


def select_files(paths: Iterable[str | Path]) -> FileSelection:
    """Expand ``paths`` (files and folders) into the files to scan, in a stable order."""
    selection = FileSelection()
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path):
                if child in seen:
                    continue
                seen.add(child)
                (selection.skipped if _is_document(child) else selection.files).append(child)
        elif path.exists() or path.is_symlink():
            if path not in seen:
                seen.add(path)
                selection.files.append(path)
        else:
            selection.missing.append(path)
    return selection


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in child.relative_to(folder).parts):
            continue
        if child.is_file():
            yield child


def _is_document(path: Path) -> bool:
    if path.suffix.lower() not in _DOCUMENT_EXTENSIONS:
        return False
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(HEAD_BYTES)) is None
    except OSError:
        return False
