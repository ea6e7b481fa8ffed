"""Spending in the summaries: working figures of approved reports, published with releases (and
revisions), on the summaries page by role, in the files, and for the annual report."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from indicators.models import Donor
from reports import services as report_services
from reports.models import FundingSource, ReportingPeriod
from reports.spending import SpendingInput
from summaries.spending import published_spending, working_spending
from tests import factories

pytestmark = pytest.mark.django_db

HANOI, HCMC = "01", "79"


def report_with_spending(province_code, lines, *, period_code="2026-Q2", approve=True):
    """A trusted-address report of a new organisation of the province, with spending `lines`
    ((amount, source, donor code or None)), submitted and, unless told, approved."""
    ReportingPeriod.objects.filter(pk=factories.period(period_code).pk).update(is_locked=False)
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    pillar = report.programme.default_pillar
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(
            title="t",
            figures=factories.complete_figures(report),
            spending=[
                SpendingInput(
                    amount=amount,
                    source=source,
                    pillar=pillar,
                    donor_id=Donor.objects.get(code=donor).pk if donor else None,
                )
                for amount, source, donor in lines
            ],
        ),
        submit=True,
    )
    if approve:
        report_services.report_approve(
            reviewer=factories.reviewer(provinces=[factories.province(province_code)]),
            report_id=report.pk,
        )
    return report


@pytest.fixture
def spent():
    """Hà Nội and Hồ Chí Minh City spent in 2026-Q2; a submitted report's spending waits."""
    hanoi = report_with_spending(
        HANOI, [(10_000_000, "state_provincial", None), (5_000_000, "donor", "un-women")]
    )
    hcmc = report_with_spending(HCMC, [(7_000_000, "vwu_own", None)])
    waiting = report_with_spending(HANOI, [(900_000_000, "vwu_own", None)], approve=False)
    return {
        "hanoi": hanoi,
        "hcmc": hcmc,
        "waiting": waiting,
        "pillar": hanoi.programme.default_pillar,
    }


def test_working_spending_sums_approved_reports_in_the_database(spent):
    with CaptureQueriesContext(connection) as queries:
        figures = working_spending(2026)

    totals = {(f.province_id, f.source, f.donor_id): f.amount for f in figures}
    hanoi, hcmc = factories.province(HANOI).pk, factories.province(HCMC).pk
    assert totals == {
        (hanoi, "state_provincial", None): 10_000_000,
        (hanoi, "donor", Donor.objects.get(code="un-women").pk): 5_000_000,
        (hcmc, "vwu_own", None): 7_000_000,
    }
    assert {f.period_code for f in figures} == {"2026-Q2"}
    assert len(queries) == 2  # the window's periods, then one GROUP BY


def test_the_sum_is_made_by_the_database_whatever_the_number_of_reports(spent):
    report_with_spending(HANOI, [(1_000_000, "state_provincial", None)])
    report_with_spending(HANOI, [(2_000_000, "state_provincial", None)])

    with CaptureQueriesContext(connection) as queries:
        figures = working_spending(2026)

    row = next(f for f in figures if f.source == "state_provincial")
    assert (row.amount, row.report_count) == (13_000_000, 3)
    assert len(queries) == 2


def test_a_release_publishes_the_spending_and_a_revision_its_correction(spent):
    admin = factories.admin_user()
    release = factories.publish(2026, 2, admin=admin)

    published, totals = published_spending(2026)
    assert published == release
    by_source = {(t.source, t.donor.code if t.donor else None): t.amount for t in totals}
    assert by_source == {
        ("state_provincial", None): 10_000_000,
        ("vwu_own", None): 7_000_000,
        ("donor", "un-women"): 5_000_000,
    }
    assert {t.pillar for t in totals} == {spent["pillar"]}

    # Approved after publication: readers see it only once a revision is published.
    reviewer = factories.reviewer(provinces=[factories.province(HANOI)])
    report_services.report_approve(reviewer=reviewer, report_id=spent["waiting"].pk)
    assert published_spending(2026)[1] == totals

    revision = factories.publish(2026, 2, admin=admin, note="A late approval.")

    published, totals = published_spending(2026)
    assert published == revision and revision.revision == 1
    assert sum(t.amount for t in totals if t.source == "vwu_own") == 907_000_000


def test_nothing_is_published_spending_before_a_release():
    report_with_spending(HANOI, [(1_000_000, "vwu_own", None)])

    assert published_spending(2026) == (None, [])


def test_a_release_of_spending_alone_is_published(spent):
    # Programmes with no figures still publish what they spent.
    from reports.models import Figure
    from summaries import aggregation

    Figure.objects.all().delete()
    aggregation.rebuild_all()

    release = factories.publish(2026, 2)

    assert release.cells == 0
    assert release.spending_set.count() == 3


# --- The summaries page, by role --------------------------------------------------------------


def page(client, **query):
    response = client.get(reverse("summaries:index"), {"year": 2026, **query})
    assert response.status_code == 200
    return response


def provinces_shown(response):
    tables = response.context["spending"]
    return {row.code for row in tables.by_province} if tables else set()


def test_a_reporter_sees_only_published_spending_of_their_province_and_the_nation(client, spent):
    reporter = factories.reporter(
        organisation=factories.OrganisationFactory(province=factories.province(HANOI))
    )
    client.force_login(reporter)
    assert not page(client).context["spending"]  # nothing published yet: no spending at all

    factories.publish(2026, 2)
    response = page(client)

    assert provinces_shown(response) == {HANOI}
    tables = response.context["spending"]
    assert tables.total.total == 22_000_000  # the nation, as published
    html = response.content.decode()
    assert "22.000.000" in html and "900.000.000" not in html


