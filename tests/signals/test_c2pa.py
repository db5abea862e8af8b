"""The c2pa signal on our own files (no manifest) and, when the dev set is beside the checkout, on the
C2PA conformance files, whose names declare what validation must find."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import dev_manifest
from unmask.media import decode
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal


def _c2pa(path: Path):
    return run_signal(get_signal("c2pa"), AnalysisContext(media=decode(path), faces=None))


@pytest.mark.parametrize("kind", ["image", "video", "audio"])
def test_no_manifest_is_info_not_evidence(media, kind: str) -> None:
    result = _c2pa(media.by_kind(kind))
    assert result.status == "info"
    assert result.details["state"] == "absent"


EXPECTED = {
    "c2pars__C.jpg": "valid",
    "c2pars__CA.jpg": "valid",
    "c2pars__CACA.jpg": "valid",
    "c2pars__CIE-sig-CA.jpg": "valid",
    "c2pars__boxhash.jpg": "valid",
    "c2pars__legacy_ingredient_hash.jpg": "valid",
    "c2pars__ocsp.jpg": "valid",
    "c2pars__update_manifest.jpg": "valid",
    "c2pars__video1.mp4": "valid",
    "c2pars__E-sig-CA.jpg": "invalid",
    "c2pars__XCA.jpg": "invalid",
    "c2pars__cloud.jpg": "remote",
    "c2pars__no_alg.jpg": "unreadable",
    "c2pars__prerelease.jpg": "unreadable",
    "c2pars__no_manifest.jpg": "absent",
    "c2pars__video1_no_manifest.mp4": "absent",
    "c2pars__sample1.png": "absent",
    "c2pars__sample1.webp": "absent",
    "c2pars__sample1.wav": "absent",
    "c2pars__sample1.heic": "absent",
    "c2pars__sample1.avif": "absent",
}


@pytest.mark.devdata
def test_conformance_files_validate_as_their_names_declare(dev_data: Path) -> None:
    rows = [r for r in dev_manifest(dev_data) if r["kind"] == "c2pa"]
    assert rows
    seen = {}
    for row in rows:
        path = dev_data / row["relpath"]
        seen[path.name] = _c2pa(path).details["state"]
    assert {name: seen[name] for name in EXPECTED if name in seen} == {n: s for n, s in EXPECTED.items() if n in seen}


@pytest.mark.devdata
def test_tampered_files_push_towards_manipulated(dev_data: Path) -> None:
    tampered = _c2pa(dev_data / "c2pa" / "c2pars__XCA.jpg")
    assert tampered.status == "ok" and tampered.score is not None and tampered.score > 0.7
    assert any(f["code"] == "assertion.dataHash.mismatch" for f in tampered.details["failures"])
    signed = _c2pa(dev_data / "c2pa" / "c2pars__CA.jpg")
    assert signed.score is not None and signed.score < 0.5
    assert signed.details["signer"] and signed.details["claim_generator"]
