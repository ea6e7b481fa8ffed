"""The two-level flow in the browser: a commune chapter files, its provincial chapter approves
(level 1), the central union accepts (level 2), and the release shows it; the provincial
chapter's staff read their commune chapters' reports."""

import pytest

from portal.models import Organisation
from reports.models import ActivityReport, ReportingPeriod
from summaries.models import ProvincialSummary
from tests import factories
from tests.browser.test_workflow import fill_figures, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Kind = Organisation.Kind
PERIOD = "2026-Q3"


def test_commune_files_province_approves_central_accepts_release_shows_it(new_page):
    hanoi = factories.province("01")
    org = factories.OrganisationFactory
    central = org(name="Trung ương Hội LHPN Việt Nam", kind=Kind.VWU_CENTRAL, province=None)
    chapter = org(name="Hội LHPN Hà Nội", kind=Kind.VWU_PROVINCIAL, province=hanoi, parent=central)
    commune = org(name="Chi hội Sóc Sơn", kind=Kind.VWU_COMMUNE, province=hanoi, parent=chapter)
    sibling = org(name="Chi hội Ba Vì", kind=Kind.VWU_COMMUNE, province=hanoi, parent=chapter)
    programme = factories.programme("trusted-address")
    programme.approval_levels = 2
    programme.save(update_fields=["approval_levels"])
    commune.programmes.add(programme)
    period = factories.period(PERIOD)
    reporter = factories.reporter(organisation=commune)
    chapter_staff = factories.reporter(organisation=chapter)
    province_reviewer = factories.reviewer(provinces=[hanoi], organisation=chapter)
    central_reviewer = factories.reviewer(organisation=central)
    admin = factories.admin_user()
    sibling_report = factories.submitted_report(organisation=sibling, period_code=PERIOD)

    # The commune chapter files its report.
    page = new_page("commune")
    log_in(page, reporter)
    page.goto("/reports/new/")
    page.select_option("select[name=programme]", str(programme.pk))
    page.select_option("select[name=period]", str(period.pk))
    page.click("form:has(select[name=programme]) button[type=submit]")
    page.wait_for_url("**/edit/")
    report = ActivityReport.objects.get(organisation=commune)
    page.fill("input[name=title]", "Địa chỉ tin cậy xã Sóc Sơn quý 3")
    fill_figures(page, report, total=1_234)
    page.click("button[name=submit]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == "submitted"

    # The provincial chapter's staff read both commune chapters' reports, and decide nothing.
    staff = new_page("chapter-staff")
    log_in(staff, chapter_staff)
    staff.goto("/reports/")
    staff.shot("chapter-list")
    listed = staff.inner_text("main")
    assert "Địa chỉ tin cậy xã Sóc Sơn quý 3" in listed
    assert sibling_report.title in listed
    staff.goto(f"/reports/{report.pk}/")
    assert staff.locator("#history").is_visible()
    assert staff.locator("#review-panel").count() == 0

    # The province approves at level 1: nothing reaches the figures yet.
    province = new_page("province")
    log_in(province, province_reviewer, next_path="/reports/review/")
    assert province.locator(".review-level").first.is_visible()
    province.click(f'a[href="/reports/{report.pk}/"]')
    province.shot("level-1")
    province.click("#decision-form button.btn-success")
    province.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == "approved_1"
    assert province.locator("#approval-level").is_visible()
    assert not ProvincialSummary.objects.filter(province=hanoi, period=period).exists()

    # The central union accepts at level 2: now it counts.
    centre = new_page("central")
    log_in(centre, central_reviewer, next_path="/reports/review/")
    centre.shot("central-queue")
    centre.click(f'a[href="/reports/{report.pk}/"]')
    centre.click("#decision-form button.btn-success")
    centre.wait_for_load_state()
    centre.shot("accepted")
    report.refresh_from_db()
    assert report.status == "approved"
    history = centre.inner_text("#history")
    assert province_reviewer.full_name in history and central_reviewer.full_name in history
    assert ProvincialSummary.objects.filter(province=hanoi, period=period, value=1_234).exists()

    # The admin publishes 2026 through Q3; the release shows the figure.
    ReportingPeriod.objects.filter(year=2026, end_date__lte=period.end_date).update(is_locked=True)
    office = new_page("admin")
    log_in(office, admin)
    office.goto("/summaries/releases/")
    office.fill("#publish-form input[name=year]", "2026")
    office.select_option("#publish-form select[name=quarter]", "3")
    office.click("#publish")
    office.wait_for_load_state()
    office.goto(f"/summaries/?view=published&year=2026&quarter=3&province={hanoi.code}")
    office.shot("release")
    assert "1.234" in office.inner_text("body")
