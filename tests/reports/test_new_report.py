"""The new-report page offers what the reporter's organisation can file; filters and dates read
the way the reader writes them."""

import datetime
import re

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from indicators.models import Programme
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.make_aware(datetime.datetime(2026, 11, 20, 9, 0))


def options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


@pytest.fixture
def peace_house_reporter():
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    organisation.programmes.set([factories.programme("peace-house")])
    return factories.reporter(organisation=organisation)


def test_a_new_report_offers_only_the_programmes_the_organisation_runs(
    client, peace_house_reporter
):
    client.force_login(peace_house_reporter)

    page = client.get(reverse("reports:create")).content.decode()

    offered = [label for value, label in options(page, "programme") if value]
    assert offered == [Programme.objects.get(code="peace-house").name]


def test_a_programme_the_organisation_does_not_run_is_refused(client, peace_house_reporter):
    client.force_login(peace_house_reporter)
    organisation = peace_house_reporter.membership_list[0].organisation

    response = client.post(
        reverse("reports:create"),
        {
            "organisation": organisation.pk,
            "programme": factories.programme("trusted-address").pk,
            "period": factories.period("2026-Q2").pk,
        },
    )

    assert response.status_code == 200
    assert "programme" in response.context["form"].errors


def test_periods_are_started_ones_of_the_kinds_in_use_most_recent_first(
    client, peace_house_reporter
):
    client.force_login(peace_house_reporter)

    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("reports:create")).content.decode()

    labels = [label for value, label in options(page, "period") if value]
    assert labels[:3] == ["Quý 4/2026", "Quý 3/2026", "Quý 2/2026"]
    assert all(label.startswith("Quý") for label in labels)


def test_no_list_filter_shows_dashes_as_its_empty_choice(client):
    client.force_login(factories.admin_user())

    for name in ("reports:list", "reports:queue", "audit_log", "reports:create"):
        page = client.get(reverse(name)).content.decode()
        assert "---------" not in page, name


def test_the_report_list_filters_say_all_in_vietnamese(client, peace_house_reporter):
    client.force_login(peace_house_reporter)

    page = client.get(reverse("reports:list")).content.decode()

    assert options(page, "period")[0] == ("", "Tất cả các kỳ")
    assert options(page, "status")[0] == ("", "Tất cả trạng thái")


@pytest.mark.parametrize(("language", "expected"), [("vi", "15/01/2027"), ("en", "01/15/2027")])
def test_short_dates_read_the_way_each_language_writes_them(language, expected):
    with translation.override(language):
        rendered = Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": datetime.date(2027, 1, 15)})
        )

    assert rendered == expected
