"""Server fixtures: sample media made on the spot, and the PostgreSQL cluster the ledger tests use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger.conftest import pg_url  # noqa: F401  (the session's throwaway PostgreSQL cluster)
from unmask import samples


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A camera photo, a 2 s talking-head clip with sound, a text file and a truncated JPEG."""
    root = tmp_path_factory.mktemp("server-media")
    photo = samples.camera_photo(root / "photo.jpg")
    return {
        "photo": photo,
        "clip": samples.talking_clip(root / "clip.mp4", seconds=2.0),
        "text": _write(root / "notes.txt", b"just some words, not media\n"),
        "truncated": samples.truncated(photo, root / "cut.jpg"),
        "empty": _write(root / "empty.jpg", b""),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
