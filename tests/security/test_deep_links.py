"""A deep link survives the login and the first two-factor set-up (or the code check) whole."""

import html
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.security.test_two_factor import code_for

pytestmark = pytest.mark.django_db

DEEP_LINK = "/summaries/?year=2025&quarter=3&indicator=PH-01"


def hidden_next(response) -> str:
    found = re.search(r'name="next" value="([^"]*)"', response.content.decode())
    assert found, response.content.decode()[:500]
    return html.unescape(found.group(1))


def follow_login(client, user) -> str:
    """Open the deep link logged out, log in on the page it leads to; returns where that goes."""
    to_login = client.get(DEEP_LINK)
    assert to_login.status_code == 302
    login_page = client.get(to_login["Location"])
    response = client.post(
        to_login["Location"],
        {
            "username": user.email,
            "password": factories.TEST_PASSWORD,
            "next": hidden_next(login_page),
        },
    )
    assert response.status_code == 302
    return response["Location"]


def test_a_deep_link_survives_the_first_two_factor_set_up(unverified_client, clock):
    client = unverified_client
    reviewer = factories.reviewer(provinces=[factories.province("01")])

    after_login = follow_login(client, reviewer)
    assert after_login == DEEP_LINK
    to_setup = client.get(after_login)
    assert to_setup["Location"].startswith(reverse("two_factor_setup"))
    setup_page = client.get(to_setup["Location"])
    assert hidden_next(setup_page) == DEEP_LINK
    pending = TOTPDevice(key=client.session["_portal_totp_key"])
    to_codes = client.post(
        to_setup["Location"], {"token": code_for(pending), "next": hidden_next(setup_page)}
    )
    codes_page = client.get(to_codes["Location"])
    continue_link = re.search(
        r'class="btn btn-primary" href="([^"]*)"', codes_page.content.decode()
    )

    assert codes_page.context["next"] == DEEP_LINK
    assert continue_link and html.unescape(continue_link.group(1)) == DEEP_LINK
    assert client.get(DEEP_LINK).status_code == 200


def test_a_deep_link_survives_the_code_check_at_a_later_login(unverified_client, clock):
    client = unverified_client
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)

    to_verify = client.get(follow_login(client, reviewer))
    verify_page = client.get(to_verify["Location"])
    assert hidden_next(verify_page) == DEEP_LINK
    response = client.post(
        to_verify["Location"], {"token": code_for(device), "next": hidden_next(verify_page)}
    )

    assert response["Location"] == DEEP_LINK


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_a_next_address_elsewhere_is_never_followed(unverified_client, clock, target):
    client = unverified_client
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    client.post(reverse("login"), {"username": reviewer.email, "password": factories.TEST_PASSWORD})

    response = client.post(
        f"{reverse('two_factor_verify')}", {"token": code_for(device), "next": target}
    )

    assert response["Location"] == reverse("home")
