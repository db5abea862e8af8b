"""Running the shipped voice model with onnxruntime (no torch at scan time), and the input it expects.

Training (torch) and scanning both turn audio into model input through :func:`segment_inputs`, so the
model sees the same numbers in both. Shares the cached one-thread session of :mod:`unmask.models.runtime`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unmask.media.speech import SEGMENT_S, SPEECH_RATE, fit_length
from unmask.models.runtime import ShippedModel
from unmask.models.voice_features import log_spectrogram

VOICE_FILE = "voice.onnx"
INPUT_NAME = "spectrogram"
OUTPUT_NAME = "logit"
SEGMENT_SAMPLES = int(SEGMENT_S * SPEECH_RATE)
BATCH = 16


VOICE = ShippedModel(VOICE_FILE, "unmask train voice --data TRAIN_AUDIO")


def segment_inputs(segments: Sequence[np.ndarray]) -> np.ndarray:
    """16 kHz segments (any length; each fitted to 2 s) -> float32 N x 1 x MODEL_BINS x frames (0-4 kHz)."""
    return np.stack([log_spectrogram(fit_length(np.asarray(s, np.float32), SEGMENT_SAMPLES)) for s in segments])[
        :, None
    ]


def segment_probabilities(segments: Sequence[np.ndarray]) -> np.ndarray:
    """Probabilities (0..1) that each 16 kHz speech segment is synthetic."""
    if len(segments) == 0:
        return np.zeros(0, dtype=np.float32)
    session = VOICE.session()
    logits = [
        np.asarray(session.run([OUTPUT_NAME], {INPUT_NAME: segment_inputs(segments[i : i + BATCH])})[0])
        for i in range(0, len(segments), BATCH)
    ]
    return (1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))).astype(np.float32)
