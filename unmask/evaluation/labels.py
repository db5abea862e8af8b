"""Which files an evaluation scans, and whether each is real or fake.

Labels come from a ``manifest.csv`` (columns ``relpath,label,kind``, paths relative to the manifest's
folder) when one is given or found in DIR or a folder above it, so ``unmask eval data/images`` reuses
``data/manifest.csv`` and keeps only its rows under ``data/images``. Without a manifest, a ``real`` or
``fake`` folder in a file's path (relative to DIR) is its label. Rows labelled anything else (``n/a``)
are not evaluated: they have no ground truth to score against.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unmask.batch.files import select_files
from unmask.media.sniff import HEAD_BYTES, sniff

MANIFEST_NAME = "manifest.csv"
LABELS = ("real", "fake")
MediaType = Literal["image", "video", "audio", "unknown"]


@dataclass(frozen=True)
class LabelledFile:
    """One file to evaluate: where it is, its ground truth and what kind of media it looks like."""

    path: Path
    label: Literal["real", "fake"]
    kind: str
    """The manifest's ``kind`` (gan, faceswap, photo, ...); without a manifest, the folder under
    ``real/`` or ``fake/`` if there is one, else the label itself."""
    media: MediaType
    """Guessed from the first bytes before scanning (for ``--kinds``); a scan replaces it with the
    decoded kind (an MP4 holding only sound is audio)."""

    @property
    def is_fake(self) -> int:
        return int(self.label == "fake")


def find_manifest(folder: Path) -> Path | None:
    """The nearest ``manifest.csv`` in ``folder`` or any folder above it."""
    for candidate in (folder, *folder.parents):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate / MANIFEST_NAME
    return None


def from_manifest(manifest: Path, folder: Path) -> list[LabelledFile]:
    """The manifest's real/fake rows whose file lies under ``folder``, in manifest order."""
    root, resolved = manifest.resolve().parent, folder.resolve()
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    files = []
    for row in rows:
        label = (row.get("label") or "").strip().lower()
        relpath = (row.get("relpath") or "").strip()
        if label not in LABELS or not relpath:
            continue
        path = (root / relpath).resolve()
        if path.is_relative_to(resolved):
            path = folder / path.relative_to(resolved)  # as the user named the folder, for readable output
            kind = (row.get("kind") or "").strip() or label
            files.append(LabelledFile(path, label, kind, guess_media(path)))  # type: ignore[arg-type]
    return files


def from_folders(folder: Path) -> list[LabelledFile]:
    """Files under ``folder`` labelled by the innermost ``real``/``fake`` folder in their path."""
    files = []
    for path in select_files([folder]).files:
        parts = [p.lower() for p in path.relative_to(folder).parts[:-1]]
        at = max((i for i, part in enumerate(parts) if part in LABELS), default=None)
        if at is None:
            continue
        label = parts[at]
        kind = parts[at + 1] if at + 1 < len(parts) else label
        files.append(LabelledFile(path, label, kind, guess_media(path)))  # type: ignore[arg-type]
    return files


def labelled_files(folder: Path, manifest: Path | None = None) -> tuple[list[LabelledFile], Path | None]:
    """The labelled files under ``folder`` and the manifest they came from (``None``: folder names)."""
    manifest = manifest or find_manifest(folder)
    if manifest is not None:
        return from_manifest(manifest, folder), manifest
    return from_folders(folder), None


def guess_media(path: Path) -> MediaType:
    """Image, video or audio from the file's first bytes (never its extension); "unknown" if unreadable."""
    try:
        with path.open("rb") as handle:
            sniffed = sniff(handle.read(HEAD_BYTES))
    except OSError:
        return "unknown"
    return "unknown" if sniffed is None else sniffed.kind.value


def balanced_head(files: list[LabelledFile], limit: int | None) -> list[LabelledFile]:
    """The first ``limit`` files, taken alternately from reals and fakes (each in their own order), so a
    quick ``--limit`` run still has both classes to compute an AUC from."""
    if limit is None or limit >= len(files):
        return files
    reals = [f for f in files if f.label == "real"]
    fakes = [f for f in files if f.label == "fake"]
    mixed = [f for pair in zip(reals, fakes, strict=False) for f in pair]
    longer = reals if len(reals) > len(fakes) else fakes
    mixed += longer[min(len(reals), len(fakes)) :]
    return mixed[:limit]
