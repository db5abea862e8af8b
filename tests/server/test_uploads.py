"""Upload checks give the CLI's one-line reasons with the right HTTP status; names never become paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import HTTPException

from unmask.errors import MediaError
from unmask.media import decode
from unmask.server.uploads import check_media, display_name


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("clip\x00\n.mp4", "clip.mp4"),
        ("", "upload"),
        (None, "upload"),
        ("/", "upload"),
        ("x" * 300 + ".jpg", "x" * 200),
    ],
)
def test_display_name_is_one_harmless_component(given: str | None, shown: str) -> None:
    assert display_name(given) == shown


@pytest.mark.parametrize(("kind", "status"), [("text", 415), ("truncated", 422), ("empty", 422)])
def test_bad_media_is_refused_with_the_cli_reason(media: dict[str, Path], kind: str, status: int) -> None:
    with pytest.raises(MediaError) as cli:
        decode(media[kind])
    with pytest.raises(HTTPException) as refused:
        check_media(media[kind], "shown-name.jpg")
    assert refused.value.status_code == status
    assert refused.value.detail == f"shown-name.jpg: {cli.value.reason}"


@pytest.mark.parametrize("kind", ["photo", "clip"])
def test_good_media_passes(media: dict[str, Path], kind: str) -> None:
    check_media(media[kind], kind)
