"""Running the shipped GAN-fingerprint model with onnxruntime (no torch at scan time).

Shares the cached one-thread session factory of :mod:`unmask.models.runtime`, so batch scans running
side by side do not oversubscribe the CPU.
"""

from __future__ import annotations

import numpy as np

from unmask.models.gan_spec import GAN_FINGERPRINT_FILE, patch_inputs
from unmask.models.network_spec import INPUT_NAME, OUTPUT_NAME
from unmask.models.runtime import ShippedModel

BATCH = 64


GAN_FINGERPRINT = ShippedModel(GAN_FINGERPRINT_FILE, "unmask train gan-fingerprint --data REAL_PICTURES")


def patch_probabilities(patches: np.ndarray) -> np.ndarray:
    """Probabilities (0..1) that each uint8 N x P x P x 3 native patch was made by an up-sampler."""
    if len(patches) == 0:
        return np.zeros(0, dtype=np.float32)
    session = GAN_FINGERPRINT.session()
    logits = [
        np.asarray(session.run([OUTPUT_NAME], {INPUT_NAME: patch_inputs(patches[i : i + BATCH])})[0])
        for i in range(0, len(patches), BATCH)
    ]
    return (1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))).astype(np.float32)
