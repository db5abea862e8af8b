"""Spectrum: does the picture's power spectrum fall off like a camera photograph's, without the periodic
peaks that up-sampling leaves?

Why it works: the power spectrum of natural photographs falls off smoothly, close to a power law
(``P(f) ~ f^-a``, a ≈ 2-4) up to the Nyquist frequency. Generators and face-swap decoders build their
output by up-sampling (transposed convolution, nearest-neighbour or bilinear up-sampling between
convolutions), and they cannot reproduce that fall-off: the azimuthally averaged spectrum bends away
from the power law in its high-frequency tail (Durall, Keuper & Keuper 2020, "Watch your Up-Convolution:
CNN Based Generative Deep Neural Networks are Failing to Reproduce Spectral Distributions"; Dzanic,
Shah & Witherden 2020, "Fourier spectrum discrepancies in deep network generated images"), and the
up-sampling grid leaves periodic peaks in the 2D spectrum at N/2 and N/4 (Frank et al. 2020,
"Leveraging Frequency Analysis for Deep Fake Image Recognition"; Odena, Dumoulin & Olah 2016,
"Deconvolution and Checkerboard Artifacts"). A picture that was interpolated by an integer factor also
repeats a pattern every other pixel in its first or second differences (zeros between copied or
averaged pixels; Gallagher 2005, "Detection of linear and cubic interpolation in JPEG compressed
images"; Popescu & Farid 2005, "Exposing digital forgeries by detecting traces of resampling").

What it measures on the grey picture, at native resolution (resampling would erase or fake the traces;
large pictures are cropped to their central :data:`MAX_SIDE` pixels instead), and on a native square
crop of the largest face (at most :data:`FACE_SIDE` px), for video on up to :data:`MAX_FRAMES`
evenly spaced frames:

* **tail**: the log power spectrum (Hann-windowed 2D FFT, averaged over up to :data:`MAX_TILES` tiles
  of :data:`TILE` px, Welch style) is averaged over rings of equal frequency, a power law is fitted to
  the mid band :data:`MID_BAND` and ``tail`` is the mean deviation from it over :data:`HIGH_BAND`
  (log10 units; reported in dB). Missing high frequencies (interpolation, blur) make it negative,
  copied pixels (nearest-neighbour) and generator noise positive.
* **peak**: how far the 2D spectrum at (N/2, 0), (0, N/2), (N/2, N/2), (N/4, 0), (0, N/4) and the
  N/4 diagonals stands above its neighbourhood (median of a 13 x 13 window without its centre), minus
  the same prominence at the 1/8 and 3/8 positions on the same line: JPEG's 8-pixel block grid puts
  energy at every multiple of N/8, so only what the grid does not explain counts.
* **period2**: per phase modulo 8 of the pixel grid, the mean absolute first and second difference
  along rows and columns; ``period2`` is how far all phases of one parity lie apart from all phases of
  the other (log ratio, second-smallest vs second-largest, so one block-boundary phase cannot fake or
  hide it). Copied pixels (nearest-neighbour 2x) zero every other first difference; averaged ones
  (bilinear 2x) every other second difference.

Reference band: the same measures on real pictures: the photographs shipped with scikit-image
(``astronaut``, ``camera``, ``chelsea``, ``coffee``, ``coins``, ``grass``, ``gravel``, ``brick``,
``rocket`` and the left ``stereo_motorcycle`` view; ``moon`` is left out because it was itself up-scaled
2x by pixel copying), each as shipped, re-saved as JPEG at quality 90 and 75 and down-scaled to 70 %,
plus :data:`REAL_PER_KIND` real pictures of each manifest kind of the training set (seeded draw). The
ten photographs alone made a band too narrow for real pictures as they reach us: it flagged 28-33 % of
the real face crops and photos of ``train/`` and 70 % of its grey 64 px crops, mostly for the
every-other-pixel pattern that enlarging leaves. :func:`reference_table` computes the band
(``python -m unmask.signals.spectrum --real ../shared/data/train``); :data:`REFERENCE` and
:data:`REFERENCE_PROFILE` hold the result (the test suite checks that they still agree when the data is
there). Each measure becomes a robust z-score
against that band (distance from the reference median in units of the median-to-5th/95th-percentile
spread on that side); only z beyond :data:`TYPICAL_Z` counts. The summed excess ``e`` gives
``score = 0.45 + 0.45 tanh(e / 2)`` and a confidence of at most :data:`MAX_CONFIDENCE`.

Limits, said in the findings: lossy compression removes high frequencies too, so a low tail counts
less the lower the JPEG quality (nothing at quality ≤ :data:`JPEG_Q_NONE`) and half for video, whose
codec also draws its own 4 x 4 and 8 x 8 block grid (spectral peaks count half). Real photos that
were up-scaled for display carry the same interpolation traces as generated ones: the signal shows
that a picture was up-sampled, not by whom.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from unmask.faces.types import Box
from unmask.media.types import Frame, MediaKind
from unmask.report.artifacts import figure_png, new_figure
from unmask.signals.base import AnalysisContext, Artifact, Direction, Finding, Need, Outcome, Signal
from unmask.signals.registry import register_signal

TILE = 256
"""Side of the square tiles whose spectra are averaged (Welch); smaller pictures use their short side."""
MAX_TILES = 16
"""At most this many tiles per picture (for video: in all, shared among the sampled frames)."""
MAX_FRAMES = 8
"""Video: at most this many evenly spaced frames are analysed."""
MAX_SIDE = 2048
"""Larger pictures are cropped (not resampled) to their central MAX_SIDE x MAX_SIDE pixels."""
PERIOD_SIDE = 1024
"""The pixel-phase statistic reads the central PERIOD_SIDE x PERIOD_SIDE pixels."""
MIN_SIDE = 64
"""Pictures (and face crops) smaller than this have too few frequencies to judge."""
FACE_SIDE = 256
"""The face crop is a native square of the face box, at most this many pixels wide."""
N_BINS = 32
"""Rings of equal frequency between 0 and 0.5 cycles per pixel."""
MID_BAND = (0.04, 0.2)
"""Frequencies (cycles per pixel) where the power law is fitted."""
HIGH_BAND = (0.3, 0.5)
"""The high-frequency tail that is compared with the fitted power law."""
FLAT_STD = 1.0
"""Tiles whose grey levels vary less than this (of 255) are sky or letterbox, not spectrum, and skipped."""
TYPICAL_Z = 1.5
"""Robust z-scores up to this size are ordinary variation between real photographs and count for nothing."""
MAX_CONFIDENCE = 0.4
REAL_PER_KIND = 100
"""Real training pictures per manifest kind that join the scikit-image photographs in the reference band."""
JPEG_Q_FULL = 90
"""At or above this JPEG quality a missing high-frequency tail counts fully."""
JPEG_Q_NONE = 60
"""At or below this JPEG quality compression alone explains a missing tail: it counts for nothing."""

REFERENCE_IMAGES = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "brick",
    "rocket",
    "stereo_motorcycle",
)
"""Real photographs shipped with scikit-image that define the reference band (``moon`` is left out:
it was up-scaled 2x by pixel copying, which is what this signal looks for)."""
REFERENCE_VARIANTS = ("as shipped", "JPEG q90", "JPEG q75", "downscaled to 70 %")

REFERENCE: dict[str, dict[str, tuple[float, float, float]]] = {
    "image": {
        "tail": (-1.1331, -0.374, 0.2415),
        "peak": (-0.1399, 0.1692, 0.5409),
        "period2": (-0.0196, 0.0187, 0.085),
    },
    "crop": {
        "tail": (-1.0896, -0.2935, 0.4273),
        "peak": (-0.1666, 0.1781, 0.5872),
        "period2": (-0.0196, 0.0247, 0.1122),
    },
}
"""5th percentile, median and 95th percentile of each measure over the reference pictures, for the
whole picture ("image") and for single native crops of 64, 128 and 256 px ("crop", what a face crop
is compared with). Generated by :func:`reference_table` with ``--real ../shared/data/train``."""
# fmt: off
REFERENCE_PROFILE: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] = (
    (
        -3.9675, -1.4339, -0.7345, -0.3674, -0.1421, -0.1288, -0.1314, -0.1425, -0.1304, -0.1335, -0.1337, -0.1829,
        -0.2256, -0.3785, -0.4266, -0.5003, -0.5606, -0.6369, -0.7173, -0.7926, -0.8367, -0.9525, -1.0256, -1.0804,
        -1.1079, -1.2294, -1.2885, -1.2934, -1.3275, -1.3193, -1.3167, -1.3053
    ),
    (
        -1.4043, -0.3252, -0.1165, -0.07, 0.0142, 0.0249, 0.0403, 0.03, 0.0317, 0.0168, -0.0078, -0.0344, -0.0512,
        -0.0874, -0.1077, -0.12, -0.1507, -0.1834, -0.1928, -0.2237, -0.2482, -0.2881, -0.3109, -0.3475, -0.3683,
        -0.4029, -0.4368, -0.4502, -0.4571, -0.4609, -0.4457, -0.4767
    ),
    (
        0.1063, 0.2962, 0.3046, 0.0988, 0.1855, 0.2552, 0.2512, 0.2378, 0.2167, 0.1607, 0.1121, 0.0887, 0.0847,
        0.1341, 0.1422, 0.1552, 0.1732, 0.1843, 0.2034, 0.2215, 0.2409, 0.2378, 0.2531, 0.2281, 0.2139, 0.2311,
        0.2714, 0.2772, 0.2688, 0.2782, 0.2828, 0.3179
    ),
)
# fmt: on
"""Per frequency ring: 5th percentile, median and 95th percentile of the deviation from the mid-band
power law over the reference pictures (whole-picture analysis), log10 units. The plotted band."""

_PEAKS: tuple[tuple[str, tuple[float, float], tuple[tuple[float, float], ...]], ...] = (
    ("N/2 across", (0.5, 0.0), ((0.125, 0.0), (0.375, 0.0))),
    ("N/2 down", (0.0, 0.5), ((0.0, 0.125), (0.0, 0.375))),
    ("N/2 diagonal", (0.5, 0.5), ((0.125, 0.125), (0.375, 0.375))),
    ("N/4 across", (0.25, 0.0), ((0.125, 0.0), (0.375, 0.0))),
    ("N/4 down", (0.0, 0.25), ((0.0, 0.125), (0.0, 0.375))),
    ("N/4 diagonal", (0.25, 0.25), ((0.125, 0.125), (0.375, 0.375))),
    ("N/4 anti-diagonal", (0.25, -0.25), ((0.125, -0.125), (0.375, -0.375))),
)
"""Where up-sampling grids put energy, and the JPEG-grid positions on the same line to discount."""
_WEIGHTS = {"tail_low": 0.5, "tail_high": 0.5, "peak": 1.0, "period2": 1.0}
"""How much each measure's excess counts (the tail is the measure most moved by ordinary processing)."""


