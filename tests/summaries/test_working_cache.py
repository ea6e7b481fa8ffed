"""The working figures are built once per version of what they read, and never served stale.

Each writer of what the cube reads (the aggregation after an approval, a full rebuild, periods,
indicators, programmes, organisations and the links between them) is exercised after the page
has put the cube in the cache: the page must then show the new figure, not the cached one.
Each test has a cache of its own (tests/conftest.py)."""

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, Programme
from reports import services as report_services
from reports.models import Figure, StaleSummary
from reports.spending import SpendingInput
from summaries import aggregation, versions
from summaries import services as summary_services
from summaries.models import ProvincialSummary
from summaries.spending import working_spending_of_all
from tests import factories
from tests.summaries.test_summary_views import HANOI, approve_with_total

pytestmark = pytest.mark.django_db

WORKING_2026 = {"view": "working", "year": "2026"}


@pytest.fixture
def world(client):
    """Hà Nội's approved report of 2026-Q2 (every count 12), aggregated; the admin logged in."""
    report = approve_with_total(HANOI, 12)
    aggregation.rebuild_all()
    indicator = (
        Indicator.objects.filter(programmes__code="trusted-address")
        .exclude(aggregation=Indicator.Aggregation.RATIO)
        .order_by("code")
        .first()
    )
    admin = factories.admin_user()
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return {"report": report, "indicator": indicator, "admin": admin, "client": client}


def shown(world, period: str = "", place: str = HANOI):
    """The indicator's row on the working page (the year, or a quarter), for a province or the
    nation (place ""): (total, coverage)."""
    query = {**WORKING_2026, "indicator": world["indicator"].pk}
    if period:
        query["quarter"] = period
    page = world["client"].get(reverse("summaries:index"), query)
    assert page.status_code == 200
    table = next(t for t in page.context["tables"] if t.indicator == world["indicator"])
    row = table.national if place == "" else next(r for r in table.rows if r.code == place)
    return (row.total, row.coverage) if row else None


def test_the_page_reads_the_cube_from_the_cache_once_it_is_built(world):
    shown(world)  # builds and keeps the cube
    with CaptureQueriesContext(connection) as warm:
        assert shown(world)[0] == "12"
    assert not [q for q in warm.captured_queries if ProvincialSummary._meta.db_table in q["sql"]]

    versions.bump()
    with CaptureQueriesContext(connection) as cold:
        assert shown(world)[0] == "12"

    reads = [q for q in cold.captured_queries if ProvincialSummary._meta.db_table in q["sql"]]
    assert reads, "a new version builds the cube again"
    assert len(warm.captured_queries) < len(cold.captured_queries)


def test_an_approval_shows_once_its_recompute_ran(world, django_capture_on_commit_callbacks):
    assert shown(world)[0] == "12"

    with django_capture_on_commit_callbacks(execute=True):
        approve_with_total(HANOI, 5)

    assert shown(world)[0] == "17"


def test_a_full_rebuild_shows_what_it_rebuilt(world, django_capture_on_commit_callbacks):
    assert shown(world)[0] == "12"
    Figure.objects.filter(
        report=world["report"], indicator=world["indicator"], dimension="total"
    ).update(value=40)  # a correction made in the database, found by a full rebuild

    with django_capture_on_commit_callbacks(execute=True):
        summary_services.aggregation_request_full(actor=world["admin"])

    assert shown(world)[0] == "40"


def test_a_reconcile_of_stale_cells_shows_them(world):
    assert shown(world)[0] == "12"
    report = world["report"]
    Figure.objects.filter(report=report, indicator=world["indicator"], dimension="total").update(
        value=7
    )
    StaleSummary.objects.create(province_id=report.province_id, period_id=report.period_id)

    assert summary_services.aggregation_reconcile() is not None

    assert shown(world)[0] == "7"


def test_an_indicator_s_time_rule_changes_the_year(world):
    approve_with_total(HANOI, 5, period_code="2026-Q1")
    aggregation.rebuild_all()
    indicator = world["indicator"]
    indicator.time_rule = Indicator.TimeRule.SUM
    indicator.save()
    assert shown(world)[0] == "17"  # 5 in Q1 and 12 in Q2

    indicator.time_rule = Indicator.TimeRule.LAST
    indicator.save()

    assert shown(world)[0] == "12"  # Q2's


