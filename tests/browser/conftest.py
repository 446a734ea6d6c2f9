"""A real Chromium, driven by Playwright, against the live test server.

Playwright's own browser download is not used: the tests launch the
system's Chromium (Debian package ``chromium``), found at CHROMIUM_PATH.
Without it the browser tests are skipped with that reason, except when
REQUIRE_BROWSER_TESTS is set (as in CI), where a missing browser fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's synchronous API runs an event loop in this thread; the test's own
# database calls are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM_PATH).exists():
        reason = f"Chromium not found at {CHROMIUM_PATH}: install the 'chromium' package or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
