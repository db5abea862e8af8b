"""The spectrum signal: a picture up-sampled by pixel copying, by interpolation or through a transposed
convolution's checkerboard scores clearly higher than the untouched photograph; a missing tail counts
less under strong JPEG; pictures without a spectrum are reported as such."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from unmask import samples
from unmask.config import ScanOptions
from unmask.faces import analyze
from unmask.faces.types import FaceAnalysis
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.report.model import SignalResult
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.spectrum import (
    MAX_FRAMES,
    REFERENCE,
    REFERENCE_PROFILE,
    TYPICAL_Z,
    Measured,
    _reference_pictures,
    _zs,
    measure_picture,
    reference_table,
    spectrum_excess,
    spectrum_of,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return samples.astronaut()


@pytest.fixture(scope="module")
def faces(photo: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> FaceAnalysis:
    """The astronaut's face, found once; every variant below keeps the picture's geometry."""
    path = tmp_path_factory.mktemp("spectrum") / "face.png"
    Image.fromarray(photo).save(path)
    found = analyze(decode(path))
    assert found.usable_tracks()
    return found


def up2(pixels: np.ndarray, interpolation: int) -> np.ndarray:
    """Halved (area averaging), then doubled again with ``interpolation``: a decoder's last up-sampling."""
    height, width = pixels.shape[:2]
    small = cv2.resize(pixels, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=interpolation)


