"""Argon2 first; the same password rules on every path that sets a password."""

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm, SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command

from config import settings as project_settings
from portal.admin import PortalUserCreationForm
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db

WEAK = {
    "too short": "Ngắn-quá-1",
    "common": "password1234",
    "numbers only": "203040506070809",
    "like the e-mail": "nguyen.thi.lan.hanoi",
}
PASSPHRASE = "chúng tôi đi tập huấn ở xã Sóc Sơn vào mùa mưa năm 2026, mang theo ô và sổ tay"


def test_argon2_is_the_first_hasher(settings):
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the tests use MD5 for speed
    assert make_password("x" * 20).startswith("argon2$argon2id$")


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_weak_passwords_are_refused_by_the_forms(password):
    user = factories.UserFactory(email="nguyen.thi.lan.hanoi@example.org")
    for form_class in (SetPasswordForm, AdminPasswordChangeForm):
        form = form_class(user, {"new_password1": password, "new_password2": password})
        if form_class is AdminPasswordChangeForm:
            form = form_class(user, {"password1": password, "password2": password})
        assert not form.is_valid()


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_weak_passwords_are_refused_when_an_admin_adds_a_user(password):
    form = PortalUserCreationForm(
        {
            "email": "nguyen.thi.lan.hanoi@example.org",
            "full_name": "Nguyễn Thị Lan",
            "usable_password": "true",
            "password1": password,
            "password2": password,
        }
    )
    assert not form.is_valid()
    assert not User.objects.filter(email="nguyen.thi.lan.hanoi@example.org").exists()


def test_weak_passwords_are_refused_by_createsuperuser(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", WEAK["common"])
    with pytest.raises(CommandError, match=r"quá phổ biến|too common"):
        call_command(
            "createsuperuser",
            "--noinput",
            email="root@example.org",
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
    assert not User.objects.filter(email="root@example.org").exists()


def test_a_long_passphrase_without_composition_rules_is_accepted():
    assert len(PASSPHRASE) > 64
    user = factories.UserFactory()
    form = SetPasswordForm(user, {"new_password1": PASSPHRASE, "new_password2": PASSPHRASE})
    assert form.is_valid(), form.errors
    form.save()
    user.refresh_from_db()
    assert user.check_password(PASSPHRASE)
