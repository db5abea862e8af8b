"""Features of the anti-spoofing field, in numpy (scan time needs no torch): the log power spectrogram the
voice CNN reads, and LFCCs for the ASVspoof LFCC-GMM baseline in ``bench/``.

Why a linear frequency axis (not mel): vocoders and codecs leave their traces above 4 kHz, where the mel
scale squeezes the bins together (Sahidullah et al. 2015 found linear-frequency cepstra the strongest
hand-made feature for spoofing detection, and ASVspoof 2019/2021 ship LFCC baselines for that reason).
The spectrogram is scaled relative to the segment's own loud bins, so the recording level does not matter;
its floor is clipped, so digital silence and a quiet room look the same.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.fft import dct

N_FFT = 512
WIN = 320
"""20 ms at 16 kHz."""
HOP = 160
"""10 ms at 16 kHz."""
BINS = N_FFT // 2 + 1
MODEL_BINS = 129
"""The CNN reads 0-4 kHz (bins 0..128). Above 4 kHz the training sources differ in ways that are not the
label (8 kHz-sampled digits, 22-24 kHz TTS demo pages, loudness normalisation), phone calls and 8 kHz
recordings have nothing there, and a first model that read the full band scored near chance on unseen
systems (see the README); 0-4 kHz still holds the harmonics, formants and noise that vocoders get wrong."""
FLOOR_DB = 80.0
"""The spectrogram spans this many dB below the segment's loud bins (99th percentile)."""
LFCC_FILTERS = 20
LFCC_COEFFS = 20


@cache
def _window() -> np.ndarray:
    return np.hanning(WIN + 2)[1:-1].astype(np.float32)


def power_spectrogram(samples: np.ndarray) -> np.ndarray:
    """|STFT|² as frames x BINS (float32), 20 ms Hann windows every 10 ms, zero-padded to 512 points."""
    x = np.asarray(samples, dtype=np.float32)
    if len(x) < WIN:
        x = np.pad(x, (0, WIN - len(x)))
    count = 1 + (len(x) - WIN) // HOP
    idx = np.arange(WIN)[None, :] + HOP * np.arange(count)[:, None]
    spectrum = np.fft.rfft(x[idx] * _window(), n=N_FFT, axis=1)
    return (spectrum.real**2 + spectrum.imag**2).astype(np.float32)


def log_spectrogram(samples: np.ndarray, bins: int = MODEL_BINS) -> np.ndarray:
    """The CNN's input: ``bins`` x frames float32, about -2..2: dB relative to the segment's 99th
    percentile bin, clipped at -FLOOR_DB, then centred and scaled."""
    db = 10.0 * np.log10(power_spectrogram(samples)[:, :bins] + 1e-12)
    db = np.clip(db - np.percentile(db, 99), -FLOOR_DB, 0.0)
    return np.ascontiguousarray(((db + FLOOR_DB / 2) / (FLOOR_DB / 4)).T, dtype=np.float32)


@cache
def linear_filterbank(filters: int = LFCC_FILTERS, bins: int = BINS) -> np.ndarray:
    """``filters`` triangular filters spaced evenly from 0 Hz to Nyquist (filters x bins)."""
    edges = np.linspace(0, bins - 1, filters + 2)
    k = np.arange(bins)[None, :]
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (k - left) / (centre - left)
    down = (right - k) / (right - centre)
    return np.clip(np.minimum(up, down), 0.0, None).astype(np.float32)


def deltas(features: np.ndarray, width: int = 2) -> np.ndarray:
    """Regression deltas over ±``width`` frames (frames x dims), edges repeated, as HTK and ASVspoof do."""
    padded = np.pad(features, ((width, width), (0, 0)), mode="edge")
    n = len(features)
    num = sum(w * (padded[width + w : width + w + n] - padded[width - w : width - w + n]) for w in range(1, width + 1))
    return num / (2 * sum(w * w for w in range(1, width + 1)))


def lfcc(samples: np.ndarray, coeffs: int = LFCC_COEFFS, with_deltas: bool = True) -> np.ndarray:
    """Linear-frequency cepstral coefficients (frames x 60: 20 static + Δ + ΔΔ), the ASVspoof 2019 LA
    baseline's front end (20 linear filters, 20 ms windows, 512-point FFT)."""
    energies = power_spectrogram(samples) @ linear_filterbank().T
    static = dct(np.log(energies + 1e-10), type=2, axis=1, norm="ortho")[:, :coeffs]
    if not with_deltas:
        return static.astype(np.float32)
    d1 = deltas(static)
    return np.hstack([static, d1, deltas(d1)]).astype(np.float32)