def test_a_reviewer_sees_working_spending_of_their_provinces_only(client, spent):
    reviewer = factories.reviewer(provinces=[factories.province(HCMC)])
    client.force_login(reviewer)

    response = page(client, view="working")

    assert provinces_shown(response) == {HCMC}
    tables = response.context["spending"]
    assert tables.national is False
    assert tables.total.total == 7_000_000  # no national total: only the provinces shown


def test_an_admin_sees_all_working_spending_with_the_nation(client, spent):
    client.force_login(factories.admin_user())

    response = page(client, view="working")

    tables = response.context["spending"]
    assert provinces_shown(response) == {HANOI, HCMC}
    assert tables.total.total == 22_000_000
    assert [row.total for row in tables.by_pillar] == [22_000_000]
    assert [(row.code, row.total) for row in tables.by_donor] == [("un-women", 5_000_000)]


def test_a_province_outside_the_scope_shows_no_spending(client, spent):
    factories.publish(2026, 2)
    reviewer = factories.reviewer(provinces=[factories.province(HANOI)])
    client.force_login(reviewer)

    response = client.get(
        reverse("summaries:index"),
        {"year": 2026, "view": "published", "province": factories.province(HCMC).pk},
    )

    assert HCMC not in provinces_shown(response)
    assert "7.000.000" not in response.content.decode()


def test_the_pillar_and_quarter_filters_apply_to_spending(client, spent):
    client.force_login(factories.admin_user())

    other = next(p for p in ("participation", "prevention") if p != spent["pillar"])
    assert not page(client, view="working", pillar=other).context["spending"]
    assert not page(client, view="working", quarter=1).context["spending"]
    assert page(client, view="working", quarter=2).context["spending"].total.total == 22_000_000


def test_the_spending_tables_use_a_constant_number_of_queries(client, spent):
    client.force_login(factories.admin_user())
    with CaptureQueriesContext(connection) as before:
        page(client, view="working")
    for code in ("48", "31", "92"):
        report_with_spending(code, [(3_000_000, "donor", "korea"), (1, "state_commune", None)])

    with CaptureQueriesContext(connection) as after:
        page(client, view="working")

    assert len(after) <= len(before)


# --- Files -------------------------------------------------------------------------------------


def test_the_spending_csv_is_the_release_in_the_readers_scope(client, spent):
    release = factories.publish(2026, 2)
    reviewer = factories.reviewer(provinces=[factories.province(HANOI)])
    client.force_login(reviewer)

    with translation.override("vi"):
        response = client.get(
            reverse("summaries:download_csv"), {"release": release.pk, "part": "spending"}
        )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = [row for row in csv.reader(io.StringIO(text)) if not row[0].startswith("# ")]
    header, body = rows[0], rows[1:]
    assert len(header) == 9 and all(len(row) == 9 for row in body)
    assert {(row[1], row[5], row[7]) for row in body} == {
        (HANOI, str(FundingSource.STATE_PROVINCIAL.label), "10000000"),
        (HANOI, str(FundingSource.DONOR.label), "5000000"),
    }
    assert "UN Women" in {row[6] for row in body}
    assert "napwps-release-2026-q2-r0-spending.csv" in response["Content-Disposition"]


def test_an_unknown_part_is_refused(client, spent):
    factories.publish(2026, 2)
    client.force_login(factories.admin_user())

    response = client.get(reverse("summaries:download_csv"), {"year": 2026, "part": "secrets"})

    assert response.status_code == 302


def test_the_xlsx_has_a_spending_sheet(client, spent):
    release = factories.publish(2026, 2)
    client.force_login(factories.admin_user())

    response = client.get(reverse("summaries:download_xlsx"), {"release": release.pk})

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[1]
    rows = list(sheet.iter_rows(values_only=True))
    assert sorted(row[7] for row in rows[1:]) == [5_000_000, 7_000_000, 10_000_000]
    assert all(isinstance(row[7], int) for row in rows[1:])  # numbers a spreadsheet adds up


def test_the_working_file_holds_the_working_spending_for_admins(client, spent):
    client.force_login(factories.admin_user())

    response = client.get(
        reverse("summaries:download_csv"),
        {"working": 1, "view": "working", "year": 2026, "part": "spending"},
    )

    text = b"".join(response.streaming_content).decode("utf-8")
    assert "7000000" in text and "10000000" in text and "900000000" not in text


def test_export_summaries_writes_the_spending(spent, tmp_path):
    factories.publish(2026, 2)
    output = tmp_path / "spending.csv"

    call_command(
        "export_summaries",
        "--period",
        "2026",
        "--format",
        "csv",
        "--part",
        "spending",
        "--output",
        str(output),
    )

    text = output.read_text(encoding="utf-8")
    assert "10000000" in text and "5000000" in text and "7000000" in text


def test_national_reports_spending_counts_in_the_nation_only():
    from summaries.spending import SpendingFigure, file_rows, spending_tables

    hanoi = factories.province(HANOI).pk
    figures = [
        SpendingFigure(hanoi, "2026-Q2", "protection", "vwu_own", None, 4_000, 1),
        SpendingFigure(None, "2026", "participation", "state_central", None, 9_000, 1),
    ]

    national = spending_tables(figures, provinces=None, national=True)
    scoped = spending_tables(figures, provinces={hanoi}, national=False)
    in_q2 = spending_tables(figures, provinces=None, national=True, quarter=2)
    rows = file_rows(figures, label="r", provinces={hanoi})

    assert national.total.total == 13_000 and [r.code for r in national.by_province] == [HANOI]
    assert scoped.total.total == 4_000
    assert in_q2.total.total == 4_000  # a year's period falls in no quarter
    assert [(row[1], row[3], row[7]) for row in rows] == [
        ("VN", "2026", 9_000),
        (HANOI, "2026-Q2", 4_000),
    ]
