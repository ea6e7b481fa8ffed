"""After `make run`, a newcomer finds data: working figures and a published release."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.demo import demo_email
from portal.models import User
from summaries.models import ProvincialSummary, Release

pytestmark = pytest.mark.django_db


def test_the_demo_aggregates_its_approvals_and_publishes_its_closed_years(client):
    call_command("seed_demo", "--reports", "80", "--seed", "3", stdout=io.StringIO())

    assert ProvincialSummary.objects.exists()
    assert set(Release.objects.values_list("year", "quarter")) == {(2024, 4), (2025, 4), (2026, 3)}
    call_command("audit_disclosure", stdout=io.StringIO())  # raises if a hidden cell is exposed
    client.force_login(User.objects.get(email=demo_email("reporter")))

    page = client.get(reverse("summaries:index"))

    assert page.context["release"] == Release.objects.get(year=2026)
    assert page.context["tables"], "the published page shows figures"


def test_seeding_the_demo_again_publishes_nothing_twice():
    call_command("seed_demo", "--reports", "40", "--seed", "3", stdout=io.StringIO())
    releases = Release.objects.count()

    call_command("seed_demo", "--reports", "40", "--seed", "3", stdout=io.StringIO())

    assert Release.objects.count() == releases


def test_the_demo_reports_every_indicator_and_publishes_the_national_ones():
    from indicators.models import Indicator
    from reports.models import ActivityReport, Figure
    from summaries.models import ReleaseCell

    call_command("seed_demo", "--reports", "80", "--seed", "3", stdout=io.StringIO())

    reported = set(
        Figure.objects.filter(report__status="approved", not_applicable=False).values_list(
            "indicator__code", flat=True
        )
    )
    assert reported == set(Indicator.objects.filter(is_active=True).values_list("code", flat=True))
    national = ActivityReport.objects.filter(programme__level="national", status="approved")
    assert national.exists() and not national.exclude(province=None).exists()
    assert set(national.values_list("organisation__kind", flat=True)) == {"ministry", "vwu_central"}
    assert set(national.values_list("period__kind", flat=True)) == {"year"}
    published = ReleaseCell.objects.filter(
        release__year=2025, province=None, period_code="2025", dimension="total"
    )
    for code in ("PAR-01", "PAR-05", "PRO-06", "IC-01", "IC-05"):
        assert published.filter(indicator__code=code).exists(), code