def checkerboard(pixels: np.ndarray, depth: float = 0.04) -> np.ndarray:
    """The uneven-overlap pattern of a stride-2 transposed convolution (Odena et al. 2016): every other
    row and column a few per cent darker."""
    pattern = np.array([[1.0, 1.0 - depth], [1.0 - depth, 1.0 - 2 * depth]], dtype=np.float32)
    tiled = np.tile(pattern, (pixels.shape[0] // 2, pixels.shape[1] // 2))[..., None]
    return np.clip(pixels.astype(np.float32) * tiled, 0, 255).round().astype(np.uint8)


def scan_picture(
    pixels: np.ndarray,
    path: Path,
    faces: FaceAnalysis | None = None,
    quality: int = 92,
    artifacts: bool = False,
) -> SignalResult:
    """Write ``pixels`` (JPEG at ``quality`` or PNG by suffix), decode it as a scan would and run the signal."""
    if path.suffix == ".png":
        Image.fromarray(pixels).save(path)
    else:
        Image.fromarray(pixels).save(path, quality=quality)
    ctx = AnalysisContext(media=decode(path), faces=faces, options=ScanOptions(artifacts=artifacts))
    result = run_signal(get_signal("spectrum"), ctx)
    assert result.status == "ok", result.summary
    return result


def test_nearest_neighbour_upsampling_stands_out(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    original = scan_picture(photo, tmp_path / "photo.jpg", faces)
    copied = scan_picture(up2(photo, cv2.INTER_NEAREST), tmp_path / "nearest.jpg", faces)
    assert original.score is not None and copied.score is not None
    assert original.score <= 0.5
    assert copied.score - original.score >= 0.3
    assert copied.details["z"]["image_period2"] > 3 * TYPICAL_Z
    assert original.details["z"]["image_period2"] < TYPICAL_Z
    assert any(f.direction == "fake" and "pixel" in f.text for f in copied.findings)
    assert copied.confidence > original.confidence


def test_interpolated_upsampling_stands_out_without_a_face(photo: np.ndarray, tmp_path: Path) -> None:
    """Bilinear 2x leaves the tail bent down and the every-other-pixel pattern beyond the band, but only
    mildly raises the score: the band holds real training pictures, a quarter of which were enlarged
    like this, so an enlargement alone is weak evidence (a stronger trace, copied pixels or a
    checkerboard, still stands out: the tests above)."""
    original = scan_picture(photo, tmp_path / "photo.png")
    bilinear = scan_picture(up2(photo, cv2.INTER_LINEAR), tmp_path / "bilinear.png")
    assert original.score is not None and bilinear.score is not None
    assert bilinear.score - original.score >= 0.05
    z = bilinear.details["z"]
    assert z["image_tail"] < original.details["z"]["image_tail"] - 1.0  # the tail bends down
    assert z["image_period2"] > TYPICAL_Z  # every other second difference vanishes
    assert bilinear.details["face"] is None


def test_checkerboard_peak_stands_out(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    original = scan_picture(photo, tmp_path / "photo.jpg", faces)
    board = scan_picture(checkerboard(photo), tmp_path / "board.jpg", faces)
    assert original.score is not None and board.score is not None
    assert board.score - original.score >= 0.3
    assert board.details["z"]["image_peak"] > 3 * TYPICAL_Z
    assert board.details["image"]["peak_at"].startswith("N/2")
    assert original.details["z"]["image_peak"] < TYPICAL_Z


def test_face_crop_and_plot(photo: np.ndarray, faces: FaceAnalysis, tmp_path: Path) -> None:
    drawn = scan_picture(photo, tmp_path / "photo.jpg", faces, artifacts=True)
    assert drawn.details["face"] is not None and 64 <= drawn.details["face"]["side_px"] <= 256
    assert any("face crop" in f.text for f in drawn.findings)
    assert [a.name for a in drawn.artifacts] == ["spectrum"]
    assert drawn.artifacts[0].data.startswith(PNG_SIGNATURE)
    assert not scan_picture(photo, tmp_path / "photo.jpg", faces, artifacts=False).artifacts


def test_strong_jpeg_discounts_a_missing_tail(photo: np.ndarray, tmp_path: Path) -> None:
    zs = {"image_tail": -6.0, "image_peak": 0.0, "image_period2": 0.0}
    assert spectrum_excess(zs) > spectrum_excess(zs, jpeg_q=75) > spectrum_excess(zs, jpeg_q=55) == 0.0
    assert spectrum_excess(zs, video=True) < spectrum_excess(zs)
    smooth = up2(photo, cv2.INTER_LINEAR)
    fine = scan_picture(smooth, tmp_path / "fine.jpg", quality=95)
    coarse = scan_picture(smooth, tmp_path / "coarse.jpg", quality=50)
    assert fine.details["jpeg_quality"] == 95 and coarse.details["jpeg_quality"] == 50
    assert coarse.confidence < fine.confidence
    assert any("JPEG quality about 50" in f.text for f in coarse.findings)
    assert not any("JPEG quality" in f.text for f in fine.findings)


def test_video_reads_a_bounded_sample(media) -> None:
    decoded = decode(media.video)
    result = run_signal(get_signal("spectrum"), AnalysisContext(media=decoded, faces=analyze(decoded)))
    assert result.status == "ok" and result.score is not None
    assert 1 <= result.details["frames_analyzed"] <= MAX_FRAMES < len(decoded.frames)
    assert any("codec" in f.text for f in result.findings)


@pytest.mark.parametrize(
    ("pixels", "reason"),
    [
        (np.full((40, 40, 3), 120, np.uint8), "too small"),
        (np.full((128, 128, 3), 120, np.uint8), "flat"),
    ],
)
def test_pictures_without_a_spectrum_are_not_applicable(pixels: np.ndarray, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.fromarray(pixels).save(path)
    result = run_signal(get_signal("spectrum"), AnalysisContext(media=decode(path), faces=None))
    assert result.status == "not_applicable" and reason in result.summary


@pytest.mark.devdata
def test_committed_reference_band_matches_its_generator(dev_data: Path) -> None:
    if not (dev_data / "train" / "manifest.csv").is_file():
        pytest.skip("the training set ../shared/data/train is not beside this checkout")
    table, profile = reference_table(dev_data / "train")
    for mode, measures in REFERENCE.items():
        for measure, committed in measures.items():
            assert np.allclose(table[mode][measure], committed, atol=0.02), (mode, measure)
    assert np.allclose(np.asarray(profile), np.asarray(REFERENCE_PROFILE), atol=0.02)


def test_the_reference_photographs_lie_inside_the_band() -> None:
    """The real photographs of the band, as shipped, re-saved and down-scaled, raise no alarm: at most one
    of their 40 variants has a measure beyond the typical range (the band is their 5-95 % range pooled
    with the training set's real pictures, so a band that no longer fits them would show here)."""
    alarms = 0
    pictures = _reference_pictures()
    for grey in pictures:
        alarms += spectrum_excess(_zs(Measured(image=spectrum_of(*measure_picture(grey))))) > 0
    assert len(pictures) == 40 and alarms <= 1
