"""Every submission rule, through the service and through the form."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Indicator
from reports import services
from reports.figures import MAX_FIGURE, FigureInput
from reports.forms import parse_whole_number
from reports.models import ActivityReport
from tests import factories
from tests.files import small_pdf, small_png

pytestmark = pytest.mark.django_db


def submit_with(report, figures, **extra):
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(title=report.title, figures=figures, **extra),
        submit=True,
    )


def errors_of(report, figures) -> dict:
    with pytest.raises(ValidationError) as raised:
        submit_with(report, figures)
    return raised.value.message_dict


def indicator(code):
    return Indicator.objects.get(code=code)


@pytest.fixture
def report():
    return factories.draft_report()


def test_every_indicator_needs_a_figure_or_not_applicable(report):
    figures = factories.complete_figures(report)
    del figures[indicator("TA-01").pk]
    figures[indicator("PRO-02").pk] = FigureInput(numerator=1)

    errors = errors_of(report, figures)

    assert set(errors) == {"TA-01__total", "PRO-02__den"}
    assert ActivityReport.objects.get(pk=report.pk).status == "draft"


def test_not_applicable_counts_as_an_answer(report):
    figures = factories.complete_figures(report)
    figures[indicator("TA-01").pk] = FigureInput(not_applicable=True)

    submit_with(report, figures)

    assert ActivityReport.objects.get(pk=report.pk).status == "submitted"


def test_not_applicable_with_figures_is_refused(report):
    figures = factories.complete_figures(report)
    figures[indicator("TA-01").pk] = FigureInput(not_applicable=True, total=3)

    assert "TA-01__na" in errors_of(report, figures)


def test_cells_must_add_up_to_the_total(report):
    figures = factories.complete_figures(report)
    figures[indicator("TA-02").pk].cells[("sex", "male")] = 1

    errors = errors_of(report, figures)

    assert list(errors) == ["TA-02__sex__female"]
    assert "11" in errors["TA-02__sex__female"][0]


@pytest.mark.parametrize(
    ("figure", "field"),
    [
        (FigureInput(total=-1), "TA-01__total"),
        (FigureInput(total=MAX_FIGURE + 1), "TA-01__total"),
        (FigureInput(total=2.5), "TA-01__total"),
    ],
)
def test_figures_are_whole_non_negative_and_sane(report, figure, field):
    figures = factories.complete_figures(report)
    figures[indicator("TA-01").pk] = figure

    assert field in errors_of(report, figures)


def test_the_numerator_never_exceeds_the_denominator(report):
    figures = factories.complete_figures(report)
    figures[indicator("PRO-02").pk] = FigureInput(numerator=9, denominator=4)

    assert "PRO-02__num" in errors_of(report, figures)


def test_a_draft_cannot_even_be_saved_with_impossible_numbers(report):
    figures = {indicator("PRO-02").pk: FigureInput(numerator=9, denominator=4)}

    with pytest.raises(ValidationError):
        services.report_update(
            actor=report.created_by,
            report_id=report.pk,
            content=services.ReportContent(title="x", figures=figures),
        )

    assert not report.figures.exists()


def test_a_locked_period_refuses_submission(report, admin_user):
    services.period_set_locked(actor=admin_user, period_id=report.period_id, locked=True)

    with pytest.raises(services.WorkflowError, match=r"locked|khóa"):
        submit_with(report, factories.complete_figures(report))

    assert ActivityReport.objects.get(pk=report.pk).status == "draft"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1234", 1234),
        ("1.234", 1234),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1,234", 1234),
        ("1.234.567", 1234567),
        ("0", 0),
        (" 42 ", 42),
    ],
)
def test_numbers_are_read_the_vietnamese_way_as_well_as_plainly(typed, value):
    assert parse_whole_number(typed) == value


@pytest.mark.parametrize("typed", ["1.5", "12.34", "1.2345", "abc", "-3", "1.234,5", "1.234 567"])
def test_anything_else_is_not_a_whole_number(typed):
    with pytest.raises(ValidationError):
        parse_whole_number(typed)


def form_data(report, **overrides):
    data = {
        "title": "Báo cáo quý",
        "narrative": "",
        "province": report.province_id,
        "commune": "",
        "version": report.version,
        "TA-01__total": "12",
        "TA-02__total": "1.234",
        "TA-02__sex__female": "1.000",
        "TA-02__sex__male": "234",
        "TA-02__age__25-49": "1 234",
        "TA-02__disability__no": "1234",
        "PRO-02__num": "5",
        "PRO-02__den": "8",
        # PRO-02 is broken down by sex and age: numerator and denominator in every cell.
        "PRO-02__sex__female__num": "1",
        "PRO-02__sex__female__den": "2",
        "PRO-02__sex__male__num": "4",
        "PRO-02__sex__male__den": "6",
        "PRO-02__age__unknown__num": "5",
        "PRO-02__age__unknown__den": "8",
        "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_submits_vietnamese_numbers(client, report):
    client.force_login(report.created_by)

    response = client.post(reverse("reports:edit", args=[report.pk]), form_data(report))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.figures.get(indicator__code="TA-02", dimension="total").value == 1234


def test_the_form_shows_each_error_next_to_its_field_and_saves_nothing(client, report):
    client.force_login(report.created_by)

    response = client.post(
        reverse("reports:edit", args=[report.pk]),
        form_data(report, **{"TA-02__sex__male": "2", "PRO-02__num": "9", "TA-01__total": "1,5"}),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "TA-01__total" in form.errors
    report.refresh_from_db()
    assert report.status == "draft"
    assert report.title != "Báo cáo quý"
    assert not report.figures.exists()


def test_the_form_reports_sums_from_the_service_next_to_the_field(client, report):
    client.force_login(report.created_by)

    response = client.post(
        reverse("reports:edit", args=[report.pk]), form_data(report, **{"TA-02__sex__male": "2"})
    )

    assert response.status_code == 200
    assert "TA-02__sex__female" in response.context["form"].errors
    assert ActivityReport.objects.get(pk=report.pk).status == "draft"


PDF = small_pdf()
PNG = small_png()


@pytest.mark.parametrize(("name", "data"), [("evidence.pdf", PDF), ("photo.png", PNG)])
def test_evidence_files_are_accepted_by_content(report, name, data):
    attachment = services.attachment_add(
        actor=report.created_by, report_id=report.pk, upload=SimpleUploadedFile(name, data)
    )

    assert attachment.original_name == name
    assert attachment.file.name.endswith(attachment.extension)
    assert name not in attachment.file.name


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evidence.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        ("notes.txt", b"plain text is not evidence"),
        ("empty.pdf", b""),
    ],
)
def test_other_files_are_refused_whatever_their_name(report, name, data):
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=report.created_by, report_id=report.pk, upload=SimpleUploadedFile(name, data)
        )

    assert not report.attachments.exists()


def test_files_over_10_mb_are_refused(report):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))

    with pytest.raises(ValidationError, match="10 MB"):
        services.attachment_add(actor=report.created_by, report_id=report.pk, upload=big)
