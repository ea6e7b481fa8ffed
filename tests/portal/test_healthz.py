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
