"""Errors that reach the user as one line.

Every failure a user can cause (a corrupt file, a wrong type, a file over a limit) is a
:class:`MediaError`: it names the file and the reason, so a batch can print it and go on.
"""

from __future__ import annotations

from pathlib import Path


class UnmaskError(Exception):
    """Base class of errors unmask raises on purpose."""


class MediaError(UnmaskError):
    """A file that cannot be scanned, with the reason in plain words.

    ``str(error)`` is the one-line message shown to users: ``"<path>: <reason>"``.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(reason.split())  # always one line
        super().__init__(f"{self.path}: {self.reason}")


class UnsupportedMediaError(MediaError):
    """The content is not a kind of media unmask reads (HTTP 415 in the service)."""


class MediaLimitError(MediaError):
    """The media exceeds a configured limit: size, pixels, duration (HTTP 413/422 in the service)."""
