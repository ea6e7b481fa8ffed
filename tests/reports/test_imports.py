"""Spreadsheet import: the template, the dry run, the import, hostile files and who may import."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from portal.models import AuditEvent, Organisation
from reports import imports, services
from reports.figures import inputs_from_figures
from reports.models import ActivityReport, Figure, ReportImport, ReportingPeriod
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path


COMPLETE = {
    "TA-01__total": 5,
    "TA-02__total": 10,
    "TA-02__age__unknown": 10,
    "TA-02__sex__female": 10,
    "TA-02__disability__unknown": 10,
    "PRO-02__num": 3,
    "PRO-02__den": 4,
    "PRO-02__age__unknown__num": 3,
    "PRO-02__age__unknown__den": 4,
    "PRO-02__sex__female__num": 3,
    "PRO-02__sex__female__den": 4,
}


def template(organisations, periods=("2026-Q2",), programme="trusted-address") -> bytes:
    buffer = io.BytesIO()
    imports.write_template(
        buffer,
        programme=factories.programme(programme),
        organisations=organisations,
        periods=[factories.period(code) for code in periods],
    )
    return buffer.getvalue()


def fill(data: bytes, rows: dict[int, dict], *, edit=None) -> bytes:
    """The template with `rows` (spreadsheet row number -> {column key: value}) filled in."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[imports.KEY_ROW]}
    for row, values in rows.items():
        for key, value in values.items():
            sheet.cell(row=row, column=columns[key], value=value)
    if edit:
        edit(sheet, columns)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def run(user, data: bytes, *, submit=False, name="reports.xlsx") -> ReportImport:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.report_import_upload(
                actor=user, upload=SimpleUploadedFile(name, data), submit=submit
            )
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    def run(user, job) -> ReportImport:
        with django_capture_on_commit_callbacks(execute=True):
            services.report_import_confirm(actor=user, import_id=job.pk)
        job.refresh_from_db()
        return job

    return run


def messages_of(job) -> list[str]:
    return [error["message"] for error in job.errors]


# --- The template ------------------------------------------------------------------------------


def test_the_template_has_a_column_per_declared_cell_and_a_row_per_organisation_and_period():
    first = factories.OrganisationFactory()
    second = factories.OrganisationFactory()

    book = load_workbook(io.BytesIO(template([first, second], periods=("2026-Q1", "2026-Q2"))))

    sheet = book.worksheets[0]
    keys = [cell.value for cell in sheet[imports.KEY_ROW]]
    assert keys[:7] == [
        "organisation",
        "organisation_name",
        "period",
        "province",
        "commune",
        "title",
        "narrative",
    ]
    # TA-02 is broken down by age (9), sex (3) and disability (3): total + 15 cells + n/a.
    assert len([key for key in keys if key.startswith("TA-02__")]) == 1 + 1 + 15
    # PRO-02, a ratio by age (7 categories) and sex (3): numerator and denominator of each.
    assert "PRO-02__num" in keys and "PRO-02__den" in keys and "PRO-02__total" not in keys
    assert "PRO-02__age__12-15__num" in keys and "PRO-02__age__0-5__num" not in keys
    rows = [
        (row[0], row[2])
        for row in sheet.iter_rows(min_row=imports.FIRST_DATA_ROW, values_only=True)
        if row[0]
    ]
    assert rows == [
        (first.pk, "2026-Q1"),
        (first.pk, "2026-Q2"),
        (second.pk, "2026-Q1"),
        (second.pk, "2026-Q2"),
    ]


