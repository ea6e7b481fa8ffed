import os
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging, task_postrun
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from config.celery import app as celery_app
from tests import factories


def pytest_configure(config):
    """Under pytest-xdist (`make test`), each process has its own test database already; give it
    its own cache keys and Celery queue too, so that one process's real worker never runs another's
    task against the wrong database, and rate limits or cached reads never leak between them."""
    process = os.environ.get("PYTEST_XDIST_WORKER")
    if process:
        settings.CACHES["default"]["KEY_PREFIX"] = f"tests-{process}"
        celery_app.conf.task_default_queue = f"tests-{process}"


@pytest.fixture(autouse=True)
def _celery_eager_by_default(request):
    """Tasks run in-process unless a test asks for the real worker (marker `worker`)."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each test its own in-memory cache, even with REDIS_URL set: what one test cached (the
    working figures, under the version its database started with) is never read by another,
    and emptying it never empties a Redis database that a worker or another process uses."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers are slow by design; tests hash many passwords and need no protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reporter(db):
    return factories.reporter()


@pytest.fixture
def reviewer(db):
    return factories.reviewer(provinces=[factories.province("01")])


@pytest.fixture
def admin_user(db):
    return factories.admin_user()


@pytest.fixture
def uses_postgres():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


class VerifiedClient(Client):
    """A test client whose logged-in reviewers and admins have passed two-factor already.

    Two-factor itself is tested with a plain `Client` (fixture `unverified_client`)."""

    def force_login(self, user, backend=None):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        super().force_login(user, backend)
        if user.needs_two_factor:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def unverified_client():
    return Client()


@setup_logging.connect(weak=False)
def _keep_django_logging(**kwargs):
    """The in-process worker must not reconfigure logging: Django's settings already did, and
    Celery's set-up would disable the loggers that later tests read through caplog."""


@pytest.fixture
def real_worker():
    """A Celery worker in this process, consuming from the real broker (REDIS_URL)."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    # The worker runs tasks in its own thread: close that thread's database connection after
    # each task, or the test database cannot be dropped at the end of the run.
    task_postrun.connect(_close_thread_connection, weak=False)
    try:
        with start_worker(celery_app, perform_ping_check=False, concurrency=1, pool="solo"):
            yield
    finally:
        task_postrun.disconnect(_close_thread_connection)
        celery_app.conf.task_always_eager = True


def _close_thread_connection(**kwargs):
    connection.close()
