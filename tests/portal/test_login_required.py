"""Every page needs a login except the few a visitor must reach before logging in."""

import re
from itertools import product

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

# Reachable without logging in: the login page, password reset, the language switch, /healthz.
ANONYMOUS_ALLOWED = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "healthz",
    "admin:login",
}
# For machines: a scraper presents a bearer token, so a visitor gets 401, not the login page.
TOKEN_PROTECTED = {"metrics"}
SAMPLES = {"int": ["1"], "str": ["x", "PH-01"], "slug": ["x"], "path": ["x"], "uuid": []}
REGEX_SAMPLES = ["portal", "user", "1", "x"]


def named_patterns(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def sample_url(name: str, pattern: URLPattern) -> str:
    converters = getattr(pattern.pattern, "converters", {})
    groups = re.compile(pattern.pattern.regex.pattern).groupindex
    keys = list(groups)
    if not keys:
        return reverse(name)
    choices = [
        SAMPLES.get(type(converters[k]).__name__.replace("Converter", "").lower(), REGEX_SAMPLES)
        if k in converters
        else REGEX_SAMPLES
        for k in keys
    ]
    for values in product(*choices):
        try:
            return reverse(name, kwargs=dict(zip(keys, values, strict=True)))
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample URL for {name}")


# The REST API (/api/v1/) authenticates with personal tokens (DRF): a visitor gets 401. Its
# Swagger UI page is a page for people and sends them to log in.
TOKEN_PROTECTED |= {n for n, _p in named_patterns() if n.startswith("api:") and n != "api:docs"}

PROTECTED = sorted(
    ((n, p) for n, p in named_patterns() if n not in ANONYMOUS_ALLOWED | TOKEN_PROTECTED),
    key=lambda item: item[0],
)


@pytest.mark.parametrize(("name", "pattern"), PROTECTED, ids=[n for n, _ in PROTECTED])
def test_anonymous_visitors_are_sent_to_log_in(client, db, name, pattern):
    url = sample_url(name, pattern)

    response = client.get(url)

    assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
    logins = {reverse(settings.LOGIN_URL)}
    if name.startswith("admin:"):
        logins.add(reverse("admin:login"))
    assert response["Location"].split("?")[0] in logins


@pytest.mark.parametrize("name", sorted(ANONYMOUS_ALLOWED - {"password_reset_confirm"}))
def test_the_allow_list_is_reachable_without_login(client, db, name):
    response = client.get(reverse(name), HTTP_ACCEPT="text/html")

    assert response.status_code in {200, 302, 405}
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_every_allowed_name_is_a_real_url_pattern():
    assert set(dict(named_patterns())) >= ANONYMOUS_ALLOWED


@pytest.mark.parametrize("name", sorted(TOKEN_PROTECTED))
def test_machine_endpoints_ask_visitors_for_their_token(client, db, name):
    response = client.get(sample_url(name, dict(named_patterns())[name]))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
