from __future__ import annotations

from pathlib import Path

from unmask import scan
from unmask.report.html import render_html, write_html


def test_html_is_self_contained_with_pictures(media) -> None:
    report = scan(media.video)
    page = render_html(report)
    assert page.startswith("<!doctype html>")
    assert "data:image/jpeg;base64," in page  # the face thumbnail
    assert report.verdict.label in page and report.input.sha256 in page
    for result in report.signals:
        assert f'id="signal-{result.name}"' in page
    assert "http://" not in page.replace("http://cv.iptc.org", "") and "https://" not in page


def test_html_escapes_file_contents(tmp_path: Path) -> None:
    from PIL import Image, PngImagePlugin

    from unmask import samples

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "<script>alert(1)</script> Photoshop")
    path = tmp_path / "x.png"
    Image.fromarray(samples.astronaut()).save(path, pnginfo=info)
    page = render_html(scan(path))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_written_file_is_named_by_name_and_hash(media, tmp_path: Path) -> None:
    report = scan(media.photo)
    target = write_html(report, tmp_path / "out")
    assert target.name == f"photo.jpg.{report.input.sha256[:8]}.html" and target.stat().st_size > 1000
