"""Password reset and two-factor set-up, attacked.

Reset links are Django's: the token is an HMAC over the user's id, password hash, last login and
e-mail, with the time it was made. Any new password (the reset itself, a change, an admin's) or a
login makes every earlier link invalid, and a link lasts PASSWORD_RESET_TIMEOUT (3 hours).

Codes are django-otp's. A TOTP code is accepted once: the device keeps the last time step it
accepted (`last_t`), so the code (or an earlier one) is refused afterwards, in any session. After
the n-th wrong code in a row every device of the user refuses every code, the right one too, for
2^(n-1) seconds (OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR = 1), and refused attempts
do not count. A backup code is 8 base-32 characters (40 bits): at 1, 2, 4, ... seconds apart an
attacker who already has the password makes about 25 guesses in a year. The throttle ends with a
right code, or `reset_two_factor`.

A session that has not passed the second factor (a stolen password) cannot add, replace or renew
a device of a user who has one (`portal.services._ensure_may_change_devices`, and the pages).
Setting a device up ends the user's other sessions, so that a session opened before (which never
had to pass it) does not outlive it. What cannot be defended here: a thief with the password of
someone who has never set up a device can set one up first; the owner then finds at their next
login that they are asked for a code they do not have, and an admin runs `reset_two_factor`.

Races (two requests at the same instant) are in test_two_factor_races.py, on PostgreSQL.
"""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.models import User
from tests import factories
from tests.security.conftest import post_login
from tests.security.test_two_factor import code_for, enrol

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "một cụm mật khẩu mới rất dài cho tài khoản"


def reset_link(client: Client, user: User) -> str:
    client.post(reverse("password_reset"), {"email": user.email})
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)


def open_link(client: Client, link: str):
    """Follow the link as a browser would; the page with the form, or the "invalid" page."""
    return client.get(link, follow=True)


def reset_with(client: Client, link: str, password: str = NEW_PASSWORD):
    page = open_link(client, link)
    return client.post(
        page.request["PATH_INFO"], {"new_password1": password, "new_password2": password}
    )


def is_valid(page) -> bool:
    return bool(page.context["validlink"])


# --- Reset links ----------------------------------------------------------------------------


