"""The provenance signal: the watermark and the ledger match that `unmask verify` finds, inside a scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.report.model import SignalResult
from unmask.signals import AnalysisContext, get_signal

from ..provenance.conftest import Signed, signed  # noqa: F401  (the session fixture)


def _provenance(path: Path) -> SignalResult:
    return run_signal(get_signal("provenance"), AnalysisContext(media=decode(path), faces=None))


@pytest.fixture
def ledger_home(signed: Signed, monkeypatch: pytest.MonkeyPatch) -> Signed:  # noqa: F811
    """Scans look for the ledger in the data dir; point it at the signed file's ledger."""
    monkeypatch.setenv("UNMASK_DATA_DIR", str(signed.ledger.parent))
    return signed


def test_signed_file_has_its_watermark_and_an_exact_match(ledger_home: Signed) -> None:
    result = _provenance(ledger_home.result.output)
    assert result.status == "info"
    assert result.details["watermark"] == {
        "found": True,
        "content_id": ledger_home.result.content_id,
        "method": result.details["watermark"]["method"],
    }
    matches = result.details["ledger"]["matches"]
    assert (matches[0]["kind"], matches[0]["index"], matches[0]["proof_verified"]) == (
        "exact",
        ledger_home.result.entry.index,
        True,
    )


def test_reencoded_copy_is_found_near_and_by_its_mark(ledger_home: Signed, tmp_path: Path) -> None:
    copy = tmp_path / "copy.jpg"
    Image.open(ledger_home.result.output).resize((480, 360)).save(copy, quality=75)
    result = _provenance(copy)
    assert result.details["watermark"]["found"]
    kinds = {m["kind"] for m in result.details["ledger"]["matches"]}
    assert "near" in kinds and "exact" not in kinds


def test_unregistered_picture_has_neither(ledger_home: Signed, tmp_path: Path) -> None:
    other = tmp_path / "coffee.jpg"  # not the signed picture's scene (camera_photo at any size would match)
    Image.fromarray(data.coffee()).save(other, quality=90)
    result = _provenance(other)
    assert not result.details["watermark"]["found"]
    assert result.details["ledger"]["matches"] == []
    assert result.summary == "no watermark; not in the local ledger"
