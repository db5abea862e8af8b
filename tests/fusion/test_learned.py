"""The calibrated fuser: fitting on synthetic signal results with a known structure, its guarantees
(absent signals change nothing, version changes fall back), the band rule, and ``unmask train fusion``
end to end on a tiny generated folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from unmask import samples
from unmask.cli import main
from unmask.evaluation import metrics
from unmask.fusion import train
from unmask.fusion.learned import FORMAT, KindModel, LearnedFuser, feature_vector, load_default, split_features
from unmask.fusion.logodds import LogOddsFuser
from unmask.models.voice_runtime import VOICE
from unmask.report.model import SignalResult
from unmask.signals.voice import VoiceSignal

NAMES = ["a", "b", "c"]


def _result(
    name: str, score: float | None, confidence: float = 0.5, status: str = "ok", version: str = "1"
) -> SignalResult:
    return SignalResult(name=name, version=version, status=status, score=score, confidence=confidence, summary=name)


def _synthetic(n: int, seed: int) -> tuple[list[list[SignalResult]], np.ndarray]:
    """Files whose true log-odds is 2 a - 1 b (a strong, b inverted and weaker, c pure noise); each
    signal's score is a noisy view of its own evidence, and c is sometimes not applicable."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    files = []
    for label in y:
        sign = 1.0 if label else -1.0
        a = 1 / (1 + np.exp(-(sign * 1.5 + rng.normal(0, 1.0))))
        b = 1 / (1 + np.exp(-(-sign * 0.8 + rng.normal(0, 1.0))))
        c = 1 / (1 + np.exp(-rng.normal(0, 1.0)))
        results = [_result("a", float(a)), _result("b", float(b))]
        results.append(_result("c", float(c)) if rng.random() < 0.7 else _result("c", None, 0, "not_applicable"))
        files.append(results)
    return files, y


def _matrix(files: list[list[SignalResult]]) -> np.ndarray:
    return np.array([feature_vector(results, NAMES) for results in files])


@pytest.fixture(scope="module")
def fitted() -> np.ndarray:
    files, y = _synthetic(3000, 0)
    return train.fit_logistic(_matrix(files), y, nonnegative=False)


def test_fit_recovers_sign_and_order_of_the_signals(fitted: np.ndarray) -> None:
    a, b, c = fitted
    assert a > 0 > b and abs(a) > abs(b) > abs(c)
    assert abs(c) < 0.3  # noise is not trusted, although the prior pulled it towards 1


def test_fitted_model_is_calibrated_on_held_out_data(fitted: np.ndarray) -> None:
    files, y = _synthetic(2000, 1)
    p = 1 / (1 + np.exp(-_matrix(files) @ fitted))
    assert metrics.ece(list(y), list(p)) < 0.04 and metrics.auc(list(y), list(p)) > 0.85


def test_temperature_undoes_over_confidence() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(0, 2, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(int)
    assert train.fit_temperature(3 * z, y) == pytest.approx(1 / 3, abs=0.05)


def test_folds_deal_every_fitting_row_once_with_both_classes_in_each() -> None:
    y = np.array([0] * 23 + [1] * 17)
    rows, _ = train.split(y, seed=5)
    dealt = train.folds(y, rows, seed=5)
    assert len(dealt) == train.FOLDS and sorted(np.concatenate(dealt).tolist()) == sorted(rows.tolist())
    assert all(set(y[fold]) == {0, 1} for fold in dealt)
    assert [f.tolist() for f in dealt] == [f.tolist() for f in train.folds(y, rows, seed=5)]
    assert [f.tolist() for f in dealt] != [f.tolist() for f in train.folds(y, rows, seed=6)]


def test_the_temperature_is_fitted_on_scores_the_fit_did_not_see() -> None:
    """Thirty signals of pure noise on 80 files: a fit always finds some pattern in its own files (in-sample
    AUC well above 0.5), and a temperature fitted on those scores would keep it. Scored out of fold the
    pattern is gone, so the temperature falls to its floor and every verdict stays near 0.5."""
    rng = np.random.default_rng(0)
    x = np.abs(rng.normal(0, 1, (80, 30))) * np.where(rng.random((80, 30)) < 0.5, 1, -1)
    y = rng.integers(0, 2, 80)
    data = train.KindData([f"s{i}" for i in range(15)], {}, x, y)
    rows = np.arange(80)
    in_sample = x @ train.fit_logistic(x, y)
    assert metrics.auc(list(y), list(in_sample)) > 0.65 and train.fit_temperature(in_sample, y) > 0.5
    fitted = train.fit_calibrated(data, rows, seed=0)
    assert fitted.temperature < 0.01 and np.abs(fitted.out_of_fold - 0.5).max() < 0.05
    assert np.abs(_sigmoid_np(x @ fitted.coefficients) - 0.5).max() < 0.05


def _sigmoid_np(z: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-z)))


