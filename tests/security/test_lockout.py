"""Brute force: five failures lock the e-mail and address pair for fifteen minutes."""

import datetime

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from tests import factories
from tests.security.conftest import post_login

pytestmark = pytest.mark.django_db


def fail(client, email, times, **extra):
    for _ in range(times):
        response = post_login(client, email, "not-the-password", **extra)
        assert response.status_code in {200, 429}


def test_five_failures_lock_out_even_the_right_password(client, clock):
    user = factories.reporter()
    fail(client, user.email, 5)

    response = post_login(client, user.email)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Quá nhiều lần thử" in page or "Too many failed attempts" in page
    assert "_auth_user_id" not in client.session
    # One row per attempt: four failures, the fifth that locked, the sixth refused while locked.
    rows = AuditEvent.objects.filter(username=user.email)
    assert rows.filter(action="login_failed").count() == 4
    assert rows.filter(action="locked_out").count() == 2


def test_four_failures_then_success_resets_the_count(client, clock):
    user = factories.reporter()
    fail(client, user.email, 4)
    assert post_login(client, user.email).status_code == 302
    client.post(reverse("logout"))
    fail(client, user.email, 4)
    assert post_login(client, user.email).status_code == 302


def test_another_user_and_the_same_user_elsewhere_are_unaffected(client, clock):
    locked, other = factories.reporter(), factories.reporter()
    fail(client, locked.email, 5)

    assert post_login(client, other.email).status_code == 302
    client.post(reverse("logout"))
    assert post_login(client, locked.email, REMOTE_ADDR="10.9.8.7").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, clock):
    user = factories.reporter()
    fail(client, user.email, 5)

    response = post_login(client, user.email, HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off(client, clock):
    user = factories.reporter()
    fail(client, user.email, 5)
    clock.shift(datetime.timedelta(minutes=14))
    assert post_login(client, user.email).status_code == 429

    clock.shift(datetime.timedelta(minutes=2))

    assert post_login(client, user.email).status_code == 302


def test_the_e_mail_is_matched_whatever_its_case(client, clock):
    user = factories.reporter()
    fail(client, user.email.upper(), 5)
    assert post_login(client, f"  {user.email} ").status_code == 429
