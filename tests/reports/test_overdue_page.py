"""The overdue reports page: organisations that owe a report past its deadline, by province.
Admins see every province, reviewers their scope, reporters are refused; constant queries."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from portal.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
AFTER_Q2 = datetime.datetime(2026, 7, 20, 9, tzinfo=HANOI)  # Q2's deadline, 15 July, has passed
URL = reverse("reports:overdue")


def running(province_code="01", **kwargs) -> Organisation:
    organisation = factories.OrganisationFactory(
        province=factories.province(province_code), **kwargs
    )
    organisation.programmes.add(factories.programme())
    return organisation


@pytest.fixture
def world():
    with time_machine.travel(AFTER_Q2 - datetime.timedelta(days=10), tick=False):
        filed = running("01")
        factories.submitted_report(organisation=filed)
        drafted = running("01")
        factories.draft_report(organisation=drafted)
    return {
        "filed": filed,
        "drafted": drafted,
        "hanoi": running("01"),
        "saigon": running("79"),
    }


def names(response) -> list[str]:
    return [link.organisation.name for link in response.context["owing"]]


def get(client, user, query=None):
    client.force_login(user)
    with time_machine.travel(AFTER_Q2, tick=False):
        return client.get(URL, query or {})


def test_an_admin_sees_every_province_that_owes_the_last_period_by_province(client, world):
    response = get(client, factories.admin_user())

    assert response.status_code == 200
    assert response.context["period"].code == "2026-Q2"
    in_hanoi = sorted([world["drafted"].name, world["hanoi"].name])
    assert names(response) == [*in_hanoi, world["saigon"].name]
    assert [(place.code, owed) for place, owed in response.context["counts"]] == [
        ("01", 2),
        ("79", 1),
    ]
    drafted = next(
        link for link in response.context["owing"] if link.organisation == world["drafted"]
    )
    assert drafted.has_draft is True


def test_a_reviewer_sees_only_their_scope(client, world):
    reviewer = factories.reviewer(provinces=[factories.province("79")])

    response = get(client, reviewer)

    assert names(response) == [world["saigon"].name]


def test_a_province_outside_the_reviewers_scope_is_refused_with_an_error(client, world):
    reviewer = factories.reviewer(provinces=[factories.province("79")])

    response = get(client, reviewer, {"province": "01"})

    assert response.status_code == 200
    assert response.context["form"].errors["province"]
    assert list(response.context["owing"]) == []


def test_an_admin_can_narrow_to_one_province(client, world):
    response = get(client, factories.admin_user(), {"province": "79"})

    assert names(response) == [world["saigon"].name]


@pytest.mark.parametrize("role", ["reporter", "parent staff"])
def test_people_who_review_nothing_are_refused(client, world, role):
    user = (
        factories.reporter(organisation=world["hanoi"])
        if role == "reporter"
        else factories.reporter(organisation=factories.OrganisationFactory(kind="vwu_provincial"))
    )

    assert get(client, user).status_code == 403


def test_the_page_runs_the_same_queries_for_few_and_many_rows(
    client, django_assert_max_num_queries
):
    admin = factories.admin_user()
    for _ in range(3):
        running("01")
    get(client, admin)  # warm what is cached per process
    client.force_login(admin)
    with time_machine.travel(AFTER_Q2, tick=False):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(URL)
        for index in range(30):
            running("79" if index % 2 else "01")
        with django_assert_max_num_queries(len(few)):
            response = client.get(URL)

    assert len(response.context["owing"]) == 33
