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
    # A chapter with no organisation below it reads releases; the Hà Nội chapter, whose commune
    # chapters report, opens on the working figures of its subtree.
    client.force_login(User.objects.get(email=demo_email("reporter.hp")))

    page = client.get(reverse("summaries:index"))

    assert page.context["release"] == Release.objects.get(year=2026)
    assert page.context["tables"], "the published page shows figures"
    client.force_login(User.objects.get(email=demo_email("reporter")))
    subtree = client.get(reverse("summaries:index")).context["page"]
    assert subtree.working and subtree.subtree_only


def test_seeding_the_demo_again_publishes_nothing_twice():
    call_command("seed_demo", "--reports", "40", "--seed", "3", stdout=io.StringIO())
    releases = Release.objects.count()

    call_command("seed_demo", "--reports", "40", "--seed", "3", stdout=io.StringIO())

    assert Release.objects.count() == releases
