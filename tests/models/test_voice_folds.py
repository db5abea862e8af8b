"""Cross-fitted voice scores: every file is scored by a model that never trained on its system (fakes) or
its source (reals), the score is the one a scan would give with that model, and the file they are
written to reads back as results the fuser can use."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.signals.voices import recorded_like, write_wav  # noqa: E402
from unmask import ScanOptions, scan  # noqa: E402
from unmask.errors import UnmaskError  # noqa: E402
from unmask.models import voice_train  # noqa: E402
from unmask.models.voice_data import Clips  # noqa: E402
from unmask.models.voice_folds import OutOfFold, cross_fit, fold_of, group_of, score_file  # noqa: E402
from unmask.models.voice_runtime import VOICE, segment_probabilities  # noqa: E402
from unmask.models.voice_train import VoiceTrainConfig  # noqa: E402
from unmask.report.model import SignalResult  # noqa: E402
from unmask.signals.voice import VoiceSignal  # noqa: E402

SYSTEMS = ("tts:alpha", "tts:beta", "vc:gamma", "tts:delta")
SOURCES = ("libri", "digits", "podcast")


def test_fakes_group_by_system_reals_by_source_and_made_fakes_always_train() -> None:
    assert group_of("tts:alpha", "fake/site__a.wav", 1) == "system:tts:alpha"
    assert group_of("bonafide", "real/libri__speaker1__7.flac", 0) == "source:libri"
    assert group_of("made:espeak-ng", "made/espeak/3", 1) is None
    assert group_of("tts:alpha", "fake/other__b.wav", 1) == group_of("tts:alpha", "fake/site__a.wav", 1)
    folds = {fold_of(f"system:{s}", 3) for s in (f"tts:s{i}" for i in range(40))}
    assert folds == {0, 1, 2}  # a hash spreads groups over every fold
    assert fold_of("system:tts:alpha", 3) == fold_of("system:tts:alpha", 3)


@pytest.fixture(scope="module")
def tiny_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve labelled WAV files (six reals from three sources, six fakes of four systems) and a manifest."""
    root = tmp_path_factory.mktemp("speech")
    rows = []
    for i in range(6):
        source = SOURCES[i % 3]
        rel = f"real/{source}__{i}.wav"
        (root / "real").mkdir(exist_ok=True)
        write_wav(root / rel, recorded_like(2.5, seed=i))
        rows.append({"relpath": rel, "label": "real", "kind": "bonafide"})
    for i in range(6):
        system = SYSTEMS[i % 4]
        rel = f"fake/demo__{system.replace(':', '_')}_{i}.wav"
        (root / "fake").mkdir(exist_ok=True)
        tone = np.sin(2 * np.pi * (150 + 20 * i) * np.arange(40_000) / 16_000) * recorded_like(2.5, seed=50 + i)
        write_wav(root / rel, (tone * 0.8).astype(np.float32))
        rows.append({"relpath": rel, "label": "fake", "kind": system})
    with (root / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["relpath", "label", "kind"])
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.mark.skipif(not VOICE.available(), reason="voice.onnx is not installed")
def test_a_file_is_scored_as_a_scan_scores_it(tiny_speech: Path) -> None:
    path = tiny_speech / "real" / "libri__0.wav"
    row = score_file(path, segment_probabilities)  # the shipped model: must equal the scan's voice result
    (scanned,) = [r for r in scan(path, ScanOptions(signals=("voice",), artifacts=False)).signals]
    assert row["status"] == "ok" and scanned.status == "ok" and scanned.score is not None
    assert row["score"] == pytest.approx(scanned.score, abs=1e-5) and row["confidence"] == scanned.confidence
    silent = write_wav(tiny_speech / "silence.wav", np.zeros(32_000, np.float32))
    assert score_file(silent, segment_probabilities)["status"] == "not_applicable"
    broken = tiny_speech / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00")
    assert score_file(broken, segment_probabilities)["status"] == "error"


def _clips_of(root: Path) -> Clips:
    """The manifest's clips as ``unmask train voice`` would prepare them, plus two made fakes."""
    clips = Clips()
    with (root / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            samples = recorded_like(2.5, seed=len(clips))
            clips.add(samples, int(row["label"] == "fake"), row["kind"], row["relpath"])
    for i in range(2):
        clips.add(recorded_like(2.0, seed=90 + i), 1, "made:test", f"made/test/{i}")
    return clips


def test_every_file_is_scored_by_a_model_that_never_heard_its_group(
    tiny_speech: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained_on: list[set[str]] = []
    original = voice_train.train_voice

    def spy(clips: Clips, copies: list[np.ndarray], config: Any, log: Any = print) -> Any:
        trained_on.append(set(clips.paths))
        return original(clips, copies, config, log=log)

    monkeypatch.setattr(voice_train, "train_voice", spy)
    clips = _clips_of(tiny_speech)
    out = tmp_path / "oof.jsonl"
    config = VoiceTrainConfig(steps=2, minutes=1.0, pairs=2, log_every=1, val_every=1000)
    header = cross_fit(tiny_speech, out, clips, list(clips.samples), 3, config, log=lambda _: None)

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0] == header and header["out_of_fold"] == "voice" and header["version"] == VoiceSignal.version
    rows = lines[1:]
    assert sorted(r["relpath"] for r in rows) == sorted(p for p in clips.paths if not p.startswith("made/"))
    assert len(trained_on) == 3 and sum(f["files"] for f in header["fold_reports"]) == 12
    kinds = dict(zip(clips.paths, clips.kinds, strict=True))
    for row in rows:
        group = group_of(kinds[row["relpath"]], row["relpath"], row["label"])
        assert group is not None and row["fold"] == fold_of(group, 3)
        seen = trained_on[row["fold"]]
        assert row["relpath"] not in seen  # never trained on the file itself ...
        assert not any(group_of(kinds[p], p, int(kinds[p] != "bonafide")) == group for p in seen)  # ... nor its group
        assert row["status"] == "ok" and 0.0 <= row["score"] <= 1.0
    assert all({"made/test/0", "made/test/1"} <= seen for seen in trained_on)  # made fakes always train

    table = OutOfFold.read(out)
    assert table.signal == "voice" and len(table.results) == 12
    sha = rows[0]["sha256"]
    shipped = SignalResult(name="voice", version="1.0", status="ok", score=0.99, confidence=0.7, summary="")
    other = SignalResult(name="spectrum", version="1", status="ok", score=0.4, confidence=0.5, summary="")
    replaced, swapped = table.replace(sha, [shipped, other])
    assert swapped and other in replaced and replaced[-1].score == pytest.approx(rows[0]["score"])
    assert table.replace("0" * 64, [shipped]) == ([shipped], False)


def test_one_fold_and_a_file_that_is_not_a_scores_file_are_refused(tiny_speech: Path, tmp_path: Path) -> None:
    config = VoiceTrainConfig(steps=1, minutes=1.0, pairs=2)
    with pytest.raises(UnmaskError, match="at least 2 folds"):
        cross_fit(tiny_speech, tmp_path / "x.jsonl", Clips(), [], 1, config)
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text('{"hello": 1}\n')
    with pytest.raises(UnmaskError, match="not an out-of-fold scores file"):
        OutOfFold.read(bogus)
