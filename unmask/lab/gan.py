"""Faces of people who never existed: a small DCGAN (Radford et al. 2016), and a pure-decoder variant.

DCGAN: a generator of transposed convolutions with batch norm draws a 64 px face from 100 random
numbers; a discriminator of strided convolutions learns to tell its faces from real ones, and the
generator learns to fool it (the non-saturating loss of Goodfellow et al. 2014). Up-sampling by
transposed convolution is exactly what leaves the checkerboard and spectral peaks forensic signals look
for, which is why this is the reference mechanism, not a tuned StyleGAN.

The pure-decoder variant is the autoencoder of :mod:`unmask.lab.swap` with a single decoder: its
reconstructions of real faces are fully decoder-drawn pictures of real people, the other way a network
makes a face.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from unmask.lab.swap import History, OnStep, SwapModel, augment, swap_faces, to_images, to_tensor

Z = 100
SIZE = 64


class Generator(nn.Module):
    """z (100) -> 4 x 4 -> ... -> 64 x 64 RGB in [-1, 1]."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        chans = [width * 8, width * 4, width * 2, width]
        layers: list[nn.Module] = [nn.ConvTranspose2d(Z, chans[0], 4, 1, 0, bias=False), nn.BatchNorm2d(chans[0])]
        layers.append(nn.ReLU(True))
        for a, b in itertools.pairwise(chans):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(-1, Z, 1, 1))


class Discriminator(nn.Module):
    """64 x 64 RGB -> one logit: real or generated.

    Spectral normalisation (Miyato et al. 2018) in place of DCGAN's batch norm: on a few hundred faces
    and a few hundred CPU steps the plain DCGAN discriminator won outright and the generator never left
    noise (measured here: generator loss rising to 6); a Lipschitz-bounded one keeps the game going.
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 8]
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(chans):
            layers += [spectral_norm(nn.Conv2d(a, b, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        layers.append(spectral_norm(nn.Conv2d(chans[-1], 1, 4, 1, 0)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1)


def _init(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@dataclass
class GanConfig:
    steps: int = 1500
    batch: int = 16
    lr: float = 2e-4
    minutes: float = 5.0
    width: int = 16
    seed: int = 0


def train_gan(crops: list[np.ndarray], config: GanConfig, on_step: OnStep | None = None) -> tuple[Generator, History]:
    """Train the DCGAN on 64 px face crops; returns the generator (in eval mode) and the loss curves."""
    if not crops or crops[0].shape[:2] != (SIZE, SIZE):
        raise ValueError(f"the DCGAN trains on {SIZE} px face crops")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    data = to_tensor(crops) * 2 - 1
    netg, netd = Generator(config.width), Discriminator(config.width)
    netg.apply(_init)
    netd.apply(_init)
    opt_g = torch.optim.Adam(netg.parameters(), lr=config.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(netd.parameters(), lr=config.lr, betas=(0.5, 0.999))
    history = History()
    # one-sided label smoothing (Salimans et al. 2016): a discriminator that is never quite sure of the
    # reals leaves the generator a gradient early on, when its faces are still noise
    smooth, ones, zeros = torch.full((config.batch,), 0.9), torch.ones(config.batch), torch.zeros(config.batch)
    for step in history.run(config.steps, config.minutes, on_step):
        index = torch.randint(0, data.shape[0], (config.batch,), generator=generator)
        real = augment(data[index], generator)
        fake = netg(torch.randn(config.batch, Z, generator=generator))
        opt_d.zero_grad()
        loss_d = F.binary_cross_entropy_with_logits(netd(real), smooth) + F.binary_cross_entropy_with_logits(
            netd(fake.detach()), zeros
        )
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(netd(fake), ones)
        loss_g.backward()
        opt_g.step()
        history.add("discriminator", step, float(loss_d.detach()))
        history.add("generator", step, float(loss_g.detach()))
    netg.eval()
    return netg, history


@torch.no_grad()
def sample_faces(netg: Generator, count: int, seed: int) -> list[np.ndarray]:
    """``count`` generated 64 px faces (uint8 RGB), reproducible from ``seed``."""
    z = torch.randn(count, Z, generator=torch.Generator().manual_seed(seed))
    return to_images((netg(z) + 1) / 2)


def reconstruct(model: SwapModel, crops: list[np.ndarray]) -> list[np.ndarray]:
    """The single-decoder autoencoder's redrawing of real ``crops`` (the pure-decoder variant)."""
    return swap_faces(model, crops, model.names[0])
