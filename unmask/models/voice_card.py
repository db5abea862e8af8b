"""The voice model card, written by ``unmask train voice`` from the numbers of the run that made the
weights (Markdown for people, JSON for tools), as for :mod:`unmask.models.card`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unmask.models.card import write_card

MD_TEMPLATE = """# voice: synthetic-speech detector

Trained by `unmask train voice`: real speech against speech from text-to-speech and voice-conversion
systems (the labelled training folder), plus fakes made by the run itself with espeak-ng, flite and
Griffin-Lim re-synthesis of the real training speech (`unmask/models/voice_data.py`). Real and fake crops
alike are re-encoded (MP3/AAC 32-128 kb/s, half of the time), band-passed to 300-3400 Hz (a fifth) or
limited to 4 kHz (a tenth), so none of those can become the label.

| | |
|---|---|
| file | `{onnx_file}` ({onnx_bytes} bytes) |
| sha256 | `{onnx_sha256}` |
| network | {network} ({parameters} parameters) |
| input | `{input_name}`: N x 1 x {bins} x T float32 log power spectrogram (0-4 kHz) of a 2 s, 16 kHz |
| | segment (20 ms Hann windows every 10 ms, 512-point FFT, dB relative to the 99th percentile, |
| | clipped at -80 dB, `(dB + 40) / 20`; `unmask.models.voice_runtime.segment_inputs`) |
| output | `{output_name}`: N logits; sigmoid = probability the segment is synthetic speech |
| data | `{data}`: {labelled} labelled clips (at most {cap} real clips per source) |
| clips | {clip_counts} |
| split | {train_clips} training clips, {val_clips} held out (10 % by path hash) |
| training | {steps} steps of {pairs} real + {pairs} synthetic 2 s crops, {minutes:.1f} min wall clock, |
| | seed {seed}, AdamW lr {lr} (cosine) |
| held-out | AUC {val_auc:.4f}, EER {val_eer:.4f} (whole clips, mean of segment probabilities) |
| ONNX | opset {opset}, torch/onnxruntime max logit gap {parity_gap:.2e} |
| versions | torch {torch_version}, onnx {onnx_version}, onnxruntime {onnxruntime_version}, python {python_version} |
| trained | {trained_at} on {machine} |

Limits: the held-out clips come from the same systems and speakers as the training clips, so the
held-out numbers are in-domain. How the model fares on systems it has never heard is measured on the
dev set by `bench/voice_eval.py` (see the README). The training speech is mostly read English (some
Japanese and Vietnamese); other languages, children, singing and noisy rooms are less well covered.
"""


def write_voice_card(out_dir: Path, info: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``voice.md`` and ``voice.json`` into ``out_dir`` from ``info``."""
    return write_card(out_dir, info, stem="voice", template=MD_TEMPLATE)