def test_signals_are_never_read_backwards_by_default() -> None:
    files, y = _synthetic(1000, 3)
    a, b, _ = train.fit_logistic(_matrix(files), y)
    assert a > 0 and b == 0.0


def test_a_signal_that_never_varies_keeps_its_rule_weight() -> None:
    x = np.column_stack([np.linspace(-2, 2, 200), np.zeros(200)])
    y = (x[:, 0] > 0).astype(int)
    assert train.fit_logistic(x, y)[1] == pytest.approx(1.0)


def test_a_detector_of_one_kind_of_fake_is_trusted_when_it_fires_not_when_it_is_silent() -> None:
    """Three kinds of fake: "a" sees only the first (and then fires clearly), "b" only the second, and
    neither sees the third. A silent detector says little about whether a file is real, so its push
    towards real must get a small coefficient, while its push towards manipulated keeps a large one."""
    rng = np.random.default_rng(4)
    files, y = [], []
    for i in range(3000):
        kind = i % 6  # 0, 1, 2: real; 3: fake "a" sees; 4: fake "b" sees; 5: fake neither sees
        a = 0.9 if kind == 3 else 0.15
        b = 0.9 if kind == 4 else 0.15
        noisy = [float(np.clip(v + rng.normal(0, 0.05), 0.01, 0.99)) for v in (a, b)]
        files.append([_result("a", noisy[0]), _result("b", noisy[1])])
        y.append(int(kind >= 3))
    x = np.array([split_features(results, ["a", "b"]) for results in files])
    a_fake, b_fake, a_real, b_real = train.fit_logistic(x, np.array(y))
    assert a_fake > 3 * a_real and b_fake > 3 * b_real
    assert (x[:, :2] >= 0).all() and (x[:, 2:] <= 0).all() and ((x[:, :2] != 0) & (x[:, 2:] != 0)).sum() == 0


def _model(band: tuple[float, float] = (0.4, 0.6)) -> KindModel:
    coefficients = {"a": (2.0, 2.0), "b": (-1.0, -1.0), "c": (0.5, 0.5)}
    return KindModel("image", {"a": "1", "b": "1", "c": "1"}, coefficients, band, "2025-01-01")


def test_not_applicable_errors_and_missing_signals_change_nothing() -> None:
    fuser = LearnedFuser({"image": _model()})
    scored = [_result("a", 0.8), _result("b", 0.3)]
    base = fuser.fuse(scored, {}, "image")
    for extra in (
        [_result("c", None, 0, "not_applicable")],
        [_result("c", None, 0, "error")],
        [_result("c", None, 0, "info")],
    ):
        assert fuser.fuse(scored + extra, {}, "image") == base
    assert base.probability > 0.5 and base.method.startswith("learned-lr-v2 (image")
    assert sum(c.log_odds for c in base.contributions) == pytest.approx(
        np.log(base.probability / (1 - base.probability)), abs=1e-3
    )
    assert [c.signal for c in base.contributions] == ["a", "b"]


def test_no_evidence_is_exactly_one_half_and_unsure() -> None:
    verdict = LearnedFuser({"image": _model()}).fuse([_result("a", None, 0, "not_applicable")], {}, "image")
    assert verdict.probability == 0.5 and verdict.label == "unsure" and verdict.contributions == []


def test_changed_signal_version_or_unknown_media_falls_back_to_the_rule() -> None:
    fuser = LearnedFuser({"image": _model()})
    results = [_result("a", 0.9, version="2"), _result("b", 0.3)]
    verdict = fuser.fuse(results, {}, "image")
    assert verdict.probability == LogOddsFuser().fuse(results, {}).probability
    assert "fallback: signal a is version 2, the model was trained on 1" in verdict.method
    assert "no learned model for audio media" in fuser.fuse(results, {}, "audio").method
    assert "no learned model for unknown media" in fuser.fuse(results, {}).method


def test_an_untrained_signal_pushes_with_its_rule_weight_and_is_named() -> None:
    verdict = LearnedFuser({"image": _model()}).fuse([_result("gan_new", 0.9, 1.0)], {"gan_new": 1.5}, "image")
    [contribution] = verdict.contributions
    assert contribution.weight == 1.5 and contribution.log_odds == pytest.approx(1.5 * np.log(9), abs=1e-3)
    assert "rule weight used: gan_new" in verdict.method