def test_the_template_locks_its_header_validates_figures_and_explains_itself_in_your_language():
    organisation = factories.OrganisationFactory()

    with translation.override("vi"):
        vietnamese = load_workbook(io.BytesIO(template([organisation])))
    with translation.override("en"):
        english = load_workbook(io.BytesIO(template([organisation])))

    sheet = english.worksheets[0]
    assert sheet.protection.sheet
    assert sheet.cell(row=imports.LABEL_ROW, column=8).protection.locked
    assert not sheet.cell(row=imports.FIRST_DATA_ROW, column=8).protection.locked
    assert sheet.row_dimensions[imports.KEY_ROW].hidden
    assert any(v.type == "whole" for v in sheet.data_validations.dataValidation)
    assert english.sheetnames[:2] == ["Reports", "Instructions"]
    assert vietnamese.sheetnames[:2] == ["Báo cáo", "Hướng dẫn"]
    assert "1.234" in " ".join(str(c.value) for c in vietnamese["Hướng dẫn"]["A"] if c.value)


def test_the_template_holds_what_an_existing_report_already_says():
    report = factories.submitted_report()

    book = load_workbook(io.BytesIO(template([report.organisation])))

    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[imports.KEY_ROW]}
    assert sheet.cell(row=3, column=columns["TA-01__total"]).value == 10
    assert sheet.cell(row=3, column=columns["title"]).value == report.title


# --- Dry run and import ------------------------------------------------------------------------


def test_a_dry_run_lists_every_error_with_sheet_row_and_column_and_saves_nothing(upload):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    data = fill(
        template([organisation], periods=("2026-Q1", "2026-Q2")),
        {
            3: {**COMPLETE, "TA-02__sex__female": 9},  # the sex cells add up to 9, not 10
            4: {**COMPLETE, "TA-01__total": "12,5", "PRO-02__num": 5},
        },
    )
    with translation.override("en"):
        columns = [
            c.key for c in imports.template_columns(imports.indicators_of(factories.programme()))
        ]
    sex_column = get_column_letter(columns.index("TA-02__sex__female") + 1)

    with translation.override("en"):
        job = upload(user, data, submit=True)  # cells adding up is a rule of submission

    assert job.status == ReportImport.Status.CHECKED
    assert not job.can_confirm
    assert any(
        (e["sheet"], e["row"], e["column"]) == ("Báo cáo", 3, sex_column)
        and "add up to 9" in e["message"]
        for e in job.errors
    )
    assert any(
        e["row"] == 4 and e["label"] == "TA-01: total" and "whole number" in e["message"]
        for e in job.errors
    )
    assert any(e["row"] == 4 and "numerator cannot be larger" in e["message"] for e in job.errors)
    assert not ActivityReport.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_TRANSITION).exists()


def test_errors_are_translated_into_vietnamese(upload):
    user = factories.reporter()
    data = fill(
        template([user.membership_list[0].organisation]), {3: {**COMPLETE, "TA-01__total": "abc"}}
    )

    with translation.override("vi"):
        job = upload(user, data)

    assert any("Nhập số nguyên, ví dụ 1234 hoặc 1.234." in m for m in messages_of(job))


def test_a_checked_file_imports_all_its_reports_as_drafts_with_one_audit_entry(upload, confirm):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    data = fill(
        template([organisation], periods=("2026-Q1", "2026-Q2")),
        {3: COMPLETE, 4: {**COMPLETE, "TA-01__total": "1.234", "narrative": "Tập huấn"}},
    )
    job = upload(user, data)
    assert job.errors == [] and [row["action"] for row in job.plan] == ["create", "create"]
    assert not ActivityReport.objects.exists()

    job = confirm(user, job)

    assert job.status == ReportImport.Status.DONE
    reports = ActivityReport.objects.order_by("period__start_date")
    assert [r.status for r in reports] == ["draft", "draft"]
    assert reports[1].narrative == "Tập huấn"
    assert (
        Figure.objects.get(report=reports[1], indicator__code="TA-01", dimension="total").value
        == 1234
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REPORTS_IMPORTED).count() == 1
    assert not job.file  # the file is not kept once imported


def test_reports_can_be_imported_as_submitted(upload, confirm):
    user = factories.reporter()
    data = fill(template([user.membership_list[0].organisation]), {3: COMPLETE})

    job = confirm(user, upload(user, data, submit=True))

    assert job.status == ReportImport.Status.DONE
    assert ActivityReport.objects.get().status == ActivityReport.Status.SUBMITTED


