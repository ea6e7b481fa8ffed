"""A report's life in the browser, in Vietnamese: filed, returned, corrected, approved, summarised,
downloaded as XLSX by an admin."""

import base64

import openpyxl
import pytest
from django_otp.oath import totp

from reports.figures import field_name
from reports.models import ActivityReport, ReportingPeriod
from summaries.models import ProvincialSummary
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PROGRAMME = "trusted-address"
PERIOD = "2026-Q3"


def totp_now(secret: str) -> str:
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key)):06d}"


def log_in(page, user, next_path: str = ""):
    """Password, then (reviewers and admins) the two-factor set-up with a generated code."""
    page.goto(f"/accounts/login/?next={next_path}" if next_path else "/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", factories.TEST_PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.inner_text("main")
    if "/accounts/two-factor/" in page.url:
        page.shot("two-factor-setup")
        page.fill("input[name=token]", totp_now(page.inner_text("#totp-secret")))
        page.click("form:has(input[name=token]) button[type=submit]")
        page.wait_for_url("**/backup-codes/**")
        assert page.locator("#backup-codes li").count() == 10
        page.shot("backup-codes")
        page.click("a.btn-primary")
        page.wait_for_load_state()


def fill_figures(page, report, total: int):
    for indicator in report.programme.indicators.order_by("code"):
        if indicator.is_ratio:
            page.fill(f'[name="{field_name(indicator, "num")}"]', "3")
            page.fill(f'[name="{field_name(indicator, "den")}"]', "4")
            for dimension in indicator.disaggregations:
                (first, _label), *rest = indicator.categories_of(dimension)
                page.fill(f'[name="{field_name(indicator, dimension, first, "num")}"]', "3")
                page.fill(f'[name="{field_name(indicator, dimension, first, "den")}"]', "4")
                for category, _l in rest:
                    for part in ("num", "den"):
                        page.fill(
                            f'[name="{field_name(indicator, dimension, category, part)}"]', "0"
                        )
            continue
        page.fill(f'[name="{field_name(indicator, "total")}"]', str(total))
        for dimension in indicator.disaggregations:
            (first, _label), *rest = indicator.categories_of(dimension)
            page.fill(f'[name="{field_name(indicator, dimension, first)}"]', str(total))
            for category, _l in rest:
                page.fill(f'[name="{field_name(indicator, dimension, category)}"]', "0")


def test_a_report_goes_from_draft_to_the_summary_and_the_download(new_page, settings):
    hanoi = factories.province("01")
    organisation = factories.OrganisationFactory(name="Hội LHPN phường Ba Đình", province=hanoi)
    reporter = factories.reporter(organisation=organisation)
    reviewer = factories.reviewer(provinces=[hanoi])
    admin = factories.admin_user()
    programme = factories.programme(PROGRAMME)
    organisation.programmes.add(programme)
    period = factories.period(PERIOD)

    # The reporter files the report in Vietnamese, the default language.
    page = new_page("reporter")
    page.goto("/accounts/login/")
    assert page.get_attribute("html", "lang") == "vi"
    assert "Đăng nhập" in page.content()
    log_in(page, reporter)
    page.goto("/reports/new/")
    page.select_option("select[name=programme]", str(programme.pk))
    page.select_option("select[name=period]", str(period.pk))
    page.shot("choose")
    page.click("form:has(select[name=programme]) button[type=submit]")
    page.wait_for_url("**/edit/")
    report = ActivityReport.objects.get(organisation=organisation)
    page.fill("input[name=title]", "Địa chỉ tin cậy quý 3 <script>alert(1)</script>")
    page.fill("textarea[name=narrative]", "Tập huấn cho 12 hộ gia đình.")
    fill_figures(page, report, total=1_234)
    page.shot("figures")
    page.click("button[name=submit]")
    page.wait_for_load_state()
    page.shot("submitted")
    report.refresh_from_db()
    assert report.status == "submitted"
    assert "<script>alert(1)</script>" in page.inner_text("body")  # shown as text, escaped

    # The reviewer returns it with a comment.
    review = new_page("reviewer")
    log_in(review, reviewer, next_path="/reports/review/")
    assert review.url.endswith("/reports/review/")
    review.click(f'a[href="/reports/{report.pk}/"]')
    review.fill("textarea[name=comment]", "Số liệu phân tổ theo giới chưa khớp, xin kiểm tra lại.")
    review.shot("return")
    review.click("#decision-form button.btn-outline-danger")
    review.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == "returned"

    # The reporter sees it in the returned inbox, corrects it and submits again.
    page.goto("/reports/returned/")
    assert "Số liệu phân tổ theo giới chưa khớp" in page.content()
    page.shot("returned")
    page.goto(f"/reports/{report.pk}/edit/")
    fill_figures(page, report, total=1_300)
    page.click("button[name=submit]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == "submitted"

    # The reviewer approves; the summary is recomputed after commit.
    review.goto(f"/reports/{report.pk}/")
    review.click("#decision-form button.btn-success")
    review.wait_for_load_state()
    review.shot("approved")
    report.refresh_from_db()
    assert report.status == "approved"
    assert ProvincialSummary.objects.filter(province=hanoi, period=period, value=1_300).exists()

    # The admin sees it at once in the working figures.
    office = new_page("admin")
    log_in(office, admin)
    office.goto("/summaries/")
    office.select_option("select[name=year]", "2026")
    office.select_option("select[name=quarter]", "3")
    office.select_option("select[name=province]", hanoi.code)
    office.click("#summary-filters button[type=submit]")
    office.wait_for_load_state()
    office.shot("working-figures")
    assert office.locator("#working-banner").is_visible()
    assert "1.300" in office.inner_text("body")

    # The quarters are locked (the periods page does this; tested in tests/reports), then the
    # admin publishes 2026 through Q3 and downloads the release as XLSX.
    ReportingPeriod.objects.filter(year=2026, end_date__lte=period.end_date).update(is_locked=True)
    office.goto("/summaries/releases/")
    office.fill("#publish-form input[name=year]", "2026")
    office.select_option("#publish-form select[name=quarter]", "3")
    office.click("#publish")
    office.wait_for_load_state()
    office.shot("published")
    assert "3/2026" in office.inner_text("#releases")  # "Quý 1–Quý 3/2026" in Vietnamese
    office.goto(f"/summaries/?view=published&year=2026&quarter=3&province={hanoi.code}")
    assert "1.300" in office.inner_text("body")
    with office.expect_download() as download_info:
        office.click("#download-xlsx")
    with open(download_info.value.path(), "rb") as handle:
        workbook = openpyxl.load_workbook(handle)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) > 1
    assert {row[4] for row in rows[1:]} == {hanoi.code, "VN"}
    assert 1300 in {row[9] for row in rows[1:]}
