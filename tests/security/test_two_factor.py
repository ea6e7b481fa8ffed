"""Reviewers and admins pass a second factor before any review page or the Django admin."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent
from tests import factories
from tests.security.conftest import post_login

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def enrol(client) -> TOTPDevice:
    """Go through the set-up page as a person would; returns the confirmed device."""
    client.get(reverse("two_factor_setup"))
    pending = TOTPDevice(key=client.session["_portal_totp_key"])
    response = client.post(reverse("two_factor_setup"), {"token": code_for(pending)})
    assert response.status_code == 302
    device = TOTPDevice.objects.get()
    assert device.confirmed and device.key == pending.key
    return device


@pytest.mark.parametrize(
    ("role", "url"),
    [("reviewer", "reports:queue"), ("admin", "admin:index"), ("admin", "summaries:runs")],
)
def test_without_a_second_factor_reviewers_and_admins_are_sent_to_set_it_up(
    unverified_client, role, url
):
    user = factories.reviewer() if role == "reviewer" else factories.admin_user()
    post_login(unverified_client, user.email)

    response = unverified_client.get(reverse(url))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_reporters_may_work_without_a_second_factor(unverified_client):
    post_login(unverified_client, factories.reporter().email)
    assert unverified_client.get(reverse("reports:list")).status_code == 200


def test_set_up_then_the_review_queue_opens_and_backup_codes_are_shown_once(
    unverified_client, clock
):
    reviewer = factories.reviewer()
    post_login(unverified_client, reviewer.email)
    setup = unverified_client.get(reverse("two_factor_setup"))
    assert b"<svg" in setup.content and b"totp-secret" in setup.content

    enrol(unverified_client)
    codes = unverified_client.get(reverse("two_factor_backup_codes")).context["codes"]

    assert len(codes) == 10
    assert unverified_client.get(reverse("two_factor_backup_codes")).context["codes"] is None
    assert unverified_client.get(reverse("reports:queue")).status_code == 200
    assert AuditEvent.objects.filter(action="2fa_enrolled", user=reviewer).count() == 1


def test_a_wrong_code_at_set_up_is_refused(unverified_client, clock):
    post_login(unverified_client, factories.reviewer().email)
    unverified_client.get(reverse("two_factor_setup"))

    response = unverified_client.post(reverse("two_factor_setup"), {"token": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.exists()


def test_a_code_cannot_be_used_twice(unverified_client, clock):
    reviewer = factories.reviewer()
    post_login(unverified_client, reviewer.email)
    device = enrol(unverified_client)
    used = code_for(device)  # the code that confirmed the set-up
    unverified_client.post(reverse("logout"))

    post_login(unverified_client, reviewer.email)
    refused = unverified_client.post(reverse("two_factor_verify"), {"token": used})

    assert refused.status_code == 200
    assert refused.context["form"].errors["token"]
    assert unverified_client.get(reverse("reports:queue")).status_code == 302
    assert AuditEvent.objects.filter(action="2fa_failed", user=reviewer).count() == 1

    clock.shift(datetime.timedelta(seconds=device.step))
    device.refresh_from_db()
    accepted = unverified_client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert accepted.status_code == 302
    assert unverified_client.get(reverse("reports:queue")).status_code == 200


def test_a_backup_code_works_once(unverified_client, clock):
    reviewer = factories.reviewer()
    post_login(unverified_client, reviewer.email)
    enrol(unverified_client)
    code = StaticToken.objects.filter(device__user=reviewer).first().token
    unverified_client.post(reverse("logout"))

    post_login(unverified_client, reviewer.email)
    first = unverified_client.post(reverse("two_factor_verify"), {"token": code})
    assert first.status_code == 302
    assert unverified_client.get(reverse("reports:queue")).status_code == 200
    unverified_client.post(reverse("logout"))

    post_login(unverified_client, reviewer.email)
    again = unverified_client.post(reverse("two_factor_verify"), {"token": code})
    assert again.status_code == 200
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9


def test_a_password_reset_does_not_skip_the_second_factor(unverified_client, clock):
    reviewer = factories.reviewer()
    post_login(unverified_client, reviewer.email)
    enrol(unverified_client)
    unverified_client.post(reverse("logout"))

    unverified_client.post(reverse("password_reset"), {"email": reviewer.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_page = unverified_client.get(link, follow=True)
    new_password = "một mật khẩu mới đủ dài cho người duyệt"
    done = unverified_client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert "_auth_user_id" not in unverified_client.session

    response = post_login(unverified_client, reviewer.email, new_password)
    assert response.status_code == 302
    queue = unverified_client.get(reverse("reports:queue"))
    assert queue["Location"].startswith(reverse("two_factor_verify"))


def test_the_setup_page_loads_nothing_from_elsewhere(unverified_client, clock):
    post_login(unverified_client, factories.admin_user().email)
    page = unverified_client.get(reverse("two_factor_setup")).content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_an_admin_resets_a_lost_second_factor(unverified_client, clock):
    from django.core.management import call_command

    reviewer = factories.reviewer()
    post_login(unverified_client, reviewer.email)
    enrol(unverified_client)
    call_command("reset_two_factor", reviewer.email.upper(), stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticToken.objects.filter(device__user=reviewer).exists()
    post_login(unverified_client, reviewer.email)
    response = unverified_client.get(reverse("reports:queue"))
    assert response["Location"].startswith(reverse("two_factor_setup"))