def test_a_row_for_an_existing_draft_changes_it_and_an_unchanged_row_is_left_alone(upload, confirm):
    report = factories.draft_report()
    user = report.created_by
    data = fill(template([report.organisation]), {3: COMPLETE})
    confirm(user, upload(user, data))
    version = ActivityReport.objects.get().version

    again = upload(user, template([report.organisation]))  # as downloaded: what the report holds
    changed = upload(user, fill(template([report.organisation]), {3: {"TA-01__total": 7}}))

    assert [row["action"] for row in again.plan] == ["unchanged"]
    assert not again.can_confirm
    assert [(row["action"], row["changes"]) for row in changed.plan] == [("update", 1)]
    confirm(user, changed)
    report.refresh_from_db()
    assert report.version > version
    assert (
        inputs_from_figures(report.figures.all())[
            report.programme.indicators.get(code="TA-01").pk
        ].total
        == 7
    )


def test_a_submitted_report_cannot_be_changed_by_an_import(upload):
    report = factories.submitted_report()
    user = report.created_by

    with translation.override("en"):
        job = upload(user, fill(template([report.organisation]), {3: {"TA-01__total": 99}}))

    assert any("only a draft or a returned report" in m for m in messages_of(job))


def test_an_import_that_meets_a_new_error_at_confirmation_fails_whole(upload, confirm):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    data = fill(
        template([organisation], periods=("2026-Q1", "2026-Q2")), {3: COMPLETE, 4: COMPLETE}
    )
    with translation.override("en"):
        job = upload(user, data)
    ReportingPeriod.objects.filter(year=2026, kind="quarter", number=2).update(is_locked=True)

    job = confirm(user, job)

    assert job.status == ReportImport.Status.FAILED
    assert any("locked" in m for m in messages_of(job))
    assert not ActivityReport.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORTS_IMPORTED).exists()


def test_running_the_import_twice_imports_once(upload, confirm):
    user = factories.reporter()
    job = confirm(
        user, upload(user, fill(template([user.membership_list[0].organisation]), {3: COMPLETE}))
    )

    services.report_import_run(import_id=job.pk)

    assert ActivityReport.objects.count() == 1


# --- Provinces ---------------------------------------------------------------------------------


def national_reporter():
    organisation = factories.OrganisationFactory(kind=Organisation.Kind.CSO, province=None)
    return factories.reporter(organisation=organisation), organisation


def test_a_pre_2025_province_code_is_mapped_to_its_successor_for_an_earlier_period(upload, confirm):
    user, organisation = national_reporter()
    data = fill(template([organisation], periods=("2025-Q1",)), {3: {**COMPLETE, "province": "02"}})

    job = confirm(user, upload(user, data))

    assert job.status == ReportImport.Status.DONE, job.errors
    assert ActivityReport.objects.get().province.code == "08"  # Hà Giang merged into Tuyên Quang


def test_a_pre_2025_province_code_is_refused_for_a_period_after_the_merger(upload):
    user, organisation = national_reporter()
    data = fill(template([organisation], periods=("2025-Q3",)), {3: {**COMPLETE, "province": "02"}})

    with translation.override("en"):
        job = upload(user, data)

    assert any(e["label"] == "Province code" and "merged into" in e["message"] for e in job.errors)


def test_a_province_code_the_spreadsheet_turned_into_a_number_is_read(upload):
    user, organisation = national_reporter()
    data = fill(template([organisation]), {3: {**COMPLETE, "province": 8}})

    job = upload(user, data)

    assert job.errors == []


