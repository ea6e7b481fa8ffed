import json
import os

import pytest
from django.test import override_settings
from django.urls import reverse


def test_healthz_answers_200_with_database_ok_and_eager_broker(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_answers_503_when_the_broker_is_unreachable(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_healthz_reports_a_reachable_redis_broker_as_ok(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_names_the_failing_dependency_its_error_class_cause_and_reason(client, db):
    body = client.get(reverse("healthz")).json()

    assert body["failing"] == ["broker"]
    broker = body["checks"]["broker"]
    assert broker["state"] == "error"
    assert broker["error"] == "OperationalError"
    assert broker["cause"] == "ConnectionRefusedError"
    assert broker["reason"] == "connection refused"
    assert body["checks"]["database"]["state"] == "ok"
    assert "127.0.0.1" not in json.dumps(body)  # no messages: they name hosts and users


def test_a_database_failure_is_named_by_class_and_reason_without_its_message(monkeypatch):
    from django.db import OperationalError

    from portal import health

    def refuse():
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            raise OperationalError(
                'connection to server at "db.internal" failed: password authentication failed '
                'for user "napwps"'
            ) from exc

    class Broken:
        def cursor(self):
            refuse()

        def close_if_unusable_or_obsolete(self):
            pass

    monkeypatch.setattr(health, "connection", Broken())
    check = health.database_check()

    assert check.as_dict()["error"] == "OperationalError"
    assert check.cause == "ConnectionRefusedError"
    assert check.reason == "connection refused"
    assert "db.internal" not in json.dumps(check.as_dict())


def test_in_production_the_probes_answer_plain_http_and_pages_still_redirect(client, db, settings):
    """The compose health check and the metrics scraper speak plain HTTP inside the compose
    network; a redirect to HTTPS would fail them (gunicorn has no TLS)."""
    from tests.portal.test_settings import run_python

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT]))"
    )
    probe = run_python(
        code,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="probe-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
    )
    assert probe.returncode == 0, probe.stderr
    redirect, exempt = json.loads(probe.stdout.strip().splitlines()[-1])
    assert redirect is True
    settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT = redirect, exempt
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 401
    login = client.get(reverse("login"))
    assert login.status_code == 301 and login["Location"].startswith("https://")
