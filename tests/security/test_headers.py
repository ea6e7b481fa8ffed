"""Production response headers on a logged-in page and on a download."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from summaries.services import aggregation_full
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "CONTENT_SECURITY_POLICY",
]


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The security settings as `DJANGO_ENV=production` computes them, read in a fresh process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="headers-test-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    script = (
        "import json, django; from django.conf import settings; django.setup();"
        f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    return settings


def assert_protected(response):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy


def test_plain_http_is_redirected_to_https(production, client):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_a_logged_in_page_carries_every_header(production, client):
    client.force_login(factories.reporter())
    response = client.get(reverse("reports:list"), secure=True)
    assert response.status_code == 200
    assert_protected(response)


def test_a_download_carries_every_header(production, client):
    admin = factories.admin_user()
    factories.approved_report(period_code="2026-Q2")
    aggregation_full()  # on commit in production; a test's transaction never commits
    release = factories.publish(2026, 2, admin=admin)
    client.force_login(admin)
    response = client.get(
        reverse("summaries:download_xlsx"), {"release": release.pk, "year": 2026}, secure=True
    )
    assert response.status_code == 200
    assert_protected(response)


def test_login_cookies_are_secure_and_http_only(production, client):
    user = factories.reporter()
    response = client.post(
        reverse("login"),
        {"username": user.email, "password": factories.TEST_PASSWORD},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]