def test_band_is_the_narrowest_that_keeps_accuracy_and_fpr() -> None:
    p = np.r_[np.linspace(0.0, 0.35, 40), np.linspace(0.65, 1.0, 40)]
    y = np.r_[np.zeros(40, int), np.ones(40, int)]
    assert train.heldout_metrics(y, p, train.choose_band(y, p))["unsure_rate"] == 0.0  # separable: all decided
    noisy = y.copy()
    noisy[34:46] = 1 - noisy[34:46]  # the twelve files nearest 0.5 have the wrong label
    band = train.choose_band(noisy, p)
    got = train.heldout_metrics(noisy, p, band)
    assert got["decided_accuracy"] >= 0.95 and got["fpr_real"] <= 0.05 and 0 < got["unsure_rate"] <= 0.2
    assert train.choose_band(np.array([0, 1] * 20), np.full(40, 0.5)) == (0.05, 0.95)  # no signal: all unsure


def test_weights_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "fusion.json"
    model = _model()
    document = {"format": FORMAT, "models": {"image": {**model.__dict__, "band": list(model.band)}}}
    path.write_text(json.dumps(document))
    loaded = load_default(path)
    assert loaded is not None and loaded.models["image"] == model
    assert load_default(tmp_path / "missing.json") is None


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six real pictures (Lanczos-resized crops, JPEG) and six fakes (nearest-neighbour up-sampled crops)."""
    root = tmp_path_factory.mktemp("fusionset")
    (root / "real").mkdir()
    (root / "fake").mkdir()
    pixels = samples.astronaut()
    for i in range(6):
        crop = pixels[20 * i : 20 * i + 384, 10 * i : 10 * i + 384]
        Image.fromarray(crop).resize((192, 192), Image.Resampling.LANCZOS).save(root / "real" / f"r{i}.jpg", quality=92)
        small = Image.fromarray(crop[::4, ::4])
        small.resize((192, 192), Image.Resampling.NEAREST).save(root / "fake" / f"f{i}.png")
    return root


@pytest.fixture
def small_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny set qualifies for a model: 5 files per class, fakes of one kind."""
    monkeypatch.setattr(train, "MIN_PER_CLASS", 5)
    monkeypatch.setattr(train, "MIN_FAKE_KINDS", 1)


def _train_fusion_args(folder: Path, tmp_path: Path) -> tuple[list[str], Path, Path]:
    """``unmask train fusion`` on ``folder`` writing into ``tmp_path``; the arguments, the output, the cache."""
    out, cache = tmp_path / "fusion.json", tmp_path / "cache.jsonl"
    return ["train", "fusion", "--data", str(folder), "--out", str(out), "--cache", str(cache)], out, cache


