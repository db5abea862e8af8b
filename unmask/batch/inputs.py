"""What ``unmask batch INPUT`` means: a folder, a glob, a text list or a Parquet list of paths.

Large collections are usually described by a listing that some other system wrote (``find``, a
database export), so a listing is read rather than the folder walked twice. Every form ends in the same
:class:`~unmask.batch.files.FileSelection` that ``unmask scan`` uses: folders are walked with its rules
(hidden files and documents skipped), listed paths are always scanned, and missing ones are reported.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from unmask.batch.files import FileSelection, select_files
from unmask.errors import UnmaskError
from unmask.media.sniff import HEAD_BYTES, sniff

LIST_SUFFIXES = {".txt", ".lst", ".list"}
"""A file with one of these suffixes whose bytes are not media is a list of paths, one a line."""
PARQUET_COLUMNS = ("path", "relpath", "file")
"""The first of these columns a Parquet listing has holds the paths."""
_GLOB_CHARS = set("*?[")


class InputError(UnmaskError):
    """An INPUT that cannot be read as a folder, a glob or a listing (one line: the input and why)."""


def list_inputs(specs: Sequence[str | Path]) -> FileSelection:
    """Expand every INPUT into the files to scan, in a stable order without duplicates."""
    paths: list[Path] = []
    unmatched: list[Path] = []
    for spec in specs:
        text = str(spec)
        if _is_glob(text) and not Path(text).exists():
            found = sorted(glob.glob(text, recursive=True))
            if found:
                paths.extend(Path(p) for p in found)
            else:
                unmatched.append(Path(text))
        elif _is_parquet_list(Path(text)):
            paths.extend(_read_parquet(Path(text)))
        elif _is_text_list(Path(text)):
            paths.extend(_read_text(Path(text)))
        else:
            paths.append(Path(text))
    selection = select_files(list(dict.fromkeys(paths)))
    selection.missing.extend(unmatched)
    return selection


def _is_glob(text: str) -> bool:
    return any(c in _GLOB_CHARS for c in text)


def _is_parquet_list(path: Path) -> bool:
    if path.suffix.lower() != ".parquet" or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def _is_text_list(path: Path) -> bool:
    if path.suffix.lower() not in LIST_SUFFIXES or not path.is_file():
        return False
    with path.open("rb") as handle:
        return sniff(handle.read(HEAD_BYTES)) is None


def _read_parquet(path: Path) -> list[Path]:
    """Paths from the ``path`` (or ``relpath``/``file``) column; relative ones are relative to the listing."""
    names = pq.read_schema(path).names
    column = next((c for c in PARQUET_COLUMNS if c in names), None)
    if column is None:
        raise InputError(f"{path}: a Parquet listing needs a column named one of {', '.join(PARQUET_COLUMNS)}")
    values = pq.read_table(path, columns=[column]).column(column).to_pylist()
    return [_relative_to(path, str(v)) for v in values if v]


def _read_text(path: Path) -> list[Path]:
    """One path a line; blank lines and lines starting with ``#`` are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: a path list must be UTF-8 text ({exc.reason})") from None
    return [_relative_to(path, line.strip()) for line in lines if line.strip() and not line.startswith("#")]


def _relative_to(listing: Path, entry: str) -> Path:
    """A listing travels with its files: a relative entry is read from the listing's folder."""
    path = Path(entry).expanduser()
    return path if path.is_absolute() else listing.parent / path
