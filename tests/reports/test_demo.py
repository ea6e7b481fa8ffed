"""The demo behaves like real data: dated in the past, and every version it links to exists."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.demo import demo_email
from portal.models import User
from reports.models import ActivityReport, ReportEvent


def _seed(*args: str) -> None:
    call_command("seed_demo", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def _latest_dates() -> list[datetime.datetime]:
    dates = []
    for field in ("created_at", "updated_at", "submitted_at", "reviewed_at"):
        latest = ActivityReport.objects.order_by(f"-{field}").values_list(field, flat=True)
        dates += [d for d in latest[:1] if d is not None]
    dates += list(
        ReportEvent.objects.order_by("-created_at").values_list("created_at", flat=True)[:1]
    )
    return dates


@pytest.mark.django_db
def test_demo_reports_and_events_are_dated_before_the_day_the_demo_pretends():
    _seed("--reports", "150")

    pretend = timezone.make_aware(datetime.datetime(2026, 11, 1))
    assert _latest_dates()
    assert all(date <= pretend for date in _latest_dates()), _latest_dates()
    assert not ActivityReport.objects.filter(period__start_date__gte=datetime.date(2026, 11, 1))


@pytest.mark.django_db
def test_a_demo_pretending_a_later_day_still_dates_nothing_after_now():
    _seed("--reports", "80", "--today", "2031-06-01")

    now = timezone.now()
    assert all(date <= now for date in _latest_dates())
    assert not ActivityReport.objects.filter(period__start_date__gt=timezone.localdate())


@pytest.mark.django_db
def test_every_see_this_version_link_of_the_demo_opens_the_report_as_it_was(client):
    _seed("--reports", "30")
    client.force_login(User.objects.get(email=demo_email("admin")))
    reports = ActivityReport.objects.exclude(status="draft").order_by("pk")[:12]
    assert reports

    for report in reports:
        page = client.get(report.get_absolute_url()).content.decode()
        links = re.findall(r'href="\?version=([^"]+)"', page)
        assert links, report
        for version in links:
            response = client.get(f"{report.get_absolute_url()}?version={version}")
            assert response.status_code == 200, (report.pk, version)
            assert 'id="version-banner"' in response.content.decode()
        event = report.events.filter(kind=ReportEvent.Kind.SUBMITTED).get()
        shown = client.get(f"{report.get_absolute_url()}?version={event.pk}").context
        assert shown["snapshot"].status == ActivityReport.Status.SUBMITTED
        assert shown["figure_rows"] == client.get(report.get_absolute_url()).context["figure_rows"]
    assert reverse("reports:list")