@dataclass(frozen=True)
class Spectrum:
    """The measures of one picture or crop."""

    profile: np.ndarray
    """Deviation of the ring-averaged log10 power from the mid-band power law, per ring (N_BINS)."""
    slope: float
    """Exponent of the mid-band power law (natural photographs: about -2 to -4)."""
    tail: float
    peak: float
    peak_at: str
    period2: float
    side: int
    """Tile (or crop) side in pixels."""


@dataclass
class Measured:
    image: Spectrum
    face: Spectrum | None = None
    frames: int = 1
    face_box: Box | None = None


@register_signal
class SpectrumSignal(Signal):
    name = "spectrum"
    version = "1.1"
    applies_to = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
    needs = frozenset({Need.FRAMES, Need.FACE_REGIONS})
    description = "Power spectrum fall-off and up-sampling peaks of the picture and the face vs real photographs"

    def precondition(self, ctx: AnalysisContext) -> str | None:
        reason = super().precondition(ctx)
        if reason is not None:
            return reason
        frame = ctx.media.frames[0]
        if min(frame.height, frame.width) < MIN_SIDE:
            return f"picture too small for a spectrum ({frame.width}x{frame.height}, needs {MIN_SIDE} px)"
        if float(frame.pixels[::4, ::4].std()) < FLAT_STD:  # subsampled: a 24 MP photo costs nothing here
            return "the picture is flat: it has no spectrum to compare"
        return None

    def analyze(self, ctx: AnalysisContext) -> Outcome:
        measured = measure_media(ctx)
        jpeg_q = _jpeg_quality(ctx)
        video = ctx.media.kind is MediaKind.VIDEO
        zs = _zs(measured)
        excess = spectrum_excess(zs, jpeg_q, video)
        score = 0.45 + 0.45 * math.tanh(excess / 2.0)
        confidence = _confidence(excess, measured, jpeg_q, video)
        findings = _findings(measured, zs, jpeg_q, video)
        details = _details(measured, zs, excess, jpeg_q)
        artifacts = [_plot(measured)] if ctx.options.artifacts else []
        return Outcome.scored(
            score,
            confidence,
            _summary(zs, excess),
            findings=findings,
            details=details,
            artifacts=artifacts,
        )


