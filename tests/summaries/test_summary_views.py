"""Summary, completeness, run and download pages: who may see what, suppression, files."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from indicators.models import Indicator
from reports.disaggregation import TOTAL, category_label
from reports.models import ReportingPeriod
from summaries import aggregation
from summaries.files import header
from summaries.models import AggregationRun, ProvincialSummary, SummaryDownload
from tests import factories
from tests.csv_reading import formula_cells

pytestmark = pytest.mark.django_db

HANOI, HCMC = "01", "79"


def approve_with_total(province_code: str, total: int, period_code="2026-Q2"):
    """An approved trusted-address report whose count indicators all carry `total` (the period
    is unlocked first if a release locked it)."""
    from reports import services

    ReportingPeriod.objects.filter(pk=factories.period(period_code).pk).update(is_locked=False)
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    figures = factories.figures_with_total(report, total, ratio=(30, 40))
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(title="t", figures=figures),
        submit=True,
    )
    checker = factories.reviewer(provinces=[factories.province(province_code)])
    services.report_approve(reviewer=checker, report_id=report.pk)
    return report


@pytest.fixture
def summaries():
    """Two provinces' approved reports in 2026-Q2, aggregated, and 2026 through Q2 published."""
    hanoi = approve_with_total(HANOI, 12)
    hcmc = approve_with_total(HCMC, 3)
    aggregation.rebuild_all()
    count_indicator = (
        Indicator.objects.filter(programmes__code="trusted-address")
        .exclude(aggregation=Indicator.Aggregation.RATIO)
        .order_by("code")
        .first()
    )
    release = factories.publish(2026, 2)
    return {"hanoi": hanoi, "hcmc": hcmc, "indicator": count_indicator, "release": release}


def users():
    return {
        "reporter": factories.reporter(
            organisation=factories.OrganisationFactory(province=factories.province(HANOI))
        ),
        "reviewer": factories.reviewer(provinces=[factories.province(HANOI)]),
        "reviewer_both": factories.reviewer(
            provinces=[factories.province(HANOI), factories.province(HCMC)]
        ),
        "admin": factories.admin_user(),
    }


# role -> expected status, per page
TABLE = [
    ("summaries:index", "get", {"reporter": 200, "reviewer": 200, "admin": 200}),
    ("summaries:completeness", "get", {"reporter": 200, "reviewer": 200, "admin": 200}),
    ("summaries:releases", "get", {"reporter": 200, "reviewer": 200, "admin": 200}),
    ("summaries:publish", "post", {"reporter": 403, "reviewer": 403, "admin": 302}),
    ("summaries:publish", "get", {"reporter": 405, "reviewer": 405, "admin": 405}),
    ("summaries:runs", "get", {"reporter": 403, "reviewer": 403, "admin": 200}),
    ("summaries:rebuild", "post", {"reporter": 403, "reviewer": 403, "admin": 302}),
    ("summaries:rebuild", "get", {"reporter": 405, "reviewer": 405, "admin": 405}),
    ("summaries:download_csv", "get", {"reporter": 403, "reviewer": 200, "admin": 200}),
    ("summaries:download_xlsx", "get", {"reporter": 403, "reviewer": 200, "admin": 200}),
]


@pytest.mark.parametrize(("name", "method", "expected"), TABLE)
def test_permission_table(client, summaries, name, method, expected):
    people = users()
    for role, status in expected.items():
        client.force_login(people[role])
        response = getattr(client, method)(reverse(name), {"view": "published"})
        assert response.status_code == status, (name, method, role)
    client.logout()
    anonymous = getattr(client, method)(reverse(name))
    assert anonymous.status_code in {302, 405}
    if anonymous.status_code == 302:
        assert reverse("login") in anonymous["Location"]


def test_a_refused_rebuild_queues_nothing(client, summaries):
    client.force_login(users()["reviewer"])
    client.post(reverse("summaries:rebuild"))
    assert not AggregationRun.objects.filter(kind=AggregationRun.Kind.FULL).exists()


