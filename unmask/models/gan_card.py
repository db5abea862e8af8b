"""The GAN-fingerprint model card, written by the training command from the numbers of the run that made
the weights (Markdown for people, JSON for tools), as for :mod:`unmask.models.card`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unmask.models.card import write_card

MD_TEMPLATE = """# gan_fingerprint: up-sampling fingerprint detector for generated pictures

Trained by `unmask train gan-fingerprint`: real pictures only, against pseudo-fakes made by passing each
real picture through an up-sampling decoder (`unmask/models/upsampling.py`: nearest, bilinear and bicubic
2x, random transposed-convolution and pixel-shuffle up-samplers, a random convolutional decoder residual,
a briefly trained autoencoder), with random JPEG (q 60-95) and mild down-scaling on both sides. No GAN or
other generated picture was used for training.

| | |
|---|---|
| file | `{onnx_file}` ({onnx_bytes} bytes) |
| sha256 | `{onnx_sha256}` |
| network | {network} ({parameters} parameters) |
| input | `{input_name}`: N x 3 x {size} x {size} float32 RGB patches at native resolution, |
| | normalised as `(pixel / 255 - {mean}) / {std}` |
| output | `{output_name}`: N logits; sigmoid = probability the patch was made by an up-sampler |
| data | `{data}`: {images} real pictures of at least {size} px |
| per folder | {folder_counts} |
| split | {train_pictures} training pictures, {val_pictures} held out (10 % by path hash) |
| pseudo-fakes | {method_counts} |
| training | {steps} steps of {pairs} real + {pairs} pseudo-fake patches, {minutes:.1f} min wall clock, |
| | seed {seed}, AdamW lr {lr} (cosine), autoencoder {autoencoder_seconds:.0f} s |
| validation AUC | {val_auc:.4f} held-out reals vs their pseudo-fakes (picture level, mean of up to 16 patches) |
| GAN validation AUC | {gan_auc:.4f} held-out reals vs {gan_pictures} real GAN faces from `{gan_data}` |
| | (validation only, never trained on) |
| ONNX | opset {opset}, torch/onnxruntime max logit gap {parity_gap:.2e} |
| versions | torch {torch_version}, onnx {onnx_version}, onnxruntime {onnxruntime_version}, python {python_version} |
| trained | {trained_at} on {machine} |

Limits: the model sees the periodic trace that 2x up-sampling leaves in fine detail. Generated pictures
that were later shrunk or heavily compressed have lost most of it (the 128-256 px StyleGAN JPEGs of the
validation set show almost no N/2 peak in their residual); real pictures that were up-scaled for display carry
it too. It says "made by an up-sampler", not "made by a GAN".
"""


def write_gan_card(out_dir: Path, info: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``gan_fingerprint.md`` and ``gan_fingerprint.json`` into ``out_dir`` from ``info``."""
    return write_card(out_dir, info, stem="gan_fingerprint", template=MD_TEMPLATE)
