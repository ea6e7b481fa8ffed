"""Idle and absolute timeouts; logout, deactivation and a new password end sessions."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from portal.models import UserSession
from portal.services import sessions_clear_expired
from tests import factories
from tests.security.conftest import post_login

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    assert post_login(client, user.email).status_code == 302
    return client


def is_logged_in(client) -> bool:
    return client.get(reverse("reports:list")).status_code == 200


def test_the_session_key_changes_at_login(clock):
    user = factories.reporter()
    client = Client()
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    post_login(client, user.email)
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_an_idle_session_ends_after_thirty_minutes(clock):
    client = logged_in(factories.reporter())
    clock.shift(datetime.timedelta(minutes=29))
    assert is_logged_in(client)
    clock.shift(datetime.timedelta(minutes=29))
    assert is_logged_in(client)

    clock.shift(datetime.timedelta(minutes=31))

    response = client.get(reverse("reports:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_active_session_still_ends_after_twelve_hours(clock):
    client = logged_in(factories.reporter())
    for _ in range(35):  # every 20 minutes for 11 h 40 min
        clock.shift(datetime.timedelta(minutes=20))
        assert is_logged_in(client)
    clock.shift(datetime.timedelta(minutes=21))
    assert not is_logged_in(client)


def test_logout_ends_the_session(clock):
    client = logged_in(factories.reporter())
    key = client.cookies["sessionid"].value

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert not is_logged_in(client)


def test_deactivating_a_user_ends_every_session(clock):
    user = factories.reporter()
    first, second = logged_in(user), logged_in(user)
    assert UserSession.objects.filter(user=user).count() == 2

    user.is_active = False
    user.save()

    assert not is_logged_in(first) and not is_logged_in(second)
    assert not UserSession.objects.filter(user=user).exists()


def test_changing_the_password_ends_the_other_sessions_only(clock):
    user = factories.reporter()
    here, elsewhere = logged_in(user), logged_in(user)
    new = "một cụm mật khẩu mới rất dài"

    response = here.post(
        reverse("password_change"),
        {"old_password": factories.TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert UserSession.objects.filter(
        user=user, session_key=here.cookies["sessionid"].value
    ).exists()


def test_expired_sessions_are_cleared(clock):
    logged_in(factories.reporter())
    clock.shift(datetime.timedelta(hours=13))
    assert sessions_clear_expired() == 1
    assert not Session.objects.exists() and not UserSession.objects.exists()
