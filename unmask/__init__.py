"""unmask: tell what is real and what is not in images, video and audio.

>>> from unmask import scan
>>> report = scan("clip.mp4")          # doctest: +SKIP
>>> report.verdict.label, report.verdict.probability   # doctest: +SKIP
"""

from unmask.config import DecodeLimits, SamplingPolicy, ScanOptions
from unmask.errors import MediaError, UnmaskError
from unmask.pipeline import scan
from unmask.report.model import Report
from unmask.version import __version__

__all__ = [
    "DecodeLimits",
    "MediaError",
    "Report",
    "SamplingPolicy",
    "ScanOptions",
    "UnmaskError",
    "__version__",
    "scan",
]
