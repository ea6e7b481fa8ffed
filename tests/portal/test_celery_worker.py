"""A real Celery worker takes a task from Redis and its effect is visible in the database."""

import os
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.tasks import clear_expired_sessions

pytestmark = [
    pytest.mark.worker,
    # The worker thread reads committed rows; keep the migrations' data for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: no broker for a real worker"
    ),
]


def test_a_task_sent_through_redis_is_executed_and_its_result_is_in_the_database(real_worker):
    expired = SessionStore()
    expired["probe"] = "expired"
    expired.set_expiry(1)
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    alive = SessionStore()
    alive.create()

    result = clear_expired_sessions.apply_async()
    # The worker has no result backend; wait on the database, where the effect shows.
    deadline = timezone.now() + timedelta(seconds=20)
    while Session.objects.filter(pk=expired.session_key).exists() and timezone.now() < deadline:
        time.sleep(0.1)

    assert result.id
    assert not Session.objects.filter(pk=expired.session_key).exists()
    assert Session.objects.filter(pk=alive.session_key).exists()
