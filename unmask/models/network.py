"""The face-blend network: a compact CNN trained from scratch (no pretrained backbone is available offline).

Why this shape: seven plain 3 x 3 convolution blocks (BatchNorm, ReLU), halving the resolution four
times from a 112 x 112 crop to 7 x 7, then global average pooling and one logit. The traces of a paste
step are local (a seam a few pixels wide, a change in noise or sharpness inside the face), so small
kernels applied everywhere and pooled over the face suit them; plain convolutions train faster per
multiply-add on a CPU than depthwise ones. About 0.43 M parameters and ~60 M multiply-adds per crop:
a few ms on one CPU core through onnxruntime, and trainable on two cores in half an hour.
"""

from __future__ import annotations

import torch
from torch import nn

from unmask.models.network_spec import INPUT_MEAN, INPUT_STD

CHANNELS = ((16, 2), (32, 1), (48, 2), (64, 1), (96, 2), (128, 1), (192, 2))
"""(output channels, stride) of each convolution block."""


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FaceBlendNet(nn.Module):
    """Aligned face crop (normalised, N x 3 x H x W) -> one logit per face: > 0 leans "blended"."""

    def __init__(self, dropout: float = 0.2) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        cin = 3
        for cout, stride in CHANNELS:
            blocks.append(_block(cin, cout, stride))
            cin = cout
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.features(x)).squeeze(1)
        return out


def normalise(batch: torch.Tensor) -> torch.Tensor:
    """uint8 N x H x W x 3 -> float N x 3 x H x W, normalised as the exported model expects."""
    return (batch.permute(0, 3, 1, 2).float() / 255.0 - INPUT_MEAN) / INPUT_STD