@pytest.mark.usefixtures("small_gates")
def test_train_fusion_end_to_end_and_from_cache(
    tiny_set: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, out, cache = _train_fusion_args(tiny_set, tmp_path)
    done = CliRunner().invoke(main, [*args, "--seed", "3"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    report = document["reports"]["image"]
    assert (report["n_real"], report["n_fake"]) == (6, 6) and report["split"] == {"fit": 10, "test": 2, "folds": 5}
    assert document["files_chosen"] == 12 and "band_rule" in document
    model = document["models"]["image"]
    assert model["coefficients"]["spectrum"][0] > 0 and model["signals"]["spectrum"]
    assert "metadata" not in model["coefficients"]  # declared, not measured: keeps its rule weight
    assert report["heldout_auc_by_kind"]["fake"]["n_fake"] == 1  # folder labels: one kind; 1 of 6 held out
    assert set(report["heldout_auc_by_kind"]) == {"fake"}
    assert set(report["unseen_kind_auc"]) == {"fake"}  # the only kind of fake: left out, nothing is left to fit
    fuser = LearnedFuser.from_file(out)
    assert fuser.models["image"].band == tuple(model["band"])

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached file was scanned again")

    monkeypatch.setattr("unmask.pipeline.scan", no_scan)
    again = train.train_fusion([tiny_set], out, cache, seed=3, log=lambda line: None)
    assert again["models"]["image"]["coefficients"] == model["coefficients"]


@pytest.mark.usefixtures("small_gates")
def test_refitting_one_media_kind_keeps_the_others_as_they_were(tiny_set: Path, tmp_path: Path) -> None:
    args, out, _ = _train_fusion_args(tiny_set, tmp_path)
    audio = {"media": "audio", "signals": {"voice": "1.0"}, "coefficients": {"voice": [0.4, 0.2]}, "band": [0.05, 0.95]}
    earlier = {
        "format": FORMAT,
        "trained_at": "2026-01-01 00:00 UTC",
        "data": ["speech"],
        "seed": 7,
        "out_of_fold": [{"signal": "voice", "version": "1.0", "file": "oof.jsonl", "files_replaced": 40}],
        "models": {"audio": audio | {"trained_at": "2026-01-01 00:00 UTC"}, "image": {"stale": True}},
        "reports": {"audio": {"n_real": 20, "n_fake": 20}, "image": {"stale": True}},
    }
    out.write_text(json.dumps(earlier))
    done = CliRunner().invoke(main, [*args, "--media", "image"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    assert document["models"]["audio"] == earlier["models"]["audio"]
    assert document["reports"]["audio"] == earlier["reports"]["audio"]
    assert "stale" not in document["models"]["image"] and document["reports"]["image"]["n_real"] == 6
    kept = document["kept"]["audio"]
    assert (kept["trained_at"], kept["seed"], kept["out_of_fold"]) == (
        "2026-01-01 00:00 UTC",
        7,
        earlier["out_of_fold"],
    )
    assert LearnedFuser.from_file(out).models.keys() == {"image", "audio"}

    done = CliRunner().invoke(main, [*args, "--media", "image"], catch_exceptions=False)  # kept twice
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["kept"]["audio"] == kept  # still the record of the fit that made it
    done = CliRunner().invoke(main, args, catch_exceptions=False)  # every kind: nothing is kept
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    assert "kept" not in document and "audio" not in document["models"]


def test_fakes_of_one_kind_give_no_model_however_well_they_separate() -> None:
    files, y = _synthetic(200, 4)
    data = train.KindData(NAMES, {n: "1" for n in NAMES}, np.array([split_features(f, NAMES) for f in files]), y)
    data.kinds = ["real" if label == 0 else "lab_faceswap" for label in y]
    model, report = train.fit_kind("video", data, seed=0)
    assert model is None and report["skipped"] == "fakes of 1 kind(s) (lab_faceswap), fewer than 2"
    data.kinds = ["real" if label == 0 else ("lab_faceswap" if i % 2 else "splice") for i, label in enumerate(y)]
    model, report = train.fit_kind("video", data, seed=0)
    assert model is not None and "skipped" not in report


def test_a_kind_left_out_of_the_fit_is_judged_as_unseen() -> None:
    """Signal "a" fires on every fake of kind K and on a quarter of the reals; "b" fires on the fakes of kind
    J only. Fitted with K, "a" counts and K ranks above the reals (AUC about 0.875); left out, the fit sees
    "a" fire on reals alone, drops it, and K sits level with the reals. J left out: "b" never fires in that
    fit, so it keeps its rule weight and J is still found."""
    rng = np.random.default_rng(2)
    files, y, kinds = [], [], []
    for i in range(1200):
        kind = ("real", "real", "K", "J")[i % 4]
        a = 0.9 if kind == "K" or (kind == "real" and rng.random() < 0.25) else 0.5
        b = 0.9 if kind == "J" else 0.5
        files.append([_result(name, v + rng.normal(0, 0.02) if v > 0.5 else 0.5) for name, v in (("a", a), ("b", b))])
        y.append(int(kind != "real"))
        kinds.append(kind)
    x = np.array([split_features(results, ["a", "b"]) for results in files])
    data = train.KindData(["a", "b"], {"a": "1", "b": "1"}, x, np.array(y), kinds)
    _, report = train.fit_kind("image", data, seed=0)
    assert report["heldout_auc_by_kind"]["K"]["auc"] == pytest.approx(0.875, abs=0.06)
    assert report["unseen_kind_auc"]["K"] == {"auc": pytest.approx(0.5, abs=0.05), "n_fake": 300}
    assert report["unseen_kind_auc"]["J"]["auc"] > 0.95
    assert train.unseen_kind_auc(data, "K", seed=0) == report["unseen_kind_auc"]["K"]["auc"]


def test_the_shipped_weights_load_and_leave_declared_signals_to_the_rule() -> None:
    """A format change that the shipped file did not follow would silently hand every verdict back to the
    rule (``load_default`` returns None for an unreadable file), so the shipped file is checked here."""
    shipped = load_default()
    assert shipped is not None and "image" in shipped.models
    image = shipped.models["image"]
    assert image.coefficients and not set(image.coefficients) & train.DECLARED
    assert all(a >= 0 and b >= 0 for a, b in image.coefficients.values()) and image.band[0] < 0.5 < image.band[1]


@pytest.fixture(scope="module")
def tiny_speech_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six recorded-like voices (real/) and six of them ring-modulated by a tone (fake/), as WAV."""
    from tests.signals.voices import recorded_like, write_wav

    root = tmp_path_factory.mktemp("speechset")
    for label in ("real", "fake"):
        (root / label).mkdir()
        for i in range(6):
            voice = recorded_like(2.5, seed=i + (10 if label == "fake" else 0))
            if label == "fake":
                voice = (voice * np.sin(2 * np.pi * 170 * np.arange(len(voice)) / 16_000)).astype(np.float32)
            write_wav(root / label / f"{label}{i}.wav", voice)
    return root


def _out_of_fold_file(folder: Path, path: Path, version: str = VoiceSignal.version) -> Path:
    """Hand-made out-of-fold voice scores: 0.2 for every real file, 0.8 for every fake one."""
    from unmask.media import sha256_file

    lines = [json.dumps({"out_of_fold": "voice", "version": version})]
    for label, score in (("real", 0.2), ("fake", 0.8)):
        for wav in sorted((folder / label).glob("*.wav")):
            row = {"sha256": sha256_file(wav), "status": "ok", "score": score, "confidence": 0.7}
            lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.skipif(not VOICE.available(), reason="voice.onnx is not installed")
@pytest.mark.usefixtures("small_gates")
def test_audio_gets_a_model_only_on_out_of_fold_voice_scores(tiny_speech_set: Path, tmp_path: Path) -> None:
    args, out, _ = _train_fusion_args(tiny_speech_set, tmp_path)
    done = CliRunner().invoke(main, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    assert "audio" not in document["models"]
    assert "12 voice scores come from the shipped model" in document["reports"]["audio"]["skipped"]

    scores = _out_of_fold_file(tiny_speech_set, tmp_path / "oof.jsonl")
    done = CliRunner().invoke(main, [*args, "--out-of-fold", str(scores)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    assert document["out_of_fold"][0]["files_replaced"] == 12
    model = document["models"]["audio"]
    assert model["signals"] == {"voice": VoiceSignal.version} and model["metrics"]["heldout"]["auc"] == 1.0
    towards_fake, towards_real = model["coefficients"]["voice"]
    assert towards_fake > 0 and towards_real > 0  # the hand-made scores separate: both directions trusted

    stale = _out_of_fold_file(tiny_speech_set, tmp_path / "stale.jsonl", version="0.9")
    done = CliRunner().invoke(main, [*args, "--out-of-fold", str(stale)])
    assert done.exit_code == 2 and f"voice 0.9, but the signal is now {VoiceSignal.version}" in done.output


def test_adding_another_media_kind_leaves_the_image_sample_as_it_was() -> None:
    from unmask.evaluation.labels import LabelledFile

    images = [
        LabelledFile(Path(f"{label}/{kind}/{i}.jpg"), label, kind, "image")
        for label, kinds in (("real", ("crop", "photo")), ("fake", ("gan", "splice")))
        for kind in kinds
        for i in range(30)
    ]
    sounds = [
        LabelledFile(Path(f"{label}/s{i}.wav"), label, "tts", "audio") for label in ("real", "fake") for i in range(9)
    ]
    alone = train.sample_files(list(images), {"image": 20, "audio": 5}, seed=4)
    both = train.sample_files(sounds + images, {"image": 20, "audio": 5}, seed=4)
    assert [f for f in both if f.media == "image"] == alone and len(alone) == 40
    assert sum(f.media == "audio" for f in both) == 10
    assert train.sample_files(list(images), {"image": 20}, seed=5) != alone  # the seed still matters


def test_the_shipped_audio_model_was_fitted_on_out_of_fold_voice_scores_only() -> None:
    """The voice model's scores of its own training speech are in-sample; a shipped audio model must have
    been fitted with every one of them replaced (``unmask train voice-folds``, ``--out-of-fold``)."""
    from unmask.fusion.learned import WEIGHTS_PATH

    document = json.loads(WEIGHTS_PATH.read_text())
    if "audio" not in document["models"]:
        assert "audio" not in document["reports"] or "skipped" in document["reports"]["audio"]
        return
    report = document["reports"]["audio"]
    made = document.get("kept", {}).get("audio", document)  # kept from an earlier fit: how that fit was made
    (voice,) = [t for t in made["out_of_fold"] if t["signal"] == "voice"]
    assert voice["files_replaced"] >= report["n_real"] + report["n_fake"]
    assert voice["version"] == document["models"]["audio"]["signals"]["voice"]
