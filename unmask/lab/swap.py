"""The classic deepfake autoencoder: one shared encoder, one decoder per identity.

Each decoder learns to rebuild its own person's face from the shared code; because the code is shared,
it ends up describing pose, expression and lighting, and the decoders supply identity. Feeding person
A's code to person B's decoder draws B with A's pose and expression: the swap (Deepfakes/faceswap,
DeepFaceLab). Inputs get a small random elastic warp and the target stays clean, which is what forces
the decoders to *draw* faces rather than copy pixels.

Deliberately small (64-128 px; at 64 px a 1.8 M-parameter shared encoder, mostly its two dense layers,
and 0.24 M per decoder), trained on the CPU in minutes.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LATENT = 256
OnStep = Callable[[int, int], None]
"""Called after each training step with (step, planned steps): progress bars."""
SIZES = (64, 128)


def _down(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(cin, cout, 5, stride=2, padding=2), nn.LeakyReLU(0.1))


def _up(cin: int, cout: int) -> nn.Module:
    """Conv then pixel-shuffle x2: the up-sampler the deepfake tools use."""
    return nn.Sequential(nn.Conv2d(cin, cout * 4, 3, padding=1), nn.LeakyReLU(0.1), nn.PixelShuffle(2))


def _levels(size: int) -> int:
    if size not in SIZES:
        raise ValueError(f"the lab works on {' or '.join(map(str, SIZES))} px faces, not {size}")
    return int(math.log2(size)) - 3  # 64 px: 3 up-samplings from 8 x 8


class Encoder(nn.Module):
    """Face -> shared code (encoder and 'inter' layers in DeepFaceLab's terms), an 8 x 8 x (4 width) map."""

    def __init__(self, size: int, width: int = 16) -> None:
        super().__init__()
        channels = [3] + [width * 2**i for i in range(_levels(size) + 1)]
        self.convs = nn.Sequential(*[_down(a, b) for a, b in itertools.pairwise(channels)])
        flat = channels[-1] * 4 * 4
        self.code = width * 4
        self.inter = nn.Sequential(nn.Flatten(), nn.Linear(flat, LATENT), nn.Linear(LATENT, 8 * 8 * self.code))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inter(self.convs(x)).view(-1, self.code, 8, 8)


class Decoder(nn.Module):
    """Shared code -> one identity's face."""

    def __init__(self, size: int, width: int = 16) -> None:
        super().__init__()
        levels = _levels(size)
        channels = [width * 4] + [width * 2 ** (levels - 1 - i) for i in range(levels)]
        self.ups = nn.Sequential(*[_up(a, b) for a, b in itertools.pairwise(channels)])
        self.out = nn.Conv2d(channels[-1], 3, 3, padding=1)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(self.ups(code)))


class SwapModel(nn.Module):
    """The shared encoder and a decoder per identity name."""

    def __init__(self, identities: list[str], size: int = 64, width: int = 16) -> None:
        super().__init__()
        self.size, self.names = size, list(identities)
        self.encoder = Encoder(size, width)
        self.decoders = nn.ModuleList([Decoder(size, width) for _ in self.names])

    def forward(self, x: torch.Tensor, identity: str) -> torch.Tensor:
        return self.decoders[self.names.index(identity)](self.encoder(x))


@dataclass
class TrainConfig:
    steps: int = 2000
    batch: int = 8
    lr: float = 5e-4
    minutes: float = 5.0
    """Wall-clock cap: training stops at ``steps`` or after this long, whichever comes first."""
    warp: float = 0.04
    """Strength of the random elastic warp on inputs, as a share of the crop."""
    width: int = 16
    seed: int = 0


@dataclass
class History:
    """Training curves: per named series, (step, value) pairs; drawn by :func:`unmask.lab.outputs.plot_curves`."""

    series: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    steps: int = 0
    seconds: float = 0.0

    def add(self, name: str, step: int, value: float) -> None:
        self.series.setdefault(name, []).append((step, value))

    def last(self, name: str, window: int = 20) -> float:
        values = [v for _, v in self.series.get(name, [])[-window:]]
        return float(np.mean(values)) if values else float("nan")

    def run(self, steps: int, minutes: float, on_step: OnStep | None = None) -> Iterator[int]:
        """Step numbers 1..``steps`` for a training loop, stopping once ``minutes`` have passed; after each
        step the count is recorded and ``on_step`` told, and when the loop ends the wall clock too."""
        start = time.monotonic()
        try:
            for step in range(1, steps + 1):
                yield step
                self.steps = step
                if on_step is not None:
                    on_step(step, steps)
                if time.monotonic() - start > minutes * 60:
                    return
        finally:
            self.seconds = time.monotonic() - start


def to_tensor(crops: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """uint8 H x W x 3 crops -> float N x 3 x H x W in [0, 1]."""
    array = np.stack(list(crops)).astype(np.float32) / 255.0
    return torch.from_numpy(array).permute(0, 3, 1, 2).contiguous()


def to_images(batch: torch.Tensor) -> list[np.ndarray]:
    array = (batch.detach().clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255.0 + 0.5).astype(np.uint8)
    return list(array)


def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and a small shift/scale/rotation, applied alike to input and target."""
    n = batch.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
    angle = (torch.rand(n, generator=generator) - 0.5) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=generator) - 0.5) * 0.1
    shift = (torch.rand(n, 2, generator=generator) - 0.5) * 0.06
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, padding_mode="reflection", align_corners=False)


def random_warp(batch: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    """A smooth random displacement (a 5 x 5 grid of offsets, up-sampled): DeepFaceLab's input warp."""
    n, _, h, w = batch.shape
    coarse = (torch.rand(n, 2, 5, 5, generator=generator) - 0.5) * 2 * strength
    flow = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    base = torch.stack([xs, ys], -1).expand(n, h, w, 2)
    return F.grid_sample(batch, base + flow, padding_mode="reflection", align_corners=True)


def _batch(data: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    index = torch.randint(0, data.shape[0], (size,), generator=generator)
    return data[index]


def train_swap(
    crops: dict[str, list[np.ndarray]], config: TrainConfig, on_step: OnStep | None = None
) -> tuple[SwapModel, History]:
    """Train the shared encoder and one decoder per identity on that identity's aligned crops."""
    if len(crops) < 1 or any(len(c) == 0 for c in crops.values()):
        raise ValueError("every identity needs at least one face crop")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    size = next(iter(crops.values()))[0].shape[0]
    model = SwapModel(sorted(crops), size, config.width)
    data = {name: to_tensor(c) for name, c in crops.items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.5, 0.999))
    history = History()
    model.train()
    for step in history.run(config.steps, config.minutes, on_step):
        optimizer.zero_grad()
        total = torch.zeros(())
        for name in model.names:
            target = augment(_batch(data[name], config.batch, generator), generator)
            source = random_warp(target, config.warp, generator)
            loss = F.l1_loss(model(source, name), target)
            history.add(f"reconstruction L1: {name}", step, float(loss.detach()))
            total = total + loss
        total.backward()
        optimizer.step()
    model.eval()
    return model, history


@torch.no_grad()
def swap_faces(model: SwapModel, crops: list[np.ndarray], to_identity: str, batch: int = 32) -> list[np.ndarray]:
    """``crops`` (any identity) re-drawn by ``to_identity``'s decoder: the face swap."""
    out: list[np.ndarray] = []
    for i in range(0, len(crops), batch):
        out += to_images(model(to_tensor(crops[i : i + batch]), to_identity))
    return out
