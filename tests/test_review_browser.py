"""The App that `curator review --remote` serves, in headless Chromium: the grid shows, a tag set
in the page reaches the manifest when the session ends. Every process started here is stopped here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from curator.review.config import ReviewConfig
from curator.review.database import EmbeddedMongo, database_dir, free_port
from review_process import ReviewProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
APP_START_TIMEOUT_S = 150

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.is_file(), reason="Debian's chromium is not installed")]


def _grid_pixels_show_images(screenshot: Path) -> float:
    """Fraction of colourful pixels in the grid area (the App's own chrome is grey)."""
    rgb = np.asarray(Image.open(screenshot).convert("RGB").crop((320, 150, 1390, 660))).astype(float)
    saturation = (rgb.max(axis=2) - rgb.min(axis=2)) / np.maximum(rgb.max(axis=2), 1)
    return float(((saturation > 0.3) & (rgb.max(axis=2) > 80)).mean())


@contextmanager
def _app_tab(url: str, settle_ms: int) -> Iterator[tuple[Any, Any]]:
    """(browser, page): headless Chromium with a tab on the App at `url`, its grid drawn and `settle_ms` waited."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.wait_for_selector("canvas", timeout=60_000)
            page.wait_for_timeout(settle_ms)
            yield browser, page
        finally:
            browser.close()


def _tag_first_sample(page, tag: str) -> None:
    """Open the first grid tile and tag that sample, as a reviewer would."""
    page.keyboard.press("Escape")  # closes FiftyOne's promotional popover, whose backdrop swallows clicks
    page.locator(".MuiPopover-root").wait_for(state="detached", timeout=10_000)
    page.locator("[data-cy=looker]").first.click()
    tag_button = page.locator("[data-cy=action-tag-sample-labels]").nth(1)  # the modal's; the grid's tags every sample
    tag_button.wait_for(timeout=30_000)
    tag_button.click()
    page.locator("[data-cy=tagger-switch-sample]").click()
    box = page.locator("[data-cy=sample-tag-input]")
    box.fill(tag)
    box.press("Enter")
    page.locator("[data-cy=button-Apply]").click()
    page.wait_for_timeout(2000)


def test_app_shows_grid_and_a_tag_set_in_the_page_syncs(tmp_path, imported_ws):
    ws, root = imported_ws, imported_ws.root
    start = ws.manifests.load("latest")
    review = ReviewProcess(root, free_port())
    try:
        url = review.wait_for("App: ", APP_START_TIMEOUT_S).split(" ", 1)[1]
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        with _app_tab(url, 2000) as (browser, page):
            shot = tmp_path / "grid.png"
            page.screenshot(path=str(shot))
            assert _grid_pixels_show_images(shot) > 0.15, f"no sample images in the grid: {shot}"
            _tag_first_sample(page, "reject")
            # Every request the App made (pages, GraphQL, event streams, media, workers) passed the guard.
            refused = [ln for ln in (root / "cache" / "review-server.log").read_text().splitlines() if ln.startswith("refused")]
            assert refused == [], refused
            # A browser that never had the token is refused at the same address.
            stranger = browser.new_context().new_page()
            assert stranger.goto(url.split("?")[0]).status == 403
            assert "token" in stranger.content()
        output = review.finish()
    finally:
        review.stop()
        leftover = EmbeddedMongo.running(database_dir(root, ReviewConfig()))
        if leftover is not None:
            os.kill(leftover.pid, signal.SIGKILL)
    assert leftover is None, "curator review left its database running"

    assert review.proc.returncode == 0, output
    assert "review: 1 rejected" in output, output
    synced = ws.manifests.load("latest")
    assert synced.stage == "review" and synced.parent == start.id
    reviewed = [it for it in synced.items if it.review is not None]
    assert len(reviewed) == 1 and reviewed[0].status == "rejected" and reviewed[0].reasons[-1].code == "review"


def test_closing_the_last_tab_ends_a_local_review(imported_ws):
    """Without --remote the review ends by itself once the reviewer has closed every App tab."""
    review = ReviewProcess(imported_ws.root, free_port(), remote=False)
    try:
        url = review.wait_for("App: ", APP_START_TIMEOUT_S).split(" ", 1)[1]
        review.wait_for("tag samples", 10)
        with _app_tab(url, 1000) as (_, page):
            assert review.proc.poll() is None, "the review ended while its tab was open"
            page.close()
        review.proc.wait(60)
        output = review.finish()
    finally:
        review.stop()
    assert review.proc.returncode == 0, output
    assert "nothing to sync" in output, output
