"""Idle and absolute timeouts; logout, deactivation and a new password end sessions."""

import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from portal import services
from portal.models import AuditEvent, UserSession
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


def session_keys(user) -> set[str]:
    return set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))


def superuser():
    admin = factories.admin_user()
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    return admin


def admin_form_data(page) -> dict:
    """What the admin's change page would post back unchanged: its form and inline forms."""
    forms, data = [page.context["adminform"].form], {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management[name].html_name: value for name, value in management.initial.items()}
        forms += inline.formset.forms
    for form in forms:
        for field in form:
            value = field.value()
            if field.field.disabled or value is None or value is False:
                continue
            if isinstance(field.field.widget, MultiWidget):
                for i, part in enumerate(field.field.widget.decompress(value)):
                    data[f"{field.html_name}_{i}"] = part
            else:
                data[field.html_name] = value
    return data


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

    services.user_deactivate(actor=factories.admin_user(), user=user)

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


def test_an_admin_deactivating_a_user_ends_every_session_and_writes_one_row(client, clock):
    user = factories.reporter()
    first, second = logged_in(user), logged_in(user)
    keys = session_keys(user)
    admin = superuser()
    client.force_login(admin)
    url = reverse("admin:portal_user_change", args=[user.pk])
    data = admin_form_data(client.get(url))
    del data["is_active"]

    response = client.post(url, data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not is_logged_in(first) and not is_logged_in(second)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="sessions_ended")
    assert event.user == admin and event.object_id == str(user.pk)
    assert event.detail == "deactivated:2"


def test_an_admin_editing_a_user_otherwise_ends_no_session(client, clock):
    user = factories.reporter()
    elsewhere = logged_in(user)
    client.force_login(superuser())
    url = reverse("admin:portal_user_change", args=[user.pk])
    data = admin_form_data(client.get(url)) | {"full_name": "Lê Thị Hoa"}

    response = client.post(url, data)

    assert response.status_code == 302
    assert is_logged_in(elsewhere)
    assert not AuditEvent.objects.filter(action__in=["sessions_ended", "password"]).exists()


def test_a_password_change_keeps_this_session_under_its_new_key_and_ends_the_others(clock):
    user = factories.reporter()
    here, elsewhere = logged_in(user), logged_in(user)
    old_here, old_elsewhere = here.cookies["sessionid"].value, elsewhere.cookies["sessionid"].value
    new = "một cụm mật khẩu mới rất dài"

    here.post(
        reverse("password_change"),
        {"old_password": factories.TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )

    new_here = here.cookies["sessionid"].value
    assert new_here != old_here
    assert session_keys(user) == {new_here}
    assert not Session.objects.filter(session_key__in=[old_here, old_elsewhere]).exists()
    event = AuditEvent.objects.get(action="password")
    assert event.user == user and event.detail == "other_sessions_ended:1"

    services.user_deactivate(actor=None, user=user)

    assert not is_logged_in(here)
    assert not Session.objects.filter(session_key=new_here).exists()


def test_a_password_reset_ends_every_session(clock):
    user = factories.reporter()
    first, second = logged_in(user), logged_in(user)
    keys = session_keys(user)
    visitor = Client()
    visitor.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_page = visitor.get(link, follow=True)
    new = "một cụm mật khẩu mới rất dài"

    done = visitor.post(
        form_page.request["PATH_INFO"], {"new_password1": new, "new_password2": new}
    )

    assert done.status_code == 302
    assert not is_logged_in(first) and not is_logged_in(second)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="password")
    assert event.user is None and event.username == user.email
    assert event.detail == "other_sessions_ended:2"


def test_an_admin_setting_a_password_ends_the_users_sessions_and_keeps_the_admins(client, clock):
    user = factories.reporter()
    elsewhere = logged_in(user)
    admin = superuser()
    client.force_login(admin)
    new = "một cụm mật khẩu mới rất dài"

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert not is_logged_in(elsewhere)
    assert not UserSession.objects.filter(user=user).exists()
    assert session_keys(admin) == {client.cookies["sessionid"].value}
    assert client.get(reverse("admin:index")).status_code == 200
    event = AuditEvent.objects.get(action="password")
    assert event.user == admin and event.object_id == str(user.pk)
    assert event.detail == "other_sessions_ended:1"


def test_an_admin_changing_their_own_password_in_the_admin_ends_their_other_sessions(client, clock):
    admin = superuser()
    elsewhere = Client()
    elsewhere.force_login(admin)
    client.force_login(admin)
    new = "một cụm mật khẩu mới rất dài"

    response = client.post(
        reverse("admin:password_change"),
        {"old_password": factories.TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert session_keys(admin) == {client.cookies["sessionid"].value}
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.get(action="password").detail == "other_sessions_ended:1"
