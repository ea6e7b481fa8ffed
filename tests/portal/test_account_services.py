"""The services behind logins, logouts and account changes, called directly."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from portal import services
from portal.middleware import LOGGED_IN_AT, TWO_FACTOR_ENROLLED
from portal.models import AuditEvent, UserSession
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "một cụm mật khẩu mới rất dài"


def request_with_session(user=None):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user or AnonymousUser()
    return request


def open_sessions(user, count: int) -> list[str]:
    """`count` sessions of the user, as logins leave them."""
    keys = []
    for _ in range(count):
        request = request_with_session()
        services.session_started(request=request, user=user)
        keys.append(request.session.session_key)
    return keys


def test_session_started_stamps_and_records_the_session_and_audits_the_login():
    user = factories.reporter()
    request = request_with_session()

    services.session_started(request=request, user=user)

    assert request.session[LOGGED_IN_AT] and request.session[TWO_FACTOR_ENROLLED] is False
    assert UserSession.objects.get(session_key=request.session.session_key).user == user
    assert AuditEvent.objects.get(action="login").user == user


def test_session_ended_forgets_the_session_and_audits_the_logout():
    user = factories.reporter()
    request = request_with_session()
    services.session_started(request=request, user=user)

    services.session_ended(request=request, user=user)

    assert not UserSession.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(action="logout").user == user


def test_session_ended_without_a_user_writes_nothing():
    services.session_ended(request=request_with_session(), user=None)

    assert not AuditEvent.objects.exists()


def test_login_failed_writes_one_row_with_the_email_in_lower_case():
    user = factories.reporter()

    services.login_failed(username=f"  {user.email.upper()} ", request=request_with_session())

    event = AuditEvent.objects.get(action="login_failed")
    assert event.username == user.email and event.outcome == "failure"
    assert event.organisation == user.membership_list[0].organisation


def test_login_failed_leaves_a_locked_attempt_to_locked_out():
    request = request_with_session()
    request.axes_locked_out = True

    services.login_failed(username="someone@example.org", request=request)

    assert not AuditEvent.objects.exists()


def test_locked_out_writes_one_denied_row():
    services.locked_out(username="Someone@Example.org", ip_address="198.51.100.4")

    event = AuditEvent.objects.get(action="locked_out")
    assert event.username == "someone@example.org" and event.outcome == "denied"
    assert event.ip_address == "198.51.100.4"


def test_sessions_end_ends_all_but_the_one_kept():
    user = factories.reporter()
    kept, *others = open_sessions(user, 3)

    ended = services.sessions_end(user=user, keep=kept)

    assert ended == 2
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        kept
    ]
    assert not Session.objects.filter(session_key__in=others).exists()


def test_user_deactivate_saves_the_flag_ends_every_session_and_writes_one_row():
    user, admin = factories.reporter(), factories.admin_user()
    keys = open_sessions(user, 2)

    ended = services.user_deactivate(actor=admin, user=user)

    user.refresh_from_db()
    assert ended == 2 and not user.is_active
    assert not Session.objects.filter(session_key__in=keys).exists()
    event = AuditEvent.objects.get(action="sessions_ended")
    assert event.user == admin and event.object_id == str(user.pk)
    assert event.detail == "deactivated:2"


def test_user_set_password_saves_it_ends_the_other_sessions_and_writes_one_row():
    user = factories.reporter()
    kept, other = open_sessions(user, 2)

    ended = services.user_set_password(
        actor=user, user=user, password=NEW_PASSWORD, keep_session_key=kept
    )

    user.refresh_from_db()
    assert ended == 1 and user.check_password(NEW_PASSWORD)
    assert Session.objects.filter(session_key=kept).exists()
    assert not Session.objects.filter(session_key=other).exists()
    event = AuditEvent.objects.get(action="password")
    assert event.user == user and event.detail == "other_sessions_ended:1"


def test_user_set_password_without_a_password_disables_password_login():
    user = factories.reporter()

    services.user_set_password(actor=None, user=user, password=None)

    user.refresh_from_db()
    assert not user.has_usable_password()
    assert AuditEvent.objects.get(action="password").username == user.email


def test_password_changed_records_the_renewed_session_of_the_actor():
    user, admin = factories.reporter(), factories.admin_user()
    (users_session,) = open_sessions(user, 1)
    (admins_session,) = open_sessions(admin, 1)

    services.password_changed(
        actor=admin, user=user, keep_session_key=admins_session, renewed_session_key="renewed"
    )

    assert not UserSession.objects.filter(session_key__in=[users_session, admins_session]).exists()
    assert UserSession.objects.get(session_key="renewed").user == admin
