"""A reporter imports reports from a spreadsheet in the browser: downloads the template, uploads
it with errors (the dry run lists them and offers no import), fixes it, imports it, and finds
the reports in the list. The import pages fit and pass axe, in Vietnamese and English."""

import io

import pytest
from openpyxl import load_workbook

from reports import imports
from reports.models import ActivityReport, ReportImport
from tests import factories
from tests.browser.test_layout import check_page
from tests.browser.test_workflow import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GOOD = {
    "TA-01__total": 5,
    "TA-02__total": "1.200",  # Vietnamese digit grouping: one thousand two hundred
    "TA-02__age__unknown": 1200,
    "TA-02__sex__female": 1200,
    "TA-02__disability__unknown": 1200,
    "PRO-02__num": 3,
    "PRO-02__den": 4,
    "PRO-02__age__unknown__num": 3,
    "PRO-02__age__unknown__den": 4,
    "PRO-02__sex__female__num": 3,
    "PRO-02__sex__female__den": 4,
}


def filled(path, rows: dict[int, dict]) -> bytes:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[imports.KEY_ROW]}
    for row, values in rows.items():
        for key, value in values.items():
            sheet.cell(row=row, column=columns[key], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, name: str, data: bytes, *, submitted: bool) -> None:
    page.goto("/reports/import/")
    page.set_input_files(
        "#upload-form input[type=file]",
        files=[
            {
                "name": name,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        ],
    )
    page.check(f"#upload-form input[name=submit][value='{1 if submitted else 0}']")
    page.click("#upload-button")
    page.wait_for_selector("#import-status")
    page.wait_for_selector("#import-plan")  # the dry run has finished (the page refreshes)


def test_a_reporter_imports_a_template_after_fixing_the_errors_the_dry_run_lists(
    new_page, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"  # the uploads go to a directory of the test's own
    organisation = factories.OrganisationFactory(name="Hội LHPN phường Kim Mã")
    reporter = factories.reporter(organisation=organisation)
    page = new_page("import")
    log_in(page, reporter)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )

    page.goto("/")
    page.click("#import-link")
    page.select_option("#id_programme", label=factories.programme().name_en)
    page.select_option("#id_organisations", label=organisation.name)
    page.select_option(
        "#id_periods", value=[str(factories.period(c).pk) for c in ("2026-Q1", "2026-Q2")]
    )
    page.shot("template-form")
    with page.expect_download() as download:
        page.click("#template-download")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    broken = filled(
        template,
        {3: {**GOOD, "TA-02__sex__female": 1100}, 4: {**GOOD, "TA-01__total": "12,5"}},
    )
    upload(page, "kim-ma.xlsx", broken, submitted=True)
    page.shot("dry-run-errors")

    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    text = page.inner_text("#import-errors")
    assert "add up to 1,100" in text or "add up to 1.100" in text
    assert "Enter a whole number" in text
    assert page.locator("#confirm-import").count() == 0
    assert not ActivityReport.objects.exists()

    upload(page, "kim-ma.xlsx", filled(template, {3: GOOD, 4: GOOD}), submitted=True)
    page.shot("dry-run-clean")
    assert page.locator("#import-errors").count() == 0
    assert page.inner_text("#import-plan").count("New report") == 2
    page.click("#confirm-import")
    page.wait_for_selector("#import-done")
    page.shot("imported")

    assert "2 reports created" in page.inner_text("#import-done")
    page.goto("/reports/")
    page.shot("report-list")
    assert page.locator("main").get_by_text("Submitted").count() >= 2
    reports = ActivityReport.objects.filter(organisation=organisation)
    assert sorted(r.period.code for r in reports) == ["2026-Q1", "2026-Q2"]
    assert {r.status for r in reports} == {ActivityReport.Status.SUBMITTED}

    imported = ReportImport.objects.filter(uploaded_by=reporter).order_by("created_at")
    paths = ["/reports/import/", f"/reports/import/{imported.first().pk}/"]
    paths.append(f"/reports/import/{imported.last().pk}/")  # with errors; imported
    problems: list[str] = []
    for language in ("vi", "en"):
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        for path in paths:
            check_page(page, path, problems, run_axe=True)
    assert not problems, "\n".join(problems)
