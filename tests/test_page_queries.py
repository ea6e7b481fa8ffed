"""Every page, for every role, runs the same number of SQL queries whatever the number of rows.

The pages are those `bench/pages.py` measures at 100,000 reports (one list for both): the demo is
seeded with N reports, every page counted, then grown to 3N (more reports in every state, their
figures, versions, events and notices, rebuilt summaries) and every page counted again. The
notifications page's own growth test is in tests/reports/test_notifications.py."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.pages import pages
from portal.demo import demo_email
from portal.models import User
from reports.models import ActivityReport, Figure
from tests.conftest import VerifiedClient

pytestmark = pytest.mark.django_db

FEW, MANY = 100, 300


def seed(reports: int) -> None:
    call_command("seed_demo", "--reports", str(reports), stdout=open("/dev/null", "w"))  # noqa: SIM115


def clients() -> dict[str, VerifiedClient]:
    logged_in = {}
    for role in ("reporter", "reviewer", "admin"):
        client = VerifiedClient()
        client.force_login(User.objects.get(email=demo_email(role)))
        logged_in[role] = client
    return logged_in


def counts(walk, logged_in) -> dict[tuple[str, str], int]:
    counted = {}
    for page in walk:
        client = logged_in[page.role]
        assert client.get(page.url).status_code == 200, page  # warm: what is cached, is
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.url).status_code == 200, page
        counted[page.label, page.role] = len(queries)
    return counted


def test_every_page_for_every_role_runs_the_same_queries_at_n_and_3n_reports():
    seed(FEW)
    walk = pages()
    logged_in = clients()
    few = counts(walk, logged_in)
    sizes = (ActivityReport.objects.count(), Figure.objects.count())

    seed(MANY)
    many = counts(walk, logged_in)

    grown = (ActivityReport.objects.count(), Figure.objects.count())
    assert grown[0] == MANY and sizes[0] == FEW
    assert all(after > before * 2 for before, after in zip(sizes, grown, strict=True))
    assert {role for _label, role in few} == {"reporter", "reviewer", "admin"}
    assert len(few) >= 60
    changed = {key: (few[key], many[key]) for key in few if few[key] != many[key]}
    # Differences of data shape, not of size: at N the demo reporter has no returned report (an
    # empty list skips its rows and pillars queries), and at 3N the sample report has a report of
    # the previous period, whose figures the page reads beside its own (one query, however many
    # figures). Anything else must not move.
    shape = {
        ("returned reports", "reporter"): 2,
        ("report page", "reporter"): 1,
        ("report page", "reviewer"): 1,
        ("report page", "admin"): 1,
    }
    grew = {
        key: counted
        for key, counted in changed.items()
        if counted[1] - counted[0] > shape.get(key, 0)
    }
    assert grew == {}
    assert all(counted[1] >= counted[0] for counted in changed.values())
