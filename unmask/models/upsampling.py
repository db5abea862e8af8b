"""Pseudo-fakes for the GAN-fingerprint detector: real pictures passed through up-sampling decoders.

Why: every GAN and every image decoder builds its output by up-sampling feature maps 2x at a time
(nearest or bilinear up-sampling followed by a convolution, transposed convolution, pixel shuffle). Each
output pixel's phase on the 2x grid decides which kernel taps made it, so the output carries a periodic
fingerprint: a checkerboard in its high-pass residual and peaks at N/2 (and N/4) in its spectrum (Odena,
Dumoulin & Olah 2016; Zhang, Karaman & Chang 2019, "Detecting and Simulating Artifacts in GAN Fake
Images"; Frank et al. 2020). That fingerprint does not depend on what the generator learned to draw, so
a detector trained on real pictures against real pictures re-built by *some* up-sampler, never on a
GAN's output, can generalise across generators.

Each pseudo-fake is the real picture shrunk 2x (area averaging) and grown back by one of
:data:`METHODS`: interpolation (nearest, bilinear, bicubic), a transposed convolution or a convolution +
pixel shuffle with random (untrained) weights, a random convolutional decoder whose output is added as
a faint residual, or a tiny autoencoder trained for a minute whose decoder is a GAN's up-sampling stack
(:class:`TinyAutoencoder`). Afterwards both the real picture and its pseudo-fake go through the same
*kind* of random degradation (:func:`degrade`: JPEG at quality 60-95, mild down-scaling), drawn
independently, so compression or size alone never tells them apart. Everything is seeded by the caller's
generator.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

METHODS = ("nearest", "bilinear", "bicubic", "tconv", "shuffle", "decoder", "autoencoder")
"""The up-samplers a pseudo-fake is made with, drawn uniformly (``autoencoder`` only when one is given)."""
JPEG_RANGE = (60, 95)
JPEG_P = 0.75
RESIZE_P = 0.3
RESIZE_RANGE = (0.7, 0.95)
BLUR_P = 0.2
"""Share of *real* pictures blurred slightly, so that softness alone (which interpolation also brings)
does not read as fake: only the periodic trace should."""

MIN_SIDE = 64


def shrink(pixels: np.ndarray) -> np.ndarray:
    """The picture at half size (area averaging: no aliasing, no up-sampling trace of its own)."""
    h, w = pixels.shape[:2]
    return cv2.resize(pixels, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)


def interpolate(small: np.ndarray, method: str) -> np.ndarray:
    """``small`` grown 2x by nearest, bilinear or bicubic interpolation."""
    flags = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}
    h, w = small.shape[:2]
    return cv2.resize(small, (2 * w, 2 * h), interpolation=flags[method])


def _to_tensor(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(pixels, copy=True)).permute(2, 0, 1).float().unsqueeze(0) / 255.0


def _to_pixels(tensor: torch.Tensor) -> np.ndarray:
    out = (tensor.squeeze(0).permute(1, 2, 0).clamp(0, 1) * 255.0).round().byte().numpy()
    return np.ascontiguousarray(out)


def _phase_kernels(rng: np.random.Generator, size: int, phases: int) -> np.ndarray:
    """``phases`` random size x size kernels, each a smooth bump plus noise and summing to one, so
    each output phase keeps the picture's brightness but blurs it its own way (a checkerboard)."""
    grid = np.linspace(-1, 1, size)
    bump = np.exp(-(grid[:, None] ** 2 + grid[None, :] ** 2) / rng.uniform(0.3, 1.5))
    kernels = bump[None] + rng.normal(0.0, rng.uniform(0.1, 0.6), (phases, size, size))
    return kernels / kernels.sum(axis=(1, 2), keepdims=True)


