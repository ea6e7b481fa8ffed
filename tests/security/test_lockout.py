"""Brute force: five failures lock the e-mail and address pair for fifteen minutes."""

import datetime

import pytest
from django.conf import settings
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


# --- One address trying many accounts (password spraying) ------------------------------------

SPRAYER = "203.0.113.50"


def test_twenty_failures_from_one_address_across_e_mails_lock_that_address(client, clock):
    victim = factories.reporter()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):  # one try each: no pair is near 5
        email = victim.email if n == 0 else f"guess{n}@example.org"
        post_login(client, email, "Password2026!", REMOTE_ADDR=SPRAYER)

    response = post_login(client, victim.email, REMOTE_ADDR=SPRAYER)  # even the right password

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out", ip_address=SPRAYER).exists()


def test_one_failure_short_of_the_address_limit_locks_nothing(client, clock):
    user = factories.reporter()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        post_login(client, f"guess{n}@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)

    assert post_login(client, user.email, REMOTE_ADDR=SPRAYER).status_code == 302


def test_the_locked_address_page_says_so_in_the_chosen_language(client, clock):
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        post_login(client, f"guess{n}@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = post_login(client, "anyone@example.org", REMOTE_ADDR=SPRAYER)

    assert response.status_code == 429
    assert "from your network address" in response.content.decode()
    assert "Too many failed attempts" in response.content.decode()


def test_a_good_login_from_another_address_is_not_blocked(client, clock):
    user = factories.reporter()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        post_login(client, f"guess{n}@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)
    assert post_login(client, user.email, REMOTE_ADDR=SPRAYER).status_code == 429

    assert post_login(client, user.email, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_the_address_lock_ends_after_the_cool_off(client, clock):
    user = factories.reporter()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        post_login(client, f"guess{n}@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)
    clock.shift(datetime.timedelta(minutes=16))

    assert post_login(client, user.email, REMOTE_ADDR=SPRAYER).status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_the_address_count(client, clock):
    """An attacker with an account of their own cannot reset the address's count by using it."""
    own = factories.reporter()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        post_login(client, f"guess{n}@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)
    assert post_login(client, own.email, REMOTE_ADDR=SPRAYER).status_code == 302
    client.post(reverse("logout"))

    post_login(client, "guess-last@example.org", "Password2026!", REMOTE_ADDR=SPRAYER)

    assert post_login(client, own.email, REMOTE_ADDR=SPRAYER).status_code == 429


def test_one_e_mail_from_many_addresses_is_still_locked_after_five_at_each(client, clock):
    """The per-account limit (5 per e-mail and address) still applies under the higher
    per-address one, at every address an attacker uses."""
    user = factories.reporter()
    for n in range(4):
        address = f"198.51.100.{n + 1}"
        fail(client, user.email, settings.AXES_FAILURE_LIMIT, REMOTE_ADDR=address)

        assert post_login(client, user.email, REMOTE_ADDR=address).status_code == 429
