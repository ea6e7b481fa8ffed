"""Releases: what publishing needs, what readers see before and after a revision, stocks and
flows over a year, coverage, corrections in locked periods, and the attacker's audit command."""

import io
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators.models import Indicator
from reports import services as report_services
from reports.disaggregation import TOTAL
from reports.models import ReportingPeriod
from summaries import aggregation, services
from summaries.cube import NATIONAL, cube_from_summaries
from summaries.models import Release, ReleaseCell
from tests import factories

pytestmark = pytest.mark.django_db

HANOI = "01"


def approve(province_code: str, period_code: str, values: dict[str, int]):
    """An approved trusted-address report with the given totals (others 10), via the services."""
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    figures = factories.figures_with_total(report, 10, ratio=(30, 40))
    for indicator in report.programme.indicators.all():
        if indicator.code in values:
            figures[indicator.pk] = factories.figures_with_total(
                report, values[indicator.code], ratio=(30, 40)
            )[indicator.pk]
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(title="t", figures=figures),
        submit=True,
    )
    checker = factories.reviewer(provinces=[report.province])
    report_services.report_approve(reviewer=checker, report_id=report.pk)
    return report


def year_total(cube, code: str, place: int):
    indicator = Indicator.objects.get(code=code)
    return cube.cells[(indicator.pk, place, str(cube.year), TOTAL, "")].value


def test_a_stock_takes_its_last_quarter_and_a_flow_adds_them_up():
    # TA-01 counts trusted addresses operating (a stock); TA-02 survivors received (a flow).
    approve(HANOI, "2025-Q1", {"TA-01": 11, "TA-02": 6})
    approve(HANOI, "2025-Q2", {"TA-01": 9, "TA-02": 7})
    approve(HANOI, "2025-Q3", {"TA-01": 2, "TA-02": 8})
    aggregation.rebuild_all()
    hanoi = factories.province(HANOI).pk

    cube = cube_from_summaries(2025, 4)

    assert year_total(cube, "TA-01", hanoi) == 2  # not 22 = 11 + 9 + 2
    assert year_total(cube, "TA-02", hanoi) == 21
    assert year_total(cube, "TA-01", NATIONAL) == 2
    indicator = Indicator.objects.get(code="TA-01")
    year = cube.cells[(indicator.pk, hanoi, "2025", TOTAL, "")]
    assert (year.periods_in, year.periods_expected, year.provisional) == (3, 4, True)


def test_the_national_row_says_how_many_provinces_it_covers():
    approve(HANOI, "2025-Q1", {"TA-02": 6})
    approve("79", "2025-Q1", {"TA-02": 7})
    aggregation.rebuild_all()

    cube = cube_from_summaries(2025, 1)

    indicator = Indicator.objects.get(code="TA-02")
    national = cube.cells[(indicator.pk, NATIONAL, "2025-Q1", TOTAL, "")]
    assert (national.value, national.provinces_reporting) == (13, 2)


def test_publishing_needs_an_admin_and_locked_periods():
    approve(HANOI, "2026-Q1", {"TA-02": 30})
    aggregation.rebuild_all()
    admin = factories.admin_user()

    with pytest.raises(PermissionDenied):
        services.release_publish(actor=factories.reviewer(), year=2026, quarter=1)
    with pytest.raises(services.ReleaseError, match=r"Q1/2026|Quý 1/2026"):
        services.release_publish(actor=admin, year=2026, quarter=1)
    assert not Release.objects.exists()


def test_a_revision_needs_a_note_and_a_release_cannot_go_back_a_quarter():
    approve(HANOI, "2026-Q1", {"TA-02": 30})
    approve(HANOI, "2026-Q2", {"TA-02": 40})
    aggregation.rebuild_all()
    admin = factories.admin_user()
    factories.publish(2026, 2, admin=admin)

    with pytest.raises(services.ReleaseError):
        factories.publish(2026, 2, admin=admin)  # no note
    with pytest.raises(services.ReleaseError):
        factories.publish(2026, 1, admin=admin, note="earlier")

    revision = factories.publish(2026, 2, admin=admin, note="A correction from Hà Nội.")
    assert (revision.revision, revision.label.endswith("1")) == (1, True)


def published_total(client, code: str) -> str:
    response = client.get(
        reverse("summaries:index"), {"view": "published", "year": 2026, "quarter": 1}
    )
    table = next(t for t in response.context["page_obj"].object_list if t.indicator.code == code)
    return table.national.total


