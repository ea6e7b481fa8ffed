"""The edit form keeps everything typed and shows every error at once, with a summary on top."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import ActivityReport
from tests import factories
from tests.reports.test_validation import PDF, form_data

pytestmark = pytest.mark.django_db

NARRATIVE = "Tập huấn 3 buổi cho tổ an toàn cộng đồng."


@pytest.fixture
def report():
    return factories.draft_report()


def test_attaching_a_file_keeps_the_figures_typed_but_not_yet_saved(client, report):
    client.force_login(report.created_by)
    data = form_data(report, narrative=NARRATIVE, submit=None, attach="1")
    data["file"] = SimpleUploadedFile("evidence.pdf", PDF)

    response = client.post(reverse("reports:edit", args=[report.pk]), data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.attachments.count() == 1
    assert report.narrative == NARRATIVE
    assert report.figures.get(indicator__code="TA-02", dimension="total").value == 1234
    assert report.status == "draft"


def test_attaching_a_file_to_a_form_with_a_mistake_keeps_what_was_typed(client, report):
    client.force_login(report.created_by)
    data = form_data(report, narrative=NARRATIVE, submit=None, attach="1", **{"TA-01__total": "x"})
    data["file"] = SimpleUploadedFile("evidence.pdf", PDF)

    response = client.post(reverse("reports:edit", args=[report.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert NARRATIVE in page
    assert 'value="1.234"' in page  # typed as 1.234, shown as typed
    assert "TA-01__total" in response.context["form"].errors
    assert report.attachments.count() == 1


def test_removing_a_file_keeps_the_figures_typed_but_not_yet_saved(client, report):
    from reports import services

    attachment = services.attachment_add(
        actor=report.created_by,
        report_id=report.pk,
        upload=SimpleUploadedFile("evidence.pdf", PDF),
    )
    client.force_login(report.created_by)
    data = form_data(report, narrative=NARRATIVE, submit=None, remove_attachment=attachment.pk)

    response = client.post(reverse("reports:edit", args=[report.pk]), data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert not report.attachments.exists()
    assert report.narrative == NARRATIVE


def test_every_error_comes_at_once_with_a_summary_linking_to_each_field(client, report):
    client.force_login(report.created_by)
    typed = {
        "TA-01__total": "abc",  # not a number: found by the form
        "TA-02__sex__male": "2",  # the cells no longer add up: found by the rules
        "PRO-02__num": None,  # missing: found at submission
    }

    response = client.post(
        reverse("reports:edit", args=[report.pk]), form_data(report, narrative=NARRATIVE, **typed)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"TA-01__total", "TA-02__sex__female", "PRO-02__num"} <= set(errors)
    page = response.content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    for field in ("TA-01__total", "TA-02__sex__female", "PRO-02__num"):
        assert f'href="#id_{field}"' in summary
        assert f'id="id_{field}"' in page
    assert "TA-01" in summary and NARRATIVE in page
    assert ActivityReport.objects.get(pk=report.pk).status == "draft"


def test_a_cell_that_is_not_a_number_does_not_also_claim_the_cells_do_not_add_up(client, report):
    client.force_login(report.created_by)

    response = client.post(
        reverse("reports:edit", args=[report.pk]), form_data(report, **{"TA-02__sex__male": "x"})
    )

    errors = response.context["form"].errors
    assert list(errors) == ["TA-02__sex__male"]
