"""The installed unmask version, recorded in every report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unmask")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
