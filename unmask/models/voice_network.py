"""The voice network: a light spectro-temporal CNN on the log spectrogram of a 2 s speech segment.

Why this shape: synthetic speech gives itself away in *where* on the frequency axis its fine structure
goes wrong (over-smooth harmonics, vocoder noise between them, missing breath noise), so the network
keeps the frequency axis to the end: five stride-2 convolutions shrink the 129 bins of 0-4 kHz to 5, then
the time axis is pooled (mean and max, so one bad stretch counts and the length of the clip does not),
and a linear layer weighs each of the 5 bands on its own. About 84 k parameters, the size of AASIST-L
(Jung et al. 2022), and ~15 M multiply-adds a segment: a minute of speech takes well under a second on
one core.
"""

from __future__ import annotations

import torch
from torch import nn

from unmask.models.voice_features import MODEL_BINS

CHANNELS = (16, 32, 48, 64, 64)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def pooled_bins(bins: int = MODEL_BINS, blocks: int = len(CHANNELS)) -> int:
    """Frequency rows left after ``blocks`` stride-2 convolutions with padding 1."""
    for _ in range(blocks):
        bins = (bins - 1) // 2 + 1
    return bins


class VoiceNet(nn.Module):
    """Log spectrograms N x 1 x MODEL_BINS x T -> one logit each: > 0 leans "synthetic speech"."""

    def __init__(self, dropout: float = 0.2) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        cin = 1
        for cout in CHANNELS:
            blocks.append(_block(cin, cout))
            cin = cout
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * cin * pooled_bins(), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = self.features(x)
        pooled = torch.cat([maps.mean(dim=3), maps.amax(dim=3)], dim=1)
        out: torch.Tensor = self.head(pooled.flatten(1)).squeeze(1)
        return out