def test_readers_see_an_approval_only_once_a_revision_is_published(
    client, django_capture_on_commit_callbacks
):
    for code in (HANOI, "79", "31"):
        approve(code, "2026-Q1", {"TA-02": 40})
    aggregation.rebuild_all()
    admin = factories.admin_user()
    factories.publish(2026, 1, admin=admin)
    reader = factories.reviewer(provinces=[factories.province(HANOI)])
    client.force_login(reader)
    before = published_total(client, "TA-02")
    download_before = client.get(reverse("summaries:download_csv"), {"view": "published"})
    csv_before = b"".join(download_before.streaming_content)

    ReportingPeriod.objects.update(is_locked=False)
    with django_capture_on_commit_callbacks(execute=True):  # the recompute the approval queues
        approve("48", "2026-Q1", {"TA-02": 50})
    ReportingPeriod.objects.filter(year=2026, number=1, kind="quarter").update(is_locked=True)

    assert published_total(client, "TA-02") == before == "120"
    download_after = client.get(reverse("summaries:download_csv"), {"view": "published"})
    assert b"".join(download_after.streaming_content) == csv_before
    working = cube_from_summaries(2026, 1)
    assert year_total(working, "TA-02", NATIONAL) == 170  # working figures move at once

    factories.publish(2026, 1, admin=admin, note="Đà Nẵng's report arrived late.")

    assert published_total(client, "TA-02") == "170"
    releases = client.get(reverse("summaries:releases")).content.decode()
    assert "Đà Nẵng&#x27;s report arrived late." in releases


def test_an_admin_reopens_a_report_in_a_locked_period_and_its_organisation_corrects_it():
    report = approve(HANOI, "2026-Q1", {"TA-02": 40})
    ReportingPeriod.objects.filter(year=2026, number=1, kind="quarter").update(is_locked=True)
    admin = factories.admin_user()

    report_services.report_reopen(actor=admin, report_id=report.pk, reason="Sai số liệu.")
    figures = factories.figures_with_total(report, 41, ratio=(30, 40))
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(title="t", figures=figures),
        submit=True,
    )

    report.refresh_from_db()
    assert report.status == "submitted"
    fresh = factories.draft_report  # a new report in the locked period is still refused
    with pytest.raises(report_services.WorkflowError):
        fresh(
            organisation=factories.OrganisationFactory(province=factories.province("79")),
            period_code="2026-Q1",
        )


def test_the_audit_command_passes_on_releases_and_fails_when_a_hidden_cell_is_shown():
    approve(HANOI, "2026-Q1", {"TA-02": 3})
    approve("79", "2026-Q1", {"TA-02": 40})
    approve("31", "2026-Q1", {"TA-02": 41})
    aggregation.rebuild_all()
    release = factories.publish(2026, 1)
    output = io.StringIO()

    call_command("audit_disclosure", stdout=output)

    assert "The audit passed" in output.getvalue()
    # Tamper with the release: show a hidden province total that sits beside a small count.
    hidden = ReleaseCell.objects.filter(
        release=release, value_hidden=True, dimension=TOTAL, province__isnull=False
    ).exclude(value__lt=5)
    assert hidden.exists()
    hidden.update(value_hidden=False)
    with pytest.raises(CommandError):
        call_command("audit_disclosure", "--year", "2026", stdout=io.StringIO())


def test_a_cumulative_target_adds_the_published_years_since_the_plan_began(client):
    indicator = Indicator.objects.get(code="TA-02")
    indicator.target_reading = Indicator.TargetReading.CUMULATIVE
    indicator.save()
    indicator.targets.create(kind="target", year=2030, value=1000)
    for code in (HANOI, "79", "31"):
        approve(code, "2025-Q1", {"TA-02": 100})
        approve(code, "2026-Q1", {"TA-02": 50})
    aggregation.rebuild_all()
    admin = factories.admin_user()
    factories.publish(2025, 4, admin=admin)
    factories.publish(2026, 1, admin=admin)
    client.force_login(factories.reporter())

    response = client.get(reverse("summaries:index"), {"view": "published", "year": 2026})

    progress = next(p for p in response.context["progress"] if p.indicator == indicator)
    assert progress.value == 450  # 300 in 2025, 150 so far in 2026
    assert progress.percent_of_2030 == 45
    # Drawn by a <progress> element carrying the value (no inline style, no per-percent class).
    assert re.search(
        r'<progress class="target-progress" max="100" value="45"[^>]*>45%</progress>',
        response.content.decode(),
    )


def test_the_stylesheet_has_no_numbered_progress_classes():
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()

    assert not re.search(r"\.progress-\d", css)
    assert "progress.target-progress" in css
