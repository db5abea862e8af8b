"""Voice training smoke test: a few steps on espeak-ng and recorded-like speech lower the loss and
validate, the made fakes and degradations work, and the exported ONNX model gives torch's logits for any
segment length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.signals.voices import espeak_speech, needs_espeak, recorded_like  # noqa: E402
from unmask.models.export import export_onnx, parity_gap  # noqa: E402
from unmask.models.voice_data import Clips, codec_copies, griffin_lim  # noqa: E402
from unmask.models.voice_features import MODEL_BINS  # noqa: E402
from unmask.models.voice_network import VoiceNet  # noqa: E402
from unmask.models.voice_runtime import INPUT_NAME, segment_inputs  # noqa: E402
from unmask.models.voice_train import VoiceTrainConfig, train_voice  # noqa: E402


def _clips(fakes: list[np.ndarray]) -> Clips:
    clips = Clips()
    for i in range(4):
        clips.add(recorded_like(3.0, seed=i), 0, "bonafide", f"real/{i}.wav")
    for i, fake in enumerate(fakes):
        clips.add(fake, 1, "made:test", f"fake/{i}.wav")
    return clips


@needs_espeak
def test_a_few_steps_lower_the_loss_and_validate() -> None:
    texts = ("Please send the code now.", "I am at the airport.", "Call me back later.", "The meeting moved.")
    clips = _clips([espeak_speech(t) for t in texts])
    clips.extend(_clips([]))  # paths real/0..3 again: one of them, 'real/3.wav', lands in the hold-out
    clips.paths[-4:] = [f"more/{i}.wav" for i in range(4)]
    copies = codec_copies(clips, np.random.default_rng(0))
    config = VoiceTrainConfig(steps=24, minutes=3.0, pairs=4, lr=3e-3, log_every=8, val_every=1000)
    result = train_voice(clips, copies, config, log=lambda _: None)
    assert result.steps == 24 and len(result.losses) == 3
    assert result.losses[-1] < result.losses[0]
    assert result.val_clips >= 1 and result.train_clips + result.val_clips == len(clips)


def test_griffin_lim_keeps_the_words_but_not_the_waveform() -> None:
    real = recorded_like(2.0)
    made = griffin_lim(real, np.random.default_rng(0), iterations=8)
    assert made.shape == real.shape and made.dtype == np.float32
    envelope = [np.convolve(np.abs(x), np.ones(800) / 800, mode="same") for x in (real, made)]
    assert np.corrcoef(envelope[0], envelope[1])[0, 1] > 0.8  # same syllables at the same times
    assert abs(np.corrcoef(real, made)[0, 1]) < 0.5  # a new phase: not the same samples


def test_codec_copies_keep_length_and_sound() -> None:
    clips = _clips([])
    copies = codec_copies(clips, np.random.default_rng(1))
    for original, copy in zip(clips.samples, copies, strict=True):
        assert len(copy) == len(original)
        assert 0.3 < np.std(copy) / np.std(original) < 3.0


def test_onnx_export_matches_torch_for_any_length(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = VoiceNet()
    segments = [recorded_like(2.0, seed=s) for s in range(3)]
    inputs = torch.from_numpy(segment_inputs(segments))
    model.train()
    with torch.no_grad():  # move the BatchNorm statistics away from their defaults, as training does
        model(inputs)
    path = export_onnx(model, tmp_path / "voice.onnx", example=inputs[:1], input_name=INPUT_NAME, dynamic={3: "frames"})
    assert parity_gap(model, path, inputs, INPUT_NAME) <= 1e-4
    longer = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (2, 1, MODEL_BINS, 333)).astype(np.float32))
    assert parity_gap(model, path, longer, INPUT_NAME) <= 1e-4
    assert path.stat().st_size < 2_000_000