@torch.no_grad()
def random_tconv(small: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``small`` grown 2x by a transposed convolution (stride 2, kernel 3 or 4) with random weights whose
    four stride phases each sum to one."""
    size = int(rng.choice([3, 4]))
    base = _phase_kernels(rng, size, 1)[0] * 4.0
    for py in range(2):  # renormalise each output phase's taps to sum to one
        for px in range(2):
            base[py::2, px::2] /= base[py::2, px::2].sum()
    weight = torch.zeros(3, 1, size, size)
    weight[:, 0] = torch.from_numpy(base).float()
    x = _to_tensor(small)
    pad = (size - 2) // 2 + (size - 2) % 2
    out = F.conv_transpose2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), weight, stride=2, groups=3)
    h, w = small.shape[:2]
    top = 2 + pad - (size % 2)
    return _to_pixels(out[:, :, top : top + 2 * h, top : top + 2 * w])


@torch.no_grad()
def random_shuffle(small: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``small`` grown 2x by a 3 x 3 convolution to four sub-pixel phases (random weights, each summing to
    one) and a pixel shuffle, as in ESPCN-style decoders."""
    kernels = torch.from_numpy(_phase_kernels(rng, 3, 4)).float()
    weight = kernels[None].repeat(3, 1, 1, 1).reshape(12, 1, 3, 3)
    x = F.pad(_to_tensor(small), (1, 1, 1, 1), mode="replicate")
    return _to_pixels(F.pixel_shuffle(F.conv2d(x, weight, groups=3), 2))


@torch.no_grad()
def random_decoder(small: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bilinear 2x plus the output of a random two-layer convolutional decoder (transposed convolution or
    nearest up-sampling + convolution) scaled to a faint residual: the content-dependent periodic texture
    a GAN's last layers add."""
    seed = int(rng.integers(2**31))
    generator = torch.Generator().manual_seed(seed)
    x = _to_tensor(small)
    channels = 16
    w1 = torch.randn(channels, 3, 3, 3, generator=generator) / 3.0
    feats = F.leaky_relu(F.conv2d(x - 0.5, w1, padding=1), 0.2)
    if rng.random() < 0.5:
        w2 = torch.randn(channels, 3, 4, 4, generator=generator) / 8.0
        res = F.conv_transpose2d(feats, w2, stride=2, padding=1)
    else:
        w2 = torch.randn(3, channels, 3, 3, generator=generator) / 12.0
        res = F.conv2d(F.interpolate(feats, scale_factor=2, mode="nearest"), w2, padding=1)
    res = res - F.avg_pool2d(F.pad(res, (2, 2, 2, 2), mode="replicate"), 5, stride=1)
    res = res / (res.std() + 1e-6) * float(rng.uniform(0.008, 0.04))
    up = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    return _to_pixels(up + res)


class TinyAutoencoder(nn.Module):
    """Encoder: two stride-2 convolutions (4x smaller); decoder: two 2x up-sampling steps as a GAN builds
    them (transposed convolution, then nearest up-sampling + convolution) and a 3 x 3 convolution to RGB."""

    def __init__(self, width: int = 24) -> None:
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.encoder = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), act, nn.Conv2d(width, width * 2, 3, 2, 1), act)
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1),
            act,
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(width, width, 3, 1, 1),
            act,
            nn.Conv2d(width, 3, 3, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.decoder(self.encoder(x))
        return out


def train_autoencoder(
    pictures: Sequence[np.ndarray], seconds: float, seed: int, steps: int = 400, batch: int = 16
) -> TinyAutoencoder:
    """Train :class:`TinyAutoencoder` briefly (``seconds`` or ``steps``) on 64 px crops of real pictures:
    long enough to reproduce them roughly, short enough to keep its up-sampling artifacts."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = TinyAutoencoder()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    start = time.monotonic()
    for _ in range(steps):
        if time.monotonic() - start > seconds:
            break
        crops = [random_crop(pictures[int(rng.integers(len(pictures)))], MIN_SIDE, rng) for _ in range(batch)]
        x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255.0
        loss = F.l1_loss(model(x - 0.5) + 0.5, x)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    return model


@torch.no_grad()
def autoencode(pixels: np.ndarray, model: TinyAutoencoder) -> np.ndarray:
    """The picture re-drawn by the autoencoder (its sides cropped to multiples of 4)."""
    h, w = pixels.shape[:2]
    x = _to_tensor(pixels[: h // 4 * 4, : w // 4 * 4])
    return _to_pixels(model(x - 0.5) + 0.5)


def random_crop(pixels: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """A ``side`` x ``side`` crop at a random offset (any parity, so the 2x grid phase is random)."""
    h, w = pixels.shape[:2]
    y, x = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
    return pixels[y : y + side, x : x + side]


def pseudo_fake(
    pixels: np.ndarray, rng: np.random.Generator, autoencoder: TinyAutoencoder | None = None, method: str | None = None
) -> tuple[np.ndarray, str]:
    """The real picture re-built through an up-sampler (drawn from :data:`METHODS` unless given) and the
    method's name. The result has the picture's size rounded down to even (multiple of 4 for the
    autoencoder)."""
    choices = METHODS if autoencoder is not None else METHODS[:-1]
    chosen = method or str(rng.choice(choices))
    h, w = pixels.shape[:2]
    even = pixels[: h // 2 * 2, : w // 2 * 2]
    if chosen == "autoencoder":
        if autoencoder is None:
            raise ValueError("the autoencoder method needs a trained autoencoder")
        return autoencode(pixels, autoencoder), chosen
    small = shrink(even)
    if chosen in ("nearest", "bilinear", "bicubic"):
        return interpolate(small, chosen), chosen
    makers = {"tconv": random_tconv, "shuffle": random_shuffle, "decoder": random_decoder}
    return makers[chosen](small, rng), chosen


def jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", pixels[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return np.ascontiguousarray(decoded[:, :, ::-1])


def degrade(pixels: np.ndarray, rng: np.random.Generator, blur_p: float = 0.0) -> np.ndarray:
    """What happens to a picture on its way to us: maybe a slight blur (reals only, ``blur_p``), maybe a
    mild down-scale (never below :data:`MIN_SIDE`), maybe a JPEG at quality 60-95."""
    out = pixels
    if rng.random() < blur_p:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.4, 1.0)))
    h, w = out.shape[:2]
    if rng.random() < RESIZE_P and min(h, w) * RESIZE_RANGE[0] >= MIN_SIDE:
        f = float(rng.uniform(*RESIZE_RANGE))
        out = cv2.resize(out, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    if rng.random() < JPEG_P:
        out = jpeg(out, int(rng.integers(JPEG_RANGE[0], JPEG_RANGE[1] + 1)))
    return out


def training_pair(
    pixels: np.ndarray, rng: np.random.Generator, autoencoder: TinyAutoencoder | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """(degraded real, degraded pseudo-fake, method): the same picture once as it is and once re-built."""
    fake, method = pseudo_fake(pixels, rng, autoencoder)
    return degrade(pixels, rng, BLUR_P), degrade(fake, rng), method


def high_pass(pixels: np.ndarray) -> np.ndarray:
    """Grey residual after removing a 3 x 3 mean: where up-sampling traces live."""
    grey = pixels.astype(np.float32).mean(axis=2) if pixels.ndim == 3 else pixels.astype(np.float32)
    return grey - cv2.blur(grey, (3, 3), borderType=cv2.BORDER_REFLECT)


def nyquist_peak(pixels: np.ndarray) -> float:
    """How far the residual's power at the 2x grid frequencies (N/2 on each axis and the diagonal) stands
    above the median power of the spectrum, in log10 units: the periodic fingerprint of 2x up-sampling."""
    res = high_pass(pixels)
    h, w = res.shape
    side = min(h, w) // 2 * 2
    res = res[:side, :side]
    power = np.abs(np.fft.fft2(res - res.mean())) ** 2 + 1e-9
    n = side // 2
    peak = np.mean([power[n, 0], power[0, n], power[n, n]])
    return float(np.log10(peak) - np.log10(np.median(power)))


def write_check_grid(
    pictures: Sequence[np.ndarray], path: Path, seed: int = 0, cell: int = 96, autoencoder_seconds: float = 20.0
) -> Path:
    """A PNG for eyes: each row one real picture, then one pseudo-fake per up-sampler and the amplified
    high-pass residual of each (the checkerboard should show), all at ``cell`` px (nearest, to keep it)."""
    rng = np.random.default_rng(seed)
    autoencoder = train_autoencoder(pictures, seconds=autoencoder_seconds, seed=seed, steps=150)
    rows = []
    for picture in pictures:
        made = [picture] + [pseudo_fake(picture, rng, autoencoder, m)[0] for m in METHODS]
        tiles = [_fit(m, cell) for m in made] + [_fit(_residual_image(m), cell) for m in made]
        rows.append(np.hstack(tiles))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows)[:, :, ::-1])
    return path


def _fit(pixels: np.ndarray, cell: int) -> np.ndarray:
    crop = pixels[: min(pixels.shape[:2]), : min(pixels.shape[:2])]
    return cv2.resize(crop, (cell, cell), interpolation=cv2.INTER_NEAREST)


def _residual_image(pixels: np.ndarray) -> np.ndarray:
    res = np.clip(high_pass(pixels) * 8.0 + 128.0, 0, 255).astype(np.uint8)
    return np.repeat(res[:, :, None], 3, axis=2)