# --- Hostile files -----------------------------------------------------------------------------


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def plain_workbook(edit) -> bytes:
    book = Workbook()
    edit(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused_at_upload(user, data: bytes) -> str:
    with translation.override("en"), pytest.raises(services.ImportFileError) as caught:
        services.report_import_upload(
            actor=user, upload=SimpleUploadedFile("x.xlsx", data), submit=False
        )
    assert not ReportImport.objects.exists()
    assert not ActivityReport.objects.exists()
    return str(caught.value)


def test_a_file_that_is_not_xlsx_is_refused():
    user = factories.reporter()

    assert "not an Excel workbook" in refused_at_upload(user, b"organisation;period\n1;2026-Q2\n")
    assert "not an Excel workbook" in refused_at_upload(user, b"%PDF-1.7\n" + b"x" * 100)
    assert "not an Excel workbook" in refused_at_upload(user, zipped({"a.txt": b"hello"}))


def test_a_zip_bomb_is_refused_before_it_is_parsed():
    user = factories.reporter()
    bomb = zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (imports.MAX_UNCOMPRESSED_BYTES + 1),
        }
    )
    assert len(bomb) < imports.MAX_UPLOAD_BYTES

    assert "unpacks to more than" in refused_at_upload(user, bomb)


def test_xml_entity_declarations_are_refused():
    user = factories.reporter()
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><workbook>&lol;</workbook>'
    data = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": laughs})

    assert "XML declarations" in refused_at_upload(user, data)


def test_a_file_larger_than_the_limit_is_refused():
    user = factories.reporter()

    assert "larger than" in refused_at_upload(user, b"PK" + b"\0" * imports.MAX_UPLOAD_BYTES)


def test_merged_cells_are_refused():
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    data = fill(template([organisation]), {3: COMPLETE}, edit=lambda s, c: s.merge_cells("H3:I3"))

    assert "merged cells" in refused_at_upload(user, data)


def test_a_workbook_that_is_not_the_template_is_refused(upload):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    other = plain_workbook(lambda sheet: sheet.append(["organisation", "period", "TA-01"]))
    # The template of another programme with a column taken out.
    changed = fill(template([organisation]), {}, edit=lambda s, c: s.delete_cols(c["TA-01__total"]))

    with translation.override("en"):
        first, second = upload(user, other), upload(user, changed)

    assert "not the portal's import template" in messages_of(first)[0]
    assert "columns are not those of the current" in messages_of(second)[0]
    assert not first.can_confirm and not second.can_confirm
    assert not ActivityReport.objects.exists()


def test_formulas_are_refused_and_never_evaluated(upload):
    user = factories.reporter()
    data = fill(
        template([user.membership_list[0].organisation]), {3: {**COMPLETE, "TA-01__total": "=2+3"}}
    )

    with translation.override("en"):
        job = upload(user, data)

    assert any(e["row"] == 3 and "Formulas are not read" in e["message"] for e in job.errors)
    assert not job.can_confirm


@pytest.mark.parametrize("rows", [imports.MAX_ROWS + 1, 100_000])
def test_too_many_rows_are_refused(upload, rows):
    """One row past the limit, and the issue's 100,000: refused as the rows are read, before
    any is checked (the reader stops at the first row past the limit)."""
    user = factories.reporter()
    organisation = user.membership_list[0].organisation

    def many(sheet, columns):
        for row in range(3, 3 + rows):
            sheet.cell(row=row, column=1, value=organisation.pk)

    with translation.override("en"):
        job = upload(user, fill(template([organisation]), {}, edit=many))

    assert "more than 2000 reports" in messages_of(job)[0]
    assert not ActivityReport.objects.exists()