# --- measuring ------------------------------------------------------------------------------------


def grey_of(pixels: np.ndarray) -> np.ndarray:
    """Float32 luma (ITU-R BT.601, as JPEG stores it) of an RGB uint8 picture."""
    return (
        cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32) if pixels.ndim == 3 else pixels.astype(np.float32)
    )


def central_crop(pixels: np.ndarray, side: int) -> np.ndarray:
    """The central ``side`` x ``side`` (at most) pixels, with offsets on the 8-pixel JPEG grid."""
    height, width = pixels.shape[:2]
    y0 = max(0, (height - side) // 2) // 8 * 8
    x0 = max(0, (width - side) // 2) // 8 * 8
    return pixels[y0 : y0 + side, x0 : x0 + side]


def ring_centres() -> np.ndarray:
    """Centre frequency (cycles per pixel) of each of the N_BINS rings."""
    return (np.arange(N_BINS) + 0.5) * 0.5 / N_BINS


@lru_cache(maxsize=16)
def _rings(side: int) -> np.ndarray:
    """Ring index (N_BINS rings over 0-0.5 cycles per pixel, -1 beyond) of each unshifted FFT bin."""
    freq = np.fft.fftfreq(side)
    radius = np.hypot(freq[:, None], freq[None, :])
    index = np.floor(radius / 0.5 * N_BINS).astype(np.int64)
    index[index >= N_BINS] = -1
    return index


@lru_cache(maxsize=16)
def _window(side: int) -> np.ndarray:
    hann = np.hanning(side).astype(np.float32)
    return np.outer(hann, hann)


def pick_tiles(grey: np.ndarray, side: int, limit: int) -> list[np.ndarray]:
    """Up to ``limit`` evenly spread ``side``-px tiles that are not flat."""
    height, width = grey.shape
    ys = np.linspace(0, height - side, max(1, math.ceil(height / side))).round().astype(int)
    xs = np.linspace(0, width - side, max(1, math.ceil(width / side))).round().astype(int)
    tiles = [grey[y : y + side, x : x + side] for y in ys for x in xs]
    textured = [t for t in tiles if float(t.std()) >= FLAT_STD] or tiles
    if len(textured) > limit:
        textured = [textured[i] for i in np.linspace(0, len(textured) - 1, limit).round().astype(int)]
    return textured


def power_2d(tiles: list[np.ndarray]) -> np.ndarray:
    """Mean power spectrum (unshifted) of Hann-windowed, mean-removed tiles of one size."""
    side = tiles[0].shape[0]
    window = _window(side)
    total = np.zeros((side, side), dtype=np.float64)
    for tile in tiles:
        total += np.abs(np.fft.fft2((tile - tile.mean()) * window)) ** 2
    return total / len(tiles)


def ring_profile(power: np.ndarray) -> tuple[np.ndarray, float]:
    """Deviation of the ring-averaged log10 power from the power law fitted to MID_BAND, and its slope."""
    index, centres = _rings(power.shape[0]), ring_centres()
    keep = index >= 0
    sums = np.bincount(index[keep], weights=power[keep], minlength=N_BINS)
    counts = np.maximum(np.bincount(index[keep], minlength=N_BINS), 1)
    log_power = np.log10(sums / counts + 1e-9)
    mid = (centres >= MID_BAND[0]) & (centres <= MID_BAND[1])
    slope, intercept = np.polyfit(np.log10(centres[mid]), log_power[mid], 1)
    return log_power - (intercept + slope * np.log10(centres)), float(slope)


def tail_of(profile: np.ndarray) -> float:
    centres = ring_centres()
    high = (centres >= HIGH_BAND[0]) & (centres < HIGH_BAND[1])
    return float(profile[high].mean())


def _prominence(log_power: np.ndarray, fx: float, fy: float) -> float:
    """log10 power at (fx, fy) (best of a 3 x 3 cell) over the median of its 13 x 13 neighbourhood
    without the central 5 x 5."""
    side = log_power.shape[0]
    iy, ix = round(fy * side) % side, round(fx * side) % side
    rows = np.arange(iy - 6, iy + 7) % side
    cols = np.arange(ix - 6, ix + 7) % side
    window = log_power[np.ix_(rows, cols)]
    centre = float(window[5:8, 5:8].max())
    ring = np.ones((13, 13), dtype=bool)
    ring[4:9, 4:9] = False
    return centre - float(np.median(window[ring]))


def peaks_of(power: np.ndarray) -> tuple[float, str]:
    """The strongest up-sampling peak beyond what the JPEG 8-px grid explains (log10), and where."""
    log_power = np.log10(power + 1e-9)
    best, where = -math.inf, ""
    for name, (fx, fy), comb in _PEAKS:
        grid = max(0.0, *(_prominence(log_power, cx, cy) for cx, cy in comb))
        value = _prominence(log_power, fx, fy) - grid
        if value > best:
            best, where = value, name
    return float(best), where


def period2_of(grey: np.ndarray) -> float:
    """How far the mean first or second differences at even and odd pixel phases lie apart (log ratio,
    robust to one block-boundary phase per parity); about 0 or below for untouched photographs."""
    best = -math.inf
    for axis in (0, 1):
        for order in (1, 2):
            diff = np.abs(np.diff(grey, n=order, axis=axis))
            length = diff.shape[axis] // 8 * 8
            if length < 16:
                continue
            diff = diff[:length] if axis == 0 else diff[:, :length]
            moved = diff if axis == 1 else diff.T
            phases = moved.reshape(moved.shape[0], length // 8, 8).mean(axis=(0, 1))
            logs = np.log(phases + 0.01 * float(phases.mean()) + 1e-3)
            even, odd = np.sort(logs[0::2]), np.sort(logs[1::2])
            best = max(best, float(odd[1] - even[-2]), float(even[1] - odd[-2]))
    return best if math.isfinite(best) else 0.0


def measure_picture(grey: np.ndarray, tile_limit: int = MAX_TILES) -> tuple[np.ndarray, float]:
    """Welch power spectrum of a whole picture's tiles, and its pixel-phase statistic."""
    region = central_crop(grey, MAX_SIDE)
    side = min(TILE, min(region.shape)) // 2 * 2
    power = power_2d(pick_tiles(region, side, tile_limit))
    return power, period2_of(central_crop(region, PERIOD_SIDE))


def spectrum_of(power: np.ndarray, period2: float) -> Spectrum:
    profile, slope = ring_profile(power)
    peak, where = peaks_of(power)
    return Spectrum(profile, slope, tail_of(profile), peak, where, period2, int(power.shape[0]))


def measure_crop(grey: np.ndarray) -> Spectrum:
    """The measures of one native crop (a face), as a single tile."""
    side = min(grey.shape) // 2 * 2
    tile = grey[:side, :side]
    return spectrum_of(power_2d([tile]), period2_of(tile))


def face_crop(pixels: np.ndarray, box: Box) -> np.ndarray | None:
    """A native square crop at the centre of the face box, at most FACE_SIDE wide (None when too small)."""
    height, width = pixels.shape[:2]
    side = int(min(box.width, box.height, FACE_SIDE, height, width)) // 2 * 2
    if side < MIN_SIDE:
        return None
    cx, cy = box.center
    x0 = int(min(max(0, round(cx - side / 2)), width - side))
    y0 = int(min(max(0, round(cy - side / 2)), height - side))
    return pixels[y0 : y0 + side, x0 : x0 + side]


def sample_frames(ctx: AnalysisContext, limit: int = MAX_FRAMES) -> list[tuple[Frame, Box | None]]:
    """Up to ``limit`` evenly spaced frames, each with the box of the largest face in it (if any).
    Video frames are taken where the largest face is, when there is one."""
    frames = ctx.media.frames
    track = ctx.largest_track()
    boxes = {f.frame_index: f.box for f in track.faces} if track else {}
    indices = sorted(boxes) if boxes else list(range(len(frames)))
    if len(indices) > limit:
        indices = [indices[i] for i in np.linspace(0, len(indices) - 1, limit).round().astype(int)]
    return [(frames[i], boxes.get(i)) for i in indices if i < len(frames)]


def measure_media(ctx: AnalysisContext) -> Measured:
    """Whole-picture and face measures, pooled over the sampled frames."""
    chosen = sample_frames(ctx)
    per_frame = max(2, MAX_TILES // len(chosen))
    powers: dict[int, list[np.ndarray]] = {}
    periods: list[float] = []
    faces: list[Spectrum] = []
    face_box = None
    for frame, box in chosen:
        power, period2 = measure_picture(grey_of(central_crop(frame.pixels, MAX_SIDE)), per_frame)
        powers.setdefault(power.shape[0], []).append(power)
        periods.append(period2)
        crop = face_crop(frame.pixels, box) if box is not None else None
        if crop is not None:
            faces.append(measure_crop(grey_of(crop)))
            face_box = face_box or box
    size = max(powers, key=lambda s: len(powers[s]))
    image = spectrum_of(np.mean(powers[size], axis=0), float(np.median(periods)))
    return Measured(image=image, face=_pool(faces), frames=len(chosen), face_box=face_box)


def _pool(spectra: list[Spectrum]) -> Spectrum | None:
    """Median measures (and mean profile) of the face crops of several frames."""
    if not spectra:
        return None
    if len(spectra) == 1:
        return spectra[0]
    middle = sorted(spectra, key=lambda s: s.peak)[len(spectra) // 2]
    return Spectrum(
        profile=np.mean([s.profile for s in spectra], axis=0),
        slope=float(np.median([s.slope for s in spectra])),
        tail=float(np.median([s.tail for s in spectra])),
        peak=middle.peak,
        peak_at=middle.peak_at,
        period2=float(np.median([s.period2 for s in spectra])),
        side=int(np.median([s.side for s in spectra])),
    )


# --- scoring --------------------------------------------------------------------------------------


def robust_z(mode: str, measure: str, value: float) -> float:
    """Distance from the reference median in units of the reference spread on that side."""
    low, centre, high = REFERENCE[mode][measure]
    spread = high - centre if value >= centre else centre - low
    return (value - centre) / max(spread, 1e-6)


def _zs(measured: Measured) -> dict[str, float]:
    zs: dict[str, float] = {}
    for mode, spectrum in (("image", measured.image), ("face", measured.face)):
        if spectrum is None:
            continue
        band = "image" if mode == "image" else "crop"
        for measure in ("tail", "peak", "period2"):
            zs[f"{mode}_{measure}"] = robust_z(band, measure, float(getattr(spectrum, measure)))
    return zs


def jpeg_weight(quality: int | None) -> float:
    """How much a missing high-frequency tail counts given the JPEG quality (1 when not a JPEG)."""
    if quality is None:
        return 1.0
    return float(np.clip((quality - JPEG_Q_NONE) / (JPEG_Q_FULL - JPEG_Q_NONE), 0.0, 1.0))


def spectrum_excess(zs: dict[str, float], jpeg_q: int | None = None, video: bool = False) -> float:
    """Weighted z beyond TYPICAL_Z, the larger of picture and face per measure."""
    low_weight = _WEIGHTS["tail_low"] * jpeg_weight(jpeg_q) * (0.5 if video else 1.0)
    peak_weight = _WEIGHTS["peak"] * (0.5 if video else 1.0)
    total = 0.0
    tails = [zs[k] for k in ("image_tail", "face_tail") if k in zs]
    total += low_weight * max((max(0.0, -z - TYPICAL_Z) for z in tails), default=0.0)
    total += _WEIGHTS["tail_high"] * max((max(0.0, z - TYPICAL_Z) for z in tails), default=0.0)
    for measure, weight in (("peak", peak_weight), ("period2", _WEIGHTS["period2"])):
        values = [zs[k] for k in (f"image_{measure}", f"face_{measure}") if k in zs]
        total += weight * max((max(0.0, z - TYPICAL_Z) for z in values), default=0.0)
    return total


def _confidence(excess: float, measured: Measured, jpeg_q: int | None, video: bool) -> float:
    """Modest: more when something stands out, less for small pictures and heavy compression."""
    confidence = 0.15 + 0.25 * math.tanh(excess)
    if measured.image.side < 128:
        confidence *= 0.6
    if jpeg_q is not None and jpeg_q < JPEG_Q_FULL:
        confidence *= 0.5 + 0.5 * jpeg_weight(jpeg_q)
    if video:
        confidence *= 0.8
    return float(min(MAX_CONFIDENCE, confidence))


def _jpeg_quality(ctx: AnalysisContext) -> int | None:
    if ctx.media.format != "jpeg":
        return None
    quality = ctx.media.metadata.get("jpeg", {}).get("quality_estimate")
    return int(quality) if isinstance(quality, int | float) else None


# --- report ---------------------------------------------------------------------------------------

_NAMES = {
    "tail": "high-frequency tail",
    "peak": "periodic spectral peak",
    "period2": "every-other-pixel pattern",
}


def _summary(zs: dict[str, float], excess: float) -> str:
    unusual = sorted((k for k, z in zs.items() if abs(z) > TYPICAL_Z and excess > 0), key=lambda k: -abs(zs[k]))
    if not unusual:
        return "the power spectrum falls off like real photographs', without up-sampling peaks"
    parts = []
    for key in unusual[:3]:
        mode, measure = key.split("_", 1)
        parts.append(f"{_NAMES[measure]} of the {'face' if mode == 'face' else 'picture'}")
    return "unlike real photographs: " + "; ".join(parts)


def _db(value: float) -> str:
    return f"{10 * value:+.1f} dB"


def _range_db(mode: str, measure: str) -> str:
    low, _, high = REFERENCE[mode][measure]
    return f"{10 * low:+.1f} to {10 * high:+.1f} dB"


def _findings(measured: Measured, zs: dict[str, float], jpeg_q: int | None, video: bool) -> list[Finding]:
    findings: list[Finding] = []
    for mode, spectrum in (("image", measured.image), ("face", measured.face)):
        if spectrum is None:
            continue
        band = "image" if mode == "image" else "crop"
        what = "whole picture" if mode == "image" else f"face crop ({spectrum.side} px)"
        z_tail = zs[f"{mode}_tail"]
        side = "above" if spectrum.tail >= 0 else "below"
        findings.append(
            _finding(
                f"{what}: high-frequency tail {_db(spectrum.tail)} {side} the power law of the mid band "
                f"(real photographs: {_range_db(band, 'tail')})",
                z_tail,
            )
        )
        findings.append(
            _finding(
                f"{what}: strongest spectral peak at {spectrum.peak_at} stands {_db(spectrum.peak)} above its "
                "neighbours beyond the JPEG block grid "
                f"(real photographs up to {10 * REFERENCE[band]['peak'][2]:+.1f} dB)",
                zs[f"{mode}_peak"],
            )
        )
        findings.append(
            _finding(
                f"{what}: pixel differences at even and odd columns/rows stand {spectrum.period2:+.2f} apart "
                f"(log ratio; real photographs up to {REFERENCE[band]['period2'][2]:+.2f}; copied or averaged "
                "pixels of an up-sampling make it large)",
                zs[f"{mode}_period2"],
            )
        )
    if jpeg_q is not None and jpeg_q < JPEG_Q_FULL:
        findings.append(
            Finding(
                f"JPEG quality about {jpeg_q}: compression removes high frequencies, so a low tail counts "
                f"{'not at all' if jpeg_q <= JPEG_Q_NONE else 'less'} and confidence is lower"
            )
        )
    if video:
        findings.append(
            Finding(
                f"video: {measured.frames} frames analysed; the codec removes high frequencies and draws its own "
                "4x4/8x8 block grid, so a low tail and spectral peaks count half"
            )
        )
    findings.append(
        Finding(
            "limits: real photos that were up-scaled or sharpened carry the same traces; a spectrum inside "
            "the real band proves nothing about a face swapped at the original resolution"
        )
    )
    return sorted(findings, key=lambda f: f.direction != "fake")


def _finding(text: str, z: float) -> Finding:
    direction: Direction = "neutral"
    if abs(z) > TYPICAL_Z:
        text += ", outside the real band"
        direction = "fake"
    return Finding(text, direction)


def _details(measured: Measured, zs: dict[str, float], excess: float, jpeg_q: int | None) -> dict[str, object]:
    def describe(spectrum: Spectrum | None) -> dict[str, object] | None:
        if spectrum is None:
            return None
        return {
            "side_px": spectrum.side,
            "slope": round(spectrum.slope, 3),
            "tail_log10": round(spectrum.tail, 4),
            "peak_log10": round(spectrum.peak, 4),
            "peak_at": spectrum.peak_at,
            "period2": round(spectrum.period2, 4),
        }

    return {
        "frames_analyzed": measured.frames,
        "image": describe(measured.image),
        "face": describe(measured.face),
        "face_box": measured.face_box.as_list() if measured.face_box else None,
        "z": {k: round(v, 3) for k, v in zs.items()},
        "excess": round(excess, 3),
        "jpeg_quality": jpeg_q,
    }


def _plot(measured: Measured) -> Artifact:
    centres = ring_centres()
    figure = new_figure(6.0, 2.6)
    axes = figure.add_subplot(1, 1, 1)
    if REFERENCE_PROFILE[0]:
        low, middle, high = (10 * np.asarray(p) for p in REFERENCE_PROFILE)
        axes.fill_between(centres, low, high, color="#9ecae1", alpha=0.6, label="real photographs (5-95 %)")
        axes.plot(centres, middle, color="#6baed6", linewidth=0.8)
    axes.plot(centres, 10 * measured.image.profile, color="#d62728", linewidth=1.5, label="this picture")
    if measured.face is not None:
        axes.plot(centres, 10 * measured.face.profile, color="#ff7f0e", linestyle="--", label="face crop")
    axes.axvspan(*MID_BAND, color="#eeeeee", zorder=0)
    axes.axvspan(*HIGH_BAND, color="#fde0dd", zorder=0)
    axes.axhline(0.0, color="#888888", linewidth=0.6)
    axes.set_xlim(0.0, 0.5)
    axes.set_ylim(-25, 15)
    axes.set_xlabel("frequency (cycles per pixel); grey: fit band, pink: tail")
    axes.set_ylabel("dB vs power law")
    axes.legend(loc="lower left", fontsize=7)
    return Artifact(
        "spectrum",
        "Azimuthally averaged power spectrum relative to the power law fitted to the mid band, against the "
        "band of real photographs; a tail that bends away (pink) is the mark of up-sampling",
        figure_png(figure),
    )


# --- reference band -------------------------------------------------------------------------------


def _reference_pictures() -> list[np.ndarray]:
    """The reference photographs in each variant of REFERENCE_VARIANTS, as grey float32."""
    from skimage import data

    out: list[np.ndarray] = []
    for name in REFERENCE_IMAGES:
        pixels = data.stereo_motorcycle()[0] if name == "stereo_motorcycle" else getattr(data, name)()
        pixels = np.asarray(pixels, dtype=np.uint8)
        if pixels.ndim == 2:
            pixels = np.stack([pixels] * 3, axis=-1)
        pixels = np.ascontiguousarray(pixels[..., :3])
        height, width = pixels.shape[:2]
        small = cv2.resize(pixels, (round(width * 0.7), round(height * 0.7)), interpolation=cv2.INTER_AREA)
        for variant in (pixels, _jpeg(pixels, 90), _jpeg(pixels, 75), small):
            out.append(grey_of(variant))
    return out


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    _, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("OpenCV could not decode its own JPEG")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def _crops(grey: np.ndarray) -> list[np.ndarray]:
    out = []
    for side in (64, 128, 256):
        if min(grey.shape) < side:
            continue
        for fy, fx in ((0.5, 0.5), (0.3, 0.3), (0.7, 0.7)):
            y = int((grey.shape[0] - side) * fy)
            x = int((grey.shape[1] - side) * fx)
            out.append(grey[y : y + side, x : x + side])
    return out


def _training_pictures(folder: Path, per_kind: int = REAL_PER_KIND, seed: int = 0) -> list[np.ndarray]:
    """Up to ``per_kind`` real pictures of each manifest kind under ``folder`` (seeded), as grey float32,
    decoded as a scan decodes them; pictures under :data:`MIN_SIDE` are left out, as a scan leaves them."""
    from unmask.errors import MediaError
    from unmask.evaluation.labels import labelled_files
    from unmask.media import decode

    kinds: dict[str, list[Path]] = {}
    for file in labelled_files(folder)[0]:
        if file.label == "real" and file.media == "image":
            kinds.setdefault(file.kind, []).append(file.path)
    rng = random.Random(seed)
    out: list[np.ndarray] = []
    for kind in sorted(kinds):
        paths = sorted(kinds[kind])
        for path in rng.sample(paths, min(per_kind, len(paths))):
            try:
                pixels = decode(path).frames[0].pixels
            except MediaError:
                continue
            if min(pixels.shape[:2]) >= MIN_SIDE:
                out.append(grey_of(pixels))
    return out


def reference_table(
    real_folder: Path | None = None,
) -> tuple[dict[str, dict[str, tuple[float, float, float]]], tuple[list[float], ...]]:
    """Recompute :data:`REFERENCE` and :data:`REFERENCE_PROFILE` from the scikit-image photographs and,
    when ``real_folder`` (a labelled training folder) is given, its real pictures."""
    image: list[Spectrum] = []
    crop: list[Spectrum] = []
    pictures = _reference_pictures() + (_training_pictures(real_folder) if real_folder is not None else [])
    for grey in pictures:
        image.append(spectrum_of(*measure_picture(grey)))
        crop += [measure_crop(c) for c in _crops(grey)]

    def band(values: list[float]) -> tuple[float, float, float]:
        low, middle, high = np.percentile(values, [5, 50, 95])
        return round(float(low), 4), round(float(middle), 4), round(float(high), 4)

    table = {
        mode: {m: band([float(getattr(s, m)) for s in spectra]) for m in ("tail", "peak", "period2")}
        for mode, spectra in (("image", image), ("crop", crop))
    }
    profiles = np.percentile([s.profile for s in image], [5, 50, 95], axis=0)
    return table, tuple([round(float(v), 4) for v in row] for row in profiles)


if __name__ == "__main__":  # python -m unmask.signals.spectrum --real DIR: print the reference table to paste above
    import argparse
    import pprint

    parser = argparse.ArgumentParser(description="Print the spectrum reference band.")
    parser.add_argument("--real", type=Path, help="Labelled training folder whose real pictures join the band.")
    reference, profile_band = reference_table(parser.parse_args().real)
    pprint.pprint(reference, width=110)
    print(tuple(tuple(row) for row in profile_band))