def test_a_reset_link_works_once(clock):
    user = factories.reporter()
    link = reset_link(Client(), user)

    assert reset_with(Client(), link).status_code == 302
    again = Client()
    reused = reset_with(again, link, "một mật khẩu khác của kẻ tấn công")

    assert reused.status_code == 200 and not is_valid(reused)
    assert not is_valid(open_link(Client(), link))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_form_page_of_a_used_link_refuses_a_second_password(clock):
    """The link's token moves into the session at the first visit; a tab left open on the form
    page cannot set a second password once the first one is saved."""
    user = factories.reporter()
    link = reset_link(Client(), user)
    tab = Client()
    form_page = open_link(tab, link)
    assert is_valid(form_page)
    reset_with(Client(), link)

    late = tab.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "một mật khẩu khác", "new_password2": "một mật khẩu khác"},
    )

    assert late.status_code == 200 and not is_valid(late)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_stops_working_once_the_password_is_changed_otherwise(clock):
    user = factories.reporter()
    link = reset_link(Client(), user)
    client = Client()
    post_login(client, user.email)
    client.post(
        reverse("password_change"),
        {
            "old_password": factories.TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    reused = reset_with(Client(), link, "một mật khẩu khác của kẻ tấn công")

    assert not is_valid(reused)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_stops_working_after_the_user_logs_in(clock):
    user = factories.reporter()
    link = reset_link(Client(), user)
    clock.shift(datetime.timedelta(seconds=5))
    post_login(Client(), user.email)

    assert not is_valid(open_link(Client(), link))


def test_a_reset_link_expires_after_three_hours(clock):
    user = factories.reporter()
    link = reset_link(Client(), user)

    clock.shift(datetime.timedelta(hours=3, minutes=1))

    assert not is_valid(open_link(Client(), link))


@pytest.mark.parametrize("who", ["unknown", "deactivated", "no password"])
def test_asking_for_a_reset_tells_nothing_and_sends_nothing_for_accounts_that_cannot_use_it(
    clock, who
):
    email = "nobody@example.org"
    if who != "unknown":
        user = factories.reporter()
        if who == "deactivated":
            user.is_active = False
        else:
            user.set_unusable_password()
        user.save()
        email = user.email
    known = Client().post(reverse("password_reset"), {"email": factories.reporter().email})
    mail.outbox.clear()

    response = Client().post(reverse("password_reset"), {"email": email})

    assert response.status_code == known.status_code == 302
    assert response["Location"] == known["Location"]
    assert mail.outbox == []


# --- Codes ----------------------------------------------------------------------------------


def enrolled_reviewer(clock) -> tuple[User, TOTPDevice]:
    reviewer = factories.reviewer()
    client = Client()
    post_login(client, reviewer.email)
    device = enrol(client)
    clock.shift(datetime.timedelta(seconds=device.step))  # the set-up code is behind us
    return reviewer, device


def test_a_code_watched_over_a_shoulder_is_refused_in_the_thiefs_session(clock):
    reviewer, device = enrolled_reviewer(clock)
    owner, thief = Client(), Client()
    post_login(owner, reviewer.email)
    post_login(thief, reviewer.email)  # the thief has the password too
    code = code_for(device)

    assert owner.post(reverse("two_factor_verify"), {"token": code}).status_code == 302
    clock.shift(datetime.timedelta(seconds=5))  # same 30-second step, code still on screen
    replay = thief.post(reverse("two_factor_verify"), {"token": code})

    assert replay.status_code == 200 and replay.context["form"].errors["token"]
    assert thief.get(reverse("reports:queue"))["Location"].startswith(reverse("two_factor_verify"))


def test_an_earlier_code_is_refused_after_a_later_one_was_accepted(clock):
    reviewer, device = enrolled_reviewer(clock)
    earlier = code_for(device)
    clock.shift(datetime.timedelta(seconds=device.step))
    client = Client()
    post_login(client, reviewer.email)
    assert client.post(reverse("two_factor_verify"), {"token": code_for(device)}).status_code == 302
    thief = Client()
    post_login(thief, reviewer.email)

    # One step of tolerance either way would accept `earlier`, but it is behind the last one used.
    replay = thief.post(reverse("two_factor_verify"), {"token": earlier})

    assert replay.status_code == 200


def test_guesses_in_a_row_are_throttled_and_not_even_checked(clock):
    reviewer, _device = enrolled_reviewer(clock)
    backup = StaticToken.objects.filter(device__user=reviewer).first().token
    thief = Client()
    post_login(thief, reviewer.email)

    for _ in range(20):  # as fast as the attacker can send them
        thief.post(reverse("two_factor_verify"), {"token": "aaaaaaaa"})
    right_code_now = thief.post(reverse("two_factor_verify"), {"token": backup})

    assert right_code_now.status_code == 200  # refused: within a second of the first failure
    static = StaticDevice.objects.get(user=reviewer)
    totp = TOTPDevice.objects.get(user=reviewer)
    assert static.throttling_failure_count == totp.throttling_failure_count == 1  # one checked
    assert StaticToken.objects.filter(device=static, token=backup).exists()  # not spent


def test_after_n_wrong_codes_even_the_right_backup_code_waits_2_to_the_n_minus_1_seconds(clock):
    reviewer, _device = enrolled_reviewer(clock)
    backup = StaticToken.objects.filter(device__user=reviewer).first().token
    thief = Client()
    post_login(thief, reviewer.email)
    wrong = 6
    for n in range(1, wrong + 1):  # the attacker waits out each delay, so each guess counts
        thief.post(reverse("two_factor_verify"), {"token": f"wrong{n:03d}"})
        clock.shift(datetime.timedelta(seconds=2 ** (n - 1)))
    clock.shift(datetime.timedelta(seconds=-(2 ** (wrong - 1))))  # back to the last failure
    assert StaticDevice.objects.get(user=reviewer).throttling_failure_count == wrong

    clock.shift(datetime.timedelta(seconds=2 ** (wrong - 1) - 1))
    during = thief.post(reverse("two_factor_verify"), {"token": backup})
    clock.shift(datetime.timedelta(seconds=2))
    after = thief.post(reverse("two_factor_verify"), {"token": backup})

    assert during.status_code == 200 and during.context["form"].errors["token"]
    assert after.status_code == 302
    assert StaticDevice.objects.get(user=reviewer).throttling_failure_count == 0


# --- Changing the second factor -------------------------------------------------------------


def test_a_session_that_has_not_passed_the_second_factor_cannot_replace_or_renew_it(clock):
    reviewer, device = enrolled_reviewer(clock)
    codes = set(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True))
    thief = Client()
    post_login(thief, reviewer.email)

    setup_page = thief.get(reverse("two_factor_setup"))
    own_key = TOTPDevice(key="3132333435363738393031323334353637383930")
    setup_post = thief.post(reverse("two_factor_setup"), {"token": code_for(own_key)})
    codes_page = thief.get(reverse("two_factor_backup_codes"))
    codes_post = thief.post(reverse("two_factor_backup_codes"))

    for response in (setup_page, setup_post, codes_page, codes_post):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [device]
    assert TOTPDevice.objects.get().key == device.key
    assert set(StaticToken.objects.values_list("token", flat=True)) == codes
    assert "_portal_new_backup_codes" not in thief.session


def test_the_services_refuse_a_device_change_from_an_unverified_session(clock):
    reviewer, device = enrolled_reviewer(clock)
    thiefs_key = "3132333435363738393031323334353637383930"

    with pytest.raises(PermissionDenied):
        services.two_factor_enrol(
            user=reviewer,
            key=thiefs_key,
            token=code_for(TOTPDevice(key=thiefs_key)),
            session_verified=False,
        )
    with pytest.raises(PermissionDenied):
        services.backup_codes_renew(user=reviewer, session_verified=False)

    assert list(TOTPDevice.objects.all()) == [device]
    assert StaticToken.objects.count() == services.BACKUP_CODES


def test_a_session_opened_before_the_second_factor_was_set_up_ends_with_it(clock):
    """A reporter (for whom two-factor is optional) is logged in on two computers; one of them
    is a thief's. The owner sets up two-factor on the other: the thief's session ends, before it
    could make itself backup codes that would pass the new second factor."""
    reporter = factories.reporter()
    thief, owner = Client(), Client()
    post_login(thief, reporter.email)
    post_login(owner, reporter.email)

    enrol(owner)

    response = thief.post(reverse("two_factor_backup_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert thief.get(reverse("reports:list"))["Location"].startswith(reverse("login"))
    assert owner.get(reverse("reports:list")).status_code == 200
    assert StaticToken.objects.filter(device__user=reporter).count() == services.BACKUP_CODES


def test_a_verified_session_replaces_the_device_and_the_old_codes_stop_working(clock):
    reviewer = factories.reviewer()
    client = Client()
    post_login(client, reviewer.email)
    old = enrol(client)
    old_backup = StaticToken.objects.filter(device__user=reviewer).first().token
    clock.shift(datetime.timedelta(seconds=old.step))
    client.get(reverse("two_factor_setup"))
    pending = TOTPDevice(key=client.session["_portal_totp_key"])

    response = client.post(reverse("two_factor_setup"), {"token": code_for(pending)})

    assert response.status_code == 302
    new = TOTPDevice.objects.get(user=reviewer)
    assert new.key == pending.key and new.pk != old.pk
    assert not StaticToken.objects.filter(token=old_backup).exists()
