"""Live reload in a real headless Chromium: reload on edit, error overlay, CSS hot swap."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.serve import Preview

from .conftest import MIRAGE, NOTES, REPO, TIMEOUT, annotation, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A fresh page in the session's headless Chromium."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def preview(make_project: Callable[..., Path]) -> Iterator[Preview]:
    """The sample project (with its own copy of the theme's stylesheet) served on a free port."""
    root = make_project(
        {"sitegen.yaml": "base_url: /reading-list/\n", str(NOTES): annotation("First-summary")},
        sample_seeds=True,
    )
    shutil.copytree(REPO / "content" / "lists", root / "content" / "lists")
    shutil.copy(REPO / "content" / "topics.yaml", root / "content" / "topics.yaml")
    (root / "static" / "css").mkdir(parents=True)
    shutil.copy(REPO / "static" / "css" / "site.css", root / "static" / "css" / "site.css")
    server = Preview(root, port=0, jobs=1, search=False, echo=lambda line: None)
    server.start()
    yield server
    server.stop()


def connected(preview: Preview, after: int) -> Callable[[], bool]:
    """True once a page loaded after handshake number ``after`` has connected for reloads."""
    return lambda: preview.handshakes > after


def test_an_open_page_follows_edits_errors_and_fixes(browser_page: Any, preview: Preview) -> None:
    page = browser_page
    notes = preview.root / NOTES
    page.goto(f"{preview.url}papers/{MIRAGE}/")
    assert "First-summary" in page.inner_text("main")
    wait_for(connected(preview, 0), timeout=10)  # livereload.js has connected
    page.evaluate("window.sitegenLoads = (window.sitegenLoads || 0) + 1")

    # an edit reloads the page by itself
    handshakes = preview.handshakes
    notes.write_text(annotation("Zebra-unique-words"), encoding="utf-8")
    page.wait_for_function(
        "document.body && document.body.innerText.includes('Zebra-unique-words')", timeout=TIMEOUT
    )
    assert page.evaluate("window.sitegenLoads") is None  # it was a real reload

    # a broken file shows the overlay over the last good page
    wait_for(connected(preview, handshakes), timeout=10)
    handshakes = preview.handshakes
    notes.write_text(annotation("Zebra-unique-words") + "  tags: [oops\n", encoding="utf-8")
    overlay = page.locator("#sitegen-error-overlay[role=alert]")
    overlay.wait_for(state="visible", timeout=TIMEOUT)
    assert "content/annotations/notes.yaml:" in overlay.inner_text()
    assert "Zebra-unique-words" in page.inner_text("main")
    page.get_by_role("button", name="Dismiss").click()
    overlay.wait_for(state="detached", timeout=TIMEOUT)

    # fixing it reloads again, without the overlay
    wait_for(connected(preview, handshakes), timeout=10)
    handshakes = preview.handshakes
    notes.write_text(annotation("Fixed-summary"), encoding="utf-8")
    page.wait_for_function(
        "document.body && document.body.innerText.includes('Fixed-summary')", timeout=TIMEOUT
    )
    assert page.locator("#sitegen-error-overlay").count() == 0

    # a stylesheet change is swapped in place: no reload
    wait_for(connected(preview, handshakes), timeout=10)
    page.evaluate("window.sitegenLoads = 1")
    css = preview.root / "static" / "css" / "site.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\n:root { --sitegen-hot: swapped; }\n", encoding="utf-8"
    )
    page.wait_for_function(
        "getComputedStyle(document.documentElement).getPropertyValue('--sitegen-hot').trim()"
        " === 'swapped'",
        timeout=TIMEOUT,
    )
    assert page.evaluate("window.sitegenLoads") == 1