def test_dates_in_figure_cells_and_in_the_period_are_errors(upload):
    user = factories.reporter()
    data = fill(
        template([user.membership_list[0].organisation], periods=("2026-Q1", "2026-Q2")),
        {
            3: {**COMPLETE, "TA-01__total": datetime.datetime(2026, 1, 5)},
            4: {**COMPLETE, "period": datetime.datetime(2026, 9, 1)},
        },
    )

    with translation.override("en"):
        job = upload(user, data)

    assert any(e["row"] == 3 and "formatted as a date" in e["message"] for e in job.errors)
    assert any(
        e["row"] == 4 and "turned the period code into a date" in e["message"] for e in job.errors
    )


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1.234", 1234),
        ("1 234", 1234),
        ("1234", 1234),
        (1234.0, 1234),
        ("12,5", None),
        ("1.23", None),
        (2.5, None),
    ],
)
def test_numbers_as_text_are_read_as_the_report_form_reads_them(upload, typed, read):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    data = fill(template([organisation]), {3: {**COMPLETE, "TA-01__total": typed}})

    job = upload(user, data)

    if read is None:
        assert any(e["row"] == 3 and e["label"].startswith("TA-01") for e in job.errors)
    else:
        assert job.errors == []
        indicator = factories.programme().indicators.get(code="TA-01")
        assert job.plan[0]["action"] == "create"
        with translation.override("en"):
            sheet = imports.read_workbook(data)
        assert sheet.rows[0].figures[indicator.pk].total == read


# --- Who may import ----------------------------------------------------------------------------


def test_a_reporter_cannot_import_for_another_organisation(upload):
    user = factories.reporter()
    other = factories.OrganisationFactory()

    with translation.override("en"):
        job = upload(user, fill(template([other]), {3: COMPLETE}))

    assert any("You cannot import reports for organisation" in m for m in messages_of(job))
    assert not ActivityReport.objects.exists()


def test_a_parent_chapters_reporter_imports_for_its_subtree_and_an_admin_for_anyone(
    upload, confirm
):
    province = factories.province("01")
    parent = factories.OrganisationFactory(kind=Organisation.Kind.VWU_PROVINCIAL, province=province)
    child = factories.OrganisationFactory(
        kind=Organisation.Kind.VWU_COMMUNE, province=province, parent=parent
    )
    parent_reporter = factories.reporter(organisation=parent)
    admin = factories.admin_user()
    elsewhere = factories.OrganisationFactory()

    by_parent = confirm(
        parent_reporter, upload(parent_reporter, fill(template([child]), {3: COMPLETE}))
    )
    by_admin = confirm(admin, upload(admin, fill(template([elsewhere]), {3: COMPLETE})))

    assert by_parent.status == by_admin.status == ReportImport.Status.DONE
    assert set(ActivityReport.objects.values_list("organisation", flat=True)) == {
        child.pk,
        elsewhere.pk,
    }


def test_a_reviewer_without_a_reporter_role_cannot_open_the_import_page(client, reviewer):
    client.force_login(reviewer)

    assert client.get(reverse("reports:import")).status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.report_import_upload(
            actor=reviewer, upload=SimpleUploadedFile("x.xlsx", b"PK"), submit=False
        )


