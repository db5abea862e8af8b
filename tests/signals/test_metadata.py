from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from unmask import samples
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.metadata import thumbnail_correlation


def _metadata(path: Path):
    return run_signal(get_signal("metadata"), AnalysisContext(media=decode(path), faces=None))


def test_stable_diffusion_parameters_are_named(media) -> None:
    result = _metadata(media.generated_png)
    assert result.status == "ok" and result.score is not None and result.score > 0.9
    assert "parameters" in result.summary
    assert result.findings[0].direction == "fake"


def test_parameters_hidden_in_another_chunk_are_found(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42")
    path = tmp_path / "x.png"
    Image.fromarray(samples.astronaut()).save(path, pnginfo=info)
    result = _metadata(path)
    assert result.score is not None and result.score > 0.9 and "sampler settings" in result.summary


def test_camera_photo_leans_real_but_weakly(media) -> None:
    result = _metadata(media.photo)
    assert result.status == "ok" and result.score is not None and result.score < 0.5
    assert result.confidence <= 0.3
    assert "Canon EOS 5D Mark IV" in result.summary
    assert result.details["exif"]["Make"] == "Canon"


def test_editor_software_is_reported(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
    path = tmp_path / "edited.jpg"
    Image.fromarray(samples.astronaut()).save(path, exif=exif)
    result = _metadata(path)
    assert any("Photoshop" in f.text and f.direction == "fake" for f in result.findings)


def test_stripped_jpeg_proves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.fromarray(samples.astronaut()).save(path)
    result = _metadata(path)
    assert result.status == "info"
    assert "stripped" in result.summary


def test_ai_source_type_in_xmp(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
    )
    path = tmp_path / "ai.jpg"
    Image.fromarray(samples.astronaut()).save(path, xmp=xmp)
    result = _metadata(path)
    assert result.score is not None and result.score > 0.9 and "trainedAlgorithmicMedia" in result.summary


def test_renamed_file_is_noted(media, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(media.photo.read_bytes())
    result = _metadata(path)
    assert any("named .png but holds jpeg" in f.text for f in result.findings)


def test_video_encoder_tag_is_read(media) -> None:
    result = _metadata(media.video)
    assert result.status in ("ok", "info")
    assert any("Lavf" in f.text for f in result.findings)
    assert result.details["container"]


def test_thumbnail_correlation_tells_same_from_different() -> None:
    photo = samples.astronaut()
    thumb = np.asarray(Image.fromarray(photo).resize((160, 160)))
    other = np.asarray(Image.fromarray(np.ascontiguousarray(photo[::-1, ::-1])).resize((160, 160)))
    assert thumbnail_correlation(thumb, photo) > 0.95
    assert thumbnail_correlation(other, photo) < 0.6


def test_letterboxed_thumbnail_still_matches() -> None:
    photo = samples.portrait_canvas(600, 400)
    small = np.asarray(Image.fromarray(photo).resize((160, 107)))
    boxed = np.zeros((120, 160, 3), np.uint8)
    boxed[6:113] = small
    assert thumbnail_correlation(boxed, photo) > 0.9


def test_jpeg_bytes_helper_roundtrips() -> None:
    data = samples.jpeg_bytes_of(samples.astronaut())
    assert Image.open(io.BytesIO(data)).size == (512, 512)
