from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_by_default(client):
    page = client.get(reverse("login")).content.decode()

    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="vi">' in page.content.decode()
    assert page["Content-Language"] == "vi"


@pytest.mark.django_db
def test_the_language_switch_shows_the_same_page_in_english_then_vietnamese(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    english = client.get(reverse("login")).content.decode()

    client.post(reverse("set_language"), {"language": "vi", "next": reverse("login")})
    vietnamese = client.get(reverse("login")).content.decode()

    assert '<html lang="en">' in english
    assert "Log in to the NAP-WPS reporting portal" in english
    assert '<html lang="vi">' in vietnamese
    assert "Log in to the NAP-WPS reporting portal" not in vietnamese


@pytest.mark.django_db
def test_a_logged_in_page_switches_language_too(client, reporter):
    client.force_login(reporter)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})

    english = client.get(reverse("indicators:catalogue")).content.decode()

    assert "Participation" in english
    assert "Peace House shelters" in english


@pytest.mark.parametrize(("language", "expected"), [("vi", "1.234.567"), ("en", "1,234,567")])
def test_numbers_are_grouped_the_way_each_language_writes_them(language, expected):
    with translation.override(language):
        rendered = Template("{{ number }}").render(Context({"number": 1234567}))

    assert rendered == expected


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_has_a_vietnamese_translation(domain):
    catalogue = polib.pofile(str(LOCALE / f"{domain}.po"))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_matches_the_source(domain):
    source = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(LOCALE / f"{domain}.po"))}
    compiled = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(LOCALE / f"{domain}.mo"))}

    assert source.keys() == compiled.keys()
    for key, entry in source.items():
        assert compiled[key].msgstr == entry.msgstr
        assert (
            compiled[key].msgstr_plural == {int(k): v for k, v in entry.msgstr_plural.items()}
            or not entry.msgid_plural
        )
