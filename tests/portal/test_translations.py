"""The Vietnamese catalogue reads as Vietnamese: one plural form, no "các" after a number, one
word for one thing (docs/glossary.md), and the words the menu and the counts use."""

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = polib.pofile(str(ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
NUMBER_THEN_CAC = re.compile(r"(%\(\w+\)[sd]|%[sd]|\b\d+)\s+(các|những)\b", re.IGNORECASE)


def translations(entry) -> list[str]:
    return [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())


def test_vietnamese_has_one_plural_form():
    assert CATALOGUE.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    for entry in CATALOGUE:
        if entry.msgid_plural:
            assert list(entry.msgstr_plural) == [0], entry.msgid


def test_no_number_is_followed_by_cac():
    wrong = [t for e in CATALOGUE for t in translations(e) if NUMBER_THEN_CAC.search(t)]

    assert wrong == []


def test_plural_labels_are_the_bare_noun():
    """A model's plural name ends up after numbers ("Đã xóa 3 …"): no "các" in front."""
    wrong = [
        (e.msgid, e.msgstr)
        for e in CATALOGUE
        if e.msgid[:1].islower() and re.match(r"(các|những)\s", e.msgstr)
    ]

    assert wrong == []


def glossary() -> dict[str, str]:
    rows = re.findall(
        r"^\| ([^|]+?) \| ([^|]+?) \|", (ROOT / "docs" / "glossary.md").read_text(), re.M
    )
    terms = {}
    for english, vietnamese in rows[1:]:  # after the header
        if "(" in english:
            continue
        words, translated = english.split(", "), vietnamese.split(", ")
        for word, meaning in zip(
            words, translated * len(words) if len(translated) == 1 else translated, strict=False
        ):
            terms[word.strip().lower()] = meaning.strip().lower()
    return terms


def test_the_glossary_has_the_terms_the_issue_names():
    terms = glossary()

    for term in ("report", "reviewer", "period", "release", "working figures", "disaggregation"):
        assert term in terms, term


def test_every_entry_that_is_a_glossary_term_uses_the_glossary_word():
    terms = glossary()
    wrong = [
        (e.msgid, e.msgstr, terms[e.msgid.lower()])
        for e in CATALOGUE
        if not e.msgctxt and e.msgid.lower() in terms and e.msgstr.lower() != terms[e.msgid.lower()]
    ]

    assert wrong == []


@pytest.mark.django_db
def test_the_menu_says_reports_and_the_home_counts_read_naturally(client):
    client.force_login(factories.admin_user())

    page = client.get(reverse("home")).content.decode()

    nav = page.split("</nav>")[0]
    assert ">Báo cáo</a>" in nav
    assert "Số báo cáo" not in nav
    assert not NUMBER_THEN_CAC.search(re.sub(r"<[^>]+>", " ", page))
    assert "các tỉnh" not in page.split('id="admin-home"')[1][:2000]


def test_every_string_of_the_django_admin_reads_in_vietnamese():
    """Django's Vietnamese catalogue of the admin lags behind the English one; the portal's own
    catalogue (portal/admin_catalogue.py) supplies what it lacks."""
    import django.contrib.admin
    from django.utils import translation

    english = polib.pofile(
        str(Path(django.contrib.admin.__file__).parent / "locale/en/LC_MESSAGES/django.po")
    )
    with translation.override("vi"):
        untranslated = [
            entry.msgid
            for entry in english
            if entry.msgid != "%(class_name)s %(instance)s"  # no words to translate
            and (
                translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                if entry.msgid_plural
                else translation.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else translation.gettext(entry.msgid)
            )
            == entry.msgid
        ]

    assert untranslated == []
