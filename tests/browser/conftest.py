"""Headless Chromium through Playwright, against the live test server.

Playwright cannot download its own browser here: it drives the system Chromium
(`PLAYWRIGHT_CHROMIUM_EXECUTABLE`, default /usr/bin/chromium from Debian's `chromium` package).
Screenshots of every step go to test-artifacts/browser/.
"""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(live_server, monkeypatch):
    executable = chromium_path()
    if not executable:
        pytest.skip("no Chromium: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the test
    # makes between steps are ordinary synchronous calls. Only while the browser is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh browser contexts (one per person), with screenshots under test-artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    contexts = []

    def make(name: str):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        counter = iter(range(1, 1000))

        def shot(step: str):
            page.screenshot(
                path=ARTIFACTS / f"{name}-{next(counter):02d}-{step}.png", full_page=True
            )

        page.shot = shot
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_server_connections(django_db_setup, django_db_blocker):
    """The live server answers each browser connection in a thread of its own, with its own
    database connection; one may outlive the browser. End them before the test database is
    dropped (on PostgreSQL; SQLite has nothing to end)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
