"""Turning arrays and plots into the encoded pictures that reports embed."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image


def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode an RGB or grey uint8 array as PNG (zlib level 6: PIL's optimize pass cost up to 0.5 s a picture
    for a few per cent smaller files)."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def jpeg_bytes(pixels: np.ndarray, quality: int = 85) -> bytes:
    """Encode an RGB uint8 array as JPEG (for photographic crops, where PNG is large)."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def figure_png(figure: Any, dpi: int = 100) -> bytes:
    """Render a matplotlib figure to PNG (signals draw timelines and spectra this way)."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi, bbox_inches="tight")
    return out.getvalue()


def new_figure(width: float = 6.0, height: float = 2.2) -> Any:
    """A matplotlib figure outside pyplot: no global figure registry, so nothing to close and nothing
    shared between threads (the server and batch workers draw reports concurrently)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))
