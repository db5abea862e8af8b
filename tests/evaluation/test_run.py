"""``unmask eval`` end to end on a tiny labelled folder made here, and its grouping rules on hand-made
scores."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, PngImagePlugin

from unmask import samples
from unmask.cli import main
from unmask.evaluation.labels import LabelledFile
from unmask.evaluation.run import FileScore, kind_groups, summarize
from unmask.fusion.learned import load_default


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real pictures and three fakes that two signals score higher by design: a PNG carrying
    Stable Diffusion parameters (metadata) and two nearest-neighbour up-samplings (spectrum's period-2
    test), plus a truncated JPEG that must be listed as a failure. The eval runs only those two signals
    (``--signals``), so the known answer tests the evaluation, not how every other detector fares."""
    root = tmp_path_factory.mktemp("evalset")
    real, gan, upsampled = root / "real", root / "fake" / "gan", root / "fake" / "upsampled"
    for folder in (real, gan, upsampled):
        folder.mkdir(parents=True)
    astronaut = samples.astronaut()
    photo = samples.camera_photo(real / "camera.jpg", 320, 240)
    Image.fromarray(astronaut).resize((256, 256), Image.Resampling.LANCZOS).save(real / "astronaut.png")
    (real / "canvas.jpg").write_bytes(samples.jpeg_bytes_of(samples.portrait_canvas(256, 192)))
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", samples.SD_PARAMETERS)
    Image.fromarray(astronaut[::2, ::2]).save(gan / "generated.png", pnginfo=info)
    nearest = Image.Resampling.NEAREST
    Image.fromarray(astronaut[::4, ::4]).resize((256, 256), nearest).save(upsampled / "x4.png")
    Image.fromarray(astronaut[64:448:3, 64:448:3]).resize((256, 256), nearest).save(upsampled / "crop.png")
    samples.truncated(photo, upsampled / "broken.jpg")
    return root


def _eval(*args: str | Path) -> tuple[int, str, str]:
    done = CliRunner().invoke(main, ["eval", *map(str, args)], catch_exceptions=False)
    return done.exit_code, done.stdout, done.stderr


def test_eval_scores_the_folder_lists_the_broken_file_and_writes_its_outputs(labelled: Path, tmp_path: Path) -> None:
    code, stdout, stderr = _eval(
        labelled, "--json", "--robustness", "--kinds", "image", "--signals", "metadata,spectrum", "--out", tmp_path
    )
    assert code == 0, stderr
    result = json.loads(stdout)  # stdout is one JSON object, nothing else
    assert set(result) >= {"overall", "per_kind", "per_media", "per_signal", "failures", "robustness"}
    overall = result["overall"]
    metric_names = {"auc", "eer", "fpr_real", "accuracy", "ece", "unsure_rate", "n_real", "n_fake", "auc_ci", "ece_ci"}
    assert set(overall) == metric_names
    assert (overall["n_real"], overall["n_fake"]) == (3, 3)
    assert overall["auc"] == 1.0 and overall["eer"] == 0.0 and overall["fpr_real"] == 0.0
    assert overall["auc_ci"] == [1.0, 1.0] and overall["ece_ci"][0] <= overall["ece"] <= overall["ece_ci"][1]
    assert "AUC [95 % CI]" in stderr and "1.000 [1.00, 1.00]" in stderr
    assert set(result["per_kind"]) == {"real", "gan", "upsampled"}
    assert (result["per_kind"]["gan"]["n_real"], result["per_kind"]["gan"]["n_fake"]) == (3, 1)
    assert result["per_kind"]["real"]["auc"] is None and result["per_kind"]["real"]["fpr_real"] == 0.0
    assert set(result["per_media"]) == {"image"}
    shipped = load_default()  # each file is judged against its own verdict's band, reported per media type
    image_band = shipped.models["image"].band if shipped and "image" in shipped.models else (0.3, 0.7)
    assert result["bands"] == {"image": list(image_band)} and "unsure band image" in stderr
    assert result["per_signal"]["spectrum"]["n"] == 6 and result["per_signal"]["spectrum"]["auc"] > 0.5
    assert len(result["per_signal"]["spectrum"]["auc_ci"]) == 2
    [failure] = result["failures"]
    assert failure["path"].endswith("broken.jpg") and "truncated" in failure["reason"]
    assert f"{labelled / 'fake' / 'upsampled' / 'broken.jpg'}: corrupt or truncated image" in stderr
    assert {r["transform"] for r in result["robustness"]} == {"jpeg-q75", "resize-0.5x"}
    assert all(r["n"] == 6 and r["auc_before"] == 1.0 for r in result["robustness"])
    for row in result["robustness"]:  # each fake kind against the 3 reals, before and after
        assert set(row["per_kind"]) == {"gan", "upsampled"}
        assert (row["per_kind"]["gan"]["n_real"], row["per_kind"]["gan"]["n_fake"]) == (3, 1)
        assert row["per_kind"]["gan"]["auc_before"] == 1.0 and row["per_kind"]["gan"]["drop"] is not None
        low, high = row["drop_ci"]
        assert low <= row["drop"] <= high
    assert "per signal" in stderr and "robustness" in stderr

    with (tmp_path / "scores.csv").open(newline="") as handle:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(handle)}
    assert len(rows) == 7
    assert rows["generated.png"]["label"] == "fake" and rows["generated.png"]["kind"] == "gan"
    assert rows["generated.png"]["verdict"] == "likely manipulated" and float(rows["generated.png"]["metadata"]) > 0.9
    assert rows["camera.jpg"]["media"] == "image" and rows["camera.jpg"]["error"] == ""
    assert rows["broken.jpg"]["probability"] == "" and "truncated" in rows["broken.jpg"]["error"]
    assert (tmp_path / "roc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_labelled_files_is_a_one_line_usage_error(labelled: Path, tmp_path: Path) -> None:
    code, stdout, stderr = _eval(labelled, "--kinds", "audio", "--out", tmp_path)
    assert code == 2 and stdout == ""
    assert stderr.strip().count("\n") == 0 and "no labelled audio files" in stderr
    assert _eval(labelled, "--kinds", "hologram")[0] == 2


def _row(name: str, label: str, kind: str, media: str, probability: float) -> FileScore:
    file = LabelledFile(Path(name), label, kind, media)  # type: ignore[arg-type]
    return FileScore(file, media, probability=probability, verdict="unsure", signals={"s": probability})


def test_fake_kinds_are_measured_against_the_reals_of_their_media_type() -> None:
    rows = [
        _row("photo", "real", "photo", "image", 0.2),
        _row("speech", "real", "bonafide", "audio", 0.6),
        _row("gan", "fake", "gan", "image", 0.9),
        _row("tts", "fake", "tts", "audio", 0.4),
        FileScore(LabelledFile(Path("bad"), "fake", "gan", "image"), "image", error="corrupt"),
    ]
    groups = kind_groups([r for r in rows if r.ok])
    assert {k: sorted(r.file.path.name for r in g) for k, g in groups.items()} == {
        "bonafide": ["speech"],
        "gan": ["gan", "photo"],
        "photo": ["photo"],
        "tts": ["speech", "tts"],
    }
    result = summarize(rows, "set", None)
    assert result.per_kind["gan"].auc == 1.0 and result.per_kind["tts"].auc == 0.0
    assert result.overall.auc == pytest.approx(0.75) and result.overall.n_fake == 2  # the failure is left out
    assert result.per_media["audio"].unsure_rate == 1.0 and result.overall.fpr_real == 0.0
    assert result.per_signal["s"].n == 4 and [f.path for f in result.failures] == ["bad"]