def test_an_admin_rebuild_runs_and_is_listed(client, summaries, django_capture_on_commit_callbacks):
    client.force_login(users()["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("summaries:rebuild"))
    response = client.get(reverse("summaries:runs"))
    run = AggregationRun.objects.get(kind=AggregationRun.Kind.FULL)
    assert run.status == AggregationRun.Status.DONE
    assert run.rows == ProvincialSummary.objects.count() > 0
    with translation.override("vi"):
        assert run.get_status_display() in response.content.decode()


def table_of(response, code):
    return next(t for t in response.context["page_obj"].object_list if t.indicator.code == code)


def page(client, **query):
    return client.get(reverse("summaries:index"), {"year": 2026, "quarter": 2, **query})


def test_a_reviewer_sees_working_figures_of_their_provinces_only_and_no_national_row(
    client, summaries
):
    client.force_login(users()["reviewer"])

    response = page(client)

    table = table_of(response, summaries["indicator"].code)
    assert response.context["page"].working
    assert [row.code for row in table.rows] == [HANOI]
    assert table.rows[0].total == "12"  # they may read every Hà Nội report: nothing hidden
    assert table.national is None  # the nation's figure includes reports they may not read
    assert "working-banner" in response.content.decode()


def test_a_reporter_sees_the_release_only(client, summaries):
    client.force_login(users()["reporter"])

    response = page(client, view="working")

    assert not response.context["page"].working
    assert response.context["release"] == summaries["release"]


def test_a_province_outside_the_scope_cannot_be_chosen(client, summaries):
    client.force_login(users()["reviewer"])
    response = page(client, province=HCMC)
    assert response.status_code == 200
    assert response.context["form"].errors["province"]
    csv_response = client.get(reverse("summaries:download_csv"), {"province": HCMC})
    assert csv_response.status_code == 302
    assert not SummaryDownload.objects.exists()


def test_published_figures_hide_small_counts_and_whatever_would_give_them_away(client, summaries):
    code = summaries["indicator"].code
    people = users()
    client.force_login(people["reviewer_both"])

    table = table_of(page(client, view="published"), code)

    by_code = {row.code: row for row in table.rows}
    assert by_code[HCMC].total == "x"
    shown = [by_code[HANOI].total, table.national.total]
    assert "x" in shown  # Hà Nội 12 and the nation 15 would tell the 3
    assert "3" not in [by_code[HCMC].total, *by_code[HCMC].cells]


def test_an_admin_sees_working_figures_with_the_national_row(client, summaries):
    client.force_login(users()["admin"])

    table = table_of(page(client), summaries["indicator"].code)

    assert {row.code: row.total for row in table.rows} == {HANOI: "12", HCMC: "3"}
    assert table.national.total == "15"
    assert table.national.coverage.startswith("2/34")


def read_csv(response) -> list[list[str]]:
    return read_csv_text(b"".join(response.streaming_content).decode("utf-8"))


def read_csv_text(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    return [line for line in lines if not line[0].startswith("# ")]


def test_the_csv_download_is_the_release_translated_and_logged(client, summaries):
    reviewer = users()["reviewer_both"]
    client.force_login(reviewer)
    response = client.get(reverse("summaries:download_csv"), {"view": "published"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    with translation.override("vi"):
        assert rows[0] == header()
    with translation.override("en"):
        assert rows[0] != header()  # Vietnamese headers for a Vietnamese user
    code = summaries["indicator"].code
    with translation.override("vi"):
        total = category_label(TOTAL, "")
    totals = {(r[1], r[4], r[6]): r[9] for r in rows[1:] if r[8] == total}
    assert totals[(code, HCMC, "2026-Q2")] == "x"
    assert totals[(code, HANOI, "2026-Q2")] in {"12", "x"}
    assert (code, "VN", "2026") in totals  # national and yearly rows are in the file
    log = SummaryDownload.objects.get()
    assert log.user == reviewer and log.file_format == "csv"
    assert log.rows == len(rows) - 1


def test_the_csv_follows_the_users_language(client, summaries, settings):
    client.force_login(users()["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = read_csv(client.get(reverse("summaries:download_csv"), {"view": "published"}))
    assert rows[0][:4] == ["Release", "Indicator code", "Indicator", "Pillar"]


def test_the_xlsx_download_reads_back(client, summaries):
    client.force_login(users()["reviewer_both"])
    response = client.get(reverse("summaries:download_xlsx"), {"view": "published"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    code = summaries["indicator"].code
    with translation.override("vi"):
        total = category_label(TOTAL, "")
    totals = {(r[1], r[4], r[6]): r[9] for r in values[1:] if r[8] == total}
    assert totals[(code, HCMC, "2026-Q2")] == "x"
    assert totals[(code, "VN", "2026-Q2")] in {15, "x"}  # a number where shown, not text
    about = [row[0] for row in workbook.worksheets[-1].iter_rows(values_only=True)]
    assert any("“x”" in line for line in about)
    assert SummaryDownload.objects.get().file_format == "xlsx"


def test_the_summary_page_uses_a_constant_number_of_queries(
    client, summaries, django_assert_max_num_queries
):
    client.force_login(users()["admin"])
    with django_assert_max_num_queries(40) as few:
        page(client)
    for code in ("48", "31", "92", "22"):
        approve_with_total(code, 7)
    aggregation.rebuild_all()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client)


def test_completeness_counts_reporting_and_on_time_rates(client, summaries):
    programme = factories.programme("trusted-address")
    summaries["hanoi"].organisation.programmes.add(programme)
    silent = factories.OrganisationFactory(province=factories.province(HANOI))
    silent.programmes.add(programme)
    client.force_login(users()["admin"])
    period = factories.period("2026-Q2")
    response = client.get(reverse("summaries:completeness"), {"period": period.pk})
    assert response.status_code == 200
    hanoi = next(p for p in response.context["provinces"] if p.province_code == HANOI)
    assert (hanoi.expected, hanoi.reported) == (2, 1)
    assert hanoi.reporting_rate == 50.0
    statuses = {item.organisation.pk: item.status for item in hanoi.items}
    assert statuses[silent.pk] == "missing"


def test_completeness_names_the_period_it_shows_and_offers_no_blank_choice(client, summaries):
    client.force_login(users()["admin"])

    response = client.get(reverse("summaries:completeness"))

    shown = response.context["period"]
    page = response.content.decode()
    assert shown is not None
    assert "---------" not in page
    assert f'<option value="{shown.pk}" selected>' in page


def test_charts_use_the_counts_not_the_grouped_text(client, summaries):
    approve_with_total("48", 1_234)
    aggregation.rebuild_all()
    client.force_login(users()["admin"])
    table = table_of(page(client), summaries["indicator"].code)
    assert dict(table.chart_by_province)["Đà Nẵng"] == 1_234
    assert "1.234" in [row.total for row in table.rows]  # the table groups digits for reading


def test_charts_leave_a_gap_for_a_hidden_count(client, summaries):
    client.force_login(users()["reviewer_both"])
    table = table_of(page(client, view="published"), summaries["indicator"].code)
    by_code = {row.code: row.label for row in table.rows}
    assert dict(table.chart_by_province)[by_code[HCMC]] is None


def test_catalogue_text_written_as_a_formula_stays_text_in_the_summaries_csv(client, summaries):
    indicator = summaries["indicator"]
    indicator.name_vi = ";=1+1;"
    indicator.name_en = "a,@SUM(A1:A9)"
    indicator.save(update_fields=["name_vi", "name_en"])
    client.force_login(users()["admin"])

    for language in ["vi", "en"]:
        client.cookies["portal_language"] = language
        response = client.get(reverse("summaries:download_csv"))

        text = b"".join(response.streaming_content).decode()
        assert formula_cells(text) == []
        assert {";'=1+1;", "a,'@SUM(A1:A9)"} & {row[2] for row in read_csv_text(text)}


def test_a_readers_scope_comes_from_memberships_once_per_request(
    client, summaries, django_assert_num_queries
):
    from summaries.scope import province_ids_in_scope

    reviewer = users()["reviewer"]
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    with CaptureQueriesContext(connection) as first:
        scope = province_ids_in_scope(user=reviewer)
    with django_assert_num_queries(0):
        assert province_ids_in_scope(user=reviewer) == scope

    assert scope == {factories.province(HANOI).pk}
    assert not any("reports_activityreport" in q["sql"] for q in first.captured_queries)