def test_a_period_change_changes_the_version_and_the_page_stays_right(world):
    assert shown(world)[0] == "12"
    before = versions.current()

    report_services.period_set_locked(
        actor=world["admin"], period_id=factories.period("2026-Q2").pk, locked=True
    )

    assert versions.current() != before
    with CaptureQueriesContext(connection) as after:
        assert shown(world)[0] == "12"
    assert [q for q in after.captured_queries if ProvincialSummary._meta.db_table in q["sql"]]


def expected_organisations(world) -> str:
    """The Hà Nội row's coverage: "n/of organisations" counts the organisations expected."""
    return shown(world)[1]


def test_programmes_organisations_and_their_links_change_who_is_expected(world):
    programme = Programme.objects.get(code="trusted-address")
    organisation = world["report"].organisation
    programme.organisations.add(organisation)
    other = factories.OrganisationFactory(province=factories.province(HANOI))
    programme.organisations.add(other)
    assert "1/2" in expected_organisations(world)

    other.is_active = False  # an organisation saved
    other.save()
    assert "1/1" in expected_organisations(world)

    programme.organisations.remove(organisation)  # a link removed
    assert "/1 " not in expected_organisations(world) + " "
    # The organisation's admin page saves its programmes (an inline) as rows, which send no
    # signal, then logs the change of the organisation.
    Programme.organisations.through.objects.create(programme=programme, organisation=organisation)
    LogEntry.objects.log_actions(
        world["admin"].pk, [organisation], CHANGE, "programmes run", single_object=True
    )
    assert "1/1" in expected_organisations(world)

    programme.indicators.remove(world["indicator"])  # the indicator no longer expected
    assert "organisations" not in expected_organisations(world)
    programme.indicators.add(world["indicator"])
    assert "1/1" in expected_organisations(world)

    programme.is_active = False  # a programme saved
    programme.save()
    assert "organisations" not in expected_organisations(world)


def test_without_a_cache_that_answers_the_page_builds_the_cube(world, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ConnectionError("the cache is down")

    backend = caches["default"]  # this test's own cache (tests/conftest.py), not the proxy
    monkeypatch.setattr(backend, "get", refuse)
    monkeypatch.setattr(backend, "set", refuse)

    assert shown(world)[0] == "12"


def spent_in_2026() -> int:
    return sum(figure.amount for figure in working_spending_of_all(2026))


def approved_spending(organisation, reviewer, amount: int):
    """An approved report of the organisation spending `amount` in 2026-Q2 (the organisation
    and the reviewer made before: making them changes the version)."""
    report = factories.draft_report(organisation=organisation)
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(
            title="t",
            figures=factories.complete_figures(report),
            spending=[
                SpendingInput(
                    amount=amount, source="vwu_own", pillar=report.programme.default_pillar
                )
            ],
        ),
        submit=True,
    )
    report_services.report_approve(reviewer=reviewer, report_id=report.pk)
    return report


def test_working_spending_is_cached_until_an_approval_and_shown_at_once(
    django_capture_on_commit_callbacks,
):
    first, second, third = (
        factories.OrganisationFactory(province=factories.province(HANOI)) for _n in range(3)
    )
    admin = factories.admin_user()
    reviewer = factories.reviewer(provinces=[factories.province(HANOI)])
    approved_spending(first, reviewer, 10_000_000)
    aggregation.rebuild_all()
    assert spent_in_2026() == 10_000_000
    with CaptureQueriesContext(connection) as warm:
        assert spent_in_2026() == 10_000_000
    assert not [q for q in warm.captured_queries if "reports_spending" in q["sql"]]
    version = versions.current()

    # The approval marks its cells stale (the version is the same until the recompute); while
    # the mark waits, the spending is summed afresh, so it shows at once.
    approved_spending(second, reviewer, 3_000_000)
    assert versions.current() == version
    assert spent_in_2026() == 13_000_000

    with django_capture_on_commit_callbacks(execute=True):  # the recompute runs
        reopened = approved_spending(third, reviewer, 1_000_000)
    assert spent_in_2026() == 14_000_000
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_reopen(actor=admin, report_id=reopened.pk, reason="wrong amount")
    assert spent_in_2026() == 13_000_000
