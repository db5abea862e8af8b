"""What a person does, in a real browser (Debian's chromium through Playwright): drop a video on the
page, watch the progress bar reach 100 %, read the verdict and the evidence, follow the provenance
panel to the registered original's ledger entry and check its inclusion proof there.

Screenshots go to ``$UNMASK_TEST_ARTIFACTS/server`` (default ``test-artifacts/server`` in the checkout).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ledger.helpers import serve
from unmask.media import sha256_file
from unmask.server.app import create_app
from unmask.server.config import ServerConfig

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TOKEN = "browser-token"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def artifact_dir() -> Path:
    root = Path(os.environ.get("UNMASK_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
    folder = root / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


def test_drop_a_video_read_the_report_and_follow_provenance(
    chromium: Any, tmp_path: Path, media: dict[str, Path]
) -> None:
    clip = media["clip"]
    config = ServerConfig(data_dir=tmp_path, token=TOKEN, workers=1)
    with serve(create_app(config)) as base:
        record = {"sha256": sha256_file(clip), "media_type": "video/mp4", "registrant": "newsroom"}
        others = [{**record, "sha256": f"{i:064x}", "registrant": "someone else"} for i in range(5)]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        batch = [*others[:2], record, *others[2:]]  # entry 2 of 6: a proof with a real audit path
        registered = httpx.post(f"{base}/api/ledger/entries", json=batch, headers=headers, timeout=30)
        assert registered.status_code == 200, registered.text
        page = chromium.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base + "/")
        page.set_input_files("#file", str(clip))  # what the drop zone's file picker does
        page.wait_for_selector("#progress")
        seen: list[str] = []
        deadline = time.monotonic() + 240
        while not seen or seen[-1] != "100":  # the bar follows the stages up to 100 %
            assert time.monotonic() < deadline and not page.locator("#error").count(), seen
            now = page.get_attribute("#progress", "aria-valuenow", timeout=240_000)
            if not seen or now != seen[-1]:
                seen.append(now)
            page.wait_for_timeout(50)
        assert [int(v) for v in seen] == sorted(int(v) for v in seen) and len(seen) >= 3, seen
        page.wait_for_url("**/scans/*")
        page.wait_for_selector("#verdict-label", timeout=30_000)
        label = page.inner_text("#verdict-label")
        assert label in ("likely real", "unsure", "likely manipulated")
        assert page.locator("#band-explained").inner_text().startswith('unmask only calls a file "likely real"')
        assert page.locator("#evidence img.evidence").count() >= 1
        page.screenshot(path=str(artifact_dir() / "report.png"))
        first_picture = page.locator("#evidence .signal", has=page.locator("img.evidence")).first
        first_picture.screenshot(path=str(artifact_dir() / "evidence.png"))
        report_url = page.url

        assert "ledger entry 2" in page.inner_text("#provenance")
        page.click("#provenance a.ledger-link")
        page.wait_for_selector("#entry")
        assert record["sha256"] in page.inner_text("#entry")
        page.click("#check-proof")
        page.wait_for_selector("#proof-result.good", timeout=10_000)
        assert "verified" in page.inner_text("#proof-result")
        assert page.url.endswith("/ledger#entry-2")
        page.screenshot(path=str(artifact_dir() / "ledger.png"))

        page.goto(base + "/history")
        page.wait_for_selector("#history")  # the table is drawn after the page fetches /api/scans
        assert page.locator("#history a", has_text="clip.mp4").count() == 1
        page.goto(report_url)  # the shareable link renders the same report again
        assert page.inner_text("#verdict-label") == label
        assert not errors, errors
