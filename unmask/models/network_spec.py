"""The face-blend model's interface, shared by training (torch) and inference (onnxruntime) without torch."""

from __future__ import annotations

INPUT_MEAN = 0.5
INPUT_STD = 0.25
"""Input normalisation: ``(rgb / 255 - INPUT_MEAN) / INPUT_STD``, channels first (N x 3 x H x W)."""
INPUT_NAME = "face"
OUTPUT_NAME = "logit"