def test_another_users_import_is_a_404(client, upload):
    owner = factories.reporter()
    job = upload(owner, fill(template([owner.membership_list[0].organisation]), {3: COMPLETE}))
    colleague = factories.reporter(organisation=owner.membership_list[0].organisation)
    client.force_login(colleague)

    assert client.get(reverse("reports:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("reports:import_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ReportImport.Status.CHECKED


def test_the_pages_download_a_template_and_show_the_dry_run(
    client, django_capture_on_commit_callbacks
):
    user = factories.reporter()
    organisation = user.membership_list[0].organisation
    client.force_login(user)
    period = factories.period("2026-Q2")
    programme = factories.programme()

    response = client.get(
        reverse("reports:import_template"),
        {"programme": programme.pk, "organisations": [organisation.pk], "periods": [period.pk]},
    )
    data = fill(b"".join(response.streaming_content), {3: COMPLETE})
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            reverse("reports:import"),
            {"file": SimpleUploadedFile("mine.xlsx", data), "submit": "0"},
        )
    detail = client.get(uploaded["Location"])

    assert response.status_code == 200 and uploaded.status_code == 302
    assert b'id="confirm-import"' in detail.content
    other = client.get(
        reverse("reports:import_template"),
        {
            "programme": programme.pk,
            "organisations": [factories.OrganisationFactory().pk],
            "periods": [period.pk],
        },
    )
    assert other.status_code == 400  # an organisation outside the user's scope is not a choice


def test_an_import_that_breaks_unexpectedly_is_marked_failed_with_nothing_saved(
    upload, monkeypatch
):
    user = factories.reporter()
    job = upload(user, fill(template([user.membership_list[0].organisation]), {3: COMPLETE}))

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_save_content", broken)
    services.report_import_confirm(actor=user, import_id=job.pk)
    with pytest.raises(RuntimeError):
        services.report_import_run(import_id=job.pk)  # as the Celery task runs it

    job.refresh_from_db()
    assert job.status == ReportImport.Status.FAILED
    assert job.errors and not ActivityReport.objects.exists()


def test_the_import_page_links_only_the_reports_the_importer_may_open(client, upload, confirm):
    province = factories.province("01")
    parent = factories.OrganisationFactory(kind=Organisation.Kind.VWU_PROVINCIAL, province=province)
    child = factories.OrganisationFactory(
        kind=Organisation.Kind.VWU_COMMUNE, province=province, parent=parent
    )
    user = factories.reporter(organisation=parent)
    drafts = confirm(user, upload(user, fill(template([child]), {3: COMPLETE})))
    submitted = confirm(
        user, upload(user, fill(template([child], ("2026-Q1",)), {3: COMPLETE}), submit=True)
    )
    client.force_login(user)

    draft_page = client.get(reverse("reports:import_detail", args=[drafts.pk])).content.decode()
    submitted_page = client.get(
        reverse("reports:import_detail", args=[submitted.pk])
    ).content.decode()

    draft_id = drafts.plan[0]["report"]
    submitted_id = submitted.plan[0]["report"]
    assert f"/reports/{draft_id}/" not in draft_page  # a child's draft: not the parent's to open
    assert f"/reports/{submitted_id}/" in submitted_page


def test_a_template_for_periods_the_programme_does_not_report_by_is_refused(client):
    user = factories.reporter()
    client.force_login(user)

    response = client.get(
        reverse("reports:import_template"),
        {
            "programme": factories.programme().pk,
            "organisations": [user.membership_list[0].organisation.pk],
            "periods": [factories.period("2026").pk],
        },
    )

    assert response.status_code == 400  # the page speaks Vietnamese by default
    assert "hãy chọn các kỳ như vậy" in response.content.decode()


def test_the_progress_of_a_running_check_is_read_from_the_cache(upload):
    user = factories.reporter()
    job = upload(user, fill(template([user.membership_list[0].organisation]), {3: COMPLETE}))
    job.status, job.progress = ReportImport.Status.IMPORTING, 0

    services._progress_writer(job)(40)

    assert services.report_import_progress(job) == 40


def test_a_report_changed_after_the_check_is_not_overwritten_by_the_import(upload, confirm):
    report = factories.draft_report()
    user = report.created_by
    with translation.override("en"):
        job = upload(user, fill(template([report.organisation]), {3: COMPLETE}))
    assert [row["action"] for row in job.plan] == ["update"]
    services.report_update(  # a colleague saves the draft on the form meanwhile
        actor=user,
        report_id=report.pk,
        content=services.ReportContent(title="Sửa trên biểu mẫu"),
    )

    job = confirm(user, job)

    assert job.status == ReportImport.Status.FAILED
    assert any("changed after the check" in m for m in messages_of(job))
    report.refresh_from_db()
    assert report.title == "Sửa trên biểu mẫu" and not report.figures.exists()


def test_the_template_address_without_a_choice_shows_the_import_page_and_a_partial_one_says_why(
    client,
):
    user = factories.reporter()
    client.force_login(user)
    organisation = user.membership_list[0].organisation

    bare = client.get(reverse("reports:import_template"), {"page": "2"})
    partial = client.get(reverse("reports:import_template"), {"organisations": [organisation.pk]})

    assert bare.status_code == 200 and not bare.context["template_form"].errors
    assert partial.status_code == 400 and "programme" in partial.context["template_form"].errors
